"""The default threat taxonomy and the five pillars (DOMAIN.md), loaded by ``load_default_taxonomy``.

Names are marked for translation: the six-language names of the default nodes live in the
interface catalogs; a node a curator adds later shows its English name until translated.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

#: (slug, name, references, children)
THREATS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "offences-against-systems",
        gettext_noop("Offences against ICT systems and data"),
        "Budapest Convention arts. 2–6; UN Convention against Cybercrime (2024)",
        [
            ("illegal-access", gettext_noop("Illegal access"), "Budapest Convention art. 2"),
            ("illegal-interception", gettext_noop("Illegal interception"), "Budapest Convention art. 3"),
            ("data-interference", gettext_noop("Data interference"), "Budapest Convention art. 4"),
            (
                "system-interference",
                gettext_noop("System interference, including denial of service"),
                "Budapest Convention art. 5",
            ),
            ("misuse-of-devices", gettext_noop("Misuse of devices"), "Budapest Convention art. 6"),
        ],
    ),
    (
        "fraud-and-forgery",
        gettext_noop("ICT-enabled fraud and forgery"),
        "Budapest Convention arts. 7–8",
        [
            (
                "computer-fraud-forgery",
                gettext_noop("Computer-related forgery and fraud"),
                "Budapest Convention arts. 7–8",
            ),
            ("phishing-scams", gettext_noop("Phishing and online scams"), ""),
            ("telephone-scams", gettext_noop("Telephone service scams"), "ITU-T X Suppl. 33"),
            ("identity-theft", gettext_noop("Identity theft"), ""),
        ],
    ),
    (
        "telecom-misuse",
        gettext_noop("Telecommunication misuse"),
        "",
        [
            (
                "spam",
                gettext_noop("Spam by e-mail, SMS and voice"),
                "ITU-T X.1231; ITU-T X.1240-series; WTSA Resolution 52",
            ),
            ("numbering-misuse", gettext_noop("Misuse of numbering resources"), "ITU-T E.156; WTSA Resolution 61"),
            ("cli-spoofing", gettext_noop("Calling-line-identification spoofing"), ""),
            ("simbox-fraud", gettext_noop("Interconnect bypass (SIM-box) fraud"), ""),
            ("irsf", gettext_noop("International revenue share fraud"), ""),
            ("wangiri", gettext_noop("Wangiri (one-ring) fraud"), ""),
            ("signalling-abuse", gettext_noop("Signalling abuse (SS7, Diameter)"), ""),
        ],
    ),
    (
        "device-crime",
        gettext_noop("Devices"),
        "",
        [
            ("counterfeit-devices", gettext_noop("Counterfeit ICT devices"), "PP Resolution 188; ITU-T Q.5050"),
            (
                "device-theft",
                gettext_noop("Mobile device theft and identifier tampering"),
                "PP Resolution 189; ITU-T Q.5051; ITU-T Q.5054",
            ),
        ],
    ),
    (
        "harmful-content",
        gettext_noop("Content"),
        "",
        [
            ("csam", gettext_noop("Child sexual abuse material and online child protection"), "PP Resolution 179"),
            ("ncii", gettext_noop("Non-consensual intimate images"), ""),
            ("copyright-infringement", gettext_noop("Copyright infringement"), ""),
        ],
    ),
    (
        "critical-infrastructure-attacks",
        gettext_noop("Attacks on critical information infrastructure"),
        "UNGA Resolution 58/199",
        [],
    ),
    (
        "unlawful-surveillance",
        gettext_noop("Unlawful surveillance and privacy violations"),
        "UNGA Resolution 68/167",
        [],
    ),
    (
        "geospatial-data-misuse",
        gettext_noop("Misuse of geospatial and remote-sensing data"),
        "UNGA Resolution 41/65",
        [],
    ),
    ("terrorist-use", gettext_noop("Terrorist use of ICTs"), "WSIS Geneva Declaration of Principles, §36", []),
    ("money-laundering", gettext_noop("Laundering of proceeds through ICTs"), "", []),
]

#: The five pillars of ITU's Global Cybersecurity Index: (slug, name).
PILLARS: list[tuple[str, str]] = [
    ("legal", gettext_noop("Legal measures")),
    ("technical", gettext_noop("Technical measures")),
    ("organizational", gettext_noop("Organizational measures")),
    ("capacity-development", gettext_noop("Capacity development")),
    ("cooperation", gettext_noop("Cooperation")),
]


def load_default_taxonomy(pillar_model: Any, threat_model: Any) -> None:
    """Create the default pillars and threats that are missing (idempotent; edits to existing nodes stay).

    Takes the model classes so that the data migration can pass its historical models.
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
