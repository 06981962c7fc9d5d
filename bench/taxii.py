"""TAXII 2.1 paging speed and memory (DESIGN.md §6: ≥ 20,000 objects/s through 100,000 objects with flat
memory; side by side with OASIS's reference server medallion at 2,000 objects, ≥ 100× faster).

Builds (once, kept in --workdir) a SQLite database with enough synthetic published measures that the
``members`` collection holds at least --objects STIX objects, serves it with gunicorn (one worker, as in
production), and pages through the whole collection as a member with an API token, at the default page size
and at the largest. It prints objects per second and the worker's resident memory as the paging goes on.
Then it serves a collection of about --small objects from this platform and the very same objects from
medallion's memory backend, and pages through both with the same client.

    .venv/bin/python bench/taxii.py [--objects 100000] [--small 2000] [--engines sqlite postgresql]
        [--workdir /tmp/ch174-bench] [--postgres postgres://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from _shared import say

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
TAXII = "application/taxii+json;version=2.1"
SETUP = """
from clearinghouse.accounts.models import Role, User
from clearinghouse.accounts.services import create_account, create_api_token
from clearinghouse.countries.models import MemberState
user = User.objects.filter(username="bench").first() or create_account(
    actor=None, username="bench", email="bench@example.org", role=Role.FOCAL_POINT,
    password="bench-password-not-used", member_state=MemberState.objects.get(alpha2="KE"))
print(create_api_token(actor=user, name="bench")[1])
"""
COUNT = """
from clearinghouse.accounts.models import User
from clearinghouse.exchange import selectors
members = selectors.collections_for(User.objects.get(username="bench"))[1]
print(selectors.served(members).filter(is_latest=True).count())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port}")


class Instance:
    """One database of this platform, prepared once and served by gunicorn."""

    def __init__(self, path: Path, database_url: str = ""):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
            "DATABASE_URL": database_url or f"sqlite:///{path}",
            "VAR_DIR": str(path.parent / "var"),
            "CACHE_URL": "locmem://",
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "API_RATE_MEMBER": "100000/minute",
            "TAXII_MAX_PAGE_SIZE": "10000",
        }
        self.path = path
        self.server: subprocess.Popen | None = None
        self.port = 0

    def manage(self, *args: str, capture: bool = False) -> str:
        done = subprocess.run(  # noqa: S603 (fixed arguments)
            [PYTHON, "manage.py", *args],
            env=self.env,
            cwd=ROOT,
            check=True,
            text=True,
            stdout=subprocess.PIPE if capture else None,
        )
        return done.stdout or ""

    def served(self) -> int:
        return int(self.manage("shell", "-c", COUNT, capture=True).strip().splitlines()[-1])

    def prepare(self, objects: int, step: int) -> tuple[str, int]:
        """Generate measures until the members collection serves ``objects``; return a token and the count."""
        marker = self.path.with_suffix(".json")
        if marker.exists():
            saved = json.loads(marker.read_text())
            if saved["served"] >= objects:
                return saved["token"], saved["served"]
        self.manage("migrate", "-v0")
        self.manage("load_reference_data")
        token = self.manage("shell", "-c", SETUP, capture=True).strip().splitlines()[-1]
        served = 0
        seed = 1
        while True:
            self.manage("rebuild_taxii_objects")
            served = self.served()
            say(f"  {self.path.name}: the members collection serves {served:,} objects")
            if served >= objects:
                break
            more = max(50, int((objects - served) / 2.7))
            self.manage("generate_catalog", "--count", str(min(more, step)), "--seed", str(seed))
            seed += 1
        marker.write_text(json.dumps({"token": token, "served": served}))
        return token, served

    def start(self) -> str:
        self.port = free_port()
        self.server = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "gunicorn", "clearinghouse.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1", "-t", "300"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.port)
        return f"http://127.0.0.1:{self.port}/taxii2/api/"

    def worker_pid(self) -> int:
        if self.server is None:
            raise RuntimeError("not started")
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()
        return int(children[0])

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=30)


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def page_through(url: str, *, limit: int, headers: dict[str, str], on_page: Any = None) -> tuple[int, float]:
    """Every object of a collection, following ``next``; returns the count and the seconds taken."""
    session = requests.Session()
    session.headers.update({"Accept": TAXII, **headers})
    count = 0
    params: dict[str, Any] = {"limit": limit}
    started = time.perf_counter()
    while True:
        response = session.get(url, params=params, timeout=600)
        response.raise_for_status()
        envelope = response.json()
        count += len(envelope.get("objects", []))
        if on_page:
            on_page(count, time.perf_counter() - started)
        if not envelope.get("more"):
            return count, time.perf_counter() - started
        params = {"limit": limit, "next": envelope["next"]}


def collection_url(root: str, headers: dict[str, str], title_start: str) -> str:
    collections = requests.get(root + "collections/", headers={"Accept": TAXII, **headers}, timeout=60).json()
    found = next(c for c in collections["collections"] if c["title"].startswith(title_start))
    return f"{root}collections/{found['id']}/objects/"


class Marks:
    """The worker's memory each time another quarter of the collection has been read."""

    def __init__(self, pid: int, every: int):
        self.pid, self.every, self.next = pid, every, every
        self.seen: list[tuple[int, float, float]] = []

    def on_page(self, count: int, seconds: float) -> None:
        if count >= self.next:
            self.seen.append((count, seconds, memory_mb(self.pid)[0]))
            self.next += self.every


