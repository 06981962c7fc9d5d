"""Exact search counts over a large catalogue: match, visibility and facet sets as compressed bitmaps.

A search intersects three sets of measure ids: those matching the words (from the search engine),
those the user may see after the filters (from the visibility rule, ``visible_to``, run as SQL), and,
for each facet value, those having it. Each set is a roaring bitmap cached in the process and keyed by
the catalogue's state token (``SearchState``), which every change to searchable data replaces, so
counts are never computed from a stale set. Relevance is BM25 over a bounded set of candidates.
"""

from __future__ import annotations

import math
import threading
import uuid
from array import array
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Iterable
from typing import Any

from django.db.models import F, QuerySet
from pyroaring import BitMap

from clearinghouse.catalog import search
from clearinghouse.catalog.models import Measure, MeasureSearchDocument, MeasureTranslation, SearchState
from clearinghouse.catalog.textsearch import ParsedQuery

#: Relevance is computed exactly when the matches are fewer; above, over the newest this many.
RANK_CANDIDATES = 1000
#: Below this many results, "newest" sorts them in SQL; above, it walks the cached publication order.
SMALL_RESULT = 5000


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


def current_token() -> str:
    """The catalogue's state token; without a state row (a flushed test database) a new one each time."""
    return SearchState.objects.filter(pk=1).values_list("token", flat=True).first() or uuid.uuid4().hex


def matches(token: str, query: ParsedQuery) -> BitMap:
    """Ids matching every phrase of the query."""
    result: BitMap | None = None
    for phrase in query.phrases:
        phrase_ids = phrase_matches(token, tuple(phrase))
        result = BitMap(phrase_ids) if result is None else result & phrase_ids
    return result if result is not None else BitMap()


def phrase_matches(token: str, phrase: tuple[str, ...]) -> BitMap:
    key = (token, phrase)
    found = _matches.get(key)
    if found is None:
        found = _matches.put(key, BitMap(search.matching_ids(ParsedQuery([list(phrase)]))))
    return found


def allowed(token: str, filtered: QuerySet[Measure]) -> BitMap:
    """Ids of ``filtered`` (already limited by ``visible_to`` and the filters), cached by its SQL."""
    sql, params = filtered.values_list("pk", flat=True).query.sql_with_params()
    key = (token, sql, tuple(params))
    found = _allowed.get(key)
    if found is None:
        found = _allowed.put(key, BitMap(filtered.values_list("pk", flat=True).order_by().iterator(chunk_size=20000)))
    return found


class FacetIndex:
    """For each facet, each value's set of measure ids; and all ids in publication order."""

    def __init__(self) -> None:
        self.sets: dict[str, dict[str, BitMap]] = {}
        self._order: array[int] | None = None
        self.lock = threading.Lock()
        self.total = 0

    @classmethod
    def build(cls) -> FacetIndex:
        from clearinghouse.catalog.models import Threat
        from clearinghouse.countries.models import DevelopmentGroup

        lists: dict[str, dict[Any, list[int]]] = defaultdict(lambda: defaultdict(list))
        rows = Measure.objects.order_by().values_list(
            "id", "pillar__slug", "status", "since_year", "language", "owner_state__alpha2", "owner_state__bdt_region"
        )
        total = 0
        for pk, pillar, status, year, language, alpha2, region in rows.iterator(chunk_size=20000):
            total += 1
            lists["pillar"][pillar].append(pk)
            lists["status"][status].append(pk)
            lists["language"][language].append(pk)
            if year is not None:
                lists["year"][str(year)].append(pk)
            if alpha2 is not None:
                lists["country"][alpha2].append(pk)
                lists["region"][region].append(pk)
        for pk, language in MeasureTranslation.objects.order_by().values_list("measure_id", "language").iterator():
            lists["language"][language].append(pk)
        parents = dict(Threat.objects.values_list("id", "parent__slug"))
        slugs = dict(Threat.objects.values_list("id", "slug"))
        through = Measure.threats.through.objects.order_by().values_list("measure_id", "threat_id")
        for pk, threat_id in through.iterator(chunk_size=20000):
            lists["threat"][slugs[threat_id]].append(pk)
            if parents.get(threat_id):
                lists["threat"][parents[threat_id]].append(pk)
        index = cls()
        index.total = total
        index.sets = {name: {value: BitMap(ids) for value, ids in values.items()} for name, values in lists.items()}
        countries = index.sets.get("country", {})
        groups: dict[str, BitMap] = defaultdict(BitMap)
        for code, alpha2 in DevelopmentGroup.objects.values_list("code", "members__alpha2"):
            if alpha2 in countries:
                groups[code] |= countries[alpha2]
        index.sets["group"] = dict(groups)
        return index

    def publication_order(self) -> array[int]:
        """All ids, the most recently published first (then the unpublished, newest first)."""
        with self.lock:
            if self._order is None:
                ordered = Measure.objects.order_by(F("published_at").desc(nulls_last=True), "-id")
                self._order = array("q", ordered.values_list("pk", flat=True).iterator(chunk_size=20000))
            return self._order


