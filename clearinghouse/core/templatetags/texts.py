"""Contributed text marked with its language, and dates written as the reader's language writes them.

``<h1{% lang_attrs measure.language %}>`` gives `` lang="fr" dir="ltr"`` on an Arabic page (only what differs
from the page); ``{{ name|isolate:code }}`` wraps a run inside a sentence or list in ``<bdi>``;
``{{ when|reader_date }}`` writes "6 December 2026" / «6 ديسمبر 2026» (``reader_date:"time"`` adds the hour).
The rules themselves are in ``clearinghouse.core.languages``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils.safestring import SafeString

from clearinghouse.core import languages

register = template.Library()


@register.simple_tag
def lang_attrs(code: str | None) -> SafeString:
    return languages.lang_attrs(code)


@register.filter
def isolate(text: Any, code: str | None = None) -> SafeString:
    return languages.isolate(text, code)


@register.filter
def bcp47(code: str | None) -> str:
    return languages.bcp47(code)


@register.filter
def reader_date(value: date | datetime | None, arg: str = "") -> str:
    return languages.reader_date(value, with_time=arg == "time")


@register.filter
def language_names(codes: list[str] | None) -> list[str]:
    """Language codes as their names in the reader's language: ``{{ codes|language_names|as_list }}``."""
    return [languages.language_name(code) for code in codes or []]


@register.filter
def reader_number(value: float | None, digits: int | str = 0) -> str:
    """``{{ n|reader_number }}``: "12,345", « 12 345 »; ``{{ days|reader_number:1 }}`` keeps one decimal ("3.5")."""
    if value is None or value == "":
        return ""
    return languages.reader_number(round(value, int(digits)) if int(digits) else round(value))


@register.filter
def reader_percent(value: float | None) -> str:
    """``{{ share|reader_percent }}``: 0.42 as "42%", « 42 % »."""
    return "" if value is None else languages.reader_percent(value)
