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

from django.utils.translation import gettext as _

from clearinghouse.catalog.models import Measure, Pillar, Threat
from clearinghouse.catalog.search.engine import latest, tally
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.countries.models import MemberState
from clearinghouse.countries.selectors import member_states
from clearinghouse.insights.selectors import IN_OPERATION, family_rows, in_order

#: At most this many states side by side (the UNIDIR portal compares three).
MOST = 4
#: How many measures of each state the page lists, the latest published first (the catalogue and the CSV have them
#: all).
LISTED = 20
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
    """The states side by side, over the measures ``user`` may see: two tallies of the search index for the counts
    (whatever the number of measures) and a query for each state's measures listed."""
    found = Comparison(states=states)
    if not states:
        return found
    column = {state.alpha2: index for index, state in enumerate(states)}
    where = {"country": list(column)}
    found.totals = [Cell() for _ in states]
    per_pillar: dict[str, list[Cell]] = defaultdict(lambda: [Cell() for _ in states])
    for (alpha2, slug, status), n in tally(user, ("country", "pillar", "status"), where).items():
        running = n if status in IN_OPERATION else 0
        for cell in (per_pillar[slug][column[alpha2]], found.totals[column[alpha2]]):
            cell.measures += n
            cell.in_operation += running
    found.pillars = [
        Line(p.slug, p.name, per_pillar[p.slug]) for p in Pillar.objects.order_by("position") if p.slug in per_pillar
    ]
    # a measure counts once for each family its threats belong to
    by_threat = tally(user, ("country", "threat", "status"), where)
    families = {alpha2: family_rows(by_threat, alpha2) for alpha2 in column}
    named = {slug for rows in families.values() for slug in rows}
    lines = []
    for threat in Threat.objects.filter(slug__in=named):
        cells = [Cell(*families[state.alpha2].get(threat.slug, (0, 0))) for state in states]
        lines.append(Line(threat.slug, threat.name, cells))
    found.threats = sorted(lines, key=lambda line: (-sum(c.measures for c in line.cells), line.label))
    # each state's latest, read from the index; the records in one query (the access rule applied again)
    chosen = [latest(user, {"country": [state.alpha2]}, LISTED) for state in states]
    records = {m.pk: m for m in in_order(_of(states, user), [pk for ids in chosen for pk in ids])}
    found.measures = [[records[pk] for pk in ids if pk in records] for ids in chosen]
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
