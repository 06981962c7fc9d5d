"""Readable differences between two versions of a measure: the words removed and added, field by field."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


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


def word_diff(old: str, new: str) -> SafeString:
    """``old`` → ``new`` with removed words in ``<del>`` and added words in ``<ins>``, the rest escaped."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 (every piece is escaped above)


def compare(old: dict[str, Any], new: dict[str, Any], labels: dict[str, str]) -> list[FieldChange]:
    changes = []
    for name, label in labels.items():
        before, after = _text(old.get(name)), _text(new.get(name))
        if before != after:
            changes.append(FieldChange(label, word_diff(before, after)))
    return changes
