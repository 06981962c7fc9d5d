"""The embedded default cache: diskcache's Django cache, whose SQLite connections stay open between requests."""

from __future__ import annotations

from typing import Any

from diskcache import DjangoCache


class DiskCache(DjangoCache):
    """One SQLite database per shard in a folder, shared by the workers of the machine (throttle counts, sign-in
    lockouts, rate windows).

    Django closes every cache when a request finishes (``request_finished``), and diskcache's ``close`` closes its
    SQLite connections: the next request opened them again and re-read each shard's settings, which took most
    of an API answer served from the public page cache under load (bench/throughput.py: 505 req/s instead of
    about 2,000). The connections are kept instead; diskcache opens new ones in a forked process on its own.
    """

    def close(self, **kwargs: Any) -> None:
        """Keep the connections (see the class): they are closed with the process."""
