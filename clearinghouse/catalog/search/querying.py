"""A page of search results: the measures a user may see that match a query, with counts, facets and snippets.

Counts and facets are exact over everything the user may see; the number of SQL queries does not
depend on the page size, and, once the sets are cached, not on the size of the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import get_language

from clearinghouse.catalog.models import Language, Measure, MeasureTranslation, Pillar, Technology, Threat
from clearinghouse.catalog.search import engine, sets
from clearinghouse.catalog.search.documents import FACETS
from clearinghouse.catalog.search.text import ParsedQuery, count, normalize, parse_query, snippet
from clearinghouse.core.markdown import quick_text

PAGE_SIZE = 20


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False
    url: str = ""


@dataclass
class SearchResult:
    page: list[Measure]
    total: int
    facets: dict[str, list[FacetValue]]
    query: ParsedQuery
    snippets: dict[int, str] = field(default_factory=dict)
    page_number: int = 1
    page_size: int = PAGE_SIZE

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page_number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page_number > 1


@dataclass
class _FacetLabels:
    """The names facet values are shown with, in one language (read once per catalogue state)."""

    pillars: list[tuple[str, str]]
    threats: list[tuple[str, str, list[tuple[str, str]]]]
    states: list[tuple[str, str]]  # by name in the language


_labels_cache: dict[tuple[str, str], _FacetLabels] = {}


def _facet_labels(token: str, language: str) -> _FacetLabels:
    """Labels for ``language``, cached per state token (which changes with the reference data)."""
    from clearinghouse.countries.models import MemberState

    found = _labels_cache.get((token, language))
    if found is None:
        if len(_labels_cache) > 64:
            _labels_cache.clear()
        found = _FacetLabels(
            pillars=[(p.slug, p.name) for p in Pillar.objects.order_by("position")],
            threats=[
                (family.slug, family.name, [(child.slug, child.name) for child in family.children.all()])
                for family in Threat.objects.filter(parent=None).prefetch_related("children").order_by("position")
            ],
            states=[(s.alpha2, s.name) for s in MemberState.objects.ordered_by_name()],
        )
        _labels_cache[(token, language)] = found
    return found


def _facet_values(
    counted: dict[str, dict[str, int]], selected: dict[str, Any], token: str = ""
) -> dict[str, list[FacetValue]]:
    """Facet counts as labelled values in the order readers expect."""
    from clearinghouse.catalog.models import MeasureStatus
    from clearinghouse.countries.models import BDTRegion, GroupCode

    labels = _facet_labels(token or sets.current_state().labels, get_language() or "en")

    def chosen(name: str) -> str:
        value = selected.get(name)
        return getattr(value, "slug", None) or getattr(value, "alpha2", None) or (str(value) if value else "")

    def values(name: str, choices: Iterable[tuple[str, Any]]) -> list[FacetValue]:
        found = counted.get(name, {})
        return [FacetValue(v, str(label), found[v], chosen(name) == v) for v, label in choices if found.get(v)]

    facets: dict[str, list[FacetValue]] = {}
    facets["pillar"] = values("pillar", labels.pillars)
    threat_counts = counted.get("threat", {})
    facets["threat"] = []
    for slug, name, children in labels.threats:
        if threat_counts.get(slug):
            facets["threat"].append(FacetValue(slug, name, threat_counts[slug], chosen("threat") == slug))
            for child_slug, child_name in children:
                if threat_counts.get(child_slug):
                    facets["threat"].append(
                        FacetValue(
                            child_slug, "— " + child_name, threat_counts[child_slug], chosen("threat") == child_slug
                        )
                    )
    facets["region"] = values("region", BDTRegion.choices)
    facets["group"] = values("group", GroupCode.choices)
    country_counts = counted.get("country", {})
    facets["country"] = sorted(
        (
            FacetValue(alpha2, name, country_counts[alpha2], chosen("country") == alpha2)
            for alpha2, name in labels.states
            if country_counts.get(alpha2)
        ),
        key=lambda f: -f.count,
    )
    facets["language"] = values("language", Language.choices)
    facets["status"] = values("status", MeasureStatus.choices)
    year_counts = counted.get("year", {})
    facets["year"] = [FacetValue(y, y, year_counts[y], chosen("year") == y) for y in sorted(year_counts, reverse=True)]
    return facets


def _threat_found(measure: Measure, named: list[Any]) -> Threat | None:
    """The threat the query named that the measure is filed under (when no word of its texts matched)."""
    slugs = {way.slug for way in named}
    for threat in measure.threats.all():
        if threat.slug in slugs:
            return threat
        if threat.parent_id is not None and threat.parent is not None and threat.parent.slug in slugs:
            return threat.parent
    return None


def _filter_values(selected: dict[str, Any]) -> dict[str, str]:
    """The filters as the index files them: slugs, codes and years as text."""
    values = {}
    for name in FACETS:
        value = selected.get(name)
        if value in (None, ""):
            continue
        found = getattr(value, "slug", None) or getattr(value, "alpha2", None) or value
        values[name] = str(int(found)) if name == "year" else str(found)
    return values


def in_language(measure: Measure, language: str) -> Measure | MeasureTranslation:
    """The measure's translation into ``language`` if it has one (from prefetched rows), else the measure."""
    if language != measure.language:
        for translation in measure.translations.all():
            if translation.language == language:
                return translation
    return measure


