"""Full-text search of measures: one interface, two engines chosen by the database in use.

- SQLite: an FTS5 table ``catalog_measure_fts`` (unicode61 tokenizer) keyed by the measure's id.
- PostgreSQL: ``catalog_measuresearchdocument.document``, a generated ``tsvector`` ('simple'
  configuration) with a GIN index.

Both index the text produced by :func:`text.normalize` from a measure and all its
translations, so a query in one language finds the translations too. A word's other forms are
found through the postings (see ``analysis``). The index is written by :func:`index_measure` inside
the transaction that changes the measure. Visibility is not decided here: callers pass
the ids they may see (see ``sets`` and ``querying``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from clearinghouse.catalog.search import postings
from clearinghouse.catalog.search.text import ParsedQuery, characters, normalize
from clearinghouse.core.markdown import plain_text

FTS_TABLE = "catalog_measure_fts"
#: SQLite: adjacent word pairs of each document as tokens ("sim_swap"), see migration 0008.
PAIRS_TABLE = "catalog_measure_pairs_fts"


def pairs_text(text: str) -> str:
    """A normalized document's adjacent word pairs, each one token for the SQLite pairs table."""
    words = text.split()
    return " ".join(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False))


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


#: Changes kept in ``SearchChange``; a process whose caches are older rebuilds them.
CHANGES_KEPT = 100_000
#: The measure id of the ``SearchChange`` row that marks a new generation.
GENERATION_MARK = 0


def _lock_state() -> Any:
    """The state row, locked until the caller's transaction ends (writers take it first, in order)."""
    from clearinghouse.catalog.models import SearchState

    state = SearchState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        state = SearchState.objects.create(pk=1, token=uuid.uuid4().hex, seq=0, stamp=uuid.uuid4().hex)
    return state


def changed(measure_ids: Iterable[int] = ()) -> None:
    """Log a change to these measures (in the caller's transaction), so every process patches its caches.

    Without ids, the whole catalogue counts as changed: every process rebuilds its caches.
    """
    with transaction.atomic():
        _log_change(sorted(set(measure_ids)))


def _log_change(ids: list[int]) -> None:
    from clearinghouse.catalog.models import SearchChange

    state = _lock_state()
    state.seq += 1
    state.stamp = uuid.uuid4().hex
    if not ids:
        state.token = uuid.uuid4().hex
    state.save(update_fields=["token", "seq", "stamp"])
    SearchChange.objects.bulk_create(
        [SearchChange(seq=state.seq, stamp=state.stamp, measure_id=pk) for pk in ids or [GENERATION_MARK]]
    )
    if state.seq % 1000 == 0:
        SearchChange.objects.filter(seq__lte=state.seq - CHANGES_KEPT).delete()


def _stored_terms(document: Any) -> tuple[set[bytes], set[bytes]]:
    if document is None:
        return set(), set()
    return postings.word_terms(document.text), {term.encode() for term in document.facets.split()}


def index_measure(measure: Any) -> None:
    """(Re)write the measure's search document and postings. Call inside the transaction that changed it."""
    from clearinghouse.catalog.models import MeasureSearchDocument

    changed([measure.pk])
    text = document_text(measure)
    facets = postings.facet_terms_of(measure)
    old_words, old_facets = _stored_terms(MeasureSearchDocument.objects.filter(measure=measure).first())
    postings.apply(measure.pk, old_words | old_facets, postings.word_terms(text) | facets)
    MeasureSearchDocument.objects.update_or_create(
        measure=measure, defaults={"text": text, "facets": " ".join(sorted(term.decode() for term in facets))}
    )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in (FTS_TABLE, PAIRS_TABLE):
                cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [measure.pk])  # noqa: S608
            cursor.execute(f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (%s, %s)", [measure.pk, text])  # noqa: S608
            cursor.execute(
                f"INSERT INTO {PAIRS_TABLE}(rowid, pairs) VALUES (%s, %s)",  # noqa: S608
                [measure.pk, pairs_text(text)],
            )


def index_many(rows: Iterable[tuple[int, str, set[bytes]]]) -> None:
    """Bulk-index new measures ``(measure_id, normalized text, facet terms)``, for generators and imports.

    Every process rebuilds its caches afterwards (one change for the whole batch).
    """
    from clearinghouse.catalog.models import MeasureSearchDocument

    changed()
    rows = list(rows)
    MeasureSearchDocument.objects.bulk_create(
        [
            MeasureSearchDocument(measure_id=pk, text=text, facets=" ".join(sorted(t.decode() for t in facets)))
            for pk, text, facets in rows
        ],
        update_conflicts=True,
        unique_fields=["measure"],
        update_fields=["text", "facets"],
    )
    postings.add_many((pk, postings.word_terms(text) | facets) for pk, text, facets in rows)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in (FTS_TABLE, PAIRS_TABLE):
                cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(pk,) for pk, _, _ in rows])  # noqa: S608
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (%s, %s)",  # noqa: S608
                [(pk, text) for pk, text, _ in rows],
            )
            cursor.executemany(
                f"INSERT INTO {PAIRS_TABLE}(rowid, pairs) VALUES (%s, %s)",  # noqa: S608
                [(pk, pairs_text(text)) for pk, text, _ in rows],
            )


