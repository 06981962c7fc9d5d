"""Reads of requests and offers: every page, the API and the counts start from ``visible_to`` here (the one access
rule, clearinghouse/core/visibility.py); nothing in this app decides visibility otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest, Engagement, Stage, StageChange
from clearinghouse.catalog.models import Measure, Threat
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import BDTRegion, GroupCode, MemberState

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


@dataclass
class CountRow:
    key: str
    label: str
    count: int


@dataclass
class Counts:
    """How many of the requests listed fall in each region, development group and threat."""

    total: int
    regions: list[CountRow]
    groups: list[CountRow]
    threats: list[CountRow]


def counts(requests: QuerySet[AssistanceRequest]) -> Counts:
    """The counts of a list of requests, already limited to what the reader may see (three grouped queries)."""
    ids = requests.order_by().values("pk")
    base = AssistanceRequest.objects.filter(pk__in=ids)
    by_region = dict(base.values_list("owner_state__bdt_region").annotate(n=Count("pk", distinct=True)))
    by_group = dict(
        base.filter(owner_state__groups__isnull=False)
        .values_list("owner_state__groups__code")
        .annotate(n=Count("pk", distinct=True))
    )
    by_threat = dict(
        base.filter(threats__isnull=False).values_list("threats__slug").annotate(n=Count("pk", distinct=True))
    )
    threat_names = {t.slug: t.name for t in Threat.objects.filter(slug__in=list(by_threat))}
    return Counts(
        total=base.count(),
        regions=[CountRow(code, str(label), by_region.get(code, 0)) for code, label in BDTRegion.choices],
        groups=[CountRow(code, str(label), by_group.get(code, 0)) for code, label in GroupCode.choices],
        threats=sorted(
            (CountRow(str(slug), threat_names.get(slug) or str(slug), n) for slug, n in by_threat.items()),
            key=lambda row: (-row.count, row.label),
        ),
    )
