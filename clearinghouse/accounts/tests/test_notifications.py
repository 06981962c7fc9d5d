"""Notifications: each workflow event reaches the right people's inboxes and nobody else's, e-mails go through a
real SMTP server in the reader's language with a one-click unsubscribe, and never describe what the reader may
not see. Personas: alice leads Kenya and drafts; kofi is a Kenyan member; bob leads Nigeria (an attacker here);
carol belongs to the GSMA; curator reviews; admin administers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clearinghouse.accounts import selectors, services
from clearinghouse.accounts.models import (
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreference,
    Position,
    Role,
    User,
)
from clearinghouse.accounts.services import create_account
from clearinghouse.catalog import services as catalog
from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import PASSWORD, client_for
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import MemberState

pytestmark = pytest.mark.django_db
TITLE = "Kenya's restricted SIM-box register"


@pytest.fixture
def kofi(personas) -> User:
    return create_account(
        actor=None,
        username="kofi",
        email="kofi@example.org",
        role=Role.FOCAL_POINT,
        password=PASSWORD,
        member_state=MemberState.objects.get(alpha2="KE"),
        position=Position.MEMBER,
    )


def told(kind: str, about: Any) -> set[str]:
    return set(Notification.objects.filter(kind=kind, about_id=about.pk).values_list("recipient__username", flat=True))


def amber_draft(personas: Any, tlp: str = TLP.AMBER) -> Measure:
    return measure(personas, state=Lifecycle.DRAFT, tlp=tlp, title=TITLE)


# -- who is told of what ------------------------------------------------------------------------------------------


def test_a_submitted_measure_is_told_to_the_curators_and_nobody_else(personas, kofi):
    """Administrators curate too (``is_curator``): they are told as curators are."""
    draft = amber_draft(personas)
    catalog.submit_measure(draft, actor=personas.alice)
    assert told(NotificationKind.MEASURE_SUBMITTED, draft) == {"curator", "admin"}


def test_the_review_publication_and_sending_back_are_told_to_the_owner_s_members_and_nobody_else(personas, kofi):
    draft = amber_draft(personas)
    catalog.submit_measure(draft, actor=personas.alice)
    catalog.start_review(draft, actor=personas.curator)
    catalog.send_back_measure(draft, actor=personas.curator, comment="Cite the law.")
    assert told(NotificationKind.MEASURE_REVIEW_STARTED, draft) == {"alice", "kofi"}
    assert told(NotificationKind.MEASURE_SENT_BACK, draft) == {"alice", "kofi"}
    sent_back = Notification.objects.get(kind=NotificationKind.MEASURE_SENT_BACK, recipient=kofi)
    assert sent_back.params == {"comment": "Cite the law."} and sent_back.actor == personas.curator
    catalog.submit_measure(draft, actor=kofi)
    catalog.publish_measure(draft, actor=personas.curator)
    assert told(NotificationKind.MEASURE_PUBLISHED, draft) == {"alice", "kofi"}


def test_a_member_of_another_state_gets_nothing_about_kenya_s_amber_draft(personas, kofi):
    draft = amber_draft(personas)
    catalog.submit_measure(draft, actor=personas.alice)
    catalog.start_review(draft, actor=personas.curator)
    catalog.send_back_measure(draft, actor=personas.curator, comment="Cite the law.")
    for attacker in (personas.bob, personas.carol):
        assert not Notification.objects.filter(recipient=attacker).exists()
        response = client_for(attacker).get("/en/account/notifications/")
        assert TITLE not in response.content.decode() and "Cite the law" not in response.content.decode()
        assert client_for(attacker).get("/api/v1/notifications/").json()["count"] == 0


def test_a_member_the_rule_keeps_from_a_red_draft_is_not_told_of_it(personas, kofi):
    draft = amber_draft(personas, tlp=TLP.RED)
    draft.shared_with_users.add(personas.alice, personas.curator)
    catalog.submit_measure(draft, actor=personas.alice)
    catalog.start_review(draft, actor=personas.curator)
    assert told(NotificationKind.MEASURE_SUBMITTED, draft) == {"curator"}
    assert told(NotificationKind.MEASURE_REVIEW_STARTED, draft) == {"alice"}


def test_an_accepted_invitation_is_told_to_the_inviter(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_person(
            actor=personas.alice, email="w@example.org", role=Role.FOCAL_POINT, member_state=personas.alice.member_state
        )
    invitation.refresh_from_db()
    services.accept_invitation(invitation, actor=None, username="wanjiru", password="a long and new passphrase 42")
    assert told(NotificationKind.INVITATION_ACCEPTED, invitation) == {"alice"}
    [notification] = selectors.attach_records(Notification.objects.filter(recipient=personas.alice), personas.alice)
    assert notification.subject == "wanjiru accepted your invitation and opened an account."
    assert notification.link == "/en/member-states/KE/members/"


# -- e-mail -------------------------------------------------------------------------------------------------------


def test_a_curator_is_e_mailed_at_once_with_a_one_click_unsubscribe(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    draft = amber_draft(personas)
    NotificationPreference.objects.create(  # the administrator, also told, reads it in the platform
        user=personas.admin, kind=NotificationKind.MEASURE_SUBMITTED, delivery=Delivery.PLATFORM
    )
    with django_capture_on_commit_callbacks(execute=True):
        catalog.submit_measure(draft, actor=personas.alice)
    message = smtp_server.only_message()
    assert message.envelope_to == ["curator@example.org"]
    assert message["Content-Language"] == "en"
    assert message["Subject"].strip() == f"“{TITLE}” was submitted for review."
    assert message.content_types == ["multipart/alternative", "text/plain", "text/html"]
    assert f"http://127.0.0.1:8000/en/catalogue/measures/{draft.pk}/" in message.links()
    assert str(message["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe.startswith("http://127.0.0.1:8000/en/unsubscribe/") and unsubscribe in message.links()
    assert Notification.objects.get(recipient=personas.curator).emailed_at is not None

    # the mail reader posts, with no session and no CSRF token (RFC 8058)
    client = type(client_for(None))(enforce_csrf_checks=True)
    response = client.post(unsubscribe.removeprefix("http://127.0.0.1:8000"), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert selectors.deliveries_of(personas.curator)[NotificationKind.MEASURE_SUBMITTED] == Delivery.PLATFORM
    assert AuditEvent.objects.filter(action="user.notification_preferences_changed").count() == 1

    smtp_server.clear()
    other = measure(personas, state=Lifecycle.DRAFT, title="Another")
    with django_capture_on_commit_callbacks(execute=True):
        catalog.submit_measure(other, actor=personas.alice)
    assert smtp_server.messages == []
    assert told(NotificationKind.MEASURE_SUBMITTED, other) == {"curator", "admin"}  # the inbox still has it


def test_the_unsubscribe_link_asks_first_and_a_tampered_one_is_a_clear_400_changing_nothing(personas):
    token = services.unsubscribe_token(personas.alice, NotificationKind.MEASURE_PUBLISHED)
    asked = client_for(None).get(f"/en/unsubscribe/{token}/")
    assert asked.status_code == 200 and "Stop these e-mails" in asked.content.decode()
    assert selectors.deliveries_of(personas.alice)[NotificationKind.MEASURE_PUBLISHED] == Delivery.IMMEDIATE
    forged = signing.dumps({"user": personas.bob.pk, "kind": "measure_published"}, salt="another salt")
    for bad in (token[:-2] + "xx", forged, "nonsense"):
        response = client_for(None).post(f"/en/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "This unsubscribe link cannot be used" in response.content.decode()
        assert "Nothing was changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="user.notification_preferences_changed").exists()
    assert selectors.deliveries_of(personas.bob)[NotificationKind.MEASURE_PUBLISHED] == Delivery.IMMEDIATE


def test_a_record_hidden_before_the_e_mail_is_sent_is_not_described_in_it(
    personas, kofi, smtp_server, django_capture_on_commit_callbacks
):
    draft = measure(personas, state=Lifecycle.IN_REVIEW, tlp=TLP.AMBER, title=TITLE)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        catalog.send_back_measure(draft, actor=personas.curator, comment="Secret remark")
    Measure.objects.filter(pk=draft.pk).update(tlp=TLP.RED)  # now only the people named on it see it: nobody
    for callback in callbacks:
        callback()
    for message in smtp_server.wait_for(2):
        for body in (message.text, message.html, str(message["Subject"])):
            assert TITLE not in body and "Secret remark" not in body and f"/measures/{draft.pk}/" not in body
        assert message["Subject"].strip() == "An update about a record you cannot see any more."
        assert "http://127.0.0.1:8000/en/account/notifications/" in message.links()


def test_the_e_mail_is_retried_when_the_mail_server_fails(personas, settings, django_capture_on_commit_callbacks):
    from clearinghouse.accounts.tasks import send_notifications

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nobody listens
    draft = amber_draft(personas)
    with django_capture_on_commit_callbacks(execute=False):
        catalog.submit_measure(draft, actor=personas.alice)
    notification = Notification.objects.get(recipient=personas.curator)
    with pytest.raises(OSError):  # the immediate backend cannot wait: the last attempt fails loudly
        send_notifications.call([notification.pk])
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_nobody_is_e_mailed_for_what_they_chose_to_read_in_the_platform(
    personas, kofi, smtp_server, django_capture_on_commit_callbacks
):
    services.set_deliveries({NotificationKind.MEASURE_PUBLISHED: Delivery.PLATFORM}, actor=kofi)
    draft = measure(personas, state=Lifecycle.IN_REVIEW, tlp=TLP.GREEN, title=TITLE)
    with django_capture_on_commit_callbacks(execute=True):
        catalog.publish_measure(draft, actor=personas.curator)
    assert [m.envelope_to for m in smtp_server.wait_for(1)] == [["alice@example.org"]]


# -- the inbox, the header and the settings page -------------------------------------------------------------------


def test_the_inbox_lists_one_s_own_newest_first_and_marks_them_read_without_javascript(personas, kofi):
    draft = amber_draft(personas)
    catalog.submit_measure(draft, actor=personas.alice)
    catalog.start_review(draft, actor=personas.curator)
    catalog.send_back_measure(draft, actor=personas.curator, comment="Cite the law.")
    client = client_for(kofi)
    page = client.get("/en/account/notifications/").content.decode()
    assert page.index("sent back to you") < page.index("review of")
    assert page.count('class="unread"') == 2 and "Cite the law." in page
    assert f'href="/en/catalogue/measures/{draft.pk}/"' in page
    assert '<span class="count">2</span> unread' in page
    first = Notification.objects.filter(recipient=kofi).first()
    assert client.post(f"/en/account/notifications/{first.pk}/read/").status_code == 302
    assert selectors.unread_count(kofi) == 1
    htmx = client.post("/en/account/notifications/read-all/", headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "<html" not in htmx.content.decode()
    assert selectors.unread_count(kofi) == 0
    alice_s = Notification.objects.filter(recipient=personas.alice).first()
    assert client.post(f"/en/account/notifications/{alice_s.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=alice_s.pk).read_at is None


def test_the_header_counts_unread_notifications_in_one_query(personas, kofi):
    draft = amber_draft(personas)
    catalog.submit_measure(draft, actor=personas.alice)
    catalog.start_review(draft, actor=personas.curator)
    client = client_for(kofi)
    with CaptureQueriesContext(connection) as queries:
        text = client.get("/en/account/").content.decode()
    counting = [q["sql"] for q in queries if "accounts_notification" in q["sql"]]
    assert len(counting) == 1 and "COUNT" in counting[0].upper()
    assert '<span class="count">1</span> unread' in text
    assert "unread" not in client_for(None).get("/en/").content.decode()


def test_the_inbox_asks_the_same_number_of_queries_for_few_and_many(personas, kofi, django_assert_num_queries):
    client = client_for(kofi)
    client.get("/en/account/notifications/")
    for _ in range(2):
        draft = measure(personas, state=Lifecycle.SUBMITTED, title=TITLE)
        catalog.start_review(draft, actor=personas.curator)
    with CaptureQueriesContext(connection) as few:
        client.get("/en/account/notifications/")
    for _ in range(3):
        draft = measure(personas, state=Lifecycle.SUBMITTED, title=TITLE)
        catalog.start_review(draft, actor=personas.curator)
    with django_assert_num_queries(len(few)):
        assert client.get("/en/account/notifications/").content.decode().count('class="unread"') == 5


def test_the_settings_page_offers_one_choice_per_kind_and_saves_it(personas):
    """A contributor is offered the kinds that can reach them (not what curators or administrators are told), and
    the language of their e-mails."""
    client = client_for(personas.alice)
    page = client.get("/en/account/notifications/settings/").content.decode()
    offered = set(NotificationKind) - {
        NotificationKind.MEASURE_SUBMITTED,
        NotificationKind.EMAIL_FAILED,
        NotificationKind.ASSISTANCE_REQUEST_OPENED,
    }
    for kind in NotificationKind:
        assert (f'name="{kind.value}"' in page) == (kind in offered), kind
    assert 'name="language"' in page
    choices = {kind.value: Delivery.WEEKLY for kind in offered}
    assert client.post("/en/account/notifications/settings/", {**choices, "language": "fr"}).status_code == 302
    deliveries = selectors.deliveries_of(personas.alice)
    assert {kind: deliveries[kind] for kind in choices} == choices
    personas.alice.refresh_from_db()
    assert personas.alice.language == "fr"
    assert AuditEvent.objects.filter(action="user.language_changed", object_id=str(personas.alice.pk)).exists()
    refused = client.post("/en/account/notifications/settings/", {**choices, "measure_published": "hourly"})
    assert refused.status_code == 400 and selectors.deliveries_of(personas.alice) == deliveries
    refused = client.post("/en/account/notifications/settings/", {**choices, "language": "de"})
    assert refused.status_code == 400
    personas.alice.refresh_from_db()
    assert personas.alice.language == "fr"
    admin_page = client_for(personas.admin).get("/en/account/notifications/settings/").content.decode()
    assert 'name="email_failed"' in admin_page and 'name="measure_submitted"' in admin_page


# -- the API --------------------------------------------------------------------------------------------------------


def test_the_api_gives_the_caller_their_own_notifications_and_marks_them_read(personas, kofi):
    draft = amber_draft(personas)
    catalog.submit_measure(draft, actor=personas.alice)
    catalog.start_review(draft, actor=personas.curator)
    client = client_for(kofi)
    listed = client.get("/api/v1/notifications/").json()
    assert listed["count"] == 1
    [item] = listed["results"]
    assert item["kind"] == "measure_review_started" and item["is_read"] is False
    assert item["subject"] == f"The review of “{TITLE}” started."
    assert item["url"] == f"http://testserver/en/catalogue/measures/{draft.pk}/"
    assert client.post(f"/api/v1/notifications/{item['id']}/read/").json()["is_read"] is True
    curator_s = Notification.objects.get(recipient=personas.curator)
    assert client.post(f"/api/v1/notifications/{curator_s.pk}/read/").status_code == 404
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    assert client_for(personas.curator).post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client_for(None).get("/api/v1/notifications/").status_code in (401, 403)


def test_the_api_reads_and_changes_the_caller_s_settings(personas):
    client = client_for(personas.alice)
    assert client.get("/api/v1/notification-preferences/").json()["measure_review_started"] == "platform"
    changed = client.patch(
        "/api/v1/notification-preferences/", {"measure_review_started": "daily"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["measure_review_started"] == "daily"
    assert changed.json()["measure_published"] == "immediate"
    wrong = client.patch(
        "/api/v1/notification-preferences/", {"measure_published": "hourly"}, content_type="application/json"
    )
    assert wrong.status_code == 400
    assert selectors.deliveries_of(personas.alice)["measure_published"] == "immediate"


def test_a_title_in_another_language_keeps_its_own_in_the_inbox_line(personas):
    from clearinghouse.accounts.models import Notification, NotificationKind
    from clearinghouse.catalog.tests.factories import measure

    made = measure(personas, title="Blocage des boîtiers SIM", language="fr")
    line = Notification(kind=NotificationKind.MEASURE_PUBLISHED)
    line.record = made

    assert '<bdi lang="fr">Blocage des boîtiers SIM</bdi>' in line.subject_html
    assert line.subject == "“Blocage des boîtiers SIM” was published."
