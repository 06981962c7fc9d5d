"""The telecom measures tracker (issue 16, item 5): for each Member State and each misuse that falls to
telecommunication regulators, whether it has a measure in operation against it (adopted), one planned or in
progress, or none known; with the ITU-T Recommendations and supplements each threat's references name
(DOMAIN.md). Over the measures the reader may see: one tally of the search index, kept per reader until a record
changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from clearinghouse.catalog.models import MeasureStatus, Threat
from clearinghouse.catalog.search.engine import tally
from clearinghouse.core.languages import reader_number
from clearinghouse.countries import maps
from clearinghouse.countries.models import MemberState
from clearinghouse.insights.selectors import IN_OPERATION

#: The misuses that fall to telecommunication regulators, in the tracker's order (the taxonomy's slugs).
TRACKED = (
    "spam",
    "telephone-scams",
    "cli-spoofing",
    "simbox-fraud",
    "numbering-misuse",
    "counterfeit-devices",
    "device-theft",
)
ADOPTED, IN_PROGRESS, NONE_KNOWN = "adopted", "in-progress", "none"
#: What each mark says (the template reads them by name: ``labels.adopted``, ``labels.in_progress``, ``labels.none``).
LABELS = {
    "adopted": _("Adopted (a measure in operation)"),
    "in_progress": _("In progress (a measure planned or in progress)"),
    "none": _("None known"),
    # in each cell, for screen readers (the legend says what each means)
    "adopted_short": _("Adopted"),
    "in_progress_short": _("In progress"),
}
#: The CSV's first columns; then one per tracked threat.
COLUMNS = ["state", "state_name", "bdt_region"]


def statuses(user: Any, codes: list[str] | None = None) -> dict[tuple[int, int], str]:
    """``(state id, threat id)`` → ``ADOPTED`` or ``IN_PROGRESS`` (absent: none known), over the measures ``user``
    may see, of every state or of those of ``codes``: one tally of the search index
    (``catalog.search.engine.tally``), whatever the number of measures."""
    states = dict(MemberState.objects.values_list("alpha2", "pk"))
    threats = dict(Threat.objects.filter(slug__in=TRACKED).values_list("slug", "pk"))
    where: dict[str, Any] = {"filed": TRACKED} if codes is None else {"filed": TRACKED, "country": codes}
    found: dict[tuple[int, int], str] = {}
    for (slug, alpha2, status), _n in tally(user, ("filed", "country", "status"), where).items():
        if slug not in threats or alpha2 not in states:
            continue
        key = (states[alpha2], threats[slug])
        if status in IN_OPERATION:
            found[key] = ADOPTED
        elif status in (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS):
            found.setdefault(key, IN_PROGRESS)
    return found


@dataclass
class Column:
    threat: Threat
    references: list[str]
    adopted: int = 0
    in_progress: int = 0


@dataclass
class Tracker:
    columns: list[Column]
    rows: list[tuple[MemberState, list[str]]]  # each state, the status of each column


def tracked_threats() -> list[Threat]:
    found = {t.slug: t for t in Threat.objects.filter(slug__in=TRACKED)}
    return [found[slug] for slug in TRACKED if slug in found]


def tracker(states: Any, found: dict[tuple[int, int], str]) -> Tracker:
    """The table for ``states`` (in their order) from ``statuses``."""
    columns = [Column(t, [part.strip() for part in t.references.split(";") if part.strip()]) for t in tracked_threats()]
    rows = []
    for state in states:
        cells = [found.get((state.pk, column.threat.pk), NONE_KNOWN) for column in columns]
        for column, cell in zip(columns, cells, strict=True):
            column.adopted += cell == ADOPTED
            column.in_progress += cell == IN_PROGRESS
        rows.append((state, cells))
    return Tracker(columns, rows)


def by_threat(table: Tracker) -> list[tuple[Column, list[str]]]:
    """The table turned: each tracked threat with the status of each state (the comparison's columns)."""
    return [(column, [cells[n] for _state, cells in table.rows]) for n, column in enumerate(table.columns)]


def cell_html() -> dict[str, SafeString]:
    """Each mark as a table cell, in the reader's language (built once per page, not once per cell: a page of every
    state has 1,358 cells)."""
    marks = {
        ADOPTED: ("●", "", LABELS["adopted_short"]),
        IN_PROGRESS: ("◐", "", LABELS["in_progress_short"]),
        NONE_KNOWN: ("○", ' class="muted"', LABELS["none"]),
    }
    return {
        status: format_html(
            '<td class="status {}" data-status="{}"><span aria-hidden="true"{}>{}</span>'
            '<span class="visually-hidden">{}</span></td>',
            status,
            status,
            mark_safe(muted),  # noqa: S308 (a constant above)
            mark,
            label,
        )
        for status, (mark, muted, label) in marks.items()
    }


def csv_rows(table: Tracker) -> Iterator[dict[str, Any]]:
    for state, cells in table.rows:
        row = {"state": state.alpha2, "state_name": state.name, "bdt_region": state.bdt_region}
        row.update({column.threat.slug: cell for column, cell in zip(table.columns, cells, strict=True)})
        yield row


def _level(adopted: int, in_progress: int) -> int:
    if adopted >= 5:
        return 4
    if adopted >= 3:
        return 3
    if adopted:
        return 2
    return 1 if in_progress else 0


def world_map(table: Tracker) -> SafeString:
    """The tracker as a map: each state shaded by how many of the misuses it has a measure in operation against."""
    total = len(table.columns)
    levels = {}
    for state, cells in table.rows:
        adopted, in_progress = cells.count(ADOPTED), cells.count(IN_PROGRESS)
        tooltip = str(_("%(state)s: %(adopted)s of %(total)s adopted, %(in_progress)s in progress")) % {
            "state": state.name,
            "adopted": reader_number(adopted),
            "total": reader_number(total),
            "in_progress": reader_number(in_progress),
        }
        levels[state.numeric.zfill(3)] = (_level(adopted, in_progress), tooltip)
    legend = [
        maps.Shade(0, str(_("None known"))),
        maps.Shade(1, str(_("Only in progress"))),
        maps.Shade(2, str(_("1 or 2 adopted"))),
        maps.Shade(3, str(_("3 or 4 adopted"))),
        maps.Shade(4, str(_("5 or more adopted"))),
    ]
    return maps.world_map(levels, title=str(_("Misuses with a measure in operation, by Member State")), legend=legend)
