"""The search index: Tantivy, one per machine and database, rebuilt from the database and kept current
from its change log.

Each measure is one Tantivy document: its words (folded, with positions, for phrases), their other
forms (``analysis``), the facet values it is filed under (slugs and codes as the filters name them)
and the audiences that may see it (``core.visibility.record_audiences``, the access rule evaluated per
record). A search is one Tantivy query: the words, AND the filters, AND the reader's audiences; Tantivy
ranks every match by BM25, counts them and counts the facet values over them.

The database stays the truth. The index records the catalogue state it holds (``SearchState``: a
generation token, a change counter and its stamp); before each search, a process reads the state and,
when the counter has moved, re-indexes the measures changed since (``SearchChange``); a new
generation, a lost change or too many changes rebuild the index. A bulk writer (``generate_catalog``) adds
its measures to the index as it commits them instead (``Engine.appending``). Processes of one machine share
the index on disk and take turns through a file lock. With ``SEARCH_INDEX_DIR`` empty (the tests), each
process keeps its index in memory, rebuilt from the database it is given.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tantivy
from django.conf import settings
from django.db import connection

from clearinghouse.catalog.search import analysis, indexing, sets, threats
from clearinghouse.catalog.search.documents import (
    COUNTED,
    COUNTED_TOGETHER,
    FACETS,
    LAYOUT,
    SCHEMA,
    TALLIED_ONLY,
    References,
    tantivy_document,
    tantivy_documents,
    words_analyzer,
)
from clearinghouse.catalog.search.sets import State
from clearinghouse.catalog.search.text import PREFIX_MIN, ParsedQuery, characters, is_cjk
from clearinghouse.core.progress import progress_bar
from clearinghouse.core.visibility import Sharing, viewer_audiences

#: Measures read from the database per batch when (re)indexing.
BATCH = 2000
#: The writer's memory (Tantivy flushes a segment when it is full), in a web worker that brings the index up to
#: date before a search.
WRITER_HEAP = 64_000_000
#: The writer's memory when a command builds the index (``rebuild_search_index``, ``generate_catalog``): fewer,
#: larger segments, and each facet count costs a few µs per segment (at 1,000,000 measures: 5 segments
#: instead of 9, the rare term's search step 0.1 ms faster; bench/search_engine.py).
COMMAND_WRITER_HEAP = 256_000_000
#: Above this many changed measures, rebuilding costs less than re-indexing each.
PATCH_LIMIT = sets.PATCH_LIMIT
#: Facet values counted per facet (more than any facet has: counts are exact).
FACET_SIZE = 10_000
#: Up to this many matches, the facets are counted in one aggregation over the ``counted`` column; above, one
#: per facet (faster over many matches: bench/search_engine.py).
ONE_AGGREGATION_UP_TO = 2_000
#: How much a word's other forms weigh beside the word as typed, where the index has it: enough to find
#: "phished" for "phishing", little enough that the word itself is ranked as BM25 ranks it (at a million
#: measures the top 20 shares 16–20 of 20 with an exhaustive BM25 of the word with 0.2, 15 with 1: bench/).
FORMS_WEIGHT = 0.2


class Engine:
    """One process's handle on the index (on disk, shared by the machine's processes, or in memory)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.index: tantivy.Index | None = None
        self.state: State | None = None

    # -- opening and the state the index holds ------------------------------------------------------

    def _open(self, *, fresh: bool) -> tantivy.Index:
        if self.path is None:
            index = tantivy.Index(SCHEMA)
        else:
            directory = self.path / "index"
            if fresh and directory.exists():
                shutil.rmtree(directory)
            directory.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(SCHEMA, path=str(directory), reuse=not fresh)
        index.register_tokenizer("words", words_analyzer())
        return index

    def _saved_state(self) -> State | None:
        if self.path is None:
            return self.state if self.index is not None else None
        try:
            saved = json.loads((self.path / "state.json").read_text())
        except (OSError, ValueError):
            return None
        if saved.get("layout") != LAYOUT:
            return None
        return State(saved["token"], saved["seq"], saved["stamp"])

    def _forget_state(self) -> None:
        """The index records no state: the next search rebuilds it (unless a state is saved before)."""
        self.state = None
        if self.path is not None:
            (self.path / "state.json").unlink(missing_ok=True)

    def _save_state(self, state: State) -> None:
        self.state = state
        if self.path is not None:
            temporary = self.path / "state.json.new"
            temporary.write_text(
                json.dumps({"layout": LAYOUT, "token": state.token, "seq": state.seq, "stamp": state.stamp})
            )
            temporary.replace(self.path / "state.json")

    @contextmanager
    def _machine_lock(self) -> Iterator[None]:
        """One process of the machine writes at a time (the others wait, then find the work done)."""
        if self.path is None:
            yield
            return
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / "writing.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- keeping current ----------------------------------------------------------------------------

    def current(self, state: State, *, stream: Any = None) -> tantivy.Index:
        """The index as of ``state`` (brought up to date first if it is behind)."""
        with self.lock:
            if self.index is not None and self.state == state:
                return self.index
            with self._machine_lock():
                self._catch_up(state, stream=stream)
            index = self.index
            if index is None:  # (opened or rebuilt above)
                raise RuntimeError("The search index could not be opened.")
            index.reload()
            return index

    def _catch_up(self, state: State, *, stream: Any = None) -> None:
        """Brings the index to ``state`` and opens it (the machine's lock held)."""
        saved = self._saved_state()
        if saved != state:
            changed = sets.changes_since(state, saved) if saved is not None else None
            if changed is None or saved is None:
                self._rebuild(state, stream=stream)
            else:
                self._patch(state, list(changed))
            self._save_state(state)
        elif self.index is None:
            self.index = self._open(fresh=False)
        self.state = state

    @contextmanager
    def appending(self) -> Iterator[Appending]:
        """Adds new measures to the index as the transactions writing them commit (see :class:`Appending`).

        The index is first brought up to date; while measures are added, it records no state (a process that
        stops half-way leaves an index that the next search rebuilds), and the machine's other processes
        wait to search. At the end it is committed and records the catalogue's state, when that state is
        the one it started from plus the changes logged by the batches added, and nothing else.
        """
        indexing.start_log()
        with self.lock, self._machine_lock():
            start = sets.current_state()
            self._catch_up(start)
            self._forget_state()
            if self.index is None:
                raise RuntimeError("The search index could not be opened.")
            writer = self.index.writer(heap_size=COMMAND_WRITER_HEAP, num_threads=1)
            appending = Appending(writer, start, _references_of(start))
            try:
                yield appending
            except BaseException:
                writer.rollback()
                raise
            writer.commit()
            writer.wait_merging_threads()
            self.index.reload()
            end = sets.current_state()
            if appending.reaches(end):
                self._save_state(end)

    def _rebuild(self, state: State, *, stream: Any = None, heap: int = WRITER_HEAP) -> None:
        from clearinghouse.catalog.models import Measure

        self.index = self._open(fresh=True)
        writer = self.index.writer(heap_size=heap, num_threads=1)
        references = References.read()
        ids = Measure.objects.order_by("pk").values_list("pk", flat=True)
        batches: Iterable[list[int]] = _batched(ids.iterator(chunk_size=BATCH), BATCH)
        if stream is not None:
            batches = progress_bar(batches, label="Search index", total=-(-ids.count() // BATCH), stream=stream)
        for batch in batches:
            for _pk, document in tantivy_documents(batch, references):
                writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()

    def _patch(self, state: State, changed: list[int]) -> None:
        if self.index is None:
            self.index = self._open(fresh=False)
        writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        references = _references_of(state)
        for start in range(0, len(changed), BATCH):
            batch = changed[start : start + BATCH]
            # (by a query: tantivy-py's delete_documents_by_term deletes nothing on an unsigned field)
            writer.delete_documents_by_query(tantivy.Query.term_set_query(SCHEMA, "id", list[Any](batch)))
            for _pk, document in tantivy_documents(batch, references):
                writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()

    def reset(self) -> None:
        with self.lock:
            self.index = None
            self.state = None


class Appending:
    """New measures added to the index, batch by batch, each after the transaction that wrote it committed
    (``generate_catalog``: a million measures in minutes, without a rebuild afterwards).

    Each batch's transaction logs one change (``indexing.index_many``); the index is consistent with the
    catalogue at the end when the changes logged since the start are exactly those of the batches added, in
    order, and the reference records (regions, groups, threats, pillars) have not changed meanwhile.
    """

    def __init__(self, writer: Any, start: State, references: References) -> None:
        self.writer = writer
        self.start = start
        self.references = references
        self.seq, self.stamp = start.seq, start.stamp
        #: whether every change logged since the start was one of the batches added
        self.unbroken = True

    def add(
        self,
        logged: indexing.Logged,
        measures: Iterable[tuple[int, str, Iterable[bytes], Sharing, Any, Iterable[int]]],
    ) -> None:
        """Adds ``(id, search document text, facet terms, sharing, published_at, technology ids)`` of measures
        written by a committed transaction that logged the change ``logged``."""
        if logged.seq != self.seq + 1:
            self.unbroken = False
        self.seq, self.stamp = logged.seq, logged.stamp
        for pk, text, facet_terms, sharing, published_at, used in measures:
            document = tantivy_document(pk, text, facet_terms, sharing, published_at, self.references, used)
            self.writer.add_document(document)

    def reaches(self, state: State) -> bool:
        """Whether the index now holds the catalogue as of ``state``."""
        return (
            self.unbroken
            and (state.seq, state.stamp) == (self.seq, self.stamp)
            and state.references == self.start.references
        )


def _batched(items: Iterable[int], size: int) -> Iterator[list[int]]:
    batch: list[int] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine() -> Engine:
    """This process's engine for the database in use."""
    directory = getattr(settings, "SEARCH_INDEX_DIR", "")
    name = str(connection.settings_dict.get("NAME") or "default")
    key = f"{directory}|{connection.vendor}|{name}"
    with _engines_lock:
        if key not in _engines:
            folder = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{connection.vendor}-{name}").strip("_")[-100:]
            _engines[key] = Engine(Path(directory) / folder if directory else None)
        return _engines[key]


def reset() -> None:
    """Forget every in-memory index (tests: each test's database is its own)."""
    with _engines_lock:
        for found in _engines.values():
            found.reset()
        _engines.clear()
    _references.clear()


def appending() -> Any:
    """This process's engine adding new measures to the machine's index (a context manager: see
    :meth:`Engine.appending`)."""
    return engine().appending()


def rebuild(*, stream: Any = None) -> None:
    """Rebuild this machine's index from the database (``manage.py rebuild_search_index``)."""
    found = engine()
    state = sets.current_state()
    with found.lock, found._machine_lock():
        found._rebuild(state, stream=stream, heap=COMMAND_WRITER_HEAP)
        found._save_state(state)
        if found.index is not None:
            found.index.reload()


# -- searching --------------------------------------------------------------------------------------


@dataclass
class Hits:
    ids: list[int]
    total: int
    facets: dict[str, dict[str, int]]
    #: the catalogue generation and naming searched (facet labels are cached per version)
    token: str
    #: the threats the query named, whose records were found whatever their language
    threats: list[threats.Expansion] = field(default_factory=list)


def _word_query(word: str, searcher: Any) -> tantivy.Query:
    """A bare word: its forms (every occurrence of a word is filed under its forms, so they find the word itself
    too), or the word as typed where it has none; a Chinese word the segmenter did not file, as the phrase of
    its characters; a word of five letters or more that the index does not know, as the start of words
    (typed unfinished)."""
    forms = sorted(analysis.query_forms(word))
    known = [form for form in forms if searcher.doc_freq("forms", form)]
    if is_cjk(word[:1]):
        if known:
            return _any([tantivy.Query.term_query(SCHEMA, "forms", form) for form in known])
        chars = characters([word])
        if len(chars) == 1:
            return tantivy.Query.term_query(SCHEMA, "words", chars[0])
        return tantivy.Query.phrase_query(SCHEMA, "words", list[Any](chars))
    alternatives = [tantivy.Query.term_query(SCHEMA, "forms", form) for form in forms]
    if not forms or searcher.doc_freq("words", word):
        if alternatives:
            # the word as typed ranks first; its other forms widen the matches, weighing less
            alternatives = [tantivy.Query.boost_query(_any(alternatives), FORMS_WEIGHT)]
        alternatives.append(tantivy.Query.term_query(SCHEMA, "words", word))
    if len(word) >= PREFIX_MIN and not known and not searcher.doc_freq("words", word):
        alternatives.append(tantivy.Query.regex_query(SCHEMA, "words", re.escape(word) + ".+"))
    return _any(alternatives)


def _any(queries: list[tantivy.Query]) -> tantivy.Query:
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def _text_query(query: ParsedQuery, searcher: Any) -> list[tantivy.Query]:
    parts = []
    for phrase in query.phrases:
        if len(phrase) == 1:
            parts.append(_word_query(phrase[0], searcher))
        else:
            tokens = characters(phrase)
            parts.append(tantivy.Query.phrase_query(SCHEMA, "words", list[Any](tokens)))
    return parts


def _filter(field: str, values: Iterable[str], score: float = 0.0) -> tantivy.Query:
    # term queries walk their postings lazily; a term set query marks every document it matches first
    terms = [tantivy.Query.term_query(SCHEMA, field, value, index_option="basic") for value in sorted(values)]
    return tantivy.Query.const_score_query(_any(terms), score)


def _all(queries: list[tantivy.Query]) -> tantivy.Query:
    return queries[0] if len(queries) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


_references: dict[str, References] = {}


def _references_of(state: State) -> References:
    """The reference records' slugs and codes, read once per version of them (the state's grouping token
    changes with every change to a Member State, development group, threat or pillar)."""
    found = _references.get(state.token)
    if found is None:
        found = References.read()
        _references.clear()
        _references[state.token] = found
    return found


def _regions_and_groups(countries: dict[str, int], state: State) -> tuple[dict[str, int], dict[str, int]]:
    """Region and development group counts from the country counts."""
    grouping = _references_of(state).by_alpha2
    regions: dict[str, int] = defaultdict(int)
    groups: dict[str, int] = defaultdict(int)
    for alpha2, n in countries.items():
        region, codes = grouping.get(alpha2, ("", []))
        if region:
            regions[region] += n
        for code in codes:
            groups[code] += n
    return dict(regions), dict(groups)


@dataclass
class Composed:
    """A search as one Tantivy query, with the searcher it runs on and what it was composed from."""

    searcher: Any
    query: tantivy.Query
    state: State
    #: the threats the query named, whose records are found whatever their language
    named: list[threats.Expansion]


def compose(user: Any, query: ParsedQuery, filters: dict[str, str], *, visible_only: bool = True) -> Composed:
    """The words (with their forms and the threats they name) AND the filters AND the reader's audiences
    (every record, visible or not, with ``visible_only=False``: the caller then applies the access rule)."""
    state = sets.current_state()
    index = engine().current(state)
    searcher = index.searcher()
    text = _text_query(query, searcher)
    named = threats.expansions(query, state.labels) if query else []
    if named:
        # the records filed under a threat the query names, whatever their language, beside those the words find
        ways = [_all(text)] + [
            _all([part for n, part in enumerate(text) if n not in way.covered] + [_filter("threat", [way.slug], 1.0)])
            for way in named
        ]
        text = [tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in ways])]
    must = list(text)
    if visible_only:
        must.append(_filter("audience", viewer_audiences(user)))
    must += [_filter(name, [value]) for name, value in filters.items() if value]
    combined = tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])
    return Composed(searcher, combined, state, named)


