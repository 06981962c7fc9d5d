"""Every read of the catalogue, starting from the visibility rule.

Search results, facet counts and snippets are computed only over what the user may see: the
visible, filtered queryset is handed to the search engine as a subquery of allowed ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import get_language

from clearinghouse.catalog import bitmaps
from clearinghouse.catalog.models import (
    Language,
    Measure,
    MeasureTranslation,
    Pillar,
    Technology,
    Threat,
    ThreatSynonym,
)
from clearinghouse.catalog.textsearch import ParsedQuery, normalize, parse_query, snippet
from clearinghouse.core.markdown import quick_text
from clearinghouse.core.visibility import Lifecycle

PAGE_SIZE = 20


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
    state = bitmaps.current_state()
    ids = bitmaps.allowed(state, measures)
    return len(ids), bitmaps.counts(bitmaps.facet_index(state), ids)


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


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False
    url: str = ""


@dataclass
class SearchResult:
    page: list[Measure]
    total: int
    facets: dict[str, list[FacetValue]]
    query: ParsedQuery
    snippets: dict[int, str] = field(default_factory=dict)
    page_number: int = 1
    page_size: int = PAGE_SIZE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page_number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1


@dataclass
class _FacetLabels:
    """The names facet values are shown with, in one language (read once per catalogue state)."""

    pillars: list[tuple[str, str]]
    threats: list[tuple[str, str, list[tuple[str, str]]]]
    states: list[tuple[str, str]]  # by name in the language


_labels_cache: dict[tuple[str, str], _FacetLabels] = {}


def _facet_labels(token: str, language: str) -> _FacetLabels:
    """Labels for ``language``, cached per state token (which changes with the reference data)."""
    from clearinghouse.countries.models import MemberState

    found = _labels_cache.get((token, language))
    if found is None:
        if len(_labels_cache) > 64:
            _labels_cache.clear()
        found = _FacetLabels(
            pillars=[(p.slug, p.name) for p in pillars()],
            threats=[
                (family.slug, family.name, [(child.slug, child.name) for child in family.children.all()])
                for family in threat_families()
            ],
            states=[(s.alpha2, s.name) for s in MemberState.objects.ordered_by_name()],
        )
        _labels_cache[(token, language)] = found
    return found


def _facet_values(
    counted: dict[str, dict[str, int]], selected: dict[str, Any], token: str = ""
) -> dict[str, list[FacetValue]]:
    """Facet counts as labelled values in the order readers expect."""
    from clearinghouse.catalog.models import MeasureStatus
    from clearinghouse.countries.models import BDTRegion, GroupCode

    labels = _facet_labels(token or bitmaps.current_state().token, get_language() or "en")

    def chosen(name: str) -> str:
        value = selected.get(name)
        return getattr(value, "slug", None) or getattr(value, "alpha2", None) or (str(value) if value else "")

    def values(name: str, choices: Iterable[tuple[str, Any]]) -> list[FacetValue]:
        found = counted.get(name, {})
        return [FacetValue(v, str(label), found[v], chosen(name) == v) for v, label in choices if found.get(v)]

    facets: dict[str, list[FacetValue]] = {}
    facets["pillar"] = values("pillar", labels.pillars)
    threat_counts = counted.get("threat", {})
    facets["threat"] = []
    for slug, name, children in labels.threats:
        if threat_counts.get(slug):
            facets["threat"].append(FacetValue(slug, name, threat_counts[slug], chosen("threat") == slug))
            for child_slug, child_name in children:
                if threat_counts.get(child_slug):
                    facets["threat"].append(
                        FacetValue(
                            child_slug, "— " + child_name, threat_counts[child_slug], chosen("threat") == child_slug
                        )
                    )
    facets["region"] = values("region", BDTRegion.choices)
    facets["group"] = values("group", GroupCode.choices)
    country_counts = counted.get("country", {})
    facets["country"] = sorted(
        (
            FacetValue(alpha2, name, country_counts[alpha2], chosen("country") == alpha2)
            for alpha2, name in labels.states
            if country_counts.get(alpha2)
        ),
        key=lambda f: -f.count,
    )
    facets["language"] = values("language", Language.choices)
    facets["status"] = values("status", MeasureStatus.choices)
    year_counts = counted.get("year", {})
    facets["year"] = [FacetValue(y, y, year_counts[y], chosen("year") == y) for y in sorted(year_counts, reverse=True)]
    return facets


def in_language(measure: Measure, language: str) -> Measure | MeasureTranslation:
    """The measure's translation into ``language`` if it has one (from prefetched rows), else the measure."""
    if language != measure.language:
        for translation in measure.translations.all():
            if translation.language == language:
                return translation
    return measure


