"""Pieces every API uses."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request


class Pagination(PageNumberPagination):
    """DRF's ``count/next/previous/results`` pages; ``page_size`` up to 500."""

    page_size_query_param = "page_size"
    max_page_size = 500


class QueryFormatNegotiation(BaseContentNegotiation):
    """For an endpoint whose own ``?format=`` names the file it returns (an export), not a DRF renderer.

    DRF would otherwise look for a renderer called ``csv`` and answer 404; here the view checks the format
    and its errors are rendered with the view's first renderer (JSON)."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, first.media_type
