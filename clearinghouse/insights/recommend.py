""" "Countries like mine" (issue 16, item 4): measures that comparable states have in operation against threats a
state has none in operation against, ranked, each with a reason a person can check.

The method, in the two sentences the page gives: the states most like this one are those of the same region and
development groups that have measures in operation against the same threats (one point for the region, one for each
group shared, up to two for the threats in common), among the states with a measure in operation. Each threat this
state has no measure in operation against is ranked by the likeness of the most comparable states that have one,
added up, and by how many states have one at all; the measures against it come first as their state is more like
this one.

Everything is read over what the reader may see (``gaps.coverage`` and ``measures_visible_to``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from clearinghouse.catalog.models import Measure, Threat
from clearinghouse.catalog.selectors import measures_visible_to
from clearinghouse.core.markdown import plain_text
from clearinghouse.countries.models import MemberState
from clearinghouse.insights.gaps import Coverage
from clearinghouse.insights.selectors import IN_OPERATION

#: How many of the most comparable states the measures are read from, and how many measures are recommended.
PEERS, SHOWN = 15, 10


@dataclass
class Likeness:
    """Why a state is like the one recommended for: each part a person can check."""

    state: MemberState
    same_region: bool
    shared_groups: list[str]
    threats_in_common: int
    score: float

    @property
    def reasons(self) -> list[str]:
        found = []
        if self.same_region:
            found.append(_("the same region"))
        found += [_("also on the list of %(group)s") % {"group": group} for group in self.shared_groups]
        if self.threats_in_common:
            found.append(_("measures in operation against %(n)s of the same threats") % {"n": self.threats_in_common})
        return found


@dataclass
class Recommendation:
    measure: Measure
    likeness: Likeness
    threats: list[Threat]  # those of the measure the state has no measure in operation against
    covering_peers: int  # how many of the most comparable states cover the first of them
    score: float
    evidence: str = ""  # what the measure's evidence says, as plain text


@dataclass
class Recommendations:
    state: MemberState
    peers: list[Likeness]
    found: list[Recommendation] = field(default_factory=list)
    threat: Threat | None = None


def peer_score(same_region: bool, shared_groups: int, own: set[int], theirs: set[int]) -> tuple[float, int]:
    """How like a state another is, and how many threats they both have a measure in operation against: one point
    for the same region, one for each development group shared, up to two for the share of threats in common."""
    common, union = len(own & theirs), len(own | theirs)
    return same_region + shared_groups + (2 * common / union if union else 0), common


def threat_scores(
    own: set[int], closest: dict[int, float], coverage: dict[int, set[int]], states: int
) -> dict[int, float]:
    """Each threat the state has no measure in operation against that one of the ``closest`` states (id → likeness)
    covers: the likeness of the closest that cover it, added up, as a share of all theirs; plus the share of the
    ``states`` that cover it at all (a measure against it is ranked so, ``recommend``; the bench ranks threats so,
    ``bench/recommend.py``)."""
    found = {}
    ids, total = set(closest), sum(closest.values()) or 1.0
    for threat, covering_all in coverage.items():
        covering = covering_all & ids
        if threat not in own and covering:
            found[threat] = sum(closest[state] for state in covering) / total + len(covering_all) / states
    return found


def measure_score(threat_score: float, likeness: float, has_evidence: bool) -> float:
    """A measure's rank: its threat's score first; among the measures against one threat, the more like their state
    the earlier, and one with recorded evidence before one without (``recommend``; ``bench/recommend.py``)."""
    return threat_score + likeness / 100 + (0.001 if has_evidence else 0)


def likeness(state: MemberState, covered: Coverage) -> list[Likeness]:
    """Every other state with something in common and a measure in operation (one with none has nothing to
    recommend), most like first."""
    own = {threat for threat, states in covered.threats.items() if state.pk in states}
    groups = {group.code: group.name for group in state.groups.all()}
    per_state: dict[int, set[int]] = defaultdict(set)
    for threat, states in covered.threats.items():
        for state_id in states:
            per_state[state_id].add(threat)
    found = []
    for other in MemberState.objects.filter(pk__in=list(per_state)).exclude(pk=state.pk).prefetch_related("groups"):
        shared = [groups[g.code] for g in other.groups.all() if g.code in groups]
        score, common = peer_score(other.bdt_region == state.bdt_region, len(shared), own, per_state[other.pk])
        if score:
            found.append(Likeness(other, other.bdt_region == state.bdt_region, shared, common, score))
    found.sort(key=lambda like: (-like.score, like.state.name))
    return found


def recommend(state: MemberState, user: Any, covered: Coverage, threat: Threat | None = None) -> Recommendations:
    """Up to ``SHOWN`` measures for ``state`` (against ``threat`` alone if given), over what ``user`` may see."""
    peers = likeness(state, covered)
    found = Recommendations(state, peers[:PEERS], threat=threat)
    own = {t for t, states in covered.threats.items() if state.pk in states}
    closest = {like.state.pk: like for like in peers[:PEERS]}
    wanted = [t for t, states in covered.threats.items() if t not in own and states & set(closest)]
    if threat is not None:
        wanted = [t for t in wanted if t == threat.pk]
    if not wanted:
        return found
    candidates = (
        measures_visible_to(user)
        .filter(status__in=IN_OPERATION, owner_state__in=list(closest), threats__in=wanted)
        .distinct()
        .select_related("pillar", "owner_state")
        .prefetch_related("threats")
    )
    names = {t.pk: t for t in Threat.objects.filter(pk__in=wanted)}
    everyone = MemberState.objects.count()
    scores = threat_scores(own, {pk: like.score for pk, like in closest.items()}, covered.threats, everyone)
    scored = []
    for measure in candidates:
        like = closest[int(measure.owner_state_id or 0)]
        missing = [names[t.pk] for t in measure.threats.all() if t.pk in names]
        best = max(missing, key=lambda t: scores.get(t.pk, 0))
        covering = len(covered.threats.get(best.pk, set()) & set(closest))
        score = measure_score(scores.get(best.pk, 0), like.score, bool(measure.evidence))
        scored.append(Recommendation(measure, like, missing, covering, score, plain_text(measure.evidence)))
    scored.sort(key=lambda r: (-r.score, r.measure.title, r.measure.pk))
    found.found = scored[:SHOWN]
    return found
