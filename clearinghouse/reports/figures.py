"""The figures of an implementation report, read from the database through the other apps' selectors.

Who receives an edition decides the markings it may hold (``models.EDITION_MARKINGS``): published
TLP:CLEAR records for the public edition (the report meant for the Council), TLP:CLEAR and TLP:GREEN for the
community, up to TLP:AMBER+STRICT for the Secretariat; never TLP:RED. Only such records are counted or
named, an activity only while its source is one of them. Every row carries its marking, and the document
the narrowest marking of what it holds. Illustrative records (the demo, synthetic benchmark data) are left
out unless the report is a demonstration.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from clearinghouse.assistance.selectors import Figures as AssistanceFigures
from clearinghouse.assistance.selectors import figures as assistance_figures
from clearinghouse.assistance.selectors import requests_for_report
from clearinghouse.catalog.selectors import (
    facet_counts,
    measures_for_report,
    pillars,
    publication_span,
    threat_families,
)
from clearinghouse.core.visibility import TLP
from clearinghouse.countries.models import BDTRegion, DevelopmentGroup, GroupCode, MemberState, Organization
from clearinghouse.mandates.models import Activity, ActivityKind, ActivityStatus, Revision, SectionKind
from clearinghouse.mandates.selectors import (
    ClauseStatus,
    activities_for_report,
    status_of_ids,
    with_source_marking,
)
from clearinghouse.reports.models import EDITION_MARKINGS, Edition

#: The groups the resolution names as developing countries (recognizing c, footnote).
RESOLUTION_GROUPS = (GroupCode.LDC, GroupCode.SIDS, GroupCode.LLDC, GroupCode.EIT)

Progress = Callable[[int, str], None]


@dataclass
class Row:
    label: str
    count: int


@dataclass
class StateRow:
    alpha2: str
    numeric: str
    name: str
    measures: int
    in_resolution_groups: bool
    tlp: str = TLP.CLEAR  # the narrowest marking among the measures counted on the row
    language: str = "en"  # the language the name is written in (the one active when the figures were counted)


@dataclass
class ActivityLine:
    kind: str
    title: str
    starts_on: date | None
    ends_on: date | None
    status: str
    participants: int | None
    states: int
    region: str
    outputs: list[str]
    tlp: str
    language: str = "en"  # of the title and outputs, as the activity was recorded


@dataclass
class ClauseReport:
    section: str
    label: str
    text: str
    status: str
    activities: list[ActivityLine]
    summary: dict[str, int]  # activity kind -> count
    language: str = "en"  # of the heading and text, the revision's

    @property
    def status_label(self) -> str:
        return str(ClauseStatus.LABELS[self.status])


@dataclass
class ReportData:
    resolution_number: int
    revision_label: str
    revision_title: str
    is_summary_text: bool
    text_language: str  # the language of the revision's title and clauses
    start: date | None
    end: date | None
    edition: str
    markings: tuple[str, ...]  # those the edition may hold
    illustrative: bool
    generated_at: datetime
    marking: str = TLP.CLEAR  # the narrowest marking of what the document holds
    measures_published: int = 0
    by_pillar: list[Row] = field(default_factory=list)
    by_threat: list[Row] = field(default_factory=list)
    by_region: list[Row] = field(default_factory=list)
    by_group: list[Row] = field(default_factory=list)
    states: list[StateRow] = field(default_factory=list)
    organizations: int = 0
    activity_totals: dict[str, int] = field(default_factory=dict)
    meetings: int = 0
    meeting_participants: int = 0
    assistance: int = 0
    #: the requests for assistance opened in the period that the edition's audience may see, and what became of them
    requests: AssistanceFigures = field(default_factory=AssistanceFigures)
    requests_marking: str = TLP.CLEAR  # the narrowest marking among those requests
    clauses: list[ClauseReport] = field(default_factory=list)

    @property
    def restricted(self) -> bool:
        return self.edition == Edition.RESTRICTED

    @property
    def contributing_states(self) -> int:
        return len(self.states)

    @property
    def states_in_resolution_groups(self) -> int:
        return sum(1 for s in self.states if s.in_resolution_groups)

    @property
    def share_in_resolution_groups(self) -> float:
        return self.states_in_resolution_groups / len(self.states) if self.states else 0.0


def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    low = datetime.combine(start, time.min, tzinfo=UTC) if start else None
    high = datetime.combine(end, time.max, tzinfo=UTC) if end else None
    return low, high


def _in_period(queryset: QuerySet[Any], field_name: str, start: date | None, end: date | None) -> QuerySet[Any]:
    low, high = _bounds(start, end)
    if low:
        queryset = queryset.filter(**{f"{field_name}__gte": low})
    if high:
        queryset = queryset.filter(**{f"{field_name}__lte": high})
    return queryset


def collect(
    revision: Revision,
    *,
    start: date | None,
    end: date | None,
    edition: str,
    include_illustrative: bool,
    progress: Progress = lambda percent, step: None,
) -> ReportData:
    """Everything the report says, counted once, for the period (``None`` ends: the whole record)."""
    markings = EDITION_MARKINGS[edition]
    measures = measures_for_report(restricted=True, include_illustrative=include_illustrative)
    measures = measures.filter(tlp__in=markings)
    activities = activities_for_report(markings=markings, include_illustrative=include_illustrative)
    requests = _in_period(
        requests_for_report(markings=markings, include_illustrative=include_illustrative), "opened_at", start, end
    )  # the period asked for: left open, the whole record of requests (not only the measures' span below)
    steps_until = _bounds(start, end)[1]
    if start is None or end is None:
        # the whole record: from the edition's first publication or activity to its last
        first, last = publication_span(measures)
        dated = activities.order_by().values_list("occurred_at", flat=True)
        ends = [first, dated.order_by("occurred_at").first()]
        lasts_seen = [last, dated.order_by("-occurred_at").first()]
        firsts = [d.date() for d in ends if d]
        lasts = [d.date() for d in lasts_seen if d]
        start = start or (min(firsts) if firsts else None)
        end = end or (max(lasts) if lasts else None)
    data = ReportData(
        resolution_number=revision.resolution.number,
        revision_label=revision.label,
        revision_title=revision.title,
        is_summary_text=revision.source == "summary",
        text_language=_text_language(revision),
        start=start,
        end=end,
        edition=edition,
        markings=markings,
        illustrative=include_illustrative,
        generated_at=datetime.now(UTC),
    )
    published = _in_period(measures, "published_at", start, end)

    progress(5, "Counting measures by pillar, threat, region and group")
    data.measures_published, counted = facet_counts(published)
    by = {name: counted.get(name, {}) for name in ("pillar", "threat", "region", "group", "country")}
    data.by_pillar = [Row(p.name, by["pillar"].get(p.slug, 0)) for p in pillars()]
    data.by_threat = [Row(family.name, by["threat"].get(family.slug, 0)) for family in threat_families()]
    data.by_region = [Row(str(label), by["region"].get(value, 0)) for value, label in BDTRegion.choices]
    data.by_group = [Row(str(label), by["group"].get(value, 0)) for value, label in GroupCode.choices]

    progress(30, "Counting contributing Member States")
    in_groups = set(
        DevelopmentGroup.objects.filter(code__in=RESOLUTION_GROUPS).values_list("members__alpha2", flat=True)
    )
    state_marking: dict[str, str] = {}
    for marking in reversed(markings[1:]):  # the narrowest first; a state without any of these: TLP:CLEAR
        for alpha2 in published.filter(tlp=marking).values_list("owner_state__alpha2", flat=True).distinct():
            state_marking.setdefault(alpha2, marking)
    for state in MemberState.objects.filter(alpha2__in=list(by["country"])).ordered_by_name():
        data.states.append(
            StateRow(
                state.alpha2,
                state.numeric,
                state.name,
                by["country"][state.alpha2],
                state.alpha2 in in_groups,
                state_marking.get(state.alpha2, TLP.CLEAR),
                get_language() or "en",
            )
        )
    # one indexed EXISTS per organization: a DISTINCT over the measures would read all of them
    data.organizations = sum(
        1
        for organization_id in Organization.objects.values_list("pk", flat=True)
        if published.filter(owner_organization_id=organization_id).exists()
    )

    progress(45, "Reading activities")
    low, high = _bounds(start, end)
    overlap = Q()
    if low:
        overlap &= Q(ends_on__gte=start) | Q(ends_on__isnull=True, occurred_at__gte=low)
    if high:
        overlap &= Q(starts_on__lte=end) | Q(starts_on__isnull=True, occurred_at__lte=high)
    in_period = with_source_marking(activities.filter(overlap))
    totals = dict(in_period.order_by().values_list("kind").annotate(n=Count("pk")))
    data.activity_totals = {str(label): totals.get(value, 0) for value, label in ActivityKind.choices}
    meetings = in_period.filter(kind=ActivityKind.MEETING)
    data.meetings = meetings.count()
    data.meeting_participants = sum(p or 0 for p in meetings.values_list("participants", flat=True))
    data.assistance = totals.get(ActivityKind.ASSISTANCE, 0)

    progress(50, "Counting the requests for assistance")
    data.requests = assistance_figures(requests, until=steps_until)
    data.requests_marking = next(
        (marking for marking in reversed(markings[1:]) if requests.filter(tlp=marking).exists()), TLP.CLEAR
    )

    progress(55, "Reading what was done under each clause")
    clause_ids = []
    for section in revision.sections.filter(kind=SectionKind.OPERATIVE).order_by("position"):
        for clause in section.clauses.order_by("position"):
            clause_ids.append((section, clause))
    # counted for every clause at once: one GROUP BY over the activities' clauses
    Through = Activity.clauses.through
    per_clause = Through.objects.filter(activity__in=in_period.values("pk")).order_by()
    by_clause: dict[int, dict[str, int]] = defaultdict(dict)
    for clause_id, kind, n in per_clause.values_list("clause_id", "activity__kind").annotate(n=Count("pk")):
        by_clause[clause_id][kind] = n
    delivered = set(
        per_clause.filter(activity__status=ActivityStatus.DELIVERED).values_list("clause_id", flat=True).distinct()
    )
    #: the newest activities of each clause are listed; all are counted
    listed = 20
    for section, clause in clause_ids:
        by_kind = by_clause.get(clause.pk, {})
        newest = list(in_period.filter(clauses=clause).order_by("-occurred_at", "-id")[:listed])
        states = dict(
            Activity.states.through.objects.filter(activity_id__in=[a.pk for a in newest])
            .order_by()
            .values_list("activity_id")
            .annotate(n=Count("pk"))
        )
        lines = [
            ActivityLine(
                kind=activity.get_kind_display(),
                title=activity.title,
                starts_on=activity.starts_on,
                ends_on=activity.ends_on,
                status=activity.get_status_display(),
                participants=activity.participants,
                states=states.get(activity.pk, 0),
                region=activity.get_region_display() if activity.region else "",
                outputs=[line for line in activity.outputs.splitlines() if line.strip()],
                tlp=activity.shown_tlp,  # type: ignore[attr-defined]  # annotated by with_source_marking
                language=activity.language,
            )
            for activity in newest
        ]
        status = status_of_ids(clause.pk in delivered, bool(by_kind))
        data.clauses.append(
            ClauseReport(
                section=section.heading,
                label=clause.label,
                text=clause.text,
                status=status,
                activities=lines,
                summary={str(ActivityKind(k).label): n for k, n in by_kind.items()},
                language=data.text_language,
            )
        )
    data.marking = _narrowest_held(markings, published, in_period, data.requests_marking)
    progress(60, "Figures counted")
    return data


def _text_language(revision: Revision) -> str:
    """The language a revision is written in: English, the official texts' and the project's summaries', unless
    the revision says otherwise."""
    return getattr(revision, "language", "") or "en"


def _narrowest_held(
    markings: tuple[str, ...], measures: QuerySet[Any], activities: QuerySet[Any], requests_marking: str = TLP.CLEAR
) -> str:
    """The narrowest of ``markings`` some counted measure, activity (its own or its source's) or request for
    assistance (``requests_marking``, the narrowest of those counted) carries."""
    for marking in reversed(markings[1:]):
        if marking == requests_marking or measures.filter(tlp=marking).exists():
            return marking
        if activities.filter(shown_tlp=marking).exists():
            return marking
    return TLP.CLEAR
