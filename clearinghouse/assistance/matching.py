"""Matching offers of assistance to requests, with a score a person can check line by line (issue 15, item 3).

``explain(request, offer)`` scores one pair and says why, criterion by criterion; ``rank(request, viewer=…)``
lists the offers that fit a request best, among those the viewer may see; ``requests_for_offer(offer,
viewer=…)`` lists the open requests that fit an offer, among those the viewer may see. All three score through
``_assess``, so a ranked match and its explanation always agree.

An offer that is not available (at its capacity, past its ``available_until``, withdrawn or not published) is
never ranked: it cannot be put forward (``services.propose`` refuses it). ``explain`` still scores it, with a
total of 0 and a first line saying why, so that "why is this offer not listed?" has an answer.
"""

from __future__ import annotations

import bisect
import datetime
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar

from django.db.models import Count, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from clearinghouse.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    Engagement,
    HelpKind,
    Modality,
    Stage,
)
from clearinghouse.catalog.models import Pillar, Threat
from clearinghouse.core.languages import reader_date
from clearinghouse.core.pagecache import current_stamp
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import BDTRegion, GroupCode, GroupMembership, MemberState

#: Points of each criterion; they add up to 100, and a match's total is its points divided by 100.
#: Threats weigh most because the expertise is what a state asks for, then the kind of help and a language both
#: sides can work in; region, modality, capacity left and the offerer's record refine among offers that fit, and
#: the priority weight (the same for every offer to one request) puts requests from the groups the resolution
#: names first among the requests that fit an offer.
THREAT_POINTS = 25
PILLAR_POINTS = 10
KIND_POINTS = 15
LANGUAGE_POINTS = 15
REGION_POINTS = 10
MODALITY_POINTS = 5
CAPACITY_POINTS = 5
RECORD_POINTS = 5
PRIORITY_POINTS = 10
MAX_POINTS = (
    THREAT_POINTS
    + PILLAR_POINTS
    + KIND_POINTS
    + LANGUAGE_POINTS
    + REGION_POINTS
    + MODALITY_POINTS
    + CAPACITY_POINTS
    + RECORD_POINTS
    + PRIORITY_POINTS
)
#: Engagements delivered by the offerer that earn all the record's points (each one earns a fifth of them).
RECORD_CAP = 5
#: The development groups Resolution 174 gives priority to.
PRIORITY_GROUPS = (GroupCode.LDC, GroupCode.SIDS, GroupCode.LLDC, GroupCode.EIT)
#: The stages of a request that offers are still looked for.
OPEN_STAGES = (Stage.OPEN, Stage.MATCHED)

OfferThreat = AssistanceOffer.threats.through
OfferPillar = AssistanceOffer.pillars.through
RequestThreat = AssistanceRequest.threats.through
RequestPillar = AssistanceRequest.pillars.through


class Line(NamedTuple):
    """One criterion of a match: its points out of its maximum, and a sentence saying what was counted."""

    criterion: str
    points: float
    max_points: int
    text: str


@dataclass
class Match:
    """A request and an offer scored: ``total`` in [0, 1] (the points out of 100), the lines that add up to it."""

    request_id: int
    offer_id: int
    total: float
    lines: list[Line]
    available: bool = True
    request: AssistanceRequest | None = field(default=None, repr=False)
    offer: AssistanceOffer | None = field(default=None, repr=False)

    @property
    def points(self) -> float:
        return round(self.total * MAX_POINTS, 2)

    def as_json(self) -> dict[str, Any]:
        """The snapshot kept with an engagement (``Engagement.score``)."""
        return {
            "total": self.total,
            "available": self.available,
            "lines": [line._asdict() for line in self.lines],
        }


# -- what the scoring reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Need:
    """What the scoring reads of a request."""

    pk: int
    state_id: int
    threats: frozenset[int]
    pillars: frozenset[int]
    kinds: tuple[str, ...]
    languages: tuple[str, ...]
    modality: str
    region: str
    groups: frozenset[str]
    groups_day: datetime.date


@dataclass(frozen=True)
class _Help:
    """What the scoring reads of an offer."""

    pk: int
    owner: tuple[str, int]
    threats: frozenset[int]
    pillars: frozenset[int]
    kinds: tuple[str, ...]
    languages: tuple[str, ...]
    regions: tuple[str, ...]
    modalities: tuple[str, ...]
    capacity: int
    engaged: int
    delivered: int
    available_until: datetime.date | None
    lifecycle: str


class _Assessment(NamedTuple):
    """A criterion's points and the facts its sentence is made of (rendered only for the matches shown)."""

    criterion: str
    points: float
    max_points: int
    facts: tuple[Any, ...]


class _Taxonomy:
    """The threats' families and the names of threats and pillars, read once per call."""

    def __init__(self) -> None:
        self.threats = {threat.pk: threat for threat in Threat.objects.all()}
        self.pillars = {pillar.pk: pillar for pillar in Pillar.objects.all()}

    def covering(self, threat_id: int) -> frozenset[int]:
        """The threats whose expertise covers ``threat_id``: itself and its family."""
        parent = self.threats[threat_id].parent_id if threat_id in self.threats else None
        return frozenset((threat_id,) if parent is None else (threat_id, parent))

    def covered_by(self, threat_ids: Iterable[int]) -> frozenset[int]:
        return frozenset().union(*(self.covering(pk) for pk in threat_ids))


#: What the callers prefetch of a requesting state: its dated memberships of the development groups.
GROUP_PERIODS = Prefetch("group_periods", queryset=GroupMembership.objects.select_related("group"))


def _groups_of(state: MemberState, day: datetime.date) -> frozenset[str]:
    """The development groups ``state`` belonged to on ``day`` (the request's opening: a country that graduated
    from the LDC list since still asked as one), from its dated memberships (``GROUP_PERIODS``, prefetched)."""
    return frozenset(
        period.group.code
        for period in state.group_periods.all()
        if (period.since is None or period.since <= day) and (period.until is None or day < period.until)
    )


#: What ``_need`` reads of a request.
_REQUEST_COLUMNS = ("pk", "kinds", "languages", "language", "modality", "opened_at")


class _GroupsOn:
    """Each state's development groups on any day, from its dated memberships cut at the days they change: a
    lookup of a day among a few, rather than a walk over its memberships for each of tens of thousands of
    requests."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.periods: dict[int, tuple[list[datetime.date], list[frozenset[str]]]] = {}

    def day(self, opened_at: datetime.datetime | None, day: datetime.date) -> datetime.date:
        return opened_at.astimezone(self.zone).date() if opened_at is not None else day

    def of(self, state: MemberState, day: datetime.date) -> frozenset[str]:
        if state.pk not in self.periods:
            changes = sorted(
                {p.since for p in state.group_periods.all() if p.since}
                | {p.until for p in state.group_periods.all() if p.until}
            )
            # the groups before the first change, then from each change to the next
            starts = [datetime.date.min, *changes]
            self.periods[state.pk] = (changes, [_groups_of(state, start) for start in starts])
        changes, groups = self.periods[state.pk]
        return groups[bisect.bisect_right(changes, day)]


def _need(
    values: dict[str, Any],
    state: MemberState,
    threats: Iterable[int],
    pillars: Iterable[int],
    day: datetime.date,
    groups: _GroupsOn | None = None,
) -> _Need:
    """``values``: the request's ``pk``, ``kinds``, ``languages``, ``language``, ``modality`` and ``opened_at``."""
    groups = groups or _GroupsOn()
    groups_day = groups.day(values["opened_at"], day)
    return _Need(
        pk=values["pk"],
        state_id=state.pk,
        threats=frozenset(threats),
        pillars=frozenset(pillars),
        kinds=tuple(values["kinds"] or ()),
        languages=tuple(values["languages"] or [values["language"]]),
        modality=values["modality"],
        region=state.bdt_region,
        groups=groups.of(state, groups_day),
        groups_day=groups_day,
    )


def _pairs(queryset: QuerySet[Any], owner: str, other: str) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for owner_id, other_id in queryset.values_list(owner, other):
        found.setdefault(owner_id, set()).add(other_id)
    return found


def _delivered_by_owner(owners: Iterable[tuple[str, int]] | None = None) -> Counter[tuple[str, int]]:
    """Engagements delivered, by offerer (a state or an organization), over all its offers; of ``owners`` only,
    when given (one offer's owner: one count, not every offerer's)."""
    counts: Counter[tuple[str, int]] = Counter()
    engagements = Engagement.objects.filter(status=Engagement.Status.DELIVERED)
    if owners is not None:
        owners = set(owners)
        engagements = engagements.filter(
            Q(offer__owner_state_id__in=[pk for kind, pk in owners if kind == "state"])
            | Q(offer__owner_organization_id__in=[pk for kind, pk in owners if kind == "organization"])
        )
    rows = engagements.values_list("offer__owner_state_id", "offer__owner_organization_id").annotate(n=Count("id"))
    for state_id, organization_id, n in rows:
        counts[("state", state_id) if state_id is not None else ("organization", organization_id)] += n
    return counts


def _owner_key(state_id: int | None, organization_id: int | None) -> tuple[str, int]:
    return ("state", state_id) if state_id is not None else ("organization", organization_id or 0)


