"""E-mails the accounts app writes: each in its reader's language, as plain text with an HTML alternative."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from clearinghouse.accounts.models import Invitation, Notification, User

#: What separates the words of a subject rendered over several lines: every space but the no-break ones.
_BREAKABLE = re.compile(r"[ \t\r\n\f\v]+")


def message_in(
    language: str, template: str, context: dict[str, Any], to: list[str], *, headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """A message from ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html``, written in
    ``language`` and saying so (``Content-Language``), so that mail readers and screen readers read it right."""
    with translation.override(language):
        # one line; the no-break spaces French puts inside « » and before : stay (``split()`` would take them too)
        subject = _BREAKABLE.sub(" ", render_to_string(f"{template}_subject.txt", context)).strip(" ")
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


def language_of(user: User) -> str:
    """The language a person reads their e-mail in: their account's, once it has one; else the interface's."""
    known = {code for code, _name in settings.LANGUAGES}
    chosen = getattr(user, "language", "") or ""
    return chosen if chosen in known else settings.LANGUAGE_CODE


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    """One notification by e-mail, with the one-click unsubscribe of RFC 8058 for its kind. ``notification.record``
    is what the reader may see now (``selectors.attach_records``); without it, the e-mail names nothing."""
    from clearinghouse.accounts import services

    recipient = notification.recipient
    language = language_of(recipient)
    unsubscribe = services.unsubscribe_link(recipient, notification.kind, language)
    with translation.override(language):
        inbox = settings.SITE_URL + reverse("accounts:notifications")
        preferences = settings.SITE_URL + reverse("accounts:notification_preferences")
        link = settings.SITE_URL + notification.link if notification.link else inbox
    context = {
        "notification": notification,
        "link": link,
        "inbox": inbox,
        "preferences": preferences,
        "unsubscribe": unsubscribe,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return message_in(language, "accounts/email/notification", context, [recipient.email], headers=headers)
