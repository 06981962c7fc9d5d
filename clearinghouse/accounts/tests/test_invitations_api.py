"""/api/v1/invitations/: the same rules as the pages, for scripts."""

from __future__ import annotations

from django.test import Client

from clearinghouse.accounts.models import Invitation, Position, Role
from clearinghouse.accounts.services import create_api_token, invite_person


def api(user) -> Client:
    return Client(headers={"Authorization": f"Token {create_api_token(actor=user, name='t')[1]}"})


def test_a_lead_invites_through_the_api_and_lists_and_revokes_pending_invitations(
    personas, smtp_server, django_capture_on_commit_callbacks
):
    client = api(personas.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/invitations/",
            {
                "email": "wanjiru@example.org",
                "role": "focal_point",
                "position": "lead",
                "member_state": "KE",
                "language": "sw",
            },
            content_type="application/json",
        )
    assert response.status_code == 400 and "language" in response.json()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/invitations/",
            {
                "email": "wanjiru@example.org",
                "role": "focal_point",
                "position": "lead",
                "member_state": "KE",
                "language": "ru",
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["member_state"], body["position"], body["status"]) == (
        "wanjiru@example.org",
        "KE",
        "lead",
        "not_sent",
    )
    assert smtp_server.only_message()["Content-Language"] == "ru"
    listed = client.get("/api/v1/invitations/").json()
    assert [i["email"] for i in listed["results"]] == ["wanjiru@example.org"]
    assert listed["results"][0]["status"] == "pending"
    response = client.post(f"/api/v1/invitations/{body['id']}/revoke/")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert client.get("/api/v1/invitations/").json()["count"] == 0


def test_the_api_refuses_a_role_beyond_the_inviter_s_and_another_state_and_changes_nothing(personas):
    client = api(personas.alice)
    curator = client.post(
        "/api/v1/invitations/",
        {"email": "x@example.org", "role": "curator", "member_state": "KE"},
        content_type="application/json",
    )
    assert curator.status_code == 403 and "only an administrator invites curators" in curator.json()["detail"]
    nigeria = client.post(
        "/api/v1/invitations/",
        {"email": "x@example.org", "role": "focal_point", "member_state": "NG"},
        content_type="application/json",
    )
    assert nigeria.status_code == 403 and "Nigeria" in nigeria.json()["detail"]
    member = api(personas.carol).post(
        "/api/v1/invitations/",
        {"email": "x@example.org", "role": "contributor", "organization": "gsma"},
        content_type="application/json",
    )
    assert member.status_code == 403
    taken = client.post(
        "/api/v1/invitations/",
        {"email": "bob@example.org", "role": "focal_point", "member_state": "KE"},
        content_type="application/json",
    )
    assert taken.status_code == 400 and "email" in taken.json()
    assert not Invitation.objects.exists()


def test_the_api_lists_only_the_invitations_one_manages_and_another_state_s_are_not_found(personas):
    kenyan = invite_person(
        actor=personas.alice,
        email="k@example.org",
        role=Role.FOCAL_POINT,
        member_state=personas.alice.member_state,
        position=Position.MEMBER,
    )
    invite_person(
        actor=personas.bob, email="n@example.org", role=Role.FOCAL_POINT, member_state=personas.bob.member_state
    )
    assert [i["email"] for i in api(personas.alice).get("/api/v1/invitations/").json()["results"]] == ["k@example.org"]
    assert api(personas.carol).get("/api/v1/invitations/").json()["count"] == 0
    assert api(personas.admin).get("/api/v1/invitations/").json()["count"] == 2
    bob = api(personas.bob)
    assert bob.get(f"/api/v1/invitations/{kenyan.pk}/").status_code == 404
    assert bob.post(f"/api/v1/invitations/{kenyan.pk}/revoke/").status_code == 404
    assert Client().get("/api/v1/invitations/").status_code == 401
    kenyan.refresh_from_db()
    assert kenyan.is_pending


def test_the_invitation_list_makes_the_same_queries_however_many_invitations(personas, django_assert_num_queries):
    client = api(personas.admin)
    invite_person(actor=personas.admin, email="first@example.org", role=Role.CURATOR)
    client.get("/api/v1/invitations/")
    with django_assert_num_queries(3) as few:
        client.get("/api/v1/invitations/")
    for number in range(4):
        invite_person(
            actor=personas.admin,
            email=f"i{number}@example.org",
            role=Role.FOCAL_POINT,
            member_state=personas.alice.member_state,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/invitations/").json()["count"] == 5
