"""Implementation reports: figures read from the database, the three formats, editions, the command and pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from docx import Document
from pypdf import PdfReader

from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import body_of, client_for
from clearinghouse.mandates import services as mandates
from clearinghouse.mandates.models import Clause, ClauseRole, Resolution
from clearinghouse.mandates.tests.test_resolutions import TEXT
from clearinghouse.reports import services
from clearinghouse.reports.models import Report, ReportStatus


@pytest.fixture
def records(personas):
    mandates.import_resolution(TEXT, actor=personas.curator)
    measure(personas, title="Blocking stolen handsets")  # Kenya, TLP:CLEAR
    measure(personas, by=personas.bob, title="Nigeria number portability checks", pillar="legal")
    measure(personas, title="Amber sinkhole for fraud numbers", tlp="amber")
    measure(personas, title="Draft never published", state="draft")
    clause = Clause.objects.get(role=ClauseRole.REPORTING)
    mandates.create_activity(
        actor=personas.curator,
        clauses=[clause],
        kind="meeting",
        title="Regional dialogue on SIM-box fraud",
        participants=40,
        tlp="clear",
    )
    mandates.create_activity(
        actor=personas.curator, clauses=[clause], kind="meeting", title="Closed-door CERT meeting", tlp="amber"
    )
    return Resolution.objects.get(number=174)


def build(resolution, fmt: str, *, restricted: bool = False) -> bytes:
    content, _data = services.build(
        resolution,
        format=fmt,
        start=None,
        end=None,
        edition="restricted" if restricted else "public",
        include_illustrative=False,
    )
    return content


@pytest.mark.django_db
def test_the_docx_has_its_sections_figures_and_the_figures_of_the_database(records):
    document = Document(io.BytesIO(build(records, "docx")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    summary = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows[1:]}
    published_clear = Measure.objects.filter(lifecycle="published", tlp="clear", is_illustrative=False).count()

    assert headings[:3] == ["1 Introduction", "2 The period in figures", "3 What was done under each operative clause"]
    assert "3.4 instructs the Secretary-General" in headings  # the operative clauses, in order
    assert len(document.inline_shapes) == 4  # three charts and the map
    assert [p.text for p in document.paragraphs if p.text.startswith("Figure ")][-1].startswith("Figure 4 – ")
    assert summary["Measures published"] == str(published_clear) == "2"
    assert summary["Member States contributing"] == "2"  # Kenya and Nigeria
    assert summary["Meetings held (participants)"] == "1 (40)"


@pytest.mark.django_db
def test_restricted_data_never_reaches_the_public_edition(records):
    public = build(records, "html").decode()
    restricted = build(records, "html", restricted=True).decode()

    for hidden in ("Amber sinkhole", "Closed-door CERT meeting"):
        assert hidden not in public
    assert "Closed-door CERT meeting" in restricted
    assert "RESTRICTED EDITION" in restricted and "RESTRICTED EDITION" not in public


@pytest.mark.django_db
def test_the_pdf_renders_and_the_restricted_edition_is_marked_on_every_page(records):
    public = PdfReader(io.BytesIO(build(records, "pdf")))
    restricted = PdfReader(io.BytesIO(build(records, "pdf", restricted=True)))

    assert len(public.pages) >= 2
    assert "Implementation of Resolution 174" in public.pages[0].extract_text()
    assert all("RESTRICTED EDITION" in page.extract_text() for page in restricted.pages)
    assert not any("RESTRICTED EDITION" in page.extract_text() for page in public.pages)


@pytest.mark.django_db
def test_the_command_writes_the_file_with_a_progress_bar_and_refuses_bad_input(records, tmp_path: Path):
    output = tmp_path / "report.docx"
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "implementation_report",
        "--resolution",
        "174",
        "--format",
        "docx",
        "--output",
        str(output),
        stdout=out,
        stderr=err,
    )

    assert output.stat().st_size > 10_000 and Document(str(output)).paragraphs
    assert "100% Done" in err.getvalue() and "2 measures" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command(
            "implementation_report",
            "--resolution",
            "174",
            "--format",
            "pdf",
            "--from",
            "30/11/2026",
            "--output",
            str(output),
        )
    with pytest.raises(CommandError, match="has not been imported"):
        call_command("implementation_report", "--resolution", "175", "--format", "pdf", "--output", str(output))
    with pytest.raises(CommandError, match="cannot end before it starts"):
        call_command(
            "implementation_report",
            "--resolution",
            "174",
            "--format",
            "html",
            "--from",
            "2026-02-01",
            "--to",
            "2026-01-01",
            "--output",
            str(output),
            stderr=io.StringIO(),
        )


@pytest.mark.django_db
def test_a_curator_generates_a_report_on_the_page_and_anyone_downloads_the_public_edition(
    records, personas, django_capture_on_commit_callbacks
):
    curator = client_for(personas.curator)

    with django_capture_on_commit_callbacks(execute=True):  # the background task, run at once in tests
        response = curator.post("/en/reports/new/", {"resolution": records.pk, "format": "pdf", "edition": "public"})

    report = Report.objects.get()
    assert response.status_code == 302 and report.status == ReportStatus.DONE and report.progress == 100
    download = Client().get(f"/en/reports/{report.pk}/download/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert body_of(download).startswith(b"%PDF")
    assert "Download" in Client().get("/en/reports/").content.decode()


@pytest.mark.django_db
def test_a_restricted_report_is_neither_listed_nor_served_to_others(
    records, personas, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.curator).post(
            "/en/reports/new/", {"resolution": records.pk, "format": "html", "edition": "restricted"}
        )
    report = Report.objects.get()

    assert Client().get(f"/en/reports/{report.pk}/download/").status_code == 404
    assert client_for(personas.alice).get(f"/en/reports/{report.pk}/download/").status_code == 404
    assert client_for(personas.curator).get(f"/en/reports/{report.pk}/download/").status_code == 200
    assert Client().get("/api/v1/reports/").json()["count"] == 0


@pytest.mark.django_db
def test_only_curators_request_reports_and_bad_requests_are_refused(records, personas):
    form = {"resolution": records.pk, "format": "docx", "edition": "public"}

    assert client_for(personas.alice).post("/en/reports/new/", form).status_code == 403
    refused = client_for(personas.curator).post(
        "/en/reports/new/", {**form, "start": "2026-05-01", "end": "2026-04-01"}
    )
    api_refused = client_for(personas.curator).post("/api/v1/reports/", {"resolution": 174, "format": "odt"})
    api_reader = client_for(personas.alice).post("/api/v1/reports/", {"resolution": 174, "format": "docx"})

    assert refused.status_code == 400 and "cannot end before it starts" in refused.content.decode()
    assert api_refused.status_code == 400 and "format" in api_refused.json()
    assert api_reader.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_the_api_generates_a_report_and_gives_its_download(records, personas, django_capture_on_commit_callbacks):
    curator = client_for(personas.curator)
    with django_capture_on_commit_callbacks(execute=True):
        response = curator.post("/api/v1/reports/", {"resolution": 174, "format": "html"})
    report = curator.get(f"/api/v1/reports/{response.json()['id']}/").json()

    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert report["status"] == "done" and report["download"].endswith("/download/")
    assert "Implementation of Resolution 174" in curator.get(report["download"]).getvalue().decode()


@pytest.mark.django_db
def test_a_failed_generation_is_recorded_and_keeps_no_file(
    records, personas, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services.render, "figures", broken)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.curator).post(
            "/en/reports/new/", {"resolution": records.pk, "format": "docx", "edition": "public"}
        )

    report = Report.objects.get()
    assert report.status == ReportStatus.FAILED and "the disk is full" in report.error
    assert not report.file
