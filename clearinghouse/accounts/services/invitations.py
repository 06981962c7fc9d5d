"""Invitations: who may invite whom (docs/roles.md), writing and sending the single-use link, and accepting it.

An invitation goes: invited → sent (the task worker writes the e-mail with a single-use link) → accepted, or
revoked (by a lead or an administrator, or by a newer invitation to the same address), or expired. An
administrator invites anyone; a lead invites colleagues into their own Member State or organization, as members
or leads of it; nobody grants a role beyond their own.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clearinghouse.accounts import selectors
from clearinghouse.accounts.models import (
    Invitation,
    Membership,
    NotificationKind,
    Position,
    Role,
    User,
)
from clearinghouse.accounts.services.accounts import check_role_and_membership
from clearinghouse.accounts.services.notifications import notify
from clearinghouse.core import audit

# -- invitations ----------------------------------------------------------------------------------------------

_SIGNER_SALT = "clearinghouse.accounts.invitation"


def _language(code: str | None) -> str:
    known = [language for language, _name in settings.LANGUAGES]
    code = (code or translation.get_language() or settings.LANGUAGE_CODE).lower()
    return code if code in known else settings.LANGUAGE_CODE


def _same_group(membership: Any, member_state: Any, organization: Any) -> bool:
    if membership is None:
        return False
    if member_state is not None:
        return membership.member_state_id == member_state.pk
    if organization is not None:
        return membership.organization_id == organization.pk
    return False


def check_may_invite(actor: Any, *, role: str, position: str, member_state: Any, organization: Any) -> None:
    """Raise unless ``actor`` may invite someone as ``role`` (and ``position``) into this state or organization."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s") % {"role": role}})
    if position not in Position.values:
        raise ValidationError({"position": _("Unknown position: %(position)s") % {"position": position}})
    try:
        check_role_and_membership(role, member_state, organization)
    except ValidationError as error:
        raise ValidationError({"role": error.messages}) from None
    if not selectors.may_manage_members(actor, member_state=member_state, organization=organization):
        group = member_state or organization
        if group is None:
            raise PermissionDenied(_("Only an administrator can invite curators and administrators."))
        raise PermissionDenied(
            _("Only a lead of %(group)s or an administrator can invite people to it.") % {"group": group}
        )
    if role not in selectors.grantable_roles(actor, member_state=member_state, organization=organization):
        raise PermissionDenied(
            _(
                "You may not invite someone as “%(role)s”: a lead invites colleagues of their own Member State or "
                "organization, as members or leads of it; only an administrator invites curators and "
                "administrators. Nothing was sent."
            )
            % {"role": Role(role).label}
        )


def _revoke(invitation: Invitation, *, actor: Any, reason: str) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(actor, "invitation.revoked", invitation, changes={"reason": reason})


@transaction.atomic
def invite_person(
    *,
    actor: Any,
    email: str,
    role: str,
    position: str = Position.MEMBER,
    member_state: Any = None,
    organization: Any = None,
    language: str | None = None,
) -> Invitation:
    """A lead or an administrator invites a person; the e-mail is written and sent by the task worker.

    A pending invitation to the same address for the same state or organization is revoked: only the newest
    link works. An address with an active account cannot be invited; a deactivated member of the same state or
    organization (any, for an administrator) is invited back into their own account."""
    email = User.objects.normalize_email((email or "").strip())
    try:
        EmailValidator()(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    check_may_invite(actor, role=role, position=position, member_state=member_state, organization=organization)
    existing = User.objects.filter(email__iexact=email).select_related("membership").first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError({"email": _("%(email)s has an account already.") % {"email": email}})
        membership = getattr(existing, "membership", None)
        if not (actor.is_administrator or _same_group(membership, member_state, organization)):
            raise ValidationError(
                {
                    "email": _(
                        "%(email)s belongs to a deactivated account elsewhere: an administrator can invite them back."
                    )
                    % {"email": email}
                }
            )
    earlier = Invitation.objects.pending().filter(
        email__iexact=email, member_state=member_state, organization=organization
    )
    for old in earlier.select_for_update():
        _revoke(old, actor=actor, reason="replaced")
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        position=position,
        member_state=member_state,
        organization=organization,
        language=_language(language),
        invited_by=actor,
        user=existing,
    )
    audit.record(
        actor,
        "invitation.created",
        invitation,
        changes={
            "email": email,
            "role": role,
            "position": position,
            "member_state": member_state,
            "organization": organization,
            "language": invitation.language,
            "reopens_account": existing,
        },
    )
    from clearinghouse.accounts.tasks import send_invitation as send_invitation_task

    transaction.on_commit(lambda: send_invitation_task.enqueue(invitation.pk))
    return invitation


