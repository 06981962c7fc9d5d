"""Error pages that tell a person what went wrong, in their language."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from clearinghouse.core.middleware import wants_json

_LANGUAGE_LIKE = re.compile(r"^/([a-z]{2,3}(?:[-_][A-Za-z]{2,8})?)/")


def _unknown_language(path: str) -> str | None:
    match = _LANGUAGE_LIKE.match(path)
    if not match:
        return None
    code = match.group(1)
    known = {lang for lang, _name in settings.LANGUAGES}
    reserved = {"api", "static", "media", "admin", "taxii2"}
    if code.lower() in known or code in reserved:
        return None
    return code


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "errors/error.html", {"status": status, "title": title, "message": message}, status=status)


def invalid_query(request: HttpRequest, message: str) -> HttpResponse:
    """400 for a query parameter a view could not read, saying which and why."""
    return _error(request, 400, _("Bad request"), message)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    detail = str(exception) if exception and str(exception) else _("You are not allowed to do this.")
    return _error(request, 403, _("Not allowed"), detail)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    code = _unknown_language(request.path)
    if code:
        available = ", ".join(lang for lang, _name in settings.LANGUAGES)
        message = _("“%(code)s” is not a language of this site. Available: %(available)s.") % {
            "code": code,
            "available": available,
        }
    else:
        message = _("There is no page at this address, or you may not see it.")
    return _error(request, 404, _("Not found"), message)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, _("Server error"), _("Something went wrong on our side. It has been logged."))
