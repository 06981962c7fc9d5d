"""Search over requests and offers, in the six languages, as the catalogue's search understands words.

Requests and offers are thousands, not millions, and a search must see a record changed in the same transaction
as the change: their words are kept in the database, not in a search index. A column of their own, ``search_text``,
holds the record's texts normalized as
``catalog.search.text.normalize`` does (case and accents folded, Arabic letter forms unified, Chinese one character
at a time), each text apart (`` | `` between them, so that a phrase never runs from one text into the next), then
the texts' other forms (``analysis.document_forms``: Snowball stems marked ``~``, Chinese words found by jieba),
with a space before and after each term: `` term `` is one whole term, `` term`` the start of one.

Each term of that column (a word, one of its other forms, a Chinese character) is also a row of a table of terms
(``AssistanceRequestTerm``, ``AssistanceOfferTerm``) indexed by term: a search reads from that index which records
hold each word of the query, or a word starting so, and reads the column only of those records, to tell whether the
words of a phrase stand in a row (at 50,000 requests, a tenth of the time of reading every record's column).

What is written there: the title and the body (a request's need and outcome, an offer's description and past
engagements) and the same in each translation. ``refresh`` writes the column and the terms, inside the caller's
transaction, from every service that changes one of them. The names of a record's threats (in the six languages,
with their synonyms) and of its owner (a Member State's six names, an organization's own, official names and
acronyms) are searched where they are kept: a query word found in a threat's names finds the records filed under
that threat, found in a state's or organization's names the records it owns. A threat renamed is found under its new
name at once, and the column stays short (every record would otherwise repeat its threats' names in six languages:
four times the text to read for each search).

``matching(queryset, query)`` narrows a queryset the caller already limited to what the reader may see
(``visible_to``): every word of the query is required, each found as typed, by one of its other forms, or, five
letters or more, as the start of a word; a "quoted phrase" as a phrase; a run of Chinese as its words.
``with_snippets`` adds to the records of a page the passage where the words were found, highlighted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django.db import connections
from django.db.models import Model, Q, QuerySet

from clearinghouse.assistance.models import TERM_MAX
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
#: The six name columns of a threat, of a Member State and of an organization (its official names).
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
PREFETCH = ("translations",)
#: The table of terms of each kind of record.
TERM_MODELS = {"assistancerequest": "AssistanceRequestTerm", "assistanceoffer": "AssistanceOfferTerm"}


def texts_of(record: Any) -> list[str]:
    """The record's own texts and their translations (also on the migrations' historical models: fields only)."""
    kind = record._meta.model_name
    texts = [record.title, *(getattr(record, name) for name in BODIES[kind])]
    for translation in record.translations.all():
        texts += [getattr(translation, name) for name in TRANSLATED[kind]]
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


def terms_of(text: str) -> set[str]:
    """The terms of a ``search_text`` as the table of terms keeps them: each word and form once, cut to
    ``TERM_MAX``."""
    return {word[:TERM_MAX] for word in text.split() if word != SEPARATOR.strip()}


def _term_model(model: type[Model]) -> Any:
    """The table of terms of this kind of record, or None in a migration from before it was made (the migration
    that makes it fills it)."""
    try:
        return model._meta.apps.get_model("assistance", TERM_MODELS[str(model._meta.model_name)])
    except LookupError:
        return None


def write_terms(model: type[Model], texts: dict[int, str]) -> None:
    """Make the rows of the table of terms of these records (``{id: search_text}``) hold the terms of their text,
    and only those (inside the caller's transaction)."""
    term_model = _term_model(model)
    if term_model is None or not texts:
        return
    wanted = {pk: terms_of(text) for pk, text in texts.items()}
    held: dict[int, set[str]] = {pk: set() for pk in texts}
    for pk, term in term_model.objects.filter(record_id__in=list(texts)).values_list("record_id", "term"):
        held[pk].add(term)
    changed = [pk for pk in texts if held[pk] != wanted[pk]]
    for pk in changed:
        gone = held[pk] - wanted[pk]
        if gone:
            term_model.objects.filter(record_id=pk, term__in=sorted(gone)).delete()
    term_model.objects.bulk_create(
        [term_model(record_id=pk, term=term) for pk in changed for term in sorted(wanted[pk] - held[pk])],
        batch_size=2_000,
    )


def refresh(record: Model) -> str:
    """Write ``search_text`` and the terms of one request or offer, as the database holds it now (call it inside
    the transaction that changed its texts, threats, translations or owner). Answers the text written."""
    model = type(record)
    fresh = model._default_manager.prefetch_related(*PREFETCH).get(pk=record.pk)
    text = document(fresh)
    model._default_manager.filter(pk=record.pk).update(search_text=text)
    write_terms(model, {record.pk: text})
    record.search_text = text  # type: ignore[attr-defined]
    return text


def refresh_all(queryset: QuerySet[Any], *, batch: int = 500) -> int:
    """Write ``search_text`` and the terms of every record of ``queryset`` (the data migrations, the demo, the
    bench), a batch at a time; answers how many were written."""
    model = queryset.model
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        records = model._default_manager.filter(pk__in=ids[start : start + batch])
        changed = []
        for record in records.prefetch_related(*PREFETCH):
            record.search_text = document(record)
            changed.append(record)
        model._default_manager.bulk_update(changed, ["search_text"])
        write_terms(model, {record.pk: record.search_text for record in changed})
    return len(ids)


# -- finding --------------------------------------------------------------------------------------------------


def _any(conditions: Sequence[Q]) -> Q:
    found = conditions[0]
    for condition in conditions[1:]:
        found |= condition
    return found


def _holding(model: type[Model], terms: Q) -> Q:
    """The records one of whose terms meets ``terms`` (a condition on the table of terms)."""
    return Q(pk__in=_term_model(model).objects.filter(terms).values("record_id"))


def _with_terms(model: type[Model], terms: Iterable[str]) -> Q:
    """The records holding one of these whole terms: read from the index of terms; a term longer than the table
    keeps is read there by its start, then looked for in the records' ``search_text``."""
    short = sorted({term for term in terms if len(term) <= TERM_MAX})
    found = [_holding(model, Q(term__in=short))] if short else []
    for term in sorted(set(terms) - set(short)):
        found.append(_holding(model, Q(term=term[:TERM_MAX])) & Q(search_text__contains=f" {term} "))
    return _any(found)


def _starting(model: type[Model], word: str, vendor: str) -> Q:
    """The records holding a term that starts with ``word``, read from the index of terms: on PostgreSQL with
    ``LIKE 'word%'`` (the index has the pattern operators); on SQLite as the range of terms from the word to the
    word followed by the last character there is (its ``LIKE`` ignores case, and no index serves it)."""
    start = word[:TERM_MAX]
    if vendor == "postgresql":
        terms = Q(term__startswith=start)
    else:
        terms = Q(term__gte=start, term__lt=start + "\U0010ffff")
    found = _holding(model, terms)
    return found if len(word) <= TERM_MAX else found & Q(search_text__contains=f" {word}")


def _in_a_row(model: type[Model], tokens: list[str]) -> Q:
    """The records whose words hold these tokens one after the other, inside one of their texts: those holding
    each of them (from the index of terms), then, of those, the ones whose ``search_text`` has them in a row."""
    found = _with_terms(model, [tokens[0]])
    if len(tokens) == 1:
        return found
    for token in tokens[1:]:
        found &= _with_terms(model, [token])
    return found & Q(search_text__contains=" " + " ".join(tokens) + " ")


def _phrase_records(model: type[Model], phrase: list[str], vendor: str) -> Q:
    """The records whose own words hold the phrase: a phrase or a quoted word as its exact terms in a row; a
    Chinese word as a word jieba found or as its characters in a row; any other word by its forms (the word as
    typed has the same forms), as typed where it has none, and, five letters or more, as the start of a word."""
    if len(phrase) > 1:
        return _in_a_row(model, characters(phrase))
    word = phrase[0]
    forms = sorted(analysis.query_forms(word))
    if is_cjk(word[:1]):
        found = _in_a_row(model, characters([word]))
        return found | _with_terms(model, forms) if forms else found
    if len(word) >= PREFIX_MIN:
        found = _starting(model, word, vendor)
        return found | _with_terms(model, forms) if forms else found
    return _with_terms(model, forms or [word])


def _terms(phrase: list[str]) -> list[str]:
    """What a name's words may hold for the phrase, any one of them (as ``_phrase_records`` finds it in a
    record's): a phrase or a quoted word as its exact terms; a Chinese word as a word jieba found or as its
    characters in a row; any other word by its forms, as typed where it has none, and, five letters or more, as
    the start of a word."""
    if len(phrase) > 1:
        return [" " + " ".join(characters(phrase)) + " "]
    word = phrase[0]
    forms = [f" {form} " for form in sorted(analysis.query_forms(word))]
    if is_cjk(word[:1]):
        return [" " + " ".join(characters([word])) + " ", *forms]
    if len(word) >= PREFIX_MIN:
        return [" " + word, *forms]
    return forms or [f" {word} "]


@lru_cache(maxsize=4096)
def _names_column(names: tuple[str, ...]) -> str:
    return column(names)


def _references() -> list[tuple[str, int, tuple[str, ...]]]:
    """The threats (with their synonyms), Member States and organizations, each as ``(kind, id, its names)``:
    read for each search (a few hundred short rows), so that a name changed is found at once."""
    from clearinghouse.catalog.models import Threat, ThreatSynonym
    from clearinghouse.countries.models import MemberState, Organization

    columns = [f"name_{suffix}" for suffix in NAME_SUFFIXES]
    synonyms: dict[int, list[str]] = {}
    for threat_id, text in ThreatSynonym.objects.values_list("threat_id", "text"):
        synonyms.setdefault(threat_id, []).append(text)
    found: list[tuple[str, int, tuple[str, ...]]] = []
    for pk, *names in Threat.objects.values_list("pk", *columns):
        found.append(("threats", pk, (*names, *synonyms.get(pk, []))))
    for pk, *names in MemberState.objects.values_list("pk", *columns):
        found.append(("states", pk, tuple(names)))
    for pk, name, acronym, acronyms, *names in Organization.objects.values_list(
        "pk", "name", "acronym", "acronyms", *columns
    ):
        others = [value for value in (acronyms or {}).values() if isinstance(value, str)]
        found.append(("organizations", pk, (name, acronym, *others, *names)))
    return found


def _named(phrase_terms: list[str], references: list[tuple[str, int, tuple[str, ...]]]) -> dict[str, set[int]]:
    """The threats, Member States and organizations one of whose names holds the phrase (their words are worked
    out once per spelling)."""
    found: dict[str, set[int]] = {"threats": set(), "states": set(), "organizations": set()}
    for kind, pk, names in references:
        words = _names_column(tuple(name for name in names if name))
        if any(term in words for term in phrase_terms):
            found[kind].add(pk)
    return found


def _phrase_condition(model: type[Model], phrase: list[str], references: list[Any], vendor: str) -> Q:
    """Where the phrase is: in the record's words, or in the names of one of its threats or of its owner."""
    found = _phrase_records(model, phrase, vendor)
    named = _named(_terms(phrase), references)
    if named["threats"]:
        through: Any = model.threats.through  # type: ignore[attr-defined]
        column_name = f"{model._meta.model_name}_id"
        filed = through.objects.filter(threat_id__in=sorted(named["threats"])).values(column_name)
        found |= Q(pk__in=filed)
    if named["states"]:
        found |= Q(owner_state_id__in=sorted(named["states"]))
    if named["organizations"]:
        found |= Q(owner_organization_id__in=sorted(named["organizations"]))
    return found


def condition(model: type[Model], query: str | ParsedQuery, *, using: str = "default") -> Q | None:
    """The condition on the records of ``model`` for a query (every phrase required), or None for an empty one;
    ``using``: the database it will be asked of."""
    parsed = parse_query(query) if isinstance(query, str) else query
    if not parsed:
        return None
    references, vendor = _references(), connections[using].vendor
    found = _phrase_condition(model, parsed.phrases[0], references, vendor)
    for phrase in parsed.phrases[1:]:
        found &= _phrase_condition(model, phrase, references, vendor)
    return found


def matching(queryset: QuerySet[Any], query: str) -> QuerySet[Any]:
    """The records of ``queryset`` whose words match ``query`` (all of them): the caller's queryset, limited by who
    may see what (``visible_to``), is only narrowed. An empty query leaves it as it is."""
    found = condition(queryset.model, query, using=queryset.db)
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
