"""STIX 2.1 in: bundles become drafts in review, never published; bad bundles change nothing.

The two MITRE ATT&CK bundles are read from the shared directory beside the repository ((c) MITRE, not ours
to copy): the tests that need them are skipped when it is absent.
"""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from clearinghouse.accounts.models import Notification, NotificationKind
from clearinghouse.catalog import search, selectors, services
from clearinghouse.catalog.models import (
    Measure,
    MeasureReference,
    MeasureVersion,
    ReferenceKind,
    Technology,
)
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core import bulk
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import body_of, client_for
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import MemberState
from clearinghouse.exchange import archive, importing, stix
from clearinghouse.exchange.models import ImportArchive, ImportedObject, ImportRun

STIX_DIR = Path(settings.BASE_DIR).parent / "shared" / "stix"
ICS = STIX_DIR / "ics-attack-18.1.json"
MOBILE = STIX_DIR / "mobile-attack-17.1.json"
KENYA_TLP_CLEAR = stix.TLP2_MARKINGS[TLP.CLEAR][0]

pytestmark = pytest.mark.django_db


def _attack(path: Path) -> bytes:
    if not path.is_file():
        pytest.skip(f"{path} is absent: the MITRE ATT&CK bundles live beside the repository, not in it")
    return path.read_bytes()


def exported(client: Client | None = None) -> dict[str, Any]:
    response = (client or Client()).get("/api/v1/stix/measures/")
    assert response.status_code == 200
    return json.loads(body_of(response))


def as_bytes(objects: list[dict[str, Any]]) -> bytes:
    return json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}).encode()


def run(raw: bytes, personas: Any, who: str = "bob") -> ImportRun:
    return importing.import_bundle(raw, actor=getattr(personas, who), source="upload", origin="test.json")


def content(measure_: Measure) -> dict[str, Any]:
    """What a reader sees of a measure, whoever owns it."""
    return {
        **{
            name: getattr(measure_, name)
            for name in (
                "title",
                "summary",
                "description",
                "language",
                "status",
                "since_year",
                "evidence",
                "evidence_source",
                "cost_range",
                "prerequisites",
                "tlp",
            )
        },
        "pillar": measure_.pillar.slug,
        "threats": sorted(measure_.threats.values_list("slug", flat=True)),
        "technologies": sorted(measure_.technologies.values_list("slug", flat=True)),
        "references": sorted(measure_.references.values_list("kind", "title", "url")),
        "translations": sorted(measure_.translations.values_list("language", "title", "summary", "description")),
    }


def unmarked_course_of_action(**extra: Any) -> dict[str, Any]:
    """A course-of-action as MITRE writes one, without our extension and without a marking."""
    return {
        "type": "course-of-action",
        "spec_version": "2.1",
        "id": f"course-of-action--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "Block spoofed caller identities",
        "description": "Operators check the calling line identity at the border. Calls that fail are dropped.",
        **extra,
    }


def course_of_action(**extra: Any) -> dict[str, Any]:
    """The same, marked TLP:CLEAR by Kenya's identity."""
    return unmarked_course_of_action(**{"object_marking_refs": [KENYA_TLP_CLEAR], **extra})


def counts() -> tuple[int, int, int, int, int]:
    return (
        Measure.objects.count(),
        MeasureVersion.objects.count(),
        ImportedObject.objects.count(),
        MeasureReference.objects.count(),
        ImportArchive.objects.count(),
    )


# --- our own export, back in ----------------------------------------------------------------------------


