"""Readable differences between two versions of a measure: the words removed and added, field by field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from clearinghouse.core.textdiff import word_diff


@dataclass
class FieldChange:
    field: str
    html: SafeString


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(
            " — ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item) for item in value
        )
    return "" if value is None else str(value)


def compare(old: dict[str, Any], new: dict[str, Any], labels: dict[str, str]) -> list[FieldChange]:
    changes = []
    for name, label in labels.items():
        before, after = _text(old.get(name)), _text(new.get(name))
        if before != after:
            changes.append(FieldChange(label, word_diff(before, after)))
    return changes
