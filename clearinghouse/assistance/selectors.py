"""Reads of requests and offers: every page, the API and the counts start from ``visible_to`` here (the one access
rule, clearinghouse/core/visibility.py); nothing in this app decides visibility otherwise."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import (
    Case,
    Count,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

# the ``group`` filter's value for "any of the four groups", also the key of its count and figure
from clearinghouse.assistance.filters import ANY_PRIORITY_GROUP, ANY_PRIORITY_GROUP_LABEL
from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest, Engagement, Stage, StageChange
from clearinghouse.catalog.models import Measure, Threat
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.core.visibility import EXPORTABLE_TLP, Lifecycle
from clearinghouse.countries.models import BDTRegion, GroupCode, GroupMembership, MemberState

#: The steps at which a request is still looking for help: what the assistance home lists unless told otherwise.
SEEKING_HELP = (Stage.OPEN, Stage.MATCHED)


def requests_visible_to(user: Any) -> QuerySet[AssistanceRequest]:
    return AssistanceRequest.objects.visible_to(user).select_related("owner_state")


def requests_for_list(user: Any) -> QuerySet[AssistanceRequest]:
    """Visible requests with what a list row shows, in one query plus one for their threats."""
    return requests_visible_to(user).prefetch_related("threats", "translations")


def request_detail(user: Any, pk: int) -> AssistanceRequest:
    """One request with everything its page shows; ``AssistanceRequest.DoesNotExist`` if unseen or absent.

    The measures it links are only those the reader may see themselves (a request can name an AMBER measure)."""
    return (
        requests_visible_to(user)
        .select_related("created_by")
        .prefetch_related(
            "threats",
            "pillars",
            "translations",
            "shared_with_states",
            "shared_with_organizations",
            Prefetch("measures", queryset=measures_visible_to(user)),
            Prefetch("adopted_measures", queryset=measures_visible_to(user)),
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("actor")),
            Prefetch(
                "engagements",
                queryset=Engagement.objects.select_related(
                    "offer__owner_state", "offer__owner_organization", "proposed_by"
                ),
            ),
        )
        .get(pk=pk)
    )


def offers_visible_to(user: Any) -> QuerySet[AssistanceOffer]:
    return AssistanceOffer.objects.visible_to(user).select_related("owner_state", "owner_organization")


def offers_for_list(user: Any) -> QuerySet[AssistanceOffer]:
    return offers_visible_to(user).prefetch_related("threats", "translations")


def _own(user: Any) -> Q:
    own = Q(pk__in=[])
    if user.member_state_id:
        own |= Q(owner_state_id=user.member_state_id)
    if user.organization_id:
        own |= Q(owner_organization_id=user.organization_id)
    return own


def own_offers(user: Any) -> QuerySet[AssistanceOffer]:
    """The offers of the reader's own state or organization, drafts and withdrawn ones included."""
    if not getattr(user, "is_authenticated", False):
        return AssistanceOffer.objects.none()
    return offers_visible_to(user).filter(_own(user)).order_by("title", "pk")


def engagements_of_offer(offer: AssistanceOffer, user: Any) -> QuerySet[Engagement]:
    """The requests an offer was put forward for, among those the reader may see."""
    return (
        Engagement.objects.filter(offer=offer, request__in=requests_visible_to(user).values("pk"))
        .select_related("request__owner_state")
        .order_by("-proposed_at")
    )


def offer_detail(user: Any, pk: int) -> AssistanceOffer:
    return offers_visible_to(user).prefetch_related("threats", "pillars", "translations").get(pk=pk)


def offers_one_may_propose(user: Any, request: AssistanceRequest) -> QuerySet[AssistanceOffer]:
    """The offers ``user`` may put forward for ``request``: for a curator, every offer on offer they may see; for
    anyone else, their own state's or organization's (``services.may_act_for_offer``); none put forward yet."""
    if not getattr(user, "is_authenticated", False):
        return AssistanceOffer.objects.none()
    already = request.engagements.values("offer_id")
    offers = offers_visible_to(user).filter(lifecycle=Lifecycle.PUBLISHED).exclude(pk__in=already).order_by("title")
    # the offers ``services.may_act_for_offer`` lets a non-curator act for are exactly their own
    return offers if getattr(user, "is_curator", False) else offers.filter(_own(user))


