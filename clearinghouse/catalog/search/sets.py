"""Exact search counts over a large catalogue: match, visibility and facet sets as compressed bitmaps.

A search intersects three sets of measure ids: those matching the words, those the user may see after
the filters (from the visibility rule, ``visible_to``, run as SQL), and, for each facet value, those
having it. Word and facet sets are read from the catalogue's own inverted index (``postings``);
phrases are asked of the full-text engine. Each set is cached in the process with the catalogue
state it was computed at (``SearchState``: a generation token and a change counter). When the counter
has moved, a cached set is brought up to date from the measures changed since (``SearchChange``)
rather than recomputed; a new generation, or too many changes, rebuilds it. Counts are never
computed from a stale set. Relevance is BM25 over a bounded set of candidates.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet, Subquery
from pyroaring import BitMap

from clearinghouse.catalog.models import Measure, MeasureSearchDocument, SearchChange, SearchState
from clearinghouse.catalog.search import analysis, indexing, postings
from clearinghouse.catalog.search.text import PREFIX_MIN, ParsedQuery, characters, count, is_cjk

#: Relevance is computed exactly when the matches are fewer; above, over the newest this many.
RANK_CANDIDATES = 1000
#: Below this many results, "newest" sorts them in SQL; above, it walks the publication-date index.
SMALL_RESULT = 5000
#: Cached sets are patched when at most this many measures changed since; else recomputed.
PATCH_LIMIT = 5000


@dataclass(frozen=True)
class State:
    token: str
    seq: int
    stamp: str
    #: changes to how facet values and threats are named (labels, synonyms): not part of what is indexed
    labels: str = field(default="", compare=False)


class _LRU:
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


_matches = _LRU(512)
_allowed = _LRU(256)
_indexes = _LRU(2)
_rankings = _LRU(256)
_changes = _LRU(64)


#: Records whose change alters how measures are grouped into facets (a threat's family, a state's
#: region or groups, a pillar's slug): the latest audited change to any of them is part of the generation.
REFERENCE_TYPES = ("countries.memberstate", "countries.developmentgroup", "catalog.threat", "catalog.pillar")
#: Audited changes to those records that leave the grouping alone: they rename, or add words to search by.
NAMING_ACTIONS = (
    "threat.renamed",
    "pillar.renamed",
    "threat.synonym_added",
    "threat.synonym_removed",
    "memberstate.profile_updated",
)


_state_sql: dict[str, tuple[str, tuple[Any, ...]]] = {}


def _state_query() -> tuple[str, tuple[Any, ...]]:
    """The state row and the latest audited change of each reference type, as SQL compiled once per
    database vendor (compiling it each time cost more than running it)."""
    from clearinghouse.core.models import AuditEvent

    found = _state_sql.get(connection.vendor)
    if found is None:
        events = AuditEvent.objects.order_by("-id").values("id")
        latest = [
            Subquery(events.filter(object_type=kind).exclude(action__in=NAMING_ACTIONS)[:1]) for kind in REFERENCE_TYPES
        ]
        latest.append(Subquery(events.filter(object_type__in=REFERENCE_TYPES)[:1]))  # any change, renaming too
        query = (
            SearchState.objects.filter(pk=1)
            .annotate(**{f"reference_{n}": q for n, q in enumerate(latest)})
            .values_list("token", "seq", "stamp", *(f"reference_{n}" for n in range(len(latest))))[:1]
        )
        sql, params = query.query.sql_with_params()
        found = _state_sql[connection.vendor] = (sql, tuple(params))
    return found


def current_state() -> State:
    """The catalogue's state; without a state row (a flushed test database) a new generation each time."""
    sql, params = _state_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return State(uuid.uuid4().hex, 0, uuid.uuid4().hex)
    token, seq, stamp, *references, named = row
    grouping = f"{token}:{':'.join(str(r or 0) for r in references)}"
    return State(grouping, seq, stamp, labels=f"{grouping}:{named or 0}")


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
    cache: _LRU,
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


def matches(state: State, query: ParsedQuery) -> BitMap:
    """Ids matching every phrase of the query."""
    result: BitMap | None = None
    for phrase in query.phrases:
        phrase_ids = phrase_matches(state, tuple(phrase))
        result = BitMap(phrase_ids) if result is None else result & phrase_ids
    return result if result is not None else BitMap()


def phrase_matches(state: State, phrase: tuple[str, ...]) -> BitMap:
    """A word matches itself, its other forms and, when long, the words it starts (from the postings);
    a phrase is asked of the full-text engine, and so is a Chinese word the segmenter did not file."""
    if len(phrase) == 1:

        def word() -> BitMap:
            terms = [
                postings.word_term(phrase[0]),
                *(form.encode() for form in sorted(analysis.query_forms(phrase[0]))),
            ]
            found = postings.ids_for_any(terms)
            if len(phrase[0]) >= PREFIX_MIN and not is_cjk(phrase[0][:1]):
                found |= postings.ids_with_prefix(postings.word_term(phrase[0]))
            if not found and is_cjk(phrase[0][:1]) and len(phrase[0]) > 1:
                found = BitMap(indexing.matching_ids(ParsedQuery([characters(list(phrase))])))
            return found

        return _cached(_matches, phrase, state, word)

    def engine(only: BitMap | None = None) -> BitMap:
        return BitMap(indexing.matching_ids(ParsedQuery([list(phrase)]), only=None if only is None else list(only)))

    def patch(old: BitMap, changed: BitMap) -> BitMap:
        return (old - changed) | engine(changed)

    return _cached(_matches, phrase, state, engine, patch)


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