#: The texts of the results shown most often, normalized once per worker rather than on every page they are on.
_normalized = lru_cache(maxsize=2048)(normalize)


@dataclass
class _Match:
    """Where a result's words were found: the passage shown, its language, and the language that matched most."""

    snippet: str = ""
    snippet_language: str = ""
    language: str = ""


def _match_for(measure: Measure, query: ParsedQuery, language: str) -> _Match:
    """The passage with the most matches (the reader's language first on a tie), and the language whose texts
    matched most, so that a result can say "found in the Russian text" to an English reader."""
    translations = list(measure.translations.all())
    mine = [t for t in translations if t.language == language]
    others = [t for t in translations if t.language != language]
    texts: list[tuple[str, str, bool]] = []  # (language, text, may be the snippet)
    for translation in mine:
        texts += [(translation.language, translation.title, False), (translation.language, translation.summary, True)]
        texts.append((translation.language, quick_text(translation.description), True))
    texts += [(measure.language, measure.title, False), (measure.language, measure.summary, True)]
    texts += [(measure.language, quick_text(measure.description), True)]
    texts.append((measure.language, quick_text(measure.evidence), True))
    for translation in others:
        texts += [(translation.language, translation.title, False), (translation.language, translation.summary, True)]
        texts.append((translation.language, quick_text(translation.description), True))
    # Count the matches on the normalized text (cheap) and build the snippet for the best text only.
    found = _Match()
    best, best_hits = "", 0
    by_language: dict[str, int] = {}
    for text_language, text, passage in texts:
        if not text:
            continue
        folded = " " + _normalized(text) + " "
        hits = sum(count(folded, phrase) for phrase in query.phrases)
        by_language[text_language] = by_language.get(text_language, 0) + hits
        if passage and hits > best_hits:
            best, best_hits, found.snippet_language = text, hits, text_language
    if best_hits:
        found.snippet = snippet(best, query)
    if any(by_language.values()):
        found.language = max(by_language, key=lambda code: (by_language[code], code == language))
    return found


#: Texts a list of results without a query never shows (with one, the passage that matched may come from them).
LONG_TEXTS = ("description", "evidence", "prerequisites")


def search_measures(
    user: Any,
    *,
    query: str = "",
    sort: str = "relevance",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    selected: dict[str, Any] | None = None,
    with_facets: bool = True,
    full_records: bool = True,
) -> SearchResult:
    """One page of the measures ``user`` may see that match ``query`` and the filters ``selected`` (the
    catalogue filters' cleaned values), by relevance or newest first.

    Counts and facets are exact over everything the user may see (the search index applies the access
    rule as audience terms); the page's rows are read again through ``visible_to``. ``full_records``: with
    their threats, references and technologies (the API); without, only what a list of results shows.
    """
    parsed = parse_query(query)
    page = max(1, page)
    offset = (page - 1) * page_size
    hits = engine.search(
        user,
        parsed,
        _filter_values(selected or {}),
        sort=sort,
        offset=offset,
        limit=page_size,
        with_facets=with_facets,
    )
    ids, total = hits.ids, hits.total
    measures = Measure.objects.visible_to(user).filter(pk__in=ids)
    measures = measures.select_related("pillar", "owner_state", "owner_organization")
    translations = MeasureTranslation.objects.order_by("language")
    if full_records:
        measures = measures.prefetch_related(
            "threats__parent",
            "references",
            Prefetch("technologies", queryset=Technology.objects.visible_to(user)),
            Prefetch("translations", queryset=translations),
        )
    else:
        # a list shows a title, a summary or the passage that matched, and the threat a query named
        if not parsed:
            measures = measures.defer(*LONG_TEXTS)
            translations = translations.defer(*LONG_TEXTS)
        measures = measures.prefetch_related(Prefetch("translations", queryset=translations))
        if parsed and hits.threats:
            measures = measures.prefetch_related("threats__parent")
    rows = {m.pk: m for m in measures}
    page_objects = [rows[pk] for pk in ids if pk in rows]
    language = get_language() or "en"
    snippets: dict[int, str] = {}
    for measure in page_objects:
        shown = in_language(measure, language)
        matched = _match_for(measure, parsed, language) if parsed else _Match()
        snippet_html = matched.snippet
        # shown on result lists: the reader's language where a translation exists, and the matching passage
        setattr(measure, "shown_title", shown.title)  # noqa: B010
        setattr(measure, "title_html", snippet(shown.title, parsed, words=200) if parsed else "")  # noqa: B010
        setattr(measure, "shown_summary", shown.summary)  # noqa: B010
        setattr(measure, "snippet", snippet_html)  # noqa: B010
        setattr(measure, "snippet_language_code", matched.snippet_language)  # noqa: B010
        setattr(measure, "shown_language_code", shown.language)  # noqa: B010
        # the reader is told when the words were found in another language than the one shown
        setattr(measure, "matched_language", matched.language if matched.language != shown.language else "")  # noqa: B010
        measure.matched_threat = (  # noqa: B010
            _threat_found(measure, hits.threats) if parsed and hits.threats and not matched.language else None
        )
        snippets[measure.pk] = snippet_html
    facets = _facet_values(hits.facets, selected or {}, hits.token) if with_facets else {}
    return SearchResult(page_objects, total, facets, parsed, snippets, page, page_size)
