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

Assistance (issue 15): a request for assistance and an offer of it
----------------------------------------------------------------------
STIX 2.1 has no object for "a Member State asks for help" or "we can give this help". The candidates were
weighed and set aside:

- ``note`` is an analyst's comment *about* other objects (``object_refs`` required): a request is a record in
  its own right, with an owner, a lifecycle and typed properties (kinds of help, modality, urgency, dates),
  which a note's free ``content`` would flatten into prose no consumer can filter on;
- ``grouping`` is a set of objects sharing a ``context``: it would hold the threats and measures, not the
  need, and "an offer" is no set at all;
- ``opinion`` is agreement or disagreement with other objects: nothing here is an opinion;
- ``course-of-action`` (what the measures are) is an action to take against a threat: a request is the wish
  for help in taking it, an offer the capacity to help; calling either one would put them among the
  catalogue's measures in every consumer.

So each is a **new SDO defined by an extension-definition** (STIX 2.1 §7.3, ``extension_types: new-sdo``),
as the specification provides for a concept it lacks: ``x-ch174-assistance-request`` (definition
:data:`REQUEST_EXTENSION`) and ``x-ch174-assistance-offer`` (:data:`OFFER_EXTENSION`). Their own properties
are top-level, as §7.3 wants for a new SDO; the common ones mean what they mean everywhere:

