"""Checking: what makes an object invalid STIX 2.1 for this platform (the ``stix2`` object model is 50 times
slower than ``json.loads``: these are the platform's own checks).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from clearinghouse.exchange import stix
from clearinghouse.exchange.importing.reading import _UUID

# STIX 2.1 (OASIS, 2021) §4–§6: the object types of the specification.
SDO_TYPES = frozenset(
    "attack-pattern campaign course-of-action grouping identity incident indicator infrastructure intrusion-set "
    "location malware malware-analysis note observed-data opinion report threat-actor tool vulnerability".split()
)
SRO_TYPES = frozenset({"relationship", "sighting"})
SCO_TYPES = frozenset(
    "artifact autonomous-system directory domain-name email-addr email-message file ipv4-addr ipv6-addr mac-addr "
    "mutex network-traffic process software url user-account windows-registry-key x509-certificate".split()
)
#: Objects that carry ``created`` and ``modified``: SDOs, SROs, and two meta objects.
VERSIONED_TYPES = SDO_TYPES | SRO_TYPES | {"language-content", "extension-definition"}
STIX_TYPES = VERSIONED_TYPES | SCO_TYPES | {"marking-definition"}
_ID = re.compile(rf"([a-z0-9][a-z0-9-]*)--{_UUID}")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)"
    r"(?:\.([0-9]{1,9}))?Z"
)


def version_key(timestamp: str) -> str:
    """A STIX timestamp as a string that sorts as time, whatever its precision."""
    if not timestamp:
        return ""
    whole, _dot, fraction = timestamp[:-1].partition(".")
    return whole + "." + fraction.ljust(9, "0")


def _timestamp_problem(obj: dict[str, Any], name: str, required: bool) -> str | None:
    value = obj.get(name)
    if value is None:
        return _("%(property)s is missing") % {"property": name} if required else None
    if not isinstance(value, str) or not _TIMESTAMP.fullmatch(value):
        return _("%(property)s “%(value)s” is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.sss]Z, in UTC)") % {
            "property": name,
            "value": str(value)[:40],
        }
    return None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 120 and _ID.fullmatch(value) is not None


def _granular_markings(value: Any) -> bool:
    """Whether ``value`` is a list of STIX granular markings (a marking, or a language, on listed properties)."""
    return isinstance(value, list) and all(
        isinstance(entry, dict)
        and (_is_id(entry.get("marking_ref")) or isinstance(entry.get("lang"), str))
        and isinstance(entry.get("selectors"), list)
        and entry["selectors"]
        and all(isinstance(selector, str) for selector in entry["selectors"])
        for entry in value
    )


def object_problems(obj: Any) -> list[str]:
    """What makes one object invalid STIX 2.1 for this platform (nothing when it is valid)."""
    if not isinstance(obj, dict):
        return [_("not a JSON object")]
    problems = []
    kind = obj.get("type")
    identifier = obj.get("id")
    if not isinstance(kind, str) or not kind:
        problems.append(_("type is missing"))
    elif kind not in STIX_TYPES and not kind.startswith("x-"):
        problems.append(
            _("type “%(type)s” is not a STIX 2.1 type (custom types start with “x-”)") % {"type": kind[:60]}
        )
    elif len(kind) > 60:
        problems.append(_("type is longer than 60 characters"))
    if not isinstance(identifier, str):
        problems.append(_("id is missing"))
    elif not _is_id(identifier):
        problems.append(_("id “%(id)s” is not <type>--<UUID>") % {"id": identifier[:80]})
    elif isinstance(kind, str) and identifier.split("--")[0] != kind:
        problems.append(_("id “%(id)s” does not start with its type “%(type)s”") % {"id": identifier, "type": kind})
    version = obj.get("spec_version")
    custom = isinstance(kind, str) and kind.startswith("x-")
    needs_version = kind in VERSIONED_TYPES or kind == "marking-definition"
    if version is None and needs_version:
        problems.append(_("spec_version is missing; this platform takes STIX 2.1 only"))
    elif version is not None and version != stix.SPEC_VERSION:
        problems.append(
            _("spec_version is “%(version)s”; this platform takes STIX 2.1 only") % {"version": str(version)[:10]}
        )
    if kind in VERSIONED_TYPES or custom:
        for name in ("created", "modified"):
            problem = _timestamp_problem(obj, name, required=not custom)
            if problem:
                problems.append(problem)
        created, modified = obj.get("created"), obj.get("modified")
        if (
            isinstance(created, str)
            and isinstance(modified, str)
            and _TIMESTAMP.fullmatch(created)
            and _TIMESTAMP.fullmatch(modified)
            and version_key(modified) < version_key(created)
        ):
            problems.append(_("modified is earlier than created"))
    elif kind == "marking-definition":
        problem = _timestamp_problem(obj, "created", required=True)
        if problem:
            problems.append(problem)
    for name, value in obj.items():
        if name.startswith("x_") and value in ("", None, []):
            continue  # an empty custom reference (ATT&CK writes "x_mitre_data_source_ref": ""): none given
        if name.endswith("_ref"):
            if not _is_id(value):
                problems.append(_("%(property)s is not a STIX id") % {"property": name})
        elif name.endswith("_refs") and (not isinstance(value, list) or not all(_is_id(v) for v in value)):
            problems.append(_("%(property)s is not a list of STIX ids") % {"property": name})
    if "granular_markings" in obj and not _granular_markings(obj["granular_markings"]):
        problems.append(
            _("granular_markings is not a list of granular markings (a marking_ref or lang, and selectors)")
        )
    if kind == "relationship":
        for name in ("relationship_type", "source_ref", "target_ref"):
            if name not in obj:
                problems.append(_("a relationship needs %(property)s") % {"property": name})
    elif kind == "language-content":
        if "object_ref" not in obj:
            problems.append(_("a language-content needs object_ref"))
        if not isinstance(obj.get("contents"), dict):
            problems.append(_("a language-content needs contents (an object keyed by language)"))
    return problems


class Checker:
    """A fast yes for the usual object (an SDO or SRO with nothing wrong); ``False`` means "ask
    :func:`object_problems`", which has the last word.

    Strings checked once are remembered (ids and timestamps recur across a bundle: every relationship names
    its ends, every object its marking), and so is each shape of object (its property names, which repeat
    by type and producer), so only the reference properties of a shape are looked at.
    """

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.shapes: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def _shape(self, names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        shape = self.shapes.get(names)
        if shape is None:
            shape = self.shapes[names] = (
                tuple(name for name in names if name.endswith("_ref")),
                tuple(name for name in names if name.endswith("_refs")),
            )
        return shape

    def valid(self, obj: Any) -> bool:
        if obj.__class__ is not dict:
            return False
        kind = obj.get("type")
        if kind not in VERSIONED_TYPES or obj.get("spec_version") != "2.1" or "granular_markings" in obj:
            return False
        identifier, created, modified = obj.get("id"), obj.get("created"), obj.get("modified")
        if identifier.__class__ is not str or created.__class__ is not str or modified.__class__ is not str:
            return False
        if identifier[: len(kind) + 2] != kind + "--":
            return False
        known = self.known
        if identifier not in known:
            if not _is_id(identifier):
                return False
            known.add(identifier)
        for timestamp in (created, modified):
            if timestamp not in known:
                if not _TIMESTAMP.fullmatch(timestamp):
                    return False
                known.add(timestamp)
        if modified != created and version_key(modified) < version_key(created):
            return False
        single, many = self._shape(tuple(obj))
        for name in single:
            value = obj[name]
            if value.__class__ is not str or (value not in known and not _is_id(value)):
                return False
            known.add(value)
        for name in many:
            values = obj[name]
            if values.__class__ is not list:
                return False
            for value in values:
                if value.__class__ is not str or (value not in known and not _is_id(value)):
                    return False
                known.add(value)
        if kind == "relationship":
            return "relationship_type" in obj and "source_ref" in obj and "target_ref" in obj
        if kind == "language-content":
            return "object_ref" in obj and obj.get("contents").__class__ is dict
        return True
