from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from clearinghouse.accounts.demo import load_demo_notifications
from clearinghouse.accounts.models import Position, Role, User
from clearinghouse.accounts.services import create_account
from clearinghouse.assistance.demo import load_demo_assistance
from clearinghouse.catalog.demo import load_demo_catalog
from clearinghouse.countries.models import MemberState, Organization, OrganizationKind
from clearinghouse.countries.services import create_organization
from clearinghouse.mandates.demo import load_demo_resolutions

DEMO_ORGANIZATION = {
    "slug": "example-mobile-operator",
    "name": "Example Mobile Operator (illustrative)",
    "acronym": "EMO",
    "kind": OrganizationKind.SECTOR_MEMBER,
    "description": "An illustrative ITU-T Sector Member made up to demonstrate the platform.",
    "is_illustrative": True,
}

#: username, role, Member State (alpha-2) or the demo organization, what the account shows.
DEMO_ACCOUNTS = [
    ("demo-focal-ke", Role.FOCAL_POINT, "KE", "a focal point (lead) of Kenya: invites and manages its members"),
    ("demo-focal-br", Role.FOCAL_POINT, "BR", "a focal point (lead) of Brazil"),
    ("demo-contributor", Role.CONTRIBUTOR, None, "the lead of the illustrative operator"),
]


class Command(BaseCommand):
    help = "Load the illustrative demo data (an operator and demo accounts); skip what exists."

    def handle(self, *args: Any, **options: Any) -> None:
        created = []
        with transaction.atomic():
            organization = Organization.objects.filter(slug=DEMO_ORGANIZATION["slug"]).first()
            if organization is None:
                organization = create_organization(actor=None, **DEMO_ORGANIZATION)
            for username, role, alpha2, what in DEMO_ACCOUNTS:
                if User.objects.filter(username=username).exists():
                    continue
                password = secrets.token_urlsafe(9)
                create_account(
                    actor=None,
                    username=username,
                    email=f"{username}@example.org",
                    role=role,
                    password=password,
                    member_state=MemberState.objects.get(alpha2=alpha2) if alpha2 else None,
                    organization=None if alpha2 else organization,
                    position=Position.LEAD,
                )
                created.append((username, password, what))
        resolutions = load_demo_resolutions(stream=self.stderr)
        if resolutions["source"] == "summary":
            self.stdout.write(
                "Resolution 174: its structure summarised in the project's own words (the official texts are not "
                "beside the repository; a curator can import them on the Resolutions page)"
            )
        elif resolutions["source"] == "present":
            self.stdout.write("Resolution 174: present already")
        else:
            self.stdout.write(
                f"Resolutions from {resolutions['source']}: {resolutions['imported']} imported, "
                f"{resolutions['unchanged']} unchanged"
            )
        for failure in resolutions["failed"]:
            self.stdout.write(f"  not imported: {failure}")
        for language, outcome in resolutions["languages"].items():
            self.stdout.write(f"  the project's summary in {language}: {outcome}")
        catalog = load_demo_catalog()
        self.stdout.write(
            f"Illustrative catalogue: {catalog['measures']} measures and {catalog['technologies']} technologies "
            f"loaded, {catalog['translations']} translations written"
        )
        assistance = load_demo_assistance()
        self.stdout.write(
            f"Illustrative assistance: {assistance['requests']} requests and {assistance['offers']} offers loaded"
        )
        if not created:
            self.stdout.write("Demo accounts: present already (passwords are shown only when accounts are created).")
            return
        told = load_demo_notifications([username for username, _password, _what in created])
        self.stdout.write(f"Demo inboxes: {told} notifications about the demo accounts' own records")
        self.stdout.write(self.style.SUCCESS("\n  Illustrative demo accounts (shown this once):"))
        for username, password, what in created:
            self.stdout.write(f"    {username:18} {password:14} {what}")
