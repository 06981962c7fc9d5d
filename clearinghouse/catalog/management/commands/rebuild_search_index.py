"""``manage.py rebuild_search_index``: rewrite the facet postings and the search documents' facet lists from
the measures, and rebuild this machine's search index from the database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from clearinghouse.catalog import search
from clearinghouse.catalog.models import Measure, MeasureSearchDocument, MeasureTranslation
from clearinghouse.catalog.search import engine, postings


class Command(BaseCommand):
    help = (
        "Rewrite the catalogue's facet postings from the measures (in one transaction), then rebuild this "
        "machine's search index from the database."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        self.stderr.ending = ""  # the progress bar ends its own lines
        try:
            with transaction.atomic():
                count = postings.rebuild(Measure, MeasureSearchDocument, MeasureTranslation, stream=self.stderr)
                search.changed()  # every process rebuilds its index and cached sets
            engine.rebuild(stream=self.stderr)
        finally:
            self.stderr.ending = "\n"
        self.stdout.write(f"{count:,} measures indexed in {time.monotonic() - started:.1f} s")
