"""World maps drawn on the server as SVG (issue 16, item 6): no JavaScript, no tiles fetched, readable on a slow
link (about 60 KB before compression), each state's outline with its name and figure as a tooltip
(``<title>``), a legend in the page's language, and always a table beside it for screen readers and for the small
island states the 1:110 million outlines leave out (``countries.geometry``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from clearinghouse.countries.geometry import world

#: The part of the world drawn (longitude, latitude): Antarctica left out.
WEST, EAST, NORTH, SOUTH = -170.0, 190.0, 84.0, -58.0
#: Countries with no outline worth drawing in a map of Member States (Antarctica).
LEFT_OUT = {"010"}


@dataclass(frozen=True)
class Shade:
    """A class of the map's legend: ``level`` 0 (none) to 4 (most), and what it means."""

    level: int
    label: str


@cache
def _outlines() -> tuple[tuple[str, str], ...]:
    """Each country's numeric code and its SVG path (x = longitude, y = −latitude, one decimal)."""
    found = []
    for code, rings in world():
        if code in LEFT_OUT:
            continue
        path = "".join("M" + "L".join(f"{x:.1f},{-y:.1f}" for x, y in ring) + "Z" for ring in rings)
        found.append((code, path))
    return tuple(found)


def world_map(
    levels: dict[str, tuple[int, str]],
    *,
    title: str,
    legend: Sequence[Shade],
    element_id: str = "map",
    table: tuple[str, str, Sequence[tuple[str, str, str]]] | None = None,
) -> SafeString:
    """The SVG: ``levels`` maps a Member State's numeric code to its level and tooltip ("Kenya: 2 of 7"); a
    country not in it is drawn at level 0 with no tooltip (not a Member State, or nothing to say). ``table``, when
    the page has none of its own: its two headings and rows of (address, name, figure), shown under the map in a
    ``<details>`` (a screen reader reads it; so does whoever looks for a small island state)."""
    parts: list[str] = [
        format_html(
            '<figure class="world-map" id="{}"><svg viewBox="{} {} {} {}" role="img" aria-labelledby="{}-title" '
            'preserveAspectRatio="xMidYMid meet"><title id="{}-title">{}</title>',
            element_id,
            WEST,
            -NORTH,
            EAST - WEST,
            NORTH - SOUTH,
            element_id,
            element_id,
            title,
        )
    ]
    for code, path in _outlines():
        level, tooltip = levels.get(code, (0, ""))
        if tooltip:
            tip = escape(tooltip)
            parts.append(f'<path d="{path}" class="l{level}" data-numeric="{code}"><title>{tip}</title></path>')
        else:
            parts.append(f'<path d="{path}" class="l{level}"/>')
    parts.append('</svg><figcaption><ul class="legend plain small">')
    for shade in legend:
        parts.append(
            format_html('<li><span class="swatch l{}" aria-hidden="true"></span> {}</li>', shade.level, shade.label)
        )
    parts.append("</ul></figcaption>")
    if table is not None:
        heading, figure, rows = table
        parts.append(format_html('<details class="small"><summary>{}</summary><table class="compact">', title))
        parts.append(
            format_html(
                '<thead><tr><th scope="col">{}</th><th scope="col" class="n">{}</th></tr></thead><tbody>',
                heading,
                figure,
            )
        )
        for url, name, value in rows:
            parts.append(
                format_html('<tr><th scope="row"><a href="{}">{}</a></th><td class="n">{}</td></tr>', url, name, value)
            )
        parts.append("</tbody></table></details>")
    parts.append("</figure>")
    return mark_safe("".join(parts))  # noqa: S308 (the paths are numbers; every text above is escaped)
