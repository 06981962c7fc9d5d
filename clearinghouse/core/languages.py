"""The language of a text, told to whoever shows it: browsers (``lang``/``dir``), Word (``w:lang``) and readers (dates).

A text contributed in French and shown on an Arabic page must say so, or the browser lays it out from right
to left and its full stop lands at the wrong end; a screen reader pronounces it as Arabic. Every page,
report and export that shows contributed text marks it through these few functions, so the rule lives once.
Codes are written as BCP 47, as browsers and Word know them (``zh-Hans``, not Django's ``zh-hans``).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, to_locale

#: Scripts written from right to left, by language subtag (the platform's own is Arabic; the rest are for
#: imported texts and translations that name them).
RTL_LANGUAGES = frozenset({"ar", "arc", "dv", "fa", "he", "ks", "ku", "ps", "sd", "syr", "ug", "ur", "yi"})


def bcp47(code: str | None) -> str:
    """``zh-hans`` → ``zh-Hans``, ``en-gb`` → ``en-GB``, ``fr`` → ``fr``: the spelling browsers and Word expect."""
    if not code:
        return ""
    language, *rest = code.replace("_", "-").split("-")
    parts = [language.lower()]
    for subtag in rest:
        if len(subtag) == 4 and subtag.isalpha():  # script
            parts.append(subtag.title())
        elif len(subtag) == 2 and subtag.isalpha():  # region
            parts.append(subtag.upper())
        else:
            parts.append(subtag.lower())
    return "-".join(parts)


def language_name(code: str | None, reader: str | None = None) -> str:
    """A language's name as the reader's language writes it (CLDR): ``ru`` → "Russian", « russe », «الروسية»."""
    from babel import Locale, UnknownLocaleError

    if not code:
        return ""
    try:
        name = Locale.parse(to_locale(code)).get_display_name(to_locale(reader or get_language() or "en"))
    except (UnknownLocaleError, ValueError):
        return code
    return name or code


def direction(code: str | None) -> str:
    """``rtl`` or ``ltr``; ``auto`` when the language is not known (the browser then reads the first letter)."""
    if not code:
        return "auto"
    return "rtl" if bcp47(code).split("-")[0] in RTL_LANGUAGES else "ltr"


def page_language() -> str:
    """The language the page (or report) around a text is written in."""
    return bcp47(get_language() or "en")


def lang_attrs(code: str | None, page: str | None = None) -> SafeString:
    """`` lang="fr" dir="ltr"``, for an element holding text in ``code`` on a page in ``page`` (default: the
    active language), giving only what differs from the page: nothing for a French text on a French page,
    ``lang`` alone for French on an English page, both on an Arabic page, `` dir="auto"`` for an unknown one.
    """
    page = bcp47(page or page_language())
    if not code:
        return SafeString(' dir="auto"')
    code = bcp47(code)
    lang = format_html(' lang="{}"', code) if code.lower() != page.lower() else ""
    text_dir = direction(code)
    dir_ = format_html(' dir="{}"', text_dir) if text_dir != direction(page) else ""
    return SafeString(lang + dir_)


def isolate(text: Any, code: str | None = None, page: str | None = None) -> SafeString:
    """``<bdi lang="fr" dir="ltr">text</bdi>``: a run of text inside a sentence or list, kept in its own direction
    whatever surrounds it (``<bdi>`` alone guesses the direction from the first letter when the language is
    not known)."""
    attrs = lang_attrs(code, page) if code else SafeString("")
    return format_html("<bdi{}>{}</bdi>", attrs, text)


def reader_date(value: date | datetime | None, *, with_time: bool = False, language: str | None = None) -> str:
    """A date as the reader's language writes it in full (CLDR through Babel): "6 December 2026",
    « 6 décembre 2026 », «6 ديسمبر 2026», "2026年12月6日"; with ``with_time`` the hour too, in the site's
    time zone. Never all-numeric: "12/06/2026" is June to some readers and December to others."""
    from babel.dates import format_date, format_time, get_datetime_format

    if value is None or value == "":
        return ""
    locale = to_locale(language or get_language() or "en")
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        day = format_date(value.date(), "long", locale=locale)
        if not with_time:
            return day
        hour = format_time(value.time(), "short", locale=locale)
        return str(get_datetime_format("medium", locale=locale)).replace("{1}", day).replace("{0}", hour)
    return format_date(value, "long", locale=locale)


def reader_number(value: int | float, language: str | None = None) -> str:
    """A number as the reader's language groups its digits (CLDR): "12,345", « 12 345 », «12٬345»."""
    locale = to_locale(language or get_language() or "en")
    if isinstance(value, int) and 0 <= value < SMALL_NUMBERS:
        return _small_number(value, locale)
    from babel.numbers import format_decimal

    return format_decimal(value, locale=locale)


#: Whole numbers below this are formatted once per language and kept (a page of figures has hundreds of them).
SMALL_NUMBERS = 10_000


@lru_cache(maxsize=SMALL_NUMBERS * 2)
def _small_number(value: int, locale: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=locale)


def reader_percent(value: float, language: str | None = None) -> str:
    """A share as the reader's language writes a percentage (CLDR), whole: "42%", « 42 % », «42٪»."""
    from babel.numbers import format_percent

    return format_percent(value, locale=to_locale(language or get_language() or "en"))


def reader_list(items: Any, language: str | None = None) -> str:
    """Items joined as the reader's language joins a list (CLDR): "French and Spanish", « français et espagnol »."""
    from babel.lists import format_list

    items = [str(item) for item in items]
    if not items:
        return ""
    language = language or get_language() or "en"
    # Arabic: CLDR's "unit" pattern for three items or more, the one with the Arabic comma («أ، وب، وج»; the
    # standard one drops it); two items are «أ وب», and Babel's unit pattern would repeat the second («أ، وب، وب»)
    arabic_series = language.startswith("ar") and len(items) > 2
    # Chinese: « 甲、乙和丙 »; where a name holds 和 itself (« 垃圾邮件和网络钓鱼 ») that would leave the reader to
    # guess where one ends, so the enumeration comma alone joins them
    if language.startswith("zh") and len(items) > 1 and any("和" in item for item in items):
        return "、".join(items)
    return format_list(items, style="unit" if arabic_series else "standard", locale=to_locale(language))


def set_docx_language(run: Any, code: str | None, paragraph: Any = None) -> None:
    """Tell Word the language of a python-docx run (``w:lang``), for spelling, hyphenation and fonts; for a
    right-to-left language also its direction (``w:rtl`` on the run, ``w:bidi`` on its paragraph when given).
    A style (``document.styles["Normal"]``) may be given for ``run``: the document's default language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if not code:
        return
    code = bcp47(code)
    properties = run._r.get_or_add_rPr() if hasattr(run, "_r") else run.element.get_or_add_rPr()
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        properties.insert_element_before(lang, *_AFTER_LANG)
    # Word keeps one language per kind of script: Latin and Cyrillic in w:val, East Asian, complex (RTL) scripts
    if code.startswith("zh"):
        lang.set(qn("w:eastAsia"), code)
    elif direction(code) == "rtl":
        lang.set(qn("w:bidi"), code)
        properties.get_or_add_rtl()
    else:
        lang.set(qn("w:val"), code)
    if paragraph is not None and direction(code) == "rtl":
        paragraph_properties = paragraph._p.get_or_add_pPr()
        if paragraph_properties.find(qn("w:bidi")) is None:
            paragraph_properties.insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)


#: What follows ``w:lang`` in a run's properties and ``w:bidi`` in a paragraph's (WordprocessingML's order).
_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_AFTER_BIDI = (
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
