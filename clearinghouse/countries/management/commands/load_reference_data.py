from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clearinghouse.core.progress import progress_bar
from clearinghouse.countries.services import load_reference_data


class Command(BaseCommand):
    help = "Load or refresh the 194 Member States, the development groups and the reference organizations."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            reports = load_reference_data(
                progress=lambda rows: progress_bar(rows, label="Member States", stream=self.stderr)
            )
        except (ValueError, KeyError, OSError) as error:
            raise CommandError(f"Reference data not loaded, nothing changed: {error}") from error
        for name, report in reports.items():
            self.stdout.write(f"{name.replace('_', ' ')}: {report}")