def adoptable_measures(user: Any, request: AssistanceRequest) -> QuerySet[Measure]:
    """The requesting state's own measures the reader may see: what can be recorded as adopted at closing."""
    return measures_visible_to(user).filter(owner_state_id=request.owner_state_id).order_by("title")


def requests_of_state(state: MemberState, user: Any) -> QuerySet[AssistanceRequest]:
    return requests_visible_to(user).filter(owner_state=state).order_by("-stage_changed_at", "-pk")


def offers_of_state(state: MemberState, user: Any) -> QuerySet[AssistanceOffer]:
    return offers_visible_to(user).filter(owner_state=state).order_by("title", "pk")


def offers_of_organization(organization: Any, user: Any) -> QuerySet[AssistanceOffer]:
    return offers_visible_to(user).filter(owner_organization=organization).order_by("title", "pk")


#: The development groups the resolution names (recognizing c, footnote: the developing countries "include" the least
#: developed countries, small island developing states, landlocked developing countries and economies in
#: transition). The platform keeps no wider list of developing countries, so "from the priority groups" is a
#: request from a state on one of these four lists on the day it was opened.
PRIORITY_GROUPS: tuple[str, ...] = (GroupCode.LDC, GroupCode.SIDS, GroupCode.LLDC, GroupCode.EIT)


#: One dated membership: (group code, Member State id, since, until), as ``GroupMembership`` keeps it.
Period = tuple[str, int, date | None, date | None]


def group_periods() -> list[Period]:
    """The dated memberships of the four groups (a few hundred rows, one query): what ``on_opening_day`` reads."""
    return list(
        GroupMembership.objects.filter(group__code__in=PRIORITY_GROUPS).values_list(
            "group__code", "member_state_id", "since", "until"
        )
    )


