"""The objects of one import, what earlier imports hold of them, and what becomes of each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from clearinghouse.core.visibility import TLP
from clearinghouse.exchange.importing.checking import version_key
from clearinghouse.exchange.models import ImportedObject

#: Entries kept in each list of a report (successes, failures, unmapped, records); the rest are counted.
MAX_LISTED = 1000
#: Messages about single objects repeated in ``errors`` when a bundle is refused.
MAX_ERRORS = 20
#: Ids per ``IN (…)``: SQLite allows 999 parameters.
CHUNK = 900


@dataclass(slots=True)
class Item:
    """One object of the bundle and what became of it."""

    number: int
    obj: dict[str, Any]
    #: Where the object's text starts and ends in the bundle (-1: written again from ``obj``).
    start: int
    end: int
    id: str
    type: str
    #: ``modified`` as written (``created`` for objects that never change, "" for those with neither).
    version: str
    #: ``version`` comparable as time (see :func:`_key`), worked out when needed.
    key: str = ""
    outcome: str = ""
    message: str = ""
    measure_id: int | None = None
    technology_id: int | None = None
    #: Kept in ImportedObject (every object but refused ones and versions held already).
    store: bool = True
    #: The narrowest TLP of its markings (see :mod:`.markings`).
    tlp: str = TLP.CLEAR
    #: Why it is refused whatever else it is (TLP:RED), or "".
    refusal: str = ""


@dataclass(slots=True)
class Held:
    """What earlier imports took in of one STIX id."""

    #: The versions held, ``modified`` as written.
    versions: set[str]
    measure_id: int | None = None
    technology_id: int | None = None
    #: For a measure of this platform's own export: its ``modified`` here, comparable as time (else "").
    current: str = ""
    _keys: set[str] | None = None

    def keys(self) -> set[str]:
        """The versions held, comparable as time (worked out only when a version is not held as written)."""
        if self._keys is None:
            self._keys = {version_key(version) for version in self.versions}
        return self._keys

    def newest(self) -> str:
        return max(self.keys(), default="")


def _key(item: Item) -> str:
    if not item.key and item.version:
        item.key = version_key(item.version)
    return item.key


@dataclass
class Change:
    """What this import changes in a measure that exists already (a record of an earlier import)."""

    fields: dict[str, Any] | None = None
    references: list[dict[str, str]] | None = None
    techniques: list[dict[str, str]] = field(default_factory=list)
    threat_ids: set[int] = field(default_factory=set)
    technology_ids: set[int] = field(default_factory=set)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)


CREATED, UPDATED, UNCHANGED, UNMAPPED, LINKED, FAILED = (
    "created",
    "updated",
    "unchanged",
    "unmapped",
    "linked",
    "failed",
)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _held_versions(ids: list[str]) -> dict[str, Held]:
    """What earlier imports took in of these ids (one query on PostgreSQL, chunks of ids on SQLite)."""
    table = ImportedObject._meta.db_table
    columns = "stix_id, modified, measure_id, technology_id"
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one text split by the server: a list parameter of 100,000 strings costs ten times as much to send
            # (STIX ids hold no space); bound by the server, so that the text is not quoted into the statement
            import psycopg

            with psycopg.Cursor(connection.connection) as bound, connection.wrap_database_errors:
                bound.execute(
                    f"SELECT {columns} FROM {table} WHERE stix_id = ANY(string_to_array(%s, ' '))",  # noqa: S608
                    [" ".join(ids)],
                )
                rows = bound.fetchall()
        else:
            for chunk in _chunks(sorted(ids)):  # (in index order)
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT {columns} FROM {table} WHERE stix_id IN ({marks})", chunk)  # noqa: S608
                rows += cursor.fetchall()
    # (the versions of an object that became a record all name that record: a deleted one is set to NULL)
    held: dict[str, Held] = {}
    for stix_id, modified, measure_id, technology_id in rows:
        entry = held.get(stix_id)
        if entry is None:
            held[stix_id] = Held({modified}, measure_id, technology_id)
            continue
        entry.versions.add(modified)
        if measure_id is not None:
            entry.measure_id = measure_id
        if technology_id is not None:
            entry.technology_id = technology_id
    return held