def test_a_bundle_of_our_own_export_comes_back_as_drafts_in_review_equal_in_content(personas):
    registry = services.create_technology(
        actor=None,
        owner={"owner_organization_id": personas.curator.organization_id},
        name="Equipment identity register",
        slug="eir",
        lifecycle=Lifecycle.PUBLISHED,
    )
    published = measure(
        personas,
        title="Central equipment identity register",
        summary="Stolen handsets are blocked on every network.",
        description="The regulator **connected** all operators.\n\nOwners report theft at a police station.",
        threats=("device-theft", "counterfeit-devices"),
        pillar="technical",
        status="evaluated",
        since_year=2019,
        evidence="Thefts fell by a third.",
        evidence_source="Regulator's annual report 2022",
        cost_range="1m-10m",
        prerequisites="A type-approval list.",
        tlp="green",
        references=[{"kind": "itu-t", "title": "ITU-T Q.5050", "url": "https://www.itu.int/rec/T-REC-Q.5050"}],
        technologies=[registry],
    )
    services.set_measure_translation(
        published,
        actor=personas.alice,
        language="fr",
        quality="reviewed",
        title="Registre central",
        summary="Les téléphones volés sont bloqués.",
        description="Le régulateur a relié les opérateurs.",
    )
    bundle = exported(client_for(personas.bob))

    report = run(as_bytes(bundle["objects"]), personas, who="bob")

    assert report.status == "complete" and report.created_count == 1 and report.failure_count == 0
    copy_ = Measure.objects.exclude(pk=published.pk).get()
    assert copy_.lifecycle == Lifecycle.IN_REVIEW and copy_.owner_state.alpha2 == "NG"
    theirs, ours = content(published), content(copy_)
    # a translation's quality is not exchanged: a copy's translation is marked as not checked here
    assert ours == theirs and ours["technologies"] == ["eir"]
    assert copy_.translations.get().quality == "machine"
    assert copy_.versions.get().action == "imported" and copy_.versions.get().number == 1
    assert set(report.report["unmapped_by_type"]) >= {"identity", "marking-definition", "attack-pattern"}


def own_export(personas: Any, **fields: Any) -> tuple[Measure, list[dict[str, Any]]]:
    """Kenya's published measure (with a translation) and the objects of its STIX export."""
    published = measure(personas, title="Spam filtering at the network edge", threats=("spam",), **fields)
    services.set_measure_translation(
        published,
        actor=personas.alice,
        language="fr",
        quality="reviewed",
        title="Filtrage du spam",
        summary="Le spam est filtré.",
        description="",
    )
    published.refresh_from_db()
    return published, exported(client_for(personas.alice))["objects"]


@pytest.mark.parametrize("who", ["alice", "curator"])
def test_re_importing_one_s_own_export_recognises_the_measure_and_makes_no_copy(personas, who):
    published, objects = own_export(personas)
    before, versions = content(published), published.versions.count()

    report = run(as_bytes(objects), personas, who=who)

    assert report.status == "complete" and report.created_count == 0 and report.updated_count == 0
    assert list(Measure.objects.all()) == [published]
    published.refresh_from_db()
    assert content(published) == before and published.versions.count() == versions
    assert published.lifecycle == Lifecycle.PUBLISHED  # nothing changed: still published
    again = run(as_bytes(objects), personas, who=who)  # and again: the version is known now
    assert again.created_count == again.updated_count == 0 and Measure.objects.count() == 1


def test_an_edited_export_re_imported_by_its_owner_updates_the_measure_and_sends_it_back_to_review(personas):
    published, objects = own_export(personas)
    course = next(o for o in objects if o["type"] == "course-of-action")
    edited = {**course, "modified": "2099-01-01T00:00:00.000Z", "name": "Spam filtering at every network edge"}
    older = {**course, "modified": "2000-01-01T00:00:00.000Z", "name": "An old title"}

    report = run(as_bytes([edited if o is course else o for o in objects]), personas, who="alice")

    assert report.created_count == 0 and report.updated_count == 1 and list(Measure.objects.all()) == [published]
    published.refresh_from_db()
    assert published.title == "Spam filtering at every network edge"
    assert published.lifecycle == Lifecycle.IN_REVIEW  # changed by an import: reviewed again
    assert run(as_bytes([older]), personas, who="alice").updated_count == 0  # an older export changes nothing
    published.refresh_from_db()
    assert published.title == "Spam filtering at every network edge" and Measure.objects.count() == 1


