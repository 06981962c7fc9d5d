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


class ContentSecurityPolicyMiddleware:
    """Send ``CONTENT_SECURITY_POLICY`` with every response that does not set its own (a downloaded report does).

    A fixed header is enough: no page has an inline script or style, so no nonce is needed (Django 6 has
    this built in; on 5.2 it is these few lines rather than a dependency)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
