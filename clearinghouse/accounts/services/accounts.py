"""Accounts, API tokens and two-factor devices: opening an account for a person, and the credentials they sign in
and call the API with."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.accounts.models import (
    ApiToken,
    Membership,
    Position,
    Role,
    User,
)
from clearinghouse.core import audit


def check_role_and_membership(role: str, member_state: Any, organization: Any) -> None:
    """The invariant between a role and what the person belongs to, for forms, admin and services."""
    if member_state is not None and organization is not None:
        raise ValidationError(_("A person belongs to one Member State or one organization, not both."))
    if role == Role.FOCAL_POINT and member_state is None:
        raise ValidationError(_("A focal point must belong to a Member State."))
    if role == Role.CONTRIBUTOR and organization is None:
        raise ValidationError(_("A stakeholder contributor must belong to an organization."))


@transaction.atomic
def create_account(
    *,
    actor: Any,
    username: str,
    email: str,
    role: str,
    password: str | None = None,
    member_state: Any = None,
    organization: Any = None,
    first_name: str = "",
    last_name: str = "",
    position: str = Position.MEMBER,
) -> User:
    """An administrator opens an account for a person and ties it to their state or organization."""
    if actor is not None and not getattr(actor, "is_administrator", False):
        raise PermissionDenied(_("Only an administrator can open accounts."))
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    check_role_and_membership(role, member_state, organization)
    user = User(username=username, email=email, role=role, first_name=first_name, last_name=last_name)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    if member_state is not None or organization is not None:
        Membership.objects.create(user=user, member_state=member_state, organization=organization, position=position)
    audit.record(
        actor,
        "user.created",
        user,
        changes={
            "role": role,
            "position": position,
            "member_state": member_state,
            "organization": organization,
            "email": email,
        },
    )
    return user


def _require_self(user: User, actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or actor.pk != user.pk:
        raise PermissionDenied(_("Only the owner of the account can do this."))


@transaction.atomic
def create_api_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A person creates a token for their own scripts; the secret is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the token a name that says what it is for."))
    if len(name) > 100:
        raise ValidationError(_("A token name has at most 100 characters."))
    key = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, key_hash=ApiToken.hash(key), key_hint=key[:12])
    audit.record(actor, "apitoken.created", token, changes={"name": name})
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    """The owner (or an administrator) revokes a token; requests with it are refused from then on."""
    if token.user_id != actor.pk and not actor.is_administrator:
        raise PermissionDenied(_("Only the owner of a token can revoke it."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "apitoken.revoked", token)
    return token


@transaction.atomic
def start_totp_enrollment(*, actor: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for this person; an older unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name=_("Authenticator app"), confirmed=False)


class TooManyWrongCodes(Exception):
    """Wrong codes came too fast: django-otp makes the person wait, doubling the wait each time."""


class WrongCurrentCode(Exception):
    """Replacing a confirmed authenticator needs a code from it (or an administrator's reset)."""


@transaction.atomic
def confirm_totp_enrollment(device: TOTPDevice, code: str, *, actor: User, current_code: str = "") -> bool:
    """Confirm the authenticator with a code it shows; a wrong code changes nothing.

    When the person already has a confirmed authenticator, this one replaces it only with a code from the one
    being replaced: a password alone never moves the second factor to another phone."""
    _require_self(device.user, actor)
    current = TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).first()
    if current is not None:
        allowed, _details = current.verify_is_allowed()
        if not allowed:
            raise TooManyWrongCodes
        if not current.verify_token(current_code.strip().replace(" ", "")):
            raise WrongCurrentCode
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise TooManyWrongCodes
    if not device.verify_token(code.strip().replace(" ", "")):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).delete()
    audit.record(actor, "user.two_factor_enabled", actor)
    return True


@transaction.atomic
def reset_two_factor(user: User, *, actor: User) -> None:
    """An administrator removes a person's authenticator (lost phone); they enrol again at next sign-in."""
    if not actor.is_administrator:
        raise PermissionDenied(_("Only an administrator can reset two-factor authentication."))
    TOTPDevice.objects.filter(user=user).delete()
    audit.record(actor, "user.two_factor_reset", user)
