"""Member States side by side (issue 16, item 2): over what the reader may see, shareable by its address, as CSV;
a clear page for a wrong choice. Personas: alice leads Kenya, bob leads Nigeria, carol belongs to the GSMA."""

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


def compared(user: Any, query: str, language: str = "en") -> tuple[int, str]:
    answer = client_for(user).get(f"/{language}/member-states/compare/{query}")
    return answer.status_code, answer.content.decode()


@pytest.fixture
def measures(personas):
    return {
        "ceir": measure(personas, status="operational", since_year=2019),
        "amber": measure(personas, title="Operator hotline", tlp=TLP.AMBER, threats=("simbox-fraud",)),
        "nigeria": measure(
            personas, by=personas.bob, title="Anti-spam rules", pillar="legal", threats=("spam",), status="planned"
        ),
    }


def body(answer: Any) -> str:
    return (b"".join(answer.streaming_content) if answer.streaming else answer.content).decode("utf-8-sig")


def totals(page: str) -> list[str]:
    return re.findall(r'data-total="\d">([^<]*)<', page)


def test_the_states_side_by_side_count_what_the_reader_may_see(personas, measures):
    status, page = compared(personas.reader, "?state=KE&state=ng")
    assert status == 200
    assert totals(page) == ["1 / 1", "0 / 1"]  # Kenya's AMBER measure is not counted for the public
    assert "Central equipment identity register" in page and "Anti-spam rules" in page
    assert "Operator hotline" not in page
    _, own = compared(personas.alice, "?state=KE,NG")
    assert totals(own) == ["1 / 2", "0 / 1"] and "Operator hotline" in own
    assert re.search(r'data-threat="telecom-misuse"><th scope="row">[^<]+</th><td class="n">0 / 1</td>', own)


def test_the_address_names_the_states_and_the_csv_holds_their_measures_that_may_leave(personas, measures):
    _, page = compared(personas.alice, "?state=KE&state=NG")
    assert 'href="?state=KE&amp;state=NG&amp;format=csv"' in page
    assert '<option value="NG" selected>' in page
    answer = client_for(personas.alice).get("/en/member-states/compare/?state=KE&state=NG&format=csv")
    assert answer["Content-Type"].startswith("text/csv")
    assert 'filename="compare-KE-NG.csv"' in answer["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body(answer))))
    assert {(row["state"], row["title"]) for row in rows} == {
        ("KE", "Central equipment identity register"),
        ("KE", "Operator hotline"),  # AMBER may leave the platform, to those who may see it
        ("NG", "Anti-spam rules"),
    }
    assert rows[0]["url"].startswith("http://testserver/en/catalogue/measures/")
    public = client_for(personas.reader).get("/en/member-states/compare/?state=KE&format=csv")
    assert "Operator hotline" not in body(public) and "Central equipment identity register" in body(public)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?state=KE&state=XX&state=zz", "No Member State has the code XX, ZZ."),
        ("?state=KE,NG,FJ,BT,TD", "Compare at most 4 Member States at once: 5 were chosen."),
    ],
)
def test_a_wrong_choice_gets_a_clear_page_saying_what_is_wrong(personas, query, message):
    status, page = compared(personas.reader, query)
    assert status == 400 and message in page
    assert '<select name="state"' in page  # the choice, to make again
    assert compared(personas.reader, query + "&format=csv")[0] == 400


def test_with_no_state_chosen_the_page_asks_which(personas):
    status, page = compared(personas.reader, "")
    assert status == 200 and "Choose one to four Member States" in page and "data-total" not in page
    assert compared(personas.reader, "?state=&state=")[0] == 200


def test_the_comparison_reads_in_arabic(personas, measures):
    _, page = compared(personas.reader, "?state=KE&state=NG", "ar")
    assert 'dir="rtl"' in page and "كينيا" in page and "نيجيريا" in page