def _midnight(day: date) -> datetime:
    """The first instant of ``day`` in the site's time zone: ``opened_at >= _midnight(d)`` is "opened on ``d`` or
    after" as ``timezone.localdate(opened_at)`` reads it (``matching._groups_of``)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def on_opening_day(codes: Iterable[str], periods: list[Period] | None = None) -> Q:
    """The requests whose state was on one of the groups ``codes`` on the day the request was opened (a draft: today),
    as one condition on the request's own columns: a period covers the days from its ``since`` (included) to its
    ``until`` (excluded), either end unknown being open. The dated memberships are few, so they are written into
    the condition (states always on a list: one ``IN``; a graduation: its bounds as instants); no join, no
    subquery, no date function per request."""
    codes = set(codes)
    periods = group_periods() if periods is None else periods
    always: set[int] = set()
    dated: dict[tuple[date | None, date | None], set[int]] = defaultdict(set)
    today, covering_today = timezone.localdate(), set()
    for code, state_id, since, until in periods:
        if code not in codes:
            continue
        if since is None and until is None:
            always.add(state_id)
            continue
        dated[(since, until)].add(state_id)
        if (since is None or since <= today) and (until is None or today < until):
            covering_today.add(state_id)
    condition = Q(owner_state_id__in=sorted(always))
    for (since, until), states in sorted(dated.items(), key=str):
        bounds = Q(owner_state_id__in=sorted(states))
        if since is not None:
            bounds &= Q(opened_at__gte=_midnight(since))
        if until is not None:
            bounds &= Q(opened_at__lt=_midnight(until))
        condition |= bounds  # a draft's empty opened_at meets no bound: it is read as of today below
    if covering_today:
        condition |= Q(opened_at__isnull=True, owner_state_id__in=sorted(covering_today))
    return condition


@dataclass
class CountRow:
    key: str
    label: str
    count: int
    illustrative: int = 0  # of which made up for the demo (``is_illustrative``)


@dataclass
class Counts:
    """How many of the requests listed fall in each region, development group and threat."""

    total: int
    regions: list[CountRow]
    groups: list[CountRow]
    threats: list[CountRow]
    illustrative: int = 0  # of the total, made up for the demo


def _by(queryset: QuerySet[Any], key: str) -> dict[Any, tuple[int, int]]:
    """``{key: (requests, of which illustrative)}``, one grouped query."""
    rows = (
        queryset.values_list(key)
        .annotate(n=Count("pk", distinct=True), demo=Count("pk", distinct=True, filter=Q(is_illustrative=True)))
        .order_by()
    )
    return {value: (n, demo) for value, n, demo in rows}


def _group_keys() -> list[tuple[str, tuple[str, ...]]]:
    """Each count by group: its key and the groups it counts (each of the four, then any of them)."""
    return [*((code, (code,)) for code in PRIORITY_GROUPS), (ANY_PRIORITY_GROUP, PRIORITY_GROUPS)]


def counts(requests: QuerySet[AssistanceRequest]) -> Counts:
    """The counts of a list of requests, already limited to what the reader may see (five queries, whatever the
    number of requests). A request counts under the development groups its state belonged to on the day it was
    opened (``on_opening_day``); "any of the four" counts it once however many of them it was on."""
    base = requests.order_by()
    periods = group_periods()
    aggregates: dict[str, Any] = {"n": Count("pk"), "demo": Count("pk", filter=Q(is_illustrative=True))}
    for key, codes in _group_keys():
        condition = on_opening_day(codes, periods)
        aggregates[f"{key}_n"] = Count("pk", filter=condition)
        aggregates[f"{key}_demo"] = Count("pk", filter=condition & Q(is_illustrative=True))
    total = base.aggregate(**aggregates)
    ids = base.values("pk")
    by_region = _by(AssistanceRequest.objects.filter(pk__in=ids), "owner_state__bdt_region")
    by_threat = _by(AssistanceRequest.objects.filter(pk__in=ids, threats__isnull=False), "threats__slug")
    threat_names = {t.slug: t.name for t in Threat.objects.filter(slug__in=list(by_threat))}
    group_labels = {**dict(GroupCode.choices), ANY_PRIORITY_GROUP: ANY_PRIORITY_GROUP_LABEL}
    return Counts(
        total=total["n"],
        illustrative=total["demo"],
        regions=[CountRow(code, str(label), *by_region.get(code, (0, 0))) for code, label in BDTRegion.choices],
        groups=[
            CountRow(key, str(group_labels[key]), total[f"{key}_n"], total[f"{key}_demo"]) for key, _ in _group_keys()
        ],
        threats=sorted(
            (CountRow(str(slug), threat_names.get(slug) or str(slug), *n) for slug, n in by_threat.items()),
            key=lambda row: (-row.count, row.label),
        ),
    )


# -- figures: how the clearinghouse does, over what the viewer (or a report's audience) may see ---------------


@dataclass
class Figures:
    """What became of the requests counted (docs/assistance.md, "Counts and figures"): all of them opened, some
    matched, delivered or closed since. Days are fractional days between two recorded instants."""

    opened: int = 0
    by_group: dict[str, int] = field(default_factory=dict)  # the four groups and ``ANY_PRIORITY_GROUP``
    matched: int = 0  # requests that had an offer put forward (their first step to "matched")
    days_to_match: float | None = None  # median, over ``matched``
    delivered: int = 0  # requests whose every chosen offer was delivered (their step to "delivered")
    days_to_delivery: float | None = None  # median, over ``delivered``
    closed: int = 0  # requests closed with their outcome
    engagements_delivered: int = 0  # offers recorded as delivered for the requests counted

    @property
    def from_priority_groups(self) -> int:
        return self.by_group.get(ANY_PRIORITY_GROUP, 0)

    @property
    def share_from_priority_groups(self) -> float | None:
        return self.from_priority_groups / self.opened if self.opened else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def _figures(
    requests: QuerySet[AssistanceRequest], *, until: datetime | None = None, apart: bool = True
) -> dict[bool, Figures]:
    """The figures of ``requests`` that were opened: with ``apart``, the illustrative ones (``True``) apart from the
    real ones (``False``); without, all under ``False``. Four queries whatever the number of requests: the dated
    group memberships; one row per request (its opening and the groups of its opening day); each request's first
    steps to matched, delivered and closed; its offers delivered. The medians are taken from them in Python."""
    periods = group_periods()
    keys = [key for key, _codes in _group_keys()]
    in_group = {
        f"group_{key}": Case(When(on_opening_day(codes, periods), then=Value(1)), default=Value(0))
        for key, codes in _group_keys()
    }
    opened = requests.filter(opened_at__isnull=False).order_by()
    rows: list[dict[str, Any]] = [dict(row) for row in opened.values("pk", "opened_at", "is_illustrative", **in_group)]
    # the first step of each kind per request, and the offers delivered per request: each its own grouped query
    # over the same requests (joined together, steps and engagements would multiply each other's rows)
    chosen = opened.values("pk")
    steps = StageChange.objects.filter(
        request_id__in=chosen, to_stage__in=[Stage.MATCHED, Stage.DELIVERED, Stage.CLOSED]
    )
    if until is not None:
        steps = steps.filter(created_at__lte=until)
    first_step: dict[tuple[int, str], datetime] = {
        (request_id, stage): at
        for request_id, stage, at in steps.values_list("request_id", "to_stage")
        .annotate(at=Min("created_at"))
        .order_by()
    }
    engagements = Engagement.objects.filter(request_id__in=chosen, status=Engagement.Status.DELIVERED)
    if until is not None:
        engagements = engagements.filter(delivered_at__lte=until)
    delivered_offers = dict(engagements.values_list("request_id").annotate(n=Count("pk")).order_by())
    for row in rows:
        row["matched_at"] = first_step.get((row["pk"], Stage.MATCHED))
        row["delivered_at"] = first_step.get((row["pk"], Stage.DELIVERED))
        row["closed"] = (row["pk"], Stage.CLOSED) in first_step
        row["engagements_delivered"] = delivered_offers.get(row["pk"], 0)
    found: dict[bool, Figures] = {False: Figures(by_group=dict.fromkeys(keys, 0)), True: Figures()}
    found[True].by_group = dict.fromkeys(keys, 0)
    to_match: dict[bool, list[float]] = {False: [], True: []}
    to_delivery: dict[bool, list[float]] = {False: [], True: []}
    for row in rows:
        kind = bool(row["is_illustrative"]) and apart
        figures = found[kind]
        figures.opened += 1
        if row["matched_at"] is not None:
            to_match[kind].append(_days(row["opened_at"], row["matched_at"]))
        if row["delivered_at"] is not None:
            to_delivery[kind].append(_days(row["opened_at"], row["delivered_at"]))
        figures.closed += bool(row["closed"])
        figures.engagements_delivered += row["engagements_delivered"]
        for key in keys:
            figures.by_group[key] += row[f"group_{key}"]
    for kind, figures in found.items():
        figures.matched, figures.days_to_match = len(to_match[kind]), _median(to_match[kind])
        figures.delivered, figures.days_to_delivery = len(to_delivery[kind]), _median(to_delivery[kind])
    return found


def figures(requests: QuerySet[AssistanceRequest], *, until: datetime | None = None) -> Figures:
    """The figures of ``requests`` that were opened, all together: the caller has limited them to what its viewer
    (or a report's audience) may see, to real or illustrative records, and to a period. Steps and deliveries
    recorded after ``until`` are not counted. Four queries."""
    return _figures(requests, until=until, apart=False)[False]


@dataclass
class ViewerFigures:
    """The figures of the requests a viewer may see: of the real ones and, apart, of the illustrative ones."""

    real: Figures
    illustrative: Figures | None  # ``None`` when the viewer sees no illustrative request

    @property
    def sets(self) -> list[Figures]:
        """The real figures, then the illustrative ones if any: the columns of the home page's table."""
        return [self.real] if self.illustrative is None else [self.real, self.illustrative]


def figures_for(user: Any) -> ViewerFigures:
    """The figures over every request ``user`` may see (the one access rule), real and illustrative apart: the demo's
    made-up requests never enter a figure that claims to be real. Four queries."""
    found = _figures(AssistanceRequest.objects.visible_to(user))
    return ViewerFigures(real=found[False], illustrative=found[True] if found[True].opened else None)


def requests_for_report(*, markings: Iterable[str], include_illustrative: bool) -> QuerySet[AssistanceRequest]:
    """The requests a report's audience may see: opened, published (not withdrawn, not hidden by a curator) and of
    a marking its edition may hold, as ``mandates.selectors.activities_for_report`` reads activities; illustrative
    ones only in a demonstration."""
    allowed = [marking for marking in markings if marking in EXPORTABLE_TLP]
    found = AssistanceRequest.objects.exportable().filter(tlp__in=allowed, opened_at__isnull=False)
    if not include_illustrative:
        found = found.filter(is_illustrative=False)
    return found
