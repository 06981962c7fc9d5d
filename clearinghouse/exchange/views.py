"""STIX 2.1 export of a catalogue search: the same filters as the catalogue page and the API, streamed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from clearinghouse.catalog import exports, selectors
from clearinghouse.catalog.filters import MeasureFilterSet
from clearinghouse.exchange import stix

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


def _bundle(objects: Iterator[dict[str, Any]]) -> Iterator[str]:
    yield '{"type": "bundle", "id": "bundle--' + str(uuid.uuid4()) + '", "objects": ['
    for n, obj in enumerate(objects):
        yield ("," if n else "") + "\n" + json.dumps(obj, ensure_ascii=False, sort_keys=True)
    yield "\n]}\n"


class StixExportView(APIView):
    """Every published measure matching the search that the caller may see, as a STIX 2.1 bundle (never
    TLP:RED), with the threats, technologies, owners and TLP markings it refers to.

    Authenticated as the rest of the API (an API token, or the session of the catalogue page's link) and
    throttled alike; a bundle is its own format, so it stays out of the OpenAPI schema."""

    permission_classes = [AllowAny]
    schema = None

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        return JSONRenderer(), "application/json"  # errors in JSON; the bundle whatever the Accept header

    def get(self, request: Request) -> HttpResponse | StreamingHttpResponse:
        user = request.user
        filterset = MeasureFilterSet(request.GET, queryset=selectors.measures_visible_to(user), request=request)
        if not filterset.is_valid():
            return JsonResponse(filterset.errors, status=400)
        measures = exports.exportable_matches(filterset.qs, filterset.form.cleaned_data.get("q") or "")
        measures = measures.select_related("pillar", "owner_state", "owner_organization")
        technologies = selectors.technologies_visible_to(user).exportable().order_by("slug")  # type: ignore[attr-defined]
        measures = measures.prefetch_related(None).prefetch_related(
            "threats", "references", "translations", Prefetch("technologies", queryset=technologies)
        )
        objects = stix.bundle_objects(
            measures.iterator(chunk_size=500), technologies, selectors.threats().order_by("position")
        )
        response = StreamingHttpResponse(_bundle(objects), content_type=STIX_MEDIA_TYPE)
        response["Content-Disposition"] = 'attachment; filename="measures.stix.json"'
        return response


stix_export = StixExportView.as_view()
