"""Each language's words in their other forms: the stems a word is indexed and looked up under.

A word is analysed in every language of its script and the forms are combined, so that a reader
finds a word whatever form it stands in and whatever the language of the page: Latin script in
English, French and Spanish, Cyrillic in Russian, Arabic with its attached conjunction and article
(و ف, ال, and the prepositions the Snowball stemmer removes: ب ك ل), all through the Snowball
stemmers of PyStemmer; Chinese runs are segmented into words by jieba, so that a word is found inside
a longer run without matching every text that merely has its characters. Forms are index terms
beside the words themselves, marked with ``~`` so they never meet a word or a facet term.

Words arrive folded by :func:`text.fold` (case, accents, Arabic letter forms), as the index stores them.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

import jieba
import Stemmer

FORM_MARK = "~"
LATIN_LANGUAGES = ("english", "french", "spanish")
_LATIN = re.compile(r"[a-z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]")
#: Shorter words are kept as they are: stemming "in" or "la" would only merge unrelated words.
MIN_STEMMED = 3

_local = threading.local()  # a PyStemmer stemmer is not safe to share between threads
_segmenter_lock = threading.Lock()
_segmenter_ready = False


def _stemmer(language: str) -> Stemmer._Stemmer:
    stemmers = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = _local.stemmers = {}
    if language not in stemmers:
        stemmers[language] = Stemmer.Stemmer(language)
    return stemmers[language]


def _segmenter() -> jieba.Tokenizer:
    global _segmenter_ready
    if not _segmenter_ready:
        with _segmenter_lock:
            if not _segmenter_ready:
                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _segmenter_ready = True
    return jieba.dt


def is_cjk(token: str) -> bool:
    return bool(_CJK_CHAR.fullmatch(token))


def _arabic_candidates(word: str) -> set[str]:
    # the folded ه at the end of a word stands for ة (folding unified them): the stemmer removes either
    base = word[:-1] + "ة" if word.endswith("ه") else word
    candidates = {base}
    if len(base) > 3 and base[0] in "وف":  # "and", "so" written onto the word
        candidates.add(base[1:])
    # the stemmer treats a word differently with and without the article: index and look up both
    candidates |= {"ال" + c for c in candidates if not c.startswith(("ال", "لل"))}
    return candidates


@lru_cache(maxsize=200_000)
def word_forms(word: str) -> frozenset[str]:
    """The index terms of one folded word's other forms (empty for short words, numbers, Chinese)."""
    if len(word) < MIN_STEMMED or word.isdigit():
        return frozenset()
    if _LATIN.match(word):
        stems = {_stemmer(language).stemWord(word) for language in LATIN_LANGUAGES}
    elif _CYRILLIC.match(word):
        stems = {_stemmer("russian").stemWord(word)}
    elif _ARABIC.match(word):
        stemmer = _stemmer("arabic")
        stems = {stemmer.stemWord(candidate) for candidate in _arabic_candidates(word)}
    else:
        return frozenset()
    return frozenset(FORM_MARK + stem for stem in stems if stem)


def segment(run: str) -> list[str]:
    """A run of Chinese characters as words (the longest words, as a reader would split it)."""
    return [word for word in _segmenter().lcut(run) if word.strip()]


def _run_words(run: str) -> set[str]:
    # for the index, every word jieba finds in the run, the shorter ones inside longer words included
    return {word for word in _segmenter().lcut_for_search(run) if len(word) > 1}


def document_forms(words: Iterable[str]) -> set[str]:
    """The form terms of a normalized document (folded words, Chinese as single characters)."""
    forms: set[str] = set()
    run: list[str] = []
    for word in words:
        if is_cjk(word):
            run.append(word)
            continue
        if run:
            forms |= {FORM_MARK + w for w in _run_words("".join(run))}
            run = []
        forms |= word_forms(word)
    if run:
        forms |= {FORM_MARK + w for w in _run_words("".join(run))}
    return forms


def query_forms(word: str) -> frozenset[str]:
    """What a query word is looked up under besides itself: its forms, or, for a Chinese word, the word."""
    if word and all(is_cjk(ch) for ch in word):
        return frozenset({FORM_MARK + word}) if len(word) > 1 else frozenset()
    return word_forms(word)


def stems_of(word: str) -> set[str]:
    """The bare stems of a query word (its forms without the mark), for counting and highlighting."""
    return {form[len(FORM_MARK) :] for form in query_forms(word)}
