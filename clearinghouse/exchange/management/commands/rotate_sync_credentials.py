"""``manage.py rotate_sync_credentials``: encrypt every saved sync secret again under the first key."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from clearinghouse.exchange import credentials
from clearinghouse.exchange.models import SyncSource


class Command(BaseCommand):
    help = (
        "Encrypt the tokens and passwords of every sync source again under the first key of SYNC_CREDENTIALS_KEYS "
        "(or the key derived from SECRET_KEY when it is empty). Put the new key first, keep the old ones after it, "
        "run this, then remove the old keys. --new-key prints a fresh key and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new-key", action="store_true", help="print a new key for SYNC_CREDENTIALS_KEYS")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(Fernet.generate_key().decode())
            return
        rotated = 0
        with transaction.atomic():
            for source in SyncSource.objects.select_for_update().order_by("pk"):
                try:
                    source.encrypted_token = credentials.rotate(source.encrypted_token)
                    source.encrypted_password = credentials.rotate(source.encrypted_password)
                except credentials.Unreadable as error:
                    raise CommandError(
                        f"{source.name} (#{source.pk}): {error} Nothing was changed; add the old key after the new "
                        "one in SYNC_CREDENTIALS_KEYS and run again."
                    ) from None
                source.save(update_fields=["encrypted_token", "encrypted_password"])
                rotated += 1
        self.stdout.write(f"The secrets of {rotated:,} sync source(s) are encrypted under the first key.")