@transaction.atomic
def reinvite(invitation: Invitation, *, actor: Any) -> Invitation:
    """Send a new invitation like this one (a lost, expired or revoked e-mail); the old link stops working."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was accepted already: the person has an account."))
    return invite_person(
        actor=actor,
        email=invitation.email,
        role=invitation.role,
        position=invitation.position,
        member_state=invitation.member_state,
        organization=invitation.organization,
        language=invitation.language,
    )


@transaction.atomic
def reinvite_member(member: User, *, actor: Any, language: str | None = None) -> Invitation:
    """Invite a deactivated member back: accepting reopens their account with a new password."""
    if member.is_active:
        raise ValidationError(_("%(name)s’s account is active: there is nobody to invite back.") % {"name": member})
    membership = getattr(member, "membership", None)
    return invite_person(
        actor=actor,
        email=member.email,
        role=member.role,
        position=membership.position if membership else Position.MEMBER,
        member_state=membership.member_state if membership else None,
        organization=membership.organization if membership else None,
        language=language,
    )


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: Any) -> Invitation:
    """A lead of the invitation's state or organization, or an administrator, withdraws it: its link stops working."""
    if not selectors.may_manage_members(
        actor, member_state=invitation.member_state, organization=invitation.organization
    ):
        raise PermissionDenied(
            _("Only a lead of the invitation’s state or organization or an administrator can revoke it.")
        )
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.is_pending:
        _revoke(invitation, actor=actor, reason="revoked")
    return invitation


def invitation_link(invitation: Invitation, secret: str) -> str:
    """The absolute address of the acceptance page, in the invitation's language."""
    token = signing.Signer(salt=_SIGNER_SALT).sign(secret)
    with translation.override(invitation.language):
        path = reverse("accounts:invitation_accept", kwargs={"token": token})
    return settings.SITE_URL + path


def unsign_invitation_token(token: str) -> str:
    """The secret in a link's token; raises ``signing.BadSignature`` when the token was changed or cut."""
    return signing.Signer(salt=_SIGNER_SALT).unsign(token)


@transaction.atomic
def send_invitation(invitation: Invitation) -> Invitation | None:
    """Write and send the e-mail with a fresh single-use link (run by the task worker, never in a request).

    The secret is made here and only its hash kept; sending again replaces the link. Nothing is sent for an
    invitation that was accepted or revoked meanwhile."""
    from clearinghouse.accounts.emails import invitation_message

    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("member_state", "organization", "invited_by")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None or locked.accepted_at is not None or locked.revoked_at is not None:
        return None
    invitation = locked
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = Invitation.hash(secret)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.send_error = ""
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "send_error"])
    audit.record(None, "invitation.sent", invitation, changes={"expires_at": invitation.expires_at})
    invitation_message(invitation, invitation_link(invitation, secret)).send()
    return invitation


@transaction.atomic
def accept_invitation(
    invitation: Invitation,
    *,
    actor: Any,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """The invited person chooses a user name and a password: the account opens (or reopens), tied to the state
    or organization with the role and position of the invitation. The link works once."""
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("user").get(pk=invitation.pk)
    selectors.check_invitation_usable(invitation, actor)
    user = invitation.user
    if user is None:
        username = (username or "").strip()
        if not username:
            raise ValidationError({"username": _("Choose a user name.")})
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError({"username": _("This user name is taken. Choose another.")})
        if User.objects.filter(email__iexact=invitation.email, is_active=True).exists():
            raise ValidationError(_("An account with this e-mail address was opened meanwhile. Sign in with it."))
        user = User(username=username, email=invitation.email)
    user.role = invitation.role
    user.first_name, user.last_name = first_name.strip() or user.first_name, last_name.strip() or user.last_name
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.language = invitation.language  # they read the invitation in it: the platform goes on writing in it
    user.is_active = True
    user.full_clean(exclude=["password"])
    user.save()
    group = {"member_state": invitation.member_state, "organization": invitation.organization}
    if invitation.member_state is None and invitation.organization is None:
        Membership.objects.filter(user=user).delete()
    else:
        Membership.objects.update_or_create(user=user, defaults={**group, "position": invitation.position})
    user.__dict__.pop("_membership", None)
    invitation.user, invitation.accepted_at = user, timezone.now()
    invitation.save(update_fields=["user", "accepted_at"])
    audit.record(
        user,
        "invitation.accepted",
        invitation,
        changes={"user": user, "role": user.role, "position": invitation.position, **group},
    )
    if invitation.invited_by is not None:
        notify(NotificationKind.INVITATION_ACCEPTED, recipients=[invitation.invited_by], about=invitation, actor=user)
    return user
