"""Reads of resolutions and activities. Activities start from the visibility rule (they carry their source's TLP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from clearinghouse.core.textdiff import word_diff
from clearinghouse.mandates.models import (
    Activity,
    ActivityStatus,
    Clause,
    Resolution,
    Revision,
    Section,
    SectionKind,
)


def activities_visible_to(user: Any) -> QuerySet[Activity]:
    return Activity.objects.visible_to(user)


def activities_for_report(*, restricted: bool, include_illustrative: bool = False) -> QuerySet[Activity]:
    """Activities a report may show: TLP:CLEAR for the public edition, all but TLP:RED for the restricted one."""
    from django.contrib.auth.models import AnonymousUser

    found = Activity.objects.exportable() if restricted else Activity.objects.visible_to(AnonymousUser())
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


@dataclass
class ResolutionView:
    resolution: Resolution
    revision: Revision
    preamble: list[SectionView] = field(default_factory=list)
    operative: list[SectionView] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {ClauseStatus.NONE: 0, ClauseStatus.IN_PROGRESS: 0, ClauseStatus.DELIVERED: 0}
        for section in self.operative:
            for clause in section.clauses:
                out[clause.status] += 1
        return out


def resolution_view(user: Any, revision: Revision) -> ResolutionView:
    """A revision's sections, and for each operative clause the activities this user may see and its status."""
    visible = activities_visible_to(user).prefetch_related("states").order_by("-occurred_at", "-id")
    sections = revision.sections.prefetch_related(
        Prefetch(
            "clauses",
            queryset=Clause.objects.order_by("position").prefetch_related(Prefetch("activities", queryset=visible)),
        )
    ).order_by("position")
    view = ResolutionView(revision.resolution, revision)
    for section in sections:
        clauses = []
        for clause in section.clauses.all():
            activities = list(clause.activities.all()) if section.kind == SectionKind.OPERATIVE else []
            clauses.append(ClauseView(clause, activities, status_of(activities)))
        target = view.operative if section.kind == SectionKind.OPERATIVE else view.preamble
        target.append(SectionView(section, clauses))
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
        activities_visible_to(user)
        .prefetch_related("clauses__section__revision__resolution", "states", "organizations")
        .order_by("-occurred_at", "-id")
    )
