"""A text's language and direction given to the browser and to Word, and dates written in full in each language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from clearinghouse.core.languages import (
    bcp47,
    direction,
    isolate,
    lang_attrs,
    reader_date,
    reader_list,
    set_docx_language,
)


@pytest.mark.parametrize(
    ("django_code", "browser_code"), [("zh-hans", "zh-Hans"), ("en-gb", "en-GB"), ("ar", "ar"), ("zh_Hans", "zh-Hans")]
)
def test_codes_are_written_as_browsers_know_them(django_code, browser_code):
    assert bcp47(django_code) == browser_code


def test_arabic_is_right_to_left_and_the_others_left_to_right():
    assert direction("ar") == "rtl"
    assert [direction(code) for code in ("en", "es", "fr", "ru", "zh-hans")] == ["ltr"] * 5
    assert direction("") == "auto"


def test_a_french_text_on_an_arabic_page_gets_its_language_and_direction():
    assert lang_attrs("fr", page="ar") == ' lang="fr" dir="ltr"'


def test_an_arabic_text_on_an_english_page_gets_its_language_and_direction():
    assert lang_attrs("ar", page="en") == ' lang="ar" dir="rtl"'


def test_a_french_text_on_an_english_page_needs_its_language_only():
    assert lang_attrs("fr", page="en") == ' lang="fr"'


def test_a_text_in_the_page_s_language_needs_nothing():
    assert lang_attrs("zh-hans", page="zh-hans") == ""
    assert lang_attrs("ar", page="ar") == ""


def test_a_text_of_unknown_language_lets_the_browser_read_its_direction():
    assert lang_attrs("", page="ar") == ' dir="auto"'


def test_a_chinese_text_is_marked_with_its_script():
    assert lang_attrs("zh-hans", page="en") == ' lang="zh-Hans"'


def test_the_tag_reads_the_page_language_from_the_request_and_the_filter_isolates_a_run():
    template = Template('{% load texts %}<p{% lang_attrs "fr" %}>x</p> {{ name|isolate:"fr" }} {{ other|isolate }}')
    with translation.override("ar"):
        rendered = template.render(Context({"name": "Orange <SA>", "other": "ITU"}))
    assert rendered == '<p lang="fr" dir="ltr">x</p> <bdi lang="fr" dir="ltr">Orange &lt;SA&gt;</bdi> <bdi>ITU</bdi>'


def test_isolate_escapes_what_it_wraps():
    assert isolate("<b>", "en", page="ar") == '<bdi lang="en" dir="ltr">&lt;b&gt;</bdi>'


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "December 6, 2026"),
        ("fr", "6 décembre 2026"),
        ("ar", "6 ديسمبر 2026"),
        ("es", "6 de diciembre de 2026"),
        ("ru", "6 декабря 2026\u202fг."),
        ("zh-hans", "2026年12月6日"),
    ],
)
def test_a_date_is_written_in_full_as_each_language_writes_it(language, written):
    assert reader_date(date(2026, 12, 6), language=language) == written


def test_a_date_is_never_written_in_numbers_alone():
    for language in ("en", "fr", "ar", "es", "ru", "zh-hans"):
        assert "12/06" not in reader_date(date(2026, 12, 6), language=language)
        assert "06/12" not in reader_date(date(2026, 12, 6), language=language)


def test_a_time_follows_the_day_in_the_reader_s_manner():
    moment = datetime(2026, 12, 6, 14, 5, tzinfo=UTC)
    assert reader_date(moment, with_time=True, language="fr") == "6 décembre 2026, 14:05"
    assert reader_date(moment, language="fr") == "6 décembre 2026"


def test_the_date_filter_follows_the_page_language():
    template = Template("{% load texts %}{{ day|reader_date }}|{{ none|reader_date }}")
    with translation.override("fr"):
        assert template.render(Context({"day": date(2026, 12, 6), "none": None})) == "6 décembre 2026|"


def test_a_word_run_carries_its_language_and_an_arabic_run_its_direction():
    from docx import Document
    from docx.oxml.ns import qn

    document = Document()
    paragraph = document.add_paragraph()
    french, arabic, chinese = paragraph.add_run("Texte."), paragraph.add_run("نص."), paragraph.add_run("文本。")
    set_docx_language(french, "fr")
    set_docx_language(arabic, "ar", paragraph)
    set_docx_language(chinese, "zh-hans")
    assert french._r.rPr.find(qn("w:lang")).get(qn("w:val")) == "fr"
    assert arabic._r.rPr.find(qn("w:lang")).get(qn("w:bidi")) == "ar"
    assert arabic._r.rPr.find(qn("w:rtl")) is not None
    assert paragraph._p.pPr.find(qn("w:bidi")) is not None
    assert chinese._r.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-Hans"
    # WordprocessingML's order: w:rtl comes before w:lang in a run's properties
    tags = [child.tag for child in arabic._r.rPr]
    assert tags.index(qn("w:rtl")) < tags.index(qn("w:lang"))


def test_a_chinese_list_is_joined_with_the_enumeration_comma_where_a_name_holds_and_itself():
    """« 甲、乙和丙 » as CLDR joins a list; a name holding 和 would make « 甲和乙和丙 »: where one ends is unclear."""
    assert reader_list(["网络钓鱼", "短信诈骗"], "zh-hans") == "网络钓鱼和短信诈骗"
    assert reader_list(["网络钓鱼", "短信诈骗", "盗窃"], "zh-hans") == "网络钓鱼、短信诈骗和盗窃"
    assert reader_list(["垃圾邮件和网络钓鱼", "短信诈骗"], "zh-hans") == "垃圾邮件和网络钓鱼、短信诈骗"
