"""Reads of requests and offers: every page, the API and the counts start from ``visible_to`` here (the one access
rule, clearinghouse/core/visibility.py); nothing in this app decides visibility otherwise."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
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
    return requests_visible_to(user).prefetch_related("threats")


def request_detail(user: Any, pk: int) -> AssistanceRequest:
    """One request with everything its page shows; ``AssistanceRequest.DoesNotExist`` if unseen or absent.

    The measures it links are only those the reader may see themselves (a request can name an AMBER measure)."""
    return (
        requests_visible_to(user)
        .select_related("created_by")
        .prefetch_related(
            "threats",
            "pillars",
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
    return offers_visible_to(user).prefetch_related("threats")


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
    return offers_visible_to(user).prefetch_related("threats", "pillars").get(pk=pk)


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


#: The development groups the resolution names (recognizing c, footnote: the developing countries "include" the least
#: developed countries, small island developing states, landlocked developing countries and economies in
#: transition). The platform keeps no wider list of developing countries, so "from the priority groups" is a
#: request from a state on one of these four lists on the day it was opened.
PRIORITY_GROUPS: tuple[str, ...] = (GroupCode.LDC, GroupCode.SIDS, GroupCode.LLDC, GroupCode.EIT)


def groups_day(opened_at: Any = "opened_at") -> Any:
    """The day a request's development groups are read on: the day it was opened (in the site's time zone, as
    ``matching._groups_of`` reads it), or today for a draft, which has not been opened. ``opened_at``: the request's
    column as the query reaches it (``OuterRef("opened_at")`` from a subquery)."""
    return Coalesce(TruncDate(opened_at), Value(timezone.localdate()), output_field=DateField())


def in_groups_on_opening(codes: Iterable[str]) -> Q:
    """The requests whose state was on one of the groups ``codes`` on the day it was opened (``groups_day``), as a
    condition on the request: one indexed ``EXISTS`` over the state's dated memberships."""
    day = groups_day(ExpressionWrapper(OuterRef("opened_at"), output_field=DateTimeField()))
    periods = GroupMembership.objects.filter(
        Q(since__isnull=True) | Q(since__lte=day),
        Q(until__isnull=True) | Q(until__gt=day),
        member_state_id=OuterRef("owner_state_id"),
        group__code__in=list(codes),
    )
    return Q(Exists(periods))


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


def counts(requests: QuerySet[AssistanceRequest]) -> Counts:
    """The counts of a list of requests, already limited to what the reader may see (five queries, whatever the
    number of requests). A request counts under the development groups its state belonged to on the day it was
    opened (``groups_day``); "any of the four" counts it once however many of them it was on."""
    ids = requests.order_by().values("pk")
    base = AssistanceRequest.objects.filter(pk__in=ids)
    total = base.aggregate(n=Count("pk"), demo=Count("pk", filter=Q(is_illustrative=True)))
    by_region = _by(base, "owner_state__bdt_region")
    day = groups_day()
    periods = "owner_state__group_periods__"
    # one join to the state's dated memberships, kept to the periods covering the opening day, grouped by group
    covering = base.filter(
        Q(**{f"{periods}since__isnull": True}) | Q(**{f"{periods}since__lte": day}),
        Q(**{f"{periods}until__isnull": True}) | Q(**{f"{periods}until__gt": day}),
        **{f"{periods}group__code__in": list(PRIORITY_GROUPS)},
    )
    by_group = _by(covering, f"{periods}group__code")
    any_group = covering.aggregate(
        n=Count("pk", distinct=True), demo=Count("pk", distinct=True, filter=Q(is_illustrative=True))
    )
    by_threat = _by(base.filter(threats__isnull=False), "threats__slug")
    threat_names = {t.slug: t.name for t in Threat.objects.filter(slug__in=list(by_threat))}
    group_labels = dict(GroupCode.choices)
    return Counts(
        total=total["n"],
        illustrative=total["demo"],
        regions=[CountRow(code, str(label), *by_region.get(code, (0, 0))) for code, label in BDTRegion.choices],
        groups=[
            *(CountRow(code, str(group_labels[code]), *by_group.get(code, (0, 0))) for code in PRIORITY_GROUPS),
            CountRow(ANY_PRIORITY_GROUP, str(ANY_PRIORITY_GROUP_LABEL), any_group["n"], any_group["demo"]),
        ],
        threats=sorted(
            (CountRow(str(slug), threat_names.get(slug) or str(slug), *n) for slug, n in by_threat.items()),
            key=lambda row: (-row.count, row.label),
        ),
    )


