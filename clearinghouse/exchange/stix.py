"""The catalogue in STIX 2.1: what MISP, OpenCTI and other instances of this platform read.

Mapping (DOMAIN.md, "STIX 2.1 and TAXII 2.1"):

- a measure or a technology → ``course-of-action`` (our own properties in a property extension);
- a threat of the taxonomy → ``attack-pattern``;
- a Member State or an organization → ``identity`` (``created_by_ref`` of what it owns), with a
  ``location`` for the country;
- "counters" → a ``relationship`` of type ``mitigates``; a technology a measure uses → ``related-to``;
- TLP 2.0 → the OASIS ``marking-definition`` objects of the TLP 2.0 extension;
- translations → ``language-content``.

Ids are stable: the same record always gets the same STIX id (UUIDv5 of its kind and key); a new version
of a record keeps its id and gets a new ``modified``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from clearinghouse.core.visibility import TLP

SPEC_VERSION = "2.1"
#: Seeds every id this platform gives: never change it, or every id changes.
NAMESPACE = uuid.UUID("6f1b7c3e-5d2a-5e8b-9c17-174000000174")
#: OASIS TLP 2.0 (cti-stix-common-objects, extension-definition-specifications/tlp-2.0).
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_MARKINGS = {
    TLP.CLEAR: ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"),
    TLP.GREEN: ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"),
    TLP.AMBER: ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"),
    TLP.AMBER_STRICT: ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"),
    TLP.RED: ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"),
}
#: From the widest audience to the narrowest: a relationship to a technology is exported only when the
#: technology may go at least as far as the measure, so a link never reveals a narrower record.
OPENNESS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
#: The epoch of objects that do not change (the platform's own identity, the extension definition).
FIXED = "2026-01-01T00:00:00.000Z"
PLATFORM_NAME = "Clearinghouse 174"


def stix_id(kind: str, key: str) -> str:
    """The stable id of a record: the same kind and key always give the same id."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{kind}:{key}')}"


PLATFORM_IDENTITY = stix_id("identity", "platform")
EXTENSION = stix_id("extension-definition", "clearinghouse-174-measure-v1")


