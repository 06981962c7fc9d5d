"""Member States' profile, comparison and gap pages at scale (DESIGN.md §6: p95 < 300 ms at 1,000,000 measures),
with the other pages of figures beside them (recommendations, the telecom tracker, the home page and its map).

Uses the databases and search indexes ``bench/search.py`` builds (run ``bench/search.py --sizes 1000000
--build-only`` first) and adds ``--activities`` synthetic activities to them (``bench/report.py``'s, once: a
profile lists a state's activities). A search index of an older layout is rebuilt before anything is timed (a
deployment's one-off, printed apart).

Each page is timed end to end through Django's test client, for an anonymous reader and for a signed-in focal
point of Kenya, in four modes:

- "new page": a state (or, for the comparison, a set of four) this process has not shown before: nothing kept
  for that page is there, while what a running worker holds for every page is (the index open, the tallies
  and figures kept for the reader until a record changes);
- "repeated": the same page again;
- "after change": one published measure changed (and re-indexed) just before: every figure kept for readers is
  counted again, the maps included;
- "cold start": the process forgets its search index, tallies and cache first, as a new worker does.

The whole-page cache of public pages is off (``PAGE_CACHE=0``): it would answer a repeated anonymous request
without building it.

    .venv/bin/python bench/insights.py [--engines sqlite postgresql] [--size 1000000] [--samples 20]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _shared import code_version, measure_in_process, say, table

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TARGET_MS = 300
#: The pages the target is set for (the others are timed beside them).
TARGETED = ("profile", "compare", "gaps")
MODES = ("new page", "repeated", "after change", "cold start")
READERS = ("anonymous", "member")


def database_url(engine: str, size: int, args: argparse.Namespace) -> str:
    if engine == "sqlite":
        return f"sqlite:///{args.workdir / f'sqlite-{size}.sqlite3'}"
    return f"{args.postgres.rstrip('/')}/ch174_bench_{size}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# -- measuring (in a process of its own, Django configured for one database) -------------------------


def change_one_measure(rng: random.Random) -> None:
    """What an edit does: one published measure saved and re-indexed in its own transaction."""
    from django.db import transaction

    from clearinghouse.catalog import search
    from clearinghouse.catalog.models import Measure

    last = Measure.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    with transaction.atomic():
        measure = Measure.objects.filter(lifecycle="published", pk__gte=rng.randint(1, last)).order_by("pk").first()
        measure = measure or Measure.objects.filter(lifecycle="published").first()
        if measure is None:
            raise SystemExit("The database has no published measure.")
        measure.save(update_fields=["updated_at"])
        search.index_measure(measure)


def forget_everything() -> None:
    """What a new worker starts without: the search index open, its sets and tallies, the cache."""
    from django.core.cache import caches

    from clearinghouse.catalog import search
    from clearinghouse.catalog.search import engine

    search.reset()
    engine._tallies.clear()
    for name in ("default", "pages"):
        try:
            caches[name].clear()
        except Exception:  # noqa: BLE001, S112 (a cache the settings do not define)
            continue


def member_client() -> Any:
    """A signed-in focal point of Kenya (the account made the first time)."""
    from django.test import Client

    from clearinghouse.accounts.models import Role, User
    from clearinghouse.accounts.services import create_account
    from clearinghouse.countries.models import MemberState

    user = User.objects.filter(username="bench-member").first() or create_account(
        actor=None,
        username="bench-member",
        email="bench-member@example.org",
        role=Role.FOCAL_POINT,
        password="bench-member-password-0",  # noqa: S106 (a benchmark account on a throwaway database)
        member_state=MemberState.objects.get(alpha2="KE"),
    )
    client = Client()
    client.force_login(user)
    return client


def pages(states: list[str], rng: random.Random, samples: int) -> dict[str, list[str]]:
    """For each page, the addresses timed: ``samples`` of them where the page is one per state, one otherwise."""
    chosen = rng.sample(states, samples)
    fours = [rng.sample(states, 4) for _ in range(samples)]
    return {
        "profile": [f"/en/member-states/{code}/" for code in chosen],
        "compare": ["/en/member-states/compare/?" + "&".join(f"state={c}" for c in four) for four in fours],
        "gaps": [f"/en/member-states/{code}/gaps/" for code in chosen],
        "recommendations": [f"/en/member-states/{code}/recommendations/" for code in chosen],
        "tracker": ["/en/tracker/"],
        "home": ["/en/"],
    }


def timed_get(client: Any, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code} {bytes(response.content[:300])!r}")
    return elapsed


def measure(args: argparse.Namespace) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection
    from django.test import Client

    from clearinghouse.catalog.models import Measure
    from clearinghouse.catalog.search import engine, sets
    from clearinghouse.countries.models import MemberState

    # the planner's statistics, whole, as core.statistics gathers them (PostgreSQL: VACUUM ANALYZE at the build)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit = 0")
            cursor.execute("ANALYZE")
    # the index at the current layout (rebuilt if it is older), and the activities a profile lists
    started = time.monotonic()
    engine.engine().current(sets.current_state())
    index_s = time.monotonic() - started
    if args.activities:
        import report

        report.prepare(args.activities)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the activities added
    rng = random.Random(args.seed)  # noqa: S311 (a benchmark's choice, not a secret)
    states = sorted(MemberState.objects.values_list("alpha2", flat=True))
    clients = {"anonymous": Client(), "member": member_client()}
    addresses = pages(states, rng, args.samples)
    # a running worker: the index open, the reader's tallies kept (the home page and a page of each kind once)
    for client in clients.values():
        for paths in addresses.values():
            timed_get(client, paths[-1])
    rows = []
    for page, paths in addresses.items():
        for reader, client in clients.items():
            times: dict[str, list[float]] = {mode: [] for mode in MODES}
            fresh = paths[:-1] if len(paths) > 1 else []  # the last was shown while warming up
            for path in fresh:
                times["new page"].append(timed_get(client, path))
            repeated = paths[0]
            for _ in range(args.samples):
                times["repeated"].append(timed_get(client, repeated))
            for n in range(max(1, args.samples // 2)):
                change_one_measure(rng)
                times["after change"].append(timed_get(client, paths[n % len(paths)]))
            for n in range(max(1, args.samples // 4)):
                forget_everything()
                times["cold start"].append(timed_get(client, paths[n % len(paths)]))
            for mode, values in times.items():
                if values:
                    rows.append(
                        {
                            "page": page,
                            "reader": reader,
                            "mode": mode,
                            "n": len(values),
                            "p50": statistics.median(values),
                            "p95": percentile(values, 0.95),
                        }
                    )
            shown = ", ".join(f"{m} {percentile(v, 0.95):.0f}" for m, v in times.items() if v)
            say(f"  {page:16} {reader:9} p95 ms: {shown}")
    print(
        json.dumps(
            {
                "rows": rows,
                "measures": Measure.objects.count(),
                "index_s": index_s,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


# -- running and the table ----------------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--size", type=int, default=1_000_000, help="The bench/search.py database to use.")
    parser.add_argument("--activities", type=int, default=100_000, help="Synthetic activities added (0: none).")
    parser.add_argument("--samples", type=int, default=20, help="States (and sets of four) timed per page and mode.")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ch174-bench")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    args.workdir = args.workdir.resolve()
    results = []
    for engine in args.engines:
        if not (args.workdir / f"{engine}-{args.size}.complete.json").exists():
            sys.exit(f"No {engine} database of {args.size:,} measures: run bench/search.py --sizes {args.size} first.")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
            "DATABASE_URL": database_url(engine, args.size, args),
            "VAR_DIR": str(args.workdir / "var"),
            "SEARCH_INDEX_DIR": str(args.workdir / f"index-{engine}-{args.size}"),
            "CACHE_URL": "locmem://",
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "testserver",
            "PAGE_CACHE": "0",
            "TASKS_BACKEND": "immediate",
            "LOG_LEVEL": "WARNING",
        }
        (args.workdir / "var" / "static").mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
        say(f"[{engine} {args.size:,}] migrate, collectstatic …")
        for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run([PYTHON, "manage.py", *command], env=env, cwd=ROOT, check=True)  # noqa: S603
        say(f"[{engine} {args.size:,}] measuring (load {load()}) …")
        arguments = ["--activities", str(args.activities), "--samples", str(args.samples), "--seed", str(args.seed)]
        found = measure_in_process(__file__, arguments, env, f"{engine} {args.size}")
        results.append((engine, found))
    print(f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at {code_version()}, load {load()}.")
    print(f"Milliseconds per page, end to end; target p95 < {TARGET_MS} ms for {', '.join(TARGETED)}.")
    header = ["engine", "measures", "page", "reader", "mode", "n", "p50", "p95", "target"]
    rows = []
    for engine, found in results:
        for row in found["rows"]:
            verdict = ("met" if row["p95"] < TARGET_MS else "MISSED") if row["page"] in TARGETED else ""
            rows.append(
                [
                    engine,
                    f"{found['measures']:,}",
                    row["page"],
                    row["reader"],
                    row["mode"],
                    str(row["n"]),
                    f"{row['p50']:.1f}",
                    f"{row['p95']:.1f}",
                    verdict,
                ]
            )
    print(table(header, rows, left=5))
    for engine, found in results:
        print(
            f"{engine}: search index brought to the current layout in {found['index_s']:.1f} s (once);"
            f" peak memory {found['peak_mb']:,.0f} MB"
        )


if __name__ == "__main__":
    main()
