"""Markings: the TLP an object carries, in whatever form the bundle says it.

An object's TLP is the narrowest of every marking it names, whole-object (``object_marking_refs``) or on some
of its properties (``granular_markings``): a record is shared as narrowly as its narrowest part. A marking is
one of the OASIS TLP definitions (2.0, or 1.0 read as its 2.0 counterpart), or a ``marking-definition`` of
another id, in the bundle or taken in earlier, that defines a TLP level (the TLP 2.0 extension, or a 1.0
``definition_type: "tlp"``). TLP:RED in any of these forms is never taken in (DOMAIN.md: never exchanged), nor
is an object that points at one that is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from clearinghouse.core.visibility import TLP
from clearinghouse.exchange import archive, stix
from clearinghouse.exchange.models import ImportedObject

#: TLP 1.0 marking definitions (STIX 2.1 §7.2.1.4), read as their TLP 2.0 counterparts.
TLP1_MARKINGS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # white
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
_NARROWNESS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
TLP_MARKINGS: dict[str, TLP] = {
    identifier: tlp for tlp, (identifier, _level) in stix.TLP2_MARKINGS.items()
} | TLP1_MARKINGS
RED_MARKINGS = tuple(identifier for identifier, tlp in TLP_MARKINGS.items() if tlp == TLP.RED)
#: The levels as definitions write them (TLP 2.0 names, and TLP 1.0's "white").
LEVELS: dict[str, TLP] = {level: tlp for tlp, (_identifier, level) in stix.TLP2_MARKINGS.items()} | {"white": TLP.CLEAR}
_NAMED = re.compile(r"\s*tlp\s*:\s*([a-z+]+)\s*", re.IGNORECASE)
#: Properties that name other objects without their content being part of this one.
_NOT_CONTENT = frozenset({"object_marking_refs", "created_by_ref"})


def narrowest(levels: Iterable[str]) -> str:
    return max(levels, key=_NARROWNESS.index, default=TLP.CLEAR)


def defined_level(obj: Any) -> str | None:
    """The TLP a ``marking-definition`` defines, whatever its id (the narrowest when it says several)."""
    if not isinstance(obj, dict) or obj.get("type") != "marking-definition":
        return None
    said: list[str | None] = []
    known = TLP_MARKINGS.get(str(obj.get("id", "")).lower())
    if known:
        said.append(known)
    extension = (
        (obj.get("extensions") or {}).get(stix.TLP2_EXTENSION) if isinstance(obj.get("extensions"), dict) else None
    )
    if isinstance(extension, dict):
        said.append(LEVELS.get(str(extension.get("tlp_2_0", "")).strip().lower()))
    definition = obj.get("definition")
    if str(obj.get("definition_type", "")).lower() == "tlp" and isinstance(definition, dict):
        said.append(LEVELS.get(str(definition.get("tlp", "")).strip().lower()))
    named = _NAMED.fullmatch(str(obj.get("name", "")))
    if named:
        said.append(LEVELS.get(named.group(1).lower()))
    levels = [level for level in said if level]
    return narrowest(levels) if levels else None


def _granular(obj: dict[str, Any]) -> list[dict[str, Any]]:
    found = obj.get("granular_markings")
    if isinstance(found, dict):  # (not STIX, but read as a list of one rather than let a marking by)
        found = [found]
    return [entry for entry in found if isinstance(entry, dict)] if isinstance(found, list) else []


class Markings:
    """The TLP levels the markings of one bundle stand for: the OASIS ones, and the bundle's own definitions."""

    def __init__(self, definitions: dict[str, str] | None = None) -> None:
        self.custom = {identifier.lower(): level for identifier, level in (definitions or {}).items()}
        self.levels: dict[str, str] = {**TLP_MARKINGS, **self.custom}

    @classmethod
    def of(cls, objects: Iterable[dict[str, Any]]) -> Markings:
        """The markings the bundle defines, and those it names that earlier imports defined."""
        definitions = {}
        for obj in objects:
            if obj["type"] == "marking-definition" and (level := defined_level(obj)):
                definitions[obj["id"]] = level
        markings = cls(definitions)
        levels, named = markings.levels, set()
        for obj in objects:  # (nearly every object names one marking, the same few throughout the bundle)
            refs = obj.get("object_marking_refs")
            if refs:
                named.update(refs)
            if "granular_markings" in obj:
                named.update(ref for entry in _granular(obj) if isinstance(ref := entry.get("marking_ref"), str))
        unknown = {ref for ref in named - levels.keys() if markings._level(ref) is None}
        if unknown:
            markings = cls(definitions | _defined_before(unknown))
        return markings

    def _level(self, ref: Any) -> str | None:
        if not isinstance(ref, str):
            return None
        return self.levels.get(ref) or self.levels.get(ref.lower())

    @staticmethod
    def _refs(obj: dict[str, Any]) -> Iterator[Any]:
        yield from obj.get("object_marking_refs") or ()
        for entry in _granular(obj) if "granular_markings" in obj else ():
            yield entry.get("marking_ref")

    def tlp(self, obj: dict[str, Any]) -> str:
        """The narrowest TLP of the object (TLP:CLEAR without one)."""
        refs = obj.get("object_marking_refs")
        if "granular_markings" not in obj:
            if not refs:
                return TLP.CLEAR
            if len(refs) == 1:
                return self._level(refs[0]) or TLP.CLEAR
        return narrowest(level for ref in self._refs(obj) if (level := self._level(ref)))

    def why_red(self, obj: dict[str, Any]) -> str:
        """Why an object that carries TLP:RED is refused, naming where it carries it."""
        where = []
        for ref in obj.get("object_marking_refs") or ():
            if self._level(ref) == TLP.RED:
                where.append(
                    _("object marking %(id)s, a definition of TLP:RED") % {"id": ref}
                    if ref.lower() in self.custom
                    else _("object marking")
                )
        for entry in _granular(obj):
            ref = entry.get("marking_ref")
            if self._level(ref) != TLP.RED:
                continue
            selectors = entry.get("selectors")
            fields = ", ".join(str(s)[:60] for s in selectors[:5]) if isinstance(selectors, list) else "?"
            where.append(
                _("granular marking %(id)s, a definition of TLP:RED, on %(fields)s") % {"id": ref, "fields": fields}
                if str(ref).lower() in self.custom
                else _("granular marking on %(fields)s") % {"fields": fields}
            )
        return _("carries TLP:RED (%(where)s): TLP:RED is never exchanged") % {"where": "; ".join(where)}


