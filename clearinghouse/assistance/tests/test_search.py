"""Searching the requests and offers (``assistance.search``): in the six languages, as the catalogue understands
words (accents, Arabic prefixes, Russian endings, Chinese words), phrases, translations, and never past what the
reader may see: an AMBER request not shared with them, a draft, a hidden request."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from clearinghouse.assistance import search, services
from clearinghouse.assistance.models import (
    TERM_MAX,
    AssistanceOffer,
    AssistanceOfferTranslation,
    AssistanceRequest,
    AssistanceRequestTerm,
    AssistanceRequestTranslation,
    HelpKind,
    Modality,
)
from clearinghouse.catalog.models import Threat
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP

pytestmark = pytest.mark.django_db


def kenyan_request(personas: Any, *, title: str, need: str, language: str, opened: bool = True, **values: Any):
    made = services.create_request(
        actor=personas.alice,
        member_state=personas.alice.member_state,
        title=title,
        need=need,
        language=language,
        kinds=[HelpKind.TRAINING],
        languages=[language],
        modality=Modality.REMOTE,
        **values,
    )
    return services.open_request(made, actor=personas.alice) if opened else made


def found(query: str, queryset: Any = None) -> set[str]:
    """The titles of the requests the query finds among all of them (visibility is the caller's, tested below)."""
    return set(search.matching(queryset or AssistanceRequest.objects.all(), query).values_list("title", flat=True))


def listed(client: Client, url: str) -> set[str]:
    """The titles of the requests or offers a list page shows (their links)."""
    text = client.get(url).content.decode()
    return set(re.findall(r'/assistance/(?:requests|offers)/\d+/"[^>]*>([^<]+)</a>', text))


def api_titles(client: Client, url: str) -> set[str]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.content
    return {row["title"] for row in answer.json()["results"]}


@pytest.fixture
def requests(personas):
    """Requests of Kenya in five languages, each with a neighbour that shares its script but not the words."""
    made = {
        "ar": kenyan_request(
            personas,
            title="مكافحة الاحتيال في الاتصالات",
            need="نحتاج إلى تدريب المحققين على كشف الاحتيال عبر الهاتف وحماية المستهلكين.",
            language="ar",
        ),
        "ar-other": kenyan_request(
            personas, title="إنشاء فريق وطني", need="نحتاج إلى إنشاء فريق للاستجابة للحوادث.", language="ar"
        ),
        "ru": kenyan_request(
            personas,
            title="Подготовка следователей",
            need="Нужна помощь в расследовании телефонного мошенничества и защите абонентов.",
            language="ru",
        ),
        "ru-other": kenyan_request(
            personas, title="Создание группы реагирования", need="Нужна группа реагирования.", language="ru"
        ),
        "zh": kenyan_request(
            personas, title="打击手机盗窃", need="我们需要帮助建立手机盗窃登记系统。", language="zh-hans"
        ),
        "zh-other": kenyan_request(personas, title="网络钓鱼培训", need="我们需要反钓鱼的培训。", language="zh-hans"),
        "fr": kenyan_request(
            personas,
            title="Usurpation d'identité",
            need="Former les enquêteurs à la fraude à l'interconnexion et à l'usurpation d'identité.",
            language="fr",
        ),
        "fr-other": kenyan_request(
            personas,
            title="Interconnexion des opérateurs",
            need="L'interconnexion entre opérateurs ouvre la porte à la fraude.",
            language="fr",
        ),
    }
    return made


def test_an_arabic_word_without_its_article_finds_the_request_with_it(requests):
    assert found("احتيال") == {"مكافحة الاحتيال في الاتصالات"}
    assert found("والاحتيال") == {"مكافحة الاحتيال في الاتصالات"}  # "and fraud": the conjunction written on


def test_a_russian_word_finds_its_other_forms(requests):
    # the text says «мошенничества» (genitive); the query is the dictionary form, not a prefix of it
    assert "мошенничество" not in requests["ru"].need
    assert found("мошенничество") == {"Подготовка следователей"}
    assert found("мошенничество расследование") == {"Подготовка следователей"}  # «расследовании» in the text


def test_a_chinese_run_finds_the_request_with_its_words(requests):
    assert found("手机盗窃") == {"打击手机盗窃"}
    assert found("登记系统") == {"打击手机盗窃"}
    assert found("钓鱼") == {"网络钓鱼培训"}


def test_a_french_accented_query_finds_the_request_whatever_its_accents_and_case(requests):
    assert found("identité") == {"Usurpation d'identité"}
    assert found("IDENTITE") == {"Usurpation d'identité"}
    assert found("enquêteur") == {"Usurpation d'identité"}  # the plural in the text


def test_every_word_is_required_and_a_quoted_phrase_is_found_as_a_phrase(requests):
    both = {"Usurpation d'identité", "Interconnexion des opérateurs"}
    assert found("fraude interconnexion") == both
    assert found('"fraude à l\'interconnexion"') == {"Usurpation d'identité"}
    assert found('"interconnexion fraude"') == set()
    assert found("fraude interconnexion absentword") == set()


def test_a_long_word_typed_unfinished_finds_the_words_it_starts_and_a_short_one_does_not(requests):
    assert found("interconn") == {"Usurpation d'identité", "Interconnexion des opérateurs"}
    assert found("usu") == set()


def test_a_word_longer_than_the_terms_kept_is_found_whole_and_not_by_another_of_the_same_start(personas, requests):
    """Terms are kept cut at ``TERM_MAX`` characters: two words that differ only past it are still told apart."""
    start = "x" * TERM_MAX
    kenyan_request(personas, title="Hash one", need=f"The digest {start}aaa was seen.", language="en")
    kenyan_request(personas, title="Hash two", need=f"The digest {start}bbb was seen.", language="en")
    assert found(f"{start}aaa") == {"Hash one"}
    assert found(f"{start}bb") == {"Hash two"}  # its start
    assert found(start) == {"Hash one", "Hash two"}
    assert found(f'"digest {start}bbb"') == {"Hash two"}
    assert found(f"{start}ccc") == set()


def test_a_chinese_character_or_word_is_found_through_the_terms(requests):
    assert found("盗") == {"打击手机盗窃"}
    assert found("钓鱼") == {"网络钓鱼培训"}
    assert found("盗钓") == set()  # characters of two records, never in a row in one


def test_an_empty_query_leaves_the_list_as_it_is(requests):
    everything = AssistanceRequest.objects.all()
    assert search.matching(everything, "") is everything
    assert search.matching(everything, '  "" ') is everything


def test_a_word_only_in_a_translation_finds_the_request_and_is_quoted_in_its_language(personas, requests):
    request = requests["fr"]
    AssistanceRequestTranslation.objects.create(
        request=request,
        language="es",
        quality="author",
        title="Suplantación de identidad",
        need="Formar a los investigadores en la suplantación de identidad.",
    )
    assert found("suplantacion") == set()  # not yet written into its words
    search.refresh(request)
    assert found("suplantacion") == {"Usurpation d'identité"}
    page = client_for(personas.bob).get("/en/assistance/?q=suplantación").content.decode()
    assert '<p class="snippet small" lang="es"' in page
    assert "<mark>suplantación</mark>" in page


def test_the_threats_and_the_owner_are_searched_in_every_language(personas, requests):
    services.update_request(requests["fr"], actor=personas.alice, threats=[Threat.objects.get(slug="simbox-fraud")])
    simbox = Threat.objects.get(slug="simbox-fraud")
    assert simbox.name_fr and simbox.name_en
    assert found(simbox.name_en) == {"Usurpation d'identité"}
    assert found(simbox.name_ru) == {"Usurpation d'identité"}
    assert "Usurpation d'identité" in found(personas.alice.member_state.name_zh)
    assert found("Kenya") == found("Кения") == set(AssistanceRequest.objects.values_list("title", flat=True))


def test_a_changed_text_is_found_by_its_new_words_only(personas, requests):
    services.update_request(requests["ru"], actor=personas.alice, need="Нужна помощь против кражи телефонов.")
    assert found("мошенничество") == set()
    assert found("кража телефона") == {"Подготовка следователей"}


def test_the_outcome_is_searched_once_the_request_is_closed(personas, requests):
    request = requests["fr"]
    request.refresh_from_db()
    AssistanceRequest.objects.filter(pk=request.pk).update(stage="delivered")
    assert found("laboratoire") == set()
    services.close_request(request, actor=personas.alice, outcome="Un laboratoire de criminalistique est ouvert.")
    assert found("laboratoire") == {"Usurpation d'identité"}


def test_the_list_page_and_the_api_search_and_quote_the_words_found(personas, requests):
    bob = client_for(personas.bob)  # a GREEN request is for the signed-in community
    page = bob.get("/en/assistance/?q=мошенничество").content.decode()
    assert listed(bob, "/en/assistance/?q=мошенничество") == {"Подготовка следователей"}
    assert '<p class="snippet small" lang="ru">' in page  # the passage in its language, on an English page
    assert "<mark>мошенничества</mark>" in page
    russian = bob.get("/ru/assistance/?q=мошенничество").content.decode()
    assert 'type="search"' in russian and 'name="q"' in russian and ">Поиск</label>" in russian
    assert '<p class="snippet small">' in russian
    assert api_titles(bob, "/api/v1/assistance-requests/?q=احتيال") == {"مكافحة الاحتيال في الاتصالات"}
    assert api_titles(Client(), "/api/v1/assistance-requests/?q=احتيال") == set()  # not for the public
    arabic = bob.get("/fr/assistance/?q=احتيال").content.decode()
    assert '<p class="snippet small" lang="ar" dir="rtl">' in arabic
    assert "<mark>الاحتيال</mark>" in arabic


def test_an_empty_result_says_so_and_suggests_removing_filters(personas, requests):
    page = client_for(personas.bob).get("/en/assistance/?q=absentword&kind=equipment").content.decode()
    assert "No request matches these words and filters. Try fewer words or remove a filter." in page
    assert 'href="?q=absentword&amp;stage="' in page
    offers = Client().get("/fr/assistance/offers/?q=absentword").content.decode()
    assert "Aucune offre" in offers


def test_offers_are_searched_by_their_texts_translations_and_owner(personas):
    offer = services.create_offer(
        actor=personas.carol,
        owner={"owner_organization": personas.carol.organization},
        title="Fraud management training",
        description="Two-week course on detecting interconnect bypass.",
        past_engagements="Delivered to three regulators in West Africa.",
        language="en",
        kinds=[HelpKind.TRAINING],
        languages=["en"],
    )
    other = services.create_offer(
        actor=personas.carol,
        owner={"owner_organization": personas.carol.organization},
        title="Phishing awareness",
        description="Material for campaigns.",
        language="en",
        kinds=[HelpKind.TRAINING],
        languages=["en"],
    )
    offers = AssistanceOffer.objects.all()
    assert set(search.matching(offers, "detection regulator")) == {offer}  # stems: detecting, regulators
    assert set(search.matching(offers, "GSMA")) == set(search.matching(offers, "association")) == {offer, other}
    AssistanceOfferTranslation.objects.create(
        offer=other, language="fr", quality="author", title="Sensibilisation", description="Hameçonnage."
    )
    search.refresh(other)
    assert set(search.matching(offers, "hameçonnage")) == {other}
    bob = client_for(personas.bob)
    assert api_titles(bob, "/api/v1/assistance-offers/?q=bypass") == {"Fraud management training"}
    page = bob.get("/en/assistance/offers/?q=bypass").content.decode()
    assert "<mark>bypass</mark>" in page


# -- what a search never reveals ------------------------------------------------------------------------------


@pytest.fixture
def unseen(personas):
    """Three Kenyan requests bob (Nigeria) may not see, each with a word of its own: AMBER not shared with Nigeria,
    a draft, and one a curator hid."""
    amber = kenyan_request(
        personas, title="Discreet request", need="Quietword assistance.", language="en", tlp=TLP.AMBER
    )
    draft = kenyan_request(personas, title="Drafted request", need="Draftword assistance.", language="en", opened=False)
    hidden = kenyan_request(personas, title="Hidden request", need="Hiddenword assistance.", language="en")
    services.hide_request(hidden, actor=personas.curator, reason="Not a need.")
    return {"quietword": amber, "draftword": draft, "hiddenword": hidden}


@pytest.mark.parametrize("word", ["quietword", "draftword", "hiddenword"])
def test_a_search_never_reveals_a_request_the_reader_may_not_see(personas, unseen, word):
    title = unseen[word].title
    for persona in ("bob", "carol", "reader"):
        client = client_for(getattr(personas, persona)) if persona != "reader" else Client()
        for url in (f"/en/assistance/?stage=&q={word}", f"/fr/assistance/?q={word}"):
            response = client.get(url)
            assert response.status_code == 200
            assert title not in response.content.decode(), (persona, url)
            shown = re.sub(r'(value|href)="[^"]*"', "", response.content.decode())  # the query itself, in links
            assert word not in shown.lower(), (persona, url)
        assert api_titles(client, f"/api/v1/assistance-requests/?q={word}") == set(), persona
        assert api_titles(client, "/api/v1/assistance-requests/?q=assistance") == set(), persona
    # the search itself finds it for those who may see it: its state's people
    alice = client_for(personas.alice)
    assert listed(alice, f"/en/assistance/?stage=&q={word}") == {title}
    assert api_titles(alice, f"/api/v1/assistance-requests/?q={word}") == {title}


def test_the_data_migration_fills_the_words_of_the_records_written_before(personas, requests):
    import importlib

    from django.apps import apps

    AssistanceRequest.objects.update(search_text="")
    AssistanceRequestTerm.objects.all().delete()
    assert found("мошенничество") == set()
    importlib.import_module("clearinghouse.assistance.migrations.0003_fill_search_text").fill(apps, None)
    assert found("мошенничество") == {"Подготовка следователей"}


def test_the_migration_of_the_terms_fills_them_from_the_words_of_each_record(personas, requests):
    """Records searched through their ``search_text`` alone before the table of terms: it is filled from it."""
    import importlib

    from django.apps import apps

    AssistanceRequestTerm.objects.all().delete()
    assert found("мошенничество") == found("training") == set()
    importlib.import_module("clearinghouse.assistance.migrations.0005_search_terms").fill(apps, None)
    assert found("мошенничество") == {"Подготовка следователей"}
    for request in AssistanceRequest.objects.all():
        held = set(AssistanceRequestTerm.objects.filter(record=request).values_list("term", flat=True))
        assert held == search.terms_of(request.search_text) != set()


def test_a_translation_saved_through_the_form_or_the_api_is_found_at_once(personas, requests):
    """The translation services bring the search words up to date in their transaction: nobody calls ``refresh``."""
    request = requests["fr"]
    assert found("suplantacion") == set()
    services.set_request_translation(
        request,
        actor=personas.alice,
        language="es",
        quality="author",
        title="Suplantación de identidad",
        need="Formar a los investigadores en la suplantación de identidad.",
    )
    assert found("suplantacion") == {"Usurpation d'identité"}
    offer = services.create_offer(
        actor=personas.carol,
        owner={"owner_organization": personas.carol.organization},
        title="Fraud training",
        description="A course.",
        language="en",
        kinds=[HelpKind.TRAINING],
        languages=["en"],
    )
    services.set_offer_translation(
        offer,
        actor=personas.carol,
        language="ru",
        quality="author",
        title="Обучение",
        description="Курс по мошенничеству.",
    )
    assert set(search.matching(AssistanceOffer.objects.all(), "мошенничество").values_list("pk", flat=True)) == {
        offer.pk
    }
