"""Invitations: a lead or an administrator invites, the task worker sends the e-mail through a real SMTP server,
the invited person opens their account from the link, once; every bad link gets a page that says what to do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from clearinghouse.accounts import services
from clearinghouse.accounts.models import Invitation, MailFailure, Notification, NotificationKind, Position, Role, User
from clearinghouse.accounts.tasks import send_invitation
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.countries.models import MemberState, Organization

NEW_PASSWORD = "a long and new passphrase 42"  # noqa: S105 (test only)


def invite(client: Client, url: str, **data: str):
    return client.post(url, {"position": Position.MEMBER, "language": "en", **data})


def link_in(message) -> str:
    [link] = [link for link in message.links() if "/invitation/" in link]
    return link.removeprefix("http://127.0.0.1:8000")


def accept(client: Client, path: str, username: str = "wanjiru", password: str = NEW_PASSWORD):
    return client.post(
        path,
        {
            "username": username,
            "first_name": "Wanjiru",
            "last_name": "Kamau",
            "password": password,
            "password_again": password,
        },
    )


def test_a_lead_invites_a_colleague_who_gets_an_e_mail_in_the_chosen_language_and_opens_an_account(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    client = client_for(personas.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            client,
            "/en/member-states/KE/members/invite/",
            email="Wanjiru@Example.org",
            role=Role.FOCAL_POINT,
            language="fr",
        )
    assert response.status_code == 302 and response["Location"] == "/en/member-states/KE/members/"
    message = smtp_server.only_message()
    assert message.envelope_to == ["Wanjiru@example.org"]
    assert message["To"] == "Wanjiru@example.org"
    assert message["Content-Language"] == "fr"
    assert message.content_types == ["multipart/alternative", "text/plain", "text/html"]
    assert "Kenya" in message.text and "invite" in message.text.lower()
    path = link_in(message)
    assert path.startswith("/fr/invitation/")
    assert [link for link in message.links("html") if "/invitation/" in link][0].endswith(path)
    assert '<html lang="fr"' in message.html
    invitation = Invitation.objects.get()
    assert path.split("/")[3] not in (invitation.token_hash or "")  # only a hash of the secret is kept
    assert invitation.status == Invitation.Status.PENDING

    newcomer = Client()
    page = newcomer.get(path)
    assert page.status_code == 200
    response = accept(newcomer, path)
    assert response.status_code == 302 and response["Location"] == "/fr/account/"  # the site in their language
    user = User.objects.get(username="wanjiru")
    assert (user.email, user.role, user.member_state.alpha2, user.membership.position) == (
        "Wanjiru@example.org",
        Role.FOCAL_POINT,
        "KE",
        Position.MEMBER,
    )
    assert user.check_password(NEW_PASSWORD)
    assert "Kenya" in newcomer.get("/fr/account/").content.decode()
    actions = list(AuditEvent.objects.filter(object_type="accounts.invitation").values_list("action", flat=True))
    assert sorted(actions) == ["invitation.accepted", "invitation.created", "invitation.sent"]
    # the link works once
    again = Client().get(path)
    assert again.status_code == 410 and "a déjà été acceptée" in again.content.decode()  # in the invitee's language


def test_an_administrator_invites_a_curator_who_is_led_straight_into_two_factor_enrolment(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            client_for(personas.admin),
            "/en/organizations/itu/members/invite/",
            email="new.curator@itu.int",
            role=Role.CURATOR,
        )
    assert response.status_code == 302
    message = smtp_server.only_message()
    assert message["Content-Language"] == "en"
    assert "two-factor" in message.text
    newcomer = Client()
    response = accept(newcomer, link_in(message), username="newcurator")
    assert response.status_code == 302 and response["Location"].startswith("/en/account/two-factor/setup/")
    assert newcomer.get("/en/catalogue/").status_code == 302  # nothing else until the authenticator is set up
    assert User.objects.get(username="newcurator").is_curator


def test_the_e_mail_language_defaults_to_the_inviter_s_interface_language(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    client = client_for(personas.alice)
    form = client.get("/es/member-states/KE/members/invite/").content.decode()
    assert '<option value="es" selected>' in form
    with translation.override("ar"), django_capture_on_commit_callbacks(execute=True):
        services.invite_person(
            actor=personas.alice, email="x@example.org", role=Role.FOCAL_POINT, member_state=personas.alice.member_state
        )
    assert Invitation.objects.get().language == "ar"
    assert smtp_server.only_message()["Content-Language"] == "ar"


def test_the_invitation_is_sent_by_the_task_not_by_the_request(
    personas, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_person(
            actor=personas.alice, email="x@example.org", role=Role.FOCAL_POINT, member_state=personas.alice.member_state
        )
    assert smtp_server.messages == []
    invitation = Invitation.objects.get()
    assert invitation.status == Invitation.Status.NOT_SENT and invitation.token_hash is None
    queued = DBTaskResult.objects.get(task_path="clearinghouse.accounts.tasks.send_invitation")
    assert queued.args_kwargs["args"] == [invitation.pk]  # the queue holds no secret: the worker makes the link
    send_invitation.call(invitation.pk)  # what the worker does
    assert "/invitation/" in smtp_server.only_message().text


# -- bad input: each gets a page that says what happened, and nothing changes ---------------------------------


@pytest.fixture
def sent(personas, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_person(
            actor=personas.alice,
            email="wanjiru@example.org",
            role=Role.FOCAL_POINT,
            member_state=personas.alice.member_state,
        )
    invitation.refresh_from_db()
    return invitation, link_in(smtp_server.only_message())


def nothing_changed(users_before: int) -> None:
    assert User.objects.count() == users_before
    assert not User.objects.filter(username="wanjiru").exists()


def test_an_expired_link_says_so_and_opens_nothing(sent):
    invitation, path = sent
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    before = User.objects.count()
    for response in (Client().get(path), accept(Client(), path)):
        text = response.content.decode()
        assert response.status_code == 410 and "expired" in text and "alice" in text
    nothing_changed(before)
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_a_tampered_link_says_it_is_damaged_and_opens_nothing(sent):
    _invitation, path = sent
    before = User.objects.count()
    tampered = path[:-3] + ("a" if path[-3] != "a" else "b") + path[-2:]
    for response in (Client().get(tampered), accept(Client(), tampered)):
        assert response.status_code == 400 and "damaged" in response.content.decode()
    nothing_changed(before)


def test_a_revoked_or_replaced_link_says_so_and_opens_nothing(
    personas, sent, smtp_server, django_capture_on_commit_callbacks
):
    invitation, path = sent
    with django_capture_on_commit_callbacks(execute=True):
        newer = services.reinvite(invitation, actor=personas.alice)
    before = User.objects.count()
    response = accept(Client(), path)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    nothing_changed(before)
    services.revoke_invitation(newer, actor=personas.alice)
    newest_path = link_in(smtp_server.to("wanjiru@example.org")[-1])
    response = Client().get(newest_path)
    assert response.status_code == 410 and "withdrawn" in response.content.decode()


def test_a_link_opened_while_signed_in_as_another_account_asks_to_sign_out_and_changes_nothing(personas, sent):
    _invitation, path = sent
    client = client_for(personas.bob)
    before = User.objects.count()
    for response in (client.get(path), accept(client, path)):
        text = response.content.decode()
        assert response.status_code == 403 and "signed in as “bob”" in text and "Sign out" in text
    nothing_changed(before)
    assert personas.bob.member_state.alpha2 == "NG"


def test_a_weak_password_or_a_taken_user_name_is_refused_on_the_form_and_the_link_still_works(personas, sent):
    _invitation, path = sent
    response = accept(Client(), path, password="password")
    assert response.status_code == 400 and "too common" in response.content.decode()
    response = accept(Client(), path, username="ALICE")
    assert response.status_code == 400 and "taken" in response.content.decode()
    assert accept(Client(), path).status_code == 302


def test_an_invitation_to_a_role_beyond_the_inviter_s_gets_a_page_that_says_so_and_sends_nothing(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    client = client_for(personas.alice)
    with django_capture_on_commit_callbacks(execute=True):
        forged = invite(client, "/en/member-states/KE/members/invite/", email="x@example.org", role=Role.CURATOR)
        other_state = invite(
            client, "/en/member-states/NG/members/invite/", email="x@example.org", role=Role.FOCAL_POINT
        )
        contributor = invite(
            client_for(personas.carol),
            "/en/organizations/gsma/members/invite/",
            email="x@example.org",
            role=Role.CONTRIBUTOR,
        )
    assert forged.status_code == 403
    assert "only an administrator invites curators" in forged.content.decode()
    assert other_state.status_code == 403 and "Only a lead of Nigeria" in other_state.content.decode()
    assert contributor.status_code == 403
    assert not Invitation.objects.exists() and smtp_server.messages == []
    assert not AuditEvent.objects.filter(action__startswith="invitation.").exists()


def test_the_form_offers_a_lead_only_the_role_of_their_own_state(personas):
    form = client_for(personas.alice).get("/en/member-states/KE/members/invite/").content.decode()
    assert 'value="focal_point"' in form and 'value="curator"' not in form and 'value="administrator"' not in form
    admin_form = client_for(personas.admin).get("/en/organizations/itu/members/invite/").content.decode()
    assert 'value="curator"' in admin_form and 'value="administrator"' in admin_form


def test_an_address_with_an_active_account_cannot_be_invited(personas):
    with pytest.raises(Exception, match="has an account already"):
        services.invite_person(
            actor=personas.alice,
            email="ALICE@example.org",
            role=Role.FOCAL_POINT,
            member_state=personas.alice.member_state,
        )


def test_the_service_refuses_every_invitation_beyond_the_inviter_s_reach(personas):
    kenya, nigeria = MemberState.objects.get(alpha2="KE"), MemberState.objects.get(alpha2="NG")
    gsma = Organization.objects.get(slug="gsma")
    cases = [
        (personas.alice, Role.CURATOR, {"organization": gsma}),
        (personas.alice, Role.FOCAL_POINT, {"member_state": nigeria}),
        (personas.alice, Role.ADMINISTRATOR, {}),
        (personas.carol, Role.CONTRIBUTOR, {"organization": gsma}),
        (personas.curator, Role.FOCAL_POINT, {"member_state": kenya}),
    ]
    for actor, role, group in cases:
        with pytest.raises(PermissionDenied):
            services.invite_person(actor=actor, email="x@example.org", role=role, **group)
    assert not Invitation.objects.exists()


def test_a_deactivated_member_invited_back_reopens_their_own_account(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    colleague = services.create_account(
        actor=None,
        username="kofi",
        email="kofi@example.org",
        role=Role.FOCAL_POINT,
        member_state=personas.alice.member_state,
    )
    TOTPDevice.objects.create(user=colleague, name="phone", confirmed=True)
    services.deactivate_member(colleague, actor=personas.alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.reinvite_member(colleague, actor=personas.alice)
    path = link_in(smtp_server.only_message())
    client = Client()
    assert "reopens your account “kofi”" in client.get(path).content.decode()
    response = client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_active and colleague.check_password(NEW_PASSWORD)
    assert User.objects.filter(email="kofi@example.org").count() == 1


def test_an_unreachable_mail_server_leaves_the_invitation_unsent_for_a_new_try_and_logs_it(
    personas, smtp_server, django_capture_on_commit_callbacks, caplog
):
    smtp_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite_person(
            actor=personas.alice, email="x@example.org", role=Role.FOCAL_POINT, member_state=personas.alice.member_state
        )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.FAILED and invitation.token_hash is None
    assert "Connection refused" in invitation.send_error
    assert not AuditEvent.objects.filter(action="invitation.sent").exists()
    assert "could not be sent" in caplog.text
    page = client_for(personas.alice).get("/en/member-states/KE/members/").content.decode()
    assert "x@example.org" in page and "Could not be sent" in page and "Send again" in page
    # the failure is kept for the administrators and told in their inbox (not by e-mail: e-mail is what failed)
    [failure] = MailFailure.objects.all()
    assert (failure.purpose, failure.address, failure.invitation) == ("invitation", "x@example.org", invitation)
    told = Notification.objects.get(kind=NotificationKind.EMAIL_FAILED)
    assert told.recipient == personas.admin and told.emailed_at is None
    inbox = client_for(personas.admin).get("/en/account/notifications/").content.decode()
    assert "An e-mail to x@example.org (invitation) could not be sent: " in inbox
    assert "x@example.org" not in client_for(personas.curator).get("/en/account/notifications/").content.decode()
