"""STIX 2.1 in, the markings: TLP:RED never enters in any form; other markings make a record as narrow as its
narrowest part, whether they are OASIS's definitions or the bundle's own."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from clearinghouse.catalog import selectors, services
from clearinghouse.catalog.models import Measure, MeasureVersion
from clearinghouse.core.testing import body_of
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.exchange import archive, importing, stix
from clearinghouse.exchange.models import ImportArchive, ImportedObject, ImportRun
from clearinghouse.exchange.tests.test_import import unmarked_course_of_action as course_of_action

pytestmark = pytest.mark.django_db

RED2 = stix.TLP2_MARKINGS[TLP.RED][0]
RED1 = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
GREEN2 = stix.TLP2_MARKINGS[TLP.GREEN][0]
AMBER2 = stix.TLP2_MARKINGS[TLP.AMBER][0]
STRICT2 = stix.TLP2_MARKINGS[TLP.AMBER_STRICT][0]
SECRET = "Zanzibarian lawful intercept backdoor"


def secret(**extra: Any) -> dict[str, Any]:
    return course_of_action(name=SECRET, description=f"{SECRET}: how it works.", **extra)


def tlp2_definition(level: str, identifier: str | None = None) -> dict[str, Any]:
    """A TLP 2.0 marking definition under an id of the sender's own (OpenCTI and MISP write such)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": identifier or f"marking-definition--{uuid.uuid4()}",
        "created": "2023-01-01T00:00:00.000Z",
        "name": "Our marking",
        "extensions": {stix.TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


def tlp1_definition(level: str) -> dict[str, Any]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{uuid.uuid4()}",
        "created": "2023-01-01T00:00:00.000Z",
        "definition_type": "tlp",
        "definition": {"tlp": level},
    }


def granular(ref: str, *selectors: str) -> list[dict[str, Any]]:
    return [{"marking_ref": ref, "selectors": list(selectors)}]


def as_bytes(objects: list[dict[str, Any]]) -> bytes:
    return json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}, indent=1).encode()


def run(objects: list[dict[str, Any]], personas: Any, who: str = "alice") -> ImportRun:
    return importing.import_bundle(as_bytes(objects), actor=getattr(personas, who), source="upload", origin="t.json")


def publish_everything(personas: Any) -> None:
    for made in Measure.objects.filter(lifecycle=Lifecycle.IN_REVIEW):
        services.publish_measure(made, actor=personas.curator)


def assert_nothing_kept_of(obj: dict[str, Any], report: ImportRun, personas: Any) -> None:
    """Not in the catalogue, its history, the search index, the rows of the import nor its archive; and after
    every measure of the import is published, an anonymous reader finds nothing of it."""
    assert not Measure.objects.filter(title=obj["name"]).exists()
    assert not MeasureVersion.objects.filter(snapshot__title=obj["name"]).exists()
    assert not ImportedObject.objects.filter(stix_id=obj["id"]).exists()
    for stored in ImportArchive.objects.filter(run=report):
        kept = archive.decompress(bytes(stored.data))
        assert SECRET.encode() not in kept and obj["id"].encode() not in kept
    found = selectors.search_measures(personas.curator, query="zanzibarian")
    assert list(found.page) == []
    publish_everything(personas)
    anonymous = Client()
    export = body_of(anonymous.get("/api/v1/stix/measures/"))
    assert SECRET.encode() not in export and obj["id"].encode() not in export
    assert SECRET not in anonymous.get("/en/catalogue/?q=zanzibarian").content.decode()


def refusal(report: ImportRun, obj: dict[str, Any]) -> str:
    (failure,) = [f for f in report.report["failures"] if f["id"] == obj["id"]]
    return failure["message"]


# --- TLP:RED in every form -------------------------------------------------------------------------------


@pytest.mark.parametrize(("marking", "named"), [(RED2, "TLP 2.0"), (RED1, "TLP 1.0")])
def test_a_granular_red_marking_on_one_property_keeps_the_whole_object_out(personas, marking, named):
    obj = secret(object_marking_refs=[GREEN2], granular_markings=granular(marking, "description"))
    other = course_of_action()

    report = run([obj, other], personas)

    assert report.status == "complete" and report.created_count == 1 and report.failure_count == 1
    assert refusal(report, obj) == "carries TLP:RED (granular marking on description): TLP:RED is never exchanged"
    assert_nothing_kept_of(obj, report, personas)


def test_an_oasis_red_marking_written_in_capitals_is_still_red(personas):
    obj = secret(object_marking_refs=[RED2.upper().replace("MARKING-DEFINITION", "marking-definition")])

    report = run([obj, course_of_action()], personas)

    assert report.failure_count == 1 and "carries TLP:RED (object marking)" in refusal(report, obj)
    assert_nothing_kept_of(obj, report, personas)


