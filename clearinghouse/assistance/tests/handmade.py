"""A hand-made set of requests and offers whose right answers were written down before the matching was run
(issue 15, item 7): ``test_matching.py`` checks them and ``bench/matching.py`` prints how many it gets right.

``CASES`` says, for each request, the offer that must be in the top 3 for a member of the requesting state, and
why; ``OFFERS`` holds that offer and the distractors around it (the right threat in the wrong language, the
right everything but at its capacity, past its date, in the wrong region, withdrawn, TLP:AMBER not shared with
the requesting state, and a generalist that is good at everything and best at nothing).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from clearinghouse.assistance import matching
from clearinghouse.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    Engagement,
    HelpKind,
    Modality,
    Stage,
)
from clearinghouse.catalog.models import Pillar, Threat
from clearinghouse.core.visibility import TLP, Lifecycle, Viewer
from clearinghouse.countries.models import MemberState, Organization

K, M = HelpKind, Modality
ALL_KINDS = list(HelpKind.values)
ALL_LANGUAGES = ["ar", "en", "es", "fr", "ru", "zh-hans"]


@dataclass(frozen=True)
class OfferSpec:
    """An offer of the set: its owner (a state's alpha-2 code or an organization's slug) and what it gives."""

    owner: str
    threats: list[str]
    pillars: list[str]
    kinds: list[str]
    languages: list[str]
    regions: list[str] = field(default_factory=list)
    modalities: list[str] = field(default_factory=list)
    capacity: int = 2
    #: Engagements chosen now (taking capacity) and delivered in the past (the offerer's record).
    engaged: int = 0
    delivered: int = 0
    #: Days from today to ``available_until`` (``None``: no end).
    ends_in_days: int | None = None
    tlp: str = TLP.GREEN
    shared_with_states: list[str] = field(default_factory=list)
    lifecycle: str = Lifecycle.PUBLISHED


@dataclass(frozen=True)
class Case:
    """A request of the set and its right answer: ``expected`` must be among the top 3 offers, for ``why``."""

    key: str
    state: str
    threats: list[str]
    pillars: list[str]
    kinds: list[str]
    languages: list[str]
    modality: str
    expected: str
    why: str
    #: Offers that must rank below ``expected`` or not at all, each with the reason.
    below: dict[str, str] = field(default_factory=dict)


OFFERS: dict[str, OfferSpec] = {
    "gsma-fraud": OfferSpec(
        "gsma", ["simbox-fraud", "irsf", "wangiri"], ["technical"], [K.TRAINING, K.EQUIPMENT], ["en", "fr"],
        modalities=[M.ON_SITE, M.REMOTE], capacity=3, delivered=2,
    ),
    "fraud-full": OfferSpec(
        "GB", ["simbox-fraud"], ["technical"], [K.TRAINING, K.EQUIPMENT], ["en"],
        modalities=[M.ON_SITE], capacity=1, engaged=1,
    ),
    "fraud-ended": OfferSpec(
        "US", ["simbox-fraud", "cli-spoofing"], ["technical"], [K.TRAINING, K.EQUIPMENT], ["en"],
        modalities=[M.ON_SITE], ends_in_days=-10,
    ),
    "rcc-signalling": OfferSpec(
        "rcc", ["simbox-fraud", "signalling-abuse"], ["technical", "cooperation"], [K.TRAINING, K.EXERCISES], ["ru"],
        regions=["cis"], modalities=[M.REGIONAL, M.REMOTE], capacity=3,
    ),
    "france-cirt": OfferSpec(
        "FR", ["offences-against-systems"], ["technical", "organizational"],
        [K.CIRT_SETUP, K.EXERCISES, K.TRAINING], ["fr", "en"],
        regions=["africa", "europe"], modalities=[M.ON_SITE, M.REMOTE],
    ),
    "cirt-americas": OfferSpec(
        "citel", ["illegal-access", "data-interference", "system-interference"], ["technical", "organizational"],
        [K.CIRT_SETUP], ["fr", "es", "en"], regions=["americas"], modalities=[M.ON_SITE],
    ),
    "cirt-english": OfferSpec(
        "first", ["illegal-access", "data-interference"], ["technical", "organizational"], [K.CIRT_SETUP], ["en"],
        modalities=[M.ON_SITE, M.REMOTE],
    ),
    "unodc-law": OfferSpec(
        "unodc", ["csam", "ncii"], ["legal"], [K.LEGISLATIVE_DRAFTING, K.POLICY_ADVICE], ["en", "fr", "es"],
        modalities=[M.REMOTE, M.ON_SITE], capacity=4,
    ),
    "law-amber": OfferSpec(
        "ES", ["csam"], ["legal"], [K.LEGISLATIVE_DRAFTING], ["fr", "en"], modalities=[M.REMOTE],
        tlp=TLP.AMBER, shared_with_states=["NG"], delivered=5,
    ),
    "arab-awareness": OfferSpec(
        "asmg", ["phishing-scams", "identity-theft"], ["capacity-development"], [K.TRAINING], ["ar", "en"],
        regions=["arab_states"], modalities=[M.REMOTE, M.REGIONAL],
    ),
    "phishing-french": OfferSpec(
        "BE", ["phishing-scams", "identity-theft"], ["capacity-development"], [K.TRAINING], ["fr"],
        modalities=[M.REMOTE],
    ),
    "spain-devices": OfferSpec(
        "ES", ["counterfeit-devices"], ["technical", "legal"], [K.POLICY_ADVICE, K.EQUIPMENT], ["es", "en"],
        regions=["americas", "europe"], modalities=[M.ON_SITE, M.REMOTE],
    ),
    "devices-withdrawn": OfferSpec(
        "citel", ["counterfeit-devices"], ["technical", "legal"], [K.POLICY_ADVICE, K.EQUIPMENT], ["es"],
        regions=["americas"], modalities=[M.ON_SITE], lifecycle=Lifecycle.WITHDRAWN, delivered=5,
    ),
    "numbering-apt": OfferSpec(
        "apt", ["numbering-misuse", "cli-spoofing"], ["legal", "technical"],
        [K.POLICY_ADVICE, K.LEGISLATIVE_DRAFTING], ["en"], regions=["asia_pacific"], modalities=[M.REMOTE],
    ),
    "numbering-cept": OfferSpec(
        "cept", ["numbering-misuse", "cli-spoofing"], ["legal", "technical"],
        [K.POLICY_ADVICE, K.LEGISLATIVE_DRAFTING], ["en"], regions=["europe"], modalities=[M.REMOTE], delivered=3,
    ),
    "generalist": OfferSpec(
        "itu", ["offences-against-systems", "fraud-and-forgery", "telecom-misuse"],
        ["legal", "technical", "organizational", "capacity-development", "cooperation"], ALL_KINDS, ALL_LANGUAGES,
        capacity=10,
    ),
}  # fmt: skip

CASES: list[Case] = [
    Case(
        "kenya-simbox", "KE", ["simbox-fraud"], ["technical"], [K.TRAINING, K.EQUIPMENT], ["en"], M.ON_SITE,
        expected="gsma-fraud",
        why="SIM-box fraud expertise, training and equipment, in English, on site, with two deliveries behind it",
        below={
            "fraud-full": "the same help, but its one engagement is taken",
            "fraud-ended": "the same help, but it ended ten days ago",
            "rcc-signalling": "the right threat, but in Russian and for the CIS region only",
        },
    ),
    Case(
        "senegal-cirt", "SN", ["illegal-access", "data-interference"], ["technical", "organizational"],
        [K.CIRT_SETUP], ["fr"], M.ON_SITE,
        expected="france-cirt",
        why="CIRT set-up in French for Africa, expert in the whole family of offences against systems",
        below={
            "cirt-americas": "the right help in French, but for the Americas only",
            "cirt-english": "the right help, but in English only",
        },
    ),
    Case(
        "haiti-law", "HT", ["csam"], ["legal"], [K.LEGISLATIVE_DRAFTING], ["fr"], M.REMOTE,
        expected="unodc-law",
        why="legislative drafting on child sexual abuse material, remotely, in French",
        below={"law-amber": "as good or better, but TLP:AMBER shared with Nigeria only: Haiti may not see it"},
    ),
    Case(
        "kyrgyzstan-signalling", "KG", ["signalling-abuse"], ["technical", "cooperation"], [K.EXERCISES], ["ru"],
        M.REGIONAL,
        expected="rcc-signalling",
        why="signalling abuse exercises in Russian, regional, for the CIS",
    ),
    Case(
        "jordan-phishing", "JO", ["phishing-scams", "identity-theft"], ["capacity-development"], [K.TRAINING],
        ["ar"], M.REMOTE,
        expected="arab-awareness",
        why="phishing and identity theft training in Arabic for the Arab States",
        below={"phishing-french": "the same expertise, but in French only"},
    ),
    Case(
        "bolivia-devices", "BO", ["counterfeit-devices"], ["technical", "legal"], [K.POLICY_ADVICE, K.EQUIPMENT],
        ["es"], M.ON_SITE,
        expected="spain-devices",
        why="counterfeit devices: policy advice and equipment, in Spanish, on site in the Americas",
        below={"devices-withdrawn": "the same help with a better record, but withdrawn"},
    ),
    Case(
        "fiji-numbering", "FJ", ["numbering-misuse", "cli-spoofing"], ["legal", "technical"], [K.POLICY_ADVICE],
        ["en"], M.REMOTE,
        expected="numbering-apt",
        why="numbering misuse and CLI spoofing policy advice, remotely, for Asia and the Pacific",
        below={"numbering-cept": "the same help with a record, but for Europe only"},
    ),
]  # fmt: skip


@dataclass
class HandMade:
    """The set as built in a database: offers and requests by key."""

    offers: dict[str, AssistanceOffer]
    requests: dict[str, AssistanceRequest]


def _filler_request(state: MemberState, title: str, stage: str) -> AssistanceRequest:
    return AssistanceRequest.objects.create(
        title=title,
        need=title,
        language="en",
        kinds=[K.TRAINING],
        languages=["en"],
        modality=M.REMOTE,
        stage=stage,
        lifecycle=Lifecycle.PUBLISHED,
        owner_state=state,
        tlp=TLP.GREEN,
    )


def build(*, today: datetime.date | None = None) -> HandMade:
    """Write the set (and the past engagements that fill capacities and records); reference data must be loaded."""
    today = today or timezone.localdate()
    threats = {threat.slug: threat for threat in Threat.objects.all()}
    pillars = {pillar.slug: pillar for pillar in Pillar.objects.all()}
    states = {state.alpha2: state for state in MemberState.objects.all()}
    organizations = {organization.slug: organization for organization in Organization.objects.all()}
    filler_state = states["DE"]
    offers: dict[str, AssistanceOffer] = {}
    for key, spec in OFFERS.items():
        owner: dict[str, Any] = (
            {"owner_state": states[spec.owner]}
            if spec.owner in states
            else {"owner_organization": organizations[spec.owner]}
        )
        offer = AssistanceOffer.objects.create(
            title=f"[hand-made] {key}",
            description=key,
            language="en",
            kinds=spec.kinds,
            languages=spec.languages,
            regions=spec.regions,
            modalities=spec.modalities,
            capacity=spec.capacity,
            available_until=None if spec.ends_in_days is None else today + datetime.timedelta(days=spec.ends_in_days),
            tlp=spec.tlp,
            lifecycle=spec.lifecycle,
            **owner,
        )
        offer.threats.set([threats[slug] for slug in spec.threats])
        offer.pillars.set([pillars[slug] for slug in spec.pillars])
        offer.shared_with_states.set([states[code] for code in spec.shared_with_states])
        for number in range(spec.engaged):
            past = _filler_request(filler_state, f"[hand-made] engaged {key} {number}", Stage.AGREED)
            Engagement.objects.create(request=past, offer=offer, status=Engagement.Status.CHOSEN)
        for number in range(spec.delivered):
            past = _filler_request(filler_state, f"[hand-made] delivered {key} {number}", Stage.CLOSED)
            Engagement.objects.create(request=past, offer=offer, status=Engagement.Status.DELIVERED)
        offers[key] = offer
    requests: dict[str, AssistanceRequest] = {}
    opened = timezone.now()
    for case in CASES:
        request = AssistanceRequest.objects.create(
            title=f"[hand-made] {case.key}",
            need=case.why,
            language=case.languages[0],
            kinds=case.kinds,
            languages=case.languages,
            modality=case.modality,
            stage=Stage.OPEN,
            opened_at=opened,
            lifecycle=Lifecycle.PUBLISHED,
            owner_state=states[case.state],
            tlp=TLP.GREEN,
        )
        request.threats.set([threats[slug] for slug in case.threats])
        request.pillars.set([pillars[slug] for slug in case.pillars])
        requests[case.key] = request
    return HandMade(offers, requests)


def member_of(case: Case) -> Viewer:
    """Who looks for offers in the check: any member of the requesting state."""
    return Viewer.audience(member_state_id=MemberState.objects.get(alpha2=case.state).pk)


@dataclass
class Outcome:
    """Where the right offer of one case came (1-based, ``None``: not in the list), and the list's keys."""

    case: Case
    position: int | None
    ranked: list[str]

    @property
    def in_top_3(self) -> bool:
        return self.position is not None and self.position <= 3


def check(built: HandMade, *, limit: int = 20) -> list[Outcome]:
    """Rank the offers for each request of the set, as a member of its state; where the right offer came."""
    key_of = {offer.pk: key for key, offer in built.offers.items()}
    outcomes = []
    for case in CASES:
        ranked = matching.rank(built.requests[case.key], viewer=member_of(case), limit=limit)
        keys = [key_of.get(match.offer_id, f"#{match.offer_id}") for match in ranked]
        position = keys.index(case.expected) + 1 if case.expected in keys else None
        outcomes.append(Outcome(case, position, keys))
    return outcomes
