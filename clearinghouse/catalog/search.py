"""Full-text search of measures: one interface, two engines chosen by the database in use.

- SQLite: an FTS5 table ``catalog_measure_fts`` (unicode61 tokenizer) keyed by the measure's id.
- PostgreSQL: ``catalog_measuresearchdocument.document``, a generated ``tsvector`` ('simple'
  configuration) with a GIN index.

Both index the text produced by :func:`textsearch.normalize` from a measure and all its
translations, so a query in one language finds the translations too. Every word of a query is
matched as a prefix ("measure" finds "measures"). The index is written by :func:`index_measure`
inside the transaction that changes the measure. Visibility is not decided here: callers pass
the ids they may see (see ``catalog.bitmaps`` and ``selectors.search_measures``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connection

from clearinghouse.catalog.textsearch import ParsedQuery, normalize
from clearinghouse.core.markdown import plain_text

FTS_TABLE = "catalog_measure_fts"


def document_text(measure: Any) -> str:
    """All the words of a measure a reader may search for, in every language it has."""
    parts = [
        measure.title,
        measure.summary,
        plain_text(measure.description),
        plain_text(measure.evidence),
        measure.prerequisites,
    ]
    for translation in measure.translations.all():
        parts += [
            translation.title,
            translation.summary,
            plain_text(translation.description),
            plain_text(translation.evidence),
            translation.prerequisites,
        ]
    for technology in measure.technologies.all():
        parts.append(technology.name)
    return normalize(" ".join(part for part in parts if part))


def changed() -> None:
    """Tell every process that cached sets of this catalogue are stale (in the caller's transaction)."""
    from clearinghouse.catalog.models import SearchState

    SearchState.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def index_measure(measure: Any) -> None:
    """(Re)write the measure's search document. Call inside the transaction that changed it."""
    from clearinghouse.catalog.models import MeasureSearchDocument

    changed()
    text = document_text(measure)
    MeasureSearchDocument.objects.update_or_create(measure=measure, defaults={"text": text})
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [measure.pk])  # noqa: S608
            cursor.execute(f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (%s, %s)", [measure.pk, text])  # noqa: S608


def index_many(rows: Iterable[tuple[int, str]]) -> None:
    """Bulk-write already normalized documents ``(measure_id, text)``, for generators and imports."""
    from clearinghouse.catalog.models import MeasureSearchDocument

    changed()
    rows = list(rows)
    MeasureSearchDocument.objects.bulk_create(
        [MeasureSearchDocument(measure_id=pk, text=text) for pk, text in rows],
        update_conflicts=True,
        unique_fields=["measure"],
        update_fields=["text"],
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk, _ in rows])  # noqa: S608
            cursor.executemany(f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (%s, %s)", rows)  # noqa: S608


def remove_measure(measure_id: int) -> None:
    changed()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [measure_id])  # noqa: S608


def _fts5_expression(query: ParsedQuery) -> str:
    # Tokens are \w+ runs from normalize(): they hold no quote, so quoting them is safe.
    return " AND ".join('"' + " ".join(phrase) + '"' + ("*" if len(phrase) == 1 else "") for phrase in query.phrases)


def _tsquery_expression(query: ParsedQuery) -> str:
    parts = []
    for phrase in query.phrases:
        if len(phrase) == 1:
            parts.append(f"'{phrase[0]}':*")
        else:
            parts.append("(" + " <-> ".join(f"'{token}'" for token in phrase) + ")")
    return " & ".join(parts)


def matching_ids_sql(query: ParsedQuery) -> tuple[str, list[Any]]:
    """SQL selecting the ids of every measure matching the query (no ranking)."""
    if connection.vendor == "sqlite":
        return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts5_expression(query)]  # noqa: S608
    return (
        "SELECT measure_id FROM catalog_measuresearchdocument WHERE document @@ to_tsquery('simple', %s)",
        [_tsquery_expression(query)],
    )


def matching_ids(query: ParsedQuery) -> list[int]:
    """The ids of every measure matching the query, in no particular order."""
    sql, params = matching_ids_sql(query)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