@pytest.mark.parametrize("definition", [tlp2_definition("red"), tlp1_definition("red")], ids=["tlp2", "tlp1"])
def test_an_object_marked_with_the_bundle_s_own_definition_of_red_is_refused(personas, definition):
    obj = secret(object_marking_refs=[definition["id"]])

    report = run([definition, obj, course_of_action()], personas)

    assert report.created_count == 1 and report.failure_count == 1
    assert refusal(report, obj) == (
        f"carries TLP:RED (object marking {definition['id']}, a definition of TLP:RED): TLP:RED is never exchanged"
    )
    assert_nothing_kept_of(obj, report, personas)
    # the definition itself is no measure: kept as received, not mapped
    assert ImportedObject.objects.filter(stix_id=definition["id"]).exists()
    assert "marking-definition" in report.report["unmapped_by_type"]


def test_a_granular_marking_with_the_bundle_s_own_definition_of_red_is_refused(personas):
    definition = tlp2_definition("red")
    obj = secret(granular_markings=granular(definition["id"], "name", "description"))

    report = run([obj, definition], personas)

    assert report.created_count == 0 and report.failure_count == 1
    assert f"granular marking {definition['id']}, a definition of TLP:RED, on name, description" in refusal(report, obj)
    assert_nothing_kept_of(obj, report, personas)


def test_a_definition_of_red_taken_in_earlier_still_keeps_out_what_it_marks(personas):
    definition = tlp1_definition("red")
    run([definition], personas)  # (a sync takes a collection in pages: the definition came in the first)
    obj = secret(object_marking_refs=[definition["id"]])

    report = run([obj, course_of_action()], personas)

    assert report.created_count == 1 and report.failure_count == 1 and "TLP:RED" in refusal(report, obj)
    assert_nothing_kept_of(obj, report, personas)


def test_what_points_at_a_red_object_is_refused_with_it(personas):
    obj = secret(object_marking_refs=[RED2])
    translation = {
        "type": "language-content",
        "spec_version": "2.1",
        "id": f"language-content--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "object_ref": obj["id"],
        "contents": {"fr": {"name": "Porte dérobée zanzibarienne", "description": SECRET}},
    }
    link = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "relationship_type": "mitigates",
        "source_ref": obj["id"],
        "target_ref": stix.stix_id("attack-pattern", "threat:spam"),
    }

    report = run([obj, translation, link, course_of_action()], personas)

    assert report.created_count == 1 and report.failure_count == 3
    assert f"it points at {obj['id']}, which carries TLP:RED" in refusal(report, translation)
    assert not ImportedObject.objects.filter(stix_id__in=[translation["id"], link["id"]]).exists()
    assert_nothing_kept_of(obj, report, personas)


# --- other levels -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "tlp"),
    [
        (tlp2_definition("amber"), TLP.AMBER),
        (tlp2_definition("amber+strict"), TLP.AMBER_STRICT),
        (tlp2_definition("green"), TLP.GREEN),
        (tlp1_definition("amber"), TLP.AMBER),
        (tlp1_definition("green"), TLP.GREEN),
    ],
    ids=["tlp2-amber", "tlp2-amber-strict", "tlp2-green", "tlp1-amber", "tlp1-green"],
)
def test_the_bundle_s_own_definition_of_another_level_gives_that_level(personas, definition, tlp):
    run([definition, course_of_action(object_marking_refs=[definition["id"]])], personas)

    assert Measure.objects.get().tlp == tlp


@pytest.mark.parametrize(
    ("whole", "part", "tlp"),
    [
        (GREEN2, AMBER2, TLP.AMBER),
        ([], GREEN2, TLP.GREEN),
        (AMBER2, STRICT2, TLP.AMBER_STRICT),
        (STRICT2, GREEN2, TLP.AMBER_STRICT),
    ],
    ids=["amber-part-of-green", "green-part-unmarked", "strict-part-of-amber", "green-part-of-strict"],
)
def test_a_record_is_as_narrow_as_its_narrowest_granular_marking(personas, whole, part, tlp):
    obj = course_of_action(
        object_marking_refs=[whole] if whole else [], granular_markings=granular(part, "description")
    )

    run([obj], personas)

    made = Measure.objects.get()
    assert made.tlp == tlp
    if tlp != TLP.CLEAR:
        publish_everything(personas)
        export = body_of(Client().get("/api/v1/stix/measures/"))
        assert obj["name"].encode() not in export  # not shown to the public once published


def test_granular_markings_that_are_not_stix_are_refused_as_invalid_and_store_nothing(personas):
    odd = course_of_action(granular_markings=[{"marking_ref": {"not": "an id"}, "selectors": "description"}, "x"])

    report = run([odd, course_of_action()], personas)

    assert report.status == "failed" and "granular_markings is not a list" in report.report["errors"][0]
    assert not Measure.objects.exists() and not ImportedObject.objects.exists()