def test_another_instance_s_measure_of_the_same_number_is_not_taken_for_ours(personas):
    published, objects = own_export(personas)
    course = next(o for o in objects if o["type"] == "course-of-action")
    theirs = {**course, "created": "2020-02-02T00:00:00.000Z", "name": "Their measure number so-and-so"}

    report = run(as_bytes([theirs]), personas, who="alice")

    assert report.created_count == 1 and Measure.objects.count() == 2
    published.refresh_from_db()
    assert published.title == "Spam filtering at the network edge"


def test_the_same_bundle_imported_again_changes_nothing(personas):
    measure(personas, title="Spam filtering at the network edge", threats=("spam",))
    raw = as_bytes(exported()["objects"])
    first = run(raw, personas)
    before = counts()
    audit_rows = AuditEvent.objects.exclude(action="exchange.imported").count()

    again = run(raw, personas)

    assert first.created_count == 1
    assert again.status == "complete" and again.created_count == 0 and again.updated_count == 0
    assert again.unchanged_count == again.total_count == first.total_count
    assert counts() == before
    assert AuditEvent.objects.exclude(action="exchange.imported").count() == audit_rows


def test_a_newer_version_updates_the_draft_and_keeps_the_older_content_in_its_history(personas):
    older = course_of_action()
    run(as_bytes([older]), personas, who="alice")
    made = Measure.objects.get()
    services.publish_measure(made, actor=personas.curator)
    newer = {**older, "modified": "2025-06-01T00:00:00.000Z", "name": "Block spoofed caller identities at borders"}

    report = run(as_bytes([newer]), personas, who="alice")

    made.refresh_from_db()
    assert report.updated_count == 1 and report.created_count == 0
    assert made.title == "Block spoofed caller identities at borders"
    assert made.lifecycle == Lifecycle.IN_REVIEW  # published, then changed by an import: back to review
    history = list(made.versions.order_by("number").values_list("action", "snapshot__title"))
    assert history[0] == ("imported", "Block spoofed caller identities")
    assert history[-1] == ("imported", "Block spoofed caller identities at borders")
    assert ImportedObject.objects.filter(stix_id=older["id"]).count() == 2


def test_an_older_version_is_kept_as_history_and_changes_nothing(personas):
    newer = course_of_action(modified="2025-06-01T00:00:00.000Z", name="The current title")
    run(as_bytes([newer]), personas, who="alice")
    before = content(Measure.objects.get())
    versions = MeasureVersion.objects.count()

    report = run(as_bytes([{**newer, "modified": "2024-06-01T00:00:00Z", "name": "An old title"}]), personas, "alice")

    assert report.unchanged_count == 1 and report.updated_count == 0
    assert "older" in report.report["successes"][0]["message"]
    assert content(Measure.objects.get()) == before and MeasureVersion.objects.count() == versions
    assert ImportedObject.objects.filter(stix_id=newer["id"]).count() == 2


def test_a_newer_version_from_another_owner_is_refused_and_the_draft_stays(personas):
    older = course_of_action()
    run(as_bytes([older]), personas, who="alice")

    report = run(as_bytes([{**older, "modified": "2025-06-01T00:00:00.000Z", "name": "Hijacked"}]), personas, "bob")

    assert report.failure_count == 1 and "another owner" in report.report["failures"][0]["message"]
    assert Measure.objects.get().title == "Block spoofed caller identities"


def test_tlp_red_objects_are_refused_and_the_rest_is_imported(personas):
    red = course_of_action(object_marking_refs=[stix.TLP2_MARKINGS[TLP.RED][0]], name="Secret measure")
    red_tlp1 = course_of_action(object_marking_refs=["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"])
    amber = course_of_action(object_marking_refs=["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"])

    report = run(as_bytes([red, red_tlp1, amber]), personas)

    assert report.status == "complete" and report.created_count == 1 and report.failure_count == 2
    assert {f["message"] for f in report.report["failures"]} == {
        "carries TLP:RED (object marking): TLP:RED is never exchanged"
    }
    assert Measure.objects.get().tlp == "amber"  # a TLP 1.0 marking read as its TLP 2.0 counterpart
    assert not ImportedObject.objects.filter(stix_id__in=[red["id"], red_tlp1["id"]]).exists()
    kept = archive.decompress(bytes(ImportArchive.objects.get(run=report).data))
    assert b"Secret measure" not in kept and red["id"].encode() not in kept  # refused: not kept anywhere


