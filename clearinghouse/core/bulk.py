"""Writing many rows at once, for imports: ids reserved up front, rows sent as PostgreSQL ``COPY`` or as SQLite
``INSERT`` statements of thousands of rows each; :class:`Writer` writes them beside the caller's own work.

Django's ``bulk_create`` prepares every value of every row through its field (about 100 µs a row of a
measure); here the caller passes values as the database stores them (``db_value`` converts the few that
differ: datetimes on SQLite, UUIDs, JSON). No signal is sent and no field default is applied: pass every
column the table requires. Call inside a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from itertools import chain
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
    statement = _Statement(model, columns)
    connection.ensure_connection()
    # the DB-API cursor itself: Django's SQLite wrapper would rewrite each statement of thousands of "?" again
    cursor = connection.connection.cursor()
    try:
        with connection.wrap_database_errors:
            return statement.run(cursor, rows)
    finally:
        cursor.close()


class _Statement:
    """What writing rows of these columns takes, worked out on the calling thread (Django's connection is the
    thread's own): the table, the columns, and their binary types for a PostgreSQL ``COPY``."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.table = model._meta.db_table
        self.names = ", ".join(f'"{name}"' for name in columns)
        self.width = len(columns)
        self.vendor = connection.vendor
        self.types = _binary_types(model, columns) if self.vendor == "postgresql" else None

    def run(self, cursor: Any, rows: Iterable[Sequence[Any]]) -> int:
        """Writes the rows with a DB-API cursor of the connection (not Django's wrapper)."""
        if self.vendor == "postgresql":
            # the binary format spares the server parsing and unescaping text (a third faster for long texts)
            options = " (FORMAT BINARY)" if self.types else ""
            count = 0
            with cursor.copy(f'COPY "{self.table}" ({self.names}) FROM STDIN{options}') as copy:
                if self.types:
                    copy.set_types(self.types)
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        # rows by the thousand in one statement: executemany binds and steps row by row, twice as slow
        batch = rows if isinstance(rows, (list, tuple)) else list(rows)
        per = max(1, min(SQLITE_VALUES_PER_STATEMENT, _sqlite_variable_limit(cursor.connection)) // self.width)
        group = "(" + ", ".join(["?"] * self.width) + ")"
        statement = f'INSERT INTO "{self.table}" ({self.names}) VALUES '  # noqa: S608 (names from the model)
        full = statement + ", ".join([group] * per)
        for start in range(0, len(batch), per):
            chunk = batch[start : start + per]
            sql = full if len(chunk) == per else statement + ", ".join([group] * len(chunk))
            cursor.execute(sql, list(chain.from_iterable(chunk)))
        return len(batch)


#: Values bound to one SQLite ``INSERT`` (its rows times its columns): the fastest of 1,000, 8,000 and 32,000.
SQLITE_VALUES_PER_STATEMENT = 8000


def _sqlite_variable_limit(raw: Any) -> int:
    """How many parameters one statement of this SQLite connection may have (999 before SQLite 3.32)."""
    import sqlite3

    try:
        return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except (AttributeError, sqlite3.Error):  # (Connection.getlimit is Python 3.11's)
        return 999


Rows = Sequence[Sequence[Any]] | Callable[[], Sequence[Sequence[Any]]]


class Writer:
    """Rows written in the order given, in this thread's transaction. On PostgreSQL they are written on
    another thread while this one prepares the next, so that the server's work (foreign-key checks included)
    goes on beside Python's. On SQLite they are written here, at once: SQLite works inside this process, and a
    writing thread gained a few percent at most, within the noise of the measure; the connection is not shared
    between threads for that.

    Use as a context manager. Between the first :meth:`insert` and :meth:`wait`, this thread may read (its
    queries wait for the statement being written) but writes nothing itself: a savepoint rolled back here
    would take the writer's rows with it. On PostgreSQL the constraints are checked as each ``COPY`` ends
    (``SET CONSTRAINTS ALL IMMEDIATE``) rather than all at the commit, so that those checks too run beside
    this thread; rows must then come after the rows they refer to, as :meth:`insert` calls are ordered.
    """

    def __init__(self) -> None:
        self._aside = connection.vendor == "postgresql"
        self._pending: list[Future[int]] = []
        if not self._aside:
            return
        connection.ensure_connection()
        self._raw = connection.connection
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-writer")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    @property
    def aside(self) -> bool:
        """Whether rows are written on another thread (PostgreSQL)."""
        return self._aside

    def insert(self, model: type[models.Model], columns: Sequence[str], rows: Rows) -> None:
        """Writes the rows (a list the caller no longer changes, or a function that returns it, called when
        their turn comes: on the writing thread, when there is one) after those given before."""
        if not self._aside:
            insert(model, columns, rows() if callable(rows) else rows)
            return
        statement = _Statement(model, columns)
        self._pending.append(self._executor.submit(self._run, statement, rows))

    def _run(self, statement: _Statement, rows: Rows) -> int:
        cursor = self._raw.cursor()
        try:
            return statement.run(cursor, rows() if callable(rows) else rows)
        finally:
            cursor.close()

    def wait(self) -> None:
        """Returns once every row queued is written; raises the first error (as Django's database errors)."""
        pending, self._pending = self._pending, []
        try:
            with connection.wrap_database_errors:
                for future in pending:
                    future.result()
        finally:
            for future in pending:
                future.cancel()
            wait(pending)  # nothing may still use the connection when this thread takes it back

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if not self._aside:
            return
        try:
            if kind is None:
                self.wait()
        finally:
            self._executor.shutdown(wait=True, cancel_futures=True)
            if kind is None:
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


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