# -- figures: how the clearinghouse does, over what the viewer (or a report's audience) may see ---------------


@dataclass
class Figures:
    """What became of the requests counted (docs/assistance.md, "Figures"): all of them opened, some matched,
    delivered or closed since. Days are whole and fractional days between two recorded steps."""

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


def figures(requests: QuerySet[AssistanceRequest], *, until: datetime | None = None) -> Figures:
    """The figures of ``requests`` that were opened: the caller has limited them to what its viewer (or a report's
    audience) may see, to real or to illustrative records, and to a period. Steps recorded after ``until`` are not
    counted. Four queries, whatever the number of requests; the medians are taken over one column of days."""
    opened = AssistanceRequest.objects.filter(pk__in=requests.order_by().values("pk"), opened_at__isnull=False)
    steps = Q() if until is None else Q(stage_changes__created_at__lte=until)
    first = {
        name: Min("stage_changes__created_at", filter=steps & Q(stage_changes__to_stage=stage))
        for name, stage in (("matched_at", Stage.MATCHED), ("delivered_at", Stage.DELIVERED))
    }
    closed = Count("stage_changes", filter=steps & Q(stage_changes__to_stage=Stage.CLOSED))
    result = Figures()
    rows = opened.annotate(**first, closed=closed).values_list("opened_at", "matched_at", "delivered_at", "closed")
    to_match, to_delivery = [], []
    for opened_at, matched_at, delivered_at, was_closed in rows.order_by():
        if opened_at is None:  # not so: filtered above
            continue
        result.opened += 1
        if matched_at is not None:
            to_match.append(_days(opened_at, matched_at))
        if delivered_at is not None:
            to_delivery.append(_days(opened_at, delivered_at))
        result.closed += bool(was_closed)
    result.matched, result.days_to_match = len(to_match), _median(to_match)
    result.delivered, result.days_to_delivery = len(to_delivery), _median(to_delivery)
    result.by_group = opened.aggregate(
        **{code: Count("pk", filter=in_groups_on_opening([code])) for code in PRIORITY_GROUPS},
        **{ANY_PRIORITY_GROUP: Count("pk", filter=in_groups_on_opening(PRIORITY_GROUPS))},
    )
    delivered = Engagement.objects.filter(request__in=opened.values("pk"), status=Engagement.Status.DELIVERED)
    if until is not None:
        delivered = delivered.filter(delivered_at__lte=until)
    result.engagements_delivered = delivered.count()
    return result


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
    made-up requests never enter a figure that claims to be real."""
    visible = AssistanceRequest.objects.visible_to(user)
    illustrative = visible.filter(is_illustrative=True)
    return ViewerFigures(
        real=figures(visible.filter(is_illustrative=False)),
        illustrative=figures(illustrative) if illustrative.exists() else None,
    )


def requests_for_report(*, markings: Iterable[str], include_illustrative: bool) -> QuerySet[AssistanceRequest]:
    """The requests a report's audience may see: opened, published (not withdrawn, not hidden by a curator) and of
    a marking its edition may hold, as ``mandates.selectors.activities_for_report`` reads activities; illustrative
    ones only in a demonstration."""
    allowed = [marking for marking in markings if marking in EXPORTABLE_TLP]
    found = AssistanceRequest.objects.exportable().filter(tlp__in=allowed, opened_at__isnull=False)
    if not include_illustrative:
        found = found.filter(is_illustrative=False)
    return found
