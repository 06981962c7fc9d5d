"""Search in the six languages, and the visibility rule on hits, counts and snippets."""

from __future__ import annotations

import pytest

from clearinghouse.catalog import selectors, services
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.visibility import Lifecycle


def titles(user, query: str, **filters) -> list[str]:
    from clearinghouse.catalog.filters import MeasureFilterSet

    filterset = MeasureFilterSet(filters, queryset=selectors.measures_visible_to(user))
    assert filterset.is_valid(), filterset.errors
    return [m.title for m in selectors.search_measures(user, query=query, selected=filterset.form.cleaned_data).page]


@pytest.fixture
def catalogue(personas):
    measure(
        personas,
        title="Registre central des identités d'équipements (CEIR)",
        language="fr",
        summary="Les téléphones volés sont bloqués sur tous les réseaux.",
    )
    measure(
        personas,
        title="Детектирование SIM-боксов",
        language="ru",
        threats=("simbox-fraud",),
        summary="Операторы обнаруживают обход межсетевого соединения.",
    )
    measure(
        personas,
        title="مكافحة الاحتيال الهاتفي",
        language="ar",
        threats=("telephone-scams",),
        summary="تقوم الهيئة بحظر الأرقام المستخدمة في الإحتيال.",
    )
    measure(personas, title="防止手机盗窃的设备识别登记", language="zh-hans", summary="被盗手机在所有网络上被封锁。")
    measure(
        personas,
        title="Ley de delitos informáticos",
        language="es",
        pillar="legal",
        threats=("illegal-access",),
        summary="Tipifica el acceso ilícito a sistemas informáticos.",
    )
    measure(
        personas,
        title="Caller ID authentication with STIR/SHAKEN",
        threats=("cli-spoofing",),
        summary="Spoofed calls are labelled before they reach subscribers.",
    )
    return personas


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("identites equipements", "Registre central des identités d'équipements (CEIR)"),  # accents ignored
        ("VOLÉS", "Registre central des identités d'équipements (CEIR)"),  # case and accents
        ("sim-боксов", "Детектирование SIM-боксов"),
        ("обнаружива", "Детектирование SIM-боксов"),  # a prefix finds the inflected word
        ("الاحتيال", "مكافحة الاحتيال الهاتفي"),
        ("الإحتيال", "مكافحة الاحتيال الهاتفي"),  # hamza forms unified
        ('"手机盗窃"', "防止手机盗窃的设备识别登记"),  # (unquoted, it names a threat: see test_search_languages)
        ("被盗", "防止手机盗窃的设备识别登记"),
        ("ilicito", "Ley de delitos informáticos"),
        ("spoofed calls", "Caller ID authentication with STIR/SHAKEN"),
        ('"caller id"', "Caller ID authentication with STIR/SHAKEN"),
    ],
)
def test_a_query_finds_its_measure_in_each_of_the_six_languages(catalogue, query, expected):
    assert titles(catalogue.reader, query) == [expected]


def test_chinese_characters_must_be_adjacent_to_match_a_word(catalogue):
    assert titles(catalogue.reader, "手盗") == []


def test_a_query_in_one_language_finds_the_translation_of_a_record(catalogue):
    record = selectors.measures_visible_to(catalogue.alice).get(language="ar")
    services.set_measure_translation(
        record,
        actor=catalogue.alice,
        language="en",
        quality="reviewed",
        title="Fighting telephone fraud",
        summary="The authority blocks fraud numbers.",
    )
    assert titles(catalogue.reader, "telephone fraud") == ["مكافحة الاحتيال الهاتفي"]


def test_the_most_relevant_measure_comes_first(personas):
    measure(
        personas,
        title="Spam filtering",
        summary="A national spam filter for SMS spam and e-mail spam.",
        threats=("spam",),
    )
    measure(personas, title="Numbering plan audit", summary="Audits found spam once.", threats=("numbering-misuse",))
    assert titles(personas.reader, "spam")[0] == "Spam filtering"


def test_the_index_follows_an_edit_in_the_same_transaction(personas):
    draft = measure(personas, state=Lifecycle.DRAFT, title="Old words")
    services.update_measure(draft, actor=personas.alice, expected_version=1, title="Brand new wording")
    assert titles(personas.alice, "brand") == ["Brand new wording"]
    assert titles(personas.alice, "old") == []


def test_search_never_returns_counts_or_quotes_what_a_user_may_not_see(personas):
    measure(
        personas,
        title="Secret SS7 firewall rules",
        summary="Amber details of the signalling firewall.",
        tlp="amber",
        threats=("signalling-abuse",),
    )
    measure(personas, title="Public SS7 firewall", summary="The signalling firewall blocks location tracking.")
    reader = selectors.search_measures(personas.reader, query="firewall")
    assert [m.title for m in reader.page] == ["Public SS7 firewall"]
    assert reader.total == 1
    assert sum(v.count for v in reader.facets["threat"] if not v.label.startswith("—")) == 1
    assert all("Amber" not in snippet for snippet in reader.snippets.values())
    bob = selectors.search_measures(personas.bob, query="firewall")
    assert bob.total == 1  # AMBER of Kenya is not for Nigeria
    alice = selectors.search_measures(personas.alice, query="firewall")
    assert alice.total == 2


def test_drafts_are_found_only_by_their_owner(personas):
    measure(personas, state=Lifecycle.DRAFT, title="Draft numbering rules", threats=("numbering-misuse",))
    assert titles(personas.alice, "numbering") == ["Draft numbering rules"]
    for other in (personas.reader, personas.bob, personas.curator):
        assert titles(other, "numbering") == []


def test_facets_count_each_value_among_the_matches(catalogue):
    result = selectors.search_measures(catalogue.reader)
    facets = {name: {v.value: v.count for v in values} for name, values in result.facets.items()}
    assert result.total == 6
    assert facets["pillar"] == {"technical": 5, "legal": 1}
    assert facets["threat"]["device-crime"] == 2 and facets["threat"]["telecom-misuse"] == 2
    assert facets["language"] == {"ar": 1, "en": 1, "es": 1, "fr": 1, "ru": 1, "zh-hans": 1}
    assert facets["region"] == {"africa": 6}
    assert facets["country"] == {"KE": 6}
    assert "ldc" not in facets["group"]


def test_a_threat_family_finds_the_measures_of_its_threats(catalogue):
    assert sorted(titles(catalogue.reader, "", threat="telecom-misuse")) == [
        "Caller ID authentication with STIR/SHAKEN",
        "Детектирование SIM-боксов",
    ]


def test_snippets_highlight_the_matched_words(catalogue):
    result = selectors.search_measures(catalogue.reader, query="bloqués")
    assert "<mark>bloqués</mark>" in next(iter(result.snippets.values()))


def test_hostile_queries_are_just_words(catalogue):
    for query in ['" OR 1=1 --', "NEAR(a b)", "*", "'); DROP TABLE catalog_measure; --", '"unclosed', "a:*|b"]:
        selectors.search_measures(catalogue.reader, query=query)
    assert titles(catalogue.reader, "") != []
