"""Search of the catalogue, by stage: ``text`` (what "the same word" means in six languages), ``indexing``
(a measure's search document, kept current in the transaction that changes it, and the change log),
``postings`` (the inverted index as bitmaps), ``sets`` (match, visibility and facet sets, cached per
process and patched from the change log; ranking), ``querying`` (a page of results with facets and
snippets). Others call the few names below.
"""

from clearinghouse.catalog.search import engine as _engine
from clearinghouse.catalog.search.indexing import (
    FTS_TABLE,
    PAIRS_TABLE,
    changed,
    document_text,
    documents_of,
    index_many,
    index_measure,
    index_new_measures,
    matching_ids,
    matching_ids_sql,
    remove_measure,
)
from clearinghouse.catalog.search.querying import PAGE_SIZE, FacetValue, SearchResult, in_language, search_measures
from clearinghouse.catalog.search.sets import facet_counts, matching_set
from clearinghouse.catalog.search.text import normalize, parse_query, snippet


def reset() -> None:
    """Forget every index and set this process holds (tests and benchmarks that swap databases)."""
    from clearinghouse.catalog.search import sets, threats

    sets.reset()
    threats.reset()
    _engine.reset()


__all__ = [
    "FTS_TABLE",
    "PAGE_SIZE",
    "PAIRS_TABLE",
    "FacetValue",
    "SearchResult",
    "changed",
    "document_text",
    "documents_of",
    "facet_counts",
    "in_language",
    "index_many",
    "index_measure",
    "index_new_measures",
    "matching_ids",
    "matching_ids_sql",
    "matching_set",
    "normalize",
    "parse_query",
    "remove_measure",
    "reset",
    "search_measures",
    "snippet",
]