_OFFER_COLUMNS = (
    "pk",
    "owner_state_id",
    "owner_organization_id",
    "kinds_text",
    "languages_text",
    "regions_text",
    "modalities_text",
    "capacity",
    "available_until",
    "lifecycle",
)


def _as_text(*names: str) -> dict[str, Cast]:
    """These list columns as their JSON text, for ``_values``: tens of thousands of records hold a few hundred
    different lists, each decoded once rather than once per record (half the time of building an index)."""
    return {f"{name}_text": Cast(name, TextField()) for name in names}


@lru_cache(maxsize=8192)
def _values(text: str | None) -> tuple[str, ...]:
    """A list column's values, from its JSON text."""
    return tuple(json.loads(text)) if text else ()


def _helps(offers: QuerySet[AssistanceOffer], delivered: Counter[tuple[str, int]] | None = None) -> list[_Help]:
    """The scoring's view of these offers, in five queries whatever their number."""
    rows = list(offers.annotate(**_as_text("kinds", "languages", "regions", "modalities")).values_list(*_OFFER_COLUMNS))
    ids = [row[0] for row in rows]
    if not ids:
        return []
    # the same offers as a subquery: cheaper than thousands of ids as parameters
    chosen = offers.values("pk")
    threats = _pairs(OfferThreat.objects.filter(assistanceoffer_id__in=chosen), "assistanceoffer_id", "threat_id")
    pillars = _pairs(OfferPillar.objects.filter(assistanceoffer_id__in=chosen), "assistanceoffer_id", "pillar_id")
    engaged = dict(
        Engagement.objects.filter(offer_id__in=chosen, status=Engagement.Status.CHOSEN)
        .values_list("offer_id")
        .annotate(n=Count("id"))
        .values_list("offer_id", "n")
    )
    if delivered is None:  # (a few offerers: their own counts only; many: everyone's, in one query)
        owners = {_owner_key(row[1], row[2]) for row in rows}
        delivered = _delivered_by_owner(owners if len(owners) < 100 else None)
    helps = []
    for pk, state_id, organization_id, kinds, languages, regions, modalities, capacity, until, lifecycle in rows:
        owner = _owner_key(state_id, organization_id)
        helps.append(
            _Help(
                pk=pk,
                owner=owner,
                threats=frozenset(threats.get(pk, ())),
                pillars=frozenset(pillars.get(pk, ())),
                kinds=_values(kinds),
                languages=_values(languages),
                regions=_values(regions),
                modalities=_values(modalities),
                capacity=capacity,
                engaged=engaged.get(pk, 0),
                delivered=delivered[owner],
                available_until=until,
                lifecycle=lifecycle,
            )
        )
    return helps


# -- the score ---------------------------------------------------------------------------------------------------


def _unavailable_because(offer: _Help, day: datetime.date) -> tuple[Any, ...] | None:
    if offer.lifecycle != Lifecycle.PUBLISHED:
        return ("not_offered",)
    if offer.available_until is not None and offer.available_until < day:
        return ("ended", offer.available_until, day)
    if offer.engaged >= offer.capacity:
        return ("full", offer.capacity)
    return None


def _share(asked: Iterable[Any], hit: Iterable[Any], points: int) -> float:
    asked, hit = list(asked), list(hit)
    return points * len(hit) / len(asked) if asked else 0.0


def _assess(need: _Need, offer: _Help, taxonomy: _Taxonomy) -> list[_Assessment]:
    """Each criterion's points for this pair, with the facts its sentence names."""
    covered = [pk for pk in sorted(need.threats) if taxonomy.covering(pk) & offer.threats]
    pillars = sorted(need.pillars & offer.pillars)
    kinds = [kind for kind in need.kinds if kind in offer.kinds]
    languages = [code for code in need.languages if code in offer.languages]
    region_fits = not offer.regions or need.region in offer.regions
    modality_fits = not offer.modalities or need.modality in offer.modalities
    free = max(offer.capacity - offer.engaged, 0)
    record = min(offer.delivered, RECORD_CAP)
    groups = [code for code in PRIORITY_GROUPS if code in need.groups]
    return [
        _Assessment(
            "threats", _share(need.threats, covered, THREAT_POINTS), THREAT_POINTS, (len(need.threats), covered)
        ),
        _Assessment(
            "pillars", _share(need.pillars, pillars, PILLAR_POINTS), PILLAR_POINTS, (len(need.pillars), pillars)
        ),
        _Assessment("kinds", _share(need.kinds, kinds, KIND_POINTS), KIND_POINTS, (need.kinds, kinds)),
        _Assessment(
            "language",
            float(LANGUAGE_POINTS if languages else 0),
            LANGUAGE_POINTS,
            (need.languages, languages, offer.languages),
        ),
        _Assessment("region", float(REGION_POINTS if region_fits else 0), REGION_POINTS, (need.region, offer.regions)),
        _Assessment(
            "modality",
            float(MODALITY_POINTS if modality_fits else 0),
            MODALITY_POINTS,
            (need.modality, offer.modalities),
        ),
        _Assessment(
            "capacity",
            CAPACITY_POINTS * free / offer.capacity if offer.capacity else 0.0,
            CAPACITY_POINTS,
            (free, offer.capacity),
        ),
        _Assessment("record", RECORD_POINTS * record / RECORD_CAP, RECORD_POINTS, (offer.delivered,)),
        _Assessment("priority", float(PRIORITY_POINTS if groups else 0), PRIORITY_POINTS, (groups, need.groups_day)),
    ]