def _snippet_for(measure: Measure, query: ParsedQuery, language: str) -> str:
    """The passage with the most matches, among the texts in the reader's language first, then the others."""
    texts = []
    translation = next((t for t in measure.translations.all() if t.language == language), None)
    if translation is not None:
        texts += [translation.summary, quick_text(translation.description)]
    texts += [measure.summary, quick_text(measure.description), quick_text(measure.evidence)]
    for translation in measure.translations.all():
        texts += [translation.summary, quick_text(translation.description)]
    # Count the matches on the normalized text (cheap) and build the snippet for the best text only.
    needles = [" " + " ".join(phrase) for phrase in query.phrases]
    best, best_hits = "", 0
    for text in texts:
        if not text:
            continue
        folded = " " + normalize(text)
        hits = sum(folded.count(needle) for needle in needles)
        if hits > best_hits:
            best, best_hits = text, hits
    return snippet(best, query) if best_hits else ""


def search_measures(
    user: Any,
    filtered: QuerySet[Measure],
    *,
    query: str = "",
    sort: str = "relevance",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    selected: dict[str, Any] | None = None,
    with_facets: bool = True,
) -> SearchResult:
    """One page of the measures matching ``query`` among ``filtered`` (visible to ``user`` and filtered).

    Counts and facets are exact over everything the user may see; the number of SQL queries does not
    depend on the page size, and, once the sets are cached, not on the size of the catalogue.
    """
    parsed = parse_query(query)
    state = bitmaps.current_state()
    result = bitmaps.allowed(state, filtered)
    if parsed:
        result = result & bitmaps.matches(state, parsed)
    total = len(result)
    page = max(1, page)
    offset = (page - 1) * page_size
    if parsed and sort == "relevance":
        ids = bitmaps.ranked(state, parsed, result, offset, page_size)
    else:
        ids = bitmaps.newest(result, offset, page_size)
    rows = {
        m.pk: m
        for m in measures_visible_to(user)
        .filter(pk__in=ids)
        .prefetch_related(
            "threats",
            "references",
            Prefetch("technologies", queryset=technologies_visible_to(user)),
            Prefetch("translations", queryset=MeasureTranslation.objects.order_by("language")),
        )
    }
    page_objects = [rows[pk] for pk in ids if pk in rows]
    language = get_language() or "en"
    snippets: dict[int, str] = {}
    for measure in page_objects:
        shown = in_language(measure, language)
        snippet_html = _snippet_for(measure, parsed, language) if parsed else ""
        # shown on result lists: the reader's language where a translation exists, and the matching passage
        setattr(measure, "shown_title", shown.title)  # noqa: B010
        setattr(measure, "title_html", snippet(shown.title, parsed, words=200) if parsed else "")  # noqa: B010
        setattr(measure, "shown_summary", shown.summary)  # noqa: B010
        setattr(measure, "snippet", snippet_html)  # noqa: B010
        snippets[measure.pk] = snippet_html
    counted = bitmaps.counts(bitmaps.facet_index(state), result) if with_facets else {}
    facets = _facet_values(counted, selected or {}, state.token) if with_facets else {}
    return SearchResult(page_objects, total, facets, parsed, snippets, page, page_size)


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
