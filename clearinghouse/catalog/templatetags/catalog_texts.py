"""Which language a result list's title, summary and search snippet are in (for ``{% lang_attrs %}``).

Lists show a measure in the reader's language when search picked a translation (``shown_title``,
``shown_summary``), and the snippet from whichever text matched best; the language is read back here from
the texts already loaded, without a query.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from django import template
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeString

from clearinghouse.catalog.models import Measure, MeasureTranslation
from clearinghouse.core.languages import lang_attrs
from clearinghouse.core.markdown import quick_text

register = template.Library()


def _loaded_translations(measure: Measure) -> list:
    cache = getattr(measure, "_prefetched_objects_cache", {})
    return list(cache["translations"]) if "translations" in cache else []


@register.filter
def shown_language(measure: Measure) -> str:
    """The language of the title and summary a list shows for ``measure``."""
    if getattr(measure, "shown_language_code", ""):
        return str(getattr(measure, "shown_language_code", ""))
    title = getattr(measure, "shown_title", None) or measure.title
    summary = getattr(measure, "shown_summary", None) or measure.summary
    if (title, summary) == (measure.title, measure.summary):
        return measure.language
    for translation in _loaded_translations(measure):
        if translation.title == title and translation.summary == summary:
            return translation.language
    return ""


@register.filter
def snippet_language(measure: Measure) -> str:
    """The language of the text the search snippet was cut from ("" if it cannot be told: ``dir="auto"``)."""
    if getattr(measure, "snippet_language_code", ""):
        return str(getattr(measure, "snippet_language_code", ""))
    passage = html.unescape(strip_tags(getattr(measure, "snippet", "") or "")).strip().strip("…").strip()
    if not passage:
        return ""
    texts = [(measure.language, measure.summary), (measure.language, quick_text(measure.description))]
    texts.append((measure.language, quick_text(measure.evidence)))
    for translation in _loaded_translations(measure):
        texts.append((translation.language, translation.summary))
        texts.append((translation.language, quick_text(translation.description)))
    return next((language for language, text in texts if passage in text), "")


@register.filter
def language_name(code: str) -> str:
    """The name of a language in the reader's language ("Russian" to an English reader, « russe » to a French one)."""
    from clearinghouse.core.languages import language_name as named

    return named(code)


@register.filter
def language_names(translations: Iterable[MeasureTranslation]) -> list[SafeString]:
    """Each translation's language, named in that language and marked as it (``|as_list`` joins them)."""
    return [format_html("<span{}>{}</span>", lang_attrs(t.language), t.get_language_display()) for t in translations]
