"""The state of one import run, shared by its stages, and the outcomes it gives each object."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from clearinghouse.catalog import services as catalog
from clearinghouse.core import bulk
from clearinghouse.exchange import archive
from clearinghouse.exchange.importing import outcomes
from clearinghouse.exchange.importing.mapping import Catalogue
from clearinghouse.exchange.importing.outcomes import FAILED, UNCHANGED, UNMAPPED, Change, Held, Item
from clearinghouse.exchange.models import ImportRun

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class _Messages:
    """The messages repeated for many objects, translated once per run (gettext per object costs as much as
    the rest of the object's mapping)."""

    def __init__(self) -> None:
        self.not_a_record = _("not a catalogue record")
        self.twice = _("the same version is in this bundle twice")
        self.imported_before = _("this version was imported before")
        self.older_in_bundle = _("an older version: a newer one is in this bundle")
        self.older_than_held = _("older than the version imported before: kept as history")
        self.relationship_not_mapped = _("a “%(kind)s” relationship is not mapped")
        self.source_not_measure = _("its source is not a measure of the catalogue")
        self.linked = _("linked")
        self.translations = _("translations: %(languages)s")
        self.new_measure = _("new measure in review")


class ImportState:
    """One run: the objects, what earlier imports hold, and the outcomes (planned in :mod:`.planning`, written in
    :mod:`.writing`, reported in :mod:`.reporting`)."""

    def __init__(self, run: ImportRun, actor: Any, owner: dict[str, Any], progress: Progress | None) -> None:
        self.run, self.actor, self.owner = run, actor, owner
        self.progress = progress
        self.items: list[Item] = []
        self.raw = b""
        #: The bytes received, being compressed, when they can be the archive.
        self.whole: archive.Compression | None = None
        self.archived = False
        #: Some object of the bundle carries TLP:RED: the bytes received are not kept as they are.
        self.red = False
        self.text = ""
        self.total = 0
        self.catalogue = Catalogue.load()
        self.drafts: dict[str, catalog.ImportedDraft] = {}  # STIX id → a measure to create
        self.draft_items: dict[str, Item] = {}
        self.ours: set[str] = set()  # STIX ids of courses-of-action carrying our extension
        self.changes: dict[int, Change] = {}  # measure id → what changes in it
        self.newest: dict[str, Item] = {}  # STIX id → its newest version in the bundle
        self.repeated: set[str] = set()  # STIX ids in the bundle more than once
        self.held: dict[str, Held] = {}
        #: Attack-patterns of earlier imports, read from their archives.
        self.archives = archive.Reader()
        self.patterns: dict[str, dict[str, Any] | None] = {}
        #: The records created or updated (the first ``MAX_LISTED`` of them), and how many there are.
        self.records: list[dict[str, Any]] = []
        self.record_count = 0
        self.say = _Messages()
        self.writer: bulk.Writer
        self.measures: catalog.MeasureImport

    def release(self) -> None:
        """Lets go of the objects of the bundle once the run is saved."""
        self.items, self.text, self.raw = [], "", b""
        for mapping in (
            self.drafts,
            self.draft_items,
            self.newest,
            self.repeated,
            self.held,
            self.changes,
            self.patterns,
        ):
            mapping.clear()

    def tick(self, fraction: float) -> None:
        if self.progress is not None:
            self.progress(int(self.total * fraction), self.total)

    # -- outcomes --

    def _unchanged(self, item: Item, message: str, store: bool = True) -> None:
        item.outcome, item.message, item.store = UNCHANGED, message, store

    def _unmapped(self, item: Item, reason: str) -> None:
        item.outcome, item.message = UNMAPPED, reason

    def _failed(self, item: Item, message: str) -> None:
        item.outcome, item.message, item.store = FAILED, message, False

    def _record(self, kind: str, pk: int, title: str, action: str, slug: str = "") -> None:
        self.record_count += 1
        if len(self.records) < outcomes.MAX_LISTED:
            self.records.append({"kind": kind, "pk": pk, "title": title, "action": action, "slug": slug})

    @property
    def comment(self) -> str:
        return _("STIX import %(id)s") % {"id": self.run.pk}
