"""The write side of search: a measure's search document, its facet postings and the change log.

A measure's search document holds the text produced by :func:`text.normalize` from the measure and all
its translations (so a query in one language finds the translations too) and the facet terms it is filed
under. The Tantivy index (``engine``) is built from these documents; the facet terms are also filed in
``postings``, for the counts of reports and country statistics. Everything here is written by
:func:`index_measure` inside the transaction that changes the measure, with one row of the change log
from which every process brings its index and cached sets up to date.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from clearinghouse.catalog.search import postings
from clearinghouse.catalog.search.text import normalize
from clearinghouse.core import bulk
from clearinghouse.core.markdown import plain_text


def document_text(measure: Any) -> str:
    """All the words of a measure a reader may search for, in every language it has."""
    parts = [
        measure.title,
        measure.summary,
        plain_text(measure.description),
        plain_text(measure.evidence),
        measure.prerequisites,
    ]
    for translation in measure.translations.all():
        parts += [
            translation.title,
            translation.summary,
            plain_text(translation.description),
            plain_text(translation.evidence),
            translation.prerequisites,
        ]
    for technology in measure.technologies.all():
        parts.append(technology.name)
    return normalize(" ".join(part for part in parts if part))


#: Records whose change may alter how measures are grouped into facets (a threat's family, a state's
#: region or groups, a pillar's slug), and the column of the state row that holds the latest audit event of each.
REFERENCE_VERSIONS = {
    "countries.memberstate": "member_states_version",
    "countries.developmentgroup": "development_groups_version",
    "catalog.threat": "threats_version",
    "catalog.pillar": "pillars_version",
}
REFERENCE_TYPES = tuple(REFERENCE_VERSIONS)
#: Audited changes to those records that leave the grouping alone: they rename, or add words to search by.
NAMING_ACTIONS = (
    "threat.renamed",
    "pillar.renamed",
    "threat.synonym_added",
    "threat.synonym_removed",
    "memberstate.profile_updated",
)

#: Changes kept in ``SearchChange``; a process whose caches are older rebuilds them.
CHANGES_KEPT = 100_000
#: The measure id of the ``SearchChange`` row that marks a new generation.
GENERATION_MARK = 0


def _lock_state() -> Any:
    """The state row, locked until the caller's transaction ends (writers take it first, in order)."""
    from clearinghouse.catalog.models import SearchState

    state = SearchState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        state = SearchState.objects.create(pk=1, token=uuid.uuid4().hex, seq=0, stamp=uuid.uuid4().hex)
    return state


@dataclass(frozen=True)
class Logged:
    """A change logged: the state's counter and stamp it committed with."""

    seq: int
    stamp: str


def start_log() -> None:
    """Give the catalogue a state if it has none yet (a new database), in a transaction of its own."""
    with transaction.atomic():
        _lock_state()


def changed(measure_ids: Iterable[int] = ()) -> Logged:
    """Log a change to these measures (in the caller's transaction), so every process patches its caches.

    Without ids, the whole catalogue counts as changed: every process rebuilds its caches.
    """
    with transaction.atomic():
        return _log_change(sorted(set(measure_ids)))


def _log_change(ids: list[int]) -> Logged:
    from clearinghouse.catalog.models import SearchChange

    state = _lock_state()
    state.seq += 1
    state.stamp = uuid.uuid4().hex
    if not ids:
        state.token = uuid.uuid4().hex
    state.save(update_fields=["token", "seq", "stamp"])
    SearchChange.objects.bulk_create(
        [SearchChange(seq=state.seq, stamp=state.stamp, measure_id=pk) for pk in ids or [GENERATION_MARK]]
    )
    if state.seq % 1000 == 0:
        SearchChange.objects.filter(seq__lte=state.seq - CHANGES_KEPT).delete()
    return Logged(state.seq, state.stamp)


def reference_changed(event: Any) -> None:
    """Record an audited change to a reference record in the state row, in the change's transaction.

    Every change to those records is audited (``core.audit.record``), so this follows the audit log: on each
    of its events about a Member State, development group, threat or pillar (connected in ``CatalogConfig``).
    The change bumps the record type's grouping version, unless it only renames, and the labels version.
    Writers lock what they change before they audit it, so the state row is locked last, as by measure writers.
    """
    if event.object_type not in REFERENCE_VERSIONS:
        return
    with transaction.atomic():
        state = _lock_state()
        versions = ["labels_version"]
        if event.action not in NAMING_ACTIONS:
            versions.append(REFERENCE_VERSIONS[event.object_type])
        for name in versions:
            setattr(state, name, event.pk)
        state.save(update_fields=versions)


