"""STIX 2.1 import speed (DESIGN.md §6: ≥ 20,000 objects/s for a 100,000-object bundle, validated, and as
fast again when the same bundle is imported a second time).

Builds a bundle as this platform exports it (``exchange.stix``): courses-of-action with the platform's
extension (40 %), ``mitigates`` relationships to the threat taxonomy's attack-patterns, ``language-content``
with one or two translations, and the identities, markings and attack-patterns they refer to. Texts are drawn
from the Zipf vocabulary of ``generate_catalog``, sized so that ``json.loads`` reads the bundle at about the
rate DESIGN.md measured (an object of about 600 bytes). Then, for each engine, on a fresh database
(``migrate``, ``load_reference_data``): ``json.loads`` of the file, the first import (every object new), the
same file again (every object known), and the search indexing of the new drafts, which a large import leaves
to a background task (timed here by running that task in the foreground).

    .venv/bin/python bench/stix_import.py [--engines sqlite postgresql] [--objects 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _shared import code_version, say, table

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TARGET = 20_000
DATABASE = "ch174_bench_import"


# -- the bundle ------------------------------------------------------------------------------------


class _Related(list):
    """A list that answers ``.all()``, as the related managers ``stix.measure_objects`` reads do."""

    def all(self) -> _Related:
        return self


def build_bundle(total: int, seed: int) -> Iterator[dict[str, Any]]:
    """``total`` objects: the reference objects, then measures with their relationships and translations."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearinghouse.settings")
    import django

    django.setup()
    from clearinghouse.catalog.management.commands.generate_catalog import _sampling_table
    from clearinghouse.catalog.taxonomy import PILLARS, THREATS
    from clearinghouse.exchange import stix

    rng = random.Random(seed)  # noqa: S311 (test data)
    table = _sampling_table()

    def words(low: int, high: int) -> str:
        chosen = rng.choices(table, k=rng.randint(low, high))
        return chosen[0].capitalize() + " " + " ".join(chosen[1:])

    threats = [SimpleNamespace(slug=slug, name_en=name, parent_id=None) for slug, name, _refs, _children in THREATS]
    threats += [
        SimpleNamespace(slug=slug, name_en=name, parent_id=None)
        for _s, _n, _r, children in THREATS
        for slug, name, _refs in children
    ]
    states = [SimpleNamespace(alpha2=code, name_en=name) for code, name in (("KE", "Kenya"), ("NG", "Nigeria"))]
    reference = [stix.platform_identity(), stix.extension_definition(), stix.marking_definition("clear")]
    reference += [stix.marking_definition("green")]
    reference += [stix.attack_pattern(threat) for threat in threats]
    for state in states:
        reference += [
            stix.owner_identity(SimpleNamespace(owner_state_id=1, owner_state=state)),
            stix.country_location(state),
            stix.located_at(state),
        ]
    yield from reference
    left = total - len(reference)
    measures = round(total * 0.4)
    translations = left - 2 * measures  # one mitigates each; the rest of the objects are translations
    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(measures):
        when = epoch + timedelta(seconds=rng.randrange(2 * 365 * 86400))
        translated = []
        if n < translations:
            for language in rng.sample(["fr", "es", "ar", "ru", "zh-hans"], rng.choice((1, 1, 2))):
                translated.append(
                    SimpleNamespace(
                        language=language,
                        title=words(4, 8),
                        summary=words(8, 14) + ".",
                        description=words(14, 30) + ".",
                        updated_at=when,
                    )
                )
        state = states[n % len(states)]
        measure = SimpleNamespace(
            pk=n + 1,
            created_at=when,
            updated_at=when,
            title="[synthetic] " + words(4, 8),
            summary=words(8, 16) + ".",
            description=words(14, 36) + ".",
            language="en",
            tlp=rng.choices(["clear", "green"], cum_weights=[85, 100])[0],
            pillar=SimpleNamespace(slug=rng.choice(PILLARS)[0]),
            status=rng.choice(["planned", "in_progress", "operational", "evaluated"]),
            since_year=rng.randint(2000, 2025),
            evidence=words(8, 16) + "." if rng.random() < 0.3 else "",
            evidence_source="",
            cost_range=rng.choice(["", "under-100k", "100k-1m"]),
            prerequisites="",
            is_illustrative=True,
            version=1,
            owner_state_id=1,
            owner_state=state,
            owner_organization_id=None,
            references=_Related(),
            threats=_Related([rng.choice(threats)]),
            technologies=_Related(),
            translations=_Related(translated),
        )
        yield from stix.measure_objects(measure)


def write_bundle(path: Path, total: int, seed: int) -> dict[str, Any]:
    counts: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as file:
        file.write('{"type": "bundle", "id": "bundle--6f1b7c3e-5d2a-4e8b-9c17-000000000001", "objects": [')
        for n, obj in enumerate(build_bundle(total, seed)):
            counts[obj["type"]] = counts.get(obj["type"], 0) + 1
            file.write(("," if n else "") + "\n" + json.dumps(obj, ensure_ascii=False, sort_keys=True))
        file.write("\n]}\n")
    return {"objects": sum(counts.values()), "bytes": path.stat().st_size, "types": counts}


# -- the databases ---------------------------------------------------------------------------------


def database_url(engine: str, args: argparse.Namespace) -> str:
    if engine == "sqlite":
        return f"sqlite:///{args.workdir / 'stix-import.sqlite3'}"
    return f"{args.postgres.rstrip('/')}/{DATABASE}"


