"""A request's and an offer's STIX 2.1 bundle (``…/<id>/stix/``): valid for OASIS's stix2-validator, new SDOs
declared by their extension-definitions, stable ids, and only what the reader may see (docs/assistance.md)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from stix2validator import ValidationOptions, validate_parsed_json

from clearinghouse.assistance import services
from clearinghouse.assistance.models import (
    AssistanceOffer,
    AssistanceOfferTranslation,
    AssistanceRequest,
    AssistanceRequestTranslation,
    CostModel,
    HelpKind,
    Modality,
)
from clearinghouse.catalog.models import Pillar, Threat
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import body_of, client_for
from clearinghouse.core.visibility import TLP
from clearinghouse.countries.models import MemberState, Organization
from clearinghouse.exchange import stix

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/assistance-requests/"
OFFERS = "/api/v1/assistance-offers/"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ID = re.compile(r"^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def request_of_kenya(personas: Any, *, tlp: str = TLP.CLEAR, opened: bool = True, **values: Any) -> AssistanceRequest:
    fields = {
        "title": "Detecting SIM boxes",
        "need": "Our regulator needs help to find SIM boxes.",
        "language": "en",
        "kinds": [HelpKind.TRAINING, HelpKind.CIRT_SETUP],
        "languages": ["en", "zh-hans"],
        "modality": Modality.ON_SITE,
        "tlp": tlp,
        "threats": list(Threat.objects.filter(slug__in=["simbox-fraud", "device-theft"])),
        **values,
    }
    made = services.create_request(actor=personas.alice, member_state=personas.alice.member_state, **fields)
    return services.open_request(made, actor=personas.alice) if opened else made


def offer_of(personas: Any, who: str = "carol", *, tlp: str = TLP.CLEAR, **values: Any) -> AssistanceOffer:
    user = getattr(personas, who)
    owner = {"owner_state": user.member_state} if user.member_state else {"owner_organization": user.organization}
    fields = {
        "title": f"Training by {who}",
        "description": "Two weeks of training for a regulator.",
        "language": "en",
        "kinds": [HelpKind.TRAINING],
        "languages": ["en", "fr"],
        "regions": ["africa"],
        "capacity": 3,
        "cost_model": CostModel.CO_FUNDED,
        "tlp": tlp,
        "threats": list(Threat.objects.filter(slug="simbox-fraud")),
        **values,
    }
    return services.create_offer(actor=user, owner=owner, **fields)


def download(client: Client, url: str, **headers: str) -> dict:
    response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code, getattr(response, "content", b"")[:300])
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    assert "attachment" in response["Content-Disposition"]
    return json.loads(body_of(response))


def by_id(data: dict) -> dict[str, dict]:
    return {o["id"]: o for o in data["objects"]}


def links(data: dict) -> set[tuple[str, str, str]]:
    return {
        (o["relationship_type"], o["source_ref"], o["target_ref"])
        for o in data["objects"]
        if o["type"] == "relationship"
    }


def assert_valid(data: dict) -> None:
    results = validate_parsed_json(data, ValidationOptions(version="2.1", strict=False))
    assert results.is_valid, [str(e) for e in results.errors]
    # every reference inside the bundle to a marking, a creator or an extension is to an object of the bundle
    objects = by_id(data)
    for obj in data["objects"]:
        assert ID.match(obj["id"]), obj["id"]
        assert obj["spec_version"] == "2.1"
        assert TIMESTAMP.match(obj["created"]), obj
        if "modified" in obj:
            assert TIMESTAMP.match(obj["modified"]) and obj["modified"] >= obj["created"], obj
        for ref in obj.get("object_marking_refs", []):
            assert objects[ref]["type"] == "marking-definition", ref
        if "created_by_ref" in obj:
            assert objects[obj["created_by_ref"]]["type"] == "identity", obj["id"]
        for extension in obj.get("extensions", {}):
            if extension != stix.TLP2_EXTENSION:
                assert objects[extension]["type"] == "extension-definition", extension


def test_a_request_exports_as_a_new_sdo_of_its_extension_definition_the_oasis_validator_accepts(personas):
    clear = measure(personas, title="A CEIR", by=personas.bob)
    item = request_of_kenya(
        personas,
        tlp=TLP.GREEN,
        measures=[clear],
        pillars=list(Pillar.objects.filter(slug="technical")),
        wanted_from=date(2026, 3, 1),
        wanted_until=date(2026, 9, 30),
    )
    AssistanceRequestTranslation.objects.create(
        request=item, language="fr", quality="machine", title="Détecter les SIM box", need="Notre régulateur…"
    )
    offer = offer_of(personas)
    services.propose(item, offer, actor=personas.carol)
    services.choose(item, [offer], actor=personas.alice)

    data = download(client_for(personas.alice), f"{REQUESTS}{item.pk}/stix/")

    assert_valid(data)
    objects = by_id(data)
    sdo = objects[stix.stix_id(stix.REQUEST_TYPE, f"request:{item.pk}")]
    kenya = stix.stix_id("identity", "state:KE")
    assert sdo["type"] == "x-ch174-assistance-request"
    assert sdo["extensions"] == {stix.REQUEST_EXTENSION: {"extension_type": "new-sdo"}}
    assert objects[stix.REQUEST_EXTENSION]["extension_types"] == ["new-sdo"]
    assert (sdo["created_by_ref"], sdo["object_marking_refs"]) == (kenya, [stix.TLP2_MARKINGS[TLP.GREEN][0]])
    assert objects[kenya]["name"] == "Kenya"
    assert (sdo["name"], sdo["description"], sdo["lang"]) == (item.title, item.need, "en")
    assert (sdo["help_kinds"], sdo["languages"]) == (["training", "cirt_setup"], ["en", "zh"])
    assert (sdo["modality"], sdo["urgency"], sdo["stage"], sdo["pillars"]) == (
        "on_site",
        "routine",
        "agreed",
        ["technical"],
    )
    assert (sdo["wanted_from"], sdo["wanted_until"]) == ("2026-03-01T00:00:00.000Z", "2026-09-30T00:00:00.000Z")
    assert TIMESTAMP.match(sdo["opened"]) and "revoked" not in sdo
    request_id = sdo["id"]
    simbox = stix.stix_id("attack-pattern", "threat:simbox-fraud")
    assert {
        ("related-to", request_id, simbox),
        ("related-to", request_id, stix.stix_id("attack-pattern", "threat:device-theft")),
        ("located-at", request_id, stix.stix_id("location", "country:KE")),
        ("located-at", kenya, stix.stix_id("location", "country:KE")),
        ("related-to", request_id, stix.stix_id("course-of-action", f"measure:{clear.pk}")),
        ("related-to", stix.stix_id(stix.OFFER_TYPE, f"offer:{offer.pk}"), request_id),
    } == links(data)
    assert objects[simbox]["type"] == "attack-pattern"
    assert objects[stix.stix_id("location", "country:KE")]["country"] == "KE"
    content = next(o for o in data["objects"] if o["type"] == "language-content")
    assert content["object_ref"] == request_id and content["contents"]["fr"]["name"] == "Détecter les SIM box"


def test_an_offer_exports_as_a_new_sdo_with_its_owner_and_the_requests_that_chose_it(personas):
    offer = offer_of(
        personas,
        tlp=TLP.AMBER,
        available_until=date(2027, 1, 31),
        past_engagements="CIRT training in three countries.",
        shared_with_states=[MemberState.objects.get(alpha2="KE")],
    )
    AssistanceOfferTranslation.objects.create(
        offer=offer, language="ar", quality="machine", title="تدريب", description="أسبوعان من التدريب"
    )
    item = request_of_kenya(personas)
    services.propose(item, offer, actor=personas.carol)
    services.choose(item, [offer], actor=personas.alice)

    data = download(client_for(personas.carol), f"{OFFERS}{offer.pk}/stix/")

    assert_valid(data)
    objects = by_id(data)
    sdo = objects[stix.stix_id(stix.OFFER_TYPE, f"offer:{offer.pk}")]
    gsma = stix.stix_id("identity", "organization:gsma")
    assert sdo["extensions"] == {stix.OFFER_EXTENSION: {"extension_type": "new-sdo"}}
    assert objects[stix.OFFER_EXTENSION]["extension_types"] == ["new-sdo"]
    assert (sdo["created_by_ref"], objects[gsma]["name"]) == (gsma, Organization.objects.get(slug="gsma").name)
    assert sdo["object_marking_refs"] == [stix.TLP2_MARKINGS[TLP.AMBER][0]]
    assert (sdo["help_kinds"], sdo["languages"], sdo["regions"]) == (["training"], ["en", "fr"], ["africa"])
    assert (sdo["capacity"], sdo["cost_model"], sdo["available_until"]) == (3, "co_funded", "2027-01-31T00:00:00.000Z")
    assert sdo["past_engagements"] == "CIRT training in three countries."
    engaged = next(o for o in data["objects"] if o["type"] == "relationship" and o["target_ref"].startswith("x-ch174"))
    assert engaged["target_ref"] == stix.stix_id(stix.REQUEST_TYPE, f"request:{item.pk}")
    # the link is marked with the narrower of a CLEAR request and an AMBER offer
    assert engaged["object_marking_refs"] == [stix.TLP2_MARKINGS[TLP.AMBER][0]]
    assert {o["type"] for o in data["objects"]} >= {"language-content", "attack-pattern", "identity"}
    assert "location" not in {o["type"] for o in data["objects"]}  # an organization has no country


def test_a_record_keeps_its_ids_across_exports_and_a_change_gets_a_new_modified(personas):
    item = request_of_kenya(personas)
    alice = client_for(personas.alice)
    first = download(alice, f"{REQUESTS}{item.pk}/stix/")
    again = download(alice, f"{REQUESTS}{item.pk}/stix/")
    AssistanceRequest.objects.filter(pk=item.pk).update(updated_at=timezone.now() + timedelta(days=400))
    later = download(alice, f"{REQUESTS}{item.pk}/stix/")

    assert set(by_id(first)) == set(by_id(again)) == set(by_id(later))
    assert first["id"] != again["id"]  # the bundle is a new envelope each time
    key = stix.stix_id(stix.REQUEST_TYPE, f"request:{item.pk}")
    assert by_id(first)[key]["modified"] == by_id(again)[key]["modified"] < by_id(later)[key]["modified"]
    assert by_id(first)[key]["created"] == by_id(later)[key]["created"]


#: Who gets a bundle of an AMBER request of Kenya shared with the GSMA, and of a draft (status codes).
SEES = {
    "reader": (404, 404),
    "alice": (200, 200),
    "bob": (404, 404),
    "carol": (200, 404),
    "curator": (200, 404),
    "admin": (200, 404),
}


@pytest.mark.parametrize("name", list(SEES))
def test_only_those_who_may_see_a_request_or_an_offer_get_its_bundle(personas, name):
    gsma = Organization.objects.get(slug="gsma")
    amber = request_of_kenya(personas, tlp=TLP.AMBER, shared_with_organizations=[gsma])
    draft = request_of_kenya(personas, opened=False)
    amber_offer = offer_of(personas, "alice", tlp=TLP.AMBER, shared_with_organizations=[gsma])
    draft_offer = offer_of(personas, "alice", publish=False)
    client = client_for(getattr(personas, name)) if name != "reader" else Client()

    answers = tuple(client.get(f"{REQUESTS}{record.pk}/stix/").status_code for record in (amber, draft))
    offers = tuple(client.get(f"{OFFERS}{record.pk}/stix/").status_code for record in (amber_offer, draft_offer))

    assert answers == offers == SEES[name]


def test_a_bundle_never_links_an_offer_or_a_measure_the_reader_may_not_see(personas):
    strict_measure = measure(personas, title="Kenya's own", tlp=TLP.AMBER_STRICT)
    clear_measure = measure(personas, title="Everyone's", by=personas.bob)
    red_measure = measure(personas, title="Named only", tlp=TLP.RED, shared_with_users=[personas.bob])
    item = request_of_kenya(personas, measures=[strict_measure, clear_measure, red_measure])
    hidden_offer = offer_of(personas, tlp=TLP.AMBER_STRICT)  # the GSMA's people and the curators only
    services.propose(item, hidden_offer, actor=personas.carol)
    services.choose(item, [hidden_offer], actor=personas.alice)
    url = f"{REQUESTS}{item.pk}/stix/"
    offer_ref = stix.stix_id(stix.OFFER_TYPE, f"offer:{hidden_offer.pk}")
    request_ref = stix.stix_id(stix.REQUEST_TYPE, f"request:{item.pk}")

    def targets(name: str) -> set[str]:
        data = download(client_for(getattr(personas, name)), url)
        assert_valid(data)
        found = {t for kind, s, t in links(data) if s == request_ref and t.startswith("course-of-action")}
        engaged = {s for kind, s, t in links(data) if t == request_ref and s.startswith("x-ch174")}
        assert offer_ref not in json.dumps(data) or engaged  # an offer unseen is not even named
        return found | engaged

    strict, clear = (stix.stix_id("course-of-action", f"measure:{m.pk}") for m in (strict_measure, clear_measure))
    assert targets("bob") == {clear}
    assert targets("alice") == {strict, clear}  # Kenya cannot see the GSMA's AMBER+STRICT offer
    assert targets("carol") == {clear, offer_ref}
    assert targets("curator") == {strict, clear, offer_ref}
    # and the link to the AMBER+STRICT measure is marked so, on a CLEAR request
    data = download(client_for(personas.alice), url)
    link = next(o for o in data["objects"] if o["type"] == "relationship" and o["target_ref"] == strict)
    assert link["object_marking_refs"] == [stix.TLP2_MARKINGS[TLP.AMBER_STRICT][0]]


def test_a_tlp_red_record_never_leaves_the_platform_even_for_those_named(personas):
    """The services refuse TLP:RED for requests and offers; were one RED, the catalogue's rule holds: never
    exported, whoever may see it."""
    item = request_of_kenya(personas)
    offer = offer_of(personas, "alice")
    for record in (item, offer):
        type(record).objects.filter(pk=record.pk).update(tlp=TLP.RED)
        record.shared_with_users.add(personas.alice)
    alice = client_for(personas.alice)
    assert alice.get(f"/en/assistance/requests/{item.pk}/").status_code == 200  # alice, named, sees it
    assert alice.get(f"{REQUESTS}{item.pk}/stix/").status_code == 404
    assert alice.get(f"{OFFERS}{offer.pk}/stix/").status_code == 404


def test_a_withdrawn_request_is_revoked_in_its_bundle(personas):
    item = services.withdraw_request(request_of_kenya(personas), actor=personas.alice)
    sdo = by_id(download(client_for(personas.alice), f"{REQUESTS}{item.pk}/stix/"))[
        stix.stix_id(stix.REQUEST_TYPE, f"request:{item.pk}")
    ]
    assert (sdo["stage"], sdo["revoked"]) == ("withdrawn", True)


def test_a_client_that_accepts_only_stix_gets_the_bundle_and_a_missing_record_is_404(personas):
    item = request_of_kenya(personas)
    accept = {"HTTP_ACCEPT": "application/stix+json;version=2.1"}
    assert download(Client(), f"{REQUESTS}{item.pk}/stix/", **accept)["type"] == "bundle"
    assert Client().get(f"{REQUESTS}{item.pk + 1000}/stix/", **accept).status_code == 404
    assert Client().get(f"{OFFERS}999999/stix/").status_code == 404


def test_the_pages_link_to_their_bundle(personas):
    item = request_of_kenya(personas)
    offer = offer_of(personas)
    page = Client().get(f"/en/assistance/requests/{item.pk}/").content.decode()
    assert f'href="/api/v1/assistance-requests/{item.pk}/stix/"' in page
    page = Client().get(f"/fr/assistance/offers/{offer.pk}/").content.decode()
    assert f'href="/api/v1/assistance-offers/{offer.pk}/stix/"' in page


def test_a_request_s_bundle_imported_back_is_taken_in_whole_and_makes_no_measure(personas):
    """The importer keeps objects it does not map (docs/exchange.md): a request's bundle is valid input, and its
    ``x-ch174-*`` objects and their links never turn into catalogue records."""
    from clearinghouse.catalog.models import Measure
    from clearinghouse.exchange import importing
    from clearinghouse.exchange.models import ImportStatus

    item = request_of_kenya(personas, measures=[measure(personas, title="Wanted")])
    raw = body_of(Client().get(f"{REQUESTS}{item.pk}/stix/"))
    before = Measure.objects.count()

    run = importing.import_bundle(raw, actor=personas.alice, source="upload", origin="request.json")

    assert run.status == ImportStatus.COMPLETE, run.report
    assert Measure.objects.count() == before