_PRIORITY = frozenset(PRIORITY_GROUPS)


def _points(need: _Need, offer: _Help, taxonomy: _Taxonomy) -> float:
    """``_total(_assess(need, offer, taxonomy))`` without the facts only the lines shown need: what ranking reads
    of every candidate. The same formulas, added in the same order, so the two totals are equal to the last digit
    (a test holds them to it on every pair of the hand-made set)."""
    points = 0.0
    if need.threats:
        hit = sum(1 for pk in need.threats if taxonomy.covering(pk) & offer.threats)
        points += THREAT_POINTS * hit / len(need.threats)
    points += PILLAR_POINTS * len(need.pillars & offer.pillars) / len(need.pillars) if need.pillars else 0.0
    if need.kinds:
        points += KIND_POINTS * sum(1 for kind in need.kinds if kind in offer.kinds) / len(need.kinds)
    points += float(LANGUAGE_POINTS if any(code in offer.languages for code in need.languages) else 0)
    points += float(REGION_POINTS if not offer.regions or need.region in offer.regions else 0)
    points += float(MODALITY_POINTS if not offer.modalities or need.modality in offer.modalities else 0)
    points += CAPACITY_POINTS * max(offer.capacity - offer.engaged, 0) / offer.capacity if offer.capacity else 0.0
    points += RECORD_POINTS * min(offer.delivered, RECORD_CAP) / RECORD_CAP
    points += float(PRIORITY_POINTS if need.groups & _PRIORITY else 0)
    return round(points / MAX_POINTS, 6)


def _capacity_and_record(offer: _Help) -> float:
    """The points of the two criteria that read the offer only: the same for every request it is scored for."""
    free = max(offer.capacity - offer.engaged, 0)
    capacity = CAPACITY_POINTS * free / offer.capacity if offer.capacity else 0.0
    return capacity + RECORD_POINTS * min(offer.delivered, RECORD_CAP) / RECORD_CAP


def _total(assessments: Sequence[_Assessment]) -> float:
    return round(sum(a.points for a in assessments) / MAX_POINTS, 6)


def _best_without_threats(need: _Need | None = None) -> float:
    """The most a pair scores when the offer covers none of the request's threats (``need``: the priority is known
    too): the offers or requests left out of the first, threat-sharing, candidates cannot rank above it."""
    missing = THREAT_POINTS + (PRIORITY_POINTS if need is not None and not need.groups & set(PRIORITY_GROUPS) else 0)
    return (MAX_POINTS - missing) / MAX_POINTS


# -- the sentences -----------------------------------------------------------------------------------------------


def _listed(names: Iterable[str]) -> str:
    return "; ".join(names) or _("none")


def _language(code: str) -> str:
    return str(get_language_info(code)["name_translated"])


