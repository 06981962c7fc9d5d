"""State changes to accounts: memberships, roles, invitations, API tokens and two-factor devices.

An invitation goes: invited → sent (the task worker writes the e-mail with a single-use link) → accepted, or
revoked (by a lead or an administrator, or by a newer invitation to the same address), or expired. Who may
invite whom and manage which members is decided here, once (docs/roles.md): an administrator invites anyone;
a lead invites colleagues into their own Member State or organization, as members or leads of it, and manages
its members; nobody grants a role beyond their own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.core.validators import EmailValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.accounts import selectors
from clearinghouse.accounts.models import (
    ApiToken,
    Delivery,
    Invitation,
    Membership,
    Notification,
    NotificationKind,
    NotificationPreference,
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
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
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


# -- notifications ------------------------------------------------------------------------------------------------

_UNSUBSCRIBE_SALT = "clearinghouse.accounts.unsubscribe"


def notify(kind: str, *, recipients: Iterable[Any], about: Any, actor: Any = None, **params: Any) -> list[Notification]:
    """Tell ``recipients`` that ``kind`` happened to ``about``: inbox rows now, in the caller's transaction; the
    e-mails of those who want them at once, by the task worker after it commits.

    Nobody is told of their own act, nor of a record the access rule hides from them (a member not named on a
    TLP:RED draft of their own state, say)."""
    about_type = ContentType.objects.get_for_model(about)
    seen: set[int] = set()
    told: list[User] = []
    for person in recipients:
        if person.pk in seen or not person.is_active or (actor is not None and person.pk == actor.pk):
            continue
        seen.add(person.pk)
        if selectors.is_visible(about, person):
            told.append(person)
    now = timezone.now()
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=person,
                kind=kind,
                about_type=about_type,
                about_id=about.pk,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                params=params,
                created_at=now,
            )
            for person in told
        ]
    )
    if notifications:
        from clearinghouse.accounts.tasks import send_notifications

        ids = [n.pk for n in notifications]
        transaction.on_commit(lambda: send_notifications.enqueue(ids))
    return notifications


def mark_read(notification: Notification, *, actor: Any) -> Notification:
    """The recipient marks one of their notifications read (someone else's is not found)."""
    if notification.recipient_id != actor.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(*, actor: Any) -> int:
    """The recipient marks every unread notification of theirs read; answers how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def set_deliveries(choices: dict[str, str], *, actor: Any) -> dict[str, str]:
    """A person chooses how to hear of each kind (only the kinds in ``choices`` change); answers all of them."""
    for kind, delivery in choices.items():
        if kind not in NotificationKind.values:
            raise ValidationError({kind: _("Unknown kind of notification: %(kind)s") % {"kind": kind}})
        if delivery not in Delivery.values:
            raise ValidationError({kind: _("Unknown choice: %(choice)s") % {"choice": delivery}})
    before = selectors.deliveries_of(actor)
    changed = {kind: [before[kind], delivery] for kind, delivery in choices.items() if before[kind] != delivery}
    for kind, (_before, delivery) in changed.items():
        NotificationPreference.objects.update_or_create(user=actor, kind=kind, defaults={"delivery": delivery})
    if changed:
        audit.record(actor, "user.notification_preferences_changed", actor, changes=changed)
    return {**before, **choices}


def set_language(language: str, *, actor: Any) -> None:
    """A person chooses the language the platform writes its e-mails to them in."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": _("Unknown language: %(language)s") % {"language": language}})
    before = User.objects.filter(pk=actor.pk).values_list("language", flat=True).get()
    if before != language:
        User.objects.filter(pk=actor.pk).update(language=language)
        actor.language = language
        audit.record(actor, "user.language_changed", actor, changes={"language": [before, language]})


def remember_language(user: Any, language: str) -> None:
    """At sign-in, a person who has not chosen a language of e-mails gets the one they use the platform in."""
    if not user.language and language in {code for code, _name in settings.LANGUAGES}:
        User.objects.filter(pk=user.pk, language="").update(language=language)
        user.language = language


def unsubscribe_token(user: User, kind: str) -> str:
    """A signed token naming a person and a kind, for the one-click unsubscribe link in e-mails (RFC 8058)."""
    return signing.dumps({"user": user.pk, "kind": kind}, salt=_UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_link(user: User, kind: str, language: str) -> str:
    with translation.override(language):
        path = reverse("accounts:unsubscribe", kwargs={"token": unsubscribe_token(user, kind)})
    return settings.SITE_URL + path


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The person and the kind a token names; raises ``signing.BadSignature`` for a changed or cut token, or one
    that names nobody active."""
    data = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    user = User.objects.filter(pk=data.get("user"), is_active=True).first()
    if user is None or data.get("kind") not in NotificationKind.values:
        raise signing.BadSignature("no such person or kind")
    return user, data["kind"]


def unsubscribe(token: str) -> tuple[User, str]:
    """The one-click unsubscribe: that kind reaches that person in the platform only from now on."""
    user, kind = read_unsubscribe_token(token)
    set_deliveries({kind: Delivery.PLATFORM}, actor=user)
    return user, kind


def unsent_notifications(notification_ids: list[int]) -> list[int]:
    unsent = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
    return list(unsent.values_list("pk", flat=True))


def send_notification_emails(notification_ids: list[int]) -> int:
    """Send, over one connection, the e-mails of these notifications that are due at once and not sent yet (run
    by the task worker). Each is marked sent as it goes, so a retry sends only the rest."""
    from clearinghouse.accounts.emails import notification_message

    pending = (
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True, recipient__is_active=True)
        .select_related("recipient", "about_type")
        .order_by("pk")
    )
    sent = 0
    with get_connection() as connection:
        for notification in pending:
            recipient = notification.recipient
            if selectors.deliveries_of(recipient)[notification.kind] != Delivery.IMMEDIATE or not recipient.email:
                continue
            selectors.attach_records([notification], recipient)
            message = notification_message(notification)
            message.connection = connection
            message.send()
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent
