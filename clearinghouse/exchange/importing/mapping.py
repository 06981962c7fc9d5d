"""Mapping: a course-of-action becomes a measure's or a technology's fields, an attack-pattern a reference."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.translation import gettext as _

from clearinghouse.catalog.models import (
    CostRange,
    Language,
    MeasureStatus,
    Pillar,
    ReferenceKind,
    Technology,
    Threat,
)
from clearinghouse.exchange import stix

#: The pillar and status of a course-of-action without this platform's extension.
DEFAULT_PILLAR = "technical"
DEFAULT_STATUS = MeasureStatus.PLANNED
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")
_PLATFORM_LANGUAGES = {code.split("-")[0]: code for code in Language.values}
_STATUSES = frozenset(MeasureStatus.values)
_COST_RANGES = frozenset(["", *CostRange.values])
_valid_url = URLValidator(schemes=["http", "https"])


def platform_language(tag: Any) -> str | None:
    """The platform's language for a language tag (``zh`` and ``zh-Hans`` → ``zh-hans``), or None."""
    if not isinstance(tag, str) or not tag:
        return None
    return _platform_language(tag)


@functools.lru_cache(maxsize=256)
def _platform_language(tag: str) -> str | None:
    """(a few tags recur over thousands of objects: worked out once each)"""
    parts = tag.lower().replace("_", "-").split("-")
    if parts[0] == "zh" and any(part in ("hant", "tw", "hk", "mo") for part in parts[1:]):
        return None  # traditional characters: not the platform's Chinese
    return _PLATFORM_LANGUAGES.get(parts[0])


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def first_sentences(text: str, limit: int = 1000) -> str:
    """A summary: the first sentence, with the second when the first is short, within ``limit``."""
    paragraph = text.strip().split("\n\n")[0].strip()
    sentences = _SENTENCE_END.split(paragraph, maxsplit=2)
    summary = sentences[0]
    if len(summary) < 150 and len(sentences) > 1 and len(summary) + 1 + len(sentences[1]) <= limit:
        summary += " " + sentences[1]
    return _cut(summary, limit)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _split_ours(description: str) -> tuple[str, str]:
    """Our own export writes a measure's summary and description as two parts of one text."""
    summary, _sep, rest = description.partition("\n\n")
    if len(summary) > 1000:
        return first_sentences(description), description
    return summary.strip(), rest.strip()


def _texts(name: str, description: str, ours: bool) -> tuple[str, str]:
    """(summary, description) of a measure or a translation."""
    if ours:
        summary, rest = _split_ours(description)
    else:
        summary, rest = first_sentences(description), description
    return summary or _cut(name, 1000), rest


def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200:
        return ""
    try:
        _valid_url(value)
    except ValidationError:
        return ""
    return value


@dataclass
class Catalogue:
    """What the mapping needs to know of this platform, read once per import."""

    pillars: dict[str, int]
    threats: dict[str, int]  # STIX id of a threat's attack-pattern → threat id
    technologies: dict[str, int]  # STIX id of a technology's course-of-action → technology id
    technology_slugs: set[str]
    reference_kinds: dict[str, str]  # a reference kind's label, in any language → the kind

    @classmethod
    def load(cls) -> Catalogue:
        kinds: dict[str, str] = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                kinds |= {str(label): value for value, label in ReferenceKind.choices}
        technologies = dict(Technology.objects.values_list("slug", "pk"))
        return cls(
            pillars=dict(Pillar.objects.values_list("slug", "pk")),
            threats={
                stix.stix_id("attack-pattern", f"threat:{slug}"): pk
                for slug, pk in Threat.objects.values_list("slug", "pk")
            },
            technologies={stix.stix_id("course-of-action", f"technology:{s}"): pk for s, pk in technologies.items()},
            technology_slugs=set(technologies),
            reference_kinds=kinds,
        )


class _Unmappable(Exception):
    """One course-of-action cannot become a record (the message says why); the rest of the bundle goes on."""


def _platform_reference(obj: dict[str, Any]) -> str:
    """The ``external_id`` of the object's ``Clearinghouse 174`` reference ("measure-12", "technology-ceir")."""
    for reference in obj.get("external_references") or ():
        if isinstance(reference, dict) and reference.get("source_name") == stix.PLATFORM_NAME:
            return str(reference.get("external_id") or "")
    return ""


def _name_and_language(obj: dict[str, Any]) -> tuple[str, str]:
    """A course-of-action's name and its language as the platform's code. Raises :class:`_Unmappable`."""
    name = _text(obj.get("name"))
    if not name:
        raise _Unmappable(_("a course-of-action needs a name"))
    language = platform_language(obj.get("lang") or "en")
    if language is None:
        raise _Unmappable(
            _("its language “%(lang)s” is not one of the platform's (ar, en, es, fr, ru, zh)")
            % {"lang": str(obj.get("lang"))[:20]}
        )
    return name, language


def measure_content(
    obj: dict[str, Any], catalogue: Catalogue, tlp: str
) -> tuple[dict[str, Any], list[dict[str, str]], bool]:
    """A course-of-action as a measure's fields and references, and whether it is one of ours (carries this
    platform's extension). Raises :class:`_Unmappable`."""
    extension = (obj.get("extensions") or {}).get(stix.EXTENSION)
    ours = extension is not None
    name, language = _name_and_language(obj)
    summary, description = _texts(name, _text(obj.get("description")), ours)
    fields: dict[str, Any] = {
        "title": _cut(name, 300),
        "summary": summary,
        "description": description,
        "language": language,
        "tlp": tlp,
        "pillar_id": catalogue.pillars.get(DEFAULT_PILLAR) or min(catalogue.pillars.values()),
        "status": DEFAULT_STATUS,
    }
    references = []
    if ours:
        if not isinstance(extension, dict):
            raise _Unmappable(_("its Clearinghouse 174 extension is not an object"))
        fields |= _extension_fields(extension, catalogue)
        for reference in obj.get("external_references") or ():
            if not isinstance(reference, dict) or reference.get("source_name") == stix.PLATFORM_NAME:
                continue
            title = _text(reference.get("description")) or _text(reference.get("source_name"))
            if title:
                kind = catalogue.reference_kinds.get(str(reference.get("source_name")), ReferenceKind.URL)
                references.append({"kind": kind, "title": _cut(title, 300), "url": _url(reference.get("url"))})
    else:
        for reference in obj.get("external_references") or ():
            if isinstance(reference, dict):
                references += _external_reference(reference)
    return fields, references, ours


def _external_reference(reference: dict[str, Any]) -> list[dict[str, str]]:
    source, external_id = _text(reference.get("source_name")), _text(reference.get("external_id"))
    title = f"{source} {external_id}".strip() if external_id else _text(reference.get("description")) or source
    if not title:
        return []
    url = _url(reference.get("url"))
    if title.upper().startswith("ITU-T"):
        kind = ReferenceKind.ITU_T
    else:
        kind = ReferenceKind.URL if url else ReferenceKind.STANDARD
    return [{"kind": kind, "title": _cut(title, 300), "url": url}]


def _extension_fields(extension: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    pillar = extension.get("pillar", DEFAULT_PILLAR)
    if pillar not in catalogue.pillars:
        raise _Unmappable(
            _("pillar “%(pillar)s” is not a pillar of this platform (%(pillars)s)")
            % {"pillar": str(pillar)[:40], "pillars": ", ".join(sorted(catalogue.pillars))}
        )
    fields["pillar_id"] = catalogue.pillars[pillar]
    status = extension.get("status", DEFAULT_STATUS)
    if status not in _STATUSES:
        raise _Unmappable(
            _("status “%(status)s” is not one of %(choices)s")
            % {"status": str(status)[:40], "choices": ", ".join(MeasureStatus.values)}
        )
    fields["status"] = status
    year = extension.get("since_year")
    if year is not None and not (isinstance(year, int) and not isinstance(year, bool) and 1980 <= year <= 2100):
        raise _Unmappable(_("since_year must be a year from 1980 to 2100"))
    fields["since_year"] = year
    cost = extension.get("cost_range", "")
    if cost not in _COST_RANGES:
        raise _Unmappable(
            _("cost_range “%(cost)s” is not one of %(choices)s")
            % {"cost": str(cost)[:40], "choices": ", ".join(CostRange.values)}
        )
    fields["cost_range"] = cost
    for name in ("evidence", "prerequisites", "evidence_source"):
        value = extension.get(name, "")
        if not isinstance(value, str):
            raise _Unmappable(_("%(property)s is not text") % {"property": name})
        fields[name] = value
    if len(fields["evidence_source"]) > 300:
        raise _Unmappable(_("evidence_source is longer than 300 characters"))
    fields["is_illustrative"] = extension.get("is_illustrative") is True
    return fields


def technology_content(obj: dict[str, Any], slug: str, tlp: str) -> dict[str, Any]:
    name, language = _name_and_language(obj)
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,80}", slug):
        raise _Unmappable(_("“%(slug)s” is not a technology's short name") % {"slug": slug[:90]})
    description = _text(obj.get("description"))
    return {
        "name": _cut(name, 200),
        "slug": slug,
        "description": "" if description == name else description,
        "language": language,
        "tlp": tlp,
    }


def technique_reference(obj: dict[str, Any]) -> dict[str, str]:
    """A reference to an attack-pattern: "T0800 Activate Firmware Update Mode (MITRE ATT&CK)"."""
    name = _text(obj.get("name")) or obj["id"]
    for reference in obj.get("external_references") or ():
        if not isinstance(reference, dict) or not reference.get("external_id"):
            continue
        source = _text(reference.get("source_name"))
        label = "MITRE ATT&CK" if source.startswith("mitre-") else source
        title = f"{_text(reference.get('external_id'))} {name} ({label})"
        return {"title": _cut(title, 300), "url": _url(reference.get("url"))}
    return {"title": _cut(f"{name} (STIX attack-pattern)", 300), "url": ""}
