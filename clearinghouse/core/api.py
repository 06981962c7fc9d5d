"""Pieces every API uses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from rest_framework import exceptions, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from clearinghouse.core.paging import OnePassPaginator


class Pagination(PageNumberPagination):
    """DRF's ``count/next/previous/results`` pages; ``page_size`` up to 500."""

    page_size_query_param = "page_size"
    max_page_size = 500


class SearchPagination(Pagination):
    """``Pagination`` for a list whose search (``?q=``) narrows a queryset in the database: such a list is read in
    one pass (``core.paging``)."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        searched = bool(request.query_params.get("q", "").strip()) and view is not None
        if searched:  # a page's records are read from the view's list before its filters, by their ids
            records = view.get_queryset()
            self.django_paginator_class = partial(OnePassPaginator, records=records)  # type: ignore[assignment]
        else:
            self.django_paginator_class = Paginator
        return super().paginate_queryset(queryset, request, view)


class QueryFormatNegotiation(BaseContentNegotiation):
    """For an endpoint whose own ``?format=`` names the file it returns (an export), not a DRF renderer.

    DRF would otherwise look for a renderer called ``csv`` and answer 404; here the view checks the format
    and its errors are rendered with the view's first renderer (JSON)."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, first.media_type


ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "description": "Why the request was refused, in the reader's language.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "description": "What is wrong with the request: for each field (or `non_field_errors`), its problems; "
        "or a list of problems with the request as a whole.",
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": {
                    "oneOf": [{"type": "array", "items": {}}, {"type": "string"}, {"type": "object"}]
                },
            },
            {"type": "array", "items": {"type": "string"}},
        ],
    },
}

_ERROR_ANSWERS = {
    "400": ("ValidationError", "A filter, parameter or field value is not valid; nothing was changed."),
    "401": ("Error", "The token is malformed, unknown or revoked."),
    "403": ("Error", "You may not do this, or your session has not passed two-factor authentication."),
    "404": ("Error", "No such record, or one you may not see; or a page past the last one."),
    "413": ("Error", "The request body is larger than the limit."),
    "429": ("Error", "Too many requests: wait the number of seconds in `Retry-After`."),
}


def _error_answers(method: str, operation: dict[str, Any]) -> list[str]:
    parameters = operation.get("parameters", [])
    answers = ["401", "403", "429"]
    if any(p["in"] == "query" for p in parameters) or "requestBody" in operation:
        answers.append("400")
    if any(p["in"] == "path" or p["name"] == "page" for p in parameters):
        answers.append("404")
    if "requestBody" in operation or method in ("post", "put", "patch"):
        answers.append("413")
    return answers


def document_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every operation lists the errors it can answer, with their bodies.

    Every operation can meet a bad token (401), a refusal (403) and the throttle (429); one with query
    parameters or a body can be refused as invalid (400); one naming a record or a page can find nothing (404)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(ERROR_SCHEMAS)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code in _error_answers(method, operation):
                name, description = _ERROR_ANSWERS[code]
                answer: dict[str, Any] = {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                }
                if code == "429":
                    answer["headers"] = {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
                    }
                responses.setdefault(code, answer)
    return result


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing a value holding a NUL character as invalid (a 400) before the database sees it:
    PostgreSQL cannot hold one and would fail the request with a 500."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


@contextmanager
def as_api_errors() -> Iterator[None]:
    """A service's domain errors as the API's: ``PermissionDenied`` → 403 with its message, ``ValidationError`` →
    400 with its messages (by field when it has them)."""
    try:
        yield
    except DjangoPermissionDenied as denied:
        raise exceptions.PermissionDenied(str(denied)) from None
    except DjangoValidationError as error:
        raise exceptions.ValidationError(
            error.message_dict if hasattr(error, "error_dict") else error.messages
        ) from None
