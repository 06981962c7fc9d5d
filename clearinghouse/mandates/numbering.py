"""Read a resolution's text in any of the six languages by its numbering alone, and match it to a revision.

The English reader (``parsing``) knows the words of ITU resolutions; this one knows none. A text in Arabic,
Chinese, French, Russian or Spanish is read as: a heading line holding the resolution's number, the title, the
enacting line (ending in a comma), then sections. A section starts at a short line without final punctuation
(its heading: «considérant», «решает поручить Генеральному секретарю», «做出决议，责成秘书长»); a clause
starts at its label ("a)", "iv)", "1", "1.1"; Arabic letters "أ)", "ب)" … read as "a)", "b)" …; digits in any
script). Items numbered in another scheme inside a clause stay in it. The sections and clause labels found must
be those of the revision, position by position: that is how each clause of the other language finds its clause.
Pure Python (no models): the import service stores what this returns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class NumberedSection:
    heading: str
    clauses: list[tuple[str, str]] = field(default_factory=list)  # (canonical label or "", text)
    addressee: str = ""


@dataclass
class NumberedText:
    number: str
    title: str
    enacting: str
    sections: list[NumberedSection]


class Unreadable(ValueError):
    """The text cannot be read as a resolution (no heading with a number, no section)."""


#: Arabic letters as ITU's Arabic texts number items, in the abjad order: أ) ب) ج) … read as a) b) c) …
ARABIC_LETTERS = {
    "أ": "a",
    "ا": "a",
    "ب": "b",
    "ج": "c",
    "د": "d",
    "ه": "e",
    "هـ": "e",
    "و": "f",
    "ز": "g",
    "ح": "h",
    "ط": "i",
    "ي": "j",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
}
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi"]
_LETTER_LABEL = re.compile(r"\(?(?P<letters>[a-z]{1,2}|[ivxl]{1,6}|[\u0621-\u064a]\u0640?)\)\s*(?=\S)")
_NUMBER_LABEL = re.compile(r"(?P<number>\d{1,2}(?:\.\d{1,2})*)[.)]?\s+(?=\S)")
_FINAL_PUNCTUATION = ".,;:!?。，；：！？،؛"
_COMMAS = ",،，"
_FIRST_NUMBER = re.compile(r"\d+")
_CJK = re.compile(r"[\u3400-\u9fff]")


def canonical_label(raw: str) -> str:
    """A label as the English revision writes it: "a)", "iv)", "3", "1.1"."""
    raw = raw.strip()
    if raw.endswith(")"):
        letters = raw.strip("()")
        return f"{ARABIC_LETTERS.get(letters, letters)})"
    return ".".join(str(int(part)) for part in raw.rstrip(".)").split("."))


def _label_at(line: str) -> tuple[str, str] | None:
    """(canonical label, the rest of the line) when the line starts with a label."""
    for pattern, group in ((_LETTER_LABEL, "letters"), (_NUMBER_LABEL, "number")):
        match = pattern.match(line)
        if match:
            raw = match[group] + (")" if group == "letters" else "")
            return canonical_label(raw), line[match.end() :].strip()
    return None


def _kind(label: str) -> str:
    if "." in label:
        return "dotted"
    if label.isdigit():
        return "num"
    return "roman" if label.rstrip(")") in _ROMAN else "alpha"


def _follows(label: str, last: str) -> bool:
    """Whether ``label`` is the item after ``last`` in the numbering ``last`` belongs to."""
    if label.isdigit() and last.isdigit():
        return int(label) == int(last) + 1
    if "." in label and "." in last:
        head, _dot, tail = last.rpartition(".")
        return label == f"{head}.{int(tail) + 1}"
    letters, previous = label.rstrip(")"), last.rstrip(")")
    if previous in _ROMAN and letters in _ROMAN and _ROMAN.index(letters) == _ROMAN.index(previous) + 1:
        return True
    return len(letters) == len(previous) == 1 and previous.isalpha() and ord(letters) == ord(previous) + 1


def _is_heading(line: str) -> bool:
    if line[-1] in _FINAL_PUNCTUATION:
        return False
    return len(line) <= 40 if _CJK.search(line) else len(line.split()) <= 14


def read_numbered(text: str) -> NumberedText:
    """Read a resolution in any language into its sections and numbered clauses; ``Unreadable`` if it is not one."""
    lines = [
        " ".join(unicodedata.normalize("NFC", line).replace("\u00a0", " ").split())
        for line in text.removeprefix("\ufeff").splitlines()
    ]
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line and not line.startswith("#")]
    if not numbered:
        raise Unreadable(_("The text is empty."))
    heading_line, heading = numbered[0]
    number = _FIRST_NUMBER.search(heading)
    if number is None:
        raise Unreadable(
            _("Line %(line)d %(text)r should be the resolution's heading with its number (e.g. «RÉSOLUTION 174»).")
            % {"line": heading_line, "text": heading[:80]}
        )
    rest = numbered[1:]
    title = rest[0][1] if rest else ""
    rest = rest[1:]
    enacting = ""
    if rest and rest[0][1][-1] in _COMMAS:
        enacting, rest = rest[0][1], rest[1:]
    sections: list[NumberedSection] = []
    last_label: dict[int, str] = {}  # section index -> the last top-level label
    for line_number, line in rest:
        label = _label_at(line)
        if label is None and _is_heading(line):
            sections.append(NumberedSection(heading=line))
            continue
        if not sections:
            raise Unreadable(
                _("Line %(line)d: a clause comes before any heading (such as «considérant» or «décide»).")
                % {"line": line_number}
            )
        section = sections[-1]
        index = len(sections) - 1
        if label is not None:
            canonical, body = label
            last = last_label.get(index)
            if last is None or _follows(canonical, last) or _kind(canonical) == _kind(last):
                section.clauses.append((canonical, body))
                last_label[index] = canonical
            else:  # an item of another numbering: part of the clause it stands in
                section.clauses[-1] = (section.clauses[-1][0], f"{section.clauses[-1][1]}\n{line}")
        elif section.clauses:  # a paragraph continues the clause before it, as in the English reader
            section.clauses[-1] = (section.clauses[-1][0], f"{section.clauses[-1][1]}\n{line}")
        else:
            section.clauses.append(("", line))
    if not sections:
        raise Unreadable(_("No section heading was found after the title and the enacting line."))
    return NumberedText(number=str(int(number.group())), title=title, enacting=enacting, sections=sections)


def _labels(labels: list[str]) -> str:
    return ", ".join(label or _("(unnumbered)") for label in labels) or _("no clause")


def mismatches(expected: list[tuple[str, list[str]]], found: NumberedText) -> list[str]:
    """What keeps the text from matching the revision, section by section: [] when every clause finds its own.

    ``expected`` is the revision's ``(heading, [clause labels])`` in order."""
    problems = []
    if len(found.sections) != len(expected):
        problems.append(
            _("The text has %(found)d sections and the revision %(expected)d.")
            % {"found": len(found.sections), "expected": len(expected)}
        )
    for position, ((heading, labels), section) in enumerate(zip(expected, found.sections, strict=False), start=1):
        found_labels = [label for label, _text in section.clauses]
        if found_labels != labels:
            problems.append(
                _(
                    "Section %(position)d («%(heading)s», in the revision «%(english)s»): the revision numbers its "
                    "clauses %(expected)s; the text %(found)s."
                )
                % {
                    "position": position,
                    "heading": section.heading[:80],
                    "english": heading[:80],
                    "expected": _labels(labels),
                    "found": _labels(found_labels),
                }
            )
    return problems
