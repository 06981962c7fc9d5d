"""Digests and the language of e-mails: a digest groups the events a person chose to hear of daily or weekly in
one e-mail in their language, through a real SMTP server, leaves out what they read already and what they may no
longer see, and is booked with the task worker. Personas: alice leads Kenya and drafts; kofi is a Kenyan member who
reads French; curator reviews; admin administers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from clearinghouse.accounts import selectors, services, tasks
from clearinghouse.accounts.models import (
    Delivery,
    DigestSchedule,
    MailFailure,
    Notification,
    NotificationKind,
    NotificationPreference,
    Position,
    Role,
    User,
)
from clearinghouse.accounts.services import create_account, digests
from clearinghouse.catalog import services as catalog
from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import PASSWORD, client_for
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import MemberState

pytestmark = pytest.mark.django_db


@pytest.fixture
def kofi(personas) -> User:
    member = create_account(
        actor=None,
        username="kofi",
        email="kofi@example.org",
        role=Role.FOCAL_POINT,
        password=PASSWORD,
        member_state=MemberState.objects.get(alpha2="KE"),
        position=Position.MEMBER,
    )
    services.set_language("fr", actor=member)
    services.set_deliveries(
        {
            NotificationKind.MEASURE_REVIEW_STARTED: Delivery.DAILY,
            NotificationKind.MEASURE_SENT_BACK: Delivery.DAILY,
            NotificationKind.MEASURE_PUBLISHED: Delivery.WEEKLY,
        },
        actor=member,
    )
    return member


def in_review(personas: Any, title: str, tlp: str = TLP.AMBER) -> Measure:
    draft = measure(personas, state=Lifecycle.DRAFT, tlp=tlp, title=title)
    catalog.submit_measure(draft, actor=personas.alice)
    return catalog.start_review(draft, actor=personas.curator)


def test_a_daily_digest_groups_the_day_s_events_in_one_e_mail_in_the_reader_s_language(
    personas, kofi, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = in_review(personas, "Registre des boîtiers SIM")
        second = in_review(personas, "CEIR rollout")
        catalog.send_back_measure(second, actor=personas.curator, comment="Cite the decree.")
        hidden = in_review(personas, "Quietly restricted")
        read = in_review(personas, "Already read")
        catalog.publish_measure(first, actor=personas.curator)  # weekly for kofi: not in the daily digest
    assert smtp_server.to("kofi@example.org") == []  # nothing at once: kofi chose digests
    Measure.objects.filter(pk=hidden.pk).update(tlp=TLP.RED)  # kofi is not named on it: he may not see it now
    services.mark_read(Notification.objects.get(recipient=kofi, about_id=read.pk), actor=kofi)

    assert digests.send_digests(Delivery.DAILY) >= 1
    [message] = smtp_server.to("kofi@example.org")
    assert message["Content-Language"] == "fr"
    assert " 3 " in message["Subject"]
    text = message.text
    with translation.override("fr"):  # what kofi reads: the French of each line
        started = str(NotificationKind.MEASURE_REVIEW_STARTED.label)
        sent_back = str(NotificationKind.MEASURE_SENT_BACK.label)
        lines = Notification.MEASURE_LINES
        review = {t: str(lines[NotificationKind.MEASURE_REVIEW_STARTED]) % {"title": t} for t in ("CEIR rollout",)}
        returned = str(lines[NotificationKind.MEASURE_SENT_BACK]) % {"title": "CEIR rollout"}
        published = str(lines[NotificationKind.MEASURE_PUBLISHED]) % {"title": "Registre des boîtiers SIM"}
        first_review = str(lines[NotificationKind.MEASURE_REVIEW_STARTED]) % {"title": "Registre des boîtiers SIM"}
    assert started != str(NotificationKind.MEASURE_REVIEW_STARTED.label)  # (the French exists)
    # grouped by kind, each kind once, with each event, its link and the curator's comment
    assert text.count(started) == 1 and text.count(sent_back) == 1
    assert first_review in text and review["CEIR rollout"] in text
    assert returned in text and "Cite the decree." in text
    assert f"http://127.0.0.1:8000/fr/catalogue/measures/{second.pk}/" in message.links()
    # what kofi may no longer see, what he read, and what he gets weekly are not in it
    assert "Quietly restricted" not in text + message.html and "Already read" not in text
    assert published not in text
    assert '<html lang="fr"' in message.html
    unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe in message.links() and str(message["List-Unsubscribe-Post"]).strip()

    # sent once: a second run finds nothing waiting, and opens no connection
    smtp_server.clear()
    assert digests.send_digests(Delivery.DAILY) == 0 and smtp_server.messages == []

    # the weekly digest has the publication
    assert digests.send_digests(Delivery.WEEKLY) >= 1
    [weekly] = smtp_server.to("kofi@example.org")
    assert weekly["Content-Language"] == "fr" and published in weekly.text

    # the digest's one-click unsubscribe turns that digest off, and only it
    response = client_for(None).post(unsubscribe.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    chosen = selectors.deliveries_of(kofi)
    assert chosen[NotificationKind.MEASURE_REVIEW_STARTED] == chosen[NotificationKind.MEASURE_SENT_BACK] == "platform"
    assert chosen[NotificationKind.MEASURE_PUBLISHED] == Delivery.WEEKLY


def test_the_command_sends_what_waits_and_says_how_many(personas, kofi, smtp_server, capsys):
    in_review(personas, "CEIR rollout")
    call_command("send_digests", "--frequency", "daily")
    assert "Daily digest: 1 e-mail(s) sent." in capsys.readouterr().out
    assert len(smtp_server.to("kofi@example.org")) == 1


def test_a_digest_is_due_at_the_hour_each_day_and_on_mondays_for_the_weekly(settings):
    settings.DIGEST_HOUR = 6
    saturday_morning = datetime(2026, 12, 5, 5, 59, tzinfo=UTC)
    assert digests.next_due(Delivery.DAILY, saturday_morning) == datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
    assert digests.next_due(Delivery.DAILY, saturday_morning.replace(hour=6, minute=0)) == datetime(
        2026, 12, 6, 6, 0, tzinfo=UTC
    )
    assert digests.next_due(Delivery.WEEKLY, saturday_morning) == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    monday_at_six = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    assert digests.next_due(Delivery.WEEKLY, monday_at_six) == datetime(2026, 12, 14, 6, 0, tzinfo=UTC)


def test_a_notification_waiting_for_a_digest_books_one_run_and_a_replaced_run_does_nothing(
    personas, kofi, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # a queue that defers
    with django_capture_on_commit_callbacks(execute=True):
        in_review(personas, "CEIR rollout")
        in_review(personas, "SIM swap checks")  # the second waits for the same run
    booked = [r for r in tasks.send_digests.get_backend().results if r.task.name == "send_digests"]
    [run] = booked
    frequency, due = run.args
    assert frequency == Delivery.DAILY and run.task.run_after == DigestSchedule.objects.get(pk="daily").next_at
    assert due == run.task.run_after.isoformat() and run.task.run_after > timezone.now()
    assert run.task.run_after.hour == settings.DIGEST_HOUR and run.task.run_after.minute == 0

    assert tasks.send_digests.call(Delivery.DAILY, "2020-01-01T06:00:00+00:00") == 0  # replaced: nothing sent
    assert Notification.objects.filter(recipient=kofi, emailed_at__isnull=True).count() == 2


def test_a_mail_server_that_keeps_failing_is_shown_to_the_administrators_and_the_next_digest_is_booked(
    personas, kofi, smtp_server
):
    in_review(personas, "CEIR rollout")
    due = timezone.now() - timedelta(minutes=1)
    DigestSchedule.objects.create(frequency=Delivery.DAILY, next_at=due)
    smtp_server.stop()
    assert tasks.send_digests.call(Delivery.DAILY, due.isoformat(), tasks.SEND_ATTEMPTS) == 0
    [failure] = MailFailure.objects.all()
    assert (failure.purpose, failure.address, failure.attempts) == ("digest", "kofi@example.org", tasks.SEND_ATTEMPTS)
    told = Notification.objects.get(kind=NotificationKind.EMAIL_FAILED)
    assert told.recipient == personas.admin
    assert DigestSchedule.objects.get(pk="daily").next_at > timezone.now()  # the chain goes on
    assert Notification.objects.get(recipient=kofi).emailed_at is None  # still waiting for the next digest


def test_an_account_opened_from_an_invitation_keeps_its_language_and_a_first_sign_in_sets_one(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(
            actor=personas.alice,
            email="amina@example.org",
            role=Role.FOCAL_POINT,
            member_state=personas.alice.member_state,
            language="ar",
        )
    [message] = smtp_server.to("amina@example.org")
    [link] = [link for link in message.links() if "/invitation/" in link]
    chosen = "Amina-chooses-a-long-passphrase-174"
    response = client_for(None).post(
        link.removeprefix("http://127.0.0.1:8000"),
        {"username": "amina", "first_name": "Amina", "password": chosen, "password_again": chosen},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert User.objects.get(username="amina").language == "ar"

    # an account with no language takes the one of its first sign-in, and keeps it afterwards
    personas.bob.language = ""
    personas.bob.save()
    client = client_for(None)
    signed_in = client.post("/es/sign-in/", {"username": personas.bob.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    personas.bob.refresh_from_db()
    assert personas.bob.language == "es"
    client_for(None).post("/fr/sign-in/", {"username": personas.bob.username, "password": PASSWORD})
    personas.bob.refresh_from_db()
    assert personas.bob.language == "es"


def test_a_notification_e_mail_is_written_in_its_reader_s_language(
    personas, kofi, smtp_server, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.filter(user=kofi).delete()  # the defaults: publications at once
    draft = measure(personas, state=Lifecycle.IN_REVIEW, tlp=TLP.AMBER, title="CEIR rollout")
    with django_capture_on_commit_callbacks(execute=True):
        catalog.publish_measure(draft, actor=personas.curator)
    [message] = smtp_server.to("kofi@example.org")
    assert message["Content-Language"] == "fr" and '<html lang="fr"' in message.html
    assert f"http://127.0.0.1:8000/fr/catalogue/measures/{draft.pk}/" in message.links()
    [alice_s] = smtp_server.to("alice@example.org")
    assert alice_s["Content-Language"] == "en"  # alice has chosen no language: the site's
