"""World maps drawn on the server as SVG (issue 16, item 6): no JavaScript, no tiles fetched, readable on a slow
link (about 60 KB before compression), each state's outline with its name and figure as a tooltip
(``<title>``), a legend in the page's language, and always a table beside it for screen readers and for the small
island states the 1:110 million outlines leave out (``countries.geometry``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from clearinghouse.core.languages import reader_number
from clearinghouse.countries.geometry import world
from clearinghouse.countries.models import MemberState

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
    links: dict[str, str] | None = None,
    marked: frozenset[str] = frozenset(),
    view: tuple[float, float, float, float] | None = None,
) -> SafeString:
    """The SVG: ``levels`` maps a Member State's numeric code to its level and tooltip ("Kenya: 2 of 7"); a
    country not in it is drawn at level 0 with no tooltip (not a Member State, or nothing to say). ``table``, when
    the page has none of its own: its two headings and rows of (address, name, figure), shown under the map in a
    ``<details>`` (a screen reader reads it; so does whoever looks for a small island state). ``links``: the
    address each state's outline leads to (numeric code → address); ``marked``: the states outlined (the profile's
    own); ``view``: the part of the world drawn (west, north, east, south; the whole by default)."""
    west, north, east, south = view or (WEST, NORTH, EAST, SOUTH)
    links = links or {}
    parts: list[str] = [
        format_html(
            '<figure class="world-map" id="{}"><svg viewBox="{} {} {} {}" role="img" aria-labelledby="{}-title" '
            'preserveAspectRatio="xMidYMid meet"><title id="{}-title">{}</title>',
            element_id,
            west,
            -north,
            east - west,
            north - south,
            element_id,
            element_id,
            title,
        )
    ]
    for code, path in _outlines():
        level, tooltip = levels.get(code, (0, ""))
        kind = f"l{level} marked" if code in marked else f"l{level}"
        if tooltip:
            tip = escape(tooltip)
            shape = f'<path d="{path}" class="{kind}" data-numeric="{code}"><title>{tip}</title></path>'
            parts.append(f'<a href="{escape(links[code])}">{shape}</a>' if code in links else shape)
        else:
            parts.append(f'<path d="{path}" class="{kind}"/>')
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


def bounds(codes: set[str], margin: float = 4.0) -> tuple[float, float, float, float] | None:
    """The part of the world (west, north, east, south) the outlines of these states span, with a margin and the
    proportions of the whole map at least half kept; None when none of them is drawn or they span most of it."""
    xs: list[float] = []
    ys: list[float] = []
    for code, rings in world():
        if code in codes:
            for ring in rings:
                xs += [x for x, _y in ring]
                ys += [y for _x, y in ring]
    if not xs:
        return None
    west, east = max(WEST, min(xs) - margin), min(EAST, max(xs) + margin)
    south, north = max(SOUTH, min(ys) - margin), min(NORTH, max(ys) + margin)
    if east - west > 0.8 * (EAST - WEST):
        return None
    # not narrower than half the map's proportions (a tall region would be a sliver)
    ratio = (EAST - WEST) / (NORTH - SOUTH) / 2
    if (east - west) < ratio * (north - south):
        middle, half = (east + west) / 2, ratio * (north - south) / 2
        west, east = middle - half, middle + half
    return west, north, east, south


def _nice(value: float) -> int:
    """A round number near ``value`` (1, 2 or 5 times a power of ten)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return int(min((1, 2, 5, 10), key=lambda step: abs(step * power - value)) * power)


def count_shades(counts: Iterable[int]) -> tuple[list[int], list[Shade]]:
    """Where each level of a map of counts starts, and its legend: 1, 2–4, 5–9, 10 or more when the largest count is
    small; else steps growing as the counts do (a map of thousands of measures a state is not all one shade)."""
    largest = max(counts, default=0)
    starts = [1, 2, 5, 10]
    if largest > 40:
        found = [1]
        for k in (1, 2, 3):
            step = _nice(largest ** (k / 4))
            found.append(max(step, found[-1] + 1))
        starts = found
    legend = [Shade(0, gettext("None"))]
    for level, (start, end) in enumerate(zip(starts, [*starts[1:], 0], strict=True), start=1):
        if not end:
            label = gettext("%(n)s or more") % {"n": reader_number(start)}
        elif end - 1 == start:
            label = reader_number(start)
        else:
            label = f"{reader_number(start)}–{reader_number(end - 1)}"
        legend.append(Shade(level, label))
    return starts, legend


def level_of(n: int, starts: list[int]) -> int:
    """The level (0 to 4) of a count on a map whose levels start at ``starts``."""
    return sum(1 for start in starts if n >= start)


def counts_map(
    per_state: dict[str, int],
    *,
    title: str,
    element_id: str,
    states: Any = None,
    links: dict[str, str] | None = None,
    marked: MemberState | None = None,
    view: tuple[float, float, float, float] | None = None,
    table: bool = True,
) -> SafeString:
    """A world map of ``per_state`` (alpha-2 → measures), each of ``states`` (every Member State by default) shaded
    by its count, with its tooltip, the table beside it, and ``marked`` outlined."""
    states = MemberState.objects.all() if states is None else states
    starts, legend = count_shades(per_state.values())
    levels, rows = {}, []
    for state in states.filter(alpha2__in=list(per_state)).ordered_by_name():
        n = per_state[state.alpha2]
        rows.append((state.get_absolute_url(), state.name, reader_number(n)))
        tooltip = ngettext("%(state)s: %(n)s measure", "%(state)s: %(n)s measures", n) % {
            "state": state.name,
            "n": reader_number(n),
        }
        levels[state.numeric.zfill(3)] = (level_of(n, starts), tooltip)
    return world_map(
        levels,
        title=title,
        legend=legend,
        element_id=element_id,
        table=(gettext("Member State"), gettext("Measures"), rows) if table else None,
        links=links,
        marked=frozenset({marked.numeric.zfill(3)}) if marked is not None else frozenset(),
        view=view,
    )
