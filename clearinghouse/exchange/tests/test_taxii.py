"""The TAXII 2.1 server: who reads which collection, what each endpoint serves at every TLP, and its errors."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from clearinghouse.accounts.models import Notification, NotificationKind
from clearinghouse.accounts.services import create_api_token
from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import PASSWORD, body_of
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import MemberState
from clearinghouse.exchange import stix
from clearinghouse.exchange.models import PendingProjection, StixObject
from clearinghouse.exchange.selectors import collection_id

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/api/"
PUBLIC, MEMBERS = collection_id("public"), collection_id("members")
KENYA, NIGERIA = collection_id("state:KE"), collection_id("state:NG")
GSMA, ITU = collection_id("organization:gsma"), collection_id("organization:itu")


class Taxii:
    """A TAXII client speaking as one persona: HTTP Basic for members, an API token for two-factor accounts."""

    def __init__(self, user: Any = None):
        self.client = Client()
        self.headers: dict[str, str] = {"HTTP_ACCEPT": TAXII}
        if user is not None and user.is_authenticated:
            if user.username in ("curator", "admin"):
                _, key = create_api_token(actor=user, name="taxii")
                self.headers["HTTP_AUTHORIZATION"] = f"Token {key}"
            else:
                basic = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
                self.headers["HTTP_AUTHORIZATION"] = f"Basic {basic}"

    def get(self, path: str, **params: str) -> Any:
        response = self.client.get(path, params, **self.headers)
        if response.streaming:
            response.data = json.loads(body_of(response))
        elif response.content:
            response.data = json.loads(response.content)
        return response

    def objects(self, collection: str, **params: str) -> Any:
        return self.get(f"{ROOT}collections/{collection}/objects/", **params)


def coa_names(response: Any) -> set[str]:
    return {o["name"] for o in response.data.get("objects", []) if o["type"] == "course-of-action"}


@pytest.fixture
def marked(personas) -> dict[str, Measure]:
    """One published measure at each marking, owned by Kenya, an AMBER one shared with Nigeria, and a draft."""
    made = {
        "clear": measure(personas, title="Clear", tlp="clear"),
        "green": measure(personas, title="Green", tlp="green"),
        "amber": measure(personas, title="Amber", tlp="amber"),
        "shared": measure(personas, title="Amber shared with Nigeria", tlp="amber"),
        "strict": measure(personas, title="Amber strict", tlp="amber+strict"),
        "red": measure(personas, title="Red", tlp="red"),
        "gsma": measure(personas, by=personas.carol, title="GSMA amber", tlp="amber"),
        "draft": measure(personas, title="Draft", tlp="clear", state=Lifecycle.DRAFT),
    }
    made["shared"].shared_with_states.add(MemberState.objects.get(alpha2="NG"))
    return made


#: persona → collection → the measures it serves (None: the persona may not read it; 401, or 404 when signed in).
EXPECTED: dict[str, dict[str, set[str] | None]] = {
    "reader": {PUBLIC: {"Clear"}, MEMBERS: None, KENYA: None, NIGERIA: None, GSMA: None},
    "alice": {
        PUBLIC: {"Clear"},
        MEMBERS: {"Clear", "Green"},
        KENYA: {"Amber", "Amber shared with Nigeria", "Amber strict"},
        NIGERIA: None,
        GSMA: None,
    },
    "bob": {
        PUBLIC: {"Clear"},
        MEMBERS: {"Clear", "Green"},
        KENYA: None,
        NIGERIA: {"Amber shared with Nigeria"},
        GSMA: None,
    },
    "carol": {PUBLIC: {"Clear"}, MEMBERS: {"Clear", "Green"}, KENYA: None, NIGERIA: None, GSMA: {"GSMA amber"}},
    "curator": {PUBLIC: {"Clear"}, MEMBERS: {"Clear", "Green"}, KENYA: None, NIGERIA: None, ITU: set()},
    "admin": {PUBLIC: {"Clear"}, MEMBERS: {"Clear", "Green"}, KENYA: None, GSMA: None, ITU: set()},
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(EXPECTED))
def test_every_persona_reads_exactly_its_audiences_at_every_tlp_on_every_endpoint(personas, marked, persona):
    taxii = Taxii(getattr(personas, persona))
    ids = {key: stix.stix_id("course-of-action", f"measure:{m.pk}") for key, m in marked.items()}
    by_name = {m.title: ids[key] for key, m in marked.items()}
    listed = {c["id"] for c in taxii.get(f"{ROOT}collections/").data["collections"]}
    assert listed == {c for c, names in EXPECTED[persona].items() if names is not None}

    for collection, names in EXPECTED[persona].items():
        base = f"{ROOT}collections/{collection}/"
        if names is None:
            expected_status = 401 if persona == "reader" else 404
            for path in ("", "objects/", "manifest/", f"objects/{ids['clear']}/", f"objects/{ids['clear']}/versions/"):
                response = taxii.get(base + path)
                assert response.status_code == expected_status, (collection, path)
                assert response["Content-Type"] == TAXII
                assert "title" in response.data
            continue
        assert coa_names(taxii.objects(collection)) == names
        manifest = {o["id"] for o in taxii.get(base + "manifest/").data.get("objects", [])}
        assert {i for i in ids.values() if i in manifest} == {by_name[n] for n in names}
        for key, identifier in ids.items():
            served = marked[key].title in names
            one = taxii.get(f"{base}objects/{identifier}/")
            versions = taxii.get(f"{base}objects/{identifier}/versions/")
            assert (one.status_code, versions.status_code) == ((200, 200) if served else (404, 404)), key
            if served:
                assert [o["id"] for o in one.data["objects"]] == [identifier]
                assert versions.data["versions"] == [one.data["objects"][0]["modified"]]


@pytest.mark.django_db
def test_red_and_unpublished_records_are_stored_nowhere_and_served_to_no_one(personas, marked):
    Taxii(personas.alice).objects(KENYA)  # brings the store up to date
    stored = set(StixObject.objects.values_list("stix_id", flat=True))
    assert stix.stix_id("course-of-action", f"measure:{marked['red'].pk}") not in stored
    assert stix.stix_id("course-of-action", f"measure:{marked['draft'].pk}") not in stored
    assert stix.stix_id("course-of-action", f"measure:{marked['clear'].pk}") in stored


@pytest.mark.django_db
def test_discovery_and_api_root_describe_the_server(personas):
    taxii = Taxii()
    discovery = taxii.get("/taxii2/")
    assert discovery.status_code == 200 and discovery["Content-Type"] == TAXII
    assert discovery.data["api_roots"] == ["http://testserver/taxii2/api/"]
    root = taxii.get(ROOT).data
    assert root["versions"] == [TAXII] and root["max_content_length"] > 0


@pytest.mark.django_db
def test_pages_follow_next_and_carry_the_date_added_headers(personas, marked):
    taxii = Taxii(personas.alice)
    everything = taxii.objects(MEMBERS, **{"match[version]": "all"}).data["objects"]
    seen: list[str] = []
    params: dict[str, str] = {"limit": "3", "match[version]": "all"}
    while True:
        page = taxii.objects(MEMBERS, **params)
        assert page["X-TAXII-Date-Added-First"] <= page["X-TAXII-Date-Added-Last"]
        seen += [o["id"] + o.get("modified", "") for o in page.data["objects"]]
        if not page.data["more"]:
            break
        params["next"] = page.data["next"]
    assert seen == [o["id"] + o.get("modified", "") for o in everything]
    assert len(seen) == len(set(seen)) > 3


@pytest.mark.django_db
def test_added_after_returns_only_what_came_later(personas, marked):
    taxii = Taxii(personas.alice)
    first = taxii.objects(PUBLIC)
    last = first["X-TAXII-Date-Added-Last"]
    assert taxii.objects(PUBLIC, added_after=last).data == {"more": False}
    measure(personas, title="Later", tlp="clear")
    later = taxii.objects(PUBLIC, added_after=last)
    assert coa_names(later) == {"Later"}
    assert later["X-TAXII-Date-Added-First"] > last


@pytest.mark.django_db
def test_match_filters_by_id_type_version_and_spec_version(personas, marked):
    taxii = Taxii(personas.alice)
    identifier = stix.stix_id("course-of-action", f"measure:{marked['clear'].pk}")
    assert [o["id"] for o in taxii.objects(PUBLIC, **{"match[id]": identifier}).data["objects"]] == [identifier]
    types = {o["type"] for o in taxii.objects(PUBLIC, **{"match[type]": "attack-pattern,location"}).data["objects"]}
    assert types == {"attack-pattern", "location"}
    assert taxii.objects(PUBLIC, **{"match[spec_version]": "2.0"}).data == {"more": False}
    modified = taxii.objects(PUBLIC, **{"match[id]": identifier}).data["objects"][0]["modified"]
    exact = taxii.objects(PUBLIC, **{"match[id]": identifier, "match[version]": modified}).data["objects"]
    assert [o["modified"] for o in exact] == [modified]


@pytest.mark.django_db
def test_a_new_version_is_added_and_the_old_one_stays_among_the_versions(personas, marked):
    taxii = Taxii(personas.alice)
    identifier = stix.stix_id("course-of-action", f"measure:{marked['clear'].pk}")
    before = taxii.objects(PUBLIC, **{"match[id]": identifier}).data["objects"][0]
    record = Measure.objects.get(pk=marked["clear"].pk)
    record.title = "Clear, renamed"
    record.save()  # a curator's correction through the admin, say

    versions = taxii.get(f"{ROOT}collections/{PUBLIC}/objects/{identifier}/versions/").data["versions"]
    assert versions[0] == before["modified"] and len(versions) == 2 and versions[1] > versions[0]
    latest = taxii.get(f"{ROOT}collections/{PUBLIC}/objects/{identifier}/").data["objects"]
    assert [o["name"] for o in latest] == ["Clear, renamed"]
    first = taxii.get(f"{ROOT}collections/{PUBLIC}/objects/{identifier}/", **{"match[version]": "first"})
    assert [o["name"] for o in first.data["objects"]] == ["Clear"]


@pytest.mark.django_db
def test_a_link_the_record_no_longer_has_is_revoked(personas, marked):
    taxii = Taxii(personas.alice)
    taxii.objects(PUBLIC)
    record = Measure.objects.get(pk=marked["clear"].pk)
    record.threats.clear()
    record.save()
    relationships = taxii.objects(PUBLIC, **{"match[type]": "relationship"}).data["objects"]
    mine = [r for r in relationships if r.get("source_ref") == stix.stix_id("course-of-action", f"measure:{record.pk}")]
    assert mine and all(r["revoked"] is True for r in mine)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"limit": "0"}, 400, "limit"),
        ({"limit": "ten"}, 400, "limit"),
        ({"added_after": "yesterday"}, 400, "added_after"),
        ({"added_after": "2026-01-01T00:00:00"}, 400, "added_after"),
        ({"next": "abc"}, 400, "next"),
        ({"match[colour]": "red"}, 400, "filter"),
        ({"match[version]": "soon"}, 400, "match[version]"),
    ],
)
def test_bad_parameters_get_a_taxii_error_naming_them(personas, params, status, words):
    response = Taxii().objects(PUBLIC, **params)
    assert response.status_code == status and response["Content-Type"] == TAXII
    assert words in (response.data["title"] + response.data.get("description", ""))


@pytest.mark.django_db
def test_media_types_and_unknown_collections_are_answered_with_taxii_errors(personas):
    client = Client()
    html = client.get("/taxii2/", HTTP_ACCEPT="text/html")
    assert html.status_code == 406 and "application/taxii+json" in json.loads(html.content)["description"]
    old = client.get("/taxii2/", HTTP_ACCEPT="application/taxii+json;version=2.0")
    assert old.status_code == 406
    assert client.get("/taxii2/", HTTP_ACCEPT="application/taxii+json").status_code == 200
    unknown = Taxii().get(f"{ROOT}collections/00000000-0000-0000-0000-000000000000/objects/")
    assert unknown.status_code == 404 and unknown.data["title"] == "No such collection"


@pytest.mark.django_db
def test_basic_authentication_is_refused_for_two_factor_accounts_and_wrong_passwords(personas):
    curator = base64.b64encode(f"curator:{PASSWORD}".encode()).decode()
    response = Client().get(f"{ROOT}collections/", HTTP_ACCEPT=TAXII, HTTP_AUTHORIZATION=f"Basic {curator}")
    assert response.status_code == 401 and "API token" in json.loads(response.content)["description"]
    wrong = base64.b64encode(b"alice:wrong").decode()
    response = Client().get(f"{ROOT}collections/", HTTP_ACCEPT=TAXII, HTTP_AUTHORIZATION=f"Basic {wrong}")
    assert response.status_code == 401 and "WWW-Authenticate" in response


@pytest.mark.django_db
def test_reading_a_page_asks_a_bounded_number_of_queries(personas, marked, django_assert_max_num_queries):
    taxii = Taxii(personas.alice)
    taxii.objects(MEMBERS)
    with django_assert_max_num_queries(12):
        taxii.objects(MEMBERS, limit="2")


def post(taxii: Taxii, collection: str, body: bytes, content_type: str = TAXII) -> Any:
    response = taxii.client.post(
        f"{ROOT}collections/{collection}/objects/", body, content_type=content_type, **taxii.headers
    )
    response.data = json.loads(response.content) if response.content else None
    return response


def envelope_of(*titles: str) -> bytes:
    objects = [
        {
            "type": "course-of-action",
            "spec_version": "2.1",
            "id": f"course-of-action--{uuid}",
            "created": "2026-05-01T10:00:00.000Z",
            "modified": "2026-05-01T10:00:00.000Z",
            "name": title,
            "description": f"{title}. Operators apply it.",
        }
        for title, uuid in zip(
            titles, ("0d1f3f0e-0d6c-4f4e-9d8e-6b1d1c1e0001", "0d1f3f0e-0d6c-4f4e-9d8e-6b1d1c1e0002"), strict=False
        )
    ]
    return json.dumps({"objects": objects}).encode()


@pytest.mark.django_db
def test_a_member_posts_to_their_collection_and_reads_the_status_and_the_drafts_wait_for_review(personas):
    alice = Taxii(personas.alice)
    response = post(alice, KENYA, envelope_of("Posted measure", "Another posted measure"))
    assert response.status_code == 202 and response["Content-Type"] == TAXII
    status = response.data
    assert status["status"] == "complete" and status["total_count"] == 2 and status["success_count"] == 2
    assert {s["id"] for s in status["successes"]} == {
        "course-of-action--0d1f3f0e-0d6c-4f4e-9d8e-6b1d1c1e0001",
        "course-of-action--0d1f3f0e-0d6c-4f4e-9d8e-6b1d1c1e0002",
    }
    drafts = Measure.objects.filter(title__in=["Posted measure", "Another posted measure"])
    assert {(m.lifecycle, m.owner_state.alpha2) for m in drafts} == {(Lifecycle.IN_REVIEW, "KE")}
    again = alice.get(f"{ROOT}status/{status['id']}/")
    assert again.status_code == 200 and again.data["id"] == status["id"]
    assert Taxii(personas.bob).get(f"{ROOT}status/{status['id']}/").status_code == 404
    assert coa_names(alice.objects(KENYA)) == set()  # not served until a curator publishes
    # the client reads the status resource: a producer posting every minute does not fill an inbox
    assert not Notification.objects.filter(kind=NotificationKind.IMPORT_FINISHED).exists()


@pytest.mark.django_db
def test_bad_posts_get_taxii_errors_and_change_nothing(personas, settings):
    alice = Taxii(personas.alice)
    before = Measure.objects.count()
    assert post(alice, PUBLIC, envelope_of("x")).status_code == 403  # read-only
    assert post(alice, NIGERIA, envelope_of("x")).status_code == 404  # not hers: not found
    assert post(Taxii(), KENYA, envelope_of("x")).status_code == 401
    wrong_type = post(alice, KENYA, envelope_of("x"), content_type="application/json")
    assert wrong_type.status_code == 415 and "application/taxii+json" in wrong_type.data["description"]
    settings.TAXII_MAX_CONTENT_LENGTH = 100
    too_big = post(alice, KENYA, envelope_of("x"))
    assert too_big.status_code == 413 and "100 bytes" in too_big.data["description"]
    settings.TAXII_MAX_CONTENT_LENGTH = 10_000_000
    garbage = post(alice, KENYA, b'{"objects": [')
    assert garbage.status_code == 400 and "not valid JSON" in garbage.data["description"]
    old = json.loads(envelope_of("Old spec"))
    old["objects"][0]["spec_version"] = "2.0"
    refused = post(alice, KENYA, json.dumps(old).encode())
    assert refused.data["success_count"] == 0 and refused.data["failure_count"] == 1
    assert "2.1" in json.dumps(refused.data["failures"])
    assert Measure.objects.count() == before


@pytest.mark.django_db
def test_a_change_queued_while_a_refresh_holds_the_same_record_is_not_lost(personas, marked):
    from clearinghouse.exchange import projection
    from clearinghouse.exchange.models import PendingProjection

    taxii = Taxii(personas.alice)
    taxii.objects(PUBLIC)
    record = Measure.objects.get(pk=marked["clear"].pk)
    projection.pending(PendingProjection.Kind.MEASURE, [record.pk])
    held = list(PendingProjection.objects.values_list("pk", flat=True))  # what a refresh has read
    record.title = "Changed meanwhile"
    record.save()  # queues the record again while the earlier row is still there
    PendingProjection.objects.filter(pk__in=held).delete()  # the refresh finishes with the rows it read

    assert coa_names(taxii.objects(PUBLIC)) == {"Changed meanwhile"}


def test_rebuild_taxii_objects_projects_a_catalogue_loaded_around_the_services_once(personas):
    published = measure(personas)
    measure(personas, title="Still a draft", state=Lifecycle.DRAFT)
    # as after a bulk load or a restored dump: records with no STIX objects and nothing queued
    StixObject.objects.all().delete()
    PendingProjection.objects.all().delete()

    first, again = io.StringIO(), io.StringIO()
    call_command("rebuild_taxii_objects", stdout=first, stderr=io.StringIO())
    made = StixObject.objects.count()
    call_command("rebuild_taxii_objects", stdout=again, stderr=io.StringIO())

    assert StixObject.objects.filter(measure=published, type="course-of-action").count() == 1
    assert not StixObject.objects.filter(measure__title="Still a draft").exists()
    assert first.getvalue().startswith(f"{made:,} object versions added")
    assert StixObject.objects.count() == made and again.getvalue().startswith("0 object versions added")
