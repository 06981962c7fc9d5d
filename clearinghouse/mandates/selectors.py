"""Reads of resolutions and activities.

An activity is seen by those its own marking allows and, when it records something done with another
record (``source_type``/``source_id``: the measure whose publication it records), only while they may see
that record *now*: a measure withdrawn, re-marked or shared otherwise since takes its activity with it, on
every channel (pages, API, report, counts). Every read of activities starts from
:func:`activities_visible_to` or :func:`activities_for_report`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Exact
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.models import Shareable
from clearinghouse.core.textdiff import word_diff
from clearinghouse.core.visibility import EXPORTABLE_TLP, TLP, ShareableQuerySet
from clearinghouse.countries.models import active_language
from clearinghouse.mandates.models import (
    Activity,
    ActivityStatus,
    Clause,
    ClauseText,
    Resolution,
    Revision,
    RevisionSource,
    RevisionText,
    Section,
    SectionKind,
    SectionText,
)

#: Which of a source model's records an audience may see (``visible_to(user)``, or a report edition's rule).
SourceRule = Callable[[ShareableQuerySet], QuerySet[Any]]


def _source_models() -> list[type[Shareable]]:
    """The models whose records carry a marking, so an activity may have to follow one (from the app registry:
    mandates does not import the apps above it)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Shareable) and model is not Activity and not model._meta.proxy
    ]


def _source_id_as_pk(model: type[models.Model]) -> Any:
    """The activity's ``source_id`` read as a key of ``model``, only on rows naming that model (so no other
    row's id is ever cast: PostgreSQL would refuse ``''`` as an integer)."""
    names_it = Exact(OuterRef("source_type"), Value(model._meta.label_lower))
    named = Case(When(names_it, then=OuterRef("source_id")), default=None)
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 (every concrete model has one)
    if pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField"):
        return Cast(named, output_field=models.BigIntegerField())
    return named


def source_visible(rule: SourceRule) -> Q:
    """The activity names no source, or its source is among the records ``rule`` keeps of its model now.

    A source of a model that carries no marking (or none installed) leaves the activity to its own marking;
    a marked record deleted since hides it.
    """
    marked = _source_models()
    condition = Q(source_type="") | ~Q(source_type__in=[m._meta.label_lower for m in marked])
    for model in marked:
        kept = rule(model._default_manager.all()).filter(pk=_source_id_as_pk(model))
        condition |= Q(source_type=model._meta.label_lower) & Q(Exists(kept))
    return condition


#: TLP markings from the widest audience to the narrowest.
TLP_ORDER: tuple[str, ...] = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)