def facet_index(token: str) -> FacetIndex:
    found = _indexes.get(token)
    if found is None:
        found = _indexes.put(token, FacetIndex.build())
    return found


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


def newest(index: FacetIndex, result: BitMap, offset: int, limit: int) -> list[int]:
    """A page of ``result``, the most recently published first."""
    if len(result) <= SMALL_RESULT:
        rows = Measure.objects.filter(pk__in=list(result)).order_by(F("published_at").desc(nulls_last=True), "-id")
        return list(rows.values_list("pk", flat=True)[offset : offset + limit])
    page: list[int] = []
    skipped = 0
    for pk in index.publication_order():
        if pk in result:
            if skipped < offset:
                skipped += 1
                continue
            page.append(pk)
            if len(page) == limit:
                break
    return page


def _term_frequency(tokens: list[str], phrase: tuple[str, ...]) -> int:
    if len(phrase) == 1:
        prefix = phrase[0]
        return sum(1 for token in tokens if token.startswith(prefix))
    n = len(phrase)
    return sum(1 for i in range(len(tokens) - n + 1) if tuple(tokens[i : i + n]) == phrase)


def ranked(token: str, index: FacetIndex, query: ParsedQuery, result: BitMap, offset: int, limit: int) -> list[int]:
    """A page of ``result`` by BM25 relevance (k1 = 1.2, b = 0.75).

    Exact when the result holds at most ``RANK_CANDIDATES`` measures; above that, the newest
    ``RANK_CANDIDATES`` are ranked and the rest follow, newest first.
    """
    candidates = result if len(result) <= RANK_CANDIDATES else result[len(result) - RANK_CANDIDATES :]
    key = (
        token,
        tuple(tuple(p) for p in query.phrases),
        len(result),
        candidates.min() if candidates else 0,
        candidates.max() if candidates else 0,
        hash(candidates.serialize()),
    )
    ordered = _rankings.get(key)
    if ordered is None:
        ordered = _rankings.put(key, _bm25_order(token, index, query, candidates))
    page = ordered[offset : offset + limit]
    missing = limit - len(page)
    if missing > 0 and len(result) > RANK_CANDIDATES:
        remainder = result[: len(result) - RANK_CANDIDATES]  # the older matches, newest first after the ranked
        high = len(remainder) - max(0, offset - len(ordered))
        low = max(0, high - missing)
        if high > 0:
            page += list(reversed(list(remainder[low:high])))
    return page


def _bm25_order(token: str, index: FacetIndex, query: ParsedQuery, candidates: BitMap) -> list[int]:
    texts: Iterable[tuple[int, str]] = MeasureSearchDocument.objects.filter(
        measure_id__in=list(candidates)
    ).values_list("measure_id", "text")
    documents = {pk: text.split() for pk, text in texts}
    if not documents:
        return []
    average = sum(len(tokens) for tokens in documents.values()) / len(documents)
    total = max(index.total, 1)
    phrases = [tuple(phrase) for phrase in query.phrases]
    idf = {}
    for phrase in phrases:
        df = len(phrase_matches(token, phrase))
        idf[phrase] = math.log(1 + (total - df + 0.5) / (df + 0.5))
    scores = []
    for pk, tokens in documents.items():
        score = 0.0
        norm = 1.2 * (0.25 + 0.75 * len(tokens) / average)
        for phrase in phrases:
            tf = _term_frequency(tokens, phrase)
            score += idf[phrase] * tf * 2.2 / (tf + norm)
        scores.append((-score, -pk))
    return [-negative_pk for _score, negative_pk in sorted(scores)]


def reset() -> None:
    """Forget every cached set (tests and benchmarks that swap databases)."""
    for cache in (_matches, _allowed, _indexes, _rankings):
        cache.clear()
