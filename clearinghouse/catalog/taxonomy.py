"""The default threat taxonomy and the five pillars (DOMAIN.md), loaded by ``load_taxonomy``.

Names are marked for translation: the six-language names of the default nodes live in the
interface catalogs; a node a curator adds later shows its English name until translated.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

#: (slug, name, references, children)
THREATS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "offences-against-systems",
        N_("Offences against ICT systems and data"),
        "Budapest Convention arts. 2–6; UN Convention against Cybercrime (2024)",
        [
            ("illegal-access", N_("Illegal access"), "Budapest Convention art. 2"),
            ("illegal-interception", N_("Illegal interception"), "Budapest Convention art. 3"),
            ("data-interference", N_("Data interference"), "Budapest Convention art. 4"),
            (
                "system-interference",
                N_("System interference, including denial of service"),
                "Budapest Convention art. 5",
            ),
            ("misuse-of-devices", N_("Misuse of devices"), "Budapest Convention art. 6"),
        ],
    ),
    (
        "fraud-and-forgery",
        N_("ICT-enabled fraud and forgery"),
        "Budapest Convention arts. 7–8",
        [
            ("computer-fraud-forgery", N_("Computer-related forgery and fraud"), "Budapest Convention arts. 7–8"),
            ("phishing-scams", N_("Phishing and online scams"), ""),
            ("telephone-scams", N_("Telephone service scams"), "ITU-T X Suppl. 33"),
            ("identity-theft", N_("Identity theft"), ""),
        ],
    ),
    (
        "telecom-misuse",
        N_("Telecommunication misuse"),
        "",
        [
            ("spam", N_("Spam by e-mail, SMS and voice"), "ITU-T X.1231; ITU-T X.1240-series; WTSA Resolution 52"),
            ("numbering-misuse", N_("Misuse of numbering resources"), "ITU-T E.156; WTSA Resolution 61"),
            ("cli-spoofing", N_("Calling-line-identification spoofing"), ""),
            ("simbox-fraud", N_("Interconnect bypass (SIM-box) fraud"), ""),
            ("irsf", N_("International revenue share fraud"), ""),
            ("wangiri", N_("Wangiri (one-ring) fraud"), ""),
            ("signalling-abuse", N_("Signalling abuse (SS7, Diameter)"), ""),
        ],
    ),
    (
        "device-crime",
        N_("Devices"),
        "",
        [
            ("counterfeit-devices", N_("Counterfeit ICT devices"), "PP Resolution 188; ITU-T Q.5050"),
            (
                "device-theft",
                N_("Mobile device theft and identifier tampering"),
                "PP Resolution 189; ITU-T Q.5051; ITU-T Q.5054",
            ),
        ],
    ),
    (
        "harmful-content",
        N_("Content"),
        "",
        [
            ("csam", N_("Child sexual abuse material and online child protection"), "PP Resolution 179"),
            ("ncii", N_("Non-consensual intimate images"), ""),
            ("copyright-infringement", N_("Copyright infringement"), ""),
        ],
    ),
    (
        "critical-infrastructure-attacks",
        N_("Attacks on critical information infrastructure"),
        "UNGA Resolution 58/199",
        [],
    ),
    ("unlawful-surveillance", N_("Unlawful surveillance and privacy violations"), "UNGA Resolution 68/167", []),
    ("geospatial-data-misuse", N_("Misuse of geospatial and remote-sensing data"), "UNGA Resolution 41/65", []),
    ("terrorist-use", N_("Terrorist use of ICTs"), "WSIS Geneva Declaration of Principles, §36", []),
    ("money-laundering", N_("Laundering of proceeds through ICTs"), "", []),
]

#: The five pillars of ITU's Global Cybersecurity Index: (slug, name).
PILLARS: list[tuple[str, str]] = [
    ("legal", N_("Legal measures")),
    ("technical", N_("Technical measures")),
    ("organizational", N_("Organizational measures")),
    ("capacity-development", N_("Capacity development")),
    ("cooperation", N_("Cooperation")),
]