def _sentence(a: _Assessment, taxonomy: _Taxonomy, state_name: str, owner_name: str) -> str:
    """The sentence of one criterion, in the reader's language, naming what it counts."""
    if a.criterion == "threats":
        asked, covered = a.facts
        if not asked:
            return _("Threats: the request names none, so none is counted.")
        return ngettext(
            "Threats: %(hit)s of %(asked)s requested threat in the offer's expertise (%(names)s).",
            "Threats: %(hit)s of %(asked)s requested threats in the offer's expertise (%(names)s).",
            asked,
        ) % {"hit": len(covered), "asked": asked, "names": _listed(taxonomy.threats[pk].name for pk in covered)}
    if a.criterion == "pillars":
        asked, shared = a.facts
        if not asked:
            return _("Pillars: the request names none, so none is counted.")
        return ngettext(
            "Pillars: %(hit)s of %(asked)s requested pillar in the offer's expertise (%(names)s).",
            "Pillars: %(hit)s of %(asked)s requested pillars in the offer's expertise (%(names)s).",
            asked,
        ) % {"hit": len(shared), "asked": asked, "names": _listed(taxonomy.pillars[pk].name for pk in shared)}
    if a.criterion == "kinds":
        asked, given = a.facts
        return ngettext(
            "Kind of help: %(hit)s of %(asked)s kind asked is offered (%(names)s).",
            "Kind of help: %(hit)s of %(asked)s kinds asked are offered (%(names)s).",
            len(asked),
        ) % {"hit": len(given), "asked": len(asked), "names": _listed(str(HelpKind(k).label) for k in given)}
    if a.criterion == "language":
        asked, shared, offered = a.facts
        if shared:
            return _("Language: the offer works in %(shared)s, asked for (%(asked)s).") % {
                "shared": _listed(map(_language, shared)),
                "asked": _listed(map(_language, asked)),
            }
        return _("Language: the offer works in %(offered)s, none of the languages asked (%(asked)s).") % {
            "offered": _listed(map(_language, offered)),
            "asked": _listed(map(_language, asked)),
        }
    if a.criterion == "region":
        region, regions = a.facts
        words = {"region": BDTRegion(region).label, "state": state_name}
        if not regions:
            return _("Region: the offer serves any region, %(region)s (%(state)s) included.") % words
        if a.points:
            return _("Region: the offer serves %(region)s, the region of %(state)s.") % words
        return _("Region: the offer serves %(regions)s, not %(region)s, the region of %(state)s.") % {
            **words,
            "regions": _listed(str(BDTRegion(r).label) for r in regions),
        }
    if a.criterion == "modality":
        asked, offered = a.facts
        words = {"asked": Modality(asked).label, "offered": _listed(str(Modality(m).label) for m in offered)}
        if not offered:
            return _("Modality: %(asked)s asked; the offer gives any modality.") % words
        if a.points:
            return _("Modality: %(asked)s asked; the offer gives it.") % words
        return _("Modality: %(asked)s asked; the offer gives %(offered)s only.") % words
    if a.criterion == "capacity":
        free, capacity = a.facts
        return _("Capacity: %(free)s of %(capacity)s engagements at once still free.") % {
            "free": free,
            "capacity": capacity,
        }
    if a.criterion == "record":
        (delivered,) = a.facts
        return ngettext(
            "Record: %(n)s engagement delivered by %(owner)s (up to %(cap)s count).",
            "Record: %(n)s engagements delivered by %(owner)s (up to %(cap)s count).",
            delivered,
        ) % {"n": delivered, "owner": owner_name, "cap": RECORD_CAP}
    if a.criterion == "priority":
        groups, day = a.facts
        words = {"state": state_name, "date": reader_date(day)}
        if groups:
            return _("Priority: on %(date)s, %(state)s was among the %(groups)s.") % {
                **words,
                "groups": _listed(str(GroupCode(code).label).lower() for code in groups),
            }
        return (
            _(
                "Priority: on %(date)s, %(state)s was not among the least developed countries, small island developing "
                "states, landlocked developing countries or economies in transition."
            )
            % words
        )
    raise ValueError(a.criterion)


def _unavailable_sentence(reason: tuple[Any, ...]) -> str:
    if reason[0] == "not_offered":
        return _("Not ranked: the offer is not offered any more (withdrawn or not published).")
    if reason[0] == "ended":
        return _("Not ranked: the offer was available until %(until)s, before %(day)s.") % {
            "until": reader_date(reason[1]),
            "day": reader_date(reason[2]),
        }
    return ngettext(
        "Not ranked: the offer is at its capacity (%(n)s engagement at once, taken).",
        "Not ranked: the offer is at its capacity (%(n)s engagements at once, all taken).",
        reason[1],
    ) % {"n": reason[1]}


def _match(
    need: _Need,
    offer: _Help,
    taxonomy: _Taxonomy,
    day: datetime.date,
    *,
    state_name: str,
    owner_name: str,
) -> Match:
    assessments = _assess(need, offer, taxonomy)
    lines = [
        Line(a.criterion, round(a.points, 2), a.max_points, _sentence(a, taxonomy, state_name, owner_name))
        for a in assessments
    ]
    reason = _unavailable_because(offer, day)
    if reason is not None:
        return Match(need.pk, offer.pk, 0.0, [Line("availability", 0, 0, _unavailable_sentence(reason)), *lines], False)
    return Match(need.pk, offer.pk, _total(assessments), lines)


# -- the three entry points -------------------------------------------------------------------------------------


