"""Catalogue search at scale (DESIGN.md §6: p95 ≤ 150 ms on SQLite and ≤ 300 ms on PostgreSQL, end to end).

For each engine and size, builds a database of synthetic measures (``migrate``, ``load_reference_data``,
``generate_catalog``; reused on the next run unless ``--rebuild``), then times each kind of query as the
whole API search of an anonymous reader, end to end (``GET /api/v1/measures/?q=…``, facets and snippets
included, through Django's test client), in three modes (see ``MODES``): "repeated" (the same query
again, the search index current), "after change" (the first search after one measure was changed and
re-indexed: the Tantivy index is brought up to date from the change log first) and "cold start" (the
first search of a new process: the index on disk is opened again).

A second table splits the API time into steps: "engine" (``catalog.search.engine.search``: match, rank,
count and facet counts in the Tantivy index), "snippets" (the passages and highlighted titles of the 20
shown), "page SQL" (the SQL outside those: the 20 measures shown and their relations) and "rest"
(labelling the facets, serializing and the framework); and how many records the index matches before the
visibility rule.

A third table times filter combinations never requested before (issue 13): for a query kind, 20 random
combinations of one to four filters (pillar, threat, region, group, country, language, status, year), each
requested for the first time in the measuring process, then once again. Nothing a combination is the key of
is warm on its first request (the combination is new to the process: a set cached per combination would not
be there yet), while what a running worker holds for every search is (the index open, facet labels, the
threats' lexicon), as for a new combination in a running worker.

The public page cache (``core.pagecache``) is off here: it would answer a repeated request without searching.

    .venv/bin/python bench/search.py --sizes 100000 --engines sqlite postgresql --repeat 20

Databases live in --workdir (SQLite files) and on the PostgreSQL server as ch174_bench_<size>; the search
index of each in --workdir as index-<engine>-<size>, current after ``generate_catalog``. ``--build-only``
builds them (or finds them built) and measures nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import search_engine
from _shared import code_version, measure_in_process, say, table

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TARGET_MS = {"sqlite": 150, "postgresql": 300}
#: Synthetic technologies half the measures use, one or two each (what recommendations of technologies read).
TECHNOLOGIES = ("--technologies", "60")
#: The facet filter added to the "term in ~28%" query for the "query + facet" kind.
FACET_FILTER = {"pillar": "technical"}
#: Filter combinations never requested before: the query kinds, how many combinations each, the filters drawn.
FRESH_KINDS = ("term in ~28%", "term in nearly all")
FRESH_COUNT = 20
FRESH_FILTERS = ("pillar", "threat", "region", "group", "country", "language", "status", "year")


# -- building the databases ------------------------------------------------------------------------


def database_url(engine: str, size: int, args: argparse.Namespace) -> str:
    if engine == "sqlite":
        return f"sqlite:///{args.workdir / f'sqlite-{size}.sqlite3'}"
    return f"{args.postgres.rstrip('/')}/ch174_bench_{size}"


def base_environment(engine: str, size: int, args: argparse.Namespace) -> dict[str, str]:
    """The environment of every command run on the database of ``size`` measures on ``engine``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
        "DATABASE_URL": database_url(engine, size, args),
        "VAR_DIR": str(args.workdir / "var"),
        # generate_catalog leaves this index current: the measuring process finds it so
        "SEARCH_INDEX_DIR": str(args.workdir / f"index-{engine}-{size}"),
        "CACHE_URL": "locmem://",
        "API_RATE_ANONYMOUS": "1000000000/second",
        "LOG_LEVEL": "WARNING",
    }


def postgres_admin(args: argparse.Namespace) -> Any:
    import psycopg

    return psycopg.connect(f"{args.postgres.rstrip('/')}/postgres", autocommit=True)


def database_exists(engine: str, size: int, args: argparse.Namespace) -> bool:
    if engine == "sqlite":
        return (args.workdir / f"sqlite-{size}.sqlite3").exists()
    with postgres_admin(args) as admin:
        return (
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [f"ch174_bench_{size}"]).fetchone()
            is not None
        )


