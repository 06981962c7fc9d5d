"""Every read of the catalogue, starting from the visibility rule.

Search results, facet counts and snippets are computed only over what the user may see: the
visible, filtered queryset is handed to the search engine as a subquery of allowed ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    Language,
    Measure,
    Pillar,
    Technology,
    Threat,
    ThreatSynonym,
)
from clearinghouse.catalog.search.querying import FacetValue, SearchResult, in_language, search_measures
from clearinghouse.core.visibility import TLP, Lifecycle

PAGE_SIZE = search.PAGE_SIZE

__all__ = ["FacetValue", "SearchResult", "in_language", "search_measures"]


def measures_visible_to(user: Any) -> QuerySet[Measure]:
    """Measures this user may see, with what list pages show of each."""
    return Measure.objects.visible_to(user).select_related("pillar", "owner_state", "owner_organization")


def measures_for_report(*, restricted: bool, include_illustrative: bool = False) -> QuerySet[Measure]:
    """Published measures a report may count: TLP:CLEAR only for the public edition, all but TLP:RED for the
    restricted one; illustrative measures only when asked (demonstrations)."""
    from django.contrib.auth.models import AnonymousUser

    found = Measure.objects.exportable() if restricted else Measure.objects.visible_to(AnonymousUser())
    if not include_illustrative:
        found = found.filter(is_illustrative=False)
    return found


def publication_span(measures: QuerySet[Measure]) -> tuple[Any, Any]:
    """When the first and the last of ``measures`` were published (walking the index on the publication date
    until the first one of them): a report's period never reveals a record its readers may not see."""
    dated = measures.filter(published_at__isnull=False).values_list("published_at", flat=True)
    return dated.order_by("published_at").first(), dated.order_by("-published_at").first()


def facet_counts(measures: QuerySet[Measure]) -> tuple[int, dict[str, dict[str, int]]]:
    """How many ``measures`` there are, and for each facet value (pillar, threat and family, BDT region,
    development group, Member State, language, status, year) how many have it: exact, from the search's
    bitmaps, so counting a million measures costs one scan for their ids."""
    return search.facet_counts(measures)


def technologies_visible_to(user: Any) -> QuerySet[Technology]:
    return Technology.objects.visible_to(user).select_related("owner_state", "owner_organization")


def measure_detail(user: Any, pk: int) -> Measure:
    """One measure with everything its page shows; ``Measure.DoesNotExist`` if unseen or absent."""
    return (
        measures_visible_to(user)
        .prefetch_related(
            "threats__parent",
            "references",
            "attachments",
            "translations",
            "review_comments__author",
            Prefetch("technologies", queryset=technologies_visible_to(user)),
        )
        .get(pk=pk)
    )


def threats() -> QuerySet[Threat]:
    return Threat.objects.select_related("parent").order_by("position")


def threat_families() -> QuerySet[Threat]:
    return Threat.objects.filter(parent=None).prefetch_related("children").order_by("position")


def pillars() -> QuerySet[Pillar]:
    return Pillar.objects.order_by("position")


@dataclass(frozen=True)
class ThreatTerm:
    """One way of naming a threat: its name in a language (``kind`` "name") or a synonym ("synonym")."""

    text: str
    language: str
    kind: str


@dataclass
class ThreatTerms:
    threat_id: int
    slug: str
    terms: list[ThreatTerm]


def threat_terms() -> list[ThreatTerms]:
    """For every threat, all its names and synonyms with their language (two queries): what search matches a
    query against to find the records filed under a threat whatever the language of the query."""
    by_threat: dict[int, list[ThreatTerm]] = {}
    for threat_id, language, text in ThreatSynonym.objects.order_by("threat_id", "language", "folded").values_list(
        "threat_id", "language", "text"
    ):
        by_threat.setdefault(threat_id, []).append(ThreatTerm(text, language, "synonym"))
    found = []
    for threat in Threat.objects.order_by("position", "pk"):
        names = [ThreatTerm(text, language, "name") for language, text in threat.names if text]
        found.append(ThreatTerms(threat.pk, threat.slug, names + by_threat.get(threat.pk, [])))
    return found


def taxonomy_for_curators() -> tuple[list[Threat], list[Pillar]]:
    """The threats (with their synonyms) and pillars, for the curators' taxonomy page."""
    threats = list(Threat.objects.select_related("parent").prefetch_related("synonyms").order_by("position"))
    return threats, list(pillars())


def review_queue(user: Any) -> QuerySet[Measure]:
    return (
        measures_visible_to(user)
        .filter(lifecycle__in=[Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW])
        .order_by("submitted_at")
    )


def submissions_of(user: Any) -> QuerySet[Measure]:
    """Everything the user's state or organization has contributed, in any state."""
    own = Q(pk__in=[])
    if getattr(user, "member_state_id", None):
        own |= Q(owner_state_id=user.member_state_id)
    if getattr(user, "organization_id", None):
        own |= Q(owner_organization_id=user.organization_id)
    return measures_visible_to(user).filter(own).order_by("-updated_at")


