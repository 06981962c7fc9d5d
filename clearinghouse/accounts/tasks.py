"""Background tasks of accounts (django-tasks; the database backend's ``db_worker`` runs them)."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from clearinghouse.accounts import services
from clearinghouse.accounts.models import Invitation, MailFailure
from clearinghouse.accounts.services import digests

logger = logging.getLogger(__name__)

#: Attempts at sending one invitation when the mail server fails, waiting 1, 2, 4 and 8 minutes between them.
SEND_ATTEMPTS = 5


@task()
def send_invitation(invitation_id: int, attempt: int = 1) -> bool:
    """Write and send one invitation's e-mail; a failing mail server is tried again later, then logged."""
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return False
    try:
        return services.send_invitation(invitation) is not None
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= SEND_ATTEMPTS or not send_invitation.get_backend().supports_defer:
            logger.exception("The invitation %s could not be sent after %s attempt(s)", invitation_id, attempt)
            services.record_mail_failure(
                MailFailure.Purpose.INVITATION,
                addresses=[invitation.email],
                error=error,
                attempts=attempt,
                invitation=invitation,
            )
            raise
        later = timezone.now() + timedelta(minutes=2 ** (attempt - 1))
        logger.warning("The invitation %s could not be sent; trying again at %s", invitation_id, later)
        send_invitation.using(run_after=later).enqueue(invitation_id, attempt + 1)
        return False


@task()
def send_notifications(notification_ids: list[int], attempt: int = 1) -> int:
    """E-mail the notifications whose recipient wants this kind at once; answers how many were sent.

    What the e-mail says is decided now, not when the event happened: a record its reader may no longer see is
    not described. A failing mail server is tried again later with the notifications not yet sent, then logged."""
    try:
        return services.send_notification_emails(notification_ids)
    except (smtplib.SMTPException, OSError) as error:
        left = services.unsent_notifications(notification_ids)
        if attempt >= SEND_ATTEMPTS or not send_notifications.get_backend().supports_defer:
            logger.exception("Notifications %s could not be e-mailed after %s attempt(s)", left, attempt)
            addresses = services.unsent_addresses(left)
            if addresses:
                services.record_mail_failure(
                    MailFailure.Purpose.NOTIFICATION, addresses=addresses, error=error, attempts=attempt
                )
            raise
        later = timezone.now() + timedelta(minutes=2 ** (attempt - 1))
        logger.warning("Notifications %s could not be e-mailed; trying again at %s", left, later)
        send_notifications.using(run_after=later).enqueue(left, attempt + 1)
        return 0


@task()
def send_digests(frequency: str, due: str, attempt: int = 1) -> int:
    """A booked run of the daily or weekly digest: send them, then book the next run. A run that a newer booking
    replaced does nothing. A failing mail server is tried again later with the digests not yet sent; after the
    last attempt the failure is recorded for the administrators and the next run is booked all the same."""
    if not digests.is_booked_run(frequency, due):
        return 0
    try:
        sent = digests.send_digests(frequency)
    except (smtplib.SMTPException, OSError) as error:
        if attempt < SEND_ATTEMPTS and send_digests.get_backend().supports_defer:
            later = timezone.now() + timedelta(minutes=2 ** (attempt - 1))
            logger.warning("The %s digests could not all be sent; trying again at %s", frequency, later)
            send_digests.using(run_after=later).enqueue(frequency, due, attempt + 1)
            return 0
        logger.exception("The %s digests could not all be sent after %s attempts", frequency, attempt)
        services.record_mail_failure(
            MailFailure.Purpose.DIGEST,
            addresses=digests.waiting_addresses(frequency),
            error=error,
            attempts=attempt,
        )
        sent = 0
    digests.book_next(frequency, timezone.now())
    return sent
