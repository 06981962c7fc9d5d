"""The STIX objects TAXII serves, kept up to date with the catalogue.

Every change to a measure or a technology leaves a :class:`PendingProjection` row in the same transaction
(``exchange.signals``). :func:`refresh` turns those records into STIX objects (``exchange.stix``) and
stores each object whose content changed as a new version (:class:`StixObject`), with a ``date_added``
that only grows. A relationship or translation a record no longer has gets a last version with
``revoked: true``, so a TAXII client that synced it learns it is gone. Who may read which object is not
decided here: ``exchange.selectors`` joins each object to its record and applies the visibility rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from clearinghouse.catalog.models import Measure, Technology, Threat
from clearinghouse.core.visibility import EXPORTABLE_TLP
from clearinghouse.exchange import stix
from clearinghouse.exchange.models import PendingProjection, ProjectionState, StixObject

#: Records projected per transaction: bounds memory and how long writers wait for each other.
BATCH = 500
#: Ids per ``IN (…)`` (SQLite allows 999 parameters).
CHUNK = 900

Source = tuple[int | None, int | None]  # (measure id, technology id)


def version(obj: dict[str, Any]) -> str:
    """An object's version: ``modified``, or ``created`` for objects that never change (marking definitions)."""
    return obj.get("modified") or obj["created"]


