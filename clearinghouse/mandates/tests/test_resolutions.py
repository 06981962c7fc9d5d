"""Resolutions as data: importing texts and revisions, activities tied to clauses, the pages and the API."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.mandates import services
from clearinghouse.mandates.demo import DATA
from clearinghouse.mandates.models import Activity, Clause, ClauseRole, Resolution, Revision

#: A resolution written for these tests (not an ITU text), in the shape of one.
TEXT = """RESOLUTION 174 (REV. TESTVILLE, 2030)
Keeping notes on how tests are written
The Plenipotentiary Conference of the International Telecommunication Union (Testville, 2030),
considering
a)\tthat tests catch mistakes early;
b)\tthat short examples are easier to read,
resolves
1\tto write a test for every rule;
2\tto keep each test short,
invites the Secretary-General
to collect and disseminate best practices and technologies in writing tests, and to provide assistance,
instructs the Secretary-General
to report to the Council on the progress made in the implementation of this resolution.
"""

#: The next revision: one clause changed, one added, one removed.
TEXT_2 = (
    TEXT.replace("REV. TESTVILLE, 2030", "REV. NEWTOWN, 2034")
    .replace("(Testville, 2030)", "(Newtown, 2034)")
    .replace("2\tto keep each test short,\n", "2\tto keep each test short and readable;\n3\tto run them often,\n")
    .replace("b)\tthat short examples are easier to read,\n", "")
)


@pytest.fixture
def imported(personas):
    return services.import_resolution(TEXT, actor=personas.curator, source_name="res-test.txt")


def statuses(client: Client, number: int = 174) -> str:
    return client.get(f"/en/resolutions/pp/{number}/").content.decode()


@pytest.mark.django_db
def test_an_imported_text_becomes_sections_and_clauses_with_actions_and_addressees(imported):
    revision = imported.revision
    sections = list(revision.sections.order_by("position"))

    assert imported.created and revision.label == "Rev. Testville, 2030"
    assert [(s.kind, s.action, s.addressee) for s in sections] == [
        ("preamble", "considering", ""),
        ("operative", "resolves", ""),
        ("operative", "invites", "the Secretary-General"),
        ("operative", "instructs", "the Secretary-General"),
    ]
    assert [c.label for c in sections[1].clauses.order_by("position")] == ["1", "2"]
    assert [c.role for c in sections[2].clauses.all()] == [ClauseRole.DISSEMINATION]
    assert [c.role for c in sections[3].clauses.all()] == [ClauseRole.REPORTING]
    assert AuditEvent.objects.filter(action="revision.imported").count() == 1


@pytest.mark.django_db
def test_the_same_text_imported_again_changes_nothing(imported, personas):
    again = services.import_resolution(TEXT, actor=personas.curator)

    assert not again.created and again.revision == imported.revision
    assert Revision.objects.count() == 1 and Clause.objects.count() == 6


@pytest.mark.django_db
def test_only_a_curator_imports_and_nothing_is_stored_otherwise(personas):
    for person in (personas.reader, personas.alice, personas.carol):
        with pytest.raises(PermissionDenied):
            services.import_resolution(TEXT, actor=person)
    with pytest.raises(ValidationError, match="expected the text of an ITU resolution"):
        services.import_resolution("name,email\nalice,alice@example.org\n", actor=personas.curator)

    assert not Resolution.objects.exists()


@pytest.mark.django_db
def test_publishing_a_measure_records_dissemination_under_the_collect_and_disseminate_clause(imported, personas):
    published = measure(personas, title="Blocking stolen handsets")

    activity = Activity.objects.get(source_id=str(published.pk))
    (clause,) = activity.clauses.all()
    assert clause.section.heading == "invites the Secretary-General"
    page = statuses(Client())
    assert "Blocking stolen handsets" in page
    assert page.count("status-delivered") == 1
    assert page.count("status-none") == 3  # resolves 1 and 2, and the report


@pytest.mark.django_db
def test_an_amber_measure_s_dissemination_is_seen_only_by_those_who_may_see_the_measure(imported, personas):
    measure(personas, title="Amber sinkhole for fraud numbers", tlp="amber")

    assert "Amber sinkhole" not in statuses(Client())
    assert "Amber sinkhole" not in statuses(client_for(personas.bob))
    assert "Amber sinkhole" in statuses(client_for(personas.alice))
    api = Client().get("/api/v1/activities/").json()
    assert api["count"] == 0


@pytest.mark.django_db
def test_a_new_revision_keeps_the_old_one_and_carries_activities_over(imported, personas):
    measure(personas, title="Blocking stolen handsets")

    second = services.import_resolution(TEXT_2, actor=personas.curator)

    assert second.created and second.carried_over == 1
    assert list(Resolution.objects.get(number=174).revisions.values_list("label", flat=True)) == [
        "Rev. Newtown, 2034",
        "Rev. Testville, 2030",
    ]
    clause = Clause.objects.get(section__revision=second.revision, role=ClauseRole.DISSEMINATION)
    assert clause.activities.count() == 1


@pytest.mark.django_db
def test_the_compare_page_shows_added_removed_and_changed_clauses_with_the_words(imported, personas):
    services.import_resolution(TEXT_2, actor=personas.curator)

    page = Client().get("/en/resolutions/pp/174/compare/").content.decode()

    assert "change-added" in page and "to run them often" in page
    assert "change-removed" in page and "that short examples are easier to read" in page
    assert re.search(r"<ins>[^<]*and readable", page)
    assert "to write a test for every rule" not in page  # unchanged clauses are hidden unless asked
    assert "to write a test for every rule" in Client().get("/en/resolutions/pp/174/compare/?all=1").content.decode()


@pytest.mark.django_db
def test_a_curator_previews_an_upload_then_saves_it(personas):
    client = client_for(personas.curator)
    upload = io.BytesIO(TEXT.encode())
    upload.name = "res-test.txt"

    preview = client.post("/en/resolutions/import/", {"body": "pp", "file": upload, "preview": "1"})

    assert preview.status_code == 200
    assert "invites the Secretary-General" in preview.content.decode()
    assert not Resolution.objects.exists()
    saved = client.post(
        "/en/resolutions/import/", {"body": "pp", "text": TEXT, "source_name": "res-test.txt", "save": "1"}
    )
    assert saved.status_code == 302 and saved["Location"] == "/en/resolutions/pp/174/"
    assert Revision.objects.get().source_name == "res-test.txt"


@pytest.mark.django_db
def test_the_upload_page_refuses_a_file_that_is_not_a_resolution_and_saves_nothing(personas):
    client = client_for(personas.curator)
    response = client.post("/en/resolutions/import/", {"body": "pp", "text": "Minutes of the meeting.", "save": "1"})
    binary = io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00")
    binary.name = "picture.png"
    refused = client.post("/en/resolutions/import/", {"body": "pp", "file": binary, "preview": "1"})

    assert response.status_code == 400 and "expected the text of an ITU resolution" in response.content.decode()
    assert refused.status_code == 400 and "not UTF-8 text" in refused.content.decode()
    assert not Resolution.objects.exists()
    assert client_for(personas.alice).get("/en/resolutions/import/").status_code == 403


@pytest.mark.django_db
def test_a_curator_records_a_meeting_against_a_clause_and_its_status_follows(imported, personas):
    clause = Clause.objects.get(section__heading="instructs the Secretary-General")
    client = client_for(personas.curator)
    form = {
        "kind": "report",
        "title": "Report to Council 2031",
        "status": "in_progress",
        "starts_on": "2031-05-01",
        "ends_on": "2031-04-01",
        "tlp": "clear",
        "clauses": [clause.pk],
    }

    refused = client.post("/en/resolutions/activities/new/", form)
    recorded = client.post("/en/resolutions/activities/new/", {**form, "ends_on": "2031-06-01"})

    assert refused.status_code == 400 and "cannot end before it starts" in refused.content.decode()
    assert recorded.status_code == 302
    assert Activity.objects.get().owner_organization.slug == "itu"
    assert "status-in_progress" in statuses(Client())
    assert client_for(personas.alice).get("/en/resolutions/activities/new/").status_code == 403


@pytest.mark.django_db
def test_the_activity_list_filters_by_clause_period_and_region_and_names_a_bad_filter(imported, personas):
    measure(personas, title="Blocking stolen handsets")
    clause = Clause.objects.get(role=ClauseRole.DISSEMINATION)

    by_clause = Client().get("/api/v1/activities/", {"clause": clause.pk, "start": "2000-01-01"}).json()
    future = Client().get("/api/v1/activities/", {"start": "2174-01-01"}).json()
    bad = Client().get("/api/v1/activities/", {"region": "atlantis"})
    page = Client().get("/en/resolutions/activities/", {"region": "atlantis"})

    assert by_clause["count"] == 1 and by_clause["results"][0]["title"] == "Blocking stolen handsets"
    assert future["count"] == 0
    assert bad.status_code == 400 and "region" in bad.json()
    assert page.status_code == 400 and "region" in page.content.decode()


@pytest.mark.django_db
def test_the_api_lists_resolutions_and_gives_the_newest_revision_s_clauses(imported):
    listed = Client().get("/api/v1/resolutions/").json()
    detail = Client().get(listed["results"][0]["url"]).json()

    assert [r["number"] for r in listed["results"]] == [174]
    assert [s["heading"] for s in detail["current"]["sections"]][-1] == "instructs the Secretary-General"
    assert detail["current"]["sections"][1]["clauses"][0]["label"] == "1"


@pytest.mark.django_db
def test_the_summary_fixture_loads_resolution_174_and_says_it_is_not_the_text(personas):
    data = json.loads((DATA / "res174_summary.json").read_text(encoding="utf-8"))
    services.load_summary(data)
    measure(personas, title="Blocking stolen handsets")

    page = Client().get("/en/resolutions/pp/174/").content.decode()

    assert "summary of the resolution" in page and "A curator can import the official text" in page
    assert all(c.text.startswith("Summary: ") for c in Clause.objects.all())
    dissemination = Clause.objects.get(role=ClauseRole.DISSEMINATION)
    assert dissemination.activities.count() == 1


@pytest.mark.django_db
def test_the_import_command_reports_what_it_read_and_refuses_a_missing_file(tmp_path: Path):
    path = tmp_path / "res-test.txt"
    path.write_text(TEXT, encoding="utf-8")
    out = io.StringIO()

    call_command("import_resolution", str(path), stdout=out, stderr=io.StringIO())
    call_command("import_resolution", str(path), stdout=out, stderr=io.StringIO())

    assert "Resolution 174 Rev. Testville, 2030 imported: 4 sections, 6 clauses" in out.getvalue()
    assert "unchanged (imported before)" in out.getvalue()
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_resolution", str(tmp_path / "absent.txt"), stdout=io.StringIO())


@pytest.mark.django_db
def test_a_publication_is_recorded_under_resolution_174_only(imported, personas):
    services.import_resolution(TEXT.replace("RESOLUTION 174", "RESOLUTION 175"), actor=personas.curator)
    published = measure(personas, title="Blocking stolen handsets")

    activity = Activity.objects.get(source_id=str(published.pk))

    assert {c.section.revision.resolution.number for c in activity.clauses.all()} == {174}


@pytest.mark.django_db
def test_the_resolution_list_counts_statuses_in_queries_that_do_not_grow_with_the_resolutions(imported, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    measure(personas, title="Blocking stolen handsets")

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = Client().get("/en/resolutions/").content.decode()
        return len(captured), page

    few, page = queries()
    for number in (175, 176, 177):
        services.import_resolution(TEXT.replace("RESOLUTION 174", f"RESOLUTION {number}"), actor=personas.curator)
    many, _ = queries()

    assert many == few
    assert re.search(r'<td class="count">1</td><td class="count">0</td><td class="count">3</td>', page)
