"""Text normalization shared by indexing, querying and snippets, for the six languages.

One function decides what "the same word" means everywhere: case and accents are ignored (é = e),
Arabic is normalized (diacritics and tatweel removed, alef forms, alef maqsura and teh marbuta
unified), and Chinese is split into single characters so a quoted phrase is found as a phrase of them.
A bare word is also found in its other forms (``analysis``): a query's Chinese run is split into words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from clearinghouse.catalog.search import analysis

_ARABIC_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ـ": None}
)
_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff])")
_WORD = re.compile(r"\w+", re.UNICODE)
#: A query word this long also finds the words it starts, as typed ("обнаружива…"); a shorter one would
#: find too much ("in" → "information", "internet"…). See ``engine._word_query``.
PREFIX_MIN = 5
_ARABIC_CHAR = re.compile(r"[\u0600-\u06ff]")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_ARABIC_FORMS = re.compile("[" + "".join(chr(code) for code in _ARABIC_FOLD) + "]")


@lru_cache(maxsize=1)
def _combining_marks() -> re.Pattern[str]:
    """Every character of the Basic Multilingual Plane that ``unicodedata.combining`` calls combining (accents,
    Arabic diacritics…), as one regex class: removed with it at C speed, where a test per character was the
    slowest step of reading a text. (A class with ranges past the BMP would be slow again: those few marks
    are removed one by one, when a text has any character there at all.)"""
    marks = "".join(re.escape(chr(code)) for code in range(0x10000) if unicodedata.combining(chr(code)))
    return re.compile("[" + marks + "]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and Arabic diacritics, unify Arabic letter forms."""
    if text.isascii():  # nothing to decompose or unify (most of many catalogues): a C-speed shortcut
        return text.lower()
    stripped = _combining_marks().sub("", unicodedata.normalize("NFKD", text.casefold()))
    if _ASTRAL.search(stripped):
        stripped = "".join(ch for ch in stripped if not unicodedata.combining(ch))
    if not unicodedata.is_normalized("NFC", stripped):
        stripped = unicodedata.normalize("NFC", stripped)
    if _ARABIC_FORMS.search(stripped):
        stripped = stripped.translate(_ARABIC_FOLD)
    return stripped


def normalize(text: str) -> str:
    """The text as the index stores it: folded words separated by spaces, CJK characters apart."""
    spaced = _CJK.sub(r" \1 ", fold(text))
    return " ".join(_WORD.findall(spaced))


@lru_cache(maxsize=65536)
def _normalized_word(word: str) -> str:
    """normalize() of one word of a snippet: words repeat, within a text and across texts."""
    return normalize(word)


def is_cjk(token: str) -> bool:
    return bool(_CJK.fullmatch(token))


def has_cjk(text: str) -> bool:
    """Whether a normalized text holds a Chinese or Japanese character anywhere."""
    return _CJK.search(text) is not None


def _forms_of_word(folded: str) -> frozenset[str]:
    words = folded.split()
    return analysis.word_forms(words[0]) if len(words) == 1 else frozenset()


@dataclass
class ParsedQuery:
    """A user's query: groups of normalized tokens, each group a phrase (a single word is a phrase of one)."""

    phrases: list[list[str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.phrases)

    @property
    def tokens(self) -> set[str]:
        return {token for phrase in self.phrases for token in phrase}


def parse_query(query: str) -> ParsedQuery:
    """Split on spaces, keep "quoted phrases" together; Chinese runs become phrases of characters."""
    parsed = ParsedQuery()
    for quoted, bare in re.findall(r'"([^"]*)"|(\S+)', query or ""):
        if quoted:
            tokens = normalize(quoted).split()
            if tokens:
                parsed.phrases.append(tokens)
            continue
        spaced = _CJK.sub(r" \1 ", fold(bare))
        # A bare run of Chinese characters is split into words, each a word of the query; others stand alone.
        cjk_run: list[str] = []
        for token in _WORD.findall(spaced):
            if is_cjk(token):
                cjk_run.append(token)
                continue
            if cjk_run:
                parsed.phrases += [[word] for word in analysis.segment("".join(cjk_run))]
                cjk_run = []
            parsed.phrases.append([token])
        if cjk_run:
            parsed.phrases += [[word] for word in analysis.segment("".join(cjk_run))]
    return parsed


def characters(phrase: list[str]) -> list[str]:
    """A phrase as the index stores it: a Chinese word of the query becomes its characters."""
    return [part for token in phrase for part in (list(token) if is_cjk(token[:1]) else [token])]


def needles(phrase: list[str]) -> list[str]:
    """What to count in a normalized text (words separated by single spaces, a space before the first) to
    find the phrase: a word by its forms (stems start the words they stem, Arabic ones stand inside them),
    a phrase or a Chinese word as its exact tokens."""
    if len(phrase) > 1 or is_cjk(phrase[0][:1]):
        return [" " + " ".join(characters(phrase)) + " "]
    word = phrase[0]
    found = {" " + word + ("" if len(word) >= PREFIX_MIN else " ")}
    for stem in analysis.stems_of(word):
        found.add(stem if _ARABIC_CHAR.match(stem) else " " + stem)
    return sorted(found)


def count(folded: str, phrase: list[str]) -> int:
    """How often the phrase occurs in a normalized text padded with spaces (the best of its needles)."""
    return max(folded.count(needle) for needle in needles(phrase))


_SNIPPET_TOKEN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]|[^\W\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]+"
)


def snippet(text: str, query: ParsedQuery, *, words: int = 30) -> str:
    """An HTML-escaped excerpt of ``text`` around the query's words, each match in ``<mark>``.

    Matching follows the index: folded, prefix for single words, every character for Chinese.
    Returns "" when none of the words occurs (the caller then shows the summary as it is).
    """
    from django.utils.html import escape

    tokens = list(_SNIPPET_TOKEN.finditer(text))
    if not tokens:
        return ""
    singles = {phrase[0] for phrase in query.phrases if len(phrase) == 1 and not is_cjk(phrase[0][:1])}
    forms = set().union(*(analysis.query_forms(word) for word in singles)) if singles else set()
    in_phrases = {
        token for phrase in query.phrases if len(phrase) > 1 or is_cjk(phrase[0][:1]) for token in characters(phrase)
    }

    def matches(word: str) -> bool:
        folded = _normalized_word(word)
        return bool(folded) and (
            folded in in_phrases
            or any(folded.startswith(s) for s in singles if len(s) >= PREFIX_MIN or folded == s)
            or bool(forms and _forms_of_word(folded) & forms)
        )

    hits = [i for i, match in enumerate(tokens) if matches(match.group())]
    if not hits:
        return ""
    # the window of `words` tokens holding the most hits
    best_start, best_count = 0, -1 if len(tokens) > words else len(hits)
    for first in hits if best_count < 0 else []:
        start = max(0, first - 3)
        count = sum(1 for h in hits if start <= h < start + words)
        if count > best_count:
            best_start, best_count = start, count
    window = tokens[best_start : best_start + words]
    hit_set = set(hits)
    out: list[str] = ["… " if best_start > 0 else ""]
    cursor = window[0].start()
    for index, match in enumerate(window, start=best_start):
        out.append(escape(text[cursor : match.start()]))
        word = escape(match.group())
        out.append(f"<mark>{word}</mark>" if index in hit_set else word)
        cursor = match.end()
    if best_start + words < len(tokens):
        out.append(" …")
    else:
        out.append(escape(text[cursor:]))
    # a Chinese word matches character by character: its characters are one highlight, not one each
    return "".join(out).replace("</mark><mark>", "")
