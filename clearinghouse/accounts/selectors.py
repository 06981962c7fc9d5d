"""Reads of accounts, and who may see and manage the members of a state or organization (docs/roles.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core import signing
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.module_loading import import_string
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.accounts.models import (
    DEFAULT_DELIVERY,
    ApiToken,
    Invitation,
    MailFailure,
    Notification,
    NotificationKind,
    NotificationPreference,
    Position,
    Role,
    User,
)


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_confirmed_totp_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def accounts_named(entries: Iterable[str]) -> tuple[list[User], list[str]]:
    """The active accounts these e-mail addresses or user names (any case) name, once each, and the entries no
    active account has."""
    found: dict[int, User] = {}
    unknown: list[str] = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        person = User.objects.filter(Q(email__iexact=entry) | Q(username__iexact=entry), is_active=True).first()
        if person is None:
            unknown.append(entry)
        else:
            found[person.pk] = person
    return list(found.values()), unknown


# -- members of a state or organization, and who may manage them ------------------------------------------------


def _in_group(actor: Any, member_state: Any, organization: Any) -> bool:
    if member_state is not None:
        return actor.member_state_id == member_state.pk
    if organization is not None:
        return actor.organization_id == organization.pk
    return False


def may_manage_members(actor: Any, *, member_state: Any = None, organization: Any = None) -> bool:
    """An administrator manages everyone; a lead, the members of their own Member State or organization."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_administrator:
        return True
    return actor.is_lead and _in_group(actor, member_state, organization)


def may_see_members(actor: Any, *, member_state: Any = None, organization: Any = None) -> bool:
    """The members of a state or organization are listed to its own members, curators and administrators."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return actor.is_curator or _in_group(actor, member_state, organization)


def grantable_roles(actor: Any, *, member_state: Any = None, organization: Any = None) -> list[str]:
    """The roles ``actor`` may give in an invitation to this state or organization (or to none), never beyond
    their own: a lead gives the role of their own state or organization; an administrator, any role it allows."""
    if not may_manage_members(actor, member_state=member_state, organization=organization):
        return []
    if member_state is not None:
        return [Role.FOCAL_POINT]
    if not actor.is_administrator:
        return [Role.CONTRIBUTOR]
    if organization is not None:
        return [Role.CONTRIBUTOR, Role.CURATOR, Role.ADMINISTRATOR]
    return [Role.CURATOR, Role.ADMINISTRATOR]


def members_of(*, member_state: Any = None, organization: Any = None) -> QuerySet[User]:
    """The people of a state or organization, leads first, then by name; deactivated accounts last."""
    group = {"membership__member_state": member_state} if member_state is not None else {}
    if organization is not None:
        group = {"membership__organization": organization}
    return (
        User.objects.filter(**group)
        .select_related("membership")
        .annotate(
            has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            lead_first=Case(
                When(membership__position=Position.LEAD, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("-is_active", "lead_first", "last_name", "first_name", "username")
    )


def pending_invitations_of(*, member_state: Any = None, organization: Any = None) -> QuerySet[Invitation]:
    return (
        Invitation.objects.pending()
        .filter(member_state=member_state, organization=organization)
        .select_related("invited_by", "member_state", "organization")
    )


def invitations_visible_to(actor: Any, *, pending_only: bool = False) -> QuerySet[Invitation]:
    """The invitations a person manages: every one for an administrator, their own group's for a lead."""
    invitations = Invitation.objects.pending() if pending_only else Invitation.objects.all()
    invitations = invitations.select_related("invited_by", "member_state", "organization")
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return invitations.none()
    if actor.is_administrator:
        return invitations
    if not actor.is_lead:
        return invitations.none()
    if actor.member_state_id is not None:
        return invitations.filter(member_state_id=actor.member_state_id)
    return invitations.filter(organization_id=actor.organization_id)


# -- the link in an invitation --------------------------------------------------------------------------------


class InvitationLinkError(Exception):
    """Why a link cannot be used, for a page that says so and what to do."""

    DAMAGED = "damaged"  # the signature does not match: the address was cut or changed
    REPLACED = "replaced"  # signed by us, but a newer e-mail replaced its link
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"
    OTHER_ACCOUNT = "other_account"  # someone else is signed in

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason, self.invitation = reason, invitation


def invitation_from_link(token: str) -> Invitation:
    """The invitation a link's token names; raises :class:`InvitationLinkError` when it names none."""
    from clearinghouse.accounts.services import unsign_invitation_token

    try:
        secret = unsign_invitation_token(token)
    except signing.BadSignature:
        raise InvitationLinkError(InvitationLinkError.DAMAGED) from None
    invitation = (
        Invitation.objects.select_related("member_state", "organization", "invited_by", "user")
        .filter(token_hash=Invitation.hash(secret))
        .first()
    )
    if invitation is None:
        raise InvitationLinkError(InvitationLinkError.REPLACED)
    return invitation