def matching(query: ParsedQuery) -> list[int]:
    """Every measure the query finds, as the search finds them (the words' forms, the threats the query names),
    visible or not: callers keep only what the reader may see."""
    composed = compose(None, query, {}, visible_only=False)
    searcher = composed.searcher
    total = searcher.search(composed.query, limit=1, count=True).count or 0
    if not total:
        return []
    found = searcher.search(composed.query, limit=total, order_by_field="recency")
    return _ids(searcher, found.hits)


#: Above this many hits, their ids are read from the id column in one call rather than from each stored
#: document: the call costs about 40 µs however few they are (1,000,000 measures), a document about 0.8 µs.
IDS_FROM_COLUMN = 64


def _ids(searcher: Any, hits: list[tuple[Any, Any]]) -> list[int]:
    """The measure ids of the hits, in their order."""
    if len(hits) <= IDS_FROM_COLUMN:
        return [searcher.doc(address)["id"][0] for _key, address in hits]
    return list(searcher.fast_field_values("id", [address for _key, address in hits]))


def _facet_counts(searcher: Any, query: tantivy.Query, total: int, state: State) -> dict[str, dict[str, int]]:
    """Each counted facet's values among the ``total`` matches of ``query``."""
    facets: dict[str, dict[str, int]] = {name: {} for name in COUNTED_TOGETHER}
    if total <= ONE_AGGREGATION_UP_TO:
        spec = {"counted": {"terms": {"field": "counted", "size": FACET_SIZE * len(COUNTED_TOGETHER)}}}
        for bucket in searcher.aggregate(query, spec)["counted"]["buckets"]:
            name, _, value = bucket["key"].partition(":")
            facets[name][value] = bucket["doc_count"]
        return facets
    spec = {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in COUNTED}
    counted = searcher.aggregate(query, spec)
    for name in COUNTED:
        facets[name] = {str(bucket["key"]): bucket["doc_count"] for bucket in counted[name]["buckets"]}
    facets["region"], facets["group"] = _regions_and_groups(facets["country"], state)
    return facets


def search(
    user: Any,
    query: ParsedQuery,
    filters: dict[str, str],
    *,
    sort: str,
    offset: int,
    limit: int,
    with_facets: bool,
) -> Hits:
    """The page of ids, the total and the facet counts of what ``user`` may see among the matches."""
    composed = compose(user, query, filters)
    searcher, combined = composed.searcher, composed.query
    found: Any
    if sort == "relevance" and query:
        found = searcher.search(combined, limit=limit, offset=offset, count=True)
    else:
        found = searcher.search(combined, limit=limit, offset=offset, count=True, order_by_field="recency")
    ids = _ids(searcher, found.hits)
    facets: dict[str, dict[str, int]] = {}
    if with_facets and found.count:
        facets = _facet_counts(searcher, combined, found.count, composed.state)
    return Hits(ids, found.count or 0, facets, composed.state.labels, composed.named)


# -- tallies ----------------------------------------------------------------------------------------

#: What a tally may count by or narrow to: the facets and the fields held for tallies.
TALLIED = (*FACETS, *TALLIED_ONLY)
#: Tallies kept per process, each with the catalogue state it was counted at (a new state: counted again).
_tallies = sets.LRU(256)


#: A narrowing of the index: sorted (field, values).
Narrowed = tuple[tuple[str, tuple[str, ...]], ...]


def _narrowing(where: Mapping[str, Iterable[str]] | None, by: Sequence[str] = ()) -> Narrowed:
    """``where`` as sorted (field, values), each field one the index holds for tallies (else ``ValueError``)."""
    unknown = [name for name in (*by, *(where or {})) if name not in TALLIED]
    if unknown:
        raise ValueError(f"Tally and narrow by {', '.join(TALLIED)}, not {', '.join(unknown)}.")
    return tuple(sorted((name, tuple(sorted(set(values)))) for name, values in (where or {}).items()))


def _reader_query(audiences: Iterable[str], narrowed: Narrowed) -> tantivy.Query:
    """The measures of these audiences (a reader's) having one of the values listed for each field."""
    return _all([_filter("audience", audiences), *(_filter(name, values) for name, values in narrowed)])


def tally(user: Any, by: Sequence[str], where: Mapping[str, Iterable[str]] | None = None) -> dict[tuple[str, ...], int]:
    """How many measures ``user`` may see have each combination of values of the fields ``by`` (a measure with
    two values of one field counts under each; one with none under no combination), among those having one of
    the values listed for each field of ``where``: one aggregation over the index, the reader's audiences
    narrowing it as they narrow every search (the access rule, evaluated per record), whatever the number of
    measures. ``tally(user, ("filed", "country"), {"status": ["operational"]})`` → ``{("spam", "KE"): 3, …}``."""
    if not by:
        raise ValueError("A tally counts by one field at least.")
    narrowed = _narrowing(where, by)
    if any(not values for _name, values in narrowed):
        return {}
    state = sets.current_state()
    audiences = viewer_audiences(user)
    key = (state, tuple(by), narrowed, frozenset(audiences))
    found = _tallies.get(key)
    if found is None:
        searcher = engine().current(state).searcher()
        spec: dict[str, Any] = {}
        for name in reversed(by):
            spec = {name: {"terms": {"field": name, "size": FACET_SIZE}, **({"aggs": spec} if spec else {})}}
        result = searcher.aggregate(_reader_query(audiences, narrowed), spec)
        found = _tallies.put(key, dict(_flatten(result, list(by), ())))
    return dict(found)


def _flatten(result: dict[str, Any], by: list[str], prefix: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], int]]:
    name, rest = by[0], by[1:]
    for bucket in result[name]["buckets"]:
        key = (*prefix, str(bucket["key"]))
        if rest:
            yield from _flatten(bucket, rest, key)
        else:
            yield key, bucket["doc_count"]


def latest(user: Any, where: Mapping[str, Iterable[str]], limit: int) -> list[int]:
    """The ids of the ``limit`` measures ``user`` may see that were published last (then the newest unpublished),
    among those having one of the values listed for each field of ``where`` (as in ``tally``): read from the index,
    not by sorting every one of them (a state's 5,000 measures)."""
    narrowed = _narrowing(where)
    if any(not values for _name, values in narrowed) or limit <= 0:
        return []
    searcher = engine().current(sets.current_state()).searcher()
    query = _reader_query(viewer_audiences(user), narrowed)
    return _ids(searcher, searcher.search(query, limit=limit, order_by_field="recency").hits)