def refers_to(obj: dict[str, Any], ids: set[str]) -> str | None:
    """The first of ``ids`` the object points at (a relationship's ends, a translation's object…)."""
    for name, value in obj.items():
        if name in _NOT_CONTENT:
            continue
        if name.endswith("_ref") and value in ids:
            return str(value)
        if name.endswith("_refs") and isinstance(value, list):
            for ref in value:
                if ref in ids:
                    return str(ref)
    return None


def _defined_before(ids: set[str]) -> dict[str, str]:
    """The TLP levels of marking definitions with these ids that earlier imports took in."""
    definitions: dict[str, str] = {}
    reader = archive.Reader()
    listed = sorted(ids)
    found: list[tuple[str, Any, int, int]] = []
    for start in range(0, len(listed), 900):  # (SQLite allows 999 parameters)
        found += ImportedObject.objects.filter(
            stix_id__in=listed[start : start + 900], type="marking-definition"
        ).values_list("stix_id", "run_id", "offset", "length")
    for stix_id, run_id, offset, length in found:
        try:
            level = defined_level(json.loads(reader.text(run_id, offset, length)))
        except (ValueError, RecursionError):
            continue
        if level:
            definitions[stix_id] = narrowest([level, definitions.get(stix_id, TLP.CLEAR)])
    return definitions
