"""CSV and JSON exports of a catalogue search, streamed so memory does not grow with the result.

CSV cells a spreadsheet would run as a formula are defused (``core.spreadsheets``).

Only published records leave the platform this way, and never TLP:RED (DOMAIN.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import StreamingHttpResponse

from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.search import engine as search_engine
from clearinghouse.catalog.search.text import parse_query
from clearinghouse.core.spreadsheets import csv_lines

EXPORT_FORMATS = ("csv", "json")

COLUMNS = [
    "id",
    "title",
    "summary",
    "owner_state",
    "owner_organization",
    "pillar",
    "threats",
    "technologies",
    "status",
    "since_year",
    "language",
    "tlp",
    "published_at",
    "cost_range",
    "evidence_source",
    "is_illustrative",
]


def exportable_matches(filtered: QuerySet[Measure], query: str) -> QuerySet[Measure]:
    parsed = parse_query(query)
    matched = filtered.exportable()  # type: ignore[attr-defined]
    if parsed:
        # the same matches as the search page (words in their other forms, the threats the query names), passed
        # as one parameter
        ids = search_engine.matching(parsed)
        if connection.vendor == "postgresql":
            matched = matched.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
        else:
            matched = matched.filter(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)]))
    return (
        matched.select_related("pillar", "owner_state", "owner_organization")
        .prefetch_related("threats", "technologies")
        .order_by("-published_at", "-id")
    )


def rows(measures: QuerySet[Measure]) -> Iterator[dict[str, Any]]:
    for m in measures.iterator(chunk_size=500):
        yield {
            "id": m.pk,
            "title": m.title,
            "summary": m.summary,
            "owner_state": m.owner_state.alpha2 if m.owner_state else "",
            "owner_organization": m.owner_organization.slug if m.owner_organization else "",
            "pillar": m.pillar.slug,
            "threats": sorted(t.slug for t in m.threats.all()),
            "technologies": sorted(t.slug for t in m.technologies.all()),
            "status": m.status,
            "since_year": m.since_year,
            "language": m.language,
            "tlp": m.tlp,
            "published_at": m.published_at.isoformat() if m.published_at else None,
            "cost_range": m.cost_range,
            "evidence_source": m.evidence_source,
            "is_illustrative": m.is_illustrative,
        }


def _csv_lines(measures: QuerySet[Measure]) -> Iterator[str]:
    flat = (
        {**row, "threats": " ".join(row["threats"]), "technologies": " ".join(row["technologies"])}
        for row in rows(measures)
    )
    return csv_lines(COLUMNS, flat)


def _json_chunks(measures: QuerySet[Measure]) -> Iterator[str]:
    yield '{"results": ['
    first = True
    for row in rows(measures):
        yield ("" if first else ",") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "]}"


def export_response(filtered: QuerySet[Measure], query: str, fmt: str) -> StreamingHttpResponse:
    measures = exportable_matches(filtered, query)
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_lines(measures), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_chunks(measures), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="measures.{fmt}"'
    return response