def test_a_database_error_while_the_rows_are_written_stops_the_import_and_changes_nothing(personas, monkeypatch):
    taken = measure(personas)
    before = counts()
    # the new measures are given an id that is taken: the database refuses them as they are written (on
    # PostgreSQL on the writing thread, while later rows are prepared)
    monkeypatch.setattr(bulk, "reserve_ids", lambda model, count: [taken.pk] * count)

    report = run(as_bytes([course_of_action(), course_of_action(name="Another measure")]), personas)

    assert report.status == "failed" and report.report["errors"][0].startswith("The import stopped:")
    assert counts() == before and not ImportArchive.objects.exists()
    monkeypatch.undo()
    again = run(as_bytes([course_of_action()]), personas)  # the connection is usable again, and so is the writer
    assert again.status == "complete" and again.created_count == 1


def received(obj: ImportedObject) -> str:
    return archive.Reader().text(obj.run_id, obj.offset, obj.length)


@pytest.mark.parametrize(
    ("refused", "ascii"),
    [(False, True), (False, False), (True, True)],
    ids=["all-kept-ascii", "all-kept-unicode", "one-refused"],
)
def test_every_object_taken_in_is_kept_as_received_in_the_run_s_compressed_archive(personas, refused, ascii):
    translated = course_of_action(name="Bloquer l’usurpation d’identité", lang="fr")
    plain = course_of_action()
    objects = [translated, plain] + ([course_of_action(object_marking_refs=[stix.TLP2_MARKINGS[TLP.RED][0]])] * refused)
    texts = [json.dumps(obj, indent=1, ensure_ascii=ascii) for obj in objects]  # a layout of the sender's own
    listed = ",\n".join(texts)
    raw = f'{{"type": "bundle", "id": "bundle--{uuid.uuid4()}", "objects": [{listed}]}}'.encode()

    report = run(raw, personas)

    assert report.created_count == 2
    stored = ImportArchive.objects.get(run=report)
    assert len(bytes(stored.data)) < stored.size  # compressed
    for obj, text in zip(objects[:2], texts, strict=False):
        assert received(ImportedObject.objects.get(stix_id=obj["id"])) == text  # byte for byte, spaces included
    assert Measure.objects.get(title__startswith="Bloquer").title == "Bloquer l’usurpation d’identité"


# --- bad bundles ----------------------------------------------------------------------------------------


def _refused(raw: bytes, personas: Any) -> ImportRun:
    before = counts()
    report = run(raw, personas)
    assert report.status == "failed" and report.created_count == 0
    assert counts() == before
    assert ImportRun.objects.filter(pk=report.pk, status="failed").exists()
    return report


def test_malformed_json_changes_nothing_and_says_where(personas):
    report = _refused(as_bytes([course_of_action()])[:-20] + b"oops", personas)
    assert "not valid JSON" in report.report["errors"][0] and "line 1" in report.report["errors"][0]


def test_a_file_that_is_not_utf8_changes_nothing(personas):
    report = _refused('{"type": "bundle", "objects": ["é"]}'.encode("latin-1"), personas)
    assert "not UTF-8" in report.report["errors"][0]


def test_a_stix_2_0_object_is_refused_with_its_number_and_id(personas):
    good, old = course_of_action(), course_of_action(spec_version="2.0")
    report = _refused(as_bytes([good, old]), personas)
    message = report.report["errors"][0]
    assert f"Object 2 ({old['id']})" in message and "spec_version is “2.0”" in message and "2.1 only" in message
    assert report.failure_count == 2 and report.report["failures"][0]["id"] == old["id"]


