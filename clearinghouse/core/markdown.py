"""Markdown in, sanitized HTML out: the only way submitted text reaches a page."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "sup",
    "sub",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # Raw HTML in the source is not passed through: it is shown as text, then sanitized again.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")


def render_markdown(text: str) -> SafeString:
    """Render Markdown to HTML safe to put in a page; headings start at h3 below the page's own."""
    html = _parser().render(text or "")
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace("<h2>", "<h4>").replace("</h2>", "</h4>")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitized by nh3 just above)


def plain_text(text: str) -> str:
    """The words of a Markdown text without markup, for search and snippets."""
    return (
        nh3.clean(_parser().render(text or ""), tags=set())
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
    )


_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`#>|~]+|^\s*[-+]\s+|^\s*\d+\.\s+", re.MULTILINE)


def quick_text(text: str) -> str:
    """Markdown reduced to its words cheaply (links keep their text), for snippets of search results."""
    return _MARKUP.sub(lambda m: m.group(1) or "", text or "")