- both: ``name`` (the title), ``description`` (the need, or what is offered), ``lang``, ``created_by_ref``
  (the owner's ``identity``: the requesting Member State, or the offering state or organization),
  ``object_marking_refs`` (the record's TLP 2.0 marking), ``created``/``modified`` (the record's own),
  ``revoked`` (true once its owner withdrew it), ``external_references`` (the platform's id), ``help_kinds``,
  ``languages`` (of the help), ``pillars`` (slugs), ``is_illustrative``;
- a request: ``modality``, ``urgency``, ``stage``, ``wanted_from``, ``wanted_until``, ``opened``,
  ``stage_changed`` (timestamps), ``outcome`` once closed;
- an offer: ``regions`` (BDT region codes: STIX's region vocabulary does not match the BDT's), ``modalities``,
  ``capacity``, ``available_until``, ``cost_model``, ``past_engagements``.

Relationships (SROs, made by the platform, as the catalogue's are):

- request or offer ``related-to`` the ``attack-pattern`` of each threat it concerns;
- request ``located-at`` the requesting state's ``location`` (and that state's identity ``located-at`` it);
- request ``related-to`` the ``course-of-action`` of each catalogue measure it wants to adopt, and of each of
  the state's own measures that came of it (``description`` says which): only published measures that are
  not TLP:RED and that the reader may see, as the catalogue export would carry them;
- offer ``related-to`` request, for each offer the state chose (chosen or delivered engagements): only when
  the reader may see both; proposed and declined offers stay on the platform.

A relationship is marked with the narrower of its two ends' markings (:func:`narrower`), so a link never
travels further than the narrower record may. Translations of the title and text go in a
``language-content`` as a measure's do. Who receives what is decided by the one access rule, through
``assistance.selectors`` in ``assistance.stix_views``, never here; a request or an offer is never TLP:RED (the
services refuse it) and the download would leave it out if one were, as the catalogue's export does. One record
is downloaded at a time (its page's link, ``GET /api/v1/assistance-requests/<id>/stix/``); requests and offers
are not served over TAXII (docs/assistance.md, "STIX 2.1", says why).
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


# -- assistance (issue 15): requests and offers as new SDOs of an extension-definition -------------------------

REQUEST_TYPE = "x-ch174-assistance-request"
OFFER_TYPE = "x-ch174-assistance-offer"
REQUEST_EXTENSION = stix_id("extension-definition", "clearinghouse-174-assistance-request-v1")
OFFER_EXTENSION = stix_id("extension-definition", "clearinghouse-174-assistance-offer-v1")


def narrower(*tlps: str) -> str:
    """The narrowest of some markings: what a link between records may carry."""
    return max((TLP(t) for t in tlps), key=OPENNESS.index)


def request_extension_definition() -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": SPEC_VERSION,
        "id": REQUEST_EXTENSION,
        "created_by_ref": PLATFORM_IDENTITY,
        "created": FIXED,
        "modified": FIXED,
        "name": "Clearinghouse 174 assistance request",
        "description": f"A new object, {REQUEST_TYPE}: a Member State asks for help against the illicit use of "
        "ICTs (ITU Resolution 174). The need in its own words, the kinds of help, languages, modality, urgency, "
        "the dates it is wanted and the step it has reached.",
        "schema": "https://clearinghouse174.example.org/stix/extension/assistance-request-v1",
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
    }


def offer_extension_definition() -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": SPEC_VERSION,
        "id": OFFER_EXTENSION,
        "created_by_ref": PLATFORM_IDENTITY,
        "created": FIXED,
        "modified": FIXED,
        "name": "Clearinghouse 174 assistance offer",
        "description": f"A new object, {OFFER_TYPE}: what a Member State, an organization or the ITU Secretariat "
        "can give to help against the illicit use of ICTs: kinds of help, languages, regions, capacity, "
        "until when and at what cost.",
        "schema": "https://clearinghouse174.example.org/stix/extension/assistance-offer-v1",
        "version": "1.0.0",
        "extension_types": ["new-sdo"],
    }


def _day(value: Any) -> str:
    return timestamp(datetime(value.year, value.month, value.day, tzinfo=UTC))


def _listed(name: str, values: Iterable[Any]) -> dict[str, list[Any]]:
    """A list property, left out when empty (STIX allows no empty list)."""
    found = list(values)
    return {name: found} if found else {}


def _described(obj: dict[str, Any], description: str) -> dict[str, Any]:
    return {**obj, "description": description}


def request_id(request: Any) -> str:
    return stix_id(REQUEST_TYPE, f"request:{request.pk}")


def offer_id(offer: Any) -> str:
    return stix_id(OFFER_TYPE, f"offer:{offer.pk}")


def _translations(
    record: Any, identifier: str, key: str, created: str, modified: str, fields: dict[str, str]
) -> dict[str, Any] | None:
    """A ``language-content`` of a request's or an offer's translations (``fields``: STIX name → field)."""
    translations = [t for t in record.translations.all() if t.language != record.language]
    if not translations:
        return None
    return {
        "type": "language-content",
        "spec_version": SPEC_VERSION,
        "id": stix_id("language-content", key),
        "created_by_ref": PLATFORM_IDENTITY,
        "created": created,
        "modified": max([modified] + [timestamp(t.updated_at) for t in translations]),
        "object_ref": identifier,
        "object_modified": modified,
        "contents": {
            _lang(t.language): {name: getattr(t, field) for name, field in fields.items() if getattr(t, field)}
            for t in translations
        },
        "object_marking_refs": [TLP2_MARKINGS[TLP(record.tlp)][0]],
    }


def _assistance_sdo(
    record: Any, kind: str, identifier: str, *, created_by: str, description: str, own: dict[str, Any], revoked: bool
) -> dict[str, Any]:
    """The SDO of a request or an offer (``kind``): what both say alike around ``own``, what only one says."""
    extension = REQUEST_EXTENSION if kind == "request" else OFFER_EXTENSION
    return {
        "type": REQUEST_TYPE if kind == "request" else OFFER_TYPE,
        "spec_version": SPEC_VERSION,
        "id": identifier,
        "created_by_ref": created_by,
        "created": timestamp(record.created_at),
        "modified": timestamp(record.updated_at),
        "name": record.title,
        "description": description,
        "lang": _lang(record.language),
        **_listed("help_kinds", record.kinds),
        **_listed("languages", [_lang(code) for code in record.languages]),
        **own,
        **_listed("pillars", sorted(p.slug for p in record.pillars.all())),
        "is_illustrative": record.is_illustrative,
        **({"revoked": True} if revoked else {}),
        "object_marking_refs": [TLP2_MARKINGS[TLP(record.tlp)][0]],
        "external_references": [{"source_name": PLATFORM_NAME, "external_id": f"assistance-{kind}-{record.pk}"}],
        "extensions": {extension: {"extension_type": "new-sdo"}},
    }


def _filed_under(record: Any, identifier: str, created: str, modified: str) -> Iterator[dict[str, Any]]:
    """A request or an offer ``related-to`` each of its threats' attack-patterns."""
    for threat in record.threats.all():
        target = stix_id("attack-pattern", f"threat:{threat.slug}")
        yield relationship("related-to", identifier, target, created, modified, record.tlp)


def assistance_request_objects(
    request: Any, *, measures: Iterable[Any] = (), adopted: Iterable[Any] = (), engagements: Iterable[Any] = ()
) -> Iterator[dict[str, Any]]:
    """A request's SDO, its relationships and its translations. ``measures`` and ``adopted`` are the measures it
    wants and that came of it, ``engagements`` the chosen ones: each already limited to what the reader may see."""
    identifier = request_id(request)
    created, modified = timestamp(request.created_at), timestamp(request.updated_at)
    state = request.owner_state
    yield _assistance_sdo(
        request,
        "request",
        identifier,
        created_by=stix_id("identity", f"state:{state.alpha2}"),
        description=request.need,
        own={
            "modality": request.modality,
            "urgency": request.urgency,
            "stage": request.stage,
            "stage_changed": timestamp(request.stage_changed_at),
            **({"opened": timestamp(request.opened_at)} if request.opened_at else {}),
            **({"wanted_from": _day(request.wanted_from)} if request.wanted_from else {}),
            **({"wanted_until": _day(request.wanted_until)} if request.wanted_until else {}),
            **({"outcome": request.outcome} if request.outcome else {}),
        },
        revoked=request.stage == "withdrawn",
    )
    yield from _filed_under(request, identifier, created, modified)
    yield relationship(
        "located-at", identifier, stix_id("location", f"country:{state.alpha2}"), created, modified, request.tlp
    )
    for measure, what in [(m, "wants to adopt") for m in measures] + [(m, "adopted") for m in adopted]:
        target = stix_id("course-of-action", f"measure:{measure.pk}")
        link = relationship("related-to", identifier, target, created, modified, narrower(request.tlp, measure.tlp))
        yield _described(link, f"The requesting state {what} this measure.")
    for engagement in engagements:
        yield engagement_relationship(engagement, request, engagement.offer)
    texts = {"name": "title", "description": "need"}
    content = _translations(request, identifier, f"assistance-request:{request.pk}", created, modified, texts)
    if content is not None:
        yield content


def engagement_relationship(engagement: Any, request: Any, offer: Any) -> dict[str, Any]:
    """A chosen offer ``related-to`` the request it helps, marked with the narrower of the two markings."""
    moments = [m for m in (engagement.proposed_at, engagement.decided_at, engagement.delivered_at) if m]
    link = relationship(
        "related-to",
        offer_id(offer),
        request_id(request),
        timestamp(engagement.proposed_at),
        timestamp(max(moments)),
        narrower(request.tlp, offer.tlp),
    )
    delivered = engagement.status == "delivered"
    return _described(link, "Delivered to the requesting state." if delivered else "Chosen by the requesting state.")


def assistance_offer_objects(offer: Any, *, engagements: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
    """An offer's SDO, its relationships and its translations; ``engagements``: the chosen ones whose request
    the reader may see."""
    identifier = offer_id(offer)
    created, modified = timestamp(offer.created_at), timestamp(offer.updated_at)
    owner = owner_identity(offer)
    yield _assistance_sdo(
        offer,
        "offer",
        identifier,
        created_by=owner["id"] if owner else PLATFORM_IDENTITY,
        description=offer.description,
        own={
            **_listed("regions", offer.regions),  # none: any region
            **_listed("modalities", offer.modalities),
            "capacity": offer.capacity,
            **({"available_until": _day(offer.available_until)} if offer.available_until else {}),
            "cost_model": offer.cost_model,
            **({"past_engagements": offer.past_engagements} if offer.past_engagements else {}),
        },
        revoked=offer.lifecycle == "withdrawn",
    )
    yield from _filed_under(offer, identifier, created, modified)
    for engagement in engagements:
        yield engagement_relationship(engagement, engagement.request, offer)
    texts = {"name": "title", "description": "description", "past_engagements": "past_engagements"}
    content = _translations(offer, identifier, f"assistance-offer:{offer.pk}", created, modified, texts)
    if content is not None:
        yield content


def assistance_bundle_objects(
    record: Any, own: Iterable[dict[str, Any]], extension: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """Every object of one request's or offer's bundle, each once: the platform, the extension-definition, the
    TLP markings its objects carry, the owner's identity and country, the threats' attack-patterns, then
    ``own`` (what :func:`assistance_request_objects` or :func:`assistance_offer_objects` gave)."""
    own = list(own)
    seen: set[str] = set()
    found: list[dict[str, Any] | None] = [platform_identity(), extension]
    markings = {ref for obj in own for ref in obj.get("object_marking_refs", [])} | {TLP2_MARKINGS[TLP.CLEAR][0]}
    found += [marking_definition(tlp) for tlp in OPENNESS if TLP2_MARKINGS[tlp][0] in markings]
    found.append(owner_identity(record))
    if record.owner_state_id:
        found += [country_location(record.owner_state), located_at(record.owner_state)]
    found += [attack_pattern(threat) for threat in record.threats.all()]
    for obj in [*found, *own]:
        if obj is not None and obj["id"] not in seen:
            seen.add(obj["id"])
            yield obj
