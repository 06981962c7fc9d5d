"""The taxonomy in six languages: names shown in the reader's language, synonyms curators keep, the terms
search matches across languages."""

from __future__ import annotations

import pytest
from django.test import Client

from clearinghouse.catalog import selectors
from clearinghouse.catalog.models import Pillar, Threat, ThreatSynonym
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for

pytestmark = pytest.mark.django_db

#: What a reader in each language reads for the SIM-box threat and the legal pillar.
SIMBOX = {
    "ar": "الاحتيال بتجاوز التوصيل البيني (SIM-box)",
    "en": "Interconnect bypass (SIM-box) fraud",
    "es": "Fraude por elusión de la interconexión (SIM-box)",
    "fr": "Fraude par contournement de l&#x27;interconnexion (SIM-box)",
    "ru": "Мошенничество с обходом межсетевого соединения (SIM-box)",
    "zh-hans": "绕过互连（SIM-box）欺诈",
}
LEGAL = {
    "ar": "التدابير القانونية",
    "en": "Legal measures",
    "es": "Medidas jurídicas",
    "fr": "Mesures juridiques",
    "ru": "Правовые меры",
    "zh-hans": "法律措施",
}


def _filed(personas):
    return measure(personas, threats=("simbox-fraud", "wangiri"), pillar="legal")


@pytest.mark.parametrize("language", list(SIMBOX))
def test_a_reader_in_each_language_sees_threats_and_pillars_named_in_their_language(personas, language):
    shown = _filed(personas)
    page = Client().get(f"/{language}/catalogue/measures/{shown.pk}/").content.decode()
    assert SIMBOX[language] in page
    assert LEGAL[language] in page
    others = [SIMBOX[other] for other in SIMBOX if other != language]
    assert not [name for name in others if name in page]


@pytest.mark.parametrize("language", ["ar", "ru", "zh-hans"])
def test_the_api_names_a_threat_in_the_language_asked_for_and_gives_all_six(language):
    response = Client().get("/api/v1/threats/simbox-fraud/", HTTP_ACCEPT_LANGUAGE=language)
    body = response.json()
    assert body["name"] == SIMBOX[language]
    assert body["names"]["fr"] == "Fraude par contournement de l'interconnexion (SIM-box)"
    assert "сим-бокс" in body["synonyms"]["ru"] and "SIM box" in body["synonyms"]["en"]


def test_a_name_missing_in_a_language_shows_the_english_one_and_says_it_is_english():
    threat = Threat.objects.create(slug="artificial-inflation", name_en="Artificially inflated traffic", name_fr="")
    assert threat.name_and_language("fr") == ("Artificially inflated traffic", "en")
    assert Threat.objects.get(slug="irsf").name_and_language("ru") == (
        "Мошенничество с международным разделением доходов",
        "ru",
    )
    assert Pillar.objects.get(slug="cooperation").name_and_language("zh-hans") == ("合作", "zh-hans")


def test_every_default_threat_and_pillar_has_a_name_and_synonyms_in_each_of_the_six_languages():
    for node in [*Threat.objects.all(), *Pillar.objects.all()]:
        assert all(name for _language, name in node.names), node.slug
    languages = {
        (threat_id, language) for threat_id, language in ThreatSynonym.objects.values_list("threat", "language")
    }
    for threat in Threat.objects.all():
        assert {lang for threat_id, lang in languages if threat_id == threat.pk} == {
            "ar",
            "en",
            "es",
            "fr",
            "ru",
            "zh-hans",
        }, threat.slug


def test_the_terms_of_every_threat_carry_its_names_and_synonyms_with_their_language(django_assert_num_queries):
    with django_assert_num_queries(2):
        terms = {entry.slug: entry for entry in selectors.threat_terms()}
    assert len(terms) == Threat.objects.count()
    simbox = {(term.text, term.language, term.kind) for term in terms["simbox-fraud"].terms}
    for expected in [
        ("SIM box", "en", "synonym"),
        ("boîtier SIM", "fr", "synonym"),
        ("сим-бокс", "ru", "synonym"),
        ("صندوق SIM", "ar", "synonym"),
        ("SIM 盒", "zh-hans", "synonym"),
        ("caja SIM", "es", "synonym"),
        ("Interconnect bypass (SIM-box) fraud", "en", "name"),
        ("绕过互连（SIM-box）欺诈", "zh-hans", "name"),
    ]:
        assert expected in simbox


