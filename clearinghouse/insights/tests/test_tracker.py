"""The telecom measures tracker (issue 16, item 5): each state against the misuses regulators deal with, over what
the reader may see, with the threats' ITU-T references; filtered by region or group; as CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP

pytestmark = pytest.mark.django_db


def tracker_page(user: Any, query: str = "", language: str = "en") -> tuple[int, str]:
    answer = client_for(user).get(f"/{language}/tracker/{query}")
    return answer.status_code, answer.content.decode()


def status_of(page: str, alpha2: str) -> list[str]:
    row = re.search(rf'<tr data-state="{alpha2}">(.*?)</tr>', page, re.S)
    assert row, alpha2
    return re.findall(r'data-status="([a-z-]+)"', row.group(1))


@pytest.fixture
def kenyan(personas):
    return {
        "simbox": measure(personas, title="SIM-box detection", threats=("simbox-fraud",), status="operational"),
        "spam": measure(personas, title="Spam rules", threats=("spam", "cli-spoofing"), status="planned"),
        "amber": measure(personas, title="Stolen phones", tlp=TLP.AMBER, threats=("device-theft",), status="evaluated"),
        "content": measure(personas, title="Child online protection", threats=("csam",), status="operational"),
    }


def test_each_state_shows_adopted_in_progress_or_none_known_for_what_the_reader_may_see(personas, kenyan):
    status, page = tracker_page(personas.reader)
    assert status == 200
    # spam, telephone scams, CLI spoofing, SIM-box, numbering, counterfeit devices, device theft
    assert status_of(page, "KE") == ["in-progress", "none", "in-progress", "adopted", "none", "none", "none"]
    assert status_of(page, "NG") == ["none"] * 7
    assert "ITU-T X.1231" in page and "ITU-T Q.5051" in page  # the threats' references
    assert re.search(r'data-adopted="simbox-fraud">1 / 0<', page)
    _, kenyan_eyes = tracker_page(personas.alice)
    assert status_of(kenyan_eyes, "KE")[-1] == "adopted"  # its own AMBER measure
    assert "Child online protection" not in page  # content is not a telecom misuse: no column


def test_the_tracker_is_filtered_by_region_and_the_csv_follows_the_filter(personas, kenyan):
    _, africa = tracker_page(personas.reader, "?region=africa")
    assert 'data-state="KE"' in africa and 'data-state="FR"' not in africa
    answer = client_for(personas.reader).get("/en/tracker/?region=africa&format=csv")
    text = (b"".join(answer.streaming_content) if answer.streaming else answer.content).decode("utf-8-sig")
    rows = {row["state"]: row for row in csv.DictReader(io.StringIO(text))}
    assert "FR" not in rows and rows["KE"]["simbox-fraud"] == "adopted" and rows["KE"]["device-theft"] == "none"


def test_a_bad_filter_is_a_clear_page(personas):
    status, page = tracker_page(personas.reader, "?region=atlantis")
    assert status == 400 and "Select a valid choice" in page


def test_the_tracker_reads_in_arabic_with_words_for_screen_readers(personas, kenyan):
    _, page = tracker_page(personas.reader, "?region=africa", "ar")
    assert 'dir="rtl"' in page and "كينيا" in page
    assert '<span class="visually-hidden">' in page


def test_the_tracker_has_a_world_map_that_shades_each_state_by_what_it_has_adopted(personas, kenyan):
    _, page = tracker_page(personas.reader)
    assert '<svg viewBox="-170.0 -84.0 360.0 142.0" role="img"' in page
    kenya = re.search(r'<path d="[^"]+" class="l(\d)" data-numeric="404"><title>([^<]+)</title>', page)
    assert kenya and kenya.group(1) == "2" and kenya.group(2) == "Kenya: 1 of 7 adopted, 2 in progress"
    assert re.search(r'<path d="[^"]+" class="l0" data-numeric="566"><title>Nigeria: 0 of 7', page)
    assert 'data-numeric="010"' not in page  # Antarctica is not drawn
    french = tracker_page(personas.reader, language="fr")[1]
    assert "Kenya : 1 sur 7 adoptées, 2 en cours" in french.replace("\u202f", " ").replace("\xa0", " ")
    chinese = tracker_page(personas.reader, language="zh-hans")[1]
    assert "肯尼亚" in chinese and "<svg" in chinese
