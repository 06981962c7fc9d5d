"""Test personas, one per role, with stated relations (the Healthchecks way).

- ``reader``: a public reader, no account.
- ``alice``: focal point of Kenya, its lead.
- ``bob``: focal point of Nigeria, another state, its lead.
- ``carol``: stakeholder contributor of the GSM Association, a member (not a lead).
- ``curator``: a Secretariat curator (two-factor on).
- ``admin``: an administrator (two-factor on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.accounts.models import Position, Role, User
from clearinghouse.accounts.services import create_account
from clearinghouse.countries.models import MemberState, Organization

PASSWORD = "correct horse battery staple"  # noqa: S105 (test personas only)


@dataclass
class Personas:
    reader: AnonymousUser
    alice: User
    bob: User
    carol: User
    curator: User
    admin: User

    def all(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ("reader", "alice", "bob", "carol", "curator", "admin")}


def make_personas() -> Personas:
    kenya, nigeria = MemberState.objects.get(alpha2="KE"), MemberState.objects.get(alpha2="NG")
    gsma = Organization.objects.get(slug="gsma")
    itu = Organization.objects.get(slug="itu")

    def person(username: str, role: str, **membership: Any) -> User:
        return create_account(
            actor=None,
            username=username,
            email=f"{username}@example.org",
            role=role,
            password=PASSWORD,
            **membership,
        )

    curator = person("curator", Role.CURATOR, organization=itu)
    admin = person("admin", Role.ADMINISTRATOR, organization=itu)
    for user in (curator, admin):
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return Personas(
        reader=AnonymousUser(),
        alice=person("alice", Role.FOCAL_POINT, member_state=kenya, position=Position.LEAD),
        bob=person("bob", Role.FOCAL_POINT, member_state=nigeria, position=Position.LEAD),
        carol=person("carol", Role.CONTRIBUTOR, organization=gsma),
        curator=curator,
        admin=admin,
    )


def client_for(user: Any) -> Client:
    """A test client signed in as this persona, past two-factor authentication where their role needs it."""
    client = Client()
    if user is None or not user.is_authenticated:
        return client
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def body_of(response: Any) -> bytes:
    """An answer's body, streamed or not (the public page cache keeps a small streamed export whole)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    content: bytes = response.content
    return content