def test_an_unknown_type_is_refused_but_a_custom_x_type_is_kept(personas):
    unknown = {**course_of_action(), "type": "measure-of-sorts"}
    unknown["id"] = unknown["id"].replace("course-of-action", "measure-of-sorts")
    report = _refused(as_bytes([course_of_action(), unknown]), personas)
    assert "“measure-of-sorts” is not a STIX 2.1 type" in report.report["errors"][0]

    custom = {**unknown, "type": "x-acme-note", "id": unknown["id"].replace("measure-of-sorts", "x-acme-note")}
    kept = run(as_bytes([custom]), personas)
    assert kept.status == "complete" and kept.report["unmapped"][0]["type"] == "x-acme-note"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"id": "course-of-action--not-a-uuid"}, "is not <type>--<UUID>"),
        ({"created": "2024-01-01 00:00:00"}, "created “2024-01-01 00:00:00” is not a STIX timestamp"),
        ({"modified": None}, "modified is missing"),
        ({"created_by_ref": "the platform"}, "created_by_ref is not a STIX id"),
        ({"object_marking_refs": "TLP:GREEN"}, "object_marking_refs is not a list of STIX ids"),
    ],
)
def test_an_ill_formed_object_is_refused_naming_the_property(personas, change, problem):
    obj = {key: value for key, value in {**course_of_action(), **change}.items() if value is not None}
    report = _refused(as_bytes([obj]), personas)
    assert problem in report.report["errors"][0]


def test_a_relationship_without_its_ends_is_refused(personas):
    relationship = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": f"relationship--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
        "relationship_type": "mitigates",
        "source_ref": f"course-of-action--{uuid.uuid4()}",
    }
    assert "a relationship needs target_ref" in _refused(as_bytes([relationship]), personas).report["errors"][0]


def test_a_bundle_over_the_size_limit_is_refused_unread(personas, settings):
    settings.STIX_IMPORT_MAX_BYTES = 1000
    report = _refused(as_bytes([course_of_action(description="x" * 2000)]), personas)
    assert "the limit is 1,000 bytes" in report.report["errors"][0]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b'[{"type": "course-of-action"}]', "The top level is a JSON array"),
        (json.dumps(course_of_action()).encode(), "The top level is a “course-of-action”, not a bundle"),
        (b'{"more": false}', "neither a STIX bundle"),
        (b'{"type": "bundle", "id": "bundle--x", "objects": []}', "is not bundle--<UUID>"),
        (b"", "The file is empty"),
    ],
)
def test_what_is_not_a_bundle_is_refused(personas, raw, problem):
    assert problem in _refused(raw, personas).report["errors"][0]


def test_a_taxii_envelope_is_taken_in_like_a_bundle(personas):
    report = run(json.dumps({"more": False, "objects": [course_of_action()]}).encode(), personas)
    assert report.status == "complete" and report.created_count == 1


# --- mapping ----------------------------------------------------------------------------------------------


def test_a_foreign_course_of_action_becomes_a_technical_measure_summarised_by_its_first_sentence(personas):
    report = run(
        as_bytes([course_of_action(external_references=[{"source_name": "acme", "external_id": "A1"}])]), personas
    )
    made = Measure.objects.get()
    assert report.created_count == 1
    assert made.pillar.slug == "technical" and made.status == "planned" and made.language == "en"
    assert made.summary == "Operators check the calling line identity at the border. Calls that fail are dropped."
    assert made.description.startswith("Operators check")
    assert list(made.references.values_list("kind", "title")) == [("standard", "acme A1")]


