"""CSV written so that a spreadsheet program opening it never runs a cell as a formula (OWASP CSV injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value, with a leading single quote when a spreadsheet would take it for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """A header and one line per row, every cell made spreadsheet-safe; lazy, for a streamed response."""
    writer = csv.DictWriter(_Echo(), fieldnames=fieldnames)
    yield "\ufeff" + writer.writeheader()  # the byte-order mark lets spreadsheet programs read UTF-8
    for row in rows:
        yield writer.writerow({name: spreadsheet_safe(value) for name, value in row.items()})
