"""What the header shows a signed-in person: the number of their unread notifications."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from clearinghouse.accounts import selectors


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # counted only if the page shows it (a callable is called by the template that reads it), and once
    return {"unread_notifications": lambda: selectors.unread_count(user)}
