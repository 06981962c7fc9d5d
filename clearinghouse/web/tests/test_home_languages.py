"""The home page holds no stored content: every sentence on it is an interface string, so a reader meets all of it
in their language."""

from __future__ import annotations

from html import escape

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db

SENTENCES = [
    "Acting together against the illicit use of ICTs",
    "Catalogue of measures",
    "Least developed countries",
    "Small island developing states",
    "International and regional organizations, Sector Members, Associates, Academia and other ICT stakeholders, "
    "including geospatial and information service providers.",
    "Every public list of this platform can be read by programs through a documented REST API.",
]


@pytest.mark.parametrize("language", ["ar", "en", "es", "fr", "ru", "zh-hans"])
def test_a_reader_meets_every_sentence_of_the_home_page_in_their_language(language):
    page = Client().get(f"/{language}/").content.decode()
    for sentence in SENTENCES:
        with translation.override(language):
            translated = gettext(sentence)
        assert language == "en" or translated != sentence, (language, sentence)  # the catalog has it
        assert escape(translated, quote=False) in page or translated in page, (language, sentence)
        if language != "en":
            assert sentence not in page, (language, sentence)
