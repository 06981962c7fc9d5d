"""Reads of Member States and organizations. Reference data is public: no TLP applies here."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from clearinghouse.countries.models import DevelopmentGroup, MemberState, Organization


def member_states() -> QuerySet[MemberState]:
    return MemberState.objects.prefetch_related(
        Prefetch("groups", queryset=DevelopmentGroup.objects.only("id", "code"))
    ).ordered_by_name()


def member_state(alpha2: str) -> MemberState:
    """The state with this alpha-2 code (any case); raises ``MemberState.DoesNotExist``."""
    return member_states().get(alpha2=alpha2.upper())


def development_groups() -> QuerySet[DevelopmentGroup]:
    return DevelopmentGroup.objects.order_by("code")


def organizations() -> QuerySet[Organization]:
    return Organization.objects.select_related("country").order_by("name")