def timestamp(moment: datetime | None) -> str:
    """STIX timestamps: UTC, milliseconds, ``Z``."""
    moment = (moment or datetime(2026, 1, 1, tzinfo=UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def marking_definition(tlp: str) -> dict[str, Any]:
    identifier, level = TLP2_MARKINGS[TLP(tlp)]
    return {
        "type": "marking-definition",
        "spec_version": SPEC_VERSION,
        "id": identifier,
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{level.upper()}",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


def platform_identity() -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": SPEC_VERSION,
        "id": PLATFORM_IDENTITY,
        "created": FIXED,
        "modified": FIXED,
        "name": PLATFORM_NAME,
        "description": "The clearinghouse of measures and technologies against the illicit use of ICTs "
        "(ITU Plenipotentiary Resolution 174).",
        "identity_class": "system",
    }


def extension_definition() -> dict[str, Any]:
    """Declares the properties this platform adds to a course-of-action (a property extension)."""
    return {
        "type": "extension-definition",
        "spec_version": SPEC_VERSION,
        "id": EXTENSION,
        "created_by_ref": PLATFORM_IDENTITY,
        "created": FIXED,
        "modified": FIXED,
        "name": "Clearinghouse 174 measure",
        "description": "Properties of a measure against the illicit use of ICTs: pillar, status, since when, "
        "evidence of effect, cost range, prerequisites, original language, illustrative flag.",
        "schema": "https://clearinghouse174.example.org/stix/extension/measure-v1",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    }


def owner_identity(record: Any) -> dict[str, Any] | None:
    """The identity of a record's owner: a Member State (class ``organization``, sector government) or an
    organization."""
    if record.owner_state_id:
        state = record.owner_state
        return {
            "type": "identity",
            "spec_version": SPEC_VERSION,
            "id": stix_id("identity", f"state:{state.alpha2}"),
            "created": FIXED,
            "modified": FIXED,
            "name": state.name_en,
            "identity_class": "organization",
            "sectors": ["government-national"],
            "external_references": [{"source_name": "iso-3166-1", "external_id": state.alpha2}],
        }
    if record.owner_organization_id:
        organization = record.owner_organization
        return {
            "type": "identity",
            "spec_version": SPEC_VERSION,
            "id": stix_id("identity", f"organization:{organization.slug}"),
            "created": FIXED,
            "modified": FIXED,
            "name": organization.name,
            "identity_class": "organization",
        }
    return None


def country_location(state: Any) -> dict[str, Any]:
    return {
        "type": "location",
        "spec_version": SPEC_VERSION,
        "id": stix_id("location", f"country:{state.alpha2}"),
        "created": FIXED,
        "modified": FIXED,
        "name": state.name_en,
        "country": state.alpha2,
    }


def located_at(state: Any) -> dict[str, Any]:
    source = stix_id("identity", f"state:{state.alpha2}")
    target = stix_id("location", f"country:{state.alpha2}")
    return relationship("located-at", source, target, FIXED, FIXED, TLP.CLEAR)


def attack_pattern(threat: Any) -> dict[str, Any]:
    """A category of the threat taxonomy (the platform's own, published TLP:CLEAR)."""
    obj: dict[str, Any] = {
        "type": "attack-pattern",
        "spec_version": SPEC_VERSION,
        "id": stix_id("attack-pattern", f"threat:{threat.slug}"),
        "created_by_ref": PLATFORM_IDENTITY,
        "created": FIXED,
        "modified": FIXED,
        "name": threat.name_en,
        "object_marking_refs": [TLP2_MARKINGS[TLP.CLEAR][0]],
    }
    if threat.parent_id:
        obj["kill_chain_phases"] = [{"kill_chain_name": "clearinghouse-174-threats", "phase_name": threat.parent.slug}]
    return obj


def relationship(kind: str, source: str, target: str, created: str, modified: str, tlp: str) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": SPEC_VERSION,
        "id": stix_id("relationship", f"{kind}:{source}:{target}"),
        "created_by_ref": PLATFORM_IDENTITY,
        "created": created,
        "modified": modified,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
        "object_marking_refs": [TLP2_MARKINGS[TLP(tlp)][0]],
    }


def measure_objects(measure: Any) -> Iterator[dict[str, Any]]:
    """A measure's course-of-action, its relationships and its translations."""
    identifier = stix_id("course-of-action", f"measure:{measure.pk}")
    created, modified = timestamp(measure.created_at), timestamp(measure.updated_at)
    owner = owner_identity(measure)
    marking = [TLP2_MARKINGS[TLP(measure.tlp)][0]]
    course: dict[str, Any] = {
        "type": "course-of-action",
        "spec_version": SPEC_VERSION,
        "id": identifier,
        "created_by_ref": owner["id"] if owner else PLATFORM_IDENTITY,
        "created": created,
        "modified": modified,
        "name": measure.title,
        "description": "\n\n".join(part for part in (measure.summary, measure.description) if part),
        "lang": _lang(measure.language),
        "object_marking_refs": marking,
        "external_references": [
            {"source_name": PLATFORM_NAME, "external_id": f"measure-{measure.pk}", "description": f"v{measure.version}"}
        ]
        + [
            {"source_name": ref.get_kind_display(), "description": ref.title, **({"url": ref.url} if ref.url else {})}
            for ref in measure.references.all()
        ],
        "extensions": {
            EXTENSION: {
                "extension_type": "property-extension",
                "pillar": measure.pillar.slug,
                "status": measure.status,
                **({"since_year": measure.since_year} if measure.since_year else {}),
                **({"evidence": measure.evidence} if measure.evidence else {}),
                **({"evidence_source": measure.evidence_source} if measure.evidence_source else {}),
                **({"cost_range": measure.cost_range} if measure.cost_range else {}),
                **({"prerequisites": measure.prerequisites} if measure.prerequisites else {}),
                "is_illustrative": measure.is_illustrative,
                "version": measure.version,
            }
        },
    }
    yield course
    for threat in measure.threats.all():
        target = stix_id("attack-pattern", f"threat:{threat.slug}")
        yield relationship("mitigates", identifier, target, created, modified, measure.tlp)
    for technology in measure.technologies.all():
        if OPENNESS.index(TLP(technology.tlp)) <= OPENNESS.index(TLP(measure.tlp)):
            target = stix_id("course-of-action", f"technology:{technology.slug}")
            yield relationship("related-to", identifier, target, created, modified, measure.tlp)
    translations = [t for t in measure.translations.all() if t.language != measure.language]
    if translations:
        yield {
            "type": "language-content",
            "spec_version": SPEC_VERSION,
            "id": stix_id("language-content", f"measure:{measure.pk}"),
            "created_by_ref": PLATFORM_IDENTITY,
            "created": created,
            # a translation can change without the measure: the translations' own version
            "modified": max([modified] + [timestamp(t.updated_at) for t in translations]),
            "object_ref": identifier,
            "object_modified": modified,
            "contents": {
                _lang(t.language): {
                    "name": t.title,
                    "description": "\n\n".join(p for p in (t.summary, t.description) if p),
                }
                for t in translations
            },
            "object_marking_refs": marking,
        }


def technology_object(technology: Any) -> dict[str, Any]:
    owner = owner_identity(technology)
    return {
        "type": "course-of-action",
        "spec_version": SPEC_VERSION,
        "id": stix_id("course-of-action", f"technology:{technology.slug}"),
        "created_by_ref": owner["id"] if owner else PLATFORM_IDENTITY,
        "created": timestamp(technology.created_at),
        "modified": timestamp(technology.updated_at),
        "name": technology.name,
        "description": technology.description or technology.name,
        "object_marking_refs": [TLP2_MARKINGS[TLP(technology.tlp)][0]],
        "external_references": [{"source_name": PLATFORM_NAME, "external_id": f"technology-{technology.slug}"}],
    }


def _lang(code: str) -> str:
    """The language of a text as STIX validators accept it: the primary subtag (zh-hans → zh)."""
    return code.split("-")[0].lower()


def bundle_objects(
    measures: Iterable[Any], technologies: Iterable[Any], threats: Iterable[Any]
) -> Iterator[dict[str, Any]]:
    """Every object of a bundle, each once: the platform, the markings used, owners, threats, technologies,
    measures and their relationships. ``measures`` and ``technologies`` are what the reader may export."""
    seen: set[str] = set()

    def once(obj: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
        if obj is not None and obj["id"] not in seen:
            seen.add(obj["id"])
            yield obj

    yield from once(platform_identity())
    yield from once(extension_definition())
    yield from once(marking_definition(TLP.CLEAR))
    for threat in threats:
        yield from once(attack_pattern(threat))
    for technology in technologies:
        yield from once(marking_definition(technology.tlp))
        yield from once(owner_identity(technology))
        yield from once(technology_object(technology))
    for measure in measures:
        yield from once(marking_definition(measure.tlp))
        owner = owner_identity(measure)
        yield from once(owner)
        if measure.owner_state_id:
            yield from once(country_location(measure.owner_state))
            yield from once(located_at(measure.owner_state))
        yield from measure_objects(measure)
