"""Where a Member State has no measure in operation that comparable states have (issue 16, item 3).

For each threat a measure can be filed under (a threat with no narrower one) and each pillar, the state has a
measure **in operation** (operational or evaluated) or it has none. Where it has none, the page says how many of
its peers have one: the other states of its BDT region, of each development group it is on, and of each of those
groups within its region ("3 of the 15 least developed countries in Africa have a measure in operation against
SIM-box fraud; Chad has none"). A gap no peer has filled is not one the peers can inform: it is left out.

Everything is counted over the measures the reader may see: which states cover what is tallied by the search index
(``catalog.search.engine.tally``: the reader's audiences narrow it as they narrow every search), one tally for the
threats and one for the pillars, and kept per reader until a record changes (``core.pagecache.kept_for_reader``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from clearinghouse.catalog.models import MeasureStatus, Pillar, Threat
from clearinghouse.catalog.search.engine import tally
from clearinghouse.core.languages import reader_number
from clearinghouse.countries.models import BDTRegion, MemberState
from clearinghouse.insights.selectors import IN_OPERATION

#: A measure on its way: the state has one, not yet in operation.
ON_ITS_WAY = (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)


@dataclass
class Coverage:
    """Which states have a measure in operation against each threat and in each pillar (state ids)."""

    threats: dict[int, set[int]] = field(default_factory=dict)
    pillars: dict[int, set[int]] = field(default_factory=dict)


def coverage(user: Any) -> Coverage:
    """Over the measures ``user`` may see: two tallies of the search index, whatever the number of measures (a
    threat as the measures are filed under it: a family only where a measure is filed under the family itself)."""
    running = {"status": IN_OPERATION}
    states = dict(MemberState.objects.values_list("alpha2", "pk"))
    threats = dict(Threat.objects.values_list("slug", "pk"))
    pillars = dict(Pillar.objects.values_list("slug", "pk"))
    found = Coverage(threats=defaultdict(set), pillars=defaultdict(set))
    for (slug, alpha2), _n in tally(user, ("filed", "country"), running).items():
        if slug in threats and alpha2 in states:
            found.threats[threats[slug]].add(states[alpha2])
    for (slug, alpha2), _n in tally(user, ("pillar", "country"), running).items():
        if slug in pillars and alpha2 in states:
            found.pillars[pillars[slug]].add(states[alpha2])
    return Coverage(threats=dict(found.threats), pillars=dict(found.pillars))


@dataclass
class Peers:
    label: str  # "least developed countries in Africa"
    states: set[int]


@dataclass
class Share:
    peers: Peers
    having: int

    @property
    def of(self) -> int:
        return len(self.peers.states)


@dataclass
class Gap:
    kind: str  # "threat" or "pillar"
    key: str
    label: str
    shares: list[Share]  # only the peer sets of which at least one state has one
    on_its_way: int = 0  # the state's own measures against it, planned or in progress

    @property
    def best(self) -> float:
        return max(share.having / share.of for share in self.shares)


@dataclass
class GapAnalysis:
    state: MemberState
    peers: list[Peers]
    gaps: list[Gap]
    covered_threats: int = 0
    covered_pillars: int = 0
    targets: int = 0  # threats and pillars considered

    @property
    def peer_labels(self) -> list[str]:
        """Each set of peers with its size, for "Compared with: …"."""
        return [f"{peers.label} ({reader_number(len(peers.states))})" for peers in self.peers]


def peer_sets(state: MemberState) -> list[Peers]:
    """The other states of its region, of each group it is on, and of each group within its region (non-empty)."""
    others = MemberState.objects.exclude(pk=state.pk)
    region = str(BDTRegion(state.bdt_region).label)
    neighbours = set(others.filter(bdt_region=state.bdt_region).values_list("pk", flat=True))
    found = [Peers(_("states of %(region)s") % {"region": region}, neighbours)]
    for group in state.groups.all():
        members = set(group.members.exclude(pk=state.pk).values_list("pk", flat=True))
        name = _in_a_sentence(group.name)  # "3 of the 15 least developed countries …"
        found.append(Peers(name, members))
        local = set(others.filter(pk__in=members, bdt_region=state.bdt_region).values_list("pk", flat=True))
        if local and local != members:
            found.append(Peers(_("%(group)s in %(region)s") % {"group": name, "region": region}, local))
    return [peers for peers in found if peers.states]


def _in_a_sentence(name: str) -> str:
    """A group's name as it reads inside a sentence: its first letter small ("Least developed countries" →
    "least developed countries"); a name whose second letter is a capital too (an acronym) as it is."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def analysis(state: MemberState, user: Any, covered: Coverage) -> GapAnalysis:
    """The state's gaps against its peers, over ``covered`` (what ``user`` may see: ``coverage``)."""
    peers = peer_sets(state)
    # the state's own measures on their way (planned or in progress), against each threat and in each pillar
    mine = {"country": [state.alpha2], "status": ON_ITS_WAY}
    coming_threats = {slug: n for (slug,), n in tally(user, ("filed",), mine).items()}
    coming_pillars = {slug: n for (slug,), n in tally(user, ("pillar",), mine).items()}
    targets: list[tuple[str, Any]] = [
        ("threat", t) for t in Threat.objects.filter(children__isnull=True).order_by("position", "slug")
    ]
    targets += [("pillar", p) for p in Pillar.objects.order_by("position")]
    gaps, covered_threats, covered_pillars = [], 0, 0
    for kind, node in targets:
        states = (covered.threats if kind == "threat" else covered.pillars).get(node.pk, set())
        if state.pk in states:
            if kind == "threat":
                covered_threats += 1
            else:
                covered_pillars += 1
            continue
        shares = [Share(group, len(group.states & states)) for group in peers]
        shares = [share for share in shares if share.having]
        if shares:
            on_its_way = (coming_threats if kind == "threat" else coming_pillars).get(node.slug, 0)
            gaps.append(Gap(kind, node.slug, node.name, shares, on_its_way))
    gaps.sort(key=lambda gap: (-gap.best, gap.kind != "threat", gap.label))
    return GapAnalysis(state, peers, gaps, covered_threats, covered_pillars, len(targets))
