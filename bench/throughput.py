"""Throughput under load: the platform's public pages and API beside a bare Django project (issue 13).

Both are served the same way (gunicorn, ``--workers`` sync workers, on this machine) and driven by the same
load tool in the same run, one endpoint at a time, bare and platform alternating, ``--repeat`` times:

- the platform, on the demo data (``migrate``, ``load_reference_data``, ``load_demo_data``, ``collectstatic``; SQLite in
  ``--workdir`` or a PostgreSQL database ``ch174_throughput``), as an anonymous reader with production
  settings (``DEBUG=0``), for the catalogue, a measure page, a search, a country page, the API list with
  and without ``q`` and a TAXII objects page;
- a bare Django project written by this script into ``--workdir``: one template page of about 20 KB, one
  Django REST framework list of 50 rows (in memory) and one ``JsonResponse``, with Django's default
  middlewares.

Besides the public reader, answered from the public page cache after the first request (issue 13), two more
kinds of load are measured on the platform, because they are what the cache does not serve:

- **cold**: the search page and the API search with a URL never asked before on each request (wrk adds a
  parameter with a counter), so every request is rendered: what the first reader of each new query meets;
- **member**: the catalogue, a measure page and a search as a signed-in focal point (a session cookie; members
  are never answered from the cache), whose target is p99 < 250 ms.

The load tool is wrk (Debian package ``wrk``, installed with apt when missing): ``wrk -t2 -c32 -d20s
--latency``. It prints req/s, p50 and p99 per endpoint (the median of the repeats), the ratio to the bare
page of the same kind (HTML to the template page, the API to the DRF list) and the workers' resident
memory at the end. The target (issue 13): ratio ≥ 0.5 and p99 < 250 ms at 32 connections, with no answer
other than 2xx or 3xx.

    .venv/bin/python bench/throughput.py --engines sqlite postgresql --duration 20 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _shared import code_version, say, table

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TAXII = "application/taxii+json;version=2.1"
TARGET_RATIO = 0.5
TARGET_P99_MS = 250

BARE_SETTINGS = """
SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bare.urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [__import__("pathlib").Path(__file__).parent / "templates"],
    }
]
DATABASES = {}
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": [], "DEFAULT_PERMISSION_CLASSES": [], "UNAUTHENTICATED_USER": None}
"""

BARE_URLS = """
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from rest_framework import serializers
from rest_framework.generics import ListAPIView

ROWS = [{"id": n, "title": f"Measure number {n} against fraud", "status": "operational", "year": 2000 + n % 25}
        for n in range(50)]


class RowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    year = serializers.IntegerField()


class Rows(ListAPIView):
    serializer_class = RowSerializer

    def get_queryset(self):
        return ROWS


def page(request):
    return render(request, "page.html", {"rows": ROWS})


def data(request):
    return JsonResponse({"results": ROWS})


urlpatterns = [path("page/", page), path("api/", Rows.as_view()), path("json/", data)]
"""


def bare_template() -> str:
    """A page of about 20 KB: a header, a list of 50 rows with links, a footer."""
    row = (
        '<li class="measure"><h3><a href="/m/{{ row.id }}/">{{ row.title }}</a></h3>'
        "<p>{{ row.status }} · since {{ row.year }} · "
        + "a short summary of what was done and why. " * 5
        + "</p></li>\n"
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Bare</title></head><body>"
        "<header><nav>" + " ".join(f'<a href="/s/{n}/">Section {n}</a>' for n in range(12)) + "</nav></header>"
        "<main><ul>{% for row in rows %}" + row + "{% endfor %}</ul></main><footer>Bare Django page</footer>"
        "</body></html>"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: installing the Debian package …")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)  # noqa: S603,S607
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def write_bare_project(workdir: Path) -> Path:
    project = workdir / "bare-project"
    (project / "bare" / "templates").mkdir(parents=True, exist_ok=True)
    (project / "bare" / "__init__.py").write_text("")
    (project / "bare" / "settings.py").write_text(BARE_SETTINGS)
    (project / "bare" / "urls.py").write_text(BARE_URLS)
    (project / "bare" / "wsgi.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'bare.settings')\n"
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    (project / "bare" / "templates" / "page.html").write_text(bare_template())
    return project


#: wrk script: each request's URL gets a parameter never sent before (thread number and counter).
COLD_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end
local counter = 0
function request()
  counter = counter + 1
  local glue = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. glue .. "cold=" .. number .. "-" .. counter)
end
"""

MEMBER_SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from clearinghouse.accounts.models import Role, User
from clearinghouse.accounts.services import create_account
from clearinghouse.countries.models import MemberState