def _request_need(request: AssistanceRequest, day: datetime.date) -> tuple[_Need, MemberState]:
    state = MemberState.objects.prefetch_related(GROUP_PERIODS).get(pk=request.owner_state_id or 0)
    threats = RequestThreat.objects.filter(assistancerequest_id=request.pk).values_list("threat_id", flat=True)
    pillars = RequestPillar.objects.filter(assistancerequest_id=request.pk).values_list("pillar_id", flat=True)
    values = {name: getattr(request, name) for name in _REQUEST_COLUMNS}
    return _need(values, state, threats, pillars, day), state


def _owner_name(offer: AssistanceOffer) -> str:
    if offer.owner_organization is not None:
        return offer.owner_organization.localized_name
    return str(offer.owner_state)


def explain(request: AssistanceRequest, offer: AssistanceOffer, *, day: datetime.date | None = None) -> Match:
    """The score of ``offer`` for ``request`` on ``day`` (default today), line by line; development groups as of
    the request's opening date. An offer that is not available scores 0, its first line saying why."""
    day = day or timezone.localdate()
    taxonomy = _Taxonomy()
    need, state = _request_need(request, day)
    [help_] = _helps(AssistanceOffer.objects.filter(pk=offer.pk))
    found = _match(need, help_, taxonomy, day, state_name=state.name, owner_name=_owner_name(offer))
    found.request, found.offer = request, offer
    return found


def _hidden_from(viewer: Any, among: QuerySet[Any]) -> set[int]:
    """The ids of ``among`` that the one access rule hides from ``viewer``. Asked of the database as the records
    the rule leaves out, usually a few (the AMBER and RED ones not shared with the viewer), rather than as the
    tens of thousands it lets in: a call then reads tens of ids, not 50,000."""
    rule = among.model.objects.all().visibility_condition(viewer)
    return set(among.exclude(rule).values_list("pk", flat=True))


def _enough(scored: list[tuple[float, int, Any]], limit: int, bound: float) -> bool:
    """Whether ``limit`` scored pairs beat ``bound`` points: none scoring at most that can enter the list."""
    return len(scored) >= limit and _best(scored, limit)[-1][0] * MAX_POINTS > bound + 1e-9


def _best(scored: list[tuple[float, int, Any]], limit: int) -> list[tuple[float, int, Any]]:
    """Highest total first; between equal totals, the older record (lower id) first."""
    return sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]


class _OfferIndex:
    """Every offer as the scoring reads it, the published ones, and the offers by threat, for one matching stamp:
    built once per process and stamp (a few hundred milliseconds at 10,000 offers), then read from memory. It
    holds no rule of who may see what: each call asks the database which offers its viewer may not see."""

    def __init__(self) -> None:
        self.helps = {help_.pk: help_ for help_ in _helps(AssistanceOffer.objects.all())}
        self.published = {pk for pk, help_ in self.helps.items() if help_.lifecycle == Lifecycle.PUBLISHED}
        self.by_threat: dict[int, set[int]] = {}
        self.by_state: dict[int, set[int]] = {}  # (the offers of each state, left out of its own requests' lists)
        for help_ in self.helps.values():
            for threat in help_.threats:
                self.by_threat.setdefault(threat, set()).add(help_.pk)
            if help_.owner[0] == "state":
                self.by_state.setdefault(help_.owner[1], set()).add(help_.pk)
        self.taxonomy = _Taxonomy()


class _RequestIndex:
    """Every open request (open or matched, published, not hidden) as the scoring reads it, and the requests by
    threat, for one matching stamp and day; like ``_OfferIndex``, it holds no rule of who may see what."""

    def __init__(self, day: datetime.date) -> None:
        states = {state.pk: state for state in MemberState.objects.prefetch_related(GROUP_PERIODS)}
        self.states = states
        self.needs = {need.pk: need for need in _needs(_open_requests(), states, day)}
        self.ids = set(self.needs)
        self.by_threat: dict[int, set[int]] = {}
        self.by_pillar: dict[int, set[int]] = {}
        self.by_state: dict[int, set[int]] = {}
        for need in self.needs.values():
            for threat in need.threats:
                self.by_threat.setdefault(threat, set()).add(need.pk)
            for pillar in need.pillars:
                self.by_pillar.setdefault(pillar, set()).add(need.pk)
            self.by_state.setdefault(need.state_id, set()).add(need.pk)
        #: the requests from a state in a priority group on the day it asked
        self.priority = {need.pk for need in self.needs.values() if need.groups & set(PRIORITY_GROUPS)}
        self.taxonomy = _Taxonomy()


_Built = TypeVar("_Built")


