"""The interface in the six languages of the ITU, Arabic from right to left."""

from __future__ import annotations

import re

import pytest

from clearinghouse.core.testing import client_for

# (language in the address, the html lang attribute (BCP 47, as browsers know it), direction, "Member States")
LANGUAGES = [
    ("ar", "ar", "rtl", "الدول الأعضاء"),
    ("en", "en", "ltr", "Member States"),
    ("es", "es", "ltr", "Estados Miembros"),
    ("fr", "fr", "ltr", "États Membres"),
    ("ru", "ru", "ltr", "Государства-Члены"),
    ("zh-hans", "zh-Hans", "ltr", "成员国"),
]


@pytest.mark.parametrize(("code", "lang", "direction", "member_states"), LANGUAGES)
def test_each_language_renders_with_its_direction_and_translated_interface(
    db, client, code, lang, direction, member_states
):
    response = client.get(f"/{code}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}" dir="{direction}">' in body
    assert member_states in body


@pytest.mark.parametrize(("code", "name"), [("ar", "كينيا"), ("zh-hans", "肯尼亚"), ("ru", "Кения"), ("es", "Kenia")])
def test_country_names_follow_the_interface_language(db, client, code, name):
    assert name in client.get(f"/{code}/member-states/KE/").content.decode()


def test_the_switcher_links_to_the_same_page_in_every_language(db, client):
    body = client.get("/en/member-states/?region=cis").content.decode()
    for code in ("ar", "es", "fr", "ru", "zh-hans"):
        assert f'href="/{code}/member-states/?region=cis" hreflang="{code.replace("hans", "Hans")}"' in body


def test_the_root_sends_a_reader_to_their_browser_s_language(db, client):
    response = client.get("/", headers={"Accept-Language": "fr-CH, fr;q=0.9"})
    assert response.status_code == 302 and response["Location"] == "/fr/"


def test_an_unknown_language_code_is_a_404_that_names_it_and_lists_the_six(db, client):
    response = client.get("/de/member-states/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "“de” is not a language of this site" in body
    assert "ar, en, es, fr, ru, zh-hans" in body


def test_the_api_speaks_the_language_of_the_request(db, client):
    body = client.get("/api/v1/member-states/?group=nope", headers={"Accept-Language": "fr"}).json()
    assert re.search(r"Sélectionnez un choix valide", str(body))


def test_forms_and_errors_are_translated_too(personas):
    page = client_for(personas.alice).post("/ar/member-states/KE/profile/", {"cirt_url": "x"}).content.decode()
    assert 'dir="rtl"' in page
    assert "Enter a valid URL" not in page


@pytest.mark.parametrize("locale", ["ar", "es", "fr", "ru", "zh_Hans"])
def test_every_interface_string_is_translated(locale):
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parents[2] / "locale" / locale / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    missing = [
        message.id
        for message in catalog
        if message.id
        and (message.fuzzy or not all(message.string if isinstance(message.string, tuple) else [message.string]))
    ]
    assert missing == []
    assert (path.with_suffix(".mo")).exists(), "run `make translations`"
