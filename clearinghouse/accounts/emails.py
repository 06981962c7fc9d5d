"""E-mails the accounts app writes: each in its reader's language, as plain text with an HTML alternative."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from clearinghouse.accounts.models import Invitation


def message_in(
    language: str, template: str, context: dict[str, Any], to: list[str], *, headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """A message from ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html``, written in
    ``language`` and saying so (``Content-Language``), so that mail readers and screen readers read it right."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", {**context, "subject": subject, "language": language})
    message = EmailMultiAlternatives(
        subject, text, settings.DEFAULT_FROM_EMAIL, to, headers={"Content-Language": language, **(headers or {})}
    )
    message.attach_alternative(html, "text/html")
    return message


def invitation_message(invitation: Invitation, link: str) -> EmailMultiAlternatives:
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "link": link,
        "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else settings.SITE_NAME,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    return message_in(invitation.language, "accounts/email/invitation", context, [invitation.email])