def fresh_database(engine: str, args: argparse.Namespace) -> None:
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (args.workdir / f"stix-import.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{args.postgres.rstrip('/')}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")


def environment(engine: str, args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
        "DATABASE_URL": database_url(engine, args),
        "VAR_DIR": str(args.workdir / "var"),
        "CACHE_URL": "locmem://",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "TASKS_BACKEND": "database",
    }


def manage(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [PYTHON, str(ROOT / "manage.py"), *command], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    if done.returncode:
        sys.exit(f"manage.py {' '.join(command)} failed with DATABASE_URL={env['DATABASE_URL']}:\n{done.stdout}")


# -- measuring (in a subprocess configured for one database) ---------------------------------------


def measure(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from clearinghouse.catalog import search
    from clearinghouse.catalog.models import Measure, MeasureSearchDocument, MeasureVersion
    from clearinghouse.countries.models import MemberState
    from clearinghouse.exchange.importing import import_bundle
    from clearinghouse.exchange.models import ImportedObject

    raw = path.read_bytes()
    started = time.perf_counter()
    objects = len(json.loads(raw)["objects"])
    loads_s = time.perf_counter() - started
    owner = {"owner_state_id": MemberState.objects.get(alpha2="KE").pk}
    results: dict[str, Any] = {"objects": objects, "loads_s": loads_s, "vendor": connection.vendor}
    if connection.vendor == "postgresql":  # the setup's writes flushed now, not by the checkpointer mid-measure
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    for name in ("first", "again"):
        started = time.perf_counter()
        run = import_bundle(raw, actor=None, source="upload", origin=path.name, owner=owner)
        seconds = time.perf_counter() - started
        if run.status != "complete":
            sys.exit(f"the {name} import failed: {run.report['errors'][:3]}")
        results[name] = {
            "seconds": seconds,
            "created": run.created_count,
            "unchanged": run.unchanged_count,
            "unmapped": run.unmapped_count,
            "linked": run.report.get("linked", 0),
        }
        say(f"  {name} import: {seconds:.2f} s ({objects / seconds:,.0f} objects/s)")
        if name == "first":
            # what the background task does after a large import, timed in the foreground
            started = time.perf_counter()
            missing = Measure.objects.filter(search_document__isnull=True).values_list("pk", flat=True)
            indexed = search.index_new_measures(list(missing))
            results["index"] = {"seconds": time.perf_counter() - started, "measures": indexed}
            say(f"  search index of the new drafts: {results['index']['seconds']:.1f} s")
    results["rows"] = {
        "measures": Measure.objects.count(),
        "versions": MeasureVersion.objects.count(),
        "imported_objects": ImportedObject.objects.count(),
        "search_documents": MeasureSearchDocument.objects.count(),
    }
    results["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ch174-bench")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    path = args.workdir / f"bundle-{args.objects}-{args.seed}.json"
    say(f"writing a bundle of {args.objects:,} objects to {path} …")
    shape = write_bundle(path, args.objects, args.seed)
    results = []
    for engine in args.engines:
        env = environment(engine, args)
        say(f"[{engine}] fresh database, migrate, load_reference_data …")
        fresh_database(engine, args)
        manage(["migrate", "--noinput", "-v0"], env)
        manage(["load_reference_data"], env)
        say(f"[{engine}] importing …")
        done = subprocess.run(  # noqa: S603 (this script, fixed arguments)
            [PYTHON, __file__, "--measure", str(path)], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        if done.returncode:
            sys.exit(f"{engine}: measuring failed (exit status {done.returncode}):\n{done.stdout}")
        results.append((engine, json.loads(done.stdout.strip().splitlines()[-1])))

    print(f"Code measured: {code_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    types = ", ".join(f"{kind} {count:,}" for kind, count in sorted(shape["types"].items(), key=lambda kv: -kv[1]))
    print(
        f"Bundle: {shape['objects']:,} objects, {shape['bytes'] / 1e6:.1f} MB "
        f"({shape['bytes'] / shape['objects']:,.0f} bytes an object): {types}"
    )
    print()
    header = ["engine", "json.loads obj/s", "first import s", "first obj/s", "re-import s", "re-import obj/s"]
    header += [f"first ≥ {TARGET:,}", f"re-import ≥ {TARGET:,}", "new drafts", "search index s (background)"]
    rows = []
    for engine, r in results:
        n = r["objects"]
        first, again = r["first"], r["again"]
        rows.append(
            [
                engine,
                f"{n / r['loads_s']:,.0f}",
                f"{first['seconds']:.2f}",
                f"{n / first['seconds']:,.0f}",
                f"{again['seconds']:.2f}",
                f"{n / again['seconds']:,.0f}",
                "met" if n / first["seconds"] >= TARGET else "MISSED",
                "met" if n / again["seconds"] >= TARGET else "MISSED",
                f"{first['created']:,}",
                f"{r['index']['seconds']:.1f}",
            ]
        )
    print(table(header, rows))
    print()
    for engine, r in results:
        rows_held = ", ".join(f"{name.replace('_', ' ')} {count:,}" for name, count in r["rows"].items())
        print(
            f"{engine}: first import {r['first']['created']:,} created, {r['first']['linked']:,} links and "
            f"translations, {r['first']['unmapped']:,} kept unmapped; re-import {r['again']['unchanged']:,} unchanged. "
            f"Rows: {rows_held}. Peak memory {r['peak_mb']:,.0f} MB."
        )


if __name__ == "__main__":
    main()
