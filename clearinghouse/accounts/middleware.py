"""Curators and administrators pass a TOTP second factor before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from clearinghouse.accounts import selectors
from clearinghouse.core.middleware import wants_json

_OPEN_PATH_NAMES = ("accounts:two_factor_setup", "accounts:two_factor_verify", "accounts:logout")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and getattr(user, "needs_two_factor", False)) or user.is_verified():  # type: ignore[attr-defined]
            return self.get_response(request)
        if request.path.startswith("/static/") or request.path in {reverse(name) for name in _OPEN_PATH_NAMES}:
            return self.get_response(request)
        if wants_json(request):
            return JsonResponse({"detail": _("Two-factor authentication is required for this account.")}, status=403)
        name = "accounts:two_factor_verify" if selectors.confirmed_totp_device(user) else "accounts:two_factor_setup"
        return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
