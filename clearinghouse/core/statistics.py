"""The query planner's statistics on SQLite, gathered as SQLite advises for connections that live long.

PostgreSQL's autovacuum gathers its planner's statistics by itself. SQLite never does: without them its planner
takes every index it could use for an equality to find about ten rows, and, given a search's "the records holding
this word" (an index of 3,000,000 terms) beside the access rule's "published, or owned by this state", it reads every
record the rule lets through (at 50,000 requests, 90 ms for a word no record holds, against 1 ms with statistics).

So each process, at the end of a request, at most once per ``INTERVAL`` and never inside a transaction, runs
``PRAGMA optimize`` on its SQLite connection: it analyzes the tables that connection's queries read which were
never analyzed or have grown much since, reading each of their indexes whole (``ANALYSIS_LIMIT``), and does nothing
otherwise. Its first run is at the end of a process's first request.

Whole, because a sample misleads: with ``analysis_limit`` 400, a column of few values stored in order ("published",
a status) read as 401 rows a value, as selective as a state's id; on 1,000,000 measures and 100,000 activities the
planner then read every published activity to find one state's 1,500 (250 ms for a profile, 28 ms with whole
statistics). Reading them whole takes 2.5 s for that 3 GB database, once (a table is analyzed again only when it has
grown many times over), after the response has gone.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

#: Seconds between two runs on one connection (SQLite advises every few hours for long-lived connections).
INTERVAL = 3600.0
#: Rows of each index an analysis reads (0: all of them; see above).
ANALYSIS_LIMIT = 0


def optimize(alias: str = "default") -> bool:
    """Run ``PRAGMA optimize`` on the connection ``alias`` if it is an open SQLite one outside a transaction;
    answers whether it ran. A database busy with a writer is left for the next time."""
    connection = connections[alias]
    if connection.vendor != "sqlite" or connection.connection is None or connection.in_atomic_block:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
            cursor.execute("PRAGMA optimize")
    except DatabaseError as error:
        logger.info("PRAGMA optimize left for later: %s", error)
        return False
    return True


def keep_current(sender: Any = None, **kwargs: Any) -> None:
    """``request_finished``: ``optimize`` each open SQLite connection of this thread not optimized for
    ``INTERVAL``."""
    now = time.monotonic()
    for alias in connections:
        connection = connections[alias]
        last = getattr(connection, "statistics_kept_at", None)
        if last is not None and now - last < INTERVAL:
            continue
        if optimize(alias):
            connection.statistics_kept_at = now  # type: ignore[attr-defined]
