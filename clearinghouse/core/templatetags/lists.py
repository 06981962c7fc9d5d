"""``{{ names|as_list }}``: items joined as the reader's language joins a list (CLDR, through Babel).

Arabic readers get «أ، وب، وج» (with the Arabic comma), Chinese «甲、乙和丙», English "A, B, and C"; each item
is isolated in ``<bdi>`` so that a Latin name in an Arabic sentence (or the reverse) keeps its own direction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from clearinghouse.core.languages import lang_attrs, reader_list

register = template.Library()


@register.filter
def as_list(items: Iterable[Any]) -> SafeString:
    parts = [format_html("<bdi>{}</bdi>", str(item)) for item in items]
    if not parts:
        return SafeString("")
    return mark_safe(reader_list(parts))  # noqa: S308 (each item is escaped above; CLDR's patterns hold no markup)


@register.filter
def as_links(records: Iterable[Any]) -> list[SafeString]:
    """Each record as a link to its page, marked with its language when it has one: ``{{ x|as_links|as_list }}``."""
    links = []
    for record in records:
        language = getattr(record, "language", "")
        attrs = lang_attrs(language) if language else ""
        links.append(format_html('<a href="{}"{}>{}</a>', record.get_absolute_url(), attrs, record))
    return links