@pytest.mark.parametrize("who", ["reader", "alice", "carol"])
def test_the_taxonomy_pages_are_not_for_readers_or_members(personas, who):
    client = client_for(getattr(personas, who))
    threat = Threat.objects.get(slug="simbox-fraud")
    synonym = threat.synonyms.get(language="ru", text="сим-бокс")
    requests = [
        ("get", "/en/catalogue/taxonomy/", {}),
        ("get", "/en/catalogue/taxonomy/threats/simbox-fraud/", {}),
        ("post", "/en/catalogue/taxonomy/threats/simbox-fraud/", {"name_en": "Hijacked"}),
        ("post", "/en/catalogue/taxonomy/threats/simbox-fraud/synonyms/", {"language": "en", "text": "gateway"}),
        ("post", f"/en/catalogue/taxonomy/threats/simbox-fraud/synonyms/{synonym.pk}/remove/", {}),
        ("get", "/en/catalogue/taxonomy/pillars/legal/", {}),
    ]
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        if who == "reader":
            assert response.status_code == 302 and "/sign-in/" in response["Location"], url
        else:
            assert response.status_code == 403, url
    threat.refresh_from_db()
    assert threat.name_en == "Interconnect bypass (SIM-box) fraud"
    assert threat.synonyms.filter(pk=synonym.pk).exists()
    assert not threat.synonyms.filter(text="gateway").exists()


def test_a_curator_adds_a_synonym_which_search_then_gets_and_removes_one(personas):
    curator = client_for(personas.curator)
    page = curator.get("/fr/catalogue/taxonomy/threats/simbox-fraud/")
    assert page.status_code == 200
    assert "boîtier SIM" in page.content.decode()
    response = curator.post(
        "/fr/catalogue/taxonomy/threats/simbox-fraud/synonyms/", {"language": "fr", "text": "  fraude   au by-pass "}
    )
    assert response.status_code == 302
    assert "fraude au by-pass" in curator.get("/fr/catalogue/taxonomy/threats/simbox-fraud/").content.decode()
    terms = next(entry for entry in selectors.threat_terms() if entry.slug == "simbox-fraud").terms
    assert ("fraude au by-pass", "fr") in {(term.text, term.language) for term in terms}
    event = AuditEvent.objects.get(action="threat.synonym_added")
    assert event.actor == personas.curator and event.changes == {"language": "fr", "synonym": "fraude au by-pass"}

    synonym = ThreatSynonym.objects.get(text="boîtier SIM")
    response = curator.post(f"/fr/catalogue/taxonomy/threats/simbox-fraud/synonyms/{synonym.pk}/remove/")
    assert response.status_code == 302
    assert not ThreatSynonym.objects.filter(text="boîtier SIM").exists()
    assert AuditEvent.objects.filter(action="threat.synonym_removed", actor=personas.curator).exists()


def test_a_synonym_the_threat_already_has_in_another_spelling_is_refused_by_name(personas):
    curator = client_for(personas.curator)
    before = ThreatSynonym.objects.count()
    response = curator.post(
        "/en/catalogue/taxonomy/threats/simbox-fraud/synonyms/", {"language": "ru", "text": "СИМ-БОКС"}
    )
    assert response.status_code == 400
    assert "already has this synonym" in response.content.decode()
    response = curator.post("/en/catalogue/taxonomy/threats/simbox-fraud/synonyms/", {"language": "de", "text": "x"})
    assert response.status_code == 400
    assert ThreatSynonym.objects.count() == before


def test_a_curator_renames_a_threat_in_one_language_and_readers_of_that_language_see_it(personas):
    curator, shown = client_for(personas.curator), _filed(personas)
    threat = Threat.objects.get(slug="wangiri")
    names = {f"name_{suffix}": getattr(threat, f"name_{suffix}") for suffix in ("ar", "en", "es", "fr", "ru", "zh")}
    response = curator.post(
        "/en/catalogue/taxonomy/threats/wangiri/", {**names, "name_ru": "Мошенничество «ванжири» (один гудок)"}
    )
    assert response.status_code == 302
    page = f"/catalogue/measures/{shown.pk}/"
    assert "Мошенничество «ванжири» (один гудок)" in Client().get("/ru" + page).content.decode()
    assert "Мошенничество «ванжири»" not in Client().get("/en" + page).content.decode()
    event = AuditEvent.objects.get(action="threat.renamed")
    assert event.changes == {
        "name_ru": ["Мошенничество Wangiri (звонок с одним гудком)", "Мошенничество «ванжири» (один гудок)"]
    }
    response = curator.post("/en/catalogue/taxonomy/threats/wangiri/", {**names, "name_en": " "})
    assert response.status_code == 400
    assert Threat.objects.get(slug="wangiri").name_en == "Wangiri (one-ring) fraud"


def test_a_curator_names_a_pillar_in_the_six_languages(personas):
    curator, shown = client_for(personas.curator), measure(personas, pillar="cooperation")
    pillar = Pillar.objects.get(slug="cooperation")
    names = {f"name_{suffix}": getattr(pillar, f"name_{suffix}") for suffix in ("ar", "en", "es", "fr", "ru", "zh")}
    response = curator.post("/en/catalogue/taxonomy/pillars/cooperation/", {**names, "name_zh": "合作措施"})
    assert response.status_code == 302
    assert "合作措施" in Client().get(f"/zh-hans/catalogue/measures/{shown.pk}/").content.decode()
    assert curator.get("/en/catalogue/taxonomy/").status_code == 200
