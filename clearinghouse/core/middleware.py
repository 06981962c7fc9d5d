"""Request guards that apply to every channel."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/taxii2/")) or "json" in request.headers.get("Accept", "")


class RequestSizeLimitMiddleware:
    """Refuse a body larger than ``MAX_REQUEST_BODY_BYTES`` with 413 before anything reads it.

    TAXII (``/taxii2/``) advertises its own limit, ``TAXII_MAX_CONTENT_LENGTH``, and answers with a TAXII
    error message when it is passed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/taxii2/"):
            return self.get_response(request)
        limit = settings.MAX_REQUEST_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            message = _("The request body is %(size)s bytes; the limit is %(limit)s bytes.") % {
                "size": length,
                "limit": limit,
            }
            if wants_json(request):
                return JsonResponse({"detail": message}, status=413)
            return render(
                request,
                "errors/error.html",
                {"status": 413, "title": _("Request too large"), "message": message},
                status=413,
            )
        return self.get_response(request)
