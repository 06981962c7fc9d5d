"""Reads of Member States and organizations (reference data, public) and of their points of contact (named
people: the one access rule applies)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from clearinghouse.countries.models import (
    BDTRegion,
    Contact,
    DevelopmentGroup,
    GroupMembership,
    MemberState,
    Organization,
    ReachabilityCheck,
    ReachabilityRound,
)


def member_states() -> QuerySet[MemberState]:
    return MemberState.objects.prefetch_related(
        Prefetch("groups", queryset=DevelopmentGroup.objects.only("id", "code"))
    ).ordered_by_name()


def member_state(alpha2: str) -> MemberState:
    """The state with this alpha-2 code (any case); raises ``MemberState.DoesNotExist``."""
    return member_states().get(alpha2=alpha2.upper())


def member_states_with_group_periods() -> QuerySet[MemberState]:
    """The states with their dated group memberships too (one query more), for the API."""
    periods = (
        GroupMembership.objects.select_related("group")
        .only("member_state_id", "group__code", "since", "until")
        .order_by("group__code", F("since").asc(nulls_first=True))
    )
    return member_states().prefetch_related(Prefetch("group_periods", queryset=periods))


def development_groups() -> QuerySet[DevelopmentGroup]:
    return DevelopmentGroup.objects.order_by("code")


def groups_on(state: MemberState, day: date) -> set[str]:
    """The codes of the groups ``state`` was a member of on ``day``, from the dated memberships (the groups'
    current lists answer for today only)."""
    return set(GroupMembership.objects.covering(day).filter(member_state=state).values_list("group__code", flat=True))


def former_memberships(state: MemberState) -> QuerySet[GroupMembership]:
    """The periods in which ``state`` was a member of a group and that have ended, the latest first."""
    return (
        GroupMembership.objects.filter(member_state=state, until__isnull=False)
        .select_related("group")
        .order_by("-until", "group__code")
    )


def organizations() -> QuerySet[Organization]:
    return Organization.objects.select_related("country").order_by("name")


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    """The points of contact ``user`` may see (none for a reader who is not signed in: the one access rule,
    since a contact is never TLP:CLEAR)."""
    return Contact.objects.visible_to(user).select_related("owner_state", "owner_organization")


def contacts_of(owner: MemberState | Organization, user: Any) -> QuerySet[Contact]:
    """The contacts of one state or organization that ``user`` may see, by function then name."""
    field = "owner_state" if isinstance(owner, MemberState) else "owner_organization"
    return contacts_visible_to(user).filter(**{field: owner}).order_by("function", "name", "pk")


@dataclass
class RoundRow:
    """How one region (or the organizations) answered a reachability round."""

    label: str
    asked: int
    sent: int
    answered: int
    median_hours: float | None

    @property
    def share(self) -> float:
        return self.answered / self.asked if self.asked else 0.0


def rounds() -> QuerySet[ReachabilityRound]:
    return (
        ReachabilityRound.objects.select_related("started_by")
        .annotate(asked=Count("checks"), answered=Count("checks", filter=Q(checks__confirmed_at__isnull=False)))
        .order_by("-started_at", "-id")
    )


def round_checks(round_: ReachabilityRound) -> QuerySet[ReachabilityCheck]:
    return round_.checks.select_related("owner_state", "owner_organization", "contact")


def round_summary(round_: ReachabilityRound) -> list[RoundRow]:
    """Who answered and how fast, by BDT region, then the organizations, then everyone."""
    groups: dict[str, list[ReachabilityCheck]] = {}
    labels = dict(BDTRegion.choices)
    for check in round_checks(round_):
        key = check.owner_state.bdt_region if check.owner_state else ""
        groups.setdefault(key, []).append(check)

    def row(label: str, checks: list[ReachabilityCheck]) -> RoundRow:
        hours = [h for h in (c.hours_to_answer for c in checks) if h is not None]
        return RoundRow(
            label=label,
            asked=len(checks),
            sent=sum(1 for c in checks if c.sent_at is not None),
            answered=sum(1 for c in checks if c.confirmed_at is not None),
            median_hours=statistics.median(hours) if hours else None,
        )

    rows = [row(str(labels[key]), groups[key]) for key in BDTRegion.values if key in groups]
    if "" in groups:
        rows.append(row(str(_("Organizations")), groups[""]))
    rows.append(row(str(_("All")), [c for checks in groups.values() for c in checks]))
    return rows
