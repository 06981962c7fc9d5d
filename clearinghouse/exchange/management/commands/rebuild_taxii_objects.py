"""``manage.py rebuild_taxii_objects``: bring the STIX objects TAXII serves up to date with the whole catalogue."""

from __future__ import annotations

import math
import time
from typing import Any

from django.core.management.base import BaseCommand

from clearinghouse.core.progress import progress_bar
from clearinghouse.exchange import projection
from clearinghouse.exchange.models import PendingProjection


class Command(BaseCommand):
    help = (
        "Queue every published, exportable measure and technology and project them into the STIX objects the "
        "TAXII server serves. Needed only after a bulk load that bypassed the services; objects whose content "
        "did not change get no new version, so running it again is harmless."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        projection.enqueue_all()
        batches = math.ceil(PendingProjection.objects.count() / projection.BATCH)
        added = 0
        for count in progress_bar(projection.refresh_steps(), label="STIX objects", total=batches, stream=self.stderr):
            added += count
        self.stdout.write(f"{added:,} object versions added in {time.monotonic() - started:.1f} s")