user = User.objects.filter(username="bench-member").first() or create_account(
    actor=None, username="bench-member", email="bench-member@example.org", role=Role.FOCAL_POINT,
    password="bench-member-password-0", member_state=MemberState.objects.get(alpha2="KE"),
)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def platform_environment(engine: str, args: argparse.Namespace) -> dict[str, str]:
    url = (
        f"sqlite:///{args.workdir / 'throughput.sqlite3'}"
        if engine == "sqlite"
        else f"{args.postgres.rstrip('/')}/ch174_throughput"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
        "DATABASE_URL": url,
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TASKS_BACKEND": "immediate",
        "VAR_DIR": str(args.workdir / f"var-{engine}"),
        "SEARCH_INDEX_DIR": str(args.workdir / f"var-{engine}" / "search-index"),
        "API_RATE_ANONYMOUS": "1000000000/second",
        "LOG_LEVEL": "WARNING",
    }


def member_cookie(env: dict[str, str]) -> str:
    """A signed-in focal point's session cookie (the account is made the first time)."""
    done = subprocess.run(  # noqa: S603 (this project's manage.py, fixed arguments)
        [PYTHON, "manage.py", "shell", "-c", MEMBER_SESSION], cwd=ROOT, env=env, capture_output=True, text=True
    )
    done.check_returncode()
    return f"sessionid={done.stdout.strip().splitlines()[-1]}"


