"""/api/v1/assistance-requests/ and /api/v1/assistance-offers/: a request followed to its outcome through the API,
and the API's answers to those who may not (401, 403 with the service's message, 400 naming the problem, 404)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from clearinghouse.assistance import services
from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest, HelpKind, Modality, Stage
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/assistance-requests/"
OFFERS = "/api/v1/assistance-offers/"


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


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


def test_a_request_is_followed_from_its_draft_to_its_outcome_through_the_api(personas):
    alice, carol, curator = client_for(personas.alice), client_for(personas.carol), client_for(personas.curator)
    made = post(
        alice,
        REQUESTS,
        {
            "title": "Detecting SIM boxes",
            "need": "Our regulator needs help.",
            "language": "en",
            "threats": ["simbox-fraud"],
            "kinds": ["training"],
            "languages": ["en", "fr"],
            "modality": "on_site",
            "tlp": "green",
        },
    )
    assert made.status_code == 201, made.content
    item = made.json()
    assert (item["member_state"], item["stage"], item["threats"]) == ("KE", "draft", ["simbox-fraud"])
    url = f"{REQUESTS}{item['id']}/"
    assert post(alice, url + "open/", {"comment": "Soon."}).json()["stage"] == "open"

    offer = post(
        carol,
        OFFERS,
        {
            "organization": "gsma",
            "title": "Fraud training",
            "description": "Two weeks.",
            "language": "en",
            "kinds": ["training"],
            "languages": ["en"],
            "capacity": 1,
        },
    )
    assert offer.status_code == 201, offer.content
    offer_id = offer.json()["id"]
    answer = post(curator, url + "propose/", {"offer": offer_id}).json()
    assert answer["stage"] == "matched" and answer["engagements"][0]["offer"] == offer_id
    assert post(alice, url + "choose/", {"offers": [offer_id]}).json()["stage"] == "agreed"
    assert post(carol, url + "start-delivery/", {}).json()["stage"] == "in_delivery"
    delivered = post(carol, url + "record-delivery/", {"offer": offer_id, "delivered": "12 trained."}).json()
    assert delivered["stage"] == "delivered"
    ours = measure(personas, title="Test calls", threats=("simbox-fraud",))
    closed = post(alice, url + "close/", {"outcome": "Weekly test calls.", "adopted_measures": [ours.pk]}).json()
    assert closed["stage"] == "closed" and closed["adopted_measures"] == [ours.pk]
    assert [step["to_stage"] for step in closed["history"]] == [
        "open",
        "matched",
        "agreed",
        "in_delivery",
        "delivered",
        "closed",
    ]


def test_the_api_refuses_with_the_right_answer_and_changes_nothing(personas):
    item = kenyan_request(personas)
    url = f"{REQUESTS}{item.pk}/"
    assert Client().post(url + "open/").status_code in (401, 403)
    assert client_for(personas.bob).post(url + "open/").status_code == 404  # a draft bob may not see
    services.open_request(item, actor=personas.alice)
    bob = client_for(personas.bob)
    refused = post(bob, url + "withdraw/", {})
    assert refused.status_code == 403 and "requesting Member State" in refused.json()["detail"]
    out_of_order = post(client_for(personas.alice), url + "close/", {"outcome": "Done."})
    assert out_of_order.status_code == 400 and "cannot become Closed" in str(out_of_order.json())
    forged = post(
        client_for(personas.alice),
        REQUESTS,
        {"member_state": "NG", "title": "x", "need": "x", "kinds": ["training"], "languages": ["en"]},
    )
    assert forged.status_code == 403, forged.content
    assert "not of Nigeria" in forged.json()["detail"]
    bad_kind = post(client_for(personas.alice), REQUESTS, {"title": "x", "need": "x", "kinds": ["hacking"]})
    assert bad_kind.status_code == 400 and "kinds" in bad_kind.json()
    unknown_offer = post(client_for(personas.curator), url + "propose/", {"offer": 999999})
    assert unknown_offer.status_code == 400 and "offer" in unknown_offer.json()
    item.refresh_from_db()
    assert item.stage == Stage.OPEN and AssistanceRequest.objects.count() == 1
    assert client_for(personas.alice).get(REQUESTS + "?kind=hacking").status_code == 400


def test_the_lists_filter_and_ask_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    for number in range(6):
        made = kenyan_request(
            personas, title=f"Need {number}", kinds=[HelpKind.TRAINING if number % 2 else "exercises"]
        )
        services.open_request(made, actor=personas.alice)
    client = client_for(personas.bob)
    with django_assert_max_num_queries(12):
        answer = client.get(REQUESTS + "?kind=exercises&region=africa&stage=open").json()
    assert answer["count"] == 3
    assert client.get(REQUESTS + "?region=europe").json()["count"] == 0
    assert client.get(REQUESTS + "?owner=KE&group=ldc").status_code == 200
    services.create_offer(
        actor=personas.carol,
        owner={"owner_organization": personas.carol.organization},
        title="Fraud training",
        description="Two weeks.",
        language="en",
        kinds=[HelpKind.TRAINING],
        languages=["en"],
    )
    with django_assert_max_num_queries(12):
        offers = client.get(OFFERS + "?kind=training&organization=gsma").json()
    assert [o["title"] for o in offers["results"]] == ["Fraud training"]
    assert AssistanceOffer.objects.count() == 1
