"""Personal API tokens: created once, shown once, revoked for good; bad tokens get a clear 401."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from clearinghouse.accounts.models import ApiToken
from clearinghouse.core.testing import client_for


def create_token(client: Client, name: str = "nightly export") -> str:
    response = client.post("/en/account/tokens/", {"name": name})
    assert response.status_code == 201
    return re.search(r'value="(ch174_[^"]+)"', response.content.decode()).group(1)


def test_a_member_creates_a_token_that_is_shown_once_and_stored_hashed(personas):
    client = client_for(personas.alice)
    key = create_token(client)
    token = ApiToken.objects.get(user=personas.alice)
    assert token.key_hash != key and key not in token.key_hint + token.key_hash
    account = client.get("/en/account/").content.decode()
    assert "nightly export" in account and key not in account and token.key_hint in account


def test_the_api_knows_who_calls_with_a_token(personas):
    key = create_token(client_for(personas.alice))
    response = Client().get("/api/v1/member-states/KE/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert ApiToken.objects.get(user=personas.alice).last_used_at is not None
    assert Client().get("/api/v1/member-states/KE/", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_a_revoked_token_is_refused_with_a_401_that_says_so(personas):
    client = client_for(personas.alice)
    key = create_token(client)
    token = ApiToken.objects.get(user=personas.alice)
    assert client.post(f"/en/account/tokens/{token.pk}/revoke/").status_code == 302
    response = Client().get("/api/v1/member-states/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "This token has been revoked."
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Token", "Malformed Authorization header"),
        ("Token a b", "Malformed Authorization header"),
        ("Token not-one-of-ours", "Malformed token"),
        ("Token ch174_doesnotexist", "Unknown token"),
    ],
)
def test_a_malformed_or_unknown_token_gets_a_clear_401(db, header, message):
    response = Client().get("/api/v1/member-states/", headers={"Authorization": header})
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_nobody_revokes_another_person_s_token(personas):
    create_token(client_for(personas.alice))
    token = ApiToken.objects.get(user=personas.alice)
    assert client_for(personas.bob).post(f"/en/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_needs_a_name(personas):
    response = client_for(personas.alice).post("/en/account/tokens/", {"name": "   "})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_api_throttles_a_client_that_sends_too_many_requests(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [client.get("/api/v1/organizations/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "throttled" in client.get("/api/v1/organizations/").json()["detail"].lower()


@pytest.mark.parametrize("url", ["/api/v1/organizations/", "/taxii2/"])
def test_a_public_reader_is_limited_by_the_anonymous_rate_alone_and_a_member_by_theirs(personas, settings, url):
    """Anonymous 4 a minute, members 2: a reader gets four answers, not two; a member with a token two."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "4/minute", "user": "2/minute"},
    }
    taxii = {"HTTP_ACCEPT": "application/taxii+json;version=2.1"} if url.startswith("/taxii2/") else {}
    reader = Client(REMOTE_ADDR="203.0.113.10", **taxii)
    assert [reader.get(url).status_code for _ in range(5)] == [200, 200, 200, 200, 429]

    key = create_token(client_for(personas.alice))
    member = Client(REMOTE_ADDR="203.0.113.11", HTTP_AUTHORIZATION=f"Token {key}", **taxii)
    assert [member.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert Client(REMOTE_ADDR="203.0.113.11", **taxii).get(url).status_code == 200  # the address is not spent


def test_a_public_reader_cannot_escape_the_limit_by_naming_another_address(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "9/minute"},
    }
    statuses = [
        Client(REMOTE_ADDR="203.0.113.12", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        .get("/api/v1/organizations/")
        .status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
