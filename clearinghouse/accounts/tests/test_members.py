"""The members pages: a lead manages the people of their own state or organization and nothing beyond it;
an administrator manages anyone and resets a lost authenticator. Every change is audited."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.accounts import services
from clearinghouse.accounts.models import Invitation, Position, Role, User
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for


@pytest.fixture
def kofi(personas) -> User:
    """A member (not a lead) of Kenya, alice's colleague."""
    return services.create_account(
        actor=None,
        username="kofi",
        email="kofi@example.org",
        role=Role.FOCAL_POINT,
        member_state=personas.alice.member_state,
        first_name="Kofi",
        last_name="Otieno",
    )


def test_the_members_page_lists_the_people_of_the_state_with_role_position_and_last_sign_in(personas, kofi):
    client = client_for(personas.alice)
    page = client.get("/en/member-states/KE/members/").content.decode()
    assert "Kofi Otieno" in page and "kofi@example.org" in page and "alice@example.org" in page
    assert "Lead" in page and "Member" in page and "never" in page
    assert "bob@example.org" not in page  # Nigeria's focal point is not a member of Kenya
    assert "Invite a colleague" in page and "Make a lead" in page


def test_the_members_page_makes_the_same_queries_however_many_members(personas, kofi, django_assert_num_queries):
    client = client_for(personas.alice)
    client.get("/en/member-states/KE/members/")
    with django_assert_num_queries(9) as few:  # the 9th: the header's count of unread notifications
        client.get("/en/member-states/KE/members/")
    for number in range(5):
        services.create_account(
            actor=None,
            username=f"m{number}",
            email=f"m{number}@example.org",
            role=Role.FOCAL_POINT,
            member_state=personas.alice.member_state,
        )
        services.invite_person(
            actor=personas.alice,
            email=f"i{number}@example.org",
            role=Role.FOCAL_POINT,
            member_state=personas.alice.member_state,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/en/member-states/KE/members/")
    assert "m4@example.org" in response.content.decode() and "i4@example.org" in response.content.decode()


def test_a_member_sees_the_list_but_cannot_manage_it(personas, kofi):
    client = client_for(kofi)
    page = client.get("/en/member-states/KE/members/")
    assert page.status_code == 200 and "Make a lead" not in page.content.decode()
    assert "Invite a colleague" not in page.content.decode()
    assert client.get("/en/member-states/KE/members/invite/").status_code == 403
    response = client.post(f"/en/members/{personas.alice.pk}/deactivate/")
    assert response.status_code == 403
    personas.alice.refresh_from_db()
    assert personas.alice.is_active


def test_a_lead_makes_a_colleague_a_lead_and_deactivates_an_account_and_both_are_audited(personas, kofi):
    client = client_for(personas.alice)
    response = client.post(f"/en/members/{kofi.pk}/position/", {"position": Position.LEAD})
    assert response.status_code == 302 and response["Location"] == "/en/member-states/KE/members/"
    kofi.refresh_from_db()
    assert kofi.membership.position == Position.LEAD
    response = client.post(f"/en/members/{kofi.pk}/deactivate/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "is deactivated" in response.content.decode()
    assert "<html" not in response.content.decode()  # htmx gets the table only
    kofi.refresh_from_db()
    assert not kofi.is_active
    assert client_for(kofi).get("/en/account/").status_code == 302  # signed out
    actions = set(AuditEvent.objects.filter(object_id=str(kofi.pk)).values_list("action", "actor_repr"))
    assert {("membership.position_changed", "alice"), ("user.deactivated", "alice")} <= actions


def test_a_lead_of_one_state_cannot_see_or_act_on_another_state_s_members(personas, kofi):
    client = client_for(personas.bob)
    assert client.get("/en/member-states/KE/members/").status_code == 403
    assert client.get("/en/member-states/KE/members/invite/").status_code == 403
    for action in ("position", "deactivate", "reinvite", "reset-two-factor"):
        response = client.post(f"/en/members/{kofi.pk}/{action}/", {"position": Position.LEAD})
        assert response.status_code == 404, action
    invitation = services.invite_person(
        actor=personas.alice, email="x@example.org", role=Role.FOCAL_POINT, member_state=personas.alice.member_state
    )
    for action in ("revoke", "resend"):
        assert client.post(f"/en/invitations/{invitation.pk}/{action}/").status_code == 404
    kofi.refresh_from_db()
    assert kofi.is_active and kofi.membership.position == Position.MEMBER
    assert Invitation.objects.get().is_pending and Invitation.objects.count() == 1


def test_a_lead_cannot_change_their_own_account_nor_a_curator_s(personas):
    itu_lead = services.create_account(
        actor=None,
        username="itulead",
        email="l@itu.int",
        role=Role.CONTRIBUTOR,
        organization=personas.curator.organization,
        position=Position.LEAD,
    )
    client = client_for(personas.alice)
    assert client.post(f"/en/members/{personas.alice.pk}/deactivate/").status_code == 403
    response = client_for(itu_lead).post(f"/en/members/{personas.curator.pk}/deactivate/")
    assert response.status_code == 403 and "Only an administrator" in response.content.decode()
    personas.curator.refresh_from_db()
    assert personas.curator.is_active and personas.alice.is_active


def test_an_administrator_resets_a_lost_authenticator_from_the_members_page(personas):
    page = client_for(personas.admin).get("/en/organizations/itu/members/").content.decode()
    assert "Reset two-factor authentication" in page
    response = client_for(personas.admin).post(f"/en/members/{personas.curator.pk}/reset-two-factor/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=personas.curator).exists()
    assert AuditEvent.objects.filter(action="user.two_factor_reset", actor_repr="admin").exists()


def test_a_lead_cannot_reset_an_authenticator(personas, kofi):
    TOTPDevice.objects.create(user=kofi, name="phone", confirmed=True)
    response = client_for(personas.alice).post(f"/en/members/{kofi.pk}/reset-two-factor/")
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=kofi).exists()


def test_a_lead_revokes_and_sends_again_a_pending_invitation(personas):
    invitation = services.invite_person(
        actor=personas.alice, email="x@example.org", role=Role.FOCAL_POINT, member_state=personas.alice.member_state
    )
    client = client_for(personas.alice)
    assert client.post(f"/en/invitations/{invitation.pk}/resend/").status_code == 302
    newer = Invitation.objects.exclude(pk=invitation.pk).get()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and newer.is_pending
    assert client.post(f"/en/invitations/{newer.pk}/revoke/").status_code == 302
    newer.refresh_from_db()
    assert newer.revoked_at is not None
    assert "No invitation is waiting" in client.get("/en/member-states/KE/members/").content.decode()


def test_the_account_page_leads_to_the_members_page(personas):
    page = client_for(personas.alice).get("/en/account/").content.decode()
    assert "/en/member-states/KE/members/" in page and "Lead" in page