def test_mitigates_links_our_threats_and_refers_to_other_techniques(personas):
    coa = course_of_action()
    technique = {
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": f"attack-pattern--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
        "name": "Caller ID spoofing",
        "external_references": [
            {"source_name": "mitre-attack", "external_id": "T9999", "url": "https://attack.mitre.org/techniques/T9999"}
        ],
    }

    def mitigates(target: str) -> dict[str, Any]:
        return {
            "type": "relationship",
            "spec_version": "2.1",
            "id": f"relationship--{uuid.uuid4()}",
            "created": "2024-01-01T00:00:00Z",
            "modified": "2024-01-01T00:00:00Z",
            "relationship_type": "mitigates",
            "source_ref": coa["id"],
            "target_ref": target,
        }

    ours = stix.stix_id("attack-pattern", "threat:cli-spoofing")
    run(as_bytes([coa, technique, mitigates(ours), mitigates(technique["id"])]), personas)

    made = Measure.objects.get()
    assert list(made.threats.values_list("slug", flat=True)) == ["cli-spoofing"]
    assert made.references.filter(kind=ReferenceKind.TECHNIQUE).get().title == "T9999 Caller ID spoofing (MITRE ATT&CK)"

    # a later bundle may point at a technique an earlier one brought: it is looked up among imported objects
    later = run(as_bytes([{**coa, "modified": "2025-01-01T00:00:00Z"}, mitigates(technique["id"])]), personas)
    assert later.failure_count == 0 and later.report["linked"] == 1


def test_language_content_becomes_translations_in_the_platform_s_languages(personas):
    coa = course_of_action()
    translated = {
        "type": "language-content",
        "spec_version": "2.1",
        "id": f"language-content--{uuid.uuid4()}",
        "created": "2024-01-01T00:00:00Z",
        "modified": "2024-01-01T00:00:00Z",
        "object_ref": coa["id"],
        "contents": {
            "zh": {"name": "阻止伪造的主叫号码", "description": "运营商在边境检查主叫号码。"},
            "de": {"name": "Gefälschte Rufnummern sperren"},
            "fr": {
                "name": "Bloquer les numéros usurpés",
                "description": "Les opérateurs vérifient. Ensuite ils bloquent.",
            },
        },
    }

    report = run(as_bytes([coa, translated]), personas)

    made = Measure.objects.get()
    assert dict(made.translations.values_list("language", "title")) == {
        "zh-hans": "阻止伪造的主叫号码",
        "fr": "Bloquer les numéros usurpés",
    }
    assert "de" in report.report["successes"][1]["message"]  # not a language of the platform: said, not taken


def test_a_technology_of_our_own_export_becomes_a_technology_in_review(personas):
    coa = course_of_action(
        name="Caller identity registry",
        description="A registry of the numbers each operator may present.",
        external_references=[{"source_name": stix.PLATFORM_NAME, "external_id": "technology-caller-registry"}],
    )
    report = run(as_bytes([coa]), personas)
    technology = Technology.objects.get(slug="caller-registry")
    assert report.created_count == 1 and technology.lifecycle == Lifecycle.IN_REVIEW
    assert technology.owner_state.alpha2 == "NG"


def test_revoked_and_deprecated_objects_are_kept_but_not_mapped(personas):
    report = run(as_bytes([course_of_action(revoked=True), course_of_action(x_mitre_deprecated=True)]), personas)
    assert report.created_count == 0 and report.unmapped_count == 2
    assert {entry["reason"] for entry in report.report["unmapped"]} == {"revoked", "deprecated"}
    assert ImportedObject.objects.count() == 2


def test_new_drafts_are_found_by_the_search_of_their_owner(personas):
    run(as_bytes([course_of_action(name="Quetzalcoatl signalling firewall")]), personas)
    found = selectors.search_measures(personas.bob, query="quetzalcoatl")
    assert [m.title for m in found.page] == ["Quetzalcoatl signalling firewall"]


def test_a_large_import_leaves_search_indexing_to_a_background_task_that_indexes_every_draft(personas, monkeypatch):
    monkeypatch.setattr("clearinghouse.catalog.services.imports.INLINE_INDEX_LIMIT", 1)
    indexed: list[int] = []

    def index(ids: Any) -> int:
        indexed.extend(ids)
        return len(indexed)

    monkeypatch.setattr(search, "index_new_measures", index)
    run(as_bytes([course_of_action(), course_of_action()]), personas)
    assert sorted(indexed) == sorted(Measure.objects.values_list("pk", flat=True))  # run by the task


