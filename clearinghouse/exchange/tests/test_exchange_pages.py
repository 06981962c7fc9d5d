"""The exchange's pages: connecting a TAXII client, and the curators' sync sources."""

from __future__ import annotations

import pytest
from django.test import Client

from clearinghouse.core.testing import client_for
from clearinghouse.countries.models import Organization
from clearinghouse.exchange import credentials, sync
from clearinghouse.exchange.models import SyncSource
from clearinghouse.exchange.selectors import collection_id


@pytest.mark.django_db
def test_the_exchange_page_lists_the_collections_each_person_reads_with_their_addresses(personas):
    anonymous = Client().get("/en/exchange/").content.decode()
    assert collection_id("public") in anonymous and collection_id("members") not in anonymous
    alice = client_for(personas.alice).get("/en/exchange/").content.decode()
    assert collection_id("members") in alice and collection_id("state:KE") in alice
    assert "http://testserver/taxii2/api/" in alice and "Sync sources" not in alice
    assert "Sync sources" in client_for(personas.curator).get("/en/exchange/").content.decode()


@pytest.mark.django_db
def test_only_curators_reach_the_sync_sources(personas):
    assert client_for(personas.alice).get("/en/exchange/sync/").status_code == 403
    assert Client().get("/en/exchange/sync/").status_code == 302
    assert client_for(personas.curator).get("/en/exchange/sync/").status_code == 200


@pytest.mark.django_db
def test_a_curator_adds_a_source_and_a_bad_address_is_refused_with_nothing_saved(
    personas, monkeypatch, django_capture_on_commit_callbacks
):
    pulled: list[SyncSource] = []
    monkeypatch.setattr(sync, "pull", pulled.append)  # no network in tests: the remote is not contacted
    monkeypatch.setattr(sync, "check_access", lambda source, secrets: None)
    curator = client_for(personas.curator)
    itu = Organization.objects.get(slug="itu")
    bad = curator.post(
        "/en/exchange/sync/",
        {
            "name": "Global",
            "api_root": "not an address",
            "collection": "x",
            "interval_minutes": 60,
            "owner_organization": itu.pk,
        },
    )
    assert bad.status_code == 400 and not SyncSource.objects.exists()
    both = curator.post(
        "/en/exchange/sync/",
        {
            "name": "Global",
            "api_root": "https://global.example.org/taxii2/api/",
            "collection": "x",
            "interval_minutes": 60,
        },
    )
    assert both.status_code == 400 and "one owner" in both.content.decode()
    with_token = {
        "name": "Global",
        "api_root": "https://global.example.org/taxii2/api/",
        "collection": collection_id("public"),
        "interval_minutes": 60,
        "owner_organization": itu.pk,
        "token": "ch174_secret",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = curator.post("/en/exchange/sync/", with_token)
    assert response.status_code == 302
    source = SyncSource.objects.get()
    assert credentials.decrypt(source.encrypted_token) == "ch174_secret" and source.created_by == personas.curator
    assert [s.pk for s in pulled] == [source.pk]  # the first pull runs once the transaction committed
    page = curator.get("/en/exchange/sync/").content.decode()
    assert "Global" in page and "ch174_secret" not in page
    edit = curator.get(f"/en/exchange/sync/{source.pk}/").content.decode()
    assert "ch174_secret" not in edit
    curator.post(f"/en/exchange/sync/{source.pk}/", {**with_token, "token": "", "interval_minutes": 30})
    source.refresh_from_db()
    # an empty token field keeps it
    assert source.interval_minutes == 30 and credentials.decrypt(source.encrypted_token) == "ch174_secret"
    curator.post(f"/en/exchange/sync/{source.pk}/toggle/")
    source.refresh_from_db()
    assert source.enabled is False
