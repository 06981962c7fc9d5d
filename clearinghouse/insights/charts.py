"""Bar charts drawn on the server as SVG (issue 16, item 6): no JavaScript, nothing fetched, the page's language
and direction (in Arabic the labels stand on the right and the bars grow to the left), each bar's figure written
beside it and its full label as a tooltip. A chart always stands beside the table that gives the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi

WIDTH, ROW, LABEL, GAP = 600, 24, 230, 8
#: Labels longer than this are cut (the tooltip has them whole).
LABEL_CHARACTERS = 34


def bar_chart(rows: Sequence[tuple[str, float, str]], *, title: str, chart_id: str) -> SafeString:
    """Horizontal bars: ``rows`` of (label, value, the value as the reader writes it)."""
    rtl = get_language_bidi()
    most = max((value for _label, value, _shown in rows), default=0) or 1
    bar_space = WIDTH - LABEL - GAP - 60
    height = ROW * len(rows) + 4
    parts: list[str] = [
        format_html(
            '<figure class="chart"><svg viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" id="{}">'
            '<title id="{}-title">{}</title>',
            WIDTH,
            height,
            chart_id,
            chart_id,
            chart_id,
            title,
        )
    ]
    for index, (label, value, shown) in enumerate(rows):
        y = index * ROW + 2
        length = round(bar_space * value / most, 1)
        cut = label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"
        if rtl:  # labels on the right, bars growing to the left, figures at their left end
            label_x, anchor = WIDTH - 4, "start"
            bar_x = WIDTH - LABEL - GAP - length
            figure_x, figure_anchor = bar_x - 4, "end"
        else:
            label_x, anchor = 4, "start"
            bar_x = LABEL + GAP
            figure_x, figure_anchor = bar_x + length + 4, "start"
        direction = "rtl" if rtl else "ltr"
        parts.append(
            format_html(
                '<g><title>{}: {}</title><text x="{}" y="{}" text-anchor="{}" direction="{}">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" class="bar"/>'
                '<text x="{}" y="{}" text-anchor="{}" direction="{}" class="value">{}</text></g>',
                label,
                shown,
                label_x,
                y + ROW * 0.68,
                anchor,
                direction,
                cut,
                bar_x,
                y + 3,
                length,
                ROW - 8,
                figure_x,
                y + ROW * 0.68,
                figure_anchor,
                direction,
                shown,
            )
        )
    parts.append("</svg></figure>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped by format_html)
