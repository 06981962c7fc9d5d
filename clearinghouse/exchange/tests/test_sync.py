"""Sync: this instance pulls a second instance of the platform, started here as its own server and database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import CommandError, call_command

from clearinghouse.accounts import selectors
from clearinghouse.accounts.models import Notification, NotificationKind
from clearinghouse.catalog.models import Measure, MeasureVersion
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import Organization
from clearinghouse.exchange import services, sync
from clearinghouse.exchange.models import SyncSource
from clearinghouse.exchange.selectors import collection_id

ROOT = Path(settings.BASE_DIR)
PUBLIC = collection_id("public")

SEED = """
from clearinghouse.core.testing import make_personas
from clearinghouse.catalog.tests.factories import measure
p = make_personas()
for title in ("Remote CEIR", "Remote SIM swap checks", "Remote awareness week"):
    measure(p, title=title, tlp="clear")
measure(p, title="Remote members only", tlp="green")
measure(p, title="Remote red", tlp="red")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Remote:
    """A second instance: its own SQLite database, served by gunicorn on a free port."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clearinghouse.settings",
            "VAR_DIR": str(directory),
            "DATABASE_URL": f"sqlite:///{directory / 'remote.sqlite3'}",
            "SECRET_KEY": "remote-instance-of-the-sync-test-0123456789abcdef",
            "DEBUG": "0",
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "TASKS_BACKEND": "immediate",
            "CACHE_URL": "locmem://",
        }
        self.server: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}/taxii2/api/"

    def manage(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 (this project's manage.py, fixed arguments)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True
        )

    def start(self) -> None:
        self.server = subprocess.Popen(  # noqa: S603 (gunicorn with fixed arguments)
            [sys.executable, "-m", "gunicorn", "clearinghouse.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the remote instance did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=20)
            self.server = None


@pytest.fixture(scope="module")
def remote(tmp_path_factory) -> Iterator[Remote]:
    instance = Remote(tmp_path_factory.mktemp("remote"))
    instance.manage("migrate", "-v0")
    instance.manage("load_reference_data")
    instance.manage("shell", "-c", SEED)
    instance.start()
    yield instance
    instance.stop()


def told_of(source: SyncSource) -> list[tuple[str, str]]:
    """Who was told what of this source, oldest first (the line as its reader reads it)."""
    found = Notification.objects.filter(kind=NotificationKind.IMPORT_FINISHED, about_id=str(source.pk))
    lines = []
    for notification in found.select_related("recipient", "about_type").order_by("created_at", "id"):
        selectors.attach_records([notification], notification.recipient)
        lines.append((notification.recipient.username, notification.subject))
    return lines


def remote_titles() -> set[str]:
    return set(Measure.objects.filter(title__startswith="Remote").values_list("title", flat=True))


@pytest.mark.django_db
def test_a_curator_syncs_another_instance_incrementally_and_a_newer_version_wins(
    personas, remote, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        source = services.create_sync_source(
            actor=personas.curator,
            name="Global instance",
            api_root=remote.url,
            collection=PUBLIC,
            interval_minutes=60,
            owner_organization=Organization.objects.get(slug="itu"),
        )
    source.refresh_from_db()
    assert source.last_error == "" and source.last_ok_at is not None
    assert remote_titles() == {"Remote CEIR", "Remote SIM swap checks", "Remote awareness week"}
    # the curators are told once for the pull, whatever the number of pages, and what it took in
    took_in = "The sync from Global instance finished: 3 new drafts, 0 updated."
    assert sorted(told_of(source)) == [("admin", took_in), ("curator", took_in)]
    drafts = Measure.objects.filter(title__startswith="Remote")
    assert {m.lifecycle for m in drafts} == {Lifecycle.IN_REVIEW}  # never published by a sync
    assert {m.owner_organization.slug for m in drafts} == {"itu"}
    cursor = source.added_after
    assert cursor

    runs = sync.pull(source)  # nothing new on the remote
    assert sum(r.created_count + r.updated_count for r in runs) == 0
    assert Measure.objects.filter(title__startswith="Remote").count() == 3
    assert len(told_of(source)) == 2  # nothing new: nobody is told again

    remote.manage(
        "shell",
        "-c",
        "from clearinghouse.catalog.models import Measure\n"
        "m = Measure.objects.get(title='Remote CEIR'); m.title = 'Remote CEIR, second edition'; m.save()",
    )
    runs = sync.pull(source)
    assert sum(r.updated_count for r in runs) == 1 and sum(r.created_count for r in runs) == 0
    assert told_of(source)[-1][1] == "The sync from Global instance finished: 0 new drafts, 1 updated."
    assert len(told_of(source)) == 4
    renamed = Measure.objects.get(title="Remote CEIR, second edition")
    history = MeasureVersion.objects.filter(measure=renamed).order_by("number")
    assert history.first().snapshot["title"] == "Remote CEIR" and history.count() >= 2
    assert source.added_after > cursor


@pytest.mark.django_db
def test_a_remote_that_is_down_leaves_everything_untouched_and_the_next_run_resumes(personas, remote):
    source = SyncSource.objects.create(
        name="Global", api_root=remote.url, collection=PUBLIC, owner_organization=Organization.objects.get(slug="itu")
    )
    remote.stop()
    try:
        for _attempt in range(3):  # pulled on its schedule, failing each time
            with pytest.raises(sync.SyncError, match="could not be read"):
                sync.pull(source)
        source.refresh_from_db()
        assert "no connection" in source.last_error and source.added_after == ""
        assert not remote_titles()
        # the curators are told once that a working source started failing, not at every attempt
        failures = [line for _who, line in told_of(source) if "failed" in line]
        assert len(failures) == 2 and failures[0].startswith("The sync from Global failed: The remote could not be")
        # a curator who asks for a pull now is told how it went, failing or not
        with pytest.raises(sync.SyncError):
            sync.pull(source, asked_by=personas.curator)
        assert len([line for who, line in told_of(source) if who == "curator" and "failed" in line]) == 2
    finally:
        remote.start()
    sync.pull(source)
    source.refresh_from_db()
    assert source.last_error == "" and len(remote_titles()) == 3


class Garbage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        body = b'{"objects": [{"type": "course-of-action", "id": "not an id"}'  # cut short
        self.send_response(200)
        self.send_header("Content-Type", "application/taxii+json;version=2.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class DeeplyNested(Garbage):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        body = b'{"objects": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
        self.send_response(200)
        self.send_header("Content-Type", "application/taxii+json;version=2.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.django_db
@pytest.mark.parametrize("handler", [Garbage, DeeplyNested], ids=["cut short", "nested 100,000 levels deep"])
def test_a_remote_answering_garbage_changes_nothing(personas, handler):
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = SyncSource.objects.create(
            name="Broken",
            api_root=f"http://127.0.0.1:{server.server_port}/taxii2/api/",
            collection=PUBLIC,
            owner_organization=Organization.objects.get(slug="itu"),
        )
        before = Measure.objects.count()
        with pytest.raises(sync.SyncError) as refused:
            sync.pull(source)
        source.refresh_from_db()
        assert source.last_error and source.added_after == "" and Measure.objects.count() == before
        if handler is DeeplyNested:
            assert "nested too deeply" in str(refused.value)
    finally:
        server.shutdown()


@pytest.mark.django_db
def test_sync_from_pulls_from_the_command_line_and_says_what_it_took(personas, remote, capsys):
    call_command("sync_from", remote.url, "--collection", PUBLIC, "--owner-state", "KE")
    assert "3 new drafts" in capsys.readouterr().out
    assert {m.owner_state.alpha2 for m in Measure.objects.filter(title__startswith="Remote")} == {"KE"}
    call_command("sync_from", remote.url, "--collection", PUBLIC, "--owner-state", "KE")
    assert "0 new drafts" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No Member State"):
        call_command("sync_from", remote.url, "--collection", PUBLIC, "--owner-state", "XX")


@pytest.mark.django_db
def test_only_a_curator_configures_sync_and_bad_addresses_are_refused(personas):
    from django.core.exceptions import PermissionDenied, ValidationError

    itu = Organization.objects.get(slug="itu")
    with pytest.raises(PermissionDenied):
        services.create_sync_source(
            actor=personas.alice,
            name="x",
            api_root="https://a.example/taxii2/api/",
            collection="c",
            owner_organization=itu,
        )
    with pytest.raises(ValidationError, match="API root"):
        services.create_sync_source(
            actor=personas.curator, name="x", api_root="ftp://a.example/", collection="c", owner_organization=itu
        )
    with pytest.raises(ValidationError, match="every 5 minutes"):
        services.create_sync_source(
            actor=personas.curator,
            name="x",
            api_root="https://a.example/taxii2/api/",
            collection="c",
            interval_minutes=1,
            owner_organization=itu,
        )
    assert not SyncSource.objects.exists()


@pytest.mark.django_db
def test_a_sync_of_this_platform_stopped_after_a_page_resumes_without_skipping_objects_added_with_it(
    personas, remote, monkeypatch
):
    # the remote projects its catalogue in one batch: its objects share one date_added, across every page
    source = SyncSource.objects.create(
        name="Global", api_root=remote.url, collection=PUBLIC, owner_organization=Organization.objects.get(slug="itu")
    )
    monkeypatch.setattr(sync, "PAGE_SIZE", 4)
    real_import = sync.import_bundle
    calls: list[int] = []

    def cut_after_the_first_page(raw: bytes, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise requests.ConnectionError("the line dropped")
        return real_import(raw, **kwargs)

    monkeypatch.setattr(sync, "import_bundle", cut_after_the_first_page)
    with pytest.raises(sync.SyncError):
        sync.pull(source)
    monkeypatch.setattr(sync, "import_bundle", real_import)
    source.refresh_from_db()
    sync.pull(source)

    titles = list(Measure.objects.filter(title__startswith="Remote").values_list("title", flat=True))
    assert len(titles) == len(set(titles)) == 3  # every clear measure of the remote, each once


def test_the_cursor_saved_is_a_second_before_the_last_object_and_never_moves_back():
    assert sync.next_cursor("", "2026-05-01T10:00:00.123456Z") == "2026-05-01T09:59:59.123456Z"
    assert sync.next_cursor("", "2026-05-01T10:00:00Z") == "2026-05-01T09:59:59.000000Z"
    later = "2026-05-01T10:00:00.500000Z"
    assert sync.next_cursor(later, "2026-05-01T10:00:01.000000Z") == later  # not behind what was saved
    assert sync.next_cursor(later, None) == later and sync.next_cursor(later, "yesterday") == later


@pytest.mark.django_db
def test_the_page_refuses_a_token_and_a_password_together_and_an_address_with_a_query(personas):
    from clearinghouse.core.testing import client_for

    curator = client_for(personas.curator)
    form = {
        "name": "x",
        "api_root": "https://a.example/taxii2/api/",
        "collection": "c",
        "interval_minutes": "60",
        "owner_organization": str(Organization.objects.get(slug="itu").pk),
    }
    both = curator.post("/en/exchange/sync/", {**form, "token": "t0ken-value", "username": "u", "password": "pw-9"})
    assert both.status_code == 400 and "not both" in both.content.decode()
    assert "t0ken-value" not in both.content.decode() and "pw-9" not in both.content.decode()
    no_user = curator.post("/en/exchange/sync/", {**form, "password": "pw-9"})
    assert no_user.status_code == 400 and "user name that goes with the password" in no_user.content.decode()
    query = curator.post("/en/exchange/sync/", {**form, "api_root": "https://a.example/taxii2/api/?key=s3cret"})
    assert query.status_code == 400 and "query string" in query.content.decode()
    assert not SyncSource.objects.exists()