# --- MITRE ATT&CK --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "mitigations"), [(ICS, 52), (MOBILE, 13)])
def test_the_mitre_attack_bundles_import_their_mitigations_as_drafts_with_technique_references(
    personas, path, mitigations
):
    raw = _attack(path)
    data = json.loads(raw)
    deprecated = [
        o
        for o in data["objects"]
        if o["type"] == "course-of-action" and (o.get("x_mitre_deprecated") or o.get("revoked"))
    ]

    report = run(raw, personas, who="alice")

    assert report.status == "complete" and report.failure_count == 0, report.report["errors"]
    assert (
        report.created_count
        == mitigations
        == sum(1 for o in data["objects"] if o["type"] == "course-of-action") - len(deprecated)
    )
    assert set(Measure.objects.values_list("lifecycle", flat=True)) == {Lifecycle.IN_REVIEW}
    by_id = {o["id"]: o for o in data["objects"]}
    mitigates = [o for o in data["objects"] if o.get("relationship_type") == "mitigates"]
    expected: dict[str, set[str]] = {}
    for relationship in mitigates:
        technique = by_id[relationship["target_ref"]]["external_references"][0]["external_id"]
        expected.setdefault(by_id[relationship["source_ref"]]["name"], set()).add(technique)
    techniques = {
        made.title: {r.split()[0] for r in made.references.filter(kind="technique").values_list("title", flat=True)}
        for made in Measure.objects.all()
    }
    assert {title: ids for title, ids in techniques.items() if ids} == expected
    assert report.report["linked"] == len(mitigates)


def test_a_known_pair_of_the_ics_bundle_network_allowlists_mitigates_device_restart(personas):
    run(_attack(ICS), personas, who="alice")
    allowlists = Measure.objects.get(title="Network Allowlists")
    references = set(allowlists.references.values_list("kind", "title", "url"))
    assert ("url", "mitre-attack M0807", "https://attack.mitre.org/mitigations/M0807") in references
    assert (
        "technique",
        "T0816 Device Restart/Shutdown (MITRE ATT&CK)",
        "https://attack.mitre.org/techniques/T0816",
    ) in references


def test_the_attack_bundle_imported_again_is_all_already_known(personas):
    raw = _attack(MOBILE)
    run(raw, personas)
    again = run(raw, personas)
    assert again.created_count == 0 and again.unchanged_count == again.total_count


# --- pages and the command ------------------------------------------------------------------------------


def _upload(client: Client, raw: bytes, name: str = "bundle.json") -> Any:
    return client.post("/en/exchange/imports/new/", {"file": SimpleUploadedFile(name, raw)})


def test_a_member_uploads_a_bundle_and_reads_the_report_with_links_to_the_new_drafts(personas):
    alice = client_for(personas.alice)
    assert alice.get("/en/exchange/imports/new/").status_code == 200

    response = _upload(alice, as_bytes([course_of_action(), course_of_action(revoked=True)]))

    assert response.status_code == 302
    made = Measure.objects.get()
    page = alice.get(response["Location"]).content.decode()
    assert made.get_absolute_url() in page and "course-of-action" in page and "revoked" in page
    # her inbox keeps the outcome and the way back to the report; nobody else is told
    inbox = alice.get("/en/account/notifications/").content.decode()
    assert "The import of bundle.json finished: 1 new drafts, 0 updated, 0 refused." in inbox
    assert response["Location"] in inbox
    told = Notification.objects.filter(kind=NotificationKind.IMPORT_FINISHED)
    # and the curators, who review the new drafts; nobody else
    assert sorted(n.recipient.username for n in told) == ["admin", "alice", "curator"]


def test_a_bad_file_gets_a_400_naming_the_problem_and_nothing_is_stored(personas):
    alice = client_for(personas.alice)
    response = _upload(alice, b'{"type": "bundle", "objects": [')
    assert response.status_code == 400 and "not valid JSON" in response.content.decode()
    assert not Measure.objects.exists() and not ImportedObject.objects.exists()
    # the attempt is on record, with its reason
    attempt = ImportRun.objects.get()
    page = alice.get(f"/en/exchange/imports/{attempt.pk}/").content.decode()
    assert "Nothing was imported." in page and "not valid JSON" in page
    [told] = Notification.objects.filter(kind=NotificationKind.IMPORT_FINISHED)
    assert told.recipient == personas.alice and told.params["status"] == "failed"
    assert "The import of bundle.json failed: " in alice.get("/en/account/notifications/").content.decode()


