"""The members of a Member State or organization: their lead changes their position or deactivates them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.accounts import selectors
from clearinghouse.accounts.models import (
    Invitation,
    Position,
    Role,
    User,
)
from clearinghouse.accounts.services.invitations import _revoke
from clearinghouse.core import audit

# -- members of a state or organization -------------------------------------------------------------------------


def _check_may_manage_member(member: User, actor: Any) -> Any:
    membership = getattr(member, "membership", None)
    state = membership.member_state if membership else None
    organization = membership.organization if membership else None
    if not selectors.may_manage_members(actor, member_state=state, organization=organization):
        raise PermissionDenied(
            _("Only a lead of %(group)s or an administrator can manage its members.")
            % {"group": state or organization or "—"}
        )
    if member.pk == actor.pk:
        raise PermissionDenied(_("You cannot change your own account here: ask another lead or an administrator."))
    if not actor.is_administrator and member.role in (Role.CURATOR, Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only an administrator can change the account of a curator or an administrator."))
    return membership


@transaction.atomic
def change_member_position(member: User, *, actor: Any, position: str) -> User:
    """A lead makes a colleague a lead, or a lead a member, of their own state or organization."""
    if position not in Position.values:
        raise ValidationError({"position": _("Unknown position: %(position)s") % {"position": position}})
    membership = _check_may_manage_member(member, actor)
    if membership.position != position:
        before = membership.position
        membership.position = position
        membership.save(update_fields=["position"])
        member.__dict__.pop("_membership", None)
        audit.record(actor, "membership.position_changed", member, changes={"position": [before, position]})
    return member


@transaction.atomic
def deactivate_member(member: User, *, actor: Any) -> User:
    """A lead or an administrator closes a member's account: they can no longer sign in, nor use their tokens,
    and their pending invitations are revoked. Invite them back to reopen it."""
    _check_may_manage_member(member, actor)
    if member.is_active:
        member.is_active = False
        member.save(update_fields=["is_active", "is_staff", "is_superuser"])
        for invitation in Invitation.objects.pending().filter(user=member):
            _revoke(invitation, actor=actor, reason="account deactivated")
        audit.record(actor, "user.deactivated", member)
    return member