def documents_of(measure_ids: list[int]) -> list[tuple[int, str, set[bytes]]]:
    """``(measure_id, document_text, facet terms)`` of many measures in four queries: what
    :func:`document_text` and ``postings.facet_terms_of`` give one measure at a time."""
    from clearinghouse.catalog.models import Measure, MeasureTranslation

    if not measure_ids:
        return []
    texts = ("title", "summary", "description", "evidence", "prerequisites")
    translations: dict[int, list[dict[str, Any]]] = {}
    rows = MeasureTranslation.objects.filter(measure_id__in=measure_ids).order_by("pk")
    for row in rows.values("measure_id", "language", *texts):
        translations.setdefault(row["measure_id"], []).append(row)
    technologies: dict[int, list[str]] = {}
    for measure_id, name in (
        Measure.technologies.through.objects.filter(measure_id__in=measure_ids)
        .order_by("technology__name")
        .values_list("measure_id", "technology__name")
    ):
        technologies.setdefault(measure_id, []).append(name)
    threats: dict[int, list[int]] = {}
    for measure_id, threat_id in Measure.threats.through.objects.filter(measure_id__in=measure_ids).values_list(
        "measure_id", "threat_id"
    ):
        threats.setdefault(measure_id, []).append(threat_id)
    documents = []
    fields = ("pk", "pillar_id", "status", "language", "since_year", "owner_state_id", *texts)
    for row in Measure.objects.filter(pk__in=measure_ids).order_by("pk").values(*fields):
        own = translations.get(row["pk"], [])
        parts: list[str] = []
        for item in [row, *own]:
            parts += [
                item["title"],
                item["summary"],
                plain_text(item["description"]),
                plain_text(item["evidence"]),
                item["prerequisites"],
            ]
        parts += technologies.get(row["pk"], [])
        facets = postings.facet_terms(
            pillar_id=row["pillar_id"],
            status=row["status"],
            languages={row["language"], *(t["language"] for t in own)},
            since_year=row["since_year"],
            owner_state_id=row["owner_state_id"],
            threat_ids=threats.get(row["pk"], []),
        )
        documents.append((row["pk"], normalize(" ".join(part for part in parts if part)), facets))
    return documents


#: Measures read and indexed per transaction by :func:`index_new_measures`.
INDEX_BATCH = 2000