def fresh_database(engine: str, size: int, args: argparse.Namespace) -> None:
    shutil.rmtree(args.workdir / f"index-{engine}-{size}", ignore_errors=True)
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (args.workdir / f"sqlite-{size}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    with postgres_admin(args) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS ch174_bench_{size} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE ch174_bench_{size}")


def manage(command: list[str], env: dict[str, str]) -> str:
    """Run a manage.py command (its progress shows on stderr); its output."""
    done = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [PYTHON, str(ROOT / "manage.py"), *command], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(command)} failed with DATABASE_URL={env['DATABASE_URL']}:\n{done.stdout}")
    return done.stdout


def build(engine: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """The database of ``size`` synthetic measures, built unless a complete one exists; its build record."""
    marker = args.workdir / f"{engine}-{size}.complete.json"
    url = database_url(engine, size, args)
    env = {**base_environment(engine, size, args), "DEBUG": "1"}
    if marker.exists() and not args.rebuild and database_exists(engine, size, args):
        say(f"[{engine} {size:,}] reusing the database; migrate …")
        manage(["migrate", "--noinput", "-v0"], env)  # the code under test may have added a migration
        return {**json.loads(marker.read_text()), "reused": True}
    marker.unlink(missing_ok=True)
    fresh_database(engine, size, args)
    record: dict[str, Any] = {"engine": engine, "size": size, "seed": args.seed, "url": url}
    steps = [
        ("migrate", ["migrate", "--noinput", "-v0"]),
        ("load_reference_data", ["load_reference_data"]),
        ("generate_catalog", ["generate_catalog", "--count", str(size), "--seed", str(args.seed), *TECHNOLOGIES]),
    ]
    for name, command in steps:
        say(f"[{engine} {size:,}] {name} …")
        started = time.monotonic()
        output = manage(command, env)
        record[f"{name}_s"] = round(time.monotonic() - started, 1)
        if name == "generate_catalog":
            record["generate_output"] = output.strip().splitlines()[-1]
            record["load_average"] = load()  # (over the last 1, 5 and 15 minutes of the run)
    if engine == "postgresql":
        # What autovacuum reaches on its own after a bulk load: statistics and the visibility map.
        say(f"[{engine} {size:,}] VACUUM ANALYZE …")
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    record["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    marker.write_text(json.dumps(record, indent=1))
    return {**record, "reused": False}


# -- measuring (in a subprocess with Django configured for one database) ----------------------------

#: Functions on the search path timed as steps: (module, function, step). Missing ones are skipped.
TIMED = [
    ("clearinghouse.catalog.search.engine", "search", "engine"),
    ("clearinghouse.catalog.search.querying", "_match_for", "snippets"),
    ("clearinghouse.catalog.search.querying", "snippet", "snippets"),  # the highlighted title
]
STEPS = ["engine", "snippets", "page SQL", "rest"]
#: How the API is timed: what happens before each request.
MODES = {
    "repeated": "nothing: the same query again",
    "after change": "one measure was changed and re-indexed just before (the index catches up from the change log)",
    "cold start": "the process forgets its search index and sets, as a new process (the index on disk is reopened)",
}


class StepClock:
    """Accumulates time per step of a search: functions wrapped by name, SQL seen by an execute wrapper."""

    def __init__(self) -> None:
        self.active: str | None = None
        self.seconds: dict[str, float] = defaultdict(float)
        self.queries = 0

    def wrap(self, module: Any, name: str, step: str) -> None:
        original: Callable[..., Any] = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.active is not None:  # nested: counted in the outer step
                return original(*args, **kwargs)
            self.active, started = step, time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[step] += time.perf_counter() - started
                self.active = None

        setattr(module, name, timed)

    def sql(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            if self.active is None:
                self.seconds["page SQL"] += time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def api_get(client: Any, params: dict[str, str], timeout_s: float) -> dict[str, Any] | None:
    """The API's answer, or None when the database was still at work after ``timeout_s``."""
    from django.db import OperationalError, connection

    connection.ensure_connection()
    driver: Any = connection.connection
    # sqlite3 and psycopg connections can both be interrupted from another thread.
    watchdog = threading.Timer(timeout_s, driver.interrupt if connection.vendor == "sqlite" else driver.cancel)
    watchdog.start()
    try:
        response = client.get("/api/v1/measures/", params)
    except OperationalError:
        return None
    finally:
        watchdog.cancel()
    if response.status_code != 200:
        raise SystemExit(f"{params}: HTTP {response.status_code} {response.content[:300]!r}")
    return response.json()


def change_one_measure() -> None:
    """What an edit does to the search index: one published measure re-indexed, in its own transaction."""
    from django.db import transaction

    from clearinghouse.catalog.models import Measure
    from clearinghouse.catalog.search import indexing as search

    last = Measure.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    start = random.randint(1, last)  # noqa: S311 (a benchmark's choice, not a secret)
    with transaction.atomic():
        measure = Measure.objects.filter(lifecycle="published", pk__gte=start).order_by("pk").first()
        search.index_measure(measure or Measure.objects.first())


def forget(mode: str) -> None:
    """Prepare the state a mode of timing starts from (see MODES)."""
    from clearinghouse.catalog import search

    if mode == "cold start":
        search.reset()  # the index on disk is opened again, as by a new process
    elif mode == "after change":
        change_one_measure()


def index_hits(params: dict[str, str]) -> int:
    """How many records the search index matches for these parameters, before the visibility rule."""
    from clearinghouse.catalog.search import engine
    from clearinghouse.catalog.search.text import parse_query

    filters = {name: value for name, value in params.items() if name != "q"}
    composed = engine.compose(None, parse_query(params["q"]), filters, visible_only=False)
    return composed.searcher.search(composed.query, limit=1, count=True).count or 0


def time_api(
    client: Any, params: dict[str, str], mode: str, clock: StepClock, runs: int, budget_s: float, timeout_s: float
) -> dict[str, Any]:
    """Up to ``runs`` timed requests in one mode (fewer when the first takes long), with their steps."""
    from django.db import connection

    totals: list[float] = []
    steps: dict[str, list[float]] = defaultdict(list)
    queries: list[int] = []
    with connection.execute_wrapper(clock.sql):
        while len(totals) < runs:
            forget(mode)
            clock.seconds.clear()
            clock.queries = 0
            started = time.perf_counter()
            if api_get(client, params, timeout_s) is None:
                return {"timed_out": True}
            total = time.perf_counter() - started
            totals.append(total * 1000)
            queries.append(clock.queries)
            for step in STEPS[:-1]:
                steps[step].append(clock.seconds.get(step, 0.0) * 1000)
            steps["rest"].append((total - sum(clock.seconds.values())) * 1000)
            if len(totals) == 1:
                runs = max(1, min(runs, round(budget_s / max(total, 1e-3))))
    return {
        "timed_out": False,
        "runs": len(totals),
        "p50": statistics.median(totals),
        "p95": percentile(totals, 0.95),
        "steps_p50": {step: statistics.median(values) for step, values in steps.items()},
        "queries": statistics.median(queries),
    }


def filter_values() -> dict[str, list[str]]:
    """Every value of each filter of FRESH_FILTERS, as the API takes it."""
    from clearinghouse.catalog.models import Language, MeasureStatus, Pillar, Threat
    from clearinghouse.countries.models import BDTRegion, GroupCode, MemberState

    return {
        "pillar": sorted(Pillar.objects.values_list("slug", flat=True)),
        "threat": sorted(Threat.objects.values_list("slug", flat=True)),
        "region": list(BDTRegion.values),
        "group": list(GroupCode.values),
        "country": sorted(MemberState.objects.values_list("alpha2", flat=True)),
        "language": list(Language.values),
        "status": list(MeasureStatus.values),
        "year": [str(year) for year in range(2000, 2026)],  # (generate_catalog's years)
    }


def fresh_combinations(query: str, count: int, requested: list[dict[str, str]], seed: int) -> list[dict[str, str]]:
    """``count`` combinations of ``query`` with one to four filters, none of them among ``requested``."""
    chance = random.Random(seed)  # noqa: S311 (a benchmark's choice of filters, not a secret)
    values = filter_values()
    seen = {frozenset(params.items()) for params in requested}
    found: list[dict[str, str]] = []
    while len(found) < count:
        names = sorted(chance.sample(FRESH_FILTERS, chance.randint(1, 4)))
        params = {"q": query, **{name: chance.choice(values[name]) for name in names}}
        if frozenset(params.items()) not in seen:
            seen.add(frozenset(params.items()))
            found.append(params)
    return found


def time_fresh(
    client: Any, kind: str, combinations: list[dict[str, str]], clock: StepClock, timeout_s: float
) -> dict[str, Any]:
    """Each combination's first request in this process, and a second one, with the first's steps."""
    from django.db import connection

    first: list[float] = []
    again: list[float] = []
    matches: list[int] = []
    steps: dict[str, list[float]] = defaultdict(list)
    slowest: tuple[float, str] = (0.0, "")
    with connection.execute_wrapper(clock.sql):
        for params in combinations:
            for timings in (first, again):
                clock.seconds.clear()
                clock.queries = 0
                started = time.perf_counter()
                body = api_get(client, params, timeout_s)
                if body is None:
                    return {"kind": kind, "timed_out": True, "combination": params}
                total = time.perf_counter() - started
                timings.append(total * 1000)
                if timings is first:
                    matches.append(body["count"])
                    for step in STEPS[:-1]:
                        steps[step].append(clock.seconds.get(step, 0.0) * 1000)
                    steps["rest"].append((total - sum(clock.seconds.values())) * 1000)
                    slowest = max(slowest, (total * 1000, "&".join(f"{k}={v}" for k, v in params.items())))
    return {
        "kind": kind,
        "timed_out": False,
        "combinations": len(combinations),
        "matches_median": statistics.median(matches),
        "matches_max": max(matches),
        "empty": sum(1 for n in matches if n == 0),
        "p50": statistics.median(first),
        "p95": percentile(first, 0.95),
        "again_p50": statistics.median(again),
        "again_p95": percentile(again, 0.95),
        "steps_p50": {step: statistics.median(values) for step, values in steps.items()},
        "slowest": slowest,
    }


def measure(repeat: int, budget_s: float, timeout_s: float) -> dict[str, Any]:
    import importlib

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.test import Client

    from clearinghouse.catalog.management.commands.generate_catalog import BENCHMARK_QUERIES

    clock = StepClock()
    for module_name, name, step in TIMED:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            clock.wrap(module, name, step)
        else:
            say(f"  (no {module_name}.{name}: its time counts in the rest)")

    kinds: list[tuple[str, dict[str, str]]] = [(kind, {"q": q}) for kind, q in BENCHMARK_QUERIES.items()]
    kinds.append(("~28% + facet filter", {"q": BENCHMARK_QUERIES["term in ~28%"], **FACET_FILTER}))
    client = Client()
    rows = []
    for kind, params in kinds:
        body = api_get(client, params, timeout_s)  # warm-up
        assert body is None or (body["facets"] and all("snippet" in r for r in body["results"]))  # noqa: S101
        modes = {
            mode: time_api(
                client, params, mode, clock, min(repeat, 3) if mode == "cold start" else repeat, budget_s, timeout_s
            )
            for mode in MODES
        }
        rows.append(
            {
                "kind": kind,
                "query": "&".join(f"{k}={v}" for k, v in params.items()),
                "matches": body["count"] if body else None,
                "index_hits": index_hits(params),
                "timeout_s": timeout_s,
                "modes": modes,
            }
        )
        rows[-1]["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        shown = modes["repeated"]
        say(f"  {kind:22} repeated p50 {cell(shown, 'p50', timeout_s):>9} ms, p95 {cell(shown, 'p95', timeout_s)} ms")
    fresh = []
    requested = [params for _kind, params in kinds]
    for number, kind in enumerate(FRESH_KINDS):
        combinations = fresh_combinations(BENCHMARK_QUERIES[kind], FRESH_COUNT, requested, seed=13 + number)
        # the query without filters again (requested before): a running worker, not one reopening its index
        api_get(client, {"q": BENCHMARK_QUERIES[kind]}, timeout_s)
        fresh.append(time_fresh(client, kind, combinations, clock, timeout_s))
        requested += combinations
        p50, p95 = (cell(fresh[-1], key, timeout_s) for key in ("p50", "p95"))
        say(f"  {kind:22} new combinations p50 {p50:>9} ms, p95 {p95} ms")
    return {"rows": rows, "fresh": fresh}


def run_measurement(engine: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        **base_environment(engine, size, args),
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "testserver",
        # the public page cache would answer a repeated request without searching (bench/throughput.py times it)
        "PAGE_CACHE": "0",
    }
    (args.workdir / "var" / "static").mkdir(parents=True, exist_ok=True)  # WhiteNoise warns without it
    say(f"[{engine} {size:,}] measuring, {args.repeat} runs a query …")
    arguments = ["--repeat", str(args.repeat), "--budget", str(args.budget), "--timeout", str(args.timeout)]
    found: dict[str, Any] = measure_in_process(__file__, arguments, env, f"{engine} {size}")
    return found


# -- the tables --------------------------------------------------------------------------------------


def cell(timing: dict[str, Any], key: str, timeout_s: float) -> str:
    return f"> {timeout_s * 1000:,.0f}" if timing["timed_out"] else f"{timing[key]:.1f}"


def report(results: list[tuple[str, int, dict[str, Any]]], builds: list[dict[str, Any]], timeout_s: float) -> None:
    rows = []
    for engine, size, measured in results:
        target = TARGET_MS[engine]
        for r in measured["rows"]:
            repeated, changed, cold = (r["modes"][mode] for mode in MODES)
            held = all(not t["timed_out"] and t["p95"] <= target for t in (repeated, changed))
            rows.append(
                [
                    engine,
                    f"{size:,}",
                    r["kind"],
                    "?" if r["matches"] is None else f"{r['matches']:,}",
                    cell(repeated, "p50", timeout_s),
                    cell(repeated, "p95", timeout_s),
                    cell(changed, "p50", timeout_s),
                    cell(changed, "p95", timeout_s),
                    cell(cold, "p50", timeout_s),
                    f"{target}",
                    "met" if held else "MISSED",
                ]
            )
    header = ["engine", "size", "query kind", "matches", "repeated p50", "repeated p95"]
    header += ["after change p50", "after change p95", "cold start p50", "target", "p95 ≤ target"]
    print(f"Code measured: {code_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average {load()}")
    print()
    print("API search latency end to end, ms. repeated: the same query again; after change: the first search")
    print("after one measure was changed; cold start: the first search of a new process. matches: the total an")
    print("anonymous reader is shown. The target holds when repeated p95 and after change p95 meet it.")
    print(table(header, rows, left=3))

    print()
    print(f"A filter combination never requested before, API end to end, ms: {FRESH_COUNT} random combinations of the")
    print(f"query with one to four filters ({', '.join(FRESH_FILTERS)}),")
    print("each timed on its first request in the process (first) and on the next one (again). matches: the totals")
    print("an anonymous reader is shown (median / largest / how many combinations match nothing). The target holds")
    print("when the first requests' p95 meets it.")
    fresh_rows = []
    slowest = []
    for engine, size, measured in results:
        target = TARGET_MS[engine]
        for f in measured["fresh"]:
            if f["timed_out"]:
                fresh_rows.append([engine, f"{size:,}", f["kind"], "?", *[f"> {timeout_s * 1000:,.0f}"] * 4])
                fresh_rows[-1] += [f"{target}", "MISSED"]
                continue
            fresh_rows.append(
                [
                    engine,
                    f"{size:,}",
                    f["kind"],
                    f"{f['matches_median']:,.0f} / {f['matches_max']:,} / {f['empty']}",
                    f"{f['p50']:.1f}",
                    f"{f['p95']:.1f}",
                    f"{f['again_p50']:.1f}",
                    f"{f['again_p95']:.1f}",
                    f"{target}",
                    "met" if f["p95"] <= target else "MISSED",
                ]
            )
            slowest.append(f"{engine} {size:,}: {f['slowest'][1]} ({f['slowest'][0]:.1f} ms)")
    header = ["engine", "size", "query kind", "matches", "first p50", "first p95", "again p50", "again p95"]
    print(table([*header, "target", "first p95 ≤ target"], fresh_rows, left=3))
    print("Slowest first requests:")
    print("\n".join(f"  {line}" for line in slowest))

    step_rows = []
    for engine, size, measured in results:
        for r in measured["rows"]:
            for mode in MODES:
                timing = r["modes"][mode]
                steps = timing.get("steps_p50", {})
                step_rows.append(
                    [
                        engine,
                        f"{size:,}",
                        r["kind"],
                        mode,
                        f"{r['index_hits']:,}",
                        cell(timing, "p50", timeout_s),
                        *(f"{steps[s]:.1f}" if s in steps else "-" for s in STEPS),
                        f"{timing['queries']:.0f}" if "queries" in timing else "-",
                        str(timing.get("runs", 0)),
                    ]
                )
        for f in measured["fresh"]:
            steps = f.get("steps_p50", {})
            step_rows.append(
                [engine, f"{size:,}", f["kind"], "new combination", "-", cell(f, "p50", timeout_s)]
                + [f"{steps[s]:.1f}" if s in steps else "-" for s in STEPS]
                + ["-", str(f.get("combinations", 0))]
            )
    print()
    print(
        "Memory of the searching process at the end (MB, peak resident): "
        + ", ".join(
            f"{engine} {size:,}: {measured['rows'][-1].get('peak_memory_mb', 0):,.0f}"
            for engine, size, measured in results
        )
    )
    print()
    print("Where the API time goes, p50 ms (index hits: every record matching, before the visibility rule)")
    header = ["engine", "size", "query kind", "mode", "index hits", "API", *STEPS, "SQL queries", "runs"]
    print(table(header, step_rows, left=4))
    print()
    report_builds(builds)


def report_builds(builds: list[dict[str, Any]]) -> None:
    print("Building the databases (generate s: generate_catalog, the search index included)")
    build_rows = [
        [
            b["engine"],
            f"{b['size']:,}",
            f"{b.get('migrate_s', 0) + b.get('load_reference_data_s', 0):.1f}",
            f"{b.get('generate_catalog_s', 0):.1f}",
            b.get("generate_output", ""),
            b.get("load_average", "?"),
            "reused" if b["reused"] else "built now",
        ]
        for b in builds
    ]
    header = ["engine", "size", "setup s", "generate s", "generate_catalog says", "load average", "database"]
    print(table(header, build_rows, left=2))


def load() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--repeat", type=int, default=20, help="Timed runs a query, after one warm-up.")
    parser.add_argument(
        "--budget",
        type=float,
        default=120,
        help="Seconds a query may take in one mode; slower ones get fewer runs (at least one).",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300,
        help="Seconds after which an API search is interrupted and reported as such.",
    )
    parser.add_argument("--rebuild", action="store_true", help="Build the databases again even when complete.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ch174-bench")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432", help="Server to build on.")
    parser.add_argument(
        "--no-engine-comparison",
        action="store_true",
        help="Leave out bench/search_engine.py's table (the search step beside bare Tantivy and exhaustive BM25).",
    )
    parser.add_argument("--build-only", action="store_true", help="Build the databases (unless built) and stop.")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.repeat, args.budget, args.timeout)))
        return
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results, builds, steps = [], [], []
    for engine in args.engines:
        for size in args.sizes:
            builds.append(build(engine, size, args))
            if args.build_only:
                continue
            results.append((engine, size, run_measurement(engine, size, args)))
            if not args.no_engine_comparison:
                steps.append((engine, size, search_engine.run(engine, size, args)))
    print()
    if args.build_only:
        report_builds(builds)
        return
    report(results, builds, args.timeout)
    if steps:
        # the search step per query class: its ratio to bare Tantivy and its overlap with an exhaustive BM25
        print()
        search_engine.report(steps, args.repeat)


if __name__ == "__main__":
    main()
