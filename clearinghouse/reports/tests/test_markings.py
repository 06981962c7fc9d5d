"""Reports carry their markings: every row, the cover and every page; who receives an edition bounds them."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from docx import Document
from pypdf import PdfReader

from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for
from clearinghouse.mandates import services as mandates
from clearinghouse.mandates.models import Clause, ClauseRole, Resolution
from clearinghouse.mandates.tests.test_resolutions import TEXT
from clearinghouse.reports import services
from clearinghouse.reports.models import EDITION_MARKINGS, Report

LABEL = re.compile(r"TLP:[A-Z]+(?:\+STRICT)?")
ALLOWED = {
    edition: {f"TLP:{marking.upper()}" for marking in markings} for edition, markings in EDITION_MARKINGS.items()
}


def meeting(personas, title: str, tlp: str) -> None:
    clause = Clause.objects.get(role=ClauseRole.REPORTING)
    mandates.create_activity(actor=personas.curator, clauses=[clause], kind="meeting", title=title, tlp=tlp)


@pytest.fixture
def resolution(personas) -> Resolution:
    mandates.import_resolution(TEXT, actor=personas.curator)
    return Resolution.objects.get(number=174)


@pytest.fixture
def every_marking(resolution, personas) -> Resolution:
    """Published measures (and so disseminations) and meetings of every marking, TLP:RED included."""
    measure(personas, title="Blocking stolen handsets")
    measure(personas, title="Green handset register", tlp="green")
    measure(personas, title="Amber sinkhole for fraud numbers", tlp="amber")
    measure(personas, title="Strict signalling firewall", tlp="amber+strict")
    meeting(personas, "Regional dialogue on SIM-box fraud", "clear")
    meeting(personas, "Closed-door CERT meeting", "amber")
    meeting(personas, "Named-only incident debrief", "red")
    return resolution


def build(resolution: Resolution, fmt: str, edition: str) -> bytes:
    content, _data = services.build(
        resolution, format=fmt, start=None, end=None, edition=edition, include_illustrative=False
    )
    return content


def html_rows(content: bytes) -> dict[str, str]:
    """Each listed activity's title and the marking on its row."""
    rows = re.findall(
        r"<tr><td>[^<]*</td><td>[^:<]+: (?:<bdi[^>]*>)?([^<]+?)(?:</bdi>)?(?: \([^)]*\))? — [^<]*</td>"
        r".*?(TLP:[A-Z+]+)</span>",
        content.decode(),
    )
    return dict(rows)


def docx_rows(document) -> dict[str, str]:
    """Each activity or Member State row of the DOCX tables and the marking in its last cell."""
    rows = {}
    for table in document.tables:
        if table.rows[0].cells[-1].text != "TLP":
            continue
        for row in table.rows[1:]:
            first = row.cells[1].text if table.rows[0].cells[0].text == "Dates" else row.cells[0].text
            rows[first.split(": ", 1)[-1].split(" — ")[0]] = row.cells[-1].text
    return rows


@pytest.mark.django_db
def test_every_row_of_the_restricted_edition_names_its_marking_in_html_and_docx(every_marking):
    html = html_rows(build(every_marking, "html", "restricted"))
    docx = docx_rows(Document(io.BytesIO(build(every_marking, "docx", "restricted"))))

    expected = {
        "Blocking stolen handsets": "TLP:CLEAR",
        "Green handset register": "TLP:GREEN",
        "Amber sinkhole for fraud numbers": "TLP:AMBER",
        "Strict signalling firewall": "TLP:AMBER+STRICT",
        "Regional dialogue on SIM-box fraud": "TLP:CLEAR",
        "Closed-door CERT meeting": "TLP:AMBER",
    }
    for title, label in expected.items():
        assert html[title] == label, title
        assert docx[title] == label, title
    assert docx["Kenya"] == "TLP:AMBER+STRICT"  # the narrowest of the measures counted on the annex row
    assert "Named-only incident debrief" not in html and "Named-only incident debrief" not in docx


@pytest.mark.django_db
def test_the_cover_and_every_page_of_the_restricted_edition_carry_its_most_restrictive_marking(every_marking):
    html = build(every_marking, "html", "restricted").decode()
    document = Document(io.BytesIO(build(every_marking, "docx", "restricted")))
    pdf = PdfReader(io.BytesIO(build(every_marking, "pdf", "restricted")))

    assert re.search(r'id="tlp-top"><span[^>]*>TLP:AMBER\+STRICT<', html)
    assert re.search(r'id="tlp-bottom"><span[^>]*>TLP:AMBER\+STRICT<', html)
    assert re.search(r"Sharing: <span[^>]*>TLP:AMBER\+STRICT<", html)  # the cover
    assert "Sharing: TLP:AMBER+STRICT" not in html  # nothing in the CSS leaks a different marking
    assert '@top-left { content: "TLP:AMBER+STRICT"' in html and '@bottom-center { content: "TLP:AMBER+STRICT"' in html
    for section in document.sections:
        assert section.header.paragraphs[0].text.startswith("TLP:AMBER+STRICT · RESTRICTED EDITION")
        assert section.footer.paragraphs[0].text == "TLP:AMBER+STRICT"
    cover = [p.text for p in document.paragraphs[:8]]
    assert any(text.startswith("TLP:AMBER+STRICT") for text in cover)
    assert len(pdf.pages) >= 2
    for number, page in enumerate(pdf.pages, start=1):
        assert page.extract_text().count("TLP:AMBER+STRICT") >= 2, f"page {number}: header and footer"


