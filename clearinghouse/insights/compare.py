"""Up to four Member States side by side (issue 16, item 2): the pillars and threat families their measures cover,
how many of them are in operation, and the measures themselves with their status and year; over what the reader
may see alone (``catalog.selectors.measures_visible_to``), as a page and as CSV (what may leave the platform:
published and never TLP:RED).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from clearinghouse.catalog.models import Measure, Pillar, Threat
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.countries.models import MemberState
from clearinghouse.countries.selectors import member_states
from clearinghouse.insights.selectors import IN_OPERATION

#: At most this many states side by side (the UNIDIR portal compares three).
MOST = 4
#: How many measures of each state the page lists (the CSV has them all).
LISTED = 50
#: The CSV's columns.
COLUMNS = ["state", "state_name", "measure", "title", "pillar", "threats", "status", "since_year", "url"]


class ComparisonError(ValueError):
    """What was asked cannot be compared: the message says why, in the reader's language."""


def chosen_states(codes: list[str]) -> list[MemberState]:
    """The states of these alpha-2 codes, in the order given, each once (any case, blanks ignored); raises
    ``ComparisonError`` naming the unknown codes, or saying there are more than ``MOST``."""
    wanted: list[str] = []
    for code in codes:
        for part in code.replace(",", " ").split():
            if part.upper() not in wanted:
                wanted.append(part.upper())
    if len(wanted) > MOST:
        raise ComparisonError(
            _("Compare at most %(most)s Member States at once: %(n)s were chosen.") % {"most": MOST, "n": len(wanted)}
        )
    found = {state.alpha2: state for state in member_states().filter(alpha2__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ComparisonError(_("No Member State has the code %(codes)s.") % {"codes": ", ".join(unknown)})
    return [found[code] for code in wanted]


@dataclass
class Cell:
    measures: int = 0
    in_operation: int = 0


@dataclass
class Line:
    key: str
    label: str
    cells: list[Cell]

    @property
    def covered_by_all(self) -> bool:
        return all(cell.measures for cell in self.cells)


@dataclass
class Comparison:
    states: list[MemberState]
    totals: list[Cell] = field(default_factory=list)
    pillars: list[Line] = field(default_factory=list)
    threats: list[Line] = field(default_factory=list)
    measures: list[list[Measure]] = field(default_factory=list)  # per state, the first ``LISTED``

    @property
    def columns(self) -> list[tuple[MemberState, list[Measure]]]:
        return list(zip(self.states, self.measures, strict=True))


def _of(states: list[MemberState], user: Any) -> Any:
    return measures_visible_to(user).filter(owner_state__in=states).order_by()


def comparison(states: list[MemberState], user: Any) -> Comparison:
    """The states side by side, over the measures ``user`` may see (a fixed number of queries)."""
    found = Comparison(states=states)
    if not states:
        return found
    column = {state.pk: index for index, state in enumerate(states)}
    measures = _of(states, user)
    operating = Q(status__in=IN_OPERATION)
    found.totals = [Cell() for _ in states]
    per_pillar: dict[int, list[Cell]] = defaultdict(lambda: [Cell() for _ in states])
    for row in measures.values("owner_state", "pillar").annotate(n=Count("pk"), on=Count("pk", filter=operating)):
        cell, total = per_pillar[row["pillar"]][column[row["owner_state"]]], found.totals[column[row["owner_state"]]]
        cell.measures, cell.in_operation = row["n"], row["on"]
        total.measures += row["n"]
        total.in_operation += row["on"]
    found.pillars = [
        Line(p.slug, p.name, per_pillar[p.pk]) for p in Pillar.objects.order_by("position") if p.pk in per_pillar
    ]
    # a measure counts once for each family its threats belong to
    through: Any = Measure.threats.through
    filed = through.objects.filter(measure__in=measures.values("pk")).values_list(
        "measure_id", "measure__owner_state_id", "measure__status", "threat_id", "threat__parent_id"
    )
    seen: dict[tuple[int, int], set[int]] = defaultdict(set)
    running: set[int] = set()
    for measure_id, state_id, status, threat_id, parent_id in filed:
        seen[(parent_id or threat_id, column[state_id])].add(measure_id)
        if status in IN_OPERATION:
            running.add(measure_id)
    families = {t.pk: t for t in Threat.objects.filter(pk__in={family for family, _ in seen})}
    lines = []
    for pk, threat in families.items():
        cells = [Cell(len(seen[(pk, i)]), len(seen[(pk, i)] & running)) for i in range(len(states))]
        lines.append(Line(threat.slug, threat.name, cells))
    found.threats = sorted(lines, key=lambda line: (-sum(c.measures for c in line.cells), line.label))
    listed = measures.select_related("pillar").order_by("pillar__position", "-since_year", "title", "pk")
    found.measures = [list(listed.filter(owner_state=state)[:LISTED]) for state in states]
    return found


def csv_rows(states: list[MemberState], user: Any, absolute: Any) -> Iterator[dict[str, Any]]:
    """Every measure of the states ``user`` may see that may leave the platform, one row each."""
    names = {state.pk: state for state in states}
    exported = (
        _of(states, user)
        .exportable()
        .select_related("pillar")
        .prefetch_related("threats")
        .order_by("owner_state__alpha2", "pillar__position", "-since_year", "pk")
    )
    for measure in exported.iterator(chunk_size=500):
        state = names[measure.owner_state_id]
        yield {
            "state": state.alpha2,
            "state_name": state.name,
            "measure": measure.pk,
            "title": measure.title,
            "pillar": measure.pillar.slug,
            "threats": " ".join(sorted(t.slug for t in measure.threats.all())),
            "status": measure.status,
            "since_year": measure.since_year or "",
            "url": absolute(measure.get_absolute_url()),
        }
