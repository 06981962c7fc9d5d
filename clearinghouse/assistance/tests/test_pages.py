"""The assistance pages as a person uses them, without JavaScript: alice (Kenya's focal point) drafts and opens a
request, the curator puts the GSMA's offer forward, alice chooses it, carol (GSMA) delivers, alice closes it with its
outcome. Bob (Nigeria) tries what he may not; bad input is refused with its reason and nothing changes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection

from clearinghouse.assistance import services
from clearinghouse.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    Engagement,
    HelpKind,
    Modality,
    Stage,
    StageChange,
)
from clearinghouse.catalog.models import Pillar, Threat
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def request_form(**values: Any) -> dict[str, Any]:
    return {
        "member_state": "KE",
        "title": "Detecting SIM boxes on the national network",
        "need": "Our regulator needs to find SIM boxes that bypass international gateways.",
        "language": "en",
        "threats": [Threat.objects.get(slug="simbox-fraud").pk],
        "pillars": [Pillar.objects.get(slug="technical").pk],
        "kinds": ["training", "equipment"],
        "languages": ["en", "fr"],
        "modality": "on_site",
        "wanted_from": "2027-01-10",
        "wanted_until": "2027-06-30",
        "urgency": "soon",
        "tlp": "green",
        **values,
    }


def gsma_offer(personas: Any, **values: Any) -> AssistanceOffer:
    fields = {
        "title": "Fraud management training for regulators",
        "description": "Two-week course on detecting interconnect bypass.",
        "language": "en",
        "kinds": [HelpKind.TRAINING],
        "languages": ["en"],
        "capacity": 2,
        **values,
    }
    return services.create_offer(
        actor=personas.carol, owner={"owner_organization": personas.carol.organization}, **fields
    )


def kenyan_request(personas: Any, **values: Any) -> AssistanceRequest:
    fields = {
        "title": "Detecting SIM boxes",
        "need": "Our regulator needs help.",
        "language": "en",
        "kinds": [HelpKind.TRAINING],
        "languages": ["en"],
        "modality": Modality.REMOTE,
        **values,
    }
    return services.create_request(actor=personas.alice, member_state=personas.alice.member_state, **fields)


def test_a_request_is_drafted_opened_matched_chosen_delivered_and_closed_through_the_pages(personas):
    alice, curator, carol = client_for(personas.alice), client_for(personas.curator), client_for(personas.carol)
    offer = gsma_offer(personas)
    ours = measure(personas, title="SIM-box detection by test calls", threats=("simbox-fraud",))

    form_page = alice.get("/en/assistance/requests/new/")
    assert form_page.status_code == 200 and "On behalf of Kenya" in text_of(form_page)
    page = alice.post("/en/assistance/requests/new/", request_form(), follow=True)
    assert page.status_code == 200
    made = AssistanceRequest.objects.get()
    assert "The draft is saved" in text_of(page) and "Detecting SIM boxes" in text_of(page)
    assert made.stage == Stage.DRAFT and made.owner_state.alpha2 == "KE"
    assert sorted(made.kinds) == ["equipment", "training"]
    assert client_for(personas.bob).get(made.get_absolute_url()).status_code == 404  # a draft is the state's own

    url = made.get_absolute_url()
    page = alice.post(url + "open/", {"comment": "Before the elections."}, follow=True)
    assert "The request is open" in text_of(page)
    assert "Before the elections." in text_of(page) and "Draft → Open" in text_of(page)
    assert client_for(personas.bob).get(url).status_code == 200  # GREEN: every signed-in member now

    page = curator.get(url)
    assert "Put an offer forward" in text_of(page) and offer.title in text_of(page)
    page = curator.post(url + "propose/", {"offer": offer.pk}, follow=True)
    assert "The offer is put forward" in text_of(page) and "Proposed" in text_of(page)

    page = alice.get(url)
    assert "Choose whom to work with" in text_of(page) and "Friends of Kenya" in text_of(page)
    page = alice.post(url + "choose/", {"offers": [offer.pk], "comment": "GSMA's course fits."}, follow=True)
    assert "Agreed" in text_of(page) and "Chosen by the state" in text_of(page)

    page = carol.post(url + "start_delivery/", {"comment": ""}, follow=True)
    assert "The delivery has started" in text_of(page)
    page = carol.post(
        url + "record_delivery/", {"offer": offer.pk, "delivered": "12 engineers trained in Nairobi."}, follow=True
    )
    assert "12 engineers trained in Nairobi." in text_of(page)
    made.refresh_from_db()
    assert made.stage == Stage.DELIVERED

    page = alice.get(url)
    assert "Close with the outcome" in text_of(page)
    page = alice.post(
        url + "close/",
        {"outcome": "Test calls now run weekly.", "adopted_measures": [ours.pk], "feedback": "Good course."},
        follow=True,
    )
    shown = text_of(page)
    assert "The request is closed with its outcome" in shown and "Test calls now run weekly." in shown
    assert ours.title in shown and "Good course." in shown
    steps = list(StageChange.objects.filter(request=made).values_list("to_stage", flat=True))
    assert steps == ["open", "matched", "agreed", "in_delivery", "delivered", "closed"]

    state_page = text_of(client_for(personas.bob).get("/en/member-states/KE/"))
    assert made.title in state_page


def test_a_request_for_another_state_through_a_forged_form_is_refused_and_nothing_is_made(personas):
    response = client_for(personas.alice).post("/en/assistance/requests/new/", request_form(member_state="NG"))
    assert response.status_code == 403
    assert "on behalf of Kenya only, not of Nigeria" in text_of(response)
    assert not AssistanceRequest.objects.exists()


def test_someone_of_no_state_is_not_offered_the_request_form(personas):
    assert client_for(personas.carol).get("/en/assistance/requests/new/").status_code == 403
    assert client_for(personas.reader).get("/en/assistance/requests/new/").status_code == 302  # to sign in


def test_an_invalid_kind_of_help_is_refused_naming_the_field_and_nothing_is_made(personas):
    response = client_for(personas.alice).post("/en/assistance/requests/new/", request_form(kinds=["hacking_back"]))
    assert response.status_code == 400
    assert "hacking_back is not one of the available choices" in text_of(response)
    assert not AssistanceRequest.objects.exists()


def test_dates_in_the_wrong_order_are_refused_with_the_reason(personas):
    response = client_for(personas.alice).post(
        "/en/assistance/requests/new/", request_form(wanted_from="2027-06-01", wanted_until="2027-01-01")
    )
    assert response.status_code == 400
    assert "cannot be wanted until a date before it is wanted from" in text_of(response)
    assert not AssistanceRequest.objects.exists()


def test_a_step_out_of_order_is_refused_with_the_message_and_changes_nothing(personas):
    made = kenyan_request(personas)
    services.open_request(made, actor=personas.alice)
    before = StageChange.objects.count()
    response = client_for(personas.alice).post(made.get_absolute_url() + "close/", {"outcome": "Done."})
    assert response.status_code == 400
    assert "cannot become Closed. Possible next steps: Matched, Withdrawn" in text_of(response)
    made.refresh_from_db()
    assert made.stage == Stage.OPEN and StageChange.objects.count() == before


def test_another_state_may_see_an_open_request_but_not_take_its_steps(personas):
    made = kenyan_request(personas)
    services.open_request(made, actor=personas.alice)
    offer = gsma_offer(personas)
    services.propose(made, offer, actor=personas.carol)
    bob = client_for(personas.bob)
    page = text_of(bob.get(made.get_absolute_url()))
    assert "Choose whom to work with" not in page and "Withdraw the request" not in page
    response = bob.post(made.get_absolute_url() + "choose/", {"offers": [offer.pk]})
    assert response.status_code == 403 and "The requesting Member State chooses" in text_of(response)
    response = bob.post(made.get_absolute_url() + "hide/", {"reason": "spam"})
    assert response.status_code == 403 and "Only a curator hides" in text_of(response)
    made.refresh_from_db()
    assert made.stage == Stage.MATCHED and made.hidden_at is None
    assert Engagement.objects.get().status == Engagement.Status.PROPOSED


def test_a_curator_hides_a_request_with_a_reason_and_shows_it_again(personas):
    made = kenyan_request(personas)
    services.open_request(made, actor=personas.alice)
    curator = client_for(personas.curator)
    response = curator.post(made.get_absolute_url() + "hide/", {"reason": ""})
    assert response.status_code == 400 and "This field is required" in text_of(response)
    page = curator.post(made.get_absolute_url() + "hide/", {"reason": "Advertising, not a need."}, follow=True)
    assert "Advertising, not a need." in text_of(page)
    assert client_for(personas.bob).get(made.get_absolute_url()).status_code == 404
    assert "Advertising, not a need." in text_of(client_for(personas.alice).get(made.get_absolute_url()))
    curator.post(made.get_absolute_url() + "show/", follow=True)
    assert client_for(personas.bob).get(made.get_absolute_url()).status_code == 200


def test_an_arabic_page_marks_an_english_request_with_its_language_and_direction(personas):
    made = kenyan_request(personas, title="Detecting SIM boxes", need="Our regulator needs help.")
    services.open_request(made, actor=personas.alice)
    page = text_of(client_for(personas.bob).get(f"/ar/assistance/requests/{made.pk}/"))
    assert '<html lang="ar" dir="rtl">' in page
    assert '<h1 lang="en" dir="ltr">Detecting SIM boxes</h1>' in page
    assert re.search(r'<div class="prose" lang="en" dir="ltr">\s*<p>Our regulator needs help.</p>', page)
    listed = text_of(client_for(personas.bob).get("/ar/assistance/"))
    assert f'<a href="/ar/assistance/requests/{made.pk}/" lang="en" dir="ltr">Detecting SIM boxes</a>' in listed


def test_the_home_lists_open_requests_with_filters_and_counts_them_by_region_group_and_threat(personas):
    threat = Threat.objects.get(slug="simbox-fraud")
    first = kenyan_request(personas, title="First need", threats=[threat])
    second = kenyan_request(personas, title="Second need", kinds=[HelpKind.EXERCISES])
    kenyan_request(personas, title="Still a draft")
    for made in (first, second):
        services.open_request(made, actor=personas.alice)
    bob = client_for(personas.bob)
    page = text_of(bob.get("/en/assistance/"))
    assert "First need" in page and "Second need" in page and "Still a draft" not in page
    assert 'data-count="region-africa">2<' in page and 'data-count="region-europe">0<' in page
    assert 'data-count="threat-simbox-fraud">1<' in page
    filtered = text_of(bob.get("/en/assistance/?kind=exercises"))
    assert "Second need" in filtered and "First need" not in filtered
    assert 'data-count="region-africa">1<' in filtered
    bad = bob.get("/en/assistance/?kind=hacking")
    assert bad.status_code == 400 and "Select a valid choice" in text_of(bad)


def test_the_home_page_asks_the_same_number_of_queries_for_one_request_or_many(personas, django_assert_num_queries):
    for number in range(3):
        services.open_request(kenyan_request(personas, title=f"Need {number}"), actor=personas.alice)
    client = client_for(personas.bob)
    client.get("/en/assistance/")
    caches["pages"].clear()  # nothing kept: the counts and figures are read
    with django_assert_num_queries(QUERIES_OF_THE_HOME) as counted:
        client.get("/en/assistance/")
    for number in range(3, 8):
        services.open_request(kenyan_request(personas, title=f"Need {number}"), actor=personas.alice)
    with django_assert_num_queries(len(counted.captured_queries)):
        client.get("/en/assistance/")
    # nothing changed since: the counts and figures kept for this reader are shown
    with django_assert_num_queries(QUERIES_OF_THE_HOME - QUERIES_KEPT):
        client.get("/en/assistance/")


QUERIES_OF_THE_HOME = 20 + 2 * (connection.vendor == "postgresql")  # the list, its counts, the figures of what one
# may see (8 together), the translations of the requests listed, for the reader's language (1), and the content stamp
# the counts and figures are kept under (1; on PostgreSQL inside the test's transaction, reading it first settles the
# deferred triggers of the writes made so far: two more, which no request outside a transaction pays)
QUERIES_KEPT = 8  # the counts and the figures


def test_an_offer_is_made_edited_and_withdrawn_by_its_organization_and_refused_to_others(personas):
    carol = client_for(personas.carol)
    form = {
        "on_behalf_of": "org:gsma",
        "title": "Fraud management training",
        "description": "Two weeks.",
        "language": "en",
        "kinds": ["training"],
        "languages": ["en", "fr"],
        "capacity": "2",
        "cost_model": "free",
        "tlp": "green",
    }
    page = carol.post("/en/assistance/offers/new/", form, follow=True)
    offer = AssistanceOffer.objects.get()
    assert "The offer is published" in text_of(page) and offer.owner_organization.slug == "gsma"
    forged = carol.post("/en/assistance/offers/new/", {**form, "on_behalf_of": "state:KE"})
    assert forged.status_code == 403 and AssistanceOffer.objects.count() == 1
    bob = client_for(personas.bob)
    assert bob.get(f"/en/assistance/offers/{offer.pk}/edit/").status_code == 403
    assert bob.post(f"/en/assistance/offers/{offer.pk}/withdraw/").status_code == 403
    page = carol.post(f"/en/assistance/offers/{offer.pk}/edit/", {**form, "title": "Fraud course"}, follow=True)
    assert "The offer is saved" in text_of(page) and "Fraud course" in text_of(page)
    assert "Fraud course" in text_of(bob.get("/en/assistance/offers/"))
    carol.post(f"/en/assistance/offers/{offer.pk}/withdraw/", follow=True)
    assert "Fraud course" not in text_of(bob.get("/en/assistance/offers/"))
    assert bob.get(f"/en/assistance/offers/{offer.pk}/").status_code == 404


def test_an_amber_request_reaches_the_organization_it_is_shared_with_and_not_another_state(personas):
    response = client_for(personas.alice).post(
        "/en/assistance/requests/new/",
        request_form(tlp=TLP.AMBER, shared_with_organizations=[personas.carol.organization.pk]),
    )
    made = AssistanceRequest.objects.get()
    assert response.status_code == 302
    services.open_request(made, actor=personas.alice)
    assert client_for(personas.carol).get(made.get_absolute_url()).status_code == 200
    assert client_for(personas.bob).get(made.get_absolute_url()).status_code == 404
    assert made.title not in text_of(client_for(personas.bob).get("/en/member-states/KE/"))


def test_whoever_puts_offers_forward_sees_the_offers_that_fit_best_explained_and_nobody_else_does(personas):
    request = kenyan_request(personas)
    services.open_request(request, actor=personas.alice)
    gsma_offer(personas)
    curator = text_of(client_for(personas.curator).get(f"/en/assistance/requests/{request.pk}/"))
    assert "Offers that fit, best first" in curator and "points of 100" in curator
    assert "Kind of help: 1 of 1" in curator and "Fraud management training for regulators" in curator
    offerer = text_of(client_for(personas.carol).get(f"/en/assistance/requests/{request.pk}/"))
    assert "Offers that fit, best first" in offerer  # the GSMA may put its own offer forward
    for person in (personas.alice, personas.bob):  # the requesting state chooses; another state only reads
        page = text_of(client_for(person).get(f"/en/assistance/requests/{request.pk}/"))
        assert "Offers that fit" not in page


def test_an_offer_s_people_see_the_open_requests_that_fit_it_and_others_do_not(personas):
    offer = gsma_offer(personas)
    request = kenyan_request(personas)
    services.open_request(request, actor=personas.alice)
    hidden = kenyan_request(personas, title="Kenya's discreet need", tlp=TLP.AMBER)  # shared with nobody
    services.open_request(hidden, actor=personas.alice)
    page = text_of(client_for(personas.carol).get(f"/en/assistance/offers/{offer.pk}/"))
    assert "Open requests that fit this offer, best first" in page and "Detecting SIM boxes" in page
    assert "discreet need" not in page  # an AMBER request not shared with the GSMA is not shown
    for person in (personas.alice, personas.bob, None):
        other = text_of(client_for(person).get(f"/en/assistance/offers/{offer.pk}/"))
        assert "Open requests that fit this offer" not in other
