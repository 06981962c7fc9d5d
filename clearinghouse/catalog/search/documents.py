"""What the search index holds: its schema and layout, and each measure's Tantivy document (its words, their
other forms, the facet values it is filed under, the audiences that may see it: ``core.visibility.record_audiences``,
the access rule evaluated per record). ``engine`` keeps the index current with them and searches it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import tantivy

from clearinghouse.catalog.search import analysis
from clearinghouse.catalog.search.text import has_cjk, is_cjk
from clearinghouse.core.visibility import Sharing, record_audiences

#: Filters and facets, as the catalogue's filters name them.
FACETS = ("pillar", "threat", "region", "group", "country", "language", "status", "year")
#: Facets counted by the index; a measure has one country, so region and group counts are summed from it.
COUNTED = ("pillar", "threat", "country", "language", "status", "year")
#: Facets counted together in the ``counted`` column where few records match: region and group too (summing
#: them from the country counts costs more than counting them there).
COUNTED_TOGETHER = (*COUNTED, "region", "group")
#: Held for tallies only (``tally``), not filters of the catalogue: the threats as filed, the lifecycle, the owning
#: organization (its id; a state's measures are tallied by ``country``), the technologies used (their ids).
TALLIED_ONLY = ("filed", "lifecycle", "organization", "technology")


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("words", tokenizer_name="words", index_option="position")
    builder.add_text_field("forms", tokenizer_name="words", index_option="freq")
    builder.add_text_field("audience", tokenizer_name="raw", index_option="basic")
    for name in FACETS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    # the counted facets' values in one column as well ("name:value"): one aggregation instead of six where few
    # records match (each aggregation costs a few µs per index segment, however few records match)
    builder.add_text_field("counted", tokenizer_name="raw", index_option="basic", fast=True)
    # for tallies over the catalogue (``tally``): the threats a measure is filed under as filed (``threat`` holds
    # their families too), its lifecycle (``published``, ``draft``…), the organization that owns it and the
    # technologies it uses
    for name in TALLIED_ONLY:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    builder.add_integer_field("recency", fast=True)
    return builder.build()


SCHEMA = _schema()
#: Bumped when the schema or what a document holds changes: an index of another layout is rebuilt.
LAYOUT = 5


def _recency(published_at: Any, pk: int) -> int:
    """Newest first: the published by publication time (then id), then the unpublished by id."""
    if published_at is None:
        return pk
    return (int(published_at.timestamp()) << 26) | (pk & 0x3FFFFFF)


@dataclass
class References:
    """Slugs and codes of the reference records a measure's facets name (read once per batch of work)."""

    pillars: dict[int, str]
    threats: dict[int, tuple[str, str | None]]
    states: dict[int, tuple[str, str, list[str]]]

    @cached_property
    def by_alpha2(self) -> dict[str, tuple[str, list[str]]]:
        """Each Member State's region and development groups, by its alpha-2 code."""
        return {alpha2: (region, groups) for alpha2, region, groups in self.states.values()}

    @classmethod
    def read(cls) -> References:
        from clearinghouse.catalog.models import Pillar, Threat
        from clearinghouse.countries.models import DevelopmentGroup, MemberState

        groups: dict[int, list[str]] = defaultdict(list)
        for code, state_id in DevelopmentGroup.objects.values_list("code", "members__id"):
            if state_id is not None:
                groups[state_id].append(code)
        return cls(
            pillars=dict(Pillar.objects.values_list("pk", "slug")),
            threats={
                pk: (slug, parent) for pk, slug, parent in Threat.objects.values_list("pk", "slug", "parent__slug")
            },
            states={
                pk: (alpha2, region, groups[pk])
                for pk, alpha2, region in MemberState.objects.values_list("pk", "alpha2", "bdt_region")
            },
        )


