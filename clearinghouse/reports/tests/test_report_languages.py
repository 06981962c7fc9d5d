"""A report quotes contributed text in its own language, and tells Word and the PDF renderer which it is."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from clearinghouse.catalog.tests.factories import measure
from clearinghouse.mandates import services as mandates
from clearinghouse.mandates.models import Activity, Resolution
from clearinghouse.mandates.tests.test_resolutions import TEXT
from clearinghouse.reports import services

FRENCH_TITLE = "Blocage des terminaux volés"
ARABIC_TITLE = "حظر الهواتف المسروقة"


@pytest.fixture
def resolution(personas) -> Resolution:
    mandates.import_resolution(TEXT, actor=personas.curator)
    measure(personas, title=FRENCH_TITLE, summary="Les terminaux volés sont bloqués.", language="fr")
    measure(personas, title=ARABIC_TITLE, summary="تُحظر الهواتف المسروقة.", language="ar")
    return Resolution.objects.get(number=174)


def build(resolution: Resolution, fmt: str) -> bytes:
    content, _data = services.build(
        resolution, format=fmt, start=None, end=None, edition="public", include_illustrative=False
    )
    return content


def runs_with(document, text: str) -> list:
    return [
        run
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
        if run.text == text
    ]


@pytest.mark.django_db
def test_a_measure_s_dissemination_is_recorded_in_the_measure_s_language(resolution):
    assert Activity.objects.get(title=FRENCH_TITLE).language == "fr"
    assert Activity.objects.get(title=ARABIC_TITLE).language == "ar"


@pytest.mark.django_db
def test_the_word_report_tells_word_the_language_of_each_quoted_title(resolution):
    document = Document(io.BytesIO(build(resolution, "docx")))
    (french,) = runs_with(document, FRENCH_TITLE)
    assert french._r.rPr.find(qn("w:lang")).get(qn("w:val")) == "fr"
    (arabic,) = runs_with(document, ARABIC_TITLE)
    assert arabic._r.rPr.find(qn("w:lang")).get(qn("w:bidi")) == "ar"
    assert arabic._r.rPr.find(qn("w:rtl")) is not None
    normal = document.styles["Normal"].element.rPr
    assert normal.find(qn("w:lang")).get(qn("w:val")) == "en"  # the report's own sentences


@pytest.mark.django_db
def test_the_html_and_pdf_report_marks_each_quoted_title_and_writes_dates_in_full(resolution):
    html = build(resolution, "html").decode()
    assert f'<bdi lang="fr">{FRENCH_TITLE}</bdi>' in html
    assert f'<bdi lang="ar" dir="rtl">{ARABIC_TITLE}</bdi>' in html
    read = re.sub(r"<svg.*?</svg>", "", html, flags=re.DOTALL)  # (the figures' metadata is for machines)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", read)  # "6 December 2026", never 2026-12-06
