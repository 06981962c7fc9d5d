"""The STIX 2.1 export: valid bundles (checked by OASIS's stix2-validator), stable ids, TLP on every object."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from stix2validator import ValidationOptions, validate_parsed_json

from clearinghouse.catalog import services
from clearinghouse.catalog.models import Measure, MeasureTranslation
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import body_of, client_for
from clearinghouse.countries.models import MemberState
from clearinghouse.exchange import stix


def bundle(client: Client, **params: str) -> dict:
    response = client.get("/api/v1/stix/measures/", params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    return json.loads(body_of(response))


def names(data: dict, kind: str = "course-of-action") -> set[str]:
    return {o["name"] for o in data["objects"] if o["type"] == kind}


@pytest.mark.django_db
def test_the_demo_catalogue_exports_as_a_bundle_the_oasis_validator_accepts(personas):
    call_command("load_demo_data", stdout=io.StringIO(), stderr=io.StringIO())
    measure(personas, title="Arabic and French texts", language="fr")
    MeasureTranslation.objects.create(
        measure=Measure.objects.get(title="Arabic and French texts"), language="ar", title="نص", summary="ملخص"
    )

    data = bundle(Client())
    results = validate_parsed_json(data, ValidationOptions(version="2.1", strict=False))

    assert results.is_valid, [str(e) for e in results.errors]
    kinds = {o["type"] for o in data["objects"]}
    assert {"course-of-action", "attack-pattern", "identity", "location", "relationship", "marking-definition"} <= kinds
    assert {"extension-definition", "language-content"} <= kinds
    assert any(o["type"] == "relationship" and o["relationship_type"] == "mitigates" for o in data["objects"])


@pytest.mark.django_db
def test_a_record_keeps_its_id_and_a_new_version_gets_a_new_modified(personas):
    made = measure(personas, title="Stable identifiers", state="draft")
    made = services.submit_measure(made, actor=personas.alice)
    made = services.publish_measure(services.start_review(made, actor=personas.curator), actor=personas.curator)
    first = next(o for o in bundle(Client())["objects"] if o.get("name") == "Stable identifiers")
    again = next(o for o in bundle(Client())["objects"] if o.get("name") == "Stable identifiers")
    Measure.objects.filter(pk=made.pk).update(updated_at=made.updated_at.replace(year=2030), version=made.version + 1)
    later = next(o for o in bundle(Client())["objects"] if o.get("name") == "Stable identifiers")

    assert first["id"] == again["id"] == stix.stix_id("course-of-action", f"measure:{made.pk}")
    assert first["modified"] == again["modified"] != later["modified"]
    assert later["id"] == first["id"] and later["modified"].startswith("2030-")


ALL_AMBER = {"Amber of Kenya", "Amber of Kenya shared with Nigeria", "Amber+strict of Kenya"}
EXPORTED = {
    "reader": {"Clear"},
    "alice": {"Clear", "Green"} | ALL_AMBER,
    "bob": {"Clear", "Green", "Amber of Kenya shared with Nigeria"},
    "carol": {"Clear", "Green", "Amber of the GSMA"},
    "curator": {"Clear", "Green", "Amber of the GSMA"} | ALL_AMBER,
    "admin": {"Clear", "Green", "Amber of the GSMA"} | ALL_AMBER,
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(EXPORTED))
def test_each_persona_exports_what_it_may_see_at_every_tlp_and_never_red_or_unpublished(personas, persona):
    measure(personas, title="Clear")
    measure(personas, title="Green", tlp="green")
    measure(personas, title="Amber of Kenya", tlp="amber")
    shared = measure(personas, title="Amber of Kenya shared with Nigeria", tlp="amber")
    shared.shared_with_states.add(MemberState.objects.get(alpha2="NG"))
    measure(personas, title="Amber+strict of Kenya", tlp="amber+strict")
    measure(personas, by=personas.carol, title="Amber of the GSMA", tlp="amber")
    measure(personas, title="Red of Kenya", tlp="red")
    measure(personas, title="Draft of Kenya", state="draft")
    measure(personas, title="Withdrawn of Kenya", state="withdrawn")

    data = bundle(client_for(getattr(personas, persona)))

    assert names(data) == EXPORTED[persona]
    text = json.dumps(data)
    assert "Red of Kenya" not in text and "Draft of Kenya" not in text and "Withdrawn of Kenya" not in text
    marked = [
        o
        for o in data["objects"]
        if o["type"] not in ("marking-definition", "identity", "location", "extension-definition")
    ]
    assert marked and all(o.get("object_marking_refs") for o in marked)


@pytest.mark.django_db
def test_the_export_takes_the_catalogue_s_search_and_filters_and_names_a_bad_filter(personas):
    measure(personas, title="SIM swap checks", summary="Operators verify a SIM swap.")
    measure(personas, title="Spam filtering", summary="Operators filter bulk messages.", pillar="legal")

    assert names(bundle(Client(), q="swap")) == {"SIM swap checks"}
    assert names(bundle(Client(), pillar="legal")) == {"Spam filtering"}
    refused = Client().get("/api/v1/stix/measures/", {"pillar": "unknown"})
    assert refused.status_code == 400 and "pillar" in refused.json()