def newest(result: BitMap, offset: int, limit: int) -> list[int]:
    """A page of ``result``, the most recently published first (then the unpublished, newest first)."""
    if len(result) <= SMALL_RESULT:
        rows = Measure.objects.filter(pk__in=list(result)).order_by("-published_at", "-id")
        published = list(rows.filter(published_at__isnull=False).values_list("pk", flat=True)[: offset + limit])
        if len(published) < offset + limit:
            unpublished = rows.filter(published_at__isnull=True).order_by("-id").values_list("pk", flat=True)
            published += list(unpublished[: offset + limit - len(published)])
        return published[offset : offset + limit]
    # A large result is dense in the catalogue: walking the (published_at, id) index from the newest
    # reaches a page after reading about (offset + limit) / density rows.
    page: list[int] = []
    wanted = offset + limit
    walks = [
        Measure.objects.filter(published_at__isnull=False).order_by("-published_at", "-id"),
        Measure.objects.filter(published_at__isnull=True).order_by("-id"),
    ]
    for walk in walks:
        for pk in walk.values_list("pk", flat=True).iterator(chunk_size=2000):
            if pk in result:
                page.append(pk)
                if len(page) == wanted:
                    return page[offset:]
    return page[offset:]


def ranked(state: State, query: ParsedQuery, result: BitMap, offset: int, limit: int) -> list[int]:
    """A page of ``result`` by BM25 relevance (k1 = 1.2, b = 0.75).

    Exact when the result holds at most ``RANK_CANDIDATES`` measures; above that, the newest
    ``RANK_CANDIDATES`` are ranked and the rest follow, newest first.
    """
    candidates = result if len(result) <= RANK_CANDIDATES else result[len(result) - RANK_CANDIDATES :]
    key = (
        tuple(tuple(p) for p in query.phrases),
        len(result),
        candidates.min() if candidates else 0,
        candidates.max() if candidates else 0,
        hash(candidates.serialize()),
    )
    ordered = _cached(_rankings, key, state, lambda: _bm25_order(state, query, candidates))
    page = ordered[offset : offset + limit]
    missing = limit - len(page)
    if missing > 0 and len(result) > RANK_CANDIDATES:
        remainder = result[: len(result) - RANK_CANDIDATES]  # the older matches, newest first after the ranked
        high = len(remainder) - max(0, offset - len(ordered))
        low = max(0, high - missing)
        if high > 0:
            page += list(reversed(list(remainder[low:high])))
    return page


def _bm25_order(state: State, query: ParsedQuery, candidates: BitMap) -> list[int]:
    ids = list(candidates)
    if not ids:
        return []
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT measure_id, text FROM catalog_measuresearchdocument WHERE measure_id IN ({marks})",  # noqa: S608
            ids,
        )
        # Documents are words separated by single spaces: with a space around, " word" starts a word.
        documents = {pk: f" {text} " for pk, text in cursor.fetchall()}
    if not documents:
        return []
    lengths = {pk: text.count(" ") - 1 for pk, text in documents.items()}
    average = sum(lengths.values()) / len(lengths)
    total = max(_catalogue_size(state), 1)
    weights = []
    for phrase in query.phrases:
        df = len(phrase_matches(state, tuple(phrase)))
        weights.append((phrase, math.log(1 + (total - df + 0.5) / (df + 0.5))))
    scores = []
    for pk, text in documents.items():
        score = 0.0
        norm = 1.2 * (0.25 + 0.75 * lengths[pk] / average)
        for phrase, idf in weights:
            # a word is counted in its forms; a phrase as whole words
            tf = count(text, phrase)
            score += idf * tf * 2.2 / (tf + norm)
        scores.append((-score, -pk))
    return [-negative_pk for _score, negative_pk in sorted(scores)]


def _catalogue_size(state: State) -> int:
    index = facet_index(state)
    return sum(len(ids) for ids in index.sets.get("status", {}).values())


def reset() -> None:
    """Forget every cached set (tests and benchmarks that swap databases)."""
    for cache in (_matches, _allowed, _indexes, _rankings, _changes):
        cache.clear()


def facet_counts(measures: QuerySet[Measure]) -> tuple[int, dict[str, dict[str, int]]]:
    """How many ``measures`` there are, and for each facet value (pillar, threat and family, BDT region,
    development group, Member State, language, status, year) how many have it: exact, from the cached
    bitmaps, so counting a million measures costs one scan for their ids."""
    state = current_state()
    ids = allowed(state, measures)
    return len(ids), counts(facet_index(state), ids)


def matching_set(query: ParsedQuery) -> BitMap:
    """Every measure matching the query, visible or not (callers intersect with what the reader may see)."""
    return matches(current_state(), query)