def test_who_sees_which_imports(personas, django_assert_max_num_queries):
    run(as_bytes([course_of_action(name="Kenya's")]), personas, who="alice")
    run(as_bytes([course_of_action(name="Nigeria's")]), personas, who="bob")
    kenya, nigeria = ImportRun.objects.get(owner_state__alpha2="KE"), ImportRun.objects.get(owner_state__alpha2="NG")

    assert Client().get("/en/exchange/imports/").status_code == 302
    alice = client_for(personas.alice)
    assert alice.get(f"/en/exchange/imports/{kenya.pk}/").status_code == 200
    assert alice.get(f"/en/exchange/imports/{nigeria.pk}/").status_code == 404
    assert str(nigeria.pk) not in alice.get("/en/exchange/imports/").content.decode()
    curator = client_for(personas.curator)
    with django_assert_max_num_queries(15):
        listed = curator.get("/en/exchange/imports/").content.decode()
    assert str(kenya.pk) in listed and str(nigeria.pk) in listed


def test_the_command_imports_a_file_and_prints_the_counts(personas, tmp_path):
    path = tmp_path / "bundle.json"
    path.write_bytes(as_bytes([course_of_action(), course_of_action(revoked=True)]))
    out = io.StringIO()

    call_command("import_stix", str(path), "--owner-state", "ke", stdout=out, stderr=io.StringIO())

    assert "1 new drafts in review" in out.getvalue() and "course-of-action 1" in out.getvalue()
    assert Measure.objects.get().owner_state == MemberState.objects.get(alpha2="KE")


def test_the_command_names_a_bad_owner_a_missing_file_and_a_refused_bundle(personas, tmp_path):
    path = tmp_path / "bundle.json"
    path.write_bytes(b"not json")
    with pytest.raises(CommandError, match="not a Member State"):
        call_command("import_stix", str(path), "--owner-state", "XX")
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_stix", str(tmp_path / "missing.json"), "--owner-state", "KE")
    with pytest.raises(CommandError, match="Nothing was imported. The file is not valid JSON"):
        call_command("import_stix", str(path), "--owner-state", "KE", stderr=io.StringIO())
    assert not Measure.objects.exists()


def test_the_report_lists_at_most_so_many_objects_and_counts_the_rest(personas, monkeypatch):
    monkeypatch.setattr(importing.outcomes, "MAX_LISTED", 2)
    report = run(as_bytes([course_of_action() for _ in range(5)]), personas)
    assert report.created_count == report.success_count == 5
    assert len(report.report["successes"]) == 2 and report.report["omitted"]["successes"] == 3


def test_a_member_imports_only_for_their_own_state_and_a_curator_for_anyone(personas):
    nigeria = {"owner_state_id": MemberState.objects.get(alpha2="NG").pk}
    with pytest.raises(PermissionDenied):
        importing.import_bundle(as_bytes([course_of_action()]), actor=personas.alice, source="upload", owner=nigeria)
    assert not ImportRun.objects.exists()
    done = importing.import_bundle(
        as_bytes([course_of_action()]), actor=personas.curator, source="upload", owner=nigeria
    )
    assert done.created_count == 1 and Measure.objects.get().owner_state.alpha2 == "NG"


def test_of_two_versions_in_one_bundle_the_newer_is_mapped_and_the_older_kept_as_history(personas):
    older = course_of_action(name="First wording")
    newer = {**older, "modified": "2024-03-01T00:00:00.000Z", "name": "Second wording"}

    report = run(as_bytes([newer, older]), personas)

    assert report.created_count == 1 and report.unchanged_count == 1
    assert Measure.objects.get().title == "Second wording"
    assert set(ImportedObject.objects.values_list("modified", flat=True)) == {older["modified"], newer["modified"]}
    assert report.total_count == report.success_count + report.failure_count + report.pending_count == 2