def large(args: argparse.Namespace, engine: str) -> list[list[str]]:
    if engine == "postgresql":
        create_database(args.postgres, "ch174_bench_taxii")
        instance = Instance(args.workdir / "taxii-large-pg.db", f"{args.postgres.rstrip('/')}/ch174_bench_taxii")
    else:
        instance = Instance(args.workdir / "taxii-large.sqlite3")
    token, served = instance.prepare(args.objects, step=50_000)
    root = instance.start()
    rows: list[list[str]] = []
    try:
        headers = {"Authorization": f"Token {token}"}
        url = collection_url(root, headers, "Members")
        pid = instance.worker_pid()
        page_through(url, limit=100, headers=headers)  # warm: imports, the first query plans
        for limit in (1000, 10000):
            rss_start, _ = memory_mb(pid)
            marks = Marks(pid, args.objects // 4)
            count, seconds = page_through(url, limit=limit, headers=headers, on_page=marks.on_page)
            rss_end, peak = memory_mb(pid)
            say(f"  page size {limit:,}: {count:,} objects in {seconds:.1f} s")
            for n, (at, elapsed, rss) in enumerate(marks.seen):
                rows.append(
                    [
                        f"this platform ({engine})",
                        f"{served:,}",
                        f"{limit:,}",
                        f"first {at:,}",
                        f"{at / elapsed:,.0f}",
                        f"{rss:,.0f}",
                        "" if n else f"{rss_start:,.0f} at start",
                    ]
                )
            rows.append(
                [
                    f"this platform ({engine})",
                    f"{served:,}",
                    f"{limit:,}",
                    f"all {count:,}",
                    f"{count / seconds:,.0f}",
                    f"{rss_end:,.0f}",
                    f"peak {peak:,.0f}; {'met' if count / seconds >= 20000 else 'MISSED'}",
                ]
            )
    finally:
        instance.stop()
    return rows


def create_database(server: str, name: str) -> None:
    """An empty PostgreSQL database for the benchmark, unless it exists (then it is reused)."""
    import psycopg

    with psycopg.connect(f"{server.rstrip('/')}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def medallion_data(objects: list[dict[str, Any]], manifest: list[dict[str, Any]], port: int) -> dict[str, Any]:
    return {
        "/discovery": {
            "title": "medallion",
            "default": f"http://127.0.0.1:{port}/api1/",
            "api_roots": [f"http://127.0.0.1:{port}/api1/"],
        },
        "api1": {
            "information": {"title": "bench", "versions": [TAXII], "max_content_length": 100_000_000},
            "status": [],
            "collections": [
                {
                    "id": "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
                    "title": "bench",
                    "can_read": True,
                    "can_write": False,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": objects,
                    "manifest": manifest,
                }
            ],
        },
    }


def small(args: argparse.Namespace) -> list[list[str]]:
    instance = Instance(args.workdir / "taxii-small.sqlite3")
    token, served = instance.prepare(args.small, step=max(100, args.small // 2))
    root = instance.start()
    headers = {"Authorization": f"Token {token}"}
    try:
        url = collection_url(root, headers, "Members")
        objects: list[dict[str, Any]] = []
        manifest: list[dict[str, Any]] = []
        for path, into in ((url, objects), (url.replace("/objects/", "/manifest/"), manifest)):
            params: dict[str, Any] = {"limit": 10000}
            while True:
                envelope = requests.get(path, params=params, headers={"Accept": TAXII, **headers}, timeout=60).json()
                into.extend(envelope.get("objects", []))
                if not envelope.get("more"):
                    break
                params = {"limit": 10000, "next": envelope["next"]}
        page_through(url, limit=1000, headers=headers)  # warm
        count, seconds = page_through(url, limit=1000, headers=headers)
        ours = count / seconds
    finally:
        instance.stop()

    # medallion 3.0 reads an extension-definition's own ``version`` property ("1.0.0") as a timestamp and
    # answers 500 for the whole page; its copy goes without that one object
    skipped = {o["id"] for o in objects if o["type"] == "extension-definition"}
    objects = [o for o in objects if o["id"] not in skipped]
    manifest = [m for m in manifest if m["id"] not in skipped]
    port = free_port()
    data_file = args.workdir / "medallion-data.json"
    data_file.write_text(json.dumps(medallion_data(objects, manifest, port)))
    config = args.workdir / "medallion-config.json"
    config.write_text(
        json.dumps(
            {
                "backend": {
                    "module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend",
                    "filename": str(data_file),
                },
                "users": {"bench": "bench"},
                "taxii": {"max_page_size": 1000},
            }
        )
    )
    medallion = subprocess.Popen(  # noqa: S603
        [str(Path(PYTHON).parent / "medallion"), "--port", str(port), "--log-level", "ERROR", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        basic = {"Authorization": "Basic YmVuY2g6YmVuY2g="}  # bench:bench
        murl = f"http://127.0.0.1:{port}/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/"
        mcount, mseconds = page_through(murl, limit=1000, headers=basic)
        theirs = mcount / mseconds
    finally:
        medallion.terminate()
        medallion.wait(timeout=30)
    return [
        [
            "this platform (sqlite)",
            f"{served:,}",
            "1,000",
            f"all {count:,}",
            f"{ours:,.0f}",
            "",
            f"{ours / theirs:,.0f}× medallion",
        ],
        [
            "medallion 3.0 (memory)",
            f"{len(objects):,}",
            "1,000",
            f"all {mcount:,}",
            f"{theirs:,.0f}",
            "",
            f"without {len(skipped)} extension-definition (medallion fails on it)",
        ],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ch174-bench")
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"])
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows: list[list[str]] = []
    for engine in args.engines:
        say(f"[large collection, {engine}] preparing …")
        rows += large(args, engine)
    say("[small collection, beside medallion] preparing …")
    rows += small(args)
    print(f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. TAXII 2.1 GET objects, following next to the end,")
    print("as a member with an API token (the members collection); one gunicorn worker; memory is its RSS.")
    header = ["server", "collection", "page size", "objects read", "objects/s", "worker MB", "note"]
    lines = [header, *rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
