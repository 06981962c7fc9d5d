from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clearinghouse.accounts.models import Delivery
from clearinghouse.accounts.services import digests


class Command(BaseCommand):
    help = (
        "Send now the daily or weekly digests waiting to go (the task worker sends them on its own at DIGEST_HOUR; "
        "use this where tasks run at once, as in `make demo`, or from cron)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--frequency",
            choices=["daily", "weekly", "all"],
            default="all",
            help="which digests to send (default: both)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        chosen = options["frequency"]
        for frequency in digests.FREQUENCIES:
            if chosen in ("all", frequency):
                sent = digests.send_digests(frequency)
                label = Delivery(frequency).label
                self.stdout.write(f"{label}: {sent} e-mail(s) sent.")