def related_measures(user: Any, measure: Measure, limit: int = 5) -> list[Measure]:
    """Other measures the user may see that counter the same threats, the most threats in common first."""
    threat_ids = [t.pk for t in measure.threats.all()]
    if not threat_ids:
        return []
    return list(
        measures_visible_to(user)
        .filter(threats__in=threat_ids)
        .exclude(pk=measure.pk)
        .annotate(shared=Count("threats", distinct=True))
        .order_by("-shared", F("published_at").desc(nulls_last=True))[:limit]
    )


# -- translations ---------------------------------------------------------------------------------------------

#: The stages at which a record is translated for its readers: in the Secretariat's hands or published.
TRANSLATED_STAGES = (Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED)
#: The record types a translator is sent, by the name their unit ids and addresses use. Other apps add theirs
#: when Django starts (``register_record_type``, from their ``AppConfig.ready``): the assistance clearinghouse
#: adds its requests and offers.
RECORD_TYPES: dict[str, type[Any]] = {"measure": Measure, "technology": Technology}


@dataclass(frozen=True)
class RecordType:
    """What the translation pages, XLIFF files and services need to know of a type of record: the field that
    titles it, the texts a new translation cannot be made without, its name in lists (plural), the prefix of its
    audit actions and what to do after its translations changed (its search words, say)."""

    title_field: str
    required: tuple[str, ...]
    label: Any
    audit_name: str
    translations_changed: Callable[[Any], None] | None = None


def _index_measure(measure: Measure) -> None:
    search.index_measure(Measure.objects.get(pk=measure.pk))  # (not ``measure``: its translations may be prefetched)


RECORD_TYPE_DETAILS: dict[str, RecordType] = {
    "measure": RecordType("title", ("title", "summary"), _("Measures"), "measure", _index_measure),
    "technology": RecordType("name", ("name",), _("Technologies"), "technology"),
}


def register_record_type(kind: str, model: type[Any], details: RecordType) -> None:
    """Make ``model``'s translations (its ``translations`` relation, on ``catalog.models.TranslationBase``) part of
    the curators' dashboard, the XLIFF files and their import, as ``kind`` (unit ids ``kind/12/field``)."""
    RECORD_TYPES[kind] = model
    RECORD_TYPE_DETAILS[kind] = details


def kind_of(record: Any) -> str:
    """The name of ``record``'s type among ``RECORD_TYPES``."""
    return next(kind for kind, model in RECORD_TYPES.items() if isinstance(record, model))


def translatable(user: Any, model: type[Any]) -> QuerySet[Any]:
    """The records of ``model`` (measures, technologies, requests and offers for assistance) whose texts this user
    may send to translators and take translations of: those they may see, in review or published (a request
    opened, an offer on offer: never a draft), never TLP:RED (whose text never leaves the platform)."""
    return model.objects.visible_to(user).exclude(tlp=TLP.RED).filter(lifecycle__in=TRANSLATED_STAGES)


@dataclass
class TranslationCount:
    language: str
    label: str
    kind: str
    translated: int = 0
    outdated: int = 0
    missing: int = 0


def translation_overview(user: Any) -> list[TranslationCount]:
    """For each language and record type, how many of the records this user may translate have a current
    translation, an outdated one, or none (two queries a type)."""
    rows = []
    for kind, model in RECORD_TYPES.items():
        records = translatable(user, model)
        by_language = dict(records.values_list("language").annotate(n=Count("pk")).order_by())
        total = sum(by_language.values())
        relation = model.translations.rel
        translations = (
            relation.related_model.objects.filter(**{f"{relation.field.name}__in": records.values("pk")})
            .exclude(**{f"{relation.field.name}__language": F("language")})
            .values("language")
            .annotate(
                current=Count("pk", filter=Q(outdated_since__isnull=True)),
                outdated=Count("pk", filter=Q(outdated_since__isnull=False)),
            )
            .order_by()
        )
        counted = {row["language"]: row for row in translations}
        for language, label in Language.choices:
            count = TranslationCount(language, str(label), kind)
            found = counted.get(language, {})
            count.translated, count.outdated = found.get("current", 0), found.get("outdated", 0)
            count.missing = total - by_language.get(language, 0) - count.translated - count.outdated
            rows.append(count)
    return rows


def records_to_translate(user: Any, kind: str, language: str, which: str) -> QuerySet[Any]:
    """The records of ``kind`` this user may translate that have no translation into ``language``
    (``missing``) or an outdated one (``outdated``), oldest outdated first, else by title or name."""
    model = RECORD_TYPES[kind]
    records = translatable(user, model).exclude(language=language)
    relation = model.translations.rel
    translations = relation.related_model.objects.filter(**{relation.field.name: OuterRef("pk")}, language=language)
    if which == "missing":
        return records.filter(~Exists(translations)).order_by(RECORD_TYPE_DETAILS[kind].title_field, "pk")
    outdated = translations.filter(outdated_since__isnull=False)
    return (
        records.filter(Exists(outdated))
        .annotate(outdated_since=Subquery(outdated.values("outdated_since")[:1]))
        .order_by("outdated_since", "pk")
    )
