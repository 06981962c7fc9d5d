"""``{{ names|as_list }}``: items joined as the reader's language joins a list (CLDR, through Babel).

Arabic readers get «أ، وب، وج» (with the Arabic comma), Chinese «甲、乙和丙», English "A, B, and C"; each item
is isolated in ``<bdi>`` so that a Latin name in an Arabic sentence (or the reverse) keeps its own direction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from babel.lists import format_list
from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, to_locale

from clearinghouse.core.languages import lang_attrs

register = template.Library()


@register.filter
def as_list(items: Iterable[Any]) -> SafeString:
    parts = [format_html("<bdi>{}</bdi>", str(item)) for item in items]
    if not parts:
        return SafeString("")
    language = get_language() or "en"
    # Arabic: CLDR's "unit" pattern, the one with the Arabic comma («أ، وب، وج»); the standard one drops it
    joined = format_list(parts, style="unit" if language.startswith("ar") else "standard", locale=to_locale(language))
    return mark_safe(joined)  # noqa: S308 (each item is escaped above; CLDR's patterns hold no markup)


@register.filter
def as_links(records: Iterable[Any]) -> list[SafeString]:
    """Each record as a link to its page, marked with its language when it has one: ``{{ x|as_links|as_list }}``."""
    links = []
    for record in records:
        language = getattr(record, "language", "")
        attrs = lang_attrs(language) if language else ""
        links.append(format_html('<a href="{}"{}>{}</a>', record.get_absolute_url(), attrs, record))
    return links
