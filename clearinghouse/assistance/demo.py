"""Illustrative requests and offers for `make demo`: requests from a few developing countries, each in its own
language, offers from states, organizations and the Secretariat, one request matched and one followed to its
outcome. All marked illustrative (said on every page, left out of real reports); the project's own words, not any
state's. Loaded once: a second run finds them by title and adds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from clearinghouse.assistance import search
from clearinghouse.assistance.models import (
    LIFECYCLE_OF_STAGE,
    AssistanceOffer,
    AssistanceRequest,
    CostModel,
    Engagement,
    HelpKind,
    Modality,
    Stage,
    StageChange,
    Urgency,
)
from clearinghouse.catalog.models import Measure, Pillar, Threat
from clearinghouse.core import audit
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import MemberState, Organization

REQUESTS: list[dict[str, Any]] = [
    {
        "state": "SN",
        "title": "Mise en place d'une équipe nationale de réponse aux incidents (CIRT) auprès du régulateur",
        "need": (
            "Le Sénégal souhaite doter son régulateur d'une équipe de réponse aux incidents capable de traiter les "
            "signalements de fraude à l'interconnexion et d'usurpation de numéros venant des opérateurs, et d'en "
            "former les analystes."
        ),
        "language": "fr",
        "threats": ["simbox-fraud", "cli-spoofing"],
        "pillars": ["organizational", "capacity-development"],
        "kinds": [HelpKind.CIRT_SETUP, HelpKind.TRAINING],
        "languages": ["fr"],
        "modality": Modality.ON_SITE,
        "urgency": Urgency.SOON,
        "tlp": TLP.GREEN,
        "steps": [Stage.OPEN],
    },
    {
        "state": "HT",
        "title": "Avant-projet de loi sur la cybercriminalité conforme aux instruments internationaux",
        "need": (
            "Haïti demande un appui à la rédaction d'un avant-projet de loi définissant les infractions commises au "
            "moyen des TIC et la conservation des preuves électroniques."
        ),
        "language": "fr",
        "threats": ["illegal-access", "phishing-scams"],
        "pillars": ["legal"],
        "kinds": [HelpKind.LEGISLATIVE_DRAFTING, HelpKind.POLICY_ADVICE],
        "languages": ["fr", "en"],
        "modality": Modality.REMOTE,
        "urgency": Urgency.ROUTINE,
        "tlp": TLP.CLEAR,
        "steps": [Stage.OPEN],
    },
    {
        "state": "KG",
        "title": "Защита сигнальной сети операторов (SS7, Diameter) от перехвата и мошенничества",
        "need": (
            "Кыргызстану нужна помощь в оценке защищённости сигнальных сетей операторов и в обучении специалистов "
            "регулятора работе с сигнальными межсетевыми экранами."
        ),
        "language": "ru",
        "threats": ["signalling-abuse"],
        "pillars": ["technical"],
        "kinds": [HelpKind.TRAINING, HelpKind.EQUIPMENT],
        "languages": ["ru"],
        "modality": Modality.REGIONAL,
        "urgency": Urgency.URGENT,
        "tlp": TLP.GREEN,
        "steps": [Stage.OPEN, Stage.MATCHED],
        "proposed": ["rcc-signalling"],
    },
    {
        "state": "FJ",
        "title": "Reporting channel and response process for image-based abuse complaints",
        "need": (
            "Fiji asked for help to set up how the Online Safety Commission receives complaints about image-based "
            "abuse and asks platforms to take content down, with training for its staff."
        ),
        "language": "en",
        "threats": ["ncii"],
        "pillars": ["organizational", "capacity-development"],
        "kinds": [HelpKind.POLICY_ADVICE, HelpKind.TRAINING],
        "languages": ["en"],
        "modality": Modality.REMOTE,
        "urgency": Urgency.ROUTINE,
        "tlp": TLP.CLEAR,
        "steps": [Stage.OPEN, Stage.MATCHED, Stage.AGREED, Stage.IN_DELIVERY, Stage.DELIVERED, Stage.CLOSED],
        "proposed": ["itu-cirt"],
        "chosen": ["itu-cirt"],
        "delivered": "Four remote workshops for the Commission's staff and a written complaint-handling procedure.",
        "outcome": "The Commission handles complaints with the procedure since; takedown requests are tracked.",
        "adopted": "Online Safety Commission",
        "feedback": "Remote sessions suited the team; a follow-up on working with platforms would help.",
    },
]

OFFERS: list[dict[str, Any]] = [
    {
        "key": "itu-cirt",
        "organization": "itu",
        "title": "ITU assistance in setting up national CIRTs and their procedures",
        "description": (
            "Readiness assessment, design of the national CIRT and its procedures, and training of its first "
            "analysts, by the Secretariat's cybersecurity team."
        ),
        "language": "en",
        "threats": ["illegal-access", "ncii", "phishing-scams"],
        "pillars": ["organizational", "capacity-development"],
        "kinds": [HelpKind.CIRT_SETUP, HelpKind.TRAINING, HelpKind.POLICY_ADVICE],
        "languages": ["en", "fr", "es", "ar", "ru"],
        "regions": [],
        "modalities": [Modality.ON_SITE, Modality.REMOTE],
        "capacity": 4,
        "cost_model": CostModel.FREE,
    },
    {
        "key": "coe-law",
        "organization": "council-of-europe",
        "title": "Legislative advice on cybercrime and electronic evidence",
        "description": "Review of draft laws against international standards on cybercrime and electronic evidence.",
        "language": "en",
        "threats": ["illegal-access", "illegal-interception", "phishing-scams"],
        "pillars": ["legal"],
        "kinds": [HelpKind.LEGISLATIVE_DRAFTING, HelpKind.POLICY_ADVICE],
        "languages": ["en", "fr"],
        "regions": [],
        "modalities": [Modality.REMOTE, Modality.ON_SITE],
        "capacity": 3,
        "cost_model": CostModel.DONOR_FUNDED,
    },
    {
        "key": "rcc-signalling",
        "organization": "rcc",
        "title": "Семинары по безопасности сигнальных сетей для регуляторов региона",
        "description": "Региональные семинары и практические занятия по сигнальным межсетевым экранам.",
        "language": "ru",
        "threats": ["signalling-abuse", "illegal-interception"],
        "pillars": ["technical", "capacity-development"],
        "kinds": [HelpKind.TRAINING, HelpKind.EXERCISES],
        "languages": ["ru"],
        "regions": ["cis"],
        "modalities": [Modality.REGIONAL],
        "capacity": 2,
        "cost_model": CostModel.CO_FUNDED,
    },
    {
        "key": "gsma-fraud",
        "organization": "gsma",
        "title": "Fraud management training for regulators and operators",
        "description": "Course on detecting interconnect bypass, IRSF and Wangiri from call records.",
        "language": "en",
        "threats": ["simbox-fraud", "irsf", "wangiri"],
        "pillars": ["technical", "capacity-development"],
        "kinds": [HelpKind.TRAINING],
        "languages": ["en", "fr"],
        "regions": [],
        "modalities": [Modality.ON_SITE, Modality.REMOTE],
        "capacity": 2,
        "cost_model": CostModel.CO_FUNDED,
    },
]


@transaction.atomic
def load_demo_assistance() -> dict[str, int]:
    """Load the illustrative offers and requests not there yet; answers how many of each were added."""
    from clearinghouse.mandates.models import ActivityKind
    from clearinghouse.mandates.services import record_activity

    added = {"offers": 0, "requests": 0}
    threats = {threat.slug: threat for threat in Threat.objects.all()}
    pillars = {pillar.slug: pillar for pillar in Pillar.objects.all()}
    offers: dict[str, AssistanceOffer] = {}
    for spec in OFFERS:
        offer = AssistanceOffer.objects.filter(title=spec["title"], is_illustrative=True).first()
        if offer is None:
            offer = AssistanceOffer.objects.create(
                owner_organization=Organization.objects.get(slug=spec["organization"]),
                lifecycle=Lifecycle.PUBLISHED,
                tlp=TLP.CLEAR,
                is_illustrative=True,
                **{name: spec[name] for name in ("title", "description", "language", "kinds", "languages")},
                **{name: spec[name] for name in ("regions", "modalities", "capacity", "cost_model")},
            )
            offer.threats.set([threats[slug] for slug in spec["threats"]])
            offer.pillars.set([pillars[slug] for slug in spec["pillars"]])
            audit.record(None, "assistance_offer.demo_loaded", offer)
            added["offers"] += 1
        offers[spec["key"]] = offer

    now = timezone.now()
    for spec in REQUESTS:
        if AssistanceRequest.objects.filter(title=spec["title"], is_illustrative=True).exists():
            continue
        state = MemberState.objects.get(alpha2=spec["state"])
        steps: list[str] = spec["steps"]
        started = now - timedelta(days=30 * len(steps))
        request = AssistanceRequest.objects.create(
            owner_state=state,
            is_illustrative=True,
            stage=steps[-1],
            lifecycle=LIFECYCLE_OF_STAGE[steps[-1]],
            opened_at=started,
            stage_changed_at=started + timedelta(days=30 * (len(steps) - 1)),
            outcome=spec.get("outcome", ""),
            feedback=spec.get("feedback", ""),
            **{name: spec[name] for name in ("title", "need", "language", "kinds", "languages", "modality")},
            **{name: spec[name] for name in ("urgency", "tlp")},
        )
        request.threats.set([threats[slug] for slug in spec["threats"]])
        request.pillars.set([pillars[slug] for slug in spec["pillars"]])
        before: str = Stage.DRAFT
        for number, stage in enumerate(steps):
            StageChange.objects.create(
                request=request, from_stage=before, to_stage=stage, created_at=started + timedelta(days=30 * number)
            )
            before = stage
        for key in spec.get("proposed", []):
            chosen = key in spec.get("chosen", [])
            delivered = chosen and Stage.DELIVERED in steps
            Engagement.objects.create(
                request=request,
                offer=offers[key],
                proposed_at=started + timedelta(days=30),
                status=Engagement.Status.DELIVERED
                if delivered
                else (Engagement.Status.CHOSEN if chosen else Engagement.Status.PROPOSED),
                decided_at=started + timedelta(days=60) if chosen else None,
                delivered=spec.get("delivered", "") if delivered else "",
                delivered_at=started + timedelta(days=120) if delivered else None,
            )
        if spec.get("adopted"):
            adopted = Measure.objects.filter(owner_state=state, title__startswith=spec["adopted"], is_illustrative=True)
            request.adopted_measures.set(adopted)
        if Stage.DELIVERED in steps:  # as services.record_delivery does
            record_activity(
                kind=ActivityKind.ASSISTANCE,
                title=request.title,
                source=request,
                states=[state],
                language=request.language,
            )
        audit.record(None, "assistance_request.demo_loaded", request, changes={"stage": steps[-1]})
        added["requests"] += 1
    # their search words, with their threats, owners and any translations loaded with them (a few dozen records)
    search.refresh_all(AssistanceOffer.objects.filter(is_illustrative=True))
    search.refresh_all(AssistanceRequest.objects.filter(is_illustrative=True))
    return added