def _audited(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        reference_changed(instance)


def follow_audit_log() -> None:
    from django.db.models.signals import post_save

    from clearinghouse.core.models import AuditEvent

    post_save.connect(_audited, sender=AuditEvent, dispatch_uid="catalog.search.reference_changed")


def _stored_facets(document: Any) -> set[bytes]:
    return set() if document is None else {term.encode() for term in document.facets.split()}


def index_measure(measure: Any) -> None:
    """(Re)write the measure's search document and facet postings. Call inside the transaction that changed it."""
    from clearinghouse.catalog.models import MeasureSearchDocument

    changed([measure.pk])
    text = document_text(measure)
    facets = postings.facet_terms_of(measure)
    old_facets = _stored_facets(MeasureSearchDocument.objects.filter(measure=measure).first())
    postings.apply(measure.pk, old_facets, facets)
    MeasureSearchDocument.objects.update_or_create(
        measure=measure, defaults={"text": text, "facets": " ".join(sorted(term.decode() for term in facets))}
    )


def index_many(rows: Iterable[tuple[int, str, set[bytes]]]) -> Logged:
    """Bulk-index new measures ``(measure_id, normalized text, facet terms)``, for generators and imports.

    Every process rebuilds its caches afterwards (one change for the whole batch, returned).
    """
    from clearinghouse.catalog.models import MeasureSearchDocument

    logged = changed()
    rows = list(rows)
    if not rows:
        return logged
    documents = [(pk, text, " ".join(sorted(t.decode() for t in facets))) for pk, text, facets in rows]
    ids = [pk for pk, _text, _facets in rows]
    # (the change is logged first: on PostgreSQL its row lock keeps other writers of search documents out)
    if MeasureSearchDocument.objects.filter(measure_id__gte=min(ids), measure_id__lte=max(ids)).exists():
        MeasureSearchDocument.objects.bulk_create(
            [MeasureSearchDocument(measure_id=pk, text=text, facets=facets) for pk, text, facets in documents],
            update_conflicts=True,
            unique_fields=["measure"],
            update_fields=["text", "facets"],
        )
    else:  # none of them has a document yet: written as rows (core.bulk), no value prepared through the model
        bulk.insert(MeasureSearchDocument, ("measure_id", "text", "facets"), documents)
    postings.add_many((pk, facets) for pk, _text, facets in rows)
    return logged


def documents_of(measure_ids: list[int]) -> list[tuple[int, str, set[bytes]]]:
    """``(measure_id, document_text, facet terms)`` of many measures in four queries: what
    :func:`document_text` and ``postings.facet_terms_of`` give one measure at a time."""
    from clearinghouse.catalog.models import Measure, MeasureTranslation

    if not measure_ids:
        return []
    texts = ("title", "summary", "description", "evidence", "prerequisites")
    translations: dict[int, list[dict[str, Any]]] = {}
    rows = MeasureTranslation.objects.filter(measure_id__in=measure_ids).order_by("pk")
    for row in rows.values("measure_id", "language", *texts):
        translations.setdefault(row["measure_id"], []).append(row)
    technologies: dict[int, list[str]] = {}
    for measure_id, name in (
        Measure.technologies.through.objects.filter(measure_id__in=measure_ids)
        .order_by("technology__name")
        .values_list("measure_id", "technology__name")
    ):
        technologies.setdefault(measure_id, []).append(name)
    threats: dict[int, list[int]] = {}
    for measure_id, threat_id in Measure.threats.through.objects.filter(measure_id__in=measure_ids).values_list(
        "measure_id", "threat_id"
    ):
        threats.setdefault(measure_id, []).append(threat_id)
    documents = []
    fields = ("pk", "pillar_id", "status", "language", "since_year", "owner_state_id", *texts)
    for row in Measure.objects.filter(pk__in=measure_ids).order_by("pk").values(*fields):
        own = translations.get(row["pk"], [])
        parts: list[str] = []
        for item in [row, *own]:
            parts += [
                item["title"],
                item["summary"],
                plain_text(item["description"]),
                plain_text(item["evidence"]),
                item["prerequisites"],
            ]
        parts += technologies.get(row["pk"], [])
        facets = postings.facet_terms(
            pillar_id=row["pillar_id"],
            status=row["status"],
            languages={row["language"], *(t["language"] for t in own)},
            since_year=row["since_year"],
            owner_state_id=row["owner_state_id"],
            threat_ids=threats.get(row["pk"], []),
        )
        documents.append((row["pk"], normalize(" ".join(part for part in parts if part)), facets))
    return documents


#: Measures read and indexed per transaction by :func:`index_new_measures`.
INDEX_BATCH = 2000


def index_new_measures(measure_ids: Iterable[int]) -> int:
    """Index measures that have no search document yet (the drafts of an import), in batches; returns how
    many. Each batch is its own transaction (or part of the caller's)."""
    from clearinghouse.catalog.models import Measure

    ids = sorted(set(measure_ids))
    done = 0
    for start in range(0, len(ids), INDEX_BATCH):
        with transaction.atomic():
            batch = list(
                Measure.objects.filter(pk__in=ids[start : start + INDEX_BATCH], search_document__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if batch:
                index_many(documents_of(batch))
                done += len(batch)
    return done


def remove_measure(measure_id: int) -> None:
    """Take a measure out of the index before it is deleted (in the deleting transaction)."""
    from clearinghouse.catalog.models import MeasureSearchDocument

    changed([measure_id])
    facets = _stored_facets(MeasureSearchDocument.objects.filter(measure_id=measure_id).first())
    postings.remove_all(measure_id, facets)
    MeasureSearchDocument.objects.filter(measure_id=measure_id).delete()
