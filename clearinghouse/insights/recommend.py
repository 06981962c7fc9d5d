""" "Countries like mine" (issue 16, item 4): technologies that comparable states use in measures in operation and a
state uses in none, and measures that comparable states have in operation against threats a state has none in
operation against, ranked, each with a reason a person can check and the evidence recorded.

The method, in the two sentences the page gives: the states most like this one are those of the same region and
development groups that have measures in operation against the same threats (one point for the region, one for each
group shared, up to two for the threats in common), among the states with a measure in operation. Each technology
none of this state's measures in operation uses, and each threat it has none in operation against, is ranked by the
likeness of the most comparable states that have one, added up, and by how many states have one at all; the
measures come first as their state is more like this one.

Everything is read over what the reader may see (``gaps.coverage``, ``technology_use``, ``measures_visible_to`` and
``Technology.objects.visible_to``). ``bench/recommend.py`` evaluates both rankings offline (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from clearinghouse.catalog.models import Measure, Technology, TechnologyTranslation, Threat
from clearinghouse.catalog.search.engine import tally
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
class TechnologyRecommendation:
    technology: Technology
    name: str  # in the reader's language where translated
    language: str  # the language of ``name``
    users: list[Likeness]  # the most comparable states that use it, most like first
    states_using: int  # how many states use it at all (in a measure in operation the reader may see)
    example: Measure  # the measure in operation of the most comparable state that uses it
    score: float
    evidence: str = ""  # what the example's evidence says, as plain text

    @property
    def user_names(self) -> list[str]:
        return [like.state.name for like in self.users]


@dataclass
class Recommendations:
    state: MemberState
    peers: list[Likeness]
    found: list[Recommendation] = field(default_factory=list)
    threat: Threat | None = None
    technologies: list[TechnologyRecommendation] = field(default_factory=list)


def peer_score(same_region: bool, shared_groups: int, own: set[int], theirs: set[int]) -> tuple[float, int]:
    """How like a state another is, and how many threats they both have a measure in operation against: one point
    for the same region, one for each development group shared, up to two for the share of threats in common."""
    common, union = len(own & theirs), len(own | theirs)
    return same_region + shared_groups + (2 * common / union if union else 0), common


def adoption_scores(
    own: set[int], closest: dict[int, float], adopted: dict[int, set[int]], states: int
) -> dict[int, float]:
    """Each threat (or technology) the state has no measure in operation against (or using) that one of the
    ``closest`` states (id → likeness) has one against (``adopted``: threat or technology → states): the likeness of
    the closest that have one, added up, as a share of all theirs; plus the share of the ``states`` that have one at
    all. Measures and technologies are ranked so (``recommend``, and ``bench/recommend.py`` on generated data)."""
    found = {}
    ids, total = set(closest), sum(closest.values()) or 1.0
    for key, having_all in adopted.items():
        having = having_all & ids
        if key not in own and having:
            found[key] = sum(closest[state] for state in having) / total + len(having_all) / states
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


def technology_use(user: Any, threat: Threat | None = None) -> dict[int, set[int]]:
    """Which states (ids) have a measure in operation using each technology (id), among the measures ``user`` may
    see (against ``threat`` alone if given): one tally of the search index, whatever the number of measures."""
    where = {"status": IN_OPERATION, **({"filed": [threat.slug]} if threat is not None else {})}
    states = dict(MemberState.objects.values_list("alpha2", "pk"))
    found: dict[int, set[int]] = defaultdict(set)
    for (technology, alpha2), _n in tally(user, ("technology", "country"), where).items():
        if alpha2 in states:
            found[int(technology)].add(states[alpha2])
    return dict(found)


def recommend_technologies(
    state: MemberState, user: Any, peers: list[Likeness], used: dict[int, set[int]], threat: Threat | None = None
) -> list[TechnologyRecommendation]:
    """Up to ``SHOWN`` technologies the ``peers`` (the most comparable states) use in measures in operation and
    ``state`` uses in none (``used``: ``technology_use``, against ``threat`` alone if given), ranked by
    ``adoption_scores``, among the technologies ``user`` may see; each with the measure of the most comparable state
    using it as the example (against ``threat`` if given)."""
    own = {technology for technology, states in used.items() if state.pk in states}
    closest = {like.state.pk: like for like in peers}
    scores = adoption_scores(own, {pk: like.score for pk, like in closest.items()}, used, MemberState.objects.count())
    visible = {t.pk: t for t in Technology.objects.visible_to(user).filter(pk__in=list(scores))}
    ranked = sorted(visible.values(), key=lambda t: (-scores[t.pk], t.name, t.pk))[:SHOWN]
    language = get_language() or "en"
    names = dict(
        TechnologyTranslation.objects.filter(technology__in=ranked, language=language)
        .exclude(name="")
        .values_list("technology_id", "name")
    )
    found = []
    for technology in ranked:
        users = [closest[pk] for pk in used[technology.pk] & set(closest)]
        users.sort(key=lambda like: (-like.score, like.state.name))
        example = _example(user, technology, users, threat)
        if example is None:  # (the tally and the database disagree only while a change is being indexed)
            continue
        name, in_language = (
            (names[technology.pk], language) if technology.pk in names else (technology.name, technology.language)
        )
        found.append(
            TechnologyRecommendation(
                technology,
                name,
                in_language,
                users,
                len(used[technology.pk]),
                example,
                scores[technology.pk],
                plain_text(example.evidence),
            )
        )
    return found


def _example(user: Any, technology: Technology, users: list[Likeness], threat: Threat | None) -> Measure | None:
    """The measure in operation using ``technology`` (against ``threat`` if given) of the first of ``users`` that has
    one ``user`` may see: one with evidence recorded first, then the latest published."""
    against = {"threats": threat} if threat is not None else {}
    for like in users:
        measure = (
            measures_visible_to(user)
            .filter(status__in=IN_OPERATION, owner_state=like.state, technologies=technology, **against)
            .annotate(
                without_evidence=Case(When(evidence="", then=Value(1)), default=Value(0), output_field=IntegerField())
            )
            .order_by("without_evidence", "-published_at", "-pk")
            .first()
        )
        if measure is not None:
            return measure
    return None


def recommend(
    state: MemberState,
    user: Any,
    covered: Coverage,
    threat: Threat | None = None,
    used: dict[int, set[int]] | None = None,
) -> Recommendations:
    """Up to ``SHOWN`` measures for ``state`` (against ``threat`` alone if given), and as many technologies (given
    ``used``, ``technology_use`` for the same threat), over what ``user`` may see."""
    peers = likeness(state, covered)
    found = Recommendations(state, peers[:PEERS], threat=threat)
    if used:
        found.technologies = recommend_technologies(state, user, peers[:PEERS], used, threat)
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
    scores = adoption_scores(own, {pk: like.score for pk, like in closest.items()}, covered.threats, everyone)
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
