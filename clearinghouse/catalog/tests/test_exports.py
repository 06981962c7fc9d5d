"""Exports of a catalogue search: the API's ``?format=`` and CSV a spreadsheet opens without running anything."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import body_of


def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body_of(response).decode("utf-8-sig"))))


def test_the_documented_csv_export_of_the_api_answers_a_csv_file(personas):
    measure(personas, title="SIM-box detection")
    response = Client().get("/api/v1/measures/export/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="measures.csv"'
    assert [row["title"] for row in _csv_rows(response)] == ["SIM-box detection"]


def test_the_json_export_of_the_api_is_the_default_and_answers_json(personas):
    measure(personas, title="SIM-box detection")
    for url in ("/api/v1/measures/export/?format=json", "/api/v1/measures/export/"):
        response = Client().get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
        assert [row["title"] for row in json.loads(body_of(response))["results"]] == ["SIM-box detection"]


def test_the_csv_export_keeps_the_search_and_its_filters(personas):
    measure(personas, title="SIM-box detection", threats=("simbox-fraud",))
    measure(personas, title="Spam filter", threats=("spam",), pillar="legal")
    response = Client().get("/api/v1/measures/export/?format=csv&q=spam&pillar=legal")
    assert [row["title"] for row in _csv_rows(response)] == ["Spam filter"]


def test_an_unknown_export_format_is_a_400_naming_the_formats_allowed(personas):
    response = Client().get("/api/v1/measures/export/?format=xlsx")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    message = response.json()["format"][0]
    assert "xlsx" in message and "csv" in message and "json" in message


def test_a_bad_filter_on_a_csv_export_is_a_400_naming_the_field(db):
    response = Client().get("/api/v1/measures/export/?format=csv&pillar=astrology")
    assert response.status_code == 400 and "pillar" in response.json()


@pytest.mark.parametrize(
    "title",
    [
        '=HYPERLINK("http://evil","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/measures/export/?format=csv", "/en/catalogue/export.csv"])
def test_a_csv_export_never_hands_a_spreadsheet_a_formula(personas, title, url):
    measure(personas, title=title, summary=title, evidence_source=title)
    (row,) = _csv_rows(Client().get(url))
    assert row["title"] == row["summary"] == row["evidence_source"] == "'" + title


def test_a_csv_export_leaves_ordinary_text_and_inner_signs_alone(personas):
    measure(personas, title="Caller ID = verified, +44 and -1 @ noon", summary="Blocks 1-2 calls.")
    (row,) = _csv_rows(Client().get("/api/v1/measures/export/?format=csv"))
    assert row["title"] == "Caller ID = verified, +44 and -1 @ noon" and row["summary"] == "Blocks 1-2 calls."


def test_the_json_export_keeps_the_title_as_written(personas):
    measure(personas, title='=HYPERLINK("http://evil","x")')
    body = json.loads(body_of(Client().get("/api/v1/measures/export/?format=json")))
    assert body["results"][0]["title"] == '=HYPERLINK("http://evil","x")'
    assert Measure.objects.get().title == '=HYPERLINK("http://evil","x")'


def test_a_nul_character_in_a_pillar_is_a_400_and_creates_nothing(personas):
    from clearinghouse.core.testing import client_for

    response = client_for(personas.alice).post(
        "/api/v1/measures/",
        {"title": "All", "summary": "enacting line", "pillar": "tech\x00nical", "threats": ["sp\x00am"]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "pillar" in response.json() and "threats" in response.json()
    assert not Measure.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_of_a_search_holds_what_the_search_page_finds_across_languages(personas, fmt):
    """A Russian reader searching «сим-бокс» sees a French measure filed under SIM-box fraud, and exports it."""
    filed = measure(
        personas,
        title="Détection des passerelles illégales",
        language="fr",
        threats=("simbox-fraud",),
    )
    measure(personas, title="Registre des terminaux volés", language="fr", threats=("device-theft",))
    page = Client().get("/ru/catalogue/", {"q": "сим-бокс"}).content.decode()
    response = Client().get("/api/v1/measures/export/", {"q": "сим-бокс", "format": fmt})
    content = body_of(response)
    exported = (
        [row["title"] for row in _csv_rows_of(content)]
        if fmt == "csv"
        else [row["title"] for row in json.loads(content)["results"]]
    )
    assert filed.title in page
    assert exported == [filed.title]


def _csv_rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