def index_new_measures(measure_ids: Iterable[int]) -> int:
    """Index measures that have no search document yet (the drafts of an import), in batches; returns how
    many. Each batch is its own transaction (or part of the caller's)."""
    from clearinghouse.catalog.models import Measure

    ids = sorted(set(measure_ids))
    done = 0
    for start in range(0, len(ids), INDEX_BATCH):
        with transaction.atomic():
            batch = list(
                Measure.objects.filter(pk__in=ids[start : start + INDEX_BATCH], search_document__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if batch:
                index_many(documents_of(batch))
                done += len(batch)
    return done


def remove_measure(measure_id: int) -> None:
    """Take a measure out of the index before it is deleted (in the deleting transaction)."""
    from clearinghouse.catalog.models import MeasureSearchDocument

    changed([measure_id])
    words, facets = _stored_terms(MeasureSearchDocument.objects.filter(measure_id=measure_id).first())
    postings.remove_all(measure_id, words | facets)
    MeasureSearchDocument.objects.filter(measure_id=measure_id).delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in (FTS_TABLE, PAIRS_TABLE):
                cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [measure_id])  # noqa: S608


def _fts5_expression(query: ParsedQuery) -> str:
    # Tokens are \w+ runs from normalize(): they hold no quote, so quoting them is safe.
    return " AND ".join('"' + " ".join(characters(phrase)) + '"' for phrase in query.phrases)


def _tsquery_expression(query: ParsedQuery) -> str:
    parts = []
    for phrase in query.phrases:
        tokens = characters(phrase)
        parts.append(f"'{tokens[0]}'" if len(tokens) == 1 else "(" + " <-> ".join(f"'{t}'" for t in tokens) + ")")
    return " & ".join(parts)


def matching_ids_sql(query: ParsedQuery, only: list[int] | None = None) -> tuple[str, list[Any]]:
    """SQL selecting the ids of every measure matching the query (no ranking), among ``only`` if given."""
    if connection.vendor == "sqlite":
        if len(query.phrases) == 1 and len(query.phrases[0]) == 2:
            # one two-word phrase: one token of the pairs table
            sql = f"SELECT rowid FROM {PAIRS_TABLE} WHERE {PAIRS_TABLE} MATCH %s"  # noqa: S608
            params: list[Any] = ['"' + "_".join(query.phrases[0]) + '"']
        else:
            sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
            params = [_fts5_expression(query)]
        if only is not None:
            sql += " AND rowid IN (" + ", ".join(["%s"] * len(only)) + ")"
            params += only
        return sql, params
    pairs = _pairs_expression(query)
    if pairs and all(len(phrase) <= 2 for phrase in query.phrases if len(phrase) > 1):
        # every phrase is one pair: the pairs index answers exactly (single words beside it)
        singles = [phrase for phrase in query.phrases if len(phrase) == 1]
        sql = "SELECT p.measure_id FROM catalog_measurewordpairs p WHERE p.pairs @@ %s::tsquery"
        params = [pairs]
        if singles:
            sql = (
                "SELECT p.measure_id FROM catalog_measurewordpairs p JOIN catalog_measuresearchdocument d "
                "USING (measure_id) WHERE p.pairs @@ %s::tsquery AND d.document @@ to_tsquery('simple', %s)"
            )
            params.append(_tsquery_expression(ParsedQuery(singles)))
        column = "p.measure_id"
    elif pairs:
        # longer phrases: the measures having all their pairs, then their positions checked
        sql = (
            "WITH candidates AS MATERIALIZED (SELECT measure_id FROM catalog_measurewordpairs "
            "WHERE pairs @@ %s::tsquery) SELECT d.measure_id FROM candidates JOIN catalog_measuresearchdocument d "
            "USING (measure_id) WHERE d.document @@ to_tsquery('simple', %s)"
        )
        params = [pairs, _tsquery_expression(query)]
        column = "d.measure_id"
    else:
        sql = "SELECT measure_id FROM catalog_measuresearchdocument WHERE document @@ to_tsquery('simple', %s)"
        params = [_tsquery_expression(query)]
        column = "measure_id"
    if only is not None:
        sql += f" AND {column} = ANY(%s)"
        params.append(only)
    return sql, params


def _pairs_expression(query: ParsedQuery) -> str:
    """The adjacent pairs of the query's phrases as a tsquery of lexemes ("'sim swap'"), or ""."""
    pairs = {f"{a} {b}" for phrase in query.phrases for a, b in zip(phrase, phrase[1:], strict=False)}
    # tokens are \w+ runs: no quote or backslash to escape
    return " & ".join(f"'{pair}'" for pair in sorted(pairs))


#: PostgreSQL's memory for one phrase search: with the default 4 MB, the bitmap of a common word's
#: rows turns lossy and every row of every page it touches is rechecked.
PHRASE_WORK_MEM = "64MB"


def matching_ids(query: ParsedQuery, only: list[int] | None = None) -> list[int]:
    """The ids of every measure matching the query (among ``only`` if given), in no particular order."""
    if only is not None and not only:
        return []
    sql, params = matching_ids_sql(query, only)
    if connection.vendor != "postgresql":  # (a transaction on SQLite would take the write lock)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL work_mem = '{PHRASE_WORK_MEM}'")
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]
