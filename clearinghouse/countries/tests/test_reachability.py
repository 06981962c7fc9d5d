"""Reachability rounds (issue 14, item 3): the Secretariat asks the points of contact to confirm that they answer;
each gets an e-mail in their language with a link that works once; the directory and the round's page show who
answered and how fast, by region."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.countries import services
from clearinghouse.countries.models import Contact, MemberState, ReachabilityCheck, ReachabilityRound

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://\S+/directory/confirm/([A-Za-z0-9_-]+)/")


def state(alpha2: str) -> MemberState:
    return MemberState.objects.get(alpha2=alpha2)


@pytest.fixture
def contacts(personas):
    def add(owner, actor, name, languages):
        return services.add_contact(
            owner,
            actor=actor,
            function="cirt",
            name=name,
            email=f"{name.split()[0].lower()}@example.org",
            time_zone="Africa/Nairobi",
            languages=languages,
        )

    return {
        "amina": add(state("KE"), personas.alice, "Amina Fr", ["fr", "sw"]),
        "omar": add(state("KE"), personas.alice, "Omar Ar", ["ar"]),
        "chidi": add(state("NG"), personas.bob, "Chidi Ng", ["en"]),
    }


def start(personas, django_capture_on_commit_callbacks, **choices) -> ReachabilityRound:
    with django_capture_on_commit_callbacks(execute=True):
        return services.start_round(actor=personas.curator, **choices)


@pytest.fixture(autouse=True)
def _smtp(smtp_server):
    """Every e-mail of these tests goes through a real SMTP server on loopback (tests/smtp.py)."""
    global server
    server = smtp_server
    yield


server: Any = None


def link_of(address: str) -> str:
    """The confirmation link of the latest e-mail to ``address``, as its reader would click it."""
    messages = server.to(address)
    assert messages, f"no e-mail to {address}"
    found = LINK.search(messages[-1].text)
    assert found, messages[-1].text
    return found.group(1)


def test_a_round_e_mails_each_contact_in_their_language_and_records_who_confirmed(
    personas, contacts, django_capture_on_commit_callbacks
):
    page = client_for(personas.curator).post(
        "/en/directory/rounds/", {"states": [state("KE").pk], "message": "Annual check before the regional forum."}
    )
    assert page.status_code == 302
    round_ = ReachabilityRound.objects.get()
    assert round_.checks.count() == 2 and not round_.checks.filter(contact=contacts["chidi"]).exists()
    # (the e-mails are sent once the round is committed: here, run by hand as the worker would)
    from clearinghouse.countries.tasks import send_reachability_checks

    assert send_reachability_checks.call(round_.pk) == {"sent": 2, "failed": 0}
    server.wait_for(2)
    (french,), (arabic,) = server.to("amina@example.org"), server.to("omar@example.org")
    assert french["Content-Language"] == "fr" and "Kenya" in french["Subject"]
    assert "point de contact" in french.text and "Annual check before the regional forum." in french.text
    assert french.content_types == ["multipart/alternative", "text/plain", "text/html"]
    assert french.links("html")[0] == french.links()[0]  # the same one-time link in both parts
    assert arabic["Content-Language"] == "ar" and 'dir="rtl"' in arabic.html

    token = link_of("amina@example.org")
    visitor = client_for(None)
    assert "I can be reached" in visitor.get(f"/en/directory/confirm/{token}/").content.decode()
    assert ReachabilityCheck.objects.filter(confirmed_at__isnull=False).count() == 0  # opening the link is not enough
    thanks = visitor.post(f"/en/directory/confirm/{token}/")
    assert thanks.status_code == 200 and "Thank you" in thanks.content.decode()
    contacts["amina"].refresh_from_db()
    confirmed = contacts["amina"].last_confirmed_at
    assert confirmed is not None
    assert AuditEvent.objects.filter(action="contact.confirmed", object_id=str(contacts["amina"].pk)).exists()
    visitor.post(f"/en/directory/confirm/{token}/")  # a second time changes nothing
    contacts["amina"].refresh_from_db()
    assert contacts["amina"].last_confirmed_at == confirmed

    summary = client_for(personas.curator).get(round_.get_absolute_url()).content.decode()
    africa = re.search(r"<th scope=\"row\">Africa</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+) %", summary)
    assert africa and africa.groups() == ("2", "2", "1", "50")
    directory = client_for(personas.bob).get("/en/directory/?state=KE").content.decode()
    assert "not yet" in directory  # Omar has not confirmed; Amina has a date


def test_a_link_that_is_tampered_with_replaced_or_too_old_says_so_and_changes_nothing(
    personas, contacts, django_capture_on_commit_callbacks
):
    round_ = start(personas, django_capture_on_commit_callbacks, states=[state("KE")])
    token = link_of("amina@example.org")
    visitor = client_for(None)

    tampered = visitor.post(f"/en/directory/confirm/{token[:-2]}xx/")
    assert tampered.status_code == 404 and "This link is not valid" in tampered.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_again(round_, actor=personas.curator) == 2
    assert visitor.post(f"/en/directory/confirm/{token}/").status_code == 404  # the earlier link stopped working
    newer = link_of("amina@example.org")
    assert newer != token

    ReachabilityRound.objects.filter(pk=round_.pk).update(started_at=timezone.now() - timedelta(days=31))
    expired = visitor.post(f"/en/directory/confirm/{newer}/")
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    assert not ReachabilityCheck.objects.filter(confirmed_at__isnull=False).exists()
    assert Contact.objects.filter(last_confirmed_at__isnull=False).count() == 0


def test_a_mail_server_that_fails_is_recorded_per_contact_and_the_others_are_still_asked(
    personas, contacts, django_capture_on_commit_callbacks, monkeypatch
):
    import smtplib

    real = smtplib.SMTP.sendmail

    def refusing(self, from_addr, to_addrs, msg, *args, **kwargs):
        if "omar@example.org" in to_addrs:
            raise smtplib.SMTPRecipientsRefused({"omar@example.org": (550, b"mailbox unavailable")})
        return real(self, from_addr, to_addrs, msg, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", refusing)
    round_ = start(personas, django_capture_on_commit_callbacks, states=[state("KE")])

    omar = round_.checks.get(contact=contacts["omar"])
    assert omar.sent_at is None and "mailbox unavailable" in omar.send_error
    assert server.wait_for(1) and server.to("amina@example.org") and not server.to("omar@example.org")
    assert round_.checks.get(contact=contacts["amina"]).sent_at is not None
    page = client_for(personas.curator).get(round_.get_absolute_url()).content.decode()
    assert "not sent: " in page and "mailbox unavailable" in page


def test_only_curators_start_and_read_rounds(personas, contacts, django_capture_on_commit_callbacks):
    round_ = start(personas, django_capture_on_commit_callbacks)
    assert round_.checks.count() == 3  # every state's contacts when none is chosen
    for name in ("alice", "bob", "carol"):
        client = client_for(getattr(personas, name))
        assert client.get("/en/directory/rounds/").status_code == 403
        assert client.post("/en/directory/rounds/", {}).status_code == 403
        assert client.get(round_.get_absolute_url()).status_code == 403
        assert client.post(f"/en/directory/rounds/{round_.pk}/send-again/").status_code == 403
    assert client_for(None).get("/en/directory/rounds/").status_code == 302
    with pytest.raises(PermissionDenied):
        services.start_round(actor=personas.alice)
    assert ReachabilityRound.objects.count() == 1
    assert client_for(personas.admin).get(round_.get_absolute_url()).status_code == 200


def test_a_round_that_would_ask_nobody_is_refused_and_nothing_is_started(personas, contacts):
    response = client_for(personas.curator).post("/en/directory/rounds/", {"states": [state("GH").pk]})

    assert response.status_code == 400
    assert "No point of contact is listed for what you chose" in response.content.decode()
    assert not ReachabilityRound.objects.exists() and not server.messages


def test_the_api_gives_curators_the_round_by_region_and_nobody_else(
    personas, contacts, django_capture_on_commit_callbacks
):
    round_ = start(personas, django_capture_on_commit_callbacks, states=[state("KE"), state("NG")])
    visitor = client_for(None)
    visitor.post(f"/en/directory/confirm/{link_of('chidi@example.org')}/")

    answer = client_for(personas.curator).get(f"/api/v1/reachability-rounds/{round_.pk}/").json()

    assert answer["states"] == ["KE", "NG"] or sorted(answer["states"]) == ["KE", "NG"]
    regions = {row["region"]: (row["asked"], row["answered"]) for row in answer["summary"]}
    assert regions == {"Africa": (3, 1), "All": (3, 1)}
    chidi = next(check for check in answer["checks"] if check["name"] == "Chidi Ng")
    assert chidi["member_state"] == "NG" and chidi["confirmed_at"] and chidi["hours_to_answer"] is not None
    for name in ("alice", "bob", "carol"):
        assert client_for(getattr(personas, name)).get("/api/v1/reachability-rounds/").status_code == 403
    assert visitor.get("/api/v1/reachability-rounds/").status_code in (401, 403)
