"""Finding records across languages through the threat taxonomy.

A query that names a threat in any of the six languages, by its name or a synonym curators added ("SIM
box", «boîtier SIM», «сим-бокс»), also finds the records filed under that threat, whatever language they
are written in. A name matches when each of its words is among the query's words (in any of their forms);
the query's other words must still match the text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from clearinghouse.catalog.search import analysis
from clearinghouse.catalog.search.text import ParsedQuery, is_cjk, normalize


@dataclass(frozen=True)
class Naming:
    """One name or synonym of a threat: each word as the set of keys it is known by."""

    slug: str
    text: str
    language: str
    words: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Expansion:
    """A threat the query names, and the positions of the query's words that name it."""

    slug: str
    covered: frozenset[int]
    naming: Naming


def _keys(word: str) -> frozenset[str]:
    return frozenset({word, *analysis.query_forms(word)})


def _word_keys(text: str) -> tuple[frozenset[str], ...]:
    words: list[str] = []
    run: list[str] = []
    for token in normalize(text).split():
        if is_cjk(token):
            run.append(token)
            continue
        if run:
            words += analysis.segment("".join(run))
            run = []
        words.append(token)
    if run:
        words += analysis.segment("".join(run))
    return tuple(_keys(word) for word in words)


@dataclass(frozen=True)
class Lexicon:
    """Every threat's names and synonyms, and for each key a word is known by, the namings holding it."""

    namings: list[Naming]
    by_key: dict[str, list[int]]

    def candidates(self, keys: Iterable[str]) -> list[Naming]:
        """The namings with a word known by one of ``keys``, in their order (the others cannot match)."""
        positions = sorted({n for key in keys for n in self.by_key.get(key, ())})
        return [self.namings[n] for n in positions]


_lexicons: dict[str, Lexicon] = {}
_lock = threading.Lock()


def lexicon(version: str) -> Lexicon:
    """Every threat's names and synonyms, analysed once per version of the taxonomy's naming."""
    with _lock:
        found = _lexicons.get(version)
    if found is not None:
        return found
    from clearinghouse.catalog.selectors import threat_terms

    namings = []
    for threat in threat_terms():
        for term in threat.terms:
            words = _word_keys(term.text)
            if words:
                namings.append(Naming(threat.slug, term.text, term.language, words))
    by_key: dict[str, list[int]] = {}
    for n, naming in enumerate(namings):
        for key in {key for keys in naming.words for key in keys}:
            by_key.setdefault(key, []).append(n)
    made = Lexicon(namings, by_key)
    with _lock:
        if len(_lexicons) > 8:
            _lexicons.clear()
        _lexicons[version] = made
    return made


def expansions(query: ParsedQuery, version: str) -> list[Expansion]:
    """The threats the query's bare words name (quoted phrases are taken as typed, never as a threat)."""
    words = {
        position: _keys(phrase[0]) for position, phrase in enumerate(query.phrases) if len(phrase) == 1 and phrase[0]
    }
    if not words:
        return []
    found: dict[str, Expansion] = {}
    for naming in lexicon(version).candidates(key for keys in words.values() for key in keys):
        covered: set[int] = set()
        for keys in naming.words:
            position = next((p for p, known in words.items() if known & keys and p not in covered), None)
            if position is None:
                break
            covered.add(position)
        else:
            best = found.get(naming.slug)
            if best is None or len(covered) > len(best.covered):
                found[naming.slug] = Expansion(naming.slug, frozenset(covered), naming)
    return sorted(found.values(), key=lambda e: e.slug)


def reset() -> None:
    with _lock:
        _lexicons.clear()