def tantivy_documents(ids: list[int], references: References) -> Iterator[tuple[int, tantivy.Document]]:
    """The Tantivy documents of these measures (those that still exist)."""
    from clearinghouse.catalog.models import Measure, MeasureSearchDocument

    through: dict[str, Any] = {
        "states": Measure.shared_with_states.through,
        "organizations": Measure.shared_with_organizations.through,
        "users": Measure.shared_with_users.through,
    }
    technologies: dict[int, list[int]] = defaultdict(list)
    for measure_id, technology_id in Measure.technologies.through.objects.filter(measure_id__in=ids).values_list(
        "measure_id", "technology_id"
    ):
        technologies[measure_id].append(technology_id)
    shared: dict[str, dict[int, set[int]]] = {}
    for name, model in through.items():
        column = {"states": "memberstate_id", "organizations": "organization_id", "users": "user_id"}[name]
        found: dict[int, set[int]] = defaultdict(set)
        for measure_id, target in model.objects.filter(measure_id__in=ids).values_list("measure_id", column):
            found[measure_id].add(target)
        shared[name] = found
    rows: dict[int, Any] = {
        pk: row
        for pk, *row in Measure.objects.filter(pk__in=ids).values_list(
            "pk", "tlp", "lifecycle", "owner_state_id", "owner_organization_id", "published_at"
        )
    }
    # the search documents hold each measure's normalized text and facet terms, kept current with it
    stored = MeasureSearchDocument.objects.filter(measure_id__in=ids).order_by("measure_id")
    for pk, text, facets in stored.values_list("measure_id", "text", "facets"):
        if pk not in rows:
            continue
        tlp, lifecycle, state_id, organization_id, published_at = rows[pk]
        sharing = Sharing(
            tlp=tlp,
            lifecycle=lifecycle,
            owner_state_id=state_id,
            owner_organization_id=organization_id,
            shared_with_states=frozenset(shared["states"].get(pk, ())),
            shared_with_organizations=frozenset(shared["organizations"].get(pk, ())),
            shared_with_users=frozenset(shared["users"].get(pk, ())),
        )
        facet_terms = [term.encode() for term in facets.split()]
        used = technologies.get(pk, ())
        yield pk, tantivy_document(pk, text, facet_terms, sharing, published_at, references, used)


def tantivy_document(
    pk: int,
    text: str,
    facet_terms: Iterable[bytes],
    sharing: Sharing,
    published_at: Any,
    references: References,
    technologies: Iterable[int] = (),
) -> tantivy.Document:
    """A measure's Tantivy document: its search document's text and facet terms, who may see it, its recency, the
    technologies it uses (ids)."""
    document = tantivy.Document()
    document.add_unsigned("id", pk)
    document.add_text("words", text)
    document.add_text("forms", _forms_text(text))
    for audience in sorted(record_audiences(sharing)):
        document.add_text("audience", audience)
    document.add_text("lifecycle", sharing.lifecycle)
    if sharing.owner_organization_id is not None:
        document.add_text("organization", str(sharing.owner_organization_id))
    for technology_id in sorted(set(technologies)):
        document.add_text("technology", str(technology_id))
    for name, value in sorted(_facet_values(facet_terms, references)):
        document.add_text(name, value)
        if name in COUNTED_TOGETHER:
            document.add_text("counted", f"{name}:{value}")
    document.add_integer("recency", _recency(published_at, pk))
    return document


def _forms_text(text: str) -> str:
    """The forms of a normalized text's words, one per occurrence of each (see :func:`_form_stream`)."""
    if has_cjk(text):
        return " ".join(_form_stream(text.split()))
    # without Chinese, each word's forms on their own, joined once per distinct word: about 5× faster
    return " ".join(filter(None, map(_joined_forms, text.split())))


@lru_cache(maxsize=200_000)
def _joined_forms(word: str) -> str:
    return " ".join(sorted(analysis.word_forms(word)))


def _form_stream(words: list[str]) -> Iterator[str]:
    """Every occurrence's forms, so that a form is counted as often as its words occur (BM25's tf)."""
    run: list[str] = []
    for word in words:
        if is_cjk(word):
            run.append(word)
            continue
        if run:
            yield from analysis.document_forms(run)
            run = []
        yield from analysis.word_forms(word)
    if run:
        yield from analysis.document_forms(run)


def _facet_values(terms: Iterable[bytes], references: References) -> set[tuple[str, str]]:
    values: set[tuple[str, str]] = set()
    for term in terms:
        name, _, value = term[1:].decode().partition("=")
        if name == "pillar" and int(value) in references.pillars:
            values.add(("pillar", references.pillars[int(value)]))
        elif name == "threat" and int(value) in references.threats:
            slug, parent = references.threats[int(value)]
            values |= {("threat", slug), ("filed", slug)}
            if parent:
                values.add(("threat", parent))
        elif name == "country" and int(value) in references.states:
            alpha2, region, groups = references.states[int(value)]
            values |= {("country", alpha2), ("region", region), *(("group", code) for code in groups)}
        elif name in ("status", "language", "year"):
            values.add((name, value))
    return values


def words_analyzer() -> tantivy.TextAnalyzer:
    # documents and queries arrive normalized and analysed: words separated by single spaces
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