def with_source_marking(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """``source_tlp``: the marking its source carries now ("" without a marked source); ``shown_tlp``: the
    narrower of that and the activity's own, copied once when it was recorded. An activity shows its source's
    title, so it is marked as the narrower of the two."""
    now = [
        Subquery(model._default_manager.filter(pk=_source_id_as_pk(model)).values("tlp")[:1])
        for model in _source_models()
    ]
    marked = activities.annotate(source_tlp=Coalesce(*now, Value(""), output_field=models.CharField()))
    narrowest = [When(Q(tlp=m) | Q(source_tlp=m), then=Value(m)) for m in reversed(TLP_ORDER)]
    return marked.annotate(shown_tlp=Case(*narrowest, default=F("tlp"), output_field=models.CharField()))


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    """The activities this user may see: by their own marking, and their source's as it stands now."""
    return Activity.objects.visible_to(user).filter(source_visible(lambda records: records.visible_to(user)))


def activities_for_report(
    *, markings: Collection[str] = (TLP.CLEAR,), include_illustrative: bool = False
) -> QuerySet[Activity]:
    """Activities an edition holding ``markings`` may show: published and so marked, their source too (now).

    ``(TLP.CLEAR,)`` is the public edition, what an anonymous reader sees; TLP:RED is never reported.
    """
    allowed = [marking for marking in markings if marking in EXPORTABLE_TLP]

    def reportable(records: ShareableQuerySet) -> QuerySet[Any]:
        return records.exportable().filter(tlp__in=allowed)

    found = reportable(Activity.objects.all()).filter(source_visible(reportable))
    if not include_illustrative:
        found = found.filter(is_illustrative=False)
    return found


def resolutions() -> QuerySet[Resolution]:
    return Resolution.objects.annotate(revision_count=Count("revisions")).order_by("body", "number")


def current_revisions() -> QuerySet[Revision]:
    """The newest revision of every resolution, in one query."""
    newest = Revision.objects.filter(resolution=OuterRef("resolution")).order_by("-sequence").values("pk")[:1]
    return (
        Revision.objects.filter(pk=Subquery(newest))
        .select_related("resolution")
        .order_by("resolution__body", "resolution__number")
    )


def titles_in(revisions: list[Revision], language: str | None = None) -> dict[int, tuple[str, str]]:
    """Each revision's title in ``language`` (default: the reader's) where it has it, else in English, with the
    language it is in (one query)."""
    language = active_language(language)
    found = dict(
        RevisionText.objects.filter(revision__in=revisions, language=language).values_list("revision_id", "title")
    )
    return {r.pk: (found[r.pk], language) if r.pk in found else (r.title, "en") for r in revisions}


def status_counts(user: Any, revisions: list[Revision]) -> dict[int, dict[str, int]]:
    """For each revision, how many operative clauses are delivered, in progress or without activity, by the
    activities this user may see (three queries whatever the number of revisions)."""
    clauses = Clause.objects.filter(section__revision__in=revisions, section__kind=SectionKind.OPERATIVE)
    links = Activity.clauses.through.objects.filter(
        clause__in=clauses, activity__in=activities_visible_to(user).values("pk")
    )
    active = set(links.values_list("clause_id", flat=True))
    delivered = set(links.filter(activity__status=ActivityStatus.DELIVERED).values_list("clause_id", flat=True))
    counts = {r.pk: {ClauseStatus.NONE: 0, ClauseStatus.IN_PROGRESS: 0, ClauseStatus.DELIVERED: 0} for r in revisions}
    for clause_id, revision_id in clauses.values_list("pk", "section__revision_id"):
        status = status_of_ids(clause_id in delivered, clause_id in active)
        counts[revision_id][status] += 1
    return counts


def status_of_ids(delivered: bool, active: bool) -> str:
    if delivered:
        return ClauseStatus.DELIVERED
    return ClauseStatus.IN_PROGRESS if active else ClauseStatus.NONE


def revision_of(resolution: Resolution, sequence: int | None = None) -> Revision | None:
    """The revision asked for, or the newest."""
    revisions = resolution.revisions.order_by("-sequence")
    if sequence is not None:
        return revisions.filter(sequence=sequence).first()
    return revisions.first()


class ClauseStatus:
    NONE = "none"
    IN_PROGRESS = "in_progress"
    DELIVERED = "delivered"

    LABELS = {NONE: _("no activity yet"), IN_PROGRESS: _("in progress"), DELIVERED: _("delivered")}


def status_of(activities: list[Activity]) -> str:
    """Delivered once one activity under the clause is delivered; in progress while some are under way."""
    return status_of_ids(any(a.status == ActivityStatus.DELIVERED for a in activities), bool(activities))


@dataclass
class ClauseView:
    clause: Clause
    activities: list[Activity]
    status: str
    text: str = ""  # in ``language``: the reader's where the revision has it, else English
    language: str = "en"

    @property
    def status_label(self) -> str:
        return str(ClauseStatus.LABELS[self.status])

    @property
    def participants(self) -> int:
        return sum(a.participants or 0 for a in self.activities)

    @property
    def states(self) -> int:
        return len({s.pk for a in self.activities for s in a.states.all()})


@dataclass
class SectionView:
    section: Section
    clauses: list[ClauseView]
    heading: str = ""
    addressee: str = ""
    language: str = "en"


@dataclass
class ResolutionView:
    """A revision as one reader reads it: in their language where the revision has it (the official text a
    curator imported, or the project's summary), else in English; ``source`` says which the shown text is."""

    resolution: Resolution
    revision: Revision
    preamble: list[SectionView] = field(default_factory=list)
    operative: list[SectionView] = field(default_factory=list)
    title: str = ""
    enacting: str = ""
    language: str = "en"
    source: str = ""
    #: ``(language, source)`` of every language the revision can be read in, English first.
    languages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_summary(self) -> bool:
        return self.source == RevisionSource.SUMMARY

    @property
    def counts(self) -> dict[str, int]:
        out = {ClauseStatus.NONE: 0, ClauseStatus.IN_PROGRESS: 0, ClauseStatus.DELIVERED: 0}
        for section in self.operative:
            for clause in section.clauses:
                out[clause.status] += 1
        return out


def resolution_view(user: Any, revision: Revision, language: str | None = None) -> ResolutionView:
    """A revision's sections in ``language`` (default: the reader's) where the revision has it, else in English,
    and for each operative clause the activities this user may see and its status."""
    language = active_language(language)
    texts = {text.language: text for text in RevisionText.objects.filter(revision=revision)}
    shown = texts.get(language)
    view = ResolutionView(
        revision.resolution,
        revision,
        title=shown.title if shown else revision.title,
        enacting=shown.enacting if shown else revision.enacting,
        language=language if shown else "en",
        source=shown.source if shown else revision.source,
        languages=[("en", revision.source)] + [(code, texts[code].source) for code in sorted(texts)],
    )
    visible = activities_visible_to(user).prefetch_related("states").order_by("-occurred_at", "-id")
    clauses = Clause.objects.order_by("position").prefetch_related(Prefetch("activities", queryset=visible))
    sections = revision.sections.order_by("position")
    if shown:
        clauses = clauses.prefetch_related(
            Prefetch("texts", queryset=ClauseText.objects.filter(language=language), to_attr="shown")
        )
        sections = sections.prefetch_related(
            Prefetch("texts", queryset=SectionText.objects.filter(language=language), to_attr="shown")
        )
    for section in sections.prefetch_related(Prefetch("clauses", queryset=clauses)):
        section_text = section.shown[0] if shown and section.shown else None  # type: ignore[attr-defined]
        clause_views = []
        for clause in section.clauses.all():
            activities = list(clause.activities.all()) if section.kind == SectionKind.OPERATIVE else []
            clause_text = clause.shown[0] if shown and clause.shown else None  # type: ignore[attr-defined]
            clause_views.append(
                ClauseView(
                    clause,
                    activities,
                    status_of(activities),
                    text=clause_text.text if clause_text else clause.text,
                    language=view.language if clause_text else "en",
                )
            )
        target = view.operative if section.kind == SectionKind.OPERATIVE else view.preamble
        target.append(
            SectionView(
                section,
                clause_views,
                heading=section_text.heading if section_text else section.heading,
                addressee=section_text.addressee if section_text else section.addressee,
                language=view.language if section_text else "en",
            )
        )
    return view


@dataclass
class ClauseChange:
    kind: str  # "added", "removed", "changed", "unchanged"
    label: str
    old: Clause | None
    new: Clause | None
    html: SafeString | str = ""


@dataclass
class SectionChange:
    heading: str
    kind: str  # the section's: "added", "removed", "kept"
    clauses: list[ClauseChange]

    @property
    def changed(self) -> bool:
        return self.kind != "kept" or any(c.kind != "unchanged" for c in self.clauses)


def _section_key(section: Section) -> tuple[str, str, str]:
    return (section.kind, section.action.casefold(), section.addressee.casefold())


def compare_revisions(old: Revision, new: Revision) -> list[SectionChange]:
    """Section by section and clause by clause: what was added, removed and changed (with the words)."""

    def load(revision: Revision) -> list[Section]:
        return list(revision.sections.prefetch_related("clauses").order_by("position"))

    old_sections = {_section_key(s): s for s in load(old)}
    new_sections = load(new)
    seen: set[tuple[str, str, str]] = set()
    out: list[SectionChange] = []
    for section in new_sections:
        key = _section_key(section)
        seen.add(key)
        before = old_sections.get(key)
        old_clauses = {c.label: c for c in before.clauses.all()} if before else {}
        changes = []
        for clause in section.clauses.all():
            previous = old_clauses.pop(clause.label, None)
            if previous is None:
                changes.append(ClauseChange("added", clause.label, None, clause, clause.text))
            elif previous.text == clause.text:
                changes.append(ClauseChange("unchanged", clause.label, previous, clause, clause.text))
            else:
                changes.append(
                    ClauseChange("changed", clause.label, previous, clause, word_diff(previous.text, clause.text))
                )
        changes += [ClauseChange("removed", c.label, c, None, c.text) for c in old_clauses.values()]
        out.append(SectionChange(section.heading, "kept" if before else "added", changes))
    for key, section in old_sections.items():
        if key not in seen:
            removed = [ClauseChange("removed", c.label, c, None, c.text) for c in section.clauses.all()]
            out.append(SectionChange(section.heading, "removed", removed))
    return out


def activities(user: Any) -> QuerySet[Activity]:
    """Activities this user may see, newest first, with what lists show of each."""
    return (
        with_source_marking(activities_visible_to(user))
        .prefetch_related("clauses__section__revision__resolution", "states", "organizations")
        .order_by("-occurred_at", "-id")
    )
