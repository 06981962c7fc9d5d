"""Background tasks of the Member States and organizations: the reachability rounds' e-mails (django-tasks; the
database backend's ``db_worker`` runs them)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from clearinghouse.countries.models import ReachabilityCheck
from clearinghouse.countries.services import ROUND_DAYS, token_hash

SIX = {code for code, _name in settings.LANGUAGES}


def language_for(languages: list[str]) -> str:
    """The first of the contact's languages that the platform writes in (English when none is)."""
    for code in languages or []:
        code = code.lower()
        if code in SIX:
            return code
        if code.startswith("zh"):
            return "zh-hans"
    return "en"


@task()
def send_reachability_checks(round_id: int) -> dict[str, int]:
    """Send each contact of the round who has no link yet an e-mail with a new one-time link, in the first of their
    languages the platform writes in. A failure is recorded on the check (shown on the round's page) and the
    others are sent; "Send again" retries."""
    sent = failed = 0
    waiting = ReachabilityCheck.objects.filter(round_id=round_id, sent_at__isnull=True, confirmed_at__isnull=True)
    for check in waiting.select_related("round", "contact", "owner_state", "owner_organization").order_by("pk"):
        secret = secrets.token_urlsafe(32)
        language = language_for(check.contact.languages if check.contact else [])
        with translation.override(language):
            link = settings.SITE_URL + reverse("countries:confirm_reachability", args=[secret])
            context = {"check": check, "link": link, "days": ROUND_DAYS, "language": language}
            subject = render_to_string("countries/email/reachability_subject.txt", context).strip()
            message = EmailMultiAlternatives(
                subject=subject,
                body=render_to_string("countries/email/reachability.txt", context),
                to=[check.email],
                headers={"Content-Language": language, "Auto-Submitted": "auto-generated"},
            )
            message.attach_alternative(render_to_string("countries/email/reachability.html", context), "text/html")
        try:
            message.send()
        except Exception as error:  # (any failure of the mail server: recorded, the others are still sent)
            ReachabilityCheck.objects.filter(pk=check.pk).update(send_error=str(error)[:1000] or type(error).__name__)
            failed += 1
            continue
        ReachabilityCheck.objects.filter(pk=check.pk).update(
            token_hash=token_hash(secret), sent_at=timezone.now(), send_error=""
        )
        sent += 1
    return {"sent": sent, "failed": failed}
