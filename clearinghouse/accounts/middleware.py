"""Curators and administrators, and anyone who turned an authenticator on, pass a TOTP second factor first.

Until the code is given, a signed-in person reaches only the page that asks for it (or, for a role that
requires a second factor and has no authenticator yet, the page that enrols one) and signing out. Enrolling
over a confirmed authenticator is never open to a session that has not given its code: otherwise a stolen
password would be enough to replace the device.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from clearinghouse.accounts import selectors
from clearinghouse.core.middleware import wants_json

_OPEN_PATH_NAMES = ("accounts:two_factor_verify", "accounts:logout")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or user.is_verified() or request.path.startswith("/static/"):  # type: ignore[attr-defined]
            return self.get_response(request)
        has_device = selectors.has_confirmed_totp_device(user)
        if not (has_device or getattr(user, "needs_two_factor", False)):
            return self.get_response(request)
        open_paths = {reverse(name) for name in _OPEN_PATH_NAMES}
        if not has_device:
            open_paths.add(reverse("accounts:two_factor_setup"))
        if request.path in open_paths:
            return self.get_response(request)
        if wants_json(request):
            return JsonResponse({"detail": _("Two-factor authentication is required for this account.")}, status=403)
        name = "accounts:two_factor_verify" if has_device else "accounts:two_factor_setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