def serialize(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _lock_state() -> ProjectionState:
    state = ProjectionState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        ProjectionState.objects.get_or_create(pk=1)
        state = ProjectionState.objects.select_for_update().get(pk=1)
    return state


def _reference_objects(threats: Iterable[Threat]) -> Iterator[dict[str, Any]]:
    yield stix.platform_identity()
    yield stix.extension_definition()
    for tlp in EXPORTABLE_TLP:
        yield stix.marking_definition(tlp)
    for threat in threats:
        yield stix.attack_pattern(threat)


def _measure_objects(ids: list[int]) -> Iterator[tuple[dict[str, Any], Source]]:
    measures = (
        Measure.objects.exportable()
        .filter(pk__in=ids)
        .select_related("pillar", "owner_state", "owner_organization")
        .prefetch_related(
            "threats",
            "references",
            "translations",
            Prefetch("technologies", queryset=Technology.objects.exportable().order_by("slug")),
        )
        .order_by("pk")
    )
    for measure in measures:
        owner = stix.owner_identity(measure)
        if owner is not None:
            yield owner, (None, None)
        if measure.owner_state_id:
            yield stix.country_location(measure.owner_state), (None, None)
            yield stix.located_at(measure.owner_state), (None, None)
        for obj in stix.measure_objects(measure):
            yield obj, (measure.pk, None)


def _technology_objects(ids: list[int]) -> Iterator[tuple[dict[str, Any], Source]]:
    technologies = (
        Technology.objects.exportable()
        .filter(pk__in=ids)
        .select_related("owner_state", "owner_organization")
        .order_by("pk")
    )
    for technology in technologies:
        owner = stix.owner_identity(technology)
        if owner is not None:
            yield owner, (None, None)
        yield stix.technology_object(technology), (None, technology.pk)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _after(modified: str) -> str:
    """A ``modified`` one millisecond later than another (for a new version of unchanged timestamps)."""
    moment = datetime.strptime(modified, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return stix.timestamp(max(moment + timedelta(milliseconds=1), timezone.now()))


def store(objects: Iterable[tuple[dict[str, Any], Source]], *, sources: Iterable[Source] = ()) -> int:
    """Store each object whose content differs from its latest stored version as a new version; give the
    objects of ``sources`` that were not among ``objects`` a revoked last version. Call with the projection
    state locked. Returns the number of versions added."""
    fresh: dict[str, tuple[dict[str, Any], Source]] = {}
    for obj, source in objects:
        fresh[obj["id"]] = (obj, source)
    latest: dict[str, tuple[int, str, str]] = {}
    for ids in _chunks(list(fresh)):
        for pk, stix_id, modified, body in StixObject.objects.filter(stix_id__in=ids, is_latest=True).values_list(
            "pk", "stix_id", "modified", "body"
        ):
            latest[stix_id] = (pk, modified, body)
    gone: list[tuple[int, str, str, Source]] = []
    for measure_ids in _chunks([m for m, _ in sources if m is not None]):
        rows = StixObject.objects.filter(measure_id__in=measure_ids, is_latest=True)
        gone += [
            (pk, stix_id, body, (m, None))
            for pk, stix_id, body, m in rows.values_list("pk", "stix_id", "body", "measure_id")
            if stix_id not in fresh
        ]

    additions: list[StixObject] = []
    superseded: list[int] = []
    for stix_id, (obj, (measure_id, technology_id)) in fresh.items():
        body = serialize(obj)
        previous = latest.get(stix_id)
        if previous is not None:
            pk, modified, old_body = previous
            if old_body == body or modified > version(obj):
                continue
            if modified == version(obj):  # new content, same timestamp (a renamed state, say)
                obj = {**obj, "modified": _after(modified)}
                body = serialize(obj)
            superseded.append(pk)
        additions.append(
            StixObject(
                stix_id=stix_id,
                type=obj["type"],
                spec_version=obj.get("spec_version", stix.SPEC_VERSION),
                modified=version(obj),
                is_first=previous is None,
                measure_id=measure_id,
                technology_id=technology_id,
                body=body,
            )
        )
    for pk, stix_id, old_body, (measure_id, _) in gone:
        obj = json.loads(old_body)
        if obj.get("revoked"):
            continue
        obj.update(revoked=True, modified=_after(obj["modified"]))
        superseded.append(pk)
        additions.append(
            StixObject(
                stix_id=stix_id,
                type=obj["type"],
                spec_version=obj.get("spec_version", stix.SPEC_VERSION),
                modified=obj["modified"],
                is_first=False,
                measure_id=measure_id,
                body=serialize(obj),
            )
        )
    if not additions:
        return 0
    state = _lock_state()
    now = timezone.now()
    added = max(now, state.last_added + timedelta(microseconds=1)) if state.last_added else now
    for ids in _chunks(superseded):
        StixObject.objects.filter(pk__in=ids).update(is_latest=False)
    for row in additions:
        row.date_added = added
    StixObject.objects.bulk_create(additions, batch_size=500)
    state.last_added = added
    state.save(update_fields=["last_added"])
    return len(additions)


def _project(pending: list[tuple[str, int]]) -> int:
    measures = sorted({pk for kind, pk in pending if kind == PendingProjection.Kind.MEASURE})
    technologies = sorted({pk for kind, pk in pending if kind == PendingProjection.Kind.TECHNOLOGY})

    def objects() -> Iterator[tuple[dict[str, Any], Source]]:
        yield from ((obj, (None, None)) for obj in _reference_objects(Threat.objects.select_related("parent")))
        yield from _technology_objects(technologies)
        yield from _measure_objects(measures)

    exportable = set(Measure.objects.exportable().filter(pk__in=measures).values_list("pk", flat=True))
    # a record that left every audience keeps its objects (the join hides them); only a record still
    # served has links revoked
    return store(objects(), sources=[(pk, None) for pk in measures if pk in exportable])


def refresh_steps() -> Iterator[int]:
    """Project the queued records a batch at a time, one transaction each; yield the versions each added."""
    while True:
        with transaction.atomic():
            _lock_state()  # one refresher at a time; the others wait, then find the queue emptied
            batch = list(PendingProjection.objects.order_by("pk").values_list("pk", "kind", "record_id")[:BATCH])
            if not batch:
                return
            added = _project([(kind, record_id) for _, kind, record_id in batch])
            for ids in _chunks([pk for pk, _, _ in batch]):
                PendingProjection.objects.filter(pk__in=ids).delete()
        yield added


def refresh() -> int:
    """Project every record changed since the last refresh. Cheap when nothing changed (one query)."""
    if not PendingProjection.objects.exists():
        return 0
    return sum(refresh_steps())


def enqueue_all() -> int:
    """Queue every exportable record for projection (after a bulk load that bypassed the services)."""
    rows = [
        PendingProjection(kind=PendingProjection.Kind.TECHNOLOGY, record_id=pk)
        for pk in Technology.objects.exportable().values_list("pk", flat=True)
    ]
    PendingProjection.objects.bulk_create(rows, batch_size=2000)
    count = len(rows)
    ids = Measure.objects.exportable().order_by("pk").values_list("pk", flat=True)
    batch: list[PendingProjection] = []
    for pk in ids.iterator(chunk_size=5000):
        batch.append(PendingProjection(kind=PendingProjection.Kind.MEASURE, record_id=pk))
        if len(batch) == 5000:
            PendingProjection.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    PendingProjection.objects.bulk_create(batch)
    return count + len(batch)


def pending(kind: str, record_ids: Iterable[int]) -> None:
    """Note records whose STIX objects must be brought up to date (called in the change's transaction)."""
    PendingProjection.objects.bulk_create([PendingProjection(kind=kind, record_id=pk) for pk in record_ids])
