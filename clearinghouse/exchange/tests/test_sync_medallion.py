"""Sync against OASIS's reference TAXII server, medallion: HTTP Basic, secrets kept encrypted and out of the
address, and a cursor that survives many objects added in one instant across a page boundary."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command
from django.db import connection

from clearinghouse.catalog.models import Measure
from clearinghouse.core.testing import client_for
from clearinghouse.countries.models import Organization
from clearinghouse.exchange import credentials, sync
from clearinghouse.exchange.models import ImportedObject, SyncSource

COLLECTION = "4a7a5a2c-1c1e-4bd4-9d55-2a5f0c2c7c11"
USER, PASSWORD = "sync-user", "medallion-secret-3f9a"
#: Every object of the collection was added in this one instant, as medallion dates the objects of one POST.
ADDED = "2026-05-01T10:00:00.123456Z"
COUNT, PAGE = 12, 5


def _objects() -> list[dict[str, Any]]:
    return [
        {
            "type": "course-of-action",
            "spec_version": "2.1",
            "id": f"course-of-action--0d1f3f0e-0d6c-4f4e-9d8e-6b1d1c1e{n:04d}",
            "created": "2026-05-01T09:00:00.000Z",
            "modified": "2026-05-01T09:00:00.000Z",
            "name": f"Medallion measure {n:02d}",
            "description": f"Medallion measure {n:02d}. Operators apply it.",
        }
        for n in range(1, COUNT + 1)
    ]


class Medallion:
    """medallion 3.0 with its memory backend, one collection, HTTP Basic for one user, pages of ``PAGE``."""

    def __init__(self, directory: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        objects = _objects()
        data = {
            "/discovery": {"title": "medallion", "api_roots": [f"http://127.0.0.1:{self.port}/api1/"]},
            "api1": {
                "information": {
                    "title": "api1",
                    "versions": ["application/taxii+json;version=2.1"],
                    "max_content_length": 10_000_000,
                },
                "status": [],
                "collections": [
                    {
                        "id": COLLECTION,
                        "title": "measures",
                        "can_read": True,
                        "can_write": False,
                        "media_types": ["application/stix+json;version=2.1"],
                        "objects": objects,
                        "manifest": [
                            {
                                "id": o["id"],
                                "date_added": ADDED,
                                "version": o["modified"],
                                "media_type": "application/stix+json;version=2.1",
                            }
                            for o in objects
                        ],
                    }
                ],
            },
        }
        (directory / "data.json").write_text(json.dumps(data))
        config = {
            "backend": {
                "module": "medallion.backends.memory_backend",
                "module_class": "MemoryBackend",
                "filename": str(directory / "data.json"),
            },
            "users": {USER: PASSWORD},
            "taxii": {"max_page_size": PAGE},
        }
        (directory / "config.json").write_text(json.dumps(config))
        self.directory = directory
        self.url = f"http://127.0.0.1:{self.port}/api1/"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        executable = Path(sys.executable).parent / "medallion"
        self.process = subprocess.Popen(  # noqa: S603 (medallion with fixed arguments)
            [str(executable), "--port", str(self.port), "--log-level", "ERROR", str(self.directory / "config.json")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(150):
            try:
                requests.get(self.url, timeout=0.5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("medallion did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def medallion(tmp_path_factory) -> Iterator[Medallion]:
    server = Medallion(tmp_path_factory.mktemp("medallion"))
    server.start()
    yield server
    server.stop()


def source_for(medallion: Medallion, password: str = PASSWORD) -> SyncSource:
    from clearinghouse.exchange.services import prepare_sync_source

    source = SyncSource(name="medallion")
    prepare_sync_source(
        source,
        api_root=medallion.url,
        collection=COLLECTION,
        username=USER,
        password=password,
        owner_organization=Organization.objects.get(slug="itu"),
    )
    source.save()
    return source


def medallion_titles() -> list[str]:
    return sorted(Measure.objects.filter(title__startswith="Medallion").values_list("title", flat=True))


EVERY_TITLE = [f"Medallion measure {n:02d}" for n in range(1, COUNT + 1)]


@pytest.mark.django_db
def test_a_sync_stopped_between_pages_of_objects_added_in_one_instant_resumes_and_takes_each_object_once(
    personas, medallion, monkeypatch
):
    source = source_for(medallion)
    real_import = sync.import_bundle
    pages: list[int] = []

    def cut_after_the_first_page(raw: bytes, **kwargs: Any) -> Any:
        pages.append(len(json.loads(raw)["objects"]))
        if len(pages) == 2:
            raise requests.ConnectionError("the line dropped")
        return real_import(raw, **kwargs)

    monkeypatch.setattr(sync, "import_bundle", cut_after_the_first_page)
    with pytest.raises(sync.SyncError, match="could not be read"):
        sync.pull(source)
    assert len(medallion_titles()) == PAGE  # the first page is taken in, the second is not
    monkeypatch.setattr(sync, "import_bundle", real_import)

    source.refresh_from_db()
    runs = sync.pull(source)

    assert medallion_titles() == EVERY_TITLE  # none skipped, none twice
    ids = [o["id"] for o in _objects()]
    assert ImportedObject.objects.filter(stix_id__in=ids).count() == COUNT
    assert sum(r.created_count for r in runs) == COUNT - PAGE
    again = sync.pull(source)  # the remote added nothing since: the overlap read again is not taken in again
    assert again == [] and medallion_titles() == EVERY_TITLE


@pytest.mark.django_db
def test_a_curator_adds_medallion_with_its_password_in_the_address_and_no_secret_is_stored_or_shown(
    personas, medallion, django_capture_on_commit_callbacks
):
    curator = client_for(personas.curator)
    address = medallion.url.replace("http://", f"http://{USER}:{PASSWORD}@")
    form = {
        "name": "OASIS medallion",
        "api_root": address,
        "collection": COLLECTION,
        "interval_minutes": "60",
        "owner_organization": str(Organization.objects.get(slug="itu").pk),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = curator.post("/en/exchange/sync/", form)
    assert response.status_code == 302, response.content.decode()[:2000]

    source = SyncSource.objects.get()
    assert source.api_root == medallion.url and source.username == USER
    assert source.last_error == "" and medallion_titles() == EVERY_TITLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM exchange_syncsource")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert PASSWORD not in row and credentials.decrypt(source.encrypted_password) == PASSWORD

    page = curator.get("/en/exchange/sync/").content.decode()
    edit = curator.get(f"/en/exchange/sync/{source.pk}/").content.decode()
    assert medallion.url in page and f"HTTP Basic as {USER}" in page
    assert PASSWORD not in page and PASSWORD not in edit and f"{USER}:" not in page


@pytest.mark.django_db
def test_a_wrong_password_is_refused_on_the_page_and_by_the_command_and_changes_nothing(personas, medallion):
    curator = client_for(personas.curator)
    itu = Organization.objects.get(slug="itu")
    form = {
        "name": "OASIS medallion",
        "api_root": medallion.url,
        "collection": COLLECTION,
        "username": USER,
        "password": "not-the-password",
        "interval_minutes": "60",
        "owner_organization": str(itu.pk),
    }
    response = curator.post("/en/exchange/sync/", form)
    page = response.content.decode()
    assert response.status_code == 400 and "refused the credentials" in page and "not-the-password" not in page
    assert not SyncSource.objects.exists()

    os.environ["TAXII_PASSWORD"] = "not-the-password"
    try:
        with pytest.raises(CommandError, match="refused the credentials"):
            call_command("sync_from", medallion.url, "--collection", COLLECTION, "--username", USER)
    finally:
        del os.environ["TAXII_PASSWORD"]
    assert not SyncSource.objects.exists() and medallion_titles() == []

    source = source_for(medallion)
    saved = source.encrypted_password
    edit = curator.post(f"/en/exchange/sync/{source.pk}/", {**form, "name": "renamed"})
    assert edit.status_code == 400 and "refused the credentials" in edit.content.decode()
    source.refresh_from_db()
    assert (source.name, source.encrypted_password) == ("medallion", saved)
    assert medallion_titles() == []


@pytest.mark.django_db
def test_the_command_signs_in_with_http_basic_from_the_environment(personas, medallion, capsys, monkeypatch):
    monkeypatch.setenv("TAXII_USERNAME", USER)
    monkeypatch.setenv("TAXII_PASSWORD", PASSWORD)
    call_command("sync_from", medallion.url, "--collection", COLLECTION, "--owner-state", "KE")
    assert f"{COUNT} new drafts" in capsys.readouterr().out
    assert medallion_titles() == EVERY_TITLE


@pytest.mark.django_db
def test_secrets_are_rotated_to_a_new_key_and_a_lost_key_gives_a_clear_error(personas, medallion, settings, capsys):
    source = source_for(medallion)
    settings.SYNC_CREDENTIALS_KEYS = [call_command_output("rotate_sync_credentials", "--new-key", capsys=capsys)]
    call_command("rotate_sync_credentials")
    source.refresh_from_db()
    settings.SECRET_KEY = "another-secret-key-after-the-rotation-0123456789abcdef"
    assert credentials.decrypt(source.encrypted_password) == PASSWORD  # the new key alone reads it

    settings.SYNC_CREDENTIALS_KEYS = [call_command_output("rotate_sync_credentials", "--new-key", capsys=capsys)]
    with pytest.raises(sync.SyncError, match="cannot be decrypted"):
        sync.pull(source)
    source.refresh_from_db()
    assert "Enter the token or the password again" in source.last_error and medallion_titles() == []
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("rotate_sync_credentials")


def call_command_output(*args: str, capsys: Any) -> str:
    capsys.readouterr()
    call_command(*args)
    return capsys.readouterr().out.strip()
