"""Reads of Member States and organizations (reference data, public) and of their points of contact (named
people: the one access rule applies)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from clearinghouse.countries.models import Contact, DevelopmentGroup, MemberState, Organization


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


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    """The points of contact ``user`` may see (none for a reader who is not signed in: the one access rule,
    since a contact is never TLP:CLEAR)."""
    return Contact.objects.visible_to(user).select_related("owner_state", "owner_organization")


def contacts_of(owner: MemberState | Organization, user: Any) -> QuerySet[Contact]:
    """The contacts of one state or organization that ``user`` may see, by function then name."""
    field = "owner_state" if isinstance(owner, MemberState) else "owner_organization"
    return contacts_visible_to(user).filter(**{field: owner}).order_by("function", "name", "pk")
