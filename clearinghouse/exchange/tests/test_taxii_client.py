"""OASIS's ``taxii2-client`` against the live server: what MISP, OpenCTI or another instance would do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from stix2validator import ValidationOptions, validate_parsed_json
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from clearinghouse.catalog.models import Pillar, Threat
from clearinghouse.catalog.taxonomy import load_default_taxonomy
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import PASSWORD, make_personas
from clearinghouse.countries.services import load_reference_data
from clearinghouse.exchange.selectors import collection_id


@pytest.fixture
def instance(live_server, transactional_db) -> Iterator[str]:
    """The live server with reference data, personas and a small catalogue at three markings."""
    load_reference_data()
    load_default_taxonomy(Pillar, Threat)
    personas = make_personas()
    for n in range(7):
        measure(personas, title=f"Public measure {n}", tlp="clear")
    measure(personas, title="Members only", tlp="green")
    measure(personas, title="Kenya only", tlp="amber")
    measure(personas, title="Never", tlp="red")
    yield live_server.url
    connections.close_all()


def test_taxii2_client_discovers_lists_pages_and_fetches_objects(instance):
    server = Server(f"{instance}/taxii2/", user="alice", password=PASSWORD)
    assert server.title and len(server.api_roots) == 1
    root: ApiRoot = server.default
    assert root.versions == ["application/taxii+json;version=2.1"]
    titles = {c.id: c.title for c in root.collections}
    assert set(titles) == {collection_id(k) for k in ("public", "members", "state:KE")}

    members = Collection(
        f"{instance}/taxii2/api/collections/{collection_id('members')}/", user="alice", password=PASSWORD
    )
    objects = [o for page in as_pages(members.get_objects, per_request=5) for o in page.get("objects", [])]
    names = {o["name"] for o in objects if o["type"] == "course-of-action"}
    assert names == {f"Public measure {n}" for n in range(7)} | {"Members only"}
    results = validate_parsed_json(
        {"type": "bundle", "id": "bundle--6f1b7c3e-5d2a-4e8b-9c17-174000000001", "objects": objects},
        ValidationOptions(version="2.1", strict=False),
    )
    assert results.is_valid, [str(e) for e in results.errors]

    one = next(o for o in objects if o["type"] == "course-of-action")
    assert members.get_object(one["id"])["objects"] == [one]
    assert members.object_versions(one["id"])["versions"] == [one["modified"]]
    manifest = [m for page in as_pages(members.get_manifest, per_request=4) for m in page.get("objects", [])]
    assert sorted(m["id"] for m in manifest) == sorted(o["id"] for o in objects)

    kenya = Collection(
        f"{instance}/taxii2/api/collections/{collection_id('state:KE')}/", user="alice", password=PASSWORD
    )
    assert {o["name"] for o in kenya.get_objects()["objects"] if o["type"] == "course-of-action"} == {"Kenya only"}


def test_taxii2_client_reads_the_public_collection_without_an_account(instance):
    public = Collection(f"{instance}/taxii2/api/collections/{collection_id('public')}/")
    names = {o["name"] for o in public.get_objects()["objects"] if o["type"] == "course-of-action"}
    assert names == {f"Public measure {n}" for n in range(7)}


def test_taxii2_client_posts_a_bundle_and_reads_its_status(instance):
    from clearinghouse.catalog.models import Measure

    kenya = Collection(
        f"{instance}/taxii2/api/collections/{collection_id('state:KE')}/", user="alice", password=PASSWORD
    )
    assert kenya.can_write
    envelope = {
        "objects": [
            {
                "type": "course-of-action",
                "spec_version": "2.1",
                "id": "course-of-action--5f0c2a51-8f0e-4a43-9f0e-4c1a7d6f0a01",
                "created": "2026-06-01T08:00:00.000Z",
                "modified": "2026-06-01T08:00:00.000Z",
                "name": "Posted by taxii2-client",
                "description": "Operators block handsets reported stolen.",
            }
        ]
    }
    status = kenya.add_objects(envelope, wait_for_completion=False)
    assert status.status == "complete" and status.success_count == 1 and status.failure_count == 0
    status.refresh()  # GET /status/{id}/ through the client
    assert status.total_count == 1
    draft = Measure.objects.get(title="Posted by taxii2-client")
    assert draft.lifecycle == "in_review" and draft.owner_state.alpha2 == "KE"