def check_invitation_usable(invitation: Invitation, actor: Any) -> None:
    """Raise :class:`InvitationLinkError` unless this person may accept this invitation now."""
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        raise InvitationLinkError(InvitationLinkError.ACCEPTED, invitation)
    if status == Invitation.Status.REVOKED:
        raise InvitationLinkError(InvitationLinkError.REVOKED, invitation)
    if status == Invitation.Status.EXPIRED:
        raise InvitationLinkError(InvitationLinkError.EXPIRED, invitation)
    if getattr(actor, "is_authenticated", False) and actor.pk != invitation.user_id:
        raise InvitationLinkError(InvitationLinkError.OTHER_ACCOUNT, invitation)


# -- notifications ------------------------------------------------------------------------------------------------


def unread_count(user: Any) -> int:
    """The header's number: one COUNT over the (recipient, read_at) index."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_of(user: Any) -> QuerySet[Notification]:
    """A person's own inbox, newest first; nobody reads another's."""
    return Notification.objects.filter(recipient=user).select_related("about_type")


def deliveries_of(user: Any) -> dict[str, str]:
    """How this person hears of each kind: their choice, else the default."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[NotificationKind(kind)]) for kind in NotificationKind.values}


def mail_failures() -> QuerySet[MailFailure]:
    """The e-mails the mail server refused after the last attempt, newest first (shown to administrators)."""
    return MailFailure.objects.select_related("invitation")


def kinds_for(user: Any) -> list[NotificationKind]:
    """The kinds of notification this person can receive, for their settings page: what is submitted for review
    reaches curators, what the mail server refused reaches administrators; the rest, anyone."""
    kinds = list(NotificationKind)
    if not getattr(user, "is_curator", False):
        kinds.remove(NotificationKind.MEASURE_SUBMITTED)
        kinds.remove(NotificationKind.ASSISTANCE_REQUEST_OPENED)
    if not getattr(user, "is_administrator", False):
        kinds.remove(NotificationKind.EMAIL_FAILED)
    return kinds


#: Records that are neither shareable nor accounts' own, each seen by the rule of its own app's pages (imported
#: lazily: those apps build on this one).
_RULES_OF_OTHER_APPS = {
    "exchange.importrun": "clearinghouse.exchange.selectors.imports_visible_to",
    "reports.report": "clearinghouse.reports.selectors.reports_visible_to",
    "exchange.syncsource": "clearinghouse.exchange.selectors.sync_sources_visible_to",
}


def _visible_records(model: Any, ids: Iterable[Any], user: Any) -> dict[Any, Any]:
    manager = model._default_manager
    if hasattr(manager.all(), "visible_to"):  # a shareable record (a measure, a technology): the one access rule
        found = manager.all().visible_to(user).filter(pk__in=ids)
    elif model is Invitation:  # told to whom sent it, and seen by whoever manages its group
        found = (
            Invitation.objects.filter(Q(pk__in=invitations_visible_to(user).values("pk")) | Q(invited_by=user))
            .filter(pk__in=ids)
            .select_related("user", "member_state", "organization")
        )
    elif model is MailFailure:  # the mail server's failures: administrators only
        found = MailFailure.objects.filter(pk__in=ids) if getattr(user, "is_administrator", False) else []
    elif model._meta.label_lower in _RULES_OF_OTHER_APPS:
        found = import_string(_RULES_OF_OTHER_APPS[model._meta.label_lower])(user).filter(pk__in=ids)
    else:
        return {}
    return {str(record.pk): record for record in found}


def attach_records(notifications: Iterable[Notification], user: Any) -> list[Notification]:
    """Give each notification ``record``: what it is about if ``user`` may see it now, else ``None``. One query
    per kind of record, whatever the number of notifications."""
    notifications = list(notifications)
    wanted: dict[Any, set[str]] = {}
    for notification in notifications:
        wanted.setdefault(notification.about_type, set()).add(str(notification.about_id))
    found = {about_type.pk: _visible_records(about_type.model_class(), ids, user) for about_type, ids in wanted.items()}
    for notification in notifications:
        notification.record = found[notification.about_type_id].get(str(notification.about_id))
    return notifications


def is_visible(record: Any, user: Any) -> bool:
    """Whether ``user`` may see ``record`` now, by the same rule as the inbox."""
    return str(record.pk) in _visible_records(type(record), [record.pk], user)


def curators() -> QuerySet[User]:
    """Who is told of a measure submitted for review: the Secretariat's active curators (administrators curate too;
    each may choose the inbox only)."""
    return User.objects.filter(is_active=True, role__in=(Role.CURATOR, Role.ADMINISTRATOR))


def administrators() -> QuerySet[User]:
    """Who is told that the mail server refused an e-mail."""
    return User.objects.filter(is_active=True, role=Role.ADMINISTRATOR)


def members_of_owner(record: Any) -> list[User]:
    """Who is told of what happens to a record: its author and the active members of its owner."""
    group = (
        Q(membership__member_state_id=record.owner_state_id)
        if record.owner_state_id is not None
        else Q(membership__organization_id=record.owner_organization_id)
    )
    author = Q(pk=getattr(record, "created_by_id", None) or 0)
    return list(User.objects.filter(group | author, is_active=True).distinct())