class _Kept(Generic[_Built]):
    """One index per process, for the data as it stands: kept while the matching's own stamp (``core.pagecache``'s
    area "matching", moved by database triggers in the transaction of every write to what a match reads, whichever
    code makes it) and ``key`` stay the same; rebuilt when either moved, never kept when the stamp cannot be read.
    Writes to the rest of the platform (measures, meetings, sign-ins…) leave it alone. One thread builds while
    the others wait for what it built."""

    def __init__(self, build: Callable[..., _Built]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._kept: tuple[tuple[str, tuple[Any, ...]], _Built] | None = None

    def get(self, *key: Any) -> _Built:
        stamp = current_stamp("matching")
        if stamp is None:
            return self._build(*key)
        kept = self._kept
        if kept is not None and kept[0] == (stamp, key):
            return kept[1]
        with self._lock:
            kept = self._kept
            if kept is not None and kept[0] == (stamp, key):  # built by the thread this one waited for
                return kept[1]
            built = self._build(*key)
            self._kept = ((stamp, key), built)
        return built

    def forget(self) -> None:
        self._kept = None


_offers_kept: _Kept[_OfferIndex] = _Kept(_OfferIndex)
_requests_kept: _Kept[_RequestIndex] = _Kept(_RequestIndex)


def reset() -> None:
    """Forget the indexes this process holds (tests and benchmarks that swap databases)."""
    _offers_kept.forget()
    _requests_kept.forget()


def rank(request: AssistanceRequest, *, viewer: Any, limit: int = 20, day: datetime.date | None = None) -> list[Match]:
    """The offers that fit ``request`` best, among the published, available offers ``viewer`` may see (not the
    requesting state's own), best first, ties broken by the older offer.

    Which offers the viewer may not see is asked of the database (the one access rule, one query of ids); what
    each offer is comes from the index kept in memory (``_Kept``). Only the offers that could still enter the
    list are scored: the threats and pillars each shares with the request give the most it can score; offers
    are scored in that order, best bound first, until ``limit`` scored offers beat the bound of the next."""
    day = day or timezone.localdate()
    index = _offers_kept.get()
    taxonomy = index.taxonomy
    need, state = _request_need(request, day)
    hidden = _hidden_from(viewer, AssistanceOffer.objects.filter(lifecycle=Lifecycle.PUBLISHED))
    visible = index.published - hidden - index.by_state.get(need.state_id, set())
    sharing: set[int] = set()
    for threat in taxonomy.covered_by(need.threats):
        sharing |= index.by_threat.get(threat, set())
    sharing &= visible
    unsure = MAX_POINTS - THREAT_POINTS - PILLAR_POINTS - (0 if need.groups & set(PRIORITY_GROUPS) else PRIORITY_POINTS)
    bounds: dict[float, list[_Help]] = {}
    for pk in sharing:
        help_ = index.helps[pk]
        covered = [t for t in need.threats if taxonomy.covering(t) & help_.threats]
        bound = _share(need.threats, covered, THREAT_POINTS) + _share(
            need.pillars, need.pillars & help_.pillars, PILLAR_POINTS
        )
        bounds.setdefault(bound + unsure, []).append(help_)
    scored: list[tuple[float, int, _Help]] = []
    for bound in sorted(bounds, reverse=True):
        if _enough(scored, limit, bound):
            break
        scored += _score_offers(need, bounds[bound], taxonomy, day)
    else:  # the offers sharing no threat: at most the pillars and the rest
        if not _enough(scored, limit, PILLAR_POINTS + unsure):
            rest = [index.helps[pk] for pk in visible - sharing]
            scored += _score_offers(need, rest, taxonomy, day)
    best = _best(scored, limit)
    objects = AssistanceOffer.objects.select_related("owner_state", "owner_organization").in_bulk(
        [pk for _total_, pk, _help_ in best]
    )
    matches = []
    for _score, pk, help_ in best:
        offer = objects[pk]
        found = _match(need, help_, taxonomy, day, state_name=state.name, owner_name=_owner_name(offer))
        found.request, found.offer = request, offer
        matches.append(found)
    return matches


def _score_offers(
    need: _Need, helps: list[_Help], taxonomy: _Taxonomy, day: datetime.date
) -> list[tuple[float, int, _Help]]:
    return [
        (_points(need, help_, taxonomy), help_.pk, help_) for help_ in helps if _unavailable_because(help_, day) is None
    ]


def _open_requests() -> QuerySet[AssistanceRequest]:
    return AssistanceRequest.objects.filter(
        lifecycle=Lifecycle.PUBLISHED, stage__in=OPEN_STAGES, hidden_at__isnull=True
    )


def requests_for_offer(
    offer: AssistanceOffer, *, viewer: Any, limit: int = 20, day: datetime.date | None = None
) -> list[Match]:
    """The open requests (open or matched, not hidden) that fit ``offer`` best, among those ``viewer`` may see,
    scored as ``rank`` scores them (the priority weight counts here), best first, ties broken by the older
    request. An offer that is not available fits none.

    Which requests the viewer may not see is asked of the database (one query of ids); what each request is comes
    from the index kept in memory (``_Kept``); requests are scored best bound first, as ``rank`` does."""
    day = day or timezone.localdate()
    [help_] = _helps(AssistanceOffer.objects.filter(pk=offer.pk))
    if _unavailable_because(help_, day) is not None:
        return []
    index = _requests_kept.get(day)
    taxonomy = index.taxonomy
    hidden = _hidden_from(viewer, _open_requests())
    own = index.by_state.get(offer.owner_state_id, set()) if offer.owner_state_id is not None else set()
    visible = index.ids - hidden - own
    # a request's threat is covered by the offer's expertise in it or in its family
    covered = set(help_.threats) | {pk for pk, t in taxonomy.threats.items() if t.parent_id in help_.threats}
    # how many of each request's threats the offer covers, and of its pillars the offer shares (counted in C)
    threats_hit: Counter[int] = Counter()
    for threat in covered:
        threats_hit.update(index.by_threat.get(threat, ()))
    pillars_hit: Counter[int] = Counter()
    for pillar in help_.pillars:
        pillars_hit.update(index.by_pillar.get(pillar, ()))
    sharing = threats_hit.keys() & visible
    # the most each can score: its threats and pillars exactly, the offer's capacity and record exactly (the same
    # for every request), the priority if its state had it, and all the rest
    constant = KIND_POINTS + LANGUAGE_POINTS + REGION_POINTS + MODALITY_POINTS + _capacity_and_record(help_)
    bounds: dict[float, list[_Need]] = {}
    for pk in sharing:
        need = index.needs[pk]
        bound = constant + THREAT_POINTS * threats_hit[pk] / len(need.threats)
        if need.pillars:
            bound += PILLAR_POINTS * pillars_hit[pk] / len(need.pillars)
        if pk in index.priority:
            bound += PRIORITY_POINTS
        bounds.setdefault(bound, []).append(need)
    scored: list[tuple[float, int, _Need]] = []
    for bound in sorted(bounds, reverse=True):
        if _enough(scored, limit, bound):
            break
        scored += _score_requests(help_, bounds[bound], taxonomy, day)
    else:  # the requests sharing no threat: at most everything but the threats
        if not _enough(scored, limit, constant + PILLAR_POINTS + PRIORITY_POINTS):
            rest = [index.needs[pk] for pk in visible - sharing]
            scored += _score_requests(help_, rest, taxonomy, day)
    best = _best(scored, limit)
    objects = AssistanceRequest.objects.select_related("owner_state").in_bulk([pk for _t, pk, _n in best])
    owner_name = _owner_name(offer)
    matches = []
    for _score, pk, need in best:
        request = objects[pk]
        found = _match(need, help_, taxonomy, day, state_name=index.states[need.state_id].name, owner_name=owner_name)
        found.request, found.offer = request, offer
        matches.append(found)
    return matches


def _needs(requests: QuerySet[AssistanceRequest], states: dict[int, MemberState], day: datetime.date) -> list[_Need]:
    """The scoring's view of these requests, in three queries whatever their number."""
    texts = _as_text("kinds", "languages")
    plain = [name for name in _REQUEST_COLUMNS if name not in ("kinds", "languages")]
    rows = list(requests.annotate(**texts).values("owner_state_id", *plain, *texts))
    for row in rows:
        row["kinds"], row["languages"] = _values(row.pop("kinds_text")), _values(row.pop("languages_text"))
    ids = [row["pk"] for row in rows]
    if not ids:
        return []
    chosen = requests.values("pk")  # (a subquery: cheaper than thousands of ids as parameters)
    threats = _pairs(RequestThreat.objects.filter(assistancerequest_id__in=chosen), "assistancerequest_id", "threat_id")
    pillars = _pairs(RequestPillar.objects.filter(assistancerequest_id__in=chosen), "assistancerequest_id", "pillar_id")
    groups = _GroupsOn()
    needs = []
    for row in rows:
        pk = row["pk"]
        state = states[row["owner_state_id"]]
        needs.append(_need(row, state, threats.get(pk, ()), pillars.get(pk, ()), day, groups))
    return needs


def _score_requests(
    offer: _Help, needs: list[_Need], taxonomy: _Taxonomy, day: datetime.date
) -> list[tuple[float, int, _Need]]:
    return [(_points(need, offer, taxonomy), need.pk, need) for need in needs]
