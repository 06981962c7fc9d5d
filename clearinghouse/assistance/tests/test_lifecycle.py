"""A request for assistance from its draft to its outcome, and who may take each step. Personas: alice leads Kenya
and asks; bob leads Nigeria (an attacker here); carol belongs to the GSMA and offers; curator matches and hides."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

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
from clearinghouse.catalog.models import Threat
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.visibility import TLP
from clearinghouse.countries.models import MemberState, Organization
from clearinghouse.mandates.models import Activity, ActivityKind

pytestmark = pytest.mark.django_db


def kenyan_request(personas: Any, **values: Any) -> AssistanceRequest:
    fields = {
        "title": "Detecting SIM boxes on the national network",
        "need": "Our regulator needs to find SIM boxes that bypass international gateways.",
        "language": "en",
        "kinds": [HelpKind.TRAINING, HelpKind.EQUIPMENT],
        "languages": ["en", "fr"],
        "modality": Modality.ON_SITE,
        "threats": list(Threat.objects.filter(slug="simbox-fraud")),
        **values,
    }
    return services.create_request(actor=personas.alice, member_state=personas.alice.member_state, **fields)


def gsma_offer(personas: Any, **values: Any) -> AssistanceOffer:
    fields = {
        "title": "Fraud management training for regulators",
        "description": "Two-week course on detecting interconnect bypass.",
        "language": "en",
        "kinds": [HelpKind.TRAINING],
        "languages": ["en"],
        "capacity": 1,
        **values,
    }
    return services.create_offer(
        actor=personas.carol, owner={"owner_organization": personas.carol.organization}, **fields
    )


def seen_by(record: Any, *people: Any) -> list[bool]:
    return [record.is_visible_to(person) for person in people]


def test_a_draft_is_the_state_s_own_and_once_opened_reaches_whom_its_marking_allows(personas):
    request = kenyan_request(personas)
    assert (request.stage, request.tlp) == (Stage.DRAFT, TLP.GREEN)
    assert seen_by(request, personas.alice, personas.bob, personas.carol, personas.curator) == [
        True,
        False,
        False,
        False,
    ]

    services.open_request(request, actor=personas.alice, comment="Urgent before the elections.")
    request.refresh_from_db()
    assert request.stage == Stage.OPEN and request.opened_at is not None
    assert seen_by(request, personas.alice, personas.bob, personas.carol, personas.curator) == [True, True, True, True]
    [step] = StageChange.objects.filter(request=request)
    assert (step.from_stage, step.to_stage, step.actor, step.comment) == (
        "draft",
        "open",
        personas.alice,
        "Urgent before the elections.",
    )


def test_a_discreet_request_reaches_the_curators_and_the_offerers_the_state_chooses(personas):
    request = kenyan_request(personas, tlp=TLP.AMBER, shared_with_organizations=[Organization.objects.get(slug="gsma")])
    services.open_request(request, actor=personas.alice)
    assert seen_by(request, personas.bob, personas.carol, personas.curator) == [False, True, True]


def test_nobody_asks_on_behalf_of_another_state_and_nothing_is_made(personas):
    with pytest.raises(PermissionDenied, match="on behalf of Kenya only, not of Nigeria"):
        services.create_request(
            actor=personas.alice,
            member_state=MemberState.objects.get(alpha2="NG"),
            title="x",
            need="x",
            language="en",
            kinds=[HelpKind.TRAINING],
            modality=Modality.REMOTE,
        )
    request = kenyan_request(personas)
    with pytest.raises(PermissionDenied):
        services.open_request(request, actor=personas.bob)  # nor opens another state's
    request.refresh_from_db()
    assert request.stage == Stage.DRAFT
    with pytest.raises(ValidationError, match="kinds of help"):
        kenyan_request(personas, kinds=["hacking back"])
    with pytest.raises(ValidationError, match="TLP:RED|CLEAR, GREEN"):
        kenyan_request(personas, tlp=TLP.RED)
    assert AssistanceRequest.objects.count() == 1


def test_a_step_out_of_order_is_refused_naming_the_next_steps_and_changes_nothing(personas):
    request = kenyan_request(personas)
    services.open_request(request, actor=personas.alice)
    before = (StageChange.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError, match="cannot become Closed. Possible next steps: Matched, Withdrawn"):
        services.close_request(request, actor=personas.alice, outcome="Done.")
    with pytest.raises(ValidationError, match="cannot become In delivery"):
        services.start_delivery(request, actor=personas.alice)
    request.refresh_from_db()
    assert request.stage == Stage.OPEN and (StageChange.objects.count(), AuditEvent.objects.count()) == before


def test_a_request_followed_from_its_opening_to_its_outcome_is_counted_as_assistance_delivered(personas):
    request = kenyan_request(personas)
    services.open_request(request, actor=personas.alice)
    offer = gsma_offer(personas)
    engagement = services.propose(request, offer, actor=personas.curator, score={"total": 0.8})
    request.refresh_from_db()
    assert request.stage == Stage.MATCHED and engagement.status == Engagement.Status.PROPOSED

    with pytest.raises(PermissionDenied):
        services.choose(request, [offer], actor=personas.bob)  # the state chooses, nobody else
    services.choose(request, [offer], actor=personas.alice, comment="GSMA's course fits.")
    with pytest.raises(PermissionDenied):
        services.start_delivery(request, actor=personas.bob)
    services.start_delivery(request, actor=personas.carol)  # a chosen offerer may
    services.record_delivery(request, actor=personas.carol, offer=offer, delivered="12 engineers trained in Nairobi.")
    request.refresh_from_db()
    assert request.stage == Stage.DELIVERED
    # the assistance delivered is an activity from the delivery on, before the state closes the request
    assert Activity.objects.filter(kind=ActivityKind.ASSISTANCE, source_id=str(request.pk)).count() == 1

    ours = measure(personas, title="SIM-box detection by test calls", threats=("simbox-fraud",))
    theirs = measure(personas, by=personas.bob, title="Nigeria's register")
    with pytest.raises(ValidationError, match="state's own measures"):
        services.close_request(request, actor=personas.alice, outcome="Adopted.", adopted_measures=[theirs])
    services.close_request(
        request, actor=personas.alice, outcome="Test calls now run weekly.", adopted_measures=[ours], feedback="Good."
    )
    request.refresh_from_db()
    assert request.stage == Stage.CLOSED and list(request.adopted_measures.all()) == [ours]
    steps = list(StageChange.objects.filter(request=request).values_list("to_stage", flat=True))
    assert steps == ["open", "matched", "agreed", "in_delivery", "delivered", "closed"]
    activity = Activity.objects.get(kind=ActivityKind.ASSISTANCE)  # closing recorded no second one
    assert activity.title == request.title and list(activity.states.all()) == [personas.alice.member_state]
    assert activity.source_id == str(request.pk)


def test_a_request_delivered_without_its_activity_gets_it_once_when_closed(personas):
    # delivered before the activity was recorded at delivery (an older record): the closing records it, once
    request = kenyan_request(personas)
    services.open_request(request, actor=personas.alice)
    offer = gsma_offer(personas)
    services.propose(request, offer, actor=personas.curator)
    services.choose(request, [offer], actor=personas.alice)
    services.start_delivery(request, actor=personas.alice)
    services.record_delivery(request, actor=personas.carol, offer=offer, delivered="A course.")
    Activity.objects.filter(kind=ActivityKind.ASSISTANCE).delete()
    services.close_request(request, actor=personas.alice, outcome="Done.")
    assert Activity.objects.filter(kind=ActivityKind.ASSISTANCE, source_id=str(request.pk)).count() == 1


def test_an_offer_beyond_its_capacity_or_past_its_date_cannot_be_chosen(personas):
    offer = gsma_offer(personas, capacity=1)
    first, second = kenyan_request(personas), kenyan_request(personas, title="A second need")
    for request in (first, second):
        services.open_request(request, actor=personas.alice)
        services.propose(request, offer, actor=personas.carol)
    services.choose(first, [offer], actor=personas.alice)
    with pytest.raises(ValidationError, match="at its capacity"):
        services.choose(second, [offer], actor=personas.alice)
    second.refresh_from_db()
    assert second.stage == Stage.MATCHED
    assert Engagement.objects.get(request=second).status == Engagement.Status.PROPOSED
    with pytest.raises(ValidationError, match="capacity cannot be lower"):
        services.update_offer(offer, actor=personas.carol, capacity=0)
    with pytest.raises(PermissionDenied):
        services.create_offer(actor=personas.carol, owner={"owner_state": personas.alice.member_state}, title="x")


def test_a_curator_hides_an_abusive_request_from_everyone_but_its_state_and_the_curators(personas):
    request = kenyan_request(personas)
    services.open_request(request, actor=personas.alice)
    with pytest.raises(PermissionDenied):
        services.hide_request(request, actor=personas.bob, reason="spam")
    services.hide_request(request, actor=personas.curator, reason="Advertising, not a need.")
    assert seen_by(request, personas.alice, personas.bob, personas.carol, personas.curator) == [
        True,
        False,
        False,
        True,
    ]
    with pytest.raises(ValidationError, match="hidden"):
        services.propose(request, gsma_offer(personas), actor=personas.curator)
    services.show_request(request, actor=personas.curator)
    assert seen_by(request, personas.bob) == [True]


def test_the_people_concerned_are_told_of_each_step_and_a_discreet_request_reaches_the_offerer_chosen(personas):
    from clearinghouse.accounts.models import Notification, NotificationKind

    def told(kind: str) -> set[str]:
        return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))

    request = kenyan_request(personas, tlp=TLP.AMBER)  # shared with nobody yet: the curators and Kenya
    services.open_request(request, actor=personas.alice)
    assert told(NotificationKind.ASSISTANCE_REQUEST_OPENED) == {"curator", "admin"}
    offer = gsma_offer(personas)
    services.propose(request, offer, actor=personas.curator)
    assert told(NotificationKind.ASSISTANCE_OFFER_PROPOSED) == {"alice"}
    assert not request.is_visible_to(personas.carol)
    services.choose(request, [offer], actor=personas.alice)
    assert request.is_visible_to(personas.carol) and not request.is_visible_to(personas.bob)
    steps = Notification.objects.filter(kind=NotificationKind.ASSISTANCE_STEP)
    assert {(n.recipient.username, n.params["stage"]) for n in steps} == {("carol", "agreed")}  # alice acted
    [line] = steps
    from clearinghouse.accounts import selectors

    selectors.attach_records([line], personas.carol)
    assert line.subject == f"The request “{request.title}” of Kenya is now agreed."


def test_the_requesting_state_is_e_mailed_in_its_own_language_and_the_offerer_only_once_it_may_see_the_request(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    """E-mail, not only the inbox: Kenya's lead reads French, so the offer put forward reaches her in French with
    a link to the request's page in French; the GSMA hears of a discreet (AMBER) request only once Kenya chose
    its offer, and Nigeria, which may not see it, never does."""
    personas.alice.language = "fr"
    personas.alice.save(update_fields=["language"])
    request = kenyan_request(personas, tlp=TLP.AMBER)
    offer = gsma_offer(personas)
    with django_capture_on_commit_callbacks(execute=True):
        services.open_request(request, actor=personas.alice)
    smtp_server.clear()  # (the curators' daily digest is not sent at once)
    with django_capture_on_commit_callbacks(execute=True):
        services.propose(request, offer, actor=personas.curator)
    message = smtp_server.only_message()
    assert message.envelope_to == [personas.alice.email]
    assert message["Content-Language"] == "fr"
    assert message["Subject"].strip() == (
        f"Une offre a été proposée pour « {request.title} » — offrant : GSM Association (GSMA). "
        "Choisissez avec qui travailler."
    )
    assert f"http://127.0.0.1:8000/fr/assistance/requests/{request.pk}/" in message.links()
    assert all(personas.carol.email not in m.envelope_to for m in smtp_server.messages)

    smtp_server.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.choose(request, [offer], actor=personas.alice)
    message = smtp_server.only_message()
    assert message.envelope_to == [personas.carol.email] and message["Content-Language"] == "en"
    assert request.title in message["Subject"] and "agreed" in message["Subject"]
    assert personas.bob.email not in {address for m in smtp_server.messages for address in m.envelope_to}
