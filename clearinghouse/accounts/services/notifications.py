"""Notifications: telling people what happened (the inbox, e-mails at once), their settings and the one-click
unsubscribe."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clearinghouse.accounts import selectors
from clearinghouse.accounts.models import (
    DEFAULT_DELIVERY,
    Delivery,
    Invitation,
    MailFailure,
    Notification,
    NotificationKind,
    NotificationPreference,
    User,
)
from clearinghouse.core import audit

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
        from clearinghouse.accounts.services import digests
        from clearinghouse.accounts.tasks import send_notifications

        ids = [n.pk for n in notifications]
        transaction.on_commit(lambda: send_notifications.enqueue(ids))
        chosen = dict(NotificationPreference.objects.filter(user__in=told, kind=kind).values_list("user", "delivery"))
        deliveries = {chosen.get(person.pk, DEFAULT_DELIVERY[NotificationKind(kind)]) for person in told}
        digests.book(deliveries & set(digests.FREQUENCIES))
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
    """A signed token naming a person and a kind (or a digest, ``daily`` or ``weekly``), for the one-click
    unsubscribe link in e-mails (RFC 8058)."""
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
    if user is None or data.get("kind") not in (*NotificationKind.values, Delivery.DAILY, Delivery.WEEKLY):
        raise signing.BadSignature("no such person or kind")
    return user, data["kind"]


def unsubscribe(token: str) -> tuple[User, str]:
    """The one-click unsubscribe: that kind (or every kind of that digest) reaches that person in the platform
    only from now on."""
    user, kind = read_unsubscribe_token(token)
    if kind in (Delivery.DAILY, Delivery.WEEKLY):
        digest = [each for each, delivery in selectors.deliveries_of(user).items() if delivery == kind]
        set_deliveries(dict.fromkeys(digest, Delivery.PLATFORM), actor=user)
    else:
        set_deliveries({kind: Delivery.PLATFORM}, actor=user)
    return user, kind


@transaction.atomic
def record_mail_failure(
    purpose: str, *, addresses: Iterable[str], error: BaseException | str, attempts: int, invitation: Any = None
) -> list[MailFailure]:
    """The mail server still refused after the last attempt: keep what failed for the outgoing mail page, and
    tell the administrators in their inbox (e-mail may be what is broken)."""
    message = (str(error) or type(error).__name__)[:2000] if isinstance(error, BaseException) else error
    failures = [
        MailFailure.objects.create(
            purpose=purpose, address=address, error=message, attempts=attempts, invitation=invitation
        )
        for address in sorted(set(addresses))
    ]
    if invitation is not None:
        Invitation.objects.filter(pk=invitation.pk).update(send_error=message)
    for failure in failures:
        notify(NotificationKind.EMAIL_FAILED, recipients=selectors.administrators(), about=failure)
    return failures


def _due_by_email(notification_ids: list[int]) -> list[Notification]:
    """Those of these notifications whose e-mail is due at once and not sent yet."""
    pending = (
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .select_related("recipient", "about_type")
        .order_by("pk")
    )
    deliveries: dict[int, dict[str, str]] = {}
    due = []
    for notification in pending:
        recipient = notification.recipient
        if recipient.pk not in deliveries:
            deliveries[recipient.pk] = selectors.deliveries_of(recipient)
        if deliveries[recipient.pk][notification.kind] == Delivery.IMMEDIATE:
            due.append(notification)
    return due


def unsent_notifications(notification_ids: list[int]) -> list[int]:
    """Those of these notifications still to be e-mailed at once (a retry's work)."""
    return [notification.pk for notification in _due_by_email(notification_ids)]


def unsent_addresses(notification_ids: list[int]) -> list[str]:
    """The addresses these notifications' e-mails were for, for the record of a failure. An e-mail telling an
    administrator that e-mail failed is left out: its own failure would tell them again, without end."""
    due = _due_by_email(notification_ids)
    return sorted({n.recipient.email for n in due if n.kind != NotificationKind.EMAIL_FAILED})


def send_notification_emails(notification_ids: list[int]) -> int:
    """Send, over one connection, the e-mails of these notifications that are due at once and not sent yet (run
    by the task worker; no connection is opened when none is due). Each is marked sent as it goes, so a retry
    sends only the rest."""
    from clearinghouse.accounts.emails import notification_message

    due = _due_by_email(notification_ids)
    if not due:
        return 0
    sent = 0
    with get_connection() as connection:
        for notification in due:
            selectors.attach_records([notification], notification.recipient)
            message = notification_message(notification)
            message.connection = connection
            message.send()
            Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent
