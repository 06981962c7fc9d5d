"""The search step beside bare Tantivy on the same data, and its ranking beside an exhaustive BM25 (issue 12).

On a database of synthetic measures built by ``bench/search.py`` (reused; built when missing), prints per
query class:

- the platform's search step (``catalog.search.engine.search``: match with the words' other forms and the
  threats the query names, rank every match by BM25, count, and count the facets over what an anonymous
  reader may see), p50/p95; and the same without the threats the query names ("words only": the same
  matches as the bare index but for the words' other forms);
- a bare Tantivy index of the same texts (its default tokenizer, no forms), with the same facet values and
  audiences, asked for the same: top 20 + count + the same facet counts over what an anonymous reader may
  see, p50/p95, and the ratio of "words only" to it (target: within 2×);
- the overlap of the top 20 ("words only", and the bare index's) with an exhaustive BM25 ranking of every
  visible match, computed in Python in one pass over the search documents (k1 1.2, b 0.75, the idf of
  SQLite's FTS5; the same on both databases); ties aside on both sides (target ≥ 0.8);
- a filter combination not seen before: the first request of 20 random combinations (1 to 4 filters; those of
  bench/search.py's table of new combinations);
- building the index from the database: time and size on disk.

    .venv/bin/python bench/search_engine.py --sizes 100000 1000000 --engines sqlite postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _shared import code_version, measure_in_process, say, table

ROOT = Path(__file__).resolve().parents[1]
#: the facets the catalogue counts (``engine.COUNTED``), counted by the bare index too
FACETS = ["pillar", "threat", "country", "language", "status", "year"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))]


def timed(function: Any, repeat: int) -> tuple[list[float], Any]:
    function()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def bare_tantivy(path: Path) -> tuple[Any, float]:
    """A plain Tantivy index of the search documents' text, with each record's facet values and audiences as the
    platform's index holds them; its build time (s, the index's own work: what it holds is read beforehand)."""
    import tantivy
    from django.db import connection

    from clearinghouse.catalog.search import documents

    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("text")
    for name in FACETS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_text_field("audience", tokenizer_name="raw", index_option="basic")
    schema = builder.build()
    path.mkdir(parents=True, exist_ok=True)
    if (path / "meta.json").exists():
        return tantivy.Index(schema, path=str(path), reuse=True), 0.0
    # who may see each record (the access rule, evaluated) and its facet values: as the platform indexes them
    terms: dict[int, list[tuple[str, str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM catalog_measure ORDER BY id")
        ids = [pk for (pk,) in cursor.fetchall()]
    references = documents.References.read()
    for start in range(0, len(ids), 5000):
        for pk, document in documents.tantivy_documents(ids[start : start + 5000], references):
            terms[pk] = [(name, value) for name in (*FACETS, "audience") for value in document.get_all(name)]
    started = time.monotonic()
    index = tantivy.Index(schema, path=str(path), reuse=False)
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT measure_id, text FROM catalog_measuresearchdocument")
        while rows := cursor.fetchmany(5000):
            for pk, text in rows:
                document = tantivy.Document()
                document.add_unsigned("id", pk)
                document.add_text("text", text)
                for name, value in terms.get(pk, ()):
                    document.add_text(name, value)
                writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index, time.monotonic() - started


def occurrences(tokens: list[str], phrase: list[str]) -> int:
    """How often the phrase stands in the tokens (a word: how often it is one of them)."""
    if len(phrase) == 1:
        return tokens.count(phrase[0])
    width = len(phrase)
    return sum(1 for at, token in enumerate(tokens) if token == phrase[0] and tokens[at : at + width] == phrase)


def exhaustive_tops(queries: dict[str, Any], visible: set[int]) -> dict[str, list[int]]:
    """BM25 computed over every document (k1 1.2, b 0.75, the idf of SQLite's FTS5), for each query:
    the visible matches scoring at least as high as the 20th. The same on both databases: one pass over the
    search documents' texts, in Python, with nothing left out."""
    import math

    from django.db import connection

    from clearinghouse.catalog.search.text import characters

    phrases = {kind: [characters(phrase) for phrase in parsed.phrases] for kind, parsed in queries.items()}
    counts: dict[str, dict[int, list[int]]] = {kind: {} for kind in queries}
    lengths: dict[int, int] = {}
    documents, words = 0, 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT measure_id, text FROM catalog_measuresearchdocument")
        while rows := cursor.fetchmany(5000):
            for pk, text in rows:
                tokens = text.split()
                documents += 1
                words += len(tokens)
                for kind, wanted in phrases.items():
                    tfs = [occurrences(tokens, phrase) for phrase in wanted]
                    if all(tfs):
                        counts[kind][pk] = tfs
                        lengths[pk] = len(tokens)
    average = words / max(1, documents)
    tops = {}
    for kind, matched in counts.items():
        idfs = []
        for n in range(len(phrases[kind])):
            having = sum(1 for tfs in matched.values() if tfs[n])
            idfs.append(max(1e-6, math.log((documents - having + 0.5) / (having + 0.5))))
        scored = sorted(
            (
                (
                    sum(
                        idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * lengths[pk] / average))
                        for idf, tf in zip(idfs, tfs, strict=True)
                    ),
                    pk,
                )
                for pk, tfs in matched.items()
                if pk in visible
            ),
            reverse=True,
        )
        if scored:
            cut = scored[min(19, len(scored) - 1)][0]
            tops[kind] = [pk for score, pk in scored if score >= cut - abs(cut) * 1e-9]
    return tops


def ranked_to_the_cut(searcher: Any, query: Any, ids_of: Any) -> tuple[list[int], dict[int, float]]:
    """A Tantivy ranking's top 20, and the score of every match scoring at least as high as its 20th."""
    limit = 1000
    while True:
        hits = searcher.search(query, limit=limit).hits
        cut = hits[min(19, len(hits) - 1)][0] if hits else 0.0
        if len(hits) < limit or hits[-1][0] < cut:
            break
        limit *= 4  # the 20th is tied beyond this page: read further
    scored = {ids_of(address): score for score, address in hits if score >= cut}
    return [ids_of(address) for _score, address in hits[:20]], scored


def overlap_ties_aside(top: list[int], scored: dict[int, float], reference: list[int]) -> float:
    """How much of a top 20 the reference's top 20 holds, ties aside on both sides.

    ``reference`` holds the reference's top 20 and every document tied with its 20th. A document of ``top``
    tied with its 20th and missing from the reference may be exchanged for a reference document tied with
    that 20th as well: either is as good a 20th to the engine (Tantivy's BM25 reads document lengths in
    steps, so documents a few words apart in length tie)."""
    if not top:
        return 1.0
    cut = scored[top[-1]]
    common = set(top) & set(reference)
    out = sum(1 for pk in top if pk not in common and scored[pk] == cut)
    spare = sum(1 for pk in reference if pk not in common and pk not in top and scored.get(pk) == cut)
    return min(len(top), len(common) + min(out, spare)) / len(top)


def measure(repeat: int) -> dict[str, Any]:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    import tantivy
    from django.contrib.auth.models import AnonymousUser

    from clearinghouse.catalog.management.commands.generate_catalog import BENCHMARK_QUERIES
    from clearinghouse.catalog.search import engine, sets, threats
    from clearinghouse.catalog.search.text import parse_query
    from clearinghouse.catalog.selectors import measures_visible_to
    from clearinghouse.core.visibility import viewer_audiences

    found = engine.engine()
    state = sets.current_state()
    # building the index at a million measures takes minutes: its figures are kept beside it and reused
    record = Path(os.environ["VAR_DIR"]) / "index-build.json"
    if record.exists() and found._saved_state() == state:
        build_s = json.loads(record.read_text())["build_s"]
    else:
        started = time.monotonic()
        engine.rebuild()
        build_s = time.monotonic() - started
        record.write_text(json.dumps({"build_s": build_s}))
    size_mb = sum(f.stat().st_size for f in (found.path or Path()).rglob("*") if f.is_file()) / 1e6
    found.current(state)
    bare_path = Path(os.environ["VAR_DIR"]) / "bare-tantivy"
    bare, bare_build_s = bare_tantivy(bare_path)
    bare_size_mb = sum(f.stat().st_size for f in bare_path.rglob("*") if f.is_file()) / 1e6
    reader = AnonymousUser()
    visible = set(measures_visible_to(reader).values_list("pk", flat=True))
    references = exhaustive_tops({kind: parse_query(q) for kind, q in BENCHMARK_QUERIES.items()}, visible)
    rows = []
    for kind, query in BENCHMARK_QUERIES.items():
        parsed = parse_query(query)

        def ours(parsed: Any = parsed) -> Any:
            return engine.search(reader, parsed, {}, sort="relevance", offset=0, limit=20, with_facets=True)

        ours_ms, hits = timed(ours, repeat)
        # the same without the threats the query names (item 3 finds their records too): the words' matches only
        named = threats.expansions
        threats.expansions = lambda *args, **kwargs: []  # type: ignore[assignment]
        try:
            words_ms, words_hits = timed(ours, repeat)
        finally:
            threats.expansions = named  # type: ignore[assignment]
        # over the records an anonymous reader may see, as the platform's search step
        audiences = [
            tantivy.Query.term_query(bare.schema, "audience", term, index_option="basic")
            for term in sorted(viewer_audiences(reader))
        ]
        visible_to_reader = tantivy.Query.const_score_query(
            tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in audiences]), 0.0
        )
        bare_query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, bare.parse_query(query, ["text"])), (tantivy.Occur.Must, visible_to_reader)]
        )
        searcher = bare.searcher()
        spec = {name: {"terms": {"field": name, "size": 10_000}} for name in FACETS}

        def plain(bare_query: Any = bare_query, searcher: Any = searcher, spec: Any = spec) -> Any:
            result = searcher.search(bare_query, limit=20, count=True)
            searcher.aggregate(bare_query, spec)
            return [searcher.doc(address)["id"][0] for _score, address in result.hits], result.count

        bare_ms, (_bare_ids, bare_count) = timed(plain, repeat)
        overlap = bare_overlap = None
        tied = references.get(kind)
        if tied is not None:
            threats.expansions = lambda *args, **kwargs: []  # type: ignore[assignment]
            try:
                composed = engine.compose(reader, parsed, {})
            finally:
                threats.expansions = named  # type: ignore[assignment]
            top, scored = ranked_to_the_cut(
                composed.searcher, composed.query, lambda a, s=composed.searcher: s.doc(a)["id"][0]
            )
            assert top == words_hits.ids, "the composed query ranks as the search step"  # noqa: S101
            overlap = overlap_ties_aside(top, scored, tied)
            top, scored = ranked_to_the_cut(searcher, bare_query, lambda a, s=searcher: s.doc(a)["id"][0])
            bare_overlap = overlap_ties_aside(top, scored, tied)
        rows.append(
            {
                "kind": kind,
                "matches": hits.total,
                "bare_matches": bare_count,
                "p50": statistics.median(ours_ms),
                "words_matches": words_hits.total,
                "words_p95": percentile(words_ms, 0.95),
                "p95": percentile(ours_ms, 0.95),
                "bare_p50": statistics.median(bare_ms),
                "bare_p95": percentile(bare_ms, 0.95),
                "overlap": overlap,
                "bare_overlap": bare_overlap,
            }
        )
        say(f"  {kind:20} p95 {rows[-1]['p95']:.1f} ms, bare Tantivy p95 {rows[-1]['bare_p95']:.1f} ms")
    import search as search_bench  # (bench/search.py: the same combinations as its API table's)

    query = BENCHMARK_QUERIES["term in ~28%"]
    parsed = parse_query(query)
    first = []
    for params in search_bench.fresh_combinations(query, search_bench.FRESH_COUNT, [], seed=13):
        filters = {name: value for name, value in params.items() if name != "q"}
        started = time.perf_counter()
        engine.search(reader, parsed, filters, sort="relevance", offset=0, limit=20, with_facets=True)
        first.append((time.perf_counter() - started) * 1000)
    del tantivy
    return {
        "rows": rows,
        "build_s": build_s,
        "size_mb": size_mb,
        "bare_build_s": bare_build_s,
        "bare_size_mb": bare_size_mb,
        "new_combination_p50": statistics.median(first),
        "new_combination_p95": percentile(first, 0.95),
    }


def run(engine_name: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Measure one database (built by bench/search.py) in a process of its own."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import search as search_bench  # bench/search.py builds the databases

    own = args.workdir / f"var-{engine_name}-{size}"  # (its index is rebuilt here, to time the build)
    env = {
        **search_bench.base_environment(engine_name, size, args),
        "VAR_DIR": str(own),
        "SEARCH_INDEX_DIR": str(own / "search-index"),
        "DEBUG": "0",
    }
    say(f"[{engine_name} {size:,}] the search step beside bare Tantivy …")
    result: dict[str, Any] = measure_in_process(__file__, ["--repeat", str(args.repeat)], env, f"{engine_name} {size}")
    return result


def report(results: list[tuple[str, int, dict[str, Any]]], repeat: int) -> None:
    lines, summary = [], []
    for engine_name, size, result in results:
        for row in result["rows"]:
            lines.append(
                [
                    engine_name,
                    f"{size:,}",
                    row["kind"],
                    f"{row['matches']:,}",
                    f"{row['p50']:.1f}",
                    f"{row['p95']:.1f}",
                    f"{row['words_matches']:,}",
                    f"{row['words_p95']:.1f}",
                    f"{row['bare_matches']:,}",
                    f"{row['bare_p95']:.1f}",
                    f"{row['words_p95'] / max(row['bare_p95'], 1e-3):.1f}×",
                    "—" if row["overlap"] is None else f"{row['overlap']:.2f}",
                    "—" if row["bare_overlap"] is None else f"{row['bare_overlap']:.2f}",
                ]
            )
        summary.append(
            [
                engine_name,
                f"{size:,}",
                f"{result['build_s']:.0f} s",
                f"{result['size_mb']:.0f} MB",
                f"{result['bare_build_s']:.0f} s" if result["bare_build_s"] else "(reused)",
                f"{result['bare_size_mb']:.0f} MB",
                f"{result['new_combination_p50']:.1f}",
                f"{result['new_combination_p95']:.1f}",
            ]
        )
    print(f"Search step beside bare Tantivy, {code_version()}, {repeat} runs a query\n")
    header = [
        *("engine", "measures", "query", "matches", "p50 ms", "p95 ms", "words only", "p95"),
        *("bare matches", "bare p95", "ratio", "overlap", "bare ovl"),
    ]
    print(table(header, lines, left=3))
    print()
    header = ["engine", "measures", "index build", "size", "bare build", "bare size", "new combo p50", "p95"]
    print(table(header, summary, left=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="Build the databases again even when complete.")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ch174-bench")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.repeat)))
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import search as search_bench  # bench/search.py builds the databases

    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for engine_name in args.engines:
        for size in args.sizes:
            search_bench.build(engine_name, size, args)
            results.append((engine_name, size, run(engine_name, size, args)))
    report(results, args.repeat)


if __name__ == "__main__":
    main()
