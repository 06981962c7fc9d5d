"""The facet postings: for each facet value, the ids of the measures filed under it, as bitmaps.

``SearchPosting`` holds one row per facet term (``#pillar=3``, ``#country=42``…) and chunk of 65,536
ids: a serialized roaring bitmap. ``sets`` counts the facet values of any set of measures from them
(the reports' figures, the country statistics) without reading the measures. Search itself runs on the
Tantivy index (``engine``), which reads the facet terms from the search documents.

Rows change in the same transaction as the measure: :func:`apply` takes a measure out of the terms it
lost and adds it to those it gained, rewriting only the rows of its chunk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection
from pyroaring import BitMap

from clearinghouse.core.progress import progress_bar

CHUNK_BITS = 16
#: Terms read or written per SQL statement.
BATCH = 500
TABLE = "catalog_searchposting"

#: Facets stored per measure; region and development group are derived from the country when read.
STORED_FACETS = ("pillar", "status", "language", "year", "country", "threat")


def facet_term(name: str, value: Any) -> bytes:
    return f"#{name}={value}".encode()


def parse_facet_term(term: bytes) -> tuple[str, str]:
    name, _, value = term[1:].decode().partition("=")
    return name, value


def facet_terms(
    *,
    pillar_id: int,
    status: str,
    languages: Iterable[str],
    since_year: int | None,
    owner_state_id: int | None,
    threat_ids: Iterable[int],
) -> set[bytes]:
    terms = {facet_term("pillar", pillar_id), facet_term("status", status)}
    terms |= {facet_term("language", language) for language in languages}
    if since_year is not None:
        terms.add(facet_term("year", since_year))
    if owner_state_id is not None:
        terms.add(facet_term("country", owner_state_id))
    terms |= {facet_term("threat", threat_id) for threat_id in threat_ids}
    return terms


def facet_terms_of(measure: Any) -> set[bytes]:
    """The facet terms of a saved measure (its translations' languages and threats read from the database)."""
    return facet_terms(
        pillar_id=measure.pillar_id,
        status=measure.status,
        languages={measure.language, *measure.translations.values_list("language", flat=True)},
        since_year=measure.since_year,
        owner_state_id=measure.owner_state_id,
        threat_ids=measure.threats.values_list("pk", flat=True),
    )


def chunk_of(measure_id: int) -> int:
    return measure_id >> CHUNK_BITS


def _batches(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _read(chunk: int, terms: list[bytes]) -> dict[bytes, BitMap]:
    found: dict[bytes, BitMap] = {}
    with connection.cursor() as cursor:
        for batch in _batches(terms):
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"SELECT term, ids FROM {TABLE} WHERE chunk = %s AND term IN ({marks})",  # noqa: S608
                [chunk, *batch],
            )
            for term, ids in cursor.fetchall():
                found[bytes(term)] = BitMap.deserialize(bytes(ids))
    return found


def _write(chunk: int, bitmaps: dict[bytes, BitMap]) -> None:
    """Store each term's bitmap for the chunk; an empty bitmap deletes the row."""
    empty = [term for term, ids in bitmaps.items() if not ids]
    full = [(term, chunk, ids.serialize()) for term, ids in bitmaps.items() if ids]
    with connection.cursor() as cursor:
        for batch in _batches(empty):
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(f"DELETE FROM {TABLE} WHERE chunk = %s AND term IN ({marks})", [chunk, *batch])  # noqa: S608
        if full:
            cursor.executemany(
                f"INSERT INTO {TABLE} (term, chunk, ids) VALUES (%s, %s, %s) "  # noqa: S608
                "ON CONFLICT (term, chunk) DO UPDATE SET ids = excluded.ids",
                full,
            )


def apply(measure_id: int, removed: set[bytes], added: set[bytes]) -> None:
    """Take the measure out of ``removed`` terms and file it under ``added`` ones (caller's transaction)."""
    terms = sorted(removed | added)
    if not terms:
        return
    chunk = chunk_of(measure_id)
    current = _read(chunk, terms)
    changed: dict[bytes, BitMap] = {}
    for term in removed - added:
        ids = current.get(term)
        if ids is not None and measure_id in ids:
            ids.discard(measure_id)
            changed[term] = ids
    for term in added - removed:
        ids = current.setdefault(term, BitMap())
        if measure_id not in ids:
            ids.add(measure_id)
            changed[term] = ids
    _write(chunk, changed)


def add_many(documents: Iterable[tuple[int, set[bytes]]]) -> None:
    """File many measures under their terms at once (new measures: nothing is taken out)."""
    by_chunk: dict[int, dict[bytes, list[int]]] = defaultdict(lambda: defaultdict(list))
    for measure_id, terms in documents:
        chunk_terms = by_chunk[chunk_of(measure_id)]
        for term in terms:
            chunk_terms[term].append(measure_id)
    for chunk, chunk_ids in by_chunk.items():
        current = _read(chunk, list(chunk_ids))
        for term, ids in chunk_ids.items():
            current.setdefault(term, BitMap()).update(ids)
        _write(chunk, current)


def remove_all(measure_id: int, terms: set[bytes]) -> None:
    apply(measure_id, terms, set())


def stored_facets() -> dict[str, dict[str, BitMap]]:
    """Every stored facet value's set of measures: ``{"pillar": {"3": BitMap(...)}, ...}``."""
    sets: dict[str, dict[str, BitMap]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT term, ids FROM {TABLE} WHERE term >= %s AND term < %s", [b"#", b"#\xff"])  # noqa: S608
        for term, ids in cursor.fetchall():
            name, value = parse_facet_term(bytes(term))
            bitmap = BitMap.deserialize(bytes(ids))
            if value in sets[name]:
                sets[name][value] |= bitmap
            else:
                sets[name][value] = bitmap
    return dict(sets)


def rebuild(
    measure_model: Any, document_model: Any, translation_model: Any, *, stream: Any = None, batch: int = 20000
) -> int:
    """Rebuild every facet posting, and each search document's list of facet terms, from the measures; returns
    the measures indexed.

    Takes model classes so that a migration can pass its historical ones. Run in one transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
    through = measure_model.threats.through
    total = measure_model.objects.count()
    rows = measure_model.objects.order_by("pk").values_list(
        "pk", "pillar_id", "status", "language", "since_year", "owner_state_id"
    )
    items = rows.iterator(chunk_size=batch)
    if stream is not None:
        items = iter(progress_bar(items, label="Search postings", total=total, stream=stream))
    done = 0
    while True:
        measures = [row for _, row in zip(range(batch), items, strict=False)]
        if not measures:
            break
        ids = [row[0] for row in measures]
        low, high = ids[0], ids[-1]
        languages: dict[int, set[str]] = defaultdict(set)
        for pk, language in translation_model.objects.filter(measure_id__gte=low, measure_id__lte=high).values_list(
            "measure_id", "language"
        ):
            languages[pk].add(language)
        threats: dict[int, list[int]] = defaultdict(list)
        for pk, threat_id in through.objects.filter(measure_id__gte=low, measure_id__lte=high).values_list(
            "measure_id", "threat_id"
        ):
            threats[pk].append(threat_id)
        documents = []
        facet_lists = []
        for pk, pillar_id, status, language, year, state_id in measures:
            facets = facet_terms(
                pillar_id=pillar_id,
                status=status,
                languages={language, *languages[pk]},
                since_year=year,
                owner_state_id=state_id,
                threat_ids=threats[pk],
            )
            documents.append((pk, facets))
            facet_lists.append((pk, " ".join(sorted(term.decode() for term in facets))))
        add_many(documents)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {document_model._meta.db_table} SET facets = %s WHERE measure_id = %s",  # noqa: S608
                [(facets, pk) for pk, facets in facet_lists],
            )
        done += len(measures)
    return done
