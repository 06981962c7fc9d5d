"""Search over requests and offers, in the six languages, as the catalogue's search understands words.

Requests and offers are thousands, not millions: their words are kept in a column of their own, ``search_text``,
and found with ``LIKE``, not in a search index. The column holds the record's texts normalized as
``catalog.search.text.normalize`` does (case and accents folded, Arabic letter forms unified, Chinese one character
at a time), each text apart (`` | `` between them, so that a phrase never runs from one text into the next), then
the texts' other forms (``analysis.document_forms``: Snowball stems marked ``~``, Chinese words found by jieba),
with a space before and after each term: `` term `` is one whole term, `` term`` the start of one.

What is written there: the title and the body (a request's need and outcome, an offer's description and past
engagements), the same in each translation, the names of its threats in the six languages with their synonyms,
and the names of its owner (a Member State's six, an organization's own and official ones). ``refresh`` writes it,
inside the caller's transaction, from every service that changes one of them; the names of the threats and owners
are read when the record is written (a threat renamed later is found under its new name once the record changes).

``matching(queryset, query)`` narrows a queryset the caller already limited to what the reader may see
(``visible_to``): every word of the query is required, each found as typed, by one of its other forms, or, five
letters or more, as the start of a word; a "quoted phrase" as a phrase; a run of Chinese as its words.
``with_snippets`` adds to the records of a page the passage where the words were found, highlighted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model, Q, QuerySet

from clearinghouse.catalog.search import analysis
from clearinghouse.catalog.search.text import (
    PREFIX_MIN,
    ParsedQuery,
    characters,
    count,
    is_cjk,
    normalize,
    parse_query,
    snippet,
)

#: Between two texts of a record in the column: no word is ever written so (normalize keeps word characters only).
SEPARATOR = " | "
#: The six name columns of a threat, a Member State and an organization's official names.
NAME_SUFFIXES = ("ar", "en", "es", "fr", "ru", "zh")
#: The body fields of each kind of record, in the original and in its translations.
BODIES = {
    "assistancerequest": ("need", "outcome"),
    "assistanceoffer": ("description", "past_engagements"),
}
TRANSLATED = {
    "assistancerequest": ("title", "need"),
    "assistanceoffer": ("title", "description", "past_engagements"),
}
#: What ``refresh_all`` reads with each record, so that a batch costs a few queries.
PREFETCH = ("translations", "threats__synonyms")
SELECT = ("owner_state", "owner_organization")


def names_of(record: Any) -> list[str]:
    """A threat's, a Member State's or an organization's names in the six languages (an organization's own name
    and acronyms too)."""
    found = [getattr(record, "name_" + suffix, "") for suffix in NAME_SUFFIXES]
    if hasattr(record, "name_language"):  # an organization: its own name, as it writes it, and its acronyms
        found += [record.name, getattr(record, "acronym", ""), *(getattr(record, "acronyms", None) or {}).values()]
    return [name for name in found if isinstance(name, str) and name]


def texts_of(record: Any) -> list[str]:
    """Every text a reader may find the record by (also on the migrations' historical models: fields only)."""
    kind = record._meta.model_name
    texts = [record.title, *(getattr(record, name) for name in BODIES[kind])]
    for translation in record.translations.all():
        texts += [getattr(translation, name) for name in TRANSLATED[kind]]
    for threat in record.threats.all():
        texts += names_of(threat)
        texts += [synonym.text for synonym in threat.synonyms.all()]
    for owner in (record.owner_state, record.owner_organization):
        if owner is not None:
            texts += names_of(owner)
    return [text for text in texts if text]


def column(texts: Iterable[str]) -> str:
    """The ``search_text`` of these texts: their words, each text apart, then their other forms, space-padded."""
    normalized: list[str] = []
    for text in texts:
        words = normalize(text)
        if words and words not in normalized:  # a name the same in several languages is written once
            normalized.append(words)
    if not normalized:
        return ""
    forms = analysis.document_forms(word for words in normalized for word in words.split())
    parts = [*normalized, " ".join(sorted(forms))] if forms else normalized
    return " " + SEPARATOR.join(parts) + " "


def document(record: Any) -> str:
    """The normalized words of a request or an offer, with their other forms, as ``search_text`` keeps them."""
    return column(texts_of(record))


def refresh(record: Model) -> str:
    """Write ``search_text`` for one request or offer, as the database holds it now (call it inside the
    transaction that changed its texts, threats, translations or owner). Answers the text written."""
    model = type(record)
    fresh = model._default_manager.select_related(*SELECT).prefetch_related(*PREFETCH).get(pk=record.pk)
    text = document(fresh)
    model._default_manager.filter(pk=record.pk).update(search_text=text)
    record.search_text = text  # type: ignore[attr-defined]
    return text


def refresh_all(queryset: QuerySet[Any], *, batch: int = 500) -> int:
    """Write ``search_text`` for every record of ``queryset`` (the data migration, the demo, the bench), a batch at
    a time; answers how many were written."""
    model = queryset.model
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        records = model._default_manager.filter(pk__in=ids[start : start + batch])
        changed = []
        for record in records.select_related(*SELECT).prefetch_related(*PREFETCH):
            record.search_text = document(record)
            changed.append(record)
        model._default_manager.bulk_update(changed, ["search_text"])
    return len(ids)


# -- finding --------------------------------------------------------------------------------------------------


def _contains(term: str) -> Q:
    return Q(search_text__contains=term)


def _any(conditions: Sequence[Q]) -> Q:
    found = conditions[0]
    for condition in conditions[1:]:
        found |= condition
    return found


def _phrase_condition(phrase: list[str]) -> Q:
    """Where the column holds the phrase: a phrase or a quoted word as its exact terms; a Chinese word as a word
    jieba found or as its characters in a row; any other word as typed, by its forms, or as a start of a word."""
    if len(phrase) > 1:
        return _contains(" " + " ".join(characters(phrase)) + " ")
    word = phrase[0]
    forms = sorted(analysis.query_forms(word))
    if is_cjk(word[:1]):
        return _any([_contains(" " + " ".join(characters([word])) + " "), *(_contains(f" {f} ") for f in forms)])
    as_typed = _contains(" " + word + ("" if len(word) >= PREFIX_MIN else " "))
    return _any([as_typed, *(_contains(f" {form} ") for form in forms)])


def condition(query: str | ParsedQuery) -> Q | None:
    """The condition on ``search_text`` for a query (every phrase required), or None for an empty query."""
    parsed = parse_query(query) if isinstance(query, str) else query
    if not parsed:
        return None
    found = _phrase_condition(parsed.phrases[0])
    for phrase in parsed.phrases[1:]:
        found &= _phrase_condition(phrase)
    return found


def matching(queryset: QuerySet[Any], query: str) -> QuerySet[Any]:
    """The records of ``queryset`` whose words match ``query`` (all of them): the caller's queryset, limited by who
    may see what (``visible_to``), is only narrowed. An empty query leaves it as it is."""
    found = condition(query)
    return queryset if found is None else queryset.filter(found)


# -- showing --------------------------------------------------------------------------------------------------


def _passages(record: Any, language: str) -> list[tuple[str, str]]:
    """``(language, text)`` of the bodies that may be quoted: the reader's translation first, then the original,
    then the other translations."""
    kind = record._meta.model_name
    bodies = [name for name in TRANSLATED[kind] if name != "title"]
    translations = list(record.translations.all())
    ordered = [t for t in translations if t.language == language] + [None]
    ordered += [t for t in translations if t.language != language]
    found: list[tuple[str, str]] = []
    for translation in ordered:
        if translation is None:
            found += [(record.language, getattr(record, name)) for name in BODIES[kind]]
        else:
            found += [(translation.language, getattr(translation, name)) for name in bodies]
    return [(lang, text) for lang, text in found if text]


def with_snippets(records: Iterable[Any], query: str, language: str) -> None:
    """Set ``snippet`` (escaped HTML, the words in ``<mark>``, or "") and ``snippet_language`` on each record: the
    passage with the most matches, the reader's language first on a tie. The records' translations should be
    prefetched."""
    parsed = parse_query(query)
    for record in records:
        record.snippet, record.snippet_language = "", ""
        if not parsed:
            continue
        best, best_hits, best_language = "", 0, ""
        for text_language, text in _passages(record, language):
            folded = " " + normalize(text) + " "
            hits = sum(count(folded, phrase) for phrase in parsed.phrases)
            if hits > best_hits:
                best, best_hits, best_language = text, hits, text_language
        if best_hits:
            record.snippet, record.snippet_language = snippet(best, parsed), best_language
