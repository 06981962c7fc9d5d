"""Search of the catalogue, by stage: ``text`` (what "the same word" means in six languages), ``analysis``
(a word's other forms), ``indexing`` (a measure's search document and facet postings, kept current in the
transaction that changes it, and the change log), ``documents`` (what the Tantivy index holds of each measure),
``engine`` (the Tantivy index every search runs on, kept current),
``querying`` (a page of results with facets and snippets), ``postings`` and ``sets`` (the catalogue state,
and facet counts over any set of measures for reports and statistics). Others call the few names below.
"""

from clearinghouse.catalog.search import engine as _engine
from clearinghouse.catalog.search.indexing import (
    changed,
    document_text,
    documents_of,
    index_many,
    index_measure,
    index_new_measures,
    remove_measure,
)
from clearinghouse.catalog.search.querying import PAGE_SIZE, FacetValue, SearchResult, in_language, search_measures
from clearinghouse.catalog.search.sets import facet_counts
from clearinghouse.catalog.search.text import normalize, parse_query, snippet


def reset() -> None:
    """Forget every index and set this process holds (tests and benchmarks that swap databases)."""
    from clearinghouse.catalog.search import sets, threats

    sets.reset()
    threats.reset()
    _engine.reset()


__all__ = [
    "PAGE_SIZE",
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
    "normalize",
    "parse_query",
    "remove_measure",
    "reset",
    "search_measures",
    "snippet",
]
