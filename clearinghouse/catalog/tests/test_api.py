"""/api/v1/measures/, /technologies/, /threats/: the same rules as the pages."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import body_of, client_for
from clearinghouse.core.visibility import Lifecycle


def test_the_list_searches_filters_and_returns_facets(personas):
    measure(personas, title="SIM-box detection", threats=("simbox-fraud",))
    measure(personas, title="Spam filter", threats=("spam",), pillar="legal")
    body = Client().get("/api/v1/measures/?q=sim&pillar=technical").json()
    assert body["count"] == 1 and body["results"][0]["title"] == "SIM-box detection"
    assert "<mark>" in body["results"][0]["snippet"] or body["results"][0]["snippet"] == ""
    assert {"value": "technical", "label": "Technical measures", "count": 1} in body["facets"]["pillar"]
    assert {f["value"] for f in body["facets"]["threat"]} == {"telecom-misuse", "simbox-fraud"}


@pytest.mark.parametrize("field", ["pillar", "threat", "region", "group", "country", "language", "status", "year"])
def test_an_unknown_filter_value_is_a_400_naming_the_field(db, field):
    response = Client().get(f"/api/v1/measures/?{field}=nonsense")
    assert response.status_code == 400
    assert field in response.json()


def test_pagination_gives_count_next_and_previous(personas):
    for n in range(5):
        measure(personas, title=f"Measure {n}")
    first = Client().get("/api/v1/measures/?page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    second = Client().get(first["next"]).json()
    assert second["previous"] and second["results"][0]["title"] != first["results"][0]["title"]


def test_the_list_runs_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    for n in range(12):
        measure(personas, title=f"Measure {n}", threats=("spam", "wangiri"))
    Client().get("/api/v1/measures/?q=warm")  # the process's first search builds its index (a cold start)
    with django_assert_max_num_queries(20) as small:
        Client().get("/api/v1/measures/?page_size=2&q=measure")
    with django_assert_max_num_queries(len(small.captured_queries)):
        Client().get("/api/v1/measures/?page_size=12&q=measure")


def test_a_member_creates_edits_and_submits_and_a_curator_publishes(personas):
    alice = client_for(personas.alice)
    created = alice.post(
        "/api/v1/measures/",
        {
            "title": "Caller authentication",
            "summary": "Spoofed calls are labelled.",
            "pillar": "technical",
            "threats": ["cli-spoofing"],
            "references": [{"kind": "standard", "title": "ATIS-1000074", "url": ""}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["lifecycle"] == "draft" and data["owner_state"] == "KE" and data["version"] == 1
    edited = alice.patch(
        f"/api/v1/measures/{data['id']}/", {"version": 1, "status": "operational"}, content_type="application/json"
    )
    assert edited.status_code == 200 and edited.json()["version"] == 2
    stale = alice.patch(
        f"/api/v1/measures/{data['id']}/", {"version": 1, "status": "planned"}, content_type="application/json"
    )
    assert stale.status_code == 409 and stale.json()["version"] == "2"
    assert alice.post(f"/api/v1/measures/{data['id']}/submit/").json()["lifecycle"] == "submitted"
    assert alice.post(f"/api/v1/measures/{data['id']}/publish/").status_code == 403
    curator = client_for(personas.curator)
    assert curator.post(f"/api/v1/measures/{data['id']}/publish/").json()["lifecycle"] == "published"
    assert Client().get(f"/api/v1/measures/{data['id']}/").status_code == 200


def test_another_state_gets_not_found_for_a_draft_and_cannot_change_it(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    bob = client_for(personas.bob)
    assert bob.get(f"/api/v1/measures/{draft.pk}/").status_code == 404
    assert (
        bob.patch(
            f"/api/v1/measures/{draft.pk}/", {"version": 1, "title": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert Measure.objects.get(pk=draft.pk).title != "x"


def test_anonymous_writes_are_refused(personas):
    published = measure(personas)
    assert Client().post("/api/v1/measures/", {}, content_type="application/json").status_code == 401
    assert Client().post(f"/api/v1/measures/{published.pk}/withdraw/").status_code == 401


def test_bad_input_names_the_field_and_stores_nothing(personas):
    response = client_for(personas.alice).post(
        "/api/v1/measures/", {"title": "x", "pillar": "astrology"}, content_type="application/json"
    )
    assert response.status_code == 400 and "pillar" in response.json() and "summary" in response.json()
    assert not Measure.objects.exists()


@pytest.mark.parametrize("persona", ["reader", "alice", "bob", "carol", "curator", "admin"])
def test_exports_hold_only_what_the_persona_may_see_and_never_red(personas, persona):
    measure(personas, title="Clear one")
    measure(personas, title="Green one", tlp="green")
    measure(personas, title="Amber one", tlp="amber")
    red = measure(personas, title="Red one", tlp="red")
    red.shared_with_users.add(personas.bob)
    measure(personas, title="Draft one", state=Lifecycle.DRAFT)
    user = getattr(personas, persona)
    client = client_for(user)
    expected = {
        "reader": {"Clear one"},
        "alice": {"Clear one", "Green one", "Amber one"},
        "bob": {"Clear one", "Green one"},
        "carol": {"Clear one", "Green one"},
        "curator": {"Clear one", "Green one", "Amber one"},
        "admin": {"Clear one", "Green one", "Amber one"},
    }[persona]
    as_json = json.loads(body_of(client.get("/api/v1/measures/export/?format=json")))
    assert {row["title"] for row in as_json["results"]} == expected
    as_csv = body_of(client.get("/en/catalogue/export.csv")).decode("utf-8-sig")
    assert {row["title"] for row in csv.DictReader(io.StringIO(as_csv))} == expected
    listed = {m["title"] for m in client.get("/api/v1/measures/?page_size=50").json()["results"]}
    assert expected <= listed and "Red one" not in listed - ({"Red one"} if persona in ("alice", "bob") else set())


def test_an_export_of_a_search_holds_only_the_matches(personas):
    measure(personas, title="SIM-box detection", threats=("simbox-fraud",))
    measure(personas, title="Spam filter", threats=("spam",))
    body = json.loads(body_of(Client().get("/api/v1/measures/export/?format=json&q=spam")))
    assert [row["title"] for row in body["results"]] == ["Spam filter"]


def test_threats_and_technologies_are_listed(db):
    threats = Client().get("/api/v1/threats/").json()
    wangiri = next(threat for threat in threats if threat["slug"] == "wangiri")
    assert {key: wangiri[key] for key in ("slug", "name", "family", "references")} == {
        "slug": "wangiri",
        "name": "Wangiri (one-ring) fraud",
        "family": "telecom-misuse",
        "references": "",
    }
    assert wangiri["names"]["es"] == "Fraude Wangiri (llamada de un solo tono)"
    assert Client().get("/api/v1/technologies/").json()["count"] == 0


def test_the_schema_documents_the_catalogue_endpoints(db):
    schema = Client().get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    paths = set(schema["paths"])
    assert {
        "/api/v1/measures/",
        "/api/v1/measures/{id}/",
        "/api/v1/measures/{id}/publish/",
        "/api/v1/measures/export/",
        "/api/v1/technologies/",
        "/api/v1/threats/",
    } <= paths


def test_the_taxonomy_speaks_the_reader_s_language(db):
    threats = Client().get("/api/v1/threats/", headers={"Accept-Language": "fr"}).json()
    names = {t["slug"]: t["name"] for t in threats}
    assert names["illegal-access"] == "Accès illégal"
    page = Client().get("/es/catalogue/technologies/").content.decode()
    assert "Tecnologías" in page
