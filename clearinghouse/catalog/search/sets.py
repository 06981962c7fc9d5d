"""The catalogue state searches are computed at, and exact facet counts over any set of measures.

``current_state`` reads the catalogue's state (``SearchState``: a generation token, a change counter and the
versions of the reference records measures are grouped by) and ``changes_since`` the measures changed
between two states (``SearchChange``): the Tantivy index (``engine``) is brought up to date from them.
``facet_counts`` counts, for any queryset of measures (the reports' figures, the country statistics), how
many have each facet value: the ids it holds (``allowed``, from the visibility rule and filters run as SQL)
intersected with each value's set, read from the facet postings (``postings``). Both sets are cached in the
process with the state they were computed at; when the counter has moved, a cached set is brought up to
date from the measures changed since rather than recomputed; a new generation, or too many changes,
rebuilds it. Counts are never computed from a stale set.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from pyroaring import BitMap

from clearinghouse.catalog.models import Measure, MeasureSearchDocument, SearchChange, SearchState
from clearinghouse.catalog.search import indexing, postings

#: Cached sets are patched when at most this many measures changed since; else recomputed.
PATCH_LIMIT = 5000


@dataclass(frozen=True)
class State:
    token: str
    seq: int
    stamp: str
    #: changes to how facet values and threats are named (labels, synonyms): not part of what is indexed
    labels: str = field(default="", compare=False)
    #: the latest audited change to each kind of reference record (part of ``token``)
    references: str = field(default="", compare=False)


class LRU:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: Hashable, value: Any) -> Any:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_allowed = LRU(256)
_indexes = LRU(2)
_changes = LRU(64)


#: The state row's columns (named as its fields), as ``State`` is made of them.
_COLUMNS = (
    "token",
    "seq",
    "stamp",
    *indexing.REFERENCE_VERSIONS.values(),
    "labels_version",
)
_state_sql: dict[str, str] = {}


def _state_query() -> str:
    """The state row's read by its key, written once per database vendor. It takes no parameter, so the
    driver sends it as it is rather than rewriting it for one (8–10 µs less for each search)."""
    found = _state_sql.get(connection.vendor)
    if found is None:
        quote = connection.ops.quote_name
        columns, table = ", ".join(quote(name) for name in _COLUMNS), quote(SearchState._meta.db_table)
        found = _state_sql[connection.vendor] = f"SELECT {columns} FROM {table} WHERE {quote('id')} = 1"  # noqa: S608
    return found


def current_state() -> State:
    """The catalogue's state; without a state row (a flushed test database) a new generation each time.

    One row read by its key: the measures' change counter and the versions of the reference records (each
    written by the change that moves it, ``indexing.reference_changed``)."""
    with connection.cursor() as cursor:
        cursor.execute(_state_query())
        row = cursor.fetchone()
    if row is None:
        return State(uuid.uuid4().hex, 0, uuid.uuid4().hex)
    token, seq, stamp, *latest, labels = row
    references = ":".join(str(r) for r in latest)
    grouping = f"{token}:{references}"
    return State(grouping, seq, stamp, labels=f"{grouping}:{labels}", references=references)


def changes_since(state: State, base: State) -> BitMap | None:
    """The measures changed between ``base`` and ``state``, or None when a patch would not do.

    ``base`` must be a committed state of the same generation: its change is still logged with its
    stamp (a state seen in a transaction later rolled back never is).
    """
    if base.token != state.token or base.seq >= state.seq:
        return None
    key = (state, base)
    found = _changes.get(key)
    if found is not None:
        return found[0]
    changed: BitMap | None = None
    if SearchChange.objects.filter(seq=base.seq, stamp=base.stamp).exists():
        rows = SearchChange.objects.filter(seq__gt=base.seq, seq__lte=state.seq).values_list("measure_id", flat=True)
        ids = list(rows.distinct()[: PATCH_LIMIT + 1])
        if len(ids) <= PATCH_LIMIT and indexing.GENERATION_MARK not in ids:
            changed = BitMap(ids)
    _changes.put(key, (changed,))
    return changed


@dataclass
class _Entry:
    state: State
    value: Any


def _cached(
    cache: LRU,
    key: Hashable,
    state: State,
    compute: Callable[[], Any],
    patch: Callable[[Any, BitMap], Any] | None = None,
) -> Any:
    """The value for ``key`` at ``state``: cached, patched from an older state of the same generation, or computed."""
    entry: _Entry | None = cache.get(key)
    if entry is not None and entry.state == state:
        return entry.value
    value = None
    if entry is not None and patch is not None:
        changed = changes_since(state, entry.state)
        if changed is not None:
            value = patch(entry.value, changed)
    if value is None:
        value = compute()
    cache.put(key, _Entry(state, value))
    return value


def allowed(state: State, filtered: QuerySet[Measure]) -> BitMap:
    """Ids of ``filtered`` (already limited by ``visible_to`` and the filters), cached by its SQL."""
    sql, params = filtered.values_list("pk", flat=True).query.sql_with_params()

    def compute() -> BitMap:
        return BitMap(filtered.values_list("pk", flat=True).order_by().iterator(chunk_size=20000))

    def patch(old: BitMap, changed: BitMap) -> BitMap:
        still = filtered.filter(pk__in=list(changed)).values_list("pk", flat=True).order_by()
        return (old - changed) | BitMap(still)

    return _cached(_allowed, (sql, tuple(params)), state, compute, patch)


class FacetIndex:
    """For each facet, each value's set of measure ids (values as the page and API name them)."""

    def __init__(self, stored: dict[str, dict[str, BitMap]]) -> None:
        #: facets as filed in the postings, values by database id where the record has one
        self.stored = stored
        self.sets: dict[str, dict[str, BitMap]] = {}
        self._derive()

    @classmethod
    def build(cls) -> FacetIndex:
        return cls(postings.stored_facets())

    def _derive(self) -> None:
        from clearinghouse.catalog.models import Pillar, Threat
        from clearinghouse.countries.models import DevelopmentGroup, MemberState

        stored = self.stored
        sets: dict[str, dict[str, BitMap]] = {
            name: dict(stored.get(name, {})) for name in ("status", "language", "year")
        }
        pillars = dict(Pillar.objects.values_list("pk", "slug"))
        sets["pillar"] = {pillars[int(pk)]: ids for pk, ids in stored.get("pillar", {}).items() if int(pk) in pillars}
        states = {
            pk: (alpha2, region) for pk, alpha2, region in MemberState.objects.values_list("pk", "alpha2", "bdt_region")
        }
        countries: dict[str, BitMap] = {}
        regions: dict[str, BitMap] = defaultdict(BitMap)
        for pk, ids in stored.get("country", {}).items():
            if int(pk) in states:
                alpha2, region = states[int(pk)]
                countries[alpha2] = ids
                regions[region] |= ids
        sets["country"] = countries
        sets["region"] = dict(regions)
        groups: dict[str, BitMap] = defaultdict(BitMap)
        for code, alpha2 in DevelopmentGroup.objects.values_list("code", "members__alpha2"):
            if alpha2 in countries:
                groups[code] |= countries[alpha2]
        sets["group"] = dict(groups)
        threats = {pk: (slug, parent) for pk, slug, parent in Threat.objects.values_list("pk", "slug", "parent__slug")}
        by_threat: dict[str, BitMap] = defaultdict(BitMap)
        for pk, ids in stored.get("threat", {}).items():
            if int(pk) in threats:
                slug, parent = threats[int(pk)]
                by_threat[slug] |= ids
                if parent:
                    by_threat[parent] |= ids
        sets["threat"] = dict(by_threat)
        self.sets = sets

    def patched(self, changed: BitMap) -> FacetIndex:
        """A copy with the changed measures re-read from their stored facet terms (this one is left as it was)."""
        stored: dict[str, dict[str, BitMap]] = {}
        for name, values in self.stored.items():
            stored[name] = {value: (ids - changed if ids.intersect(changed) else ids) for value, ids in values.items()}
        rows = MeasureSearchDocument.objects.filter(measure_id__in=list(changed)).values_list("measure_id", "facets")
        for pk, facets in rows:
            for term in facets.split():
                name, value = postings.parse_facet_term(term.encode())
                values = stored.setdefault(name, {})
                values[value] = BitMap(values.get(value, BitMap()))
                values[value].add(pk)
        return FacetIndex(stored)


def facet_index(state: State) -> FacetIndex:
    return _cached(_indexes, "facets", state, FacetIndex.build, lambda old, changed: old.patched(changed))


def counts(index: FacetIndex, result: BitMap) -> dict[str, dict[str, int]]:
    """For each facet value, how many of ``result`` have it (zero counts left out)."""
    out: dict[str, dict[str, int]] = {}
    for name, values in index.sets.items():
        out[name] = {}
        for value, ids in values.items():
            n = result.intersection_cardinality(ids)
            if n:
                out[name][value] = n
    return out


def reset() -> None:
    """Forget every cached set (tests and benchmarks that swap databases)."""
    for cache in (_allowed, _indexes, _changes):
        cache.clear()


def facet_counts(measures: QuerySet[Measure]) -> tuple[int, dict[str, dict[str, int]]]:
    """How many ``measures`` there are, and for each facet value (pillar, threat and family, BDT region,
    development group, Member State, language, status, year) how many have it: exact, from the cached
    bitmaps, so counting a million measures costs one scan for their ids."""
    state = current_state()
    ids = allowed(state, measures)
    return len(ids), counts(facet_index(state), ids)
