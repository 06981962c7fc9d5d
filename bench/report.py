"""Implementation report generation time (DESIGN.md §6: DOCX + PDF with charts and a map < 20 s over
1,000,000 measures and 100,000 activities).

Uses the databases `bench/search.py` builds (1,000,000 synthetic measures; run it first), adds
Resolution 174 (the summary of its structure shipped with the app) and 100,000 synthetic activities tied
to its operative clauses (once; they are marked illustrative like the synthetic measures), then times
`reports.services.build` for each format and prints a table. Synthetic data is illustrative, so the
report is built with illustrative data included.

    .venv/bin/python bench/report.py [--engines sqlite postgresql] [--size 1000000] [--activities 100000]
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _shared import say

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
FORMATS = ["html", "docx", "pdf"]


def database_url(engine: str, size: int, args: argparse.Namespace) -> str:
    if engine == "sqlite":
        return f"sqlite:///{args.workdir / f'sqlite-{size}.sqlite3'}"
    return f"{args.postgres.rstrip('/')}/ch174_bench_{size}"


def prepare(count: int) -> int:
    """Resolution 174 and ``count`` synthetic activities (added once); returns the activities present."""
    from django.db import transaction

    from clearinghouse.countries.models import BDTRegion, MemberState
    from clearinghouse.mandates.demo import DATA
    from clearinghouse.mandates.models import Activity, ActivityKind, ActivityStatus, Clause, SectionKind
    from clearinghouse.mandates.services import load_summary, secretariat

    load_summary(json.loads((DATA / "res174_summary.json").read_text(encoding="utf-8")))
    present = Activity.objects.filter(source_type="bench.synthetic").count()
    if present >= count:
        return present
    clauses = list(Clause.objects.filter(section__kind=SectionKind.OPERATIVE).values_list("pk", flat=True))
    states = list(MemberState.objects.values_list("pk", flat=True))
    owner = secretariat()
    rng = random.Random(1)  # noqa: S311 (test data)
    kinds = ActivityKind.values
    regions = BDTRegion.values
    epoch = datetime(2020, 1, 1, tzinfo=UTC)
    Through = Activity.clauses.through
    States = Activity.states.through
    batch = 5000
    for start in range(present, count, batch):
        with transaction.atomic():
            made = []
            for _ in range(start, min(count, start + batch)):
                when = epoch + timedelta(days=rng.randrange(7 * 365))
                made.append(
                    Activity(
                        kind=rng.choice(kinds),
                        title=f"[synthetic] activity {rng.randrange(10**9)}",
                        status=rng.choice([ActivityStatus.DELIVERED, ActivityStatus.IN_PROGRESS]),
                        occurred_at=when,
                        starts_on=when.date(),
                        ends_on=when.date() + timedelta(days=rng.randrange(30)),
                        region=rng.choice(regions),
                        participants=rng.randrange(10, 300),
                        outputs="Summary of the discussions",
                        tlp="clear",
                        lifecycle="published",
                        owner_organization=owner,
                        source_type="bench.synthetic",
                        is_illustrative=True,
                    )
                )
            made = Activity.objects.bulk_create(made)
            Through.objects.bulk_create([Through(activity_id=a.pk, clause_id=rng.choice(clauses)) for a in made])
            States.objects.bulk_create(
                [States(activity_id=a.pk, memberstate_id=s) for a in made for s in rng.sample(states, 3)]
            )
        say(f"  synthetic activities: {min(count, start + batch):,} / {count:,}")
    return Activity.objects.filter(source_type="bench.synthetic").count()


class _StepClock:
    """Seconds spent in each step the report's progress names."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.since = time.perf_counter()
        self.current = ""

    def step(self, percent: int, name: str) -> None:
        now = time.perf_counter()
        if self.current:
            self.steps[self.current] = now - self.since
        self.since, self.current = now, name


def measure(args: argparse.Namespace) -> None:
    """In a subprocess configured for one database: prepare, then time each format."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from clearinghouse.catalog.models import Measure
    from clearinghouse.mandates.models import Resolution
    from clearinghouse.reports.services import build

    activities = prepare(args.activities)
    resolution = Resolution.objects.get(body="pp", number=174)
    rows = []
    for fmt in FORMATS:
        clock = _StepClock()
        started = time.perf_counter()
        content, data = build(
            resolution,
            format=fmt,
            start=None,
            end=None,
            edition="public",
            include_illustrative=True,
            progress=clock.step,
        )
        elapsed = time.perf_counter() - started
        figures = sum(v for k, v in clock.steps.items() if not k.startswith(("Drawing", "Writing", "Done")))
        rows.append(
            {
                "format": fmt,
                "seconds": elapsed,
                "figures_s": figures,
                "bytes": len(content),
                "measures": data.measures_published,
                "activities": sum(data.activity_totals.values()),
            }
        )
        say(f"  {fmt}: {elapsed:.1f} s")
    print(
        json.dumps(
            {
                "rows": rows,
                "measures_in_db": Measure.objects.count(),
                "activities_in_db": activities,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--size", type=int, default=1_000_000, help="The bench/search.py database to use.")
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ch174-bench")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    results = []
    for engine in args.engines:
        marker = args.workdir / f"{engine}-{args.size}.complete.json"
        if not marker.exists():
            sys.exit(f"No {engine} database of {args.size:,} measures: run bench/search.py --sizes {args.size} first.")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
            "DATABASE_URL": database_url(engine, args.size, args),
            "VAR_DIR": str(args.workdir / "var"),
            "CACHE_URL": "locmem://",
            "DEBUG": "0",
            "HTTPS": "0",
            "LOG_LEVEL": "WARNING",
        }
        say(f"[{engine} {args.size:,}] migrate …")
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)  # noqa: S603
        say(f"[{engine} {args.size:,}] measuring …")
        done = subprocess.run(  # noqa: S603 (this script, fixed arguments)
            [PYTHON, __file__, "--measure", "--activities", str(args.activities)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        results.append((engine, json.loads(done.stdout.strip().splitlines()[-1])))
    print(f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Seconds to generate the implementation report of")
    print("Resolution 174 over the whole record (figures: counting in the database; the rest: charts, map, file).")
    header = ["engine", "measures", "activities", "format", "total s", "figures s", "file bytes", "target"]
    lines = [header]
    for engine, result in results:
        for row in result["rows"]:
            lines.append(
                [
                    engine,
                    f"{result['measures_in_db']:,}",
                    f"{result['activities_in_db']:,}",
                    row["format"],
                    f"{row['seconds']:.1f}",
                    f"{row['figures_s']:.1f}",
                    f"{row['bytes']:,}",
                    "",
                ]
            )
        docx_pdf = sum(r["seconds"] for r in result["rows"] if r["format"] in ("docx", "pdf"))
        lines.append([engine, "", "", "DOCX + PDF", f"{docx_pdf:.1f}", "", "", "met" if docx_pdf < 20 else "MISSED"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print(
            "  ".join(
                cell.ljust(w) if i < 4 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
    for engine, result in results:
        print(f"{engine}: peak memory of the generating process {result['peak_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
