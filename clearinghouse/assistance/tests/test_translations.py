"""Requests and offers in six languages, as measures are: the owner's people and the curators translate them (the
form on the record's page, the API, an XLIFF file), readers see the text in their language with how it was made
and whether it is outdated, a change of the original outdates the translations and tells their translators, and a
translation of a request is never shown to anyone who may not see the request."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command

from clearinghouse.accounts import selectors as people
from clearinghouse.accounts.models import Notification, NotificationKind
from clearinghouse.assistance import services
from clearinghouse.assistance.models import (
    AssistanceOfferTranslation,
    AssistanceRequest,
    AssistanceRequestTranslation,
)
from clearinghouse.assistance.tests.test_pages import gsma_offer, kenyan_request
from clearinghouse.catalog import services as catalog_services
from clearinghouse.catalog.models import TranslationQuality
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP

pytestmark = pytest.mark.django_db

FRENCH = {"title": "Détecter les SIM box", "need": "Notre régulateur a besoin d'aide."}


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def opened(personas: Any, **values: Any) -> AssistanceRequest:
    return services.open_request(kenyan_request(personas, **values), actor=personas.alice)


def translate_in_french(item: AssistanceRequest, actor: Any) -> AssistanceRequestTranslation:
    return services.set_request_translation(
        item, actor=actor, language="fr", quality=TranslationQuality.REVIEWED, **FRENCH
    )


# -- who translates ------------------------------------------------------------------------------------------------


def test_the_requesting_state_translates_its_request_from_a_link_on_its_page(personas):
    item = opened(personas)
    alice = client_for(personas.alice)
    page = text_of(alice.get(item.get_absolute_url()))
    form_url = f"/en/assistance/requests/{item.pk}/translation/"
    assert f'href="{form_url}"' in page and "Add or correct a translation" in page
    assert alice.get(form_url).status_code == 200

    saved = alice.post(form_url, {"language": "fr", "quality": "author", **FRENCH})

    assert saved.status_code == 302 and saved["Location"].endswith(item.get_absolute_url())
    translation = item.translations.get()
    assert (translation.language, translation.quality, translation.title) == ("fr", "author", FRENCH["title"])
    assert translation.made_by == personas.alice


def test_a_curator_translates_a_request_through_the_api(personas):
    item = opened(personas)
    api = client_for(personas.curator)
    url = f"/api/v1/assistance-requests/{item.pk}/translations/"

    answer = api.post(
        url,
        {
            "language": "es",
            "quality": "professional",
            "translator": "Ana Ruiz",
            "title": "Detectar SIM box",
            "need": "Nuestro regulador necesita ayuda.",
        },
        content_type="application/json",
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["provenance"] == "professional" and answer.json()["translator"] == "Ana Ruiz"
    listed = api.get(url).json()
    assert [(t["language"], t["texts"]["title"]) for t in listed] == [("es", "Detectar SIM box")]


@pytest.mark.parametrize("who", ["bob", "carol", "reader"])
def test_another_state_an_organization_and_a_reader_may_not_translate_a_request_and_change_nothing(personas, who):
    item = opened(personas)  # TLP:GREEN: every signed-in member sees it
    client = client_for(getattr(personas, who))
    page = client.get(f"/en/assistance/requests/{item.pk}/translation/")
    sent = client.post(
        f"/en/assistance/requests/{item.pk}/translation/", {"language": "fr", "quality": "author", **FRENCH}
    )
    api = client.post(
        f"/api/v1/assistance-requests/{item.pk}/translations/",
        {"language": "fr", "quality": "machine", **FRENCH},
        content_type="application/json",
    )
    if who == "reader":
        assert page.status_code == 302 and "/sign-in/" in page["Location"]
        assert sent.status_code == 302 and api.status_code in (401, 403)
    else:
        assert (page.status_code, sent.status_code, api.status_code) == (403, 403, 403)
        assert "requesting Member State or a curator" in api.json()["detail"]
        assert "Add or correct a translation" not in text_of(client.get(item.get_absolute_url()))
    assert not AssistanceRequestTranslation.objects.exists()


def test_the_offering_organization_and_the_curators_translate_its_offer_and_a_state_may_not(personas):
    offer = gsma_offer(personas)
    carol = client_for(personas.carol)
    saved = carol.post(
        f"/en/assistance/offers/{offer.pk}/translation/",
        {
            "language": "fr",
            "quality": "author",
            "title": "Formation à la lutte contre la fraude",
            "description": "Cours de deux semaines.",
        },
    )
    assert saved.status_code == 302
    bob = client_for(personas.bob)
    assert bob.get(f"/en/assistance/offers/{offer.pk}/translation/").status_code == 403
    refused = bob.post(
        f"/api/v1/assistance-offers/{offer.pk}/translations/",
        {"language": "es", "quality": "machine", "title": "x", "description": "y"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    by_curator = client_for(personas.curator).post(
        f"/api/v1/assistance-offers/{offer.pk}/translations/",
        {"language": "es", "quality": "machine", "title": "Formación", "description": "Curso de dos semanas."},
        content_type="application/json",
    )
    assert by_curator.status_code == 201
    assert sorted(AssistanceOfferTranslation.objects.values_list("language", flat=True)) == ["es", "fr"]


def test_a_translation_of_an_amber_request_is_never_shown_to_those_who_may_not_see_the_request(personas):
    item = opened(personas, tlp=TLP.AMBER)  # shared with nobody yet: Kenya's people and the curators
    translate_in_french(item, personas.curator)
    for who in ("bob", "carol", "reader"):
        client = client_for(getattr(personas, who))
        for url in (
            f"/fr/assistance/requests/{item.pk}/",
            f"/en/assistance/requests/{item.pk}/translation/",
            f"/api/v1/assistance-requests/{item.pk}/translations/",
            f"/api/v1/assistance-requests/{item.pk}/?language=fr",
        ):
            answer = client.get(url)
            assert answer.status_code in ((302, 404) if who == "reader" else (404,)), (who, url)
            assert FRENCH["title"] not in answer.content.decode(), (who, url)
        listed = client.get("/fr/assistance/?stage=").content.decode()
        assert FRENCH["title"] not in listed and "Detecting SIM boxes" not in listed, who
        posted = client.post(
            f"/api/v1/assistance-requests/{item.pk}/translations/",
            {"language": "es", "quality": "machine", "title": "x", "need": "y"},
            content_type="application/json",
        )
        assert posted.status_code in ((401, 403) if who == "reader" else (404,)), who
    assert list(item.translations.values_list("language", flat=True)) == ["fr"]
    # those who see the request see its translation
    assert FRENCH["title"] in client_for(personas.alice).get(f"/fr/assistance/requests/{item.pk}/").content.decode()


# -- bad input -----------------------------------------------------------------------------------------------------


def test_a_translation_into_the_record_s_own_language_is_refused_with_its_reason_and_nothing_saved(personas):
    item = opened(personas)  # written in English
    alice = client_for(personas.alice)
    page = alice.post(
        f"/en/assistance/requests/{item.pk}/translation/", {"language": "en", "quality": "author", **FRENCH}
    )
    assert page.status_code == 400 and "The text is written in English" in text_of(page)
    api = alice.post(
        f"/api/v1/assistance-requests/{item.pk}/translations/",
        {"language": "en", "quality": "author", **FRENCH},
        content_type="application/json",
    )
    assert api.status_code == 400 and "written in English" in api.json()["language"][0]
    unknown = alice.post(
        f"/api/v1/assistance-requests/{item.pk}/translations/",
        {"language": "de", "quality": "author", **FRENCH},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and "language" in unknown.json()
    no_need = alice.post(
        f"/api/v1/assistance-requests/{item.pk}/translations/",
        {"language": "fr", "quality": "author", "title": "Titre"},
        content_type="application/json",
    )
    assert no_need.status_code == 400 and "need" in no_need.json()
    illustrative = alice.post(
        f"/api/v1/assistance-requests/{item.pk}/translations/",
        {"language": "fr", "quality": "illustrative", **FRENCH},
        content_type="application/json",
    )
    assert illustrative.status_code == 400 and "illustrative" in str(illustrative.json())
    stray = alice.post(
        f"/api/v1/assistance-requests/{item.pk}/translations/",
        {"language": "fr", "quality": "author", **FRENCH, "outcome": "x"},
        content_type="application/json",
    )
    assert stray.status_code == 400 and "outcome" in str(stray.json())
    assert not AssistanceRequestTranslation.objects.exists()


# -- reading -------------------------------------------------------------------------------------------------------


def test_a_reader_sees_a_request_in_their_language_with_how_it_was_made_and_the_status_of_each_language(personas):
    item = opened(personas)
    translate_in_french(item, personas.curator)
    bob = client_for(personas.bob)

    french = text_of(bob.get(f"/fr/assistance/requests/{item.pk}/"))
    assert f"<h1>{FRENCH['title']}</h1>" in french  # a French text on a French page: no lang of its own
    assert FRENCH["need"].replace("'", "&#x27;") in french
    assert "Traduction (Révisée par une personne). Langue de l'original : English." in french
    assert 'href="?original=1"' in french
    assert re.search(r'<tr data-translation="fr"> <th scope="row"><span>Français</span></th> <td>À jour</td>', french)

    english = text_of(bob.get(f"/en/assistance/requests/{item.pk}/"))
    assert "<h1>Detecting SIM boxes</h1>" in english and FRENCH["title"] not in english
    row = (
        r'<tr data-translation="([a-z-]+)"> <th scope="row"><span[^>]*>[^<]*</span></th> '
        r"<td[^>]*>([^<]*)</td>\s*<td>([^<]*)</td>"
    )
    status = {language: (state, how) for language, state, how in re.findall(row, english)}
    assert status["en"] == ("Original", "—") and status["fr"] == ("Current", "Reviewed by a person")
    assert status["ar"] == ("Not translated", "—") and len(status) == 6

    original = text_of(bob.get(f"/fr/assistance/requests/{item.pk}/?original=1"))
    assert '<h1 lang="en">Detecting SIM boxes</h1>' in original  # the original, marked with its own language

    arabic = text_of(bob.get(f"/ar/assistance/requests/{item.pk}/"))  # no Arabic translation: the original
    assert '<h1 lang="en" dir="ltr">Detecting SIM boxes</h1>' in arabic
    assert 'data-translation="fr"' in arabic and 'data-translation="ar"' in arabic
    # each language's name in its own language and direction, in a cell that aligns as the Arabic page does
    assert '<th scope="row"><span lang="fr" dir="ltr">Français</span></th>' in arabic


def test_the_lists_show_each_request_and_offer_in_the_reader_s_language_where_it_is_translated(personas):
    item = opened(personas)
    translate_in_french(item, personas.curator)
    offer = gsma_offer(personas)
    services.set_offer_translation(
        offer,
        actor=personas.carol,
        language="ar",
        quality="author",
        title="تدريب على مكافحة الاحتيال",
        description="دورة لمدة أسبوعين.",
    )
    bob = client_for(personas.bob)
    assert FRENCH["title"] in text_of(bob.get("/fr/assistance/"))
    assert FRENCH["title"] not in text_of(bob.get("/es/assistance/"))
    arabic = text_of(bob.get("/ar/assistance/offers/"))
    assert ">تدريب على مكافحة الاحتيال</a>" in arabic
    spanish = text_of(bob.get("/es/assistance/offers/"))
    assert 'lang="en" dir="ltr"' not in spanish  # (same direction as the page)
    assert f'lang="en">{offer.title}</a>' in spanish


def test_the_api_gives_the_translations_and_the_texts_in_the_language_asked_for(personas):
    item = opened(personas)
    translate_in_french(item, personas.curator)
    bob = client_for(personas.bob)

    asked = bob.get(f"/api/v1/assistance-requests/{item.pk}/?language=fr").json()
    assert [(t["language"], t["quality"], t["outdated"]) for t in asked["translations"]] == [("fr", "reviewed", False)]
    assert asked["in_language"]["texts"] == FRENCH
    assert asked["in_language"]["translation"]["quality"] == "reviewed"
    assert asked["title"] == "Detecting SIM boxes"  # the original stays where it was

    by_header = bob.get(f"/api/v1/assistance-requests/{item.pk}/", headers={"Accept-Language": "fr"}).json()
    assert by_header["in_language"]["texts"]["title"] == FRENCH["title"]
    in_list = bob.get("/api/v1/assistance-requests/?language=fr").json()["results"]
    assert [r["in_language"]["texts"]["title"] for r in in_list] == [FRENCH["title"]]

    russian = bob.get(f"/api/v1/assistance-requests/{item.pk}/?language=ru").json()["in_language"]
    assert russian["translation"] is None and russian["languages"]["title"] == "en"
    assert bob.get(f"/api/v1/assistance-requests/{item.pk}/?language=xx").status_code == 400


# -- outdated translations -----------------------------------------------------------------------------------------


def test_changing_the_need_outdates_its_translation_and_tells_its_translator_once(personas):
    item = opened(personas)
    translate_in_french(item, personas.curator)

    services.update_request(item, actor=personas.alice, urgency="urgent")  # not a translated text
    assert item.translations.get().outdated_since is None

    services.update_request(item, actor=personas.alice, need="Our regulator needs help with SIM boxes now.")

    translation = item.translations.get()
    assert translation.outdated_since is not None
    told = Notification.objects.filter(kind=NotificationKind.TRANSLATION_OUTDATED)
    assert [(n.recipient, n.params["languages"]) for n in told] == [(personas.curator, ["fr"])]
    (line,) = people.attach_records(told, personas.curator)
    assert line.link == f"/en/assistance/requests/{item.pk}/translation/?language=fr"
    assert "Your French translation of “Detecting SIM boxes” is outdated" in line.subject
    page = text_of(client_for(personas.bob).get(f"/fr/assistance/requests/{item.pk}/"))
    assert "Cette traduction est obsolète" in page or "This translation is outdated" in page
    english = text_of(client_for(personas.bob).get(f"/en/assistance/requests/{item.pk}/"))
    stale = r'data-translation="fr">.*?<strong>Outdated</strong> <small>\(<bdi>the need, in the state&#x27;s own words'
    assert re.search(stale, english)
    api = client_for(personas.bob).get(f"/api/v1/assistance-requests/{item.pk}/").json()
    assert api["translations"][0]["outdated"] is True

    services.update_request(item, actor=personas.alice, need="Our regulator needs help.")  # back to what was translated
    assert item.translations.get().outdated_since is None


def test_changing_an_offer_s_description_outdates_its_translation_and_translating_again_makes_it_current(personas):
    offer = gsma_offer(personas)
    services.set_offer_translation(
        offer, actor=personas.carol, language="fr", quality="author", title="Formation", description="Deux semaines."
    )
    services.update_offer(offer, actor=personas.carol, description="Three-week course.")
    assert offer.translations.get().is_outdated
    services.set_offer_translation(
        offer, actor=personas.carol, language="fr", quality="author", description="Trois semaines."
    )
    assert not offer.translations.get().is_outdated


# -- the curators' dashboard and XLIFF -----------------------------------------------------------------------------


def test_the_curators_send_open_requests_and_offers_to_translators_never_drafts_and_take_their_file_back(personas):
    item = opened(personas, title="Open request to translate")
    draft = kenyan_request(personas, title="A draft still private")
    offer = gsma_offer(personas)
    curator = client_for(personas.curator)

    dashboard = text_of(curator.get("/en/catalogue/translations/"))
    assert "Requests for assistance" in dashboard and "Offers of assistance" in dashboard
    assert "/en/catalogue/translations/fr/assistance-request/missing/" in dashboard
    listed = text_of(curator.get("/en/catalogue/translations/fr/assistance-request/missing/"))
    assert "Open request to translate" in listed and "A draft still private" not in listed

    exported = curator.get("/en/catalogue/translations/export.xlf?language=fr&kind=assistance-request").content.decode()
    assert f'id="assistance-request/{item.pk}/need"' in exported
    assert f"assistance-request/{draft.pk}/" not in exported and "A draft still private" not in exported
    everything = curator.get("/api/v1/translations/xliff/?language=fr").content.decode()
    assert f'id="assistance-offer/{offer.pk}/description"' in everything

    def xliff(pk: int, kind: str = "assistance-request") -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?><xliff version="1.2" xmlns="urn:oasis:names:tc:xliff:document:1.2">'
            f'<file original="{kind}/{pk}" source-language="en" target-language="fr" datatype="plaintext"><body>'
            f'<trans-unit id="{kind}/{pk}/title"><source>Open request to translate</source>'
            '<target state="translated">Demande ouverte à traduire</target></trans-unit>'
            f'<trans-unit id="{kind}/{pk}/need"><source>Our regulator needs help.</source>'
            '<target state="translated">Notre régulateur a besoin d\'aide.</target></trans-unit>'
            "</body></file></xliff>"
        ).encode()

    with pytest.raises(catalog_services.XliffRefused) as refused:
        catalog_services.import_xliff(xliff(draft.pk), actor=personas.curator, language="fr")
    assert f"there is no assistance-request {draft.pk}" in " ".join(refused.value.problems)
    assert not draft.translations.exists()

    report = catalog_services.import_xliff(xliff(item.pk), actor=personas.curator, language="fr")
    assert report.records == [f"assistance-request/{item.pk}"]
    translation = item.translations.get(language="fr")
    assert (translation.title, translation.quality) == ("Demande ouverte à traduire", "professional")
    counts = client_for(personas.curator).get("/api/v1/translations/").json()
    french = next(c for c in counts if c["kind"] == "assistance-request" and c["language"] == "fr")
    assert (french["translated"], french["missing"]) == (1, 0)


def test_a_member_of_a_state_may_not_open_the_dashboard_nor_export_requests(personas):
    opened(personas)
    alice = client_for(personas.alice)
    assert alice.get("/en/catalogue/translations/").status_code == 403
    assert alice.get("/api/v1/translations/xliff/?language=fr&kind=assistance-request").status_code == 403


# -- the demo ------------------------------------------------------------------------------------------------------


def test_the_demo_gives_a_few_requests_and_offers_illustrative_translations_a_reader_sees_in_their_language():
    call_command("load_demo_data", stdout=io.StringIO(), stderr=io.StringIO())
    fiji = AssistanceRequest.objects.get(owner_state__alpha2="FJ")
    assert set(fiji.translations.values_list("language", flat=True)) == {"fr", "es", "ar", "ru", "zh-hans"}
    assert set(AssistanceRequestTranslation.objects.values_list("quality", flat=True)) == {"illustrative"}
    assert set(AssistanceOfferTranslation.objects.values_list("quality", flat=True)) == {"illustrative"}
    reader = client_for(None)
    arabic = text_of(reader.get(f"/ar/assistance/requests/{fiji.pk}/"))
    assert "قناة للإبلاغ وإجراءات للاستجابة لشكاوى الإساءة القائمة على الصور" in arabic
    chinese = text_of(reader.get(f"/zh-hans/assistance/requests/{fiji.pk}/"))
    assert "基于图像的滥用投诉的举报渠道和处理程序" in chinese
    before = AssistanceRequestTranslation.objects.count()
    call_command("load_demo_data", stdout=io.StringIO(), stderr=io.StringIO())
    assert AssistanceRequestTranslation.objects.count() == before
