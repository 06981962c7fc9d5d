"""Each contributed text is marked with its own language on the page, so browsers lay it out and read it right.

A French measure on an Arabic page keeps its full stop at the end of the sentence only if the browser knows it
is French (``lang``) and left to right (``dir``).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from clearinghouse.catalog.models import MeasureTranslation, TranslationQuality
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.languages import reader_date
from clearinghouse.core.testing import client_for

FRENCH_TITLE = "Registre central des terminaux volés"
FRENCH_SUMMARY = "Les téléphones volés sont bloqués sur tous les réseaux."
ARABIC_TITLE = "سجل مركزي لهويات الأجهزة"
ARABIC_SUMMARY = "تُحظر الهواتف المسروقة على جميع الشبكات."


def element_with(body: str, text: str) -> str:
    """The opening tag of the innermost element in the page's main part whose text starts with ``text``."""
    body = body[body.index("<main") :]
    match = re.search(r"<([a-z0-9]+)((?: [^<>]*)?)>" + re.escape(text), body)
    assert match, f"{text!r} is not on the page"
    return match.group(0)


@pytest.fixture
def french(personas):
    return measure(personas, title=FRENCH_TITLE, summary=FRENCH_SUMMARY, language="fr")


@pytest.fixture
def arabic(personas):
    return measure(personas, title=ARABIC_TITLE, summary=ARABIC_SUMMARY, language="ar")


def test_an_arabic_page_marks_a_french_measure_french_and_left_to_right(french):
    body = Client().get(f"/ar/catalogue/measures/{french.pk}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in body
    assert 'lang="fr" dir="ltr"' in element_with(body, FRENCH_TITLE)
    assert 'lang="fr" dir="ltr"' in element_with(body, FRENCH_SUMMARY)


def test_an_english_page_marks_an_arabic_measure_arabic_and_right_to_left(arabic):
    body = Client().get(f"/en/catalogue/measures/{arabic.pk}/").content.decode()
    assert 'lang="ar" dir="rtl"' in element_with(body, ARABIC_TITLE)
    assert 'lang="ar" dir="rtl"' in element_with(body, ARABIC_SUMMARY)


def test_a_text_in_the_page_s_own_language_is_not_marked_again(french):
    body = Client().get(f"/fr/catalogue/measures/{french.pk}/").content.decode()
    assert element_with(body, FRENCH_TITLE) == f"<h1>{FRENCH_TITLE}"


def test_a_translation_shown_is_marked_with_the_translation_s_language_and_the_original_with_its_own(french):
    MeasureTranslation.objects.create(
        measure=french,
        language="ar",
        quality=TranslationQuality.REVIEWED,
        title=ARABIC_TITLE,
        summary=ARABIC_SUMMARY,
    )
    client = Client()
    translated = client.get(f"/ar/catalogue/measures/{french.pk}/").content.decode()
    assert element_with(translated, ARABIC_TITLE) == f"<h1>{ARABIC_TITLE}"  # Arabic, as the page
    original = client.get(f"/ar/catalogue/measures/{french.pk}/?original=1").content.decode()
    assert 'lang="fr" dir="ltr"' in element_with(original, FRENCH_TITLE)
    on_english_page = client.get(f"/en/catalogue/measures/{french.pk}/").content.decode()
    assert 'lang="fr"' in element_with(on_english_page, FRENCH_TITLE)
    assert "dir=" not in element_with(on_english_page, FRENCH_TITLE)  # left to right, as the page


def test_the_catalogue_list_marks_each_result_s_title_and_summary(french, arabic):
    body = Client().get("/ar/catalogue/").content.decode()
    assert 'lang="fr" dir="ltr"' in element_with(body, f'<a href="/ar/catalogue/measures/{french.pk}/">{FRENCH_TITLE}')
    assert 'lang="fr" dir="ltr"' in element_with(body, FRENCH_SUMMARY)
    assert element_with(body, ARABIC_SUMMARY) == f"<p>{ARABIC_SUMMARY}"


def test_a_search_result_s_title_and_snippet_with_its_marks_are_marked_with_their_language(french):
    body = Client().get("/ar/catalogue/?q=volés").content.decode()
    heading = re.search(rf'<h3([^>]*)><a href="/ar/catalogue/measures/{french.pk}/">', body)
    assert heading and heading.group(1) == ' lang="fr" dir="ltr"'
    snippet = re.search(r'<p class="snippet"([^>]*)>(.*?)</p>', body)
    assert snippet, "no snippet"
    assert snippet.group(1) == ' lang="fr" dir="ltr"'
    assert "<mark>volés</mark>" in snippet.group(2)


def test_the_date_of_publication_is_written_in_full_in_the_reader_s_language(french):
    body = Client().get(f"/fr/catalogue/measures/{french.pk}/").content.decode()
    assert reader_date(french.published_at, language="fr") in body
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", body)


def test_the_threats_of_a_measure_are_joined_as_the_reader_s_language_joins_a_list(personas):
    shown = measure(personas, threats=("phishing-scams", "simbox-fraud", "cli-spoofing"))
    threats = list(shown.threats.all())
    assert len(threats) == 3, "the taxonomy's slugs changed"
    body = Client().get(f"/ar/catalogue/measures/{shown.pk}/").content.decode()
    # Arabic lists take the Arabic comma («أ، وب، وج»), each name isolated in <bdi> so that its direction
    # stays its own
    assert body.count("</bdi>، و<bdi>") == 2


def test_what_a_person_types_takes_its_direction_from_itself_in_every_form_and_search_box(personas, french):
    """An Arabic title typed on an English page (or an English one on an Arabic page) reads in its own direction
    while it is typed: every text box and text area has dir="auto", unless the form fixes a language's direction."""
    client = Client()
    client.force_login(personas.alice)
    form = client.get("/ar/catalogue/measures/new/").content.decode()
    assert re.search(r'<input type="text" name="title" dir="auto"', form)
    assert re.search(r'<textarea name="summary" dir="auto"', form)
    assert '<html lang="ar" dir="rtl">' in form
    for page in ("/en/catalogue/", "/ar/"):
        assert re.search(r'<input[^>]* name="q" dir="auto"', Client().get(page).content.decode()), page
    names = client_for(personas.curator).get("/en/catalogue/taxonomy/pillars/legal/")
    assert names.status_code == 200
    body = names.content.decode()
    assert 'lang="ar" dir="rtl"' in body and 'dir="auto" lang="ar"' not in body


@pytest.mark.parametrize(
    ("language", "items", "expected"),
    [
        ("ar", ["أ", "ب"], "أ وب"),  # two: no comma, and neither is repeated
        ("ar", ["أ", "ب", "ج"], "أ، وب، وج"),
        ("ar", ["أ"], "أ"),
        ("en", ["A", "B"], "A and B"),
        ("zh-hans", ["甲", "乙", "丙"], "甲、乙和丙"),
    ],
)
def test_a_list_reads_as_its_language_joins_one_and_two_items_in_arabic_are_not_repeated(language, items, expected):
    from clearinghouse.core.languages import reader_list

    assert reader_list(items, language) == expected
