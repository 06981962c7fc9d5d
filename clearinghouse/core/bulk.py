"""Writing many rows at once, for imports: ids reserved up front, rows sent as PostgreSQL ``COPY`` or as one
prepared statement run many times on SQLite.

Django's ``bulk_create`` prepares every value of every row through its field (about 100 µs a row of a
measure); here the caller passes values as the database stores them (``db_value`` converts the few that
differ: datetimes on SQLite, UUIDs, JSON). No signal is sent and no field default is applied: pass every
column the table requires. Call inside a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models


def db_value(model: type[models.Model], field_name: str, value: Any) -> Any:
    """``value`` as the database stores it in this field (for a value shared by many rows)."""
    return model._meta.get_field(field_name).get_db_prep_save(value, connection)  # type: ignore[union-attr]


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for ``model``, never given to another row (nor given before).

    SQLite: the table's next ids after both its largest id and its AUTOINCREMENT counter; the transaction
    holds the write lock (Django opens SQLite transactions IMMEDIATE, and the caller has written already),
    so nobody else takes them. PostgreSQL: drawn from the table's sequence.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f'SELECT max("{column}") FROM "{table}"')  # noqa: S608 (names from the model)
            largest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            first = max(largest, row[0] if row else 0) + 1
            return list(range(first, first + count))
        cursor.execute(
            "SELECT min(v), max(v) FROM (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS v "
            "FROM generate_series(1, %s)) AS drawn",
            [f'"{table}"', column, count],
        )
        low, high = cursor.fetchone()
        if high - low + 1 == count:  # the usual case: no other writer drew in between
            return list(range(low, high + 1))
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [f'"{table}"', column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows (tuples in the order of ``columns``, values as stored); returns how many."""
    table = model._meta.db_table
    names = ", ".join(f'"{name}"' for name in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = _binary_types(model, columns)
            # the binary format spares the server parsing and unescaping text (a third faster for long texts)
            options = " (FORMAT BINARY)" if types else ""
            with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN{options}') as copy:
                if types:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        batch = rows if isinstance(rows, list) else list(rows)
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)  # noqa: S608
        return len(batch)


_POSTGRESQL_TYPES = {
    "varchar": "varchar",
    "text": "text",
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "boolean": "bool",
    "uuid": "uuid",
    "bytea": "bytea",
    "timestamp with time zone": "timestamptz",
}


def _binary_types(model: type[models.Model], columns: Sequence[str]) -> list[str] | None:
    """The PostgreSQL types of the columns for a binary COPY, or None when one has no plain binary form here
    (JSON: its binary form wants the object, not the text written for SQLite)."""
    fields = {field.column: field for field in model._meta.concrete_fields}
    types = []
    for column in columns:
        declared = (fields[column].db_type(connection) or "").split("(")[0]
        if declared not in _POSTGRESQL_TYPES:
            return None
        types.append(_POSTGRESQL_TYPES[declared])
    return types


#: SQLite page cache for a connection writing in bulk (KiB): the default 2 MB makes every insert into a large
#: index read and write pages through the operating system again and again.
SQLITE_BULK_CACHE_KIB = 256 * 1024


@contextmanager
def large_writes() -> Iterator[None]:
    """A larger page cache for the connection while it writes many rows (SQLite; nothing on PostgreSQL)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
