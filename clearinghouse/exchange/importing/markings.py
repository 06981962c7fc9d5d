"""Markings: the TLP an object carries."""

from __future__ import annotations

from typing import Any

from clearinghouse.core.visibility import TLP
from clearinghouse.exchange import stix

#: TLP 1.0 marking definitions (STIX 2.1 §7.2.1.4), read as their TLP 2.0 counterparts.
TLP1_MARKINGS = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,  # white
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}
_NARROWNESS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
TLP_MARKINGS = {identifier: tlp for tlp, (identifier, _level) in stix.TLP2_MARKINGS.items()} | TLP1_MARKINGS
RED_MARKINGS = tuple(identifier for identifier, tlp in TLP_MARKINGS.items() if tlp == TLP.RED)


def _tlp(obj: dict[str, Any]) -> str:
    """The narrowest TLP marking of the object (TLP:CLEAR without one)."""
    refs = obj.get("object_marking_refs")
    if not refs:
        return TLP.CLEAR
    if len(refs) == 1:
        return TLP_MARKINGS.get(refs[0], TLP.CLEAR)
    found = [TLP_MARKINGS[ref] for ref in refs if ref in TLP_MARKINGS]
    return max(found, key=_NARROWNESS.index) if found else TLP.CLEAR