@pytest.mark.django_db
def test_one_amber_row_marks_the_document_amber_and_an_all_clear_report_is_clear(resolution, personas):
    measure(personas, title="Blocking stolen handsets")
    meeting(personas, "Closed-door CERT meeting", "amber")

    restricted = Document(io.BytesIO(build(resolution, "docx", "restricted")))
    public = Document(io.BytesIO(build(resolution, "docx", "public")))
    public_pdf = PdfReader(io.BytesIO(build(resolution, "pdf", "public")))

    assert restricted.sections[0].header.paragraphs[0].text.startswith("TLP:AMBER ·")
    assert restricted.sections[0].footer.paragraphs[0].text == "TLP:AMBER"
    assert public.sections[0].header.paragraphs[0].text.startswith("TLP:CLEAR ·")
    assert public.sections[0].footer.paragraphs[0].text == "TLP:CLEAR"
    assert all(page.extract_text().count("TLP:CLEAR") >= 2 for page in public_pdf.pages)
    assert not any("TLP:AMBER" in page.extract_text() for page in public_pdf.pages)


@pytest.mark.parametrize("edition", ["public", "community", "restricted"])
@pytest.mark.django_db
def test_an_edition_never_holds_a_marking_above_its_audience(every_marking, edition):
    html = build(every_marking, "html", edition).decode()
    document = Document(io.BytesIO(build(every_marking, "docx", edition)))
    docx_text = "\n".join(
        [p.text for p in document.paragraphs]
        + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        + [s.header.paragraphs[0].text + s.footer.paragraphs[0].text for s in document.sections]
    )

    for text in (html, docx_text):
        assert set(LABEL.findall(text)) <= ALLOWED[edition]
        assert "Named-only incident debrief" not in text
    shown = {title for title, _marking in html_rows(html.encode()).items()}
    if edition == "public":
        assert shown == {"Blocking stolen handsets", "Regional dialogue on SIM-box fraud"}
    if edition == "community":
        assert shown == {"Blocking stolen handsets", "Green handset register", "Regional dialogue on SIM-box fraud"}
        assert "COMMUNITY EDITION" in html


@pytest.mark.django_db
def test_a_measure_re_marked_green_after_publication_marks_its_row_green_and_leaves_the_public_edition(
    resolution, personas
):
    published = measure(personas, title="Blocking stolen handsets")
    Measure.objects.filter(pk=published.pk).update(tlp="green")  # an administrator corrects its marking

    community = build(resolution, "html", "community")
    public = build(resolution, "html", "public")

    assert html_rows(community)["Blocking stolen handsets"] == "TLP:GREEN"
    assert re.search(r'id="tlp-top"><span[^>]*>TLP:GREEN<', community.decode())
    assert "Blocking stolen handsets" not in public.decode()


@pytest.mark.django_db
def test_the_request_form_and_the_api_name_the_audience_and_refuse_an_unknown_one(resolution, personas):
    curator = client_for(personas.curator)

    page = curator.get("/en/reports/").content.decode()
    refused = curator.post("/en/reports/new/", {"resolution": resolution.pk, "format": "html", "edition": "everyone"})
    api_refused = curator.post("/api/v1/reports/", {"resolution": 174, "format": "html", "edition": "everyone"})

    assert "Who receives it" in page
    assert "the signed-in community: TLP:CLEAR and TLP:GREEN" in page
    assert "the Secretariat: up to TLP:AMBER+STRICT, never TLP:RED" in page
    assert refused.status_code == 400 and api_refused.status_code == 400 and "edition" in api_refused.json()
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_community_edition_is_served_to_signed_in_members_and_not_to_the_public(
    resolution, personas, django_capture_on_commit_callbacks
):
    measure(personas, title="Green handset register", tlp="green")
    with django_capture_on_commit_callbacks(execute=True):
        created = client_for(personas.curator).post(
            "/api/v1/reports/", {"resolution": 174, "format": "html", "edition": "community"}
        )
    url = f"/en/reports/{created.json()['id']}/download/"

    assert created.status_code == 202 and created.json()["edition"] == "community"
    assert Client().get(url).status_code == 404
    assert Client().get("/api/v1/reports/").json()["count"] == 0
    served = client_for(personas.bob).get(url)
    assert served.status_code == 200 and "Green handset register" in served.getvalue().decode()
    assert client_for(personas.bob).get("/api/v1/reports/").json()["count"] == 1


def test_the_period_of_an_edition_is_drawn_only_from_what_its_audience_may_see(resolution, personas):
    from datetime import UTC, datetime

    early = measure(personas, title="Earlier and restricted", tlp="amber")
    Measure.objects.filter(pk=early.pk).update(published_at=datetime(2011, 5, 17, tzinfo=UTC))
    measure(personas, title="Public one")
    _content, public = services.build(
        resolution, format="html", start=None, end=None, edition="public", include_illustrative=False
    )
    _content, restricted = services.build(
        resolution, format="html", start=None, end=None, edition="restricted", include_illustrative=False
    )
    assert public.start is not None and public.start.year > 2011
    assert restricted.start is not None and restricted.start.year == 2011
