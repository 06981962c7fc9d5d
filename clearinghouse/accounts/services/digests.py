"""Digests: the notifications a person chose to hear of daily or weekly, grouped in one e-mail.

A digest is due at ``DIGEST_HOUR`` o'clock (UTC) each day, and on Mondays for the weekly one. The task worker
sends it: ``book`` makes sure one run of each frequency is booked once someone is waiting for one (the run books
the next itself), and ``manage.py send_digests`` sends what is waiting at once (the demo's tasks run
immediately and book nothing; an operator may also run it from cron).

A digest holds, per person, the notifications of the kinds they get in that digest that are neither read nor
e-mailed yet, and not older than ``LOOKBACK`` (a person back after months is not sent their whole history).
What each line says is decided when the digest is written, by the access rule: a record the reader may no longer
see is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import groupby
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from clearinghouse.accounts import selectors
from clearinghouse.accounts.models import Delivery, DigestSchedule, Notification, NotificationKind, User

#: The frequencies a digest comes at.
FREQUENCIES = (Delivery.DAILY, Delivery.WEEKLY)
#: How far back a digest looks for notifications not yet e-mailed.
LOOKBACK = timedelta(days=30)
#: A booking this late is taken as lost (a worker that was down, a queue emptied) and made again.
LOST_AFTER = timedelta(hours=1)
#: The weekly digest's day (Monday).
WEEKLY_DAY = 0


def next_due(frequency: str, after: datetime) -> datetime:
    """The first time strictly after ``after`` when a digest of ``frequency`` is due."""
    after = after.astimezone(UTC)
    due = after.replace(hour=settings.DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if due <= after:
        due += timedelta(days=1)
    if frequency == Delivery.WEEKLY:
        due += timedelta(days=(WEEKLY_DAY - due.weekday()) % 7)
    return due


def book(frequencies: Iterable[str]) -> None:
    """Make sure a run of each of these digests is booked with the task worker (one per frequency, whoever asks).

    Called, in their transaction, by whoever creates a notification that waits for a digest. Nothing is booked
    when tasks run at once (the demo, the tests): ``manage.py send_digests`` sends them there."""
    from clearinghouse.accounts.tasks import send_digests

    if not send_digests.get_backend().supports_defer:
        return
    now = timezone.now()
    for frequency in sorted(set(frequencies)):
        with transaction.atomic():  # (the caller's, or its own: the row is locked until the booking is written)
            booked = DigestSchedule.objects.select_for_update().filter(pk=frequency).first()
            if booked is not None and booked.next_at > now - LOST_AFTER:
                continue
            due = next_due(frequency, now)
            DigestSchedule.objects.update_or_create(pk=frequency, defaults={"next_at": due})
            transaction.on_commit(partial(_enqueue, frequency, due))


def _enqueue(frequency: str, due: datetime) -> None:
    from clearinghouse.accounts.tasks import send_digests

    send_digests.using(run_after=due).enqueue(frequency, due.isoformat())


def is_booked_run(frequency: str, due: str) -> bool:
    """Whether a run booked for ``due`` is still the frequency's booking (a newer booking replaced it if not)."""
    booked = DigestSchedule.objects.filter(pk=frequency).first()
    return booked is not None and booked.next_at.isoformat() == due


def book_next(frequency: str, after: datetime) -> None:
    """The run that just sent a digest books the next one: the chain goes on while the worker runs."""
    from clearinghouse.accounts.tasks import send_digests

    due = next_due(frequency, after)
    DigestSchedule.objects.update_or_create(pk=frequency, defaults={"next_at": due})
    if send_digests.get_backend().supports_defer:
        send_digests.using(run_after=due).enqueue(frequency, due.isoformat())


def waiting(frequency: str, *, now: datetime | None = None) -> dict[User, list[Notification]]:
    """Per person, the notifications waiting for the digest of ``frequency``: unread, not e-mailed, recent, of
    the kinds the person gets in it."""
    now = now or timezone.now()
    candidates = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            read_at__isnull=True,
            created_at__gte=now - LOOKBACK,
            created_at__lte=now,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .select_related("recipient", "about_type", "actor")
        .order_by("recipient_id", "created_at", "id")
    )
    found: dict[User, list[Notification]] = {}
    for _recipient_id, group in groupby(candidates, key=lambda n: n.recipient_id):
        notifications = list(group)
        recipient = notifications[0].recipient
        deliveries = selectors.deliveries_of(recipient)
        chosen = [n for n in notifications if deliveries[n.kind] == frequency]
        if chosen:
            found[recipient] = chosen
    return found


def digest_message(recipient: User, frequency: str, notifications: list[Notification]) -> EmailMultiAlternatives:
    """One digest e-mail: the notifications grouped by kind, oldest first within each, with a one-click
    unsubscribe that turns this digest off (its kinds stay in the inbox)."""
    from clearinghouse.accounts.emails import language_of, message_in
    from clearinghouse.accounts.services.notifications import unsubscribe_link

    language = language_of(recipient)
    unsubscribe = unsubscribe_link(recipient, frequency, language)
    order = {kind: index for index, kind in enumerate(NotificationKind.values)}
    with translation.override(language):
        inbox = settings.SITE_URL + reverse("accounts:notifications")
        preferences = settings.SITE_URL + reverse("accounts:notification_preferences")
        groups = []
        for kind, items in groupby(sorted(notifications, key=lambda n: order[n.kind]), key=lambda n: n.kind):
            lines = [
                {"notification": n, "link": settings.SITE_URL + n.link if n.link else inbox}
                for n in sorted(items, key=lambda n: (n.created_at, n.pk))
            ]
            groups.append({"label": NotificationKind(kind).label, "lines": lines})
    context = {
        "frequency": frequency,
        "daily": frequency == Delivery.DAILY,
        "count": len(notifications),
        "groups": groups,
        "inbox": inbox,
        "preferences": preferences,
        "unsubscribe": unsubscribe,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return message_in(language, "accounts/email/digest", context, [recipient.email], headers=headers)


def send_digests(frequency: str, *, now: datetime | None = None) -> int:
    """Send each person their digest of ``frequency`` over one connection; answers how many were sent.

    Each person's notifications are marked e-mailed as their digest goes (those about records they may no longer
    see too, which it leaves out), so a retry after a failing mail server sends only the rest."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"not a digest frequency: {frequency!r}")
    now = now or timezone.now()
    found = waiting(frequency, now=now)
    if not found:
        return 0
    sent = 0
    with get_connection() as connection:
        for recipient, notifications in found.items():
            shown = [n for n in selectors.attach_records(notifications, recipient) if n.record is not None]
            if shown:
                message = digest_message(recipient, frequency, shown)
                message.connection = connection
                message.send()
                sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=timezone.now())
    return sent


def waiting_addresses(frequency: str) -> list[Any]:
    """The addresses a digest of ``frequency`` is still waiting to reach (for a failure's record)."""
    return [person.email for person in waiting(frequency)]
