"""The default threat taxonomy and the five pillars (DOMAIN.md), loaded by ``load_default_taxonomy``.

The English names are here; the names in the other five languages and the synonyms of each threat in all
six are content, in ``data/taxonomy.json`` (the project's own translations), stored in the database and
edited by curators. A node a curator adds later shows its English name until it is given the others.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The names of the default nodes in the five other languages, and the synonyms of each threat.
NAMES_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.json"

#: (slug, name, references, children)
THREATS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "offences-against-systems",
        "Offences against ICT systems and data",
        "Budapest Convention arts. 2–6; UN Convention against Cybercrime (2024)",
        [
            ("illegal-access", "Illegal access", "Budapest Convention art. 2"),
            ("illegal-interception", "Illegal interception", "Budapest Convention art. 3"),
            ("data-interference", "Data interference", "Budapest Convention art. 4"),
            (
                "system-interference",
                "System interference, including denial of service",
                "Budapest Convention art. 5",
            ),
            ("misuse-of-devices", "Misuse of devices", "Budapest Convention art. 6"),
        ],
    ),
    (
        "fraud-and-forgery",
        "ICT-enabled fraud and forgery",
        "Budapest Convention arts. 7–8",
        [
            (
                "computer-fraud-forgery",
                "Computer-related forgery and fraud",
                "Budapest Convention arts. 7–8",
            ),
            ("phishing-scams", "Phishing and online scams", ""),
            ("telephone-scams", "Telephone service scams", "ITU-T X Suppl. 33"),
            ("identity-theft", "Identity theft", ""),
        ],
    ),
    (
        "telecom-misuse",
        "Telecommunication misuse",
        "",
        [
            (
                "spam",
                "Spam by e-mail, SMS and voice",
                "ITU-T X.1231; ITU-T X.1240-series; WTSA Resolution 52",
            ),
            ("numbering-misuse", "Misuse of numbering resources", "ITU-T E.156; WTSA Resolution 61"),
            ("cli-spoofing", "Calling-line-identification spoofing", ""),
            ("simbox-fraud", "Interconnect bypass (SIM-box) fraud", ""),
            ("irsf", "International revenue share fraud", ""),
            ("wangiri", "Wangiri (one-ring) fraud", ""),
            ("signalling-abuse", "Signalling abuse (SS7, Diameter)", ""),
        ],
    ),
    (
        "device-crime",
        "Devices",
        "",
        [
            ("counterfeit-devices", "Counterfeit ICT devices", "PP Resolution 188; ITU-T Q.5050"),
            (
                "device-theft",
                "Mobile device theft and identifier tampering",
                "PP Resolution 189; ITU-T Q.5051; ITU-T Q.5054",
            ),
        ],
    ),
    (
        "harmful-content",
        "Content",
        "",
        [
            ("csam", "Child sexual abuse material and online child protection", "PP Resolution 179"),
            ("ncii", "Non-consensual intimate images", ""),
            ("copyright-infringement", "Copyright infringement", ""),
        ],
    ),
    (
        "critical-infrastructure-attacks",
        "Attacks on critical information infrastructure",
        "UNGA Resolution 58/199",
        [],
    ),
    (
        "unlawful-surveillance",
        "Unlawful surveillance and privacy violations",
        "UNGA Resolution 68/167",
        [],
    ),
    (
        "geospatial-data-misuse",
        "Misuse of geospatial and remote-sensing data",
        "UNGA Resolution 41/65",
        [],
    ),
    ("terrorist-use", "Terrorist use of ICTs", "WSIS Geneva Declaration of Principles, §36", []),
    ("money-laundering", "Laundering of proceeds through ICTs", "", []),
]

#: The five pillars of ITU's Global Cybersecurity Index: (slug, name).
PILLARS: list[tuple[str, str]] = [
    ("legal", "Legal measures"),
    ("technical", "Technical measures"),
    ("organizational", "Organizational measures"),
    ("capacity-development", "Capacity development"),
    ("cooperation", "Cooperation"),
]


def load_default_taxonomy(pillar_model: Any, threat_model: Any, synonym_model: Any = None) -> None:
    """Create the default pillars and threats that are missing (idempotent; edits to existing nodes stay),
    with their names in the six languages where the models have them, and, given ``synonym_model``, the
    default synonyms.

    Takes the model classes so that the data migrations can pass their historical models.
    """
    for position, (slug, name) in enumerate(PILLARS):
        pillar_model.objects.get_or_create(slug=slug, defaults={"name_en": name, "position": position})
    position = 0
    for slug, name, references, children in THREATS:
        family, _made = threat_model.objects.get_or_create(
            slug=slug, defaults={"name_en": name, "references": references, "position": position}
        )
        position += 1
        for child_slug, child_name, child_references in children:
            threat_model.objects.get_or_create(
                slug=child_slug,
                defaults={
                    "name_en": child_name,
                    "references": child_references,
                    "parent": family,
                    "position": position,
                },
            )
            position += 1
    if any(field.name == "name_fr" for field in threat_model._meta.get_fields()):
        load_default_names(pillar_model, threat_model, synonym_model)


#: Language code -> suffix of the ``name_*`` columns (as ``countries.models.NAME_COLUMNS``, which a
#: historical migration must not import through the models).
_COLUMNS = {"ar": "ar", "es": "es", "fr": "fr", "ru": "ru", "zh-hans": "zh"}


def load_default_names(pillar_model: Any, threat_model: Any, synonym_model: Any = None) -> None:
    """Give the default nodes their names in the other five languages where a name is missing (a curator's
    name stays), and the default synonyms that are missing."""
    data = json.loads(NAMES_FILE.read_text(encoding="utf-8"))
    for model, names_of in (
        (pillar_model, data["pillars"]),
        (threat_model, {slug: spec["names"] for slug, spec in data["threats"].items()}),
    ):
        for node in model.objects.filter(slug__in=list(names_of)):
            missing = {
                "name_" + suffix: names_of[node.slug][language]
                for language, suffix in _COLUMNS.items()
                if not getattr(node, "name_" + suffix) and names_of[node.slug].get(language)
            }
            if missing:
                model.objects.filter(pk=node.pk).update(**missing)
    if synonym_model is None:
        return
    threats = {threat.slug: threat for threat in threat_model.objects.filter(slug__in=list(data["threats"]))}
    existing = set(synonym_model.objects.values_list("threat_id", "language", "folded"))
    new = []
    for slug, spec in data["threats"].items():
        if slug not in threats:
            continue
        for language, texts in spec["synonyms"].items():
            for text in texts:
                folded = " ".join(text.split()).casefold()
                if (threats[slug].pk, language, folded) not in existing:
                    existing.add((threats[slug].pk, language, folded))
                    new.append(synonym_model(threat=threats[slug], language=language, text=text, folded=folded))
    synonym_model.objects.bulk_create(new)
