"""Each language's words found in the forms readers type them in, without a common word matching everything.

Each measure below has one sentence in one language; each query is a form of a word of it that does not
occur in it as typed (a case, a plural, an attached article or preposition, a word inside a longer run).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from clearinghouse.catalog import selectors
from clearinghouse.catalog.search import analysis
from clearinghouse.catalog.tests.factories import measure

TEXTS = {
    "ru-fraud": ("ru", "Борьба с телефонным мошенничеством", "Регулятор блокирует номера мошенников."),
    "ru-sim": ("ru", "Обнаружение SIM-боксов", "Операторы выявляют обход межсетевых соединений."),
    "ar-fraud": ("ar", "مكافحة الاحتيال الهاتفي", "تحظر الهيئة الأرقام المستخدمة في الاحتيال."),
    "ar-consumers": ("ar", "حماية المستهلكين", "توعية المستهلك بالرسائل المزيفة."),
    "fr-fraud": ("fr", "Lutte contre les fraudes téléphoniques", "Les opérateurs bloquent les numéros frauduleux."),
    "es-measures": ("es", "Medidas contra las estafas", "La policía coopera con los operadores móviles."),
    "en-phishing": ("en", "Phishing awareness campaign", "Citizens learn to report fraudulent messages."),
    "zh-fraud": ("zh-hans", "电信网络诈骗防范措施", "运营商拦截诈骗电话和短信。"),
    "zh-other": ("zh-hans", "网上购物平台", "骗子冒充客服人员。"),
}


@pytest.fixture
def catalogue(personas):
    made = {}
    for key, (language, title, summary) in TEXTS.items():
        made[key] = measure(personas, title=title, summary=summary, language=language)
    return made


def found(query: str) -> set[str]:
    anonymous = AnonymousUser()
    result = selectors.search_measures(anonymous, query=query, page_size=50)
    keys = {TEXTS[key][1]: key for key in TEXTS}
    return {keys[m.title] for m in result.page}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Russian: the nominative a reader types finds the instrumental and genitive of the text
        ("мошенничество", {"ru-fraud"}),
        ("мошенничества", {"ru-fraud"}),
        ("мошенник", {"ru-fraud"}),
        ("соединение", {"ru-sim"}),
        # Arabic: the article, a preposition and a conjunction attached to the word
        ("بالاحتيال", {"ar-fraud"}),
        ("والاحتيال", {"ar-fraud"}),
        ("احتيال", {"ar-fraud"}),
        ("المستهلك", {"ar-consumers"}),
        ("مستهلكين", {"ar-consumers"}),
        ("رسائل", {"ar-consumers"}),
        # French: singular for the plural, and without the accent the reader may not type
        ("fraude", {"fr-fraud"}),
        ("telephonique", {"fr-fraud"}),
        ("numéro", {"fr-fraud"}),
        # Spanish: singular, accents
        ("medida", {"es-measures"}),
        ("estafa", {"es-measures"}),
        ("policia", {"es-measures"}),
        ("móvil", {"es-measures"}),
        # English
        ("campaigns", {"en-phishing"}),
        ("message", {"en-phishing"}),
        # Chinese: a word inside a longer run, and a run split into its words
        ("诈骗", {"zh-fraud"}),
        ("网络诈骗", {"zh-fraud"}),
        ("短信", {"zh-fraud"}),
    ],
)
def test_a_word_is_found_in_the_form_readers_type(catalogue, query, expected):
    assert found(query) == expected


@pytest.mark.django_db
def test_a_french_query_finds_the_french_forms_of_an_english_page(catalogue):
    # "frauduleux" (fr) and "fraudulent" (en) share the stem the three Latin-script languages give
    assert found("frauduleux") >= {"fr-fraud"}
    assert "en-phishing" in found("fraudulent")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "not_expected"),
    [
        # a Chinese word is not found where only its characters stand apart
        ("诈骗", "zh-other"),  # 骗子 has 骗, 网上 has 网: neither is the word
        ("网络", "zh-other"),
        # short words are not stretched into longer ones
        ("la", "fr-fraud"),
        ("the", "en-phishing"),
        ("mesure", "es-measures"),
    ],
)
def test_a_common_or_short_word_does_not_match_everything(catalogue, query, not_expected):
    assert not_expected not in found(query)


@pytest.mark.django_db
def test_a_quoted_phrase_matches_exactly_and_in_order(catalogue):
    assert found('"телефонным мошенничеством"') == {"ru-fraud"}
    assert found('"мошенничеством телефонным"') == set()
    assert found('"телефонное мошенничество"') == set()  # the other case of the same words is another phrase
    assert found("телефонное мошенничество") == {"ru-fraud"}  # unquoted, each word in its forms


@pytest.mark.django_db
def test_the_snippet_marks_the_forms_that_matched(catalogue):
    anonymous = AnonymousUser()
    result = selectors.search_measures(anonymous, query="мошенник")
    (hit,) = result.page
    assert "<mark>мошенников</mark>" in hit.snippet


def test_a_chinese_word_found_is_highlighted_as_one_word_not_character_by_character():
    from clearinghouse.catalog.search.text import parse_query, snippet

    marked = snippet("打击彩票诈骗的联合特别工作组", parse_query("诈骗"))
    assert "<mark>诈骗</mark>" in marked and "</mark><mark>" not in marked
    assert snippet("fraud fraud", parse_query("fraud")) == "<mark>fraud</mark> <mark>fraud</mark>"


def test_each_script_is_analysed_in_each_of_its_languages():
    assert analysis.word_forms("numeros") >= {"~numer", "~numero"}  # Spanish and English stems combined
    assert analysis.word_forms("мошенничеством") == {"~мошенничеств"}
    assert analysis.query_forms("诈骗") == {"~诈骗"}
    assert analysis.word_forms("42") == frozenset()


@pytest.mark.django_db
def test_a_result_found_through_a_translation_says_which_language_matched_and_links_the_reader_s(personas, client):
    from clearinghouse.catalog import services
    from clearinghouse.catalog.models import TranslationQuality

    made = measure(personas, title="Fighting telephone fraud", summary="The regulator blocks numbers.", language="en")
    services.set_measure_translation(
        made,
        actor=personas.alice,
        language="ru",
        quality=TranslationQuality.AUTHOR,
        title="Борьба с телефонным мошенничеством",
        summary="Регулятор блокирует номера мошенников.",
    )

    english = client.get("/en/catalogue/", {"q": "мошенничество"}).content.decode()
    russian = client.get("/ru/catalogue/", {"q": "мошенничество"}).content.decode()
    french = client.get("/fr/catalogue/", {"q": "мошенничество"}).content.decode()

    assert "Fighting telephone fraud" in english and "Found in the Russian text." in english
    assert f'href="/en/catalogue/measures/{made.pk}/">Read it in your language' in english
    assert "Борьба с телефонным" in russian and "matched" not in russian  # found in the language shown
    assert "pas encore de version" in french or "no version in your language" in french


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["сим-бокс", "SIM box", "boîtier SIM", "صندوق SIM", "SIM 盒", "bypass fraud"])
def test_a_threat_named_in_any_language_finds_the_records_filed_under_it(personas, client, query):
    filed = measure(
        personas,
        title="Détection des passerelles illégales",
        summary="Les opérateurs repèrent le trafic international détourné.",
        language="fr",
        threats=("simbox-fraud",),
    )
    elsewhere = measure(personas, title="Registre des terminaux volés", language="fr", threats=("device-theft",))

    found = {m.pk for m in selectors.search_measures(AnonymousUser(), query=query).page}
    page = client.get("/en/catalogue/", {"q": query}).content.decode()

    assert filed.pk in found and elsewhere.pk not in found
    assert "Found through the threat it counters" in page


@pytest.mark.django_db
def test_a_threat_s_name_and_another_word_need_both(personas):
    filed = measure(personas, title="Passerelles illégales", language="fr", threats=("simbox-fraud",))
    both = measure(personas, title="Passerelles illégales à Nairobi", language="fr", threats=("simbox-fraud",))

    found = {m.pk for m in selectors.search_measures(AnonymousUser(), query="сим-бокс Nairobi").page}

    assert found == {both.pk} and filed.pk not in found
