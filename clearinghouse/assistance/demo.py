"""Illustrative requests and offers for `make demo`: requests from a few developing countries, each in its own
language, offers from states, organizations and the Secretariat, one request matched and one followed to its
outcome. All marked illustrative (said on every page, left out of real reports); the project's own words, not any
state's, with the project's own translations of a few of them into other languages (marked illustrative too).
Loaded once: a second run finds them by title and adds nothing (a missing translation is added)."""

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
from clearinghouse.assistance.services import set_offer_translation, set_request_translation
from clearinghouse.catalog.models import Measure, Pillar, Threat, TranslationQuality
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

#: The project's own translations of the demo texts, marked illustrative (never professional ones), so that a reader
#: in another language sees a request or an offer in theirs: by the original's title (a request) or key (an offer).
REQUEST_TRANSLATIONS: dict[str, dict[str, dict[str, str]]] = {
    REQUESTS[0]["title"]: {
        "en": {
            "title": "Setting up a national incident response team (CIRT) at the regulator",
            "need": (
                "Senegal wishes to give its regulator an incident response team able to handle the reports of "
                "interconnect fraud and number spoofing that operators send, and to train its analysts."
            ),
        },
        "ar": {
            "title": "إنشاء فريق وطني للاستجابة للحوادث (CIRT) لدى الهيئة التنظيمية",
            "need": (
                "تودّ السنغال أن تزوّد هيئتها التنظيمية بفريق للاستجابة للحوادث قادر على معالجة البلاغات التي "
                "يرسلها المشغّلون عن الاحتيال في التوصيل البيني وانتحال الأرقام، وأن تدرّب محلّليه."
            ),
        },
        "es": {
            "title": "Creación de un equipo nacional de respuesta a incidentes (CIRT) en el regulador",
            "need": (
                "Senegal desea dotar a su regulador de un equipo de respuesta a incidentes capaz de tratar las "
                "denuncias de fraude en la interconexión y de suplantación de números que envían los operadores, y "
                "formar a sus analistas."
            ),
        },
    },
    REQUESTS[1]["title"]: {
        "en": {
            "title": "Preliminary draft law on cybercrime in line with international instruments",
            "need": (
                "Haiti asks for support in drafting a preliminary bill that defines the offences committed by means "
                "of ICTs and the preservation of electronic evidence."
            ),
        },
        "es": {
            "title": "Anteproyecto de ley sobre ciberdelincuencia conforme a los instrumentos internacionales",
            "need": (
                "Haití solicita apoyo para redactar un anteproyecto de ley que defina los delitos cometidos por medio "
                "de las TIC y la conservación de las pruebas electrónicas."
            ),
        },
    },
    REQUESTS[2]["title"]: {
        "en": {
            "title": "Protecting operators' signalling networks (SS7, Diameter) against interception and fraud",
            "need": (
                "Kyrgyzstan needs help in assessing the security of operators' signalling networks and in training "
                "the regulator's specialists to work with signalling firewalls."
            ),
        },
        "fr": {
            "title": "Protection des réseaux de signalisation des opérateurs (SS7, Diameter) contre l'interception "
            "et la fraude",
            "need": (
                "Le Kirghizistan a besoin d'aide pour évaluer la sécurité des réseaux de signalisation des opérateurs "
                "et pour former les spécialistes du régulateur à l'utilisation des pare-feu de signalisation."
            ),
        },
        "zh-hans": {
            "title": "保护运营商信令网络（SS7、Diameter）免受拦截和欺诈",
            "need": "吉尔吉斯斯坦需要协助评估运营商信令网络的安全性，并培训监管机构的专业人员使用信令防火墙。",
        },
    },
    REQUESTS[3]["title"]: {
        "fr": {
            "title": "Canal de signalement et procédure de traitement des plaintes pour abus fondés sur des images",
            "need": (
                "Les Fidji ont demandé de l'aide pour organiser la façon dont la Commission de la sécurité en ligne "
                "reçoit les plaintes pour abus fondés sur des images et demande aux plateformes de retirer les "
                "contenus, avec une formation pour son personnel."
            ),
        },
        "es": {
            "title": "Canal de denuncia y procedimiento de respuesta a las quejas por abuso basado en imágenes",
            "need": (
                "Fiji pidió ayuda para organizar la forma en que la Comisión de Seguridad en Línea recibe las quejas "
                "por abuso basado en imágenes y pide a las plataformas que retiren los contenidos, con formación para "
                "su personal."
            ),
        },
        "ar": {
            "title": "قناة للإبلاغ وإجراءات للاستجابة لشكاوى الإساءة القائمة على الصور",
            "need": (
                "طلبت فيجي المساعدة في تنظيم الطريقة التي تتلقى بها لجنة السلامة على الإنترنت الشكاوى المتعلقة "
                "بالإساءة القائمة على الصور وتطلب بها من المنصات إزالة المحتوى، مع تدريب موظفيها."
            ),
        },
        "ru": {
            "title": "Канал для жалоб и порядок реагирования на злоупотребления с использованием изображений",
            "need": (
                "Фиджи попросили помочь наладить приём Комиссией по безопасности в интернете жалоб на "
                "злоупотребления с использованием изображений и направление платформам требований об удалении "
                "контента, а также обучить её сотрудников."
            ),
        },
        "zh-hans": {
            "title": "基于图像的滥用投诉的举报渠道和处理程序",
            "need": (
                "斐济请求协助确定网络安全委员会如何接收基于图像的滥用投诉并要求平台删除相关内容，"
                "同时为其工作人员提供培训。"
            ),
        },
    },
}
OFFER_TRANSLATIONS: dict[str, dict[str, dict[str, str]]] = {
    "itu-cirt": {
        "fr": {
            "title": "Assistance de l'UIT à la mise en place des CIRT nationales et de leurs procédures",
            "description": (
                "Évaluation de l'état de préparation, conception de la CIRT nationale et de ses procédures, et "
                "formation de ses premiers analystes, par l'équipe de cybersécurité du Secrétariat."
            ),
        },
        "es": {
            "title": "Asistencia de la UIT para crear equipos nacionales de respuesta a incidentes (CIRT) y sus "
            "procedimientos",
            "description": (
                "Evaluación de la preparación, diseño del CIRT nacional y de sus procedimientos, y formación de sus "
                "primeros analistas, a cargo del equipo de ciberseguridad de la Secretaría."
            ),
        },
        "ar": {
            "title": "مساعدة الاتحاد الدولي للاتصالات في إنشاء الأفرقة الوطنية للاستجابة للحوادث الحاسوبية ووضع "
            "إجراءاتها",
            "description": (
                "تقييم مدى الجاهزية، وتصميم الفريق الوطني للاستجابة للحوادث الحاسوبية وإجراءاته، وتدريب أوائل "
                "محلّليه، على يد فريق الأمن السيبراني في الأمانة العامة."
            ),
        },
        "ru": {
            "title": "Помощь МСЭ в создании национальных групп реагирования на компьютерные инциденты (CIRT) и их "
            "процедур",
            "description": (
                "Оценка готовности, проектирование национальной CIRT и её процедур и обучение её первых аналитиков "
                "силами группы по кибербезопасности Секретариата."
            ),
        },
        "zh-hans": {
            "title": "国际电联协助建立国家计算机事件响应组（CIRT）及其程序",
            "description": (
                "由秘书处网络安全团队开展准备情况评估，设计国家计算机事件响应组及其程序，并培训其首批分析人员。"
            ),
        },
    },
    "coe-law": {
        "fr": {
            "title": "Conseil législatif sur la cybercriminalité et la preuve électronique",
            "description": (
                "Examen de projets de loi au regard des normes internationales relatives à la cybercriminalité et à "
                "la preuve électronique."
            ),
        },
        "es": {
            "title": "Asesoramiento legislativo sobre ciberdelincuencia y pruebas electrónicas",
            "description": (
                "Examen de proyectos de ley a la luz de las normas internacionales sobre ciberdelincuencia y pruebas "
                "electrónicas."
            ),
        },
    },
    "rcc-signalling": {
        "en": {
            "title": "Signalling network security seminars for the region's regulators",
            "description": "Regional seminars and hands-on sessions on signalling firewalls.",
        },
        "fr": {
            "title": "Séminaires sur la sécurité des réseaux de signalisation pour les régulateurs de la région",
            "description": "Séminaires régionaux et travaux pratiques sur les pare-feu de signalisation.",
        },
    },
}


def _load_translations(record: Any, translations: dict[str, dict[str, str]], save: Any) -> int:
    """The demo's illustrative translations of ``record`` into the languages it has none in yet."""
    present = set(record.translations.values_list("language", flat=True))
    added = 0
    for language, texts in translations.items():
        if language not in present:
            save(record, actor=None, language=language, quality=TranslationQuality.ILLUSTRATIVE, **texts)
            added += 1
    return added


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
    for offer_key, translations in OFFER_TRANSLATIONS.items():
        _load_translations(offers[offer_key], translations, set_offer_translation)
    for request in AssistanceRequest.objects.filter(title__in=list(REQUEST_TRANSLATIONS), is_illustrative=True):
        _load_translations(request, REQUEST_TRANSLATIONS[request.title], set_request_translation)
    # their search words, with their threats, owners and any translations loaded with them (a few dozen records)
    search.refresh_all(AssistanceOffer.objects.filter(is_illustrative=True))
    search.refresh_all(AssistanceRequest.objects.filter(is_illustrative=True))
    return added