def prepare_platform(engine: str, args: argparse.Namespace) -> dict[str, str]:
    env = platform_environment(engine, args)
    if engine == "postgresql":
        import psycopg

        with psycopg.connect(f"{args.postgres.rstrip('/')}/postgres", autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS ch174_throughput")
            admin.execute("CREATE DATABASE ch174_throughput")
    else:
        (args.workdir / "throughput.sqlite3").unlink(missing_ok=True)
    shutil.rmtree(args.workdir / f"var-{engine}", ignore_errors=True)
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["load_reference_data"],
        ["load_demo_data"],
        ["rebuild_search_index"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        say(f"[{engine}] manage.py {command[0]} …")
        subprocess.run(  # noqa: S603 (this project's manage.py, fixed arguments)
            [PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    return env


class Server:
    """gunicorn serving one WSGI application on a free port, until stopped."""

    def __init__(self, application: str, cwd: Path, env: dict[str, str], workers: int, threads: int = 1) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(  # noqa: S603 (gunicorn of this virtualenv, fixed arguments)
            [
                GUNICORN,
                application,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                # more than one thread makes gunicorn's worker class gthread; one is the sync worker
                "--threads",
                str(threads),
                "--log-level",
                "warning",
            ],
            cwd=cwd,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"{application} did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def memory_mb(self) -> float:
        """Resident memory of the workers (the master's children), MB."""
        total = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.process.pid}$", text, re.M):
                found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
                total += int(found.group(1)) if found else 0
        return total / 1024

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(
    tool: str, url: str, args: argparse.Namespace, headers: dict[str, str], *, cold: bool = False
) -> dict[str, float]:
    command = [tool, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if cold:
        script = args.workdir / "cold.lua"
        script.write_text(COLD_SCRIPT)
        command += ["-s", str(script)]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)  # noqa: S603
    out = done.stdout

    def latency(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def first_published_measure(server: Server) -> str:
    with urllib.request.urlopen(server.url("/api/v1/measures/?page_size=1")) as response:  # noqa: S310 (loopback)
        results = json.load(response)["results"]
    return f"/en/catalogue/measures/{results[0]['id']}/"


def first_public_request(server: Server) -> str:
    """A request for assistance the public may read (the demo's), or the assistance home page if none."""
    with urllib.request.urlopen(server.url("/api/v1/assistance-requests/?page_size=1")) as response:  # noqa: S310
        results = json.load(response)["results"]
    return f"/en/assistance/requests/{results[0]['id']}/" if results else "/en/assistance/"


def public_collection(server: Server) -> str:
    request = urllib.request.Request(server.url("/taxii2/api/collections/"), headers={"Accept": TAXII})  # noqa: S310
    with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
        collections = json.load(response).get("collections", [])
    readable = [c["id"] for c in collections if c.get("can_read")]
    return f"/taxii2/api/collections/{readable[0]}/objects/" if readable else "/taxii2/"


def measure(engine: str, args: argparse.Namespace, tool: str, bare: Server) -> list[list[str]]:
    env = prepare_platform(engine, args)
    platform = Server("clearinghouse.wsgi", ROOT, env, args.workers, args.worker_threads)
    rows = []
    try:
        measure_page = first_published_measure(platform)
        request_page = first_public_request(platform)
        member = {"Cookie": member_cookie(env)}
        endpoints = [
            ("/en/catalogue/", "page", "public", {}),
            (measure_page, "page", "public", {}),
            ("/en/catalogue/?q=fraud", "page", "public", {}),
            ("/en/member-states/KE/", "page", "public", {}),
            ("/en/member-states/compare/?state=KE&state=NG&state=GH&state=TZ", "page", "public", {}),
            ("/en/member-states/KE/gaps/", "page", "public", {}),
            ("/en/member-states/KE/recommendations/", "page", "public", {}),
            ("/en/tracker/", "page", "public", {}),
            ("/api/v1/measures/", "api", "public", {}),
            ("/api/v1/measures/?q=fraud", "api", "public", {}),
            (public_collection(platform), "api", "public", {"Accept": TAXII}),
            ("/en/assistance/", "page", "public", {}),
            (request_page, "page", "public", {}),
            ("/api/v1/assistance-requests/", "api", "public", {}),
            ("/en/catalogue/?q=fraud", "page", "cold", {}),
            ("/api/v1/measures/?q=fraud", "api", "cold", {}),
            ("/en/catalogue/", "page", "member", member),
            ("/en/member-states/KE/", "page", "member", member),
            ("/en/member-states/compare/?state=KE&state=NG&state=GH&state=TZ", "page", "member", member),
            ("/en/member-states/KE/gaps/", "page", "member", member),
            (measure_page, "page", "member", member),
            ("/en/catalogue/?q=fraud", "page", "member", member),
            ("/en/assistance/", "page", "member", member),
            (request_page, "page", "member", member),
        ]
        baseline = {"page": "/page/", "api": "/api/"}
        for path, kind, reader, headers in endpoints:
            if args.only and reader not in args.only:
                continue
            if args.paths and not any(part in path for part in args.paths):
                continue
            ours, theirs = [], []
            for _ in range(args.repeat):
                theirs.append(wrk(tool, bare.url(baseline[kind]), args, {}))
                ours.append(wrk(tool, platform.url(path), args, headers, cold=reader == "cold"))
            got = {key: statistics.median(run[key] for run in ours) for key in ours[0]}
            base = {key: statistics.median(run[key] for run in theirs) for key in theirs[0]}
            ratio = got["rps"] / base["rps"] if base["rps"] else 0.0
            met = False
            if reader == "public":
                met = ratio >= TARGET_RATIO and got["p99"] < TARGET_P99_MS and not got["errors"]
            elif reader == "member":
                met = got["p99"] < TARGET_P99_MS and not got["errors"]
            say(f"  {reader:6} {path:50} {got['rps']:8.0f} req/s  p99 {got['p99']:7.1f} ms  ratio {ratio:.3f}")
            rows.append(
                [
                    engine,
                    reader,
                    path,
                    f"{got['rps']:,.0f}",
                    f"{got['p50']:.1f}",
                    f"{got['p99']:.1f}",
                    f"{got['errors']:.0f}",
                    f"{base['rps']:,.0f} ({baseline[kind]})",
                    f"{base['p99']:.1f}",
                    f"{ratio:.3f}×",
                    "(no target)" if reader == "cold" else "met" if met else "MISSED",
                ]
            )
        rows.append(
            [
                engine,
                "",
                "(workers' memory, MB)",
                f"{platform.memory_mb():.0f}",
                "",
                "",
                "",
                f"{bare.memory_mb():.0f}",
                "",
                "",
                "",
            ]
        )
    finally:
        platform.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=int, default=20, help="Seconds of load per endpoint and run.")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's sync workers, for both projects.")
    parser.add_argument(
        "--worker-threads", type=int, default=1, help="Threads per gunicorn worker (more than 1: the gthread class)."
    )
    parser.add_argument(
        "--only", choices=["public", "cold", "member"], nargs="+", help="Measure only these kinds of reader."
    )
    parser.add_argument(
        "--paths", nargs="+", default=[], help="Measure only the addresses holding one of these (e.g. member-states)."
    )
    parser.add_argument("--repeat", type=int, default=3, help="Runs per endpoint (the median is printed).")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ch174-throughput")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    tool = ensure_wrk()
    project = write_bare_project(args.workdir)
    bare = Server("bare.wsgi", project, {**os.environ, "PYTHONPATH": str(project)}, args.workers, args.worker_threads)
    rows = []
    try:
        for engine in args.engines:
            rows += measure(engine, args, tool, bare)
    finally:
        bare.stop()
    print(
        f"\nThroughput, {code_version()}: gunicorn {args.workers} workers × {args.worker_threads} thread(s), "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, median of {args.repeat}; "
        f"target ratio ≥ {TARGET_RATIO} and "
        f"p99 < {TARGET_P99_MS} ms for the public reader, p99 < {TARGET_P99_MS} ms for a member\n"
    )
    header = ["engine", "reader", "endpoint", "req/s", "p50 ms", "p99 ms", "errors"]
    header += ["bare req/s", "bare p99", "ratio", "target"]
    print(table(header, rows, left=2))


if __name__ == "__main__":
    main()
