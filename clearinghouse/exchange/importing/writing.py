"""Writing: the changes to existing records, the new measures, the rows of the objects taken in, the archive."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog import services as catalog
from clearinghouse.catalog.models import (
    Measure,
)
from clearinghouse.core import bulk
from clearinghouse.exchange import archive
from clearinghouse.exchange.importing.markings import RED_MARKINGS
from clearinghouse.exchange.importing.outcomes import CREATED, UPDATED, Change, Item
from clearinghouse.exchange.importing.state import ImportState
from clearinghouse.exchange.models import ImportArchive, ImportedObject


class Writing(ImportState):
    def write(self) -> None:
        if self.changes:
            self.writer.wait()  # updates go through the ORM (savepoints and all): the connection is this thread's again
        for measure_id, change in self.changes.items():
            self._apply(measure_id, change)
        self.tick(0.35)
        kept = [item for item in self.items if item.store]
        compression = None
        if self.archived:  # the bytes received
            spans = [(item.start, item.end - item.start) for item in kept]
        else:  # the kept objects' texts one a line, compressed on another core while the rest is written
            data, spans = archive.pack([self.body(item) for item in kept])
            compression = archive.Compression(data) if kept else None
        self.measures.complete()
        self.tick(0.5)
        self._store_objects(kept, spans)
        if compression is not None:
            self._queue_archive(compression)
        self.tick(0.6)
        self.writer.wait()
        catalog.measures_imported(self.measures.ids, actor=self.actor, source=self.run, comment=self.comment)
        self.tick(1.0)

    def _queue_archive(self, compression: archive.Compression) -> None:
        """Queues the archive's row, written once compressed (on the writing thread, which waits for it)."""
        run = bulk.db_value(ImportArchive, "run", self.run.pk)
        self.writer.insert(
            ImportArchive, ("run_id", "data", "size"), lambda: [(run, compression.result(), compression.size)]
        )
        self.archived = True

    def start_archive(self) -> None:
        """Starts compressing the bytes received, so that they are ready when the rows are written: they are the
        archive when every character is a byte (offsets in the text are offsets in the bytes) and no object is
        TLP:RED (never kept, not even as received). Objects not taken in for other reasons (a version held
        already, one that cannot be mapped) stay in it, where no row points."""
        plain = self.items and self.items[0].start >= 0 and len(self.text) == len(self.raw)
        if plain and not self.red and not any(marking in self.text for marking in RED_MARKINGS):
            self.whole = archive.Compression(self.raw)

    def _queue_whole_archive(self) -> None:
        if self.whole is not None and not self.archived:
            self._queue_archive(self.whole)

    def _apply(self, measure_id: int, change: Change) -> None:
        measure = Measure.objects.get(pk=measure_id)
        try:
            with transaction.atomic():
                changed = catalog.update_imported_measure(
                    measure,
                    actor=self.actor,
                    fields=change.fields,
                    references=change.references,
                    techniques=change.techniques,
                    threat_ids=change.threat_ids,
                    technology_ids=change.technology_ids,
                    translations=change.translations,
                    comment=self.comment,
                )
        except ValidationError as error:
            for item in change.items:
                self._failed(item, _("not taken in: %(why)s") % {"why": "; ".join(error.messages)})
            return
        for item in change.items:
            if item.type == "course-of-action":
                if changed:
                    item.outcome, item.message = UPDATED, _("measure updated, back in review")
                else:
                    self._unchanged(item, _("a newer version with the same content"))
        if changed:
            self._record("measure", measure_id, change.fields["title"] if change.fields else measure.title, UPDATED)

    def _create_drafts(self, stix_ids: list[str]) -> None:
        """Gives these new measures their ids and queues them on the writer."""
        ids = self.measures.add([self.drafts[stix_id] for stix_id in stix_ids])
        for stix_id, pk in zip(stix_ids, ids, strict=True):
            item = self.draft_items[stix_id]
            item.measure_id = pk
            item.outcome, item.message = CREATED, self.say.new_measure
            self._record("measure", pk, self.drafts[stix_id].fields["title"], CREATED)

    def body(self, item: Item) -> str:
        if item.start < 0:
            return json.dumps(item.obj, ensure_ascii=False)
        return self.text[item.start : item.end]

    def _store_objects(self, kept: list[Item], spans: list[tuple[int, int]]) -> None:
        run = bulk.db_value(ImportedObject, "run", self.run.pk)
        rows = [
            (item.id, item.version, item.type, run, item.measure_id, item.technology_id, offset, length)
            for item, (offset, length) in zip(kept, spans, strict=True)
        ]
        rows.sort()  # in the order of the (id, modified) index: its pages are written once, not again and again
        columns = ("stix_id", "modified", "type", "run_id", "measure_id", "technology_id", "offset", "length")
        self.writer.insert(ImportedObject, columns, rows)
