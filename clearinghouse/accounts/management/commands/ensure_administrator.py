from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand

from clearinghouse.accounts.models import Role, User
from clearinghouse.accounts.services import create_account


class Command(BaseCommand):
    help = "Create the first administrator and print its password once; do nothing when one exists."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(role=Role.ADMINISTRATOR).exists():
            self.stdout.write(
                "An administrator exists already; its password is not shown again "
                "(reset it with: .venv/bin/python manage.py changepassword USERNAME)."
            )
            return
        password = secrets.token_urlsafe(12)
        create_account(
            actor=None,
            username=options["username"],
            email=options["email"],
            role=Role.ADMINISTRATOR,
            password=password,
        )
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Administrator created (shown this once):\n"
                f"    username: {options['username']}\n    password: {password}\n"
                "  At first sign-in you will enrol an authenticator app (TOTP), which administrators need.\n"
            )
        )
