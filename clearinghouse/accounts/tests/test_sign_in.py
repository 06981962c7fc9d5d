"""Signing in and out, throttling of repeated failures, password reset by e-mail."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from clearinghouse.accounts.models import Membership, Role, User
from clearinghouse.core.testing import PASSWORD


def sign_in(client: Client, username: str, password: str):
    return client.post("/en/sign-in/", {"username": username, "password": password})


def test_a_focal_point_signs_in_and_out(personas):
    client = Client()
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/en/account/"
    page = client.get("/en/account/").content.decode()
    assert "Member State focal point" in page and "Kenya" in page
    assert client.post("/en/sign-out/").status_code == 302
    assert client.get("/en/account/").status_code == 302  # back to sign-in


def test_a_wrong_password_is_refused_with_a_clear_message(personas):
    client = Client()
    response = sign_in(client, "alice", "wrong password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_for_that_address_even_with_the_right_password(personas, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong password")
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # another person, from the same address, is not locked out
    assert sign_in(Client(), "bob", PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(personas, settings):
    client = Client()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong password")
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    client.post("/en/sign-out/")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong password")
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_a_password_is_reset_through_a_link_sent_by_e_mail(personas):
    client = Client()
    response = client.post("/en/password-reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "alice" in mail.outbox[0].body
    link = re.search(r"http://testserver(/en/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    new_password = "a new long passphrase 2026"
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert sign_in(Client(), "alice", new_password).status_code == 302
    assert client.get(link).status_code == 200  # the used link is refused with an explanation
    assert "not valid any more" in client.get(link).content.decode()


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(db):
    response = Client().post("/en/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and len(mail.outbox) == 0


def test_a_membership_names_one_state_or_one_organization(personas):
    from django.db import IntegrityError, transaction

    with transaction.atomic():
        try:
            Membership.objects.filter(user=personas.alice).update(organization_id=personas.carol.organization_id)
        except IntegrityError:
            pass
        else:
            raise AssertionError("a membership with a state and an organization was stored")
    assert User.objects.get(username="alice").organization_id is None


def test_a_focal_point_must_belong_to_a_state(db):
    import pytest
    from django.core.exceptions import ValidationError

    from clearinghouse.accounts.services import create_account

    with pytest.raises(ValidationError, match="must belong to a Member State"):
        create_account(actor=None, username="x", email="x@example.org", role=Role.FOCAL_POINT)
    assert not User.objects.filter(username="x").exists()


def test_an_administrator_opens_a_focal_point_account_in_the_admin(personas):
    from clearinghouse.core.models import AuditEvent
    from clearinghouse.core.testing import client_for
    from clearinghouse.countries.models import MemberState

    ghana = MemberState.objects.get(alpha2="GH")
    client = client_for(personas.admin)
    form = {
        "username": "kwame",
        "email": "kwame@example.org",
        "role": Role.FOCAL_POINT,
        "password1": "a long passphrase 2026",
        "password2": "a long passphrase 2026",
    }
    refused = client.post("/en/admin/accounts/user/add/", form)
    assert refused.status_code == 200 and "A focal point must belong to a Member State" in refused.content.decode()
    assert not User.objects.filter(username="kwame").exists()

    created = client.post("/en/admin/accounts/user/add/", {**form, "member_state": ghana.pk})
    assert created.status_code == 302
    kwame = User.objects.get(username="kwame")
    assert kwame.member_state_id == ghana.pk and not kwame.is_staff
    assert AuditEvent.objects.filter(action="user.created.admin", object_repr="kwame").exists()


def test_the_reset_e_mail_is_written_in_the_language_of_the_page_and_says_so(personas):
    response = Client().post("/ar/password-reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "ar"
    assert "Content-Language: ar" in message.message().as_string()
    assert "Reset your" not in message.subject and "Clearinghouse 174" in message.subject
    assert "If you did not ask for this" not in message.body
