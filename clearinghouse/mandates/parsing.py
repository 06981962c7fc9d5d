"""Read the plain text of an ITU resolution into its sections and clauses, saying what was cleaned on the way.

Pure Python (no models, no database): the import service stores what this returns. The texts come from Word
exports (bookmarks, footnote references, flattened tracked changes, proposal markers) and from PDF conversions
(headings swallowed into the paragraph before them, footnote numbers stuck to words, resolution text run into
the footnotes, annexes appended without a break). Every artefact removed is reported with its line number in
``artefacts``; whatever a curator should check is in ``warnings``; a heading that cannot be classified is kept
as a flagged section. Clause texts hold only words of the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class ParsedClause:
    label: str  # "a)", "iv)", "3", "1.1" … or "" for an unnumbered paragraph
    text: str  # the whole item, cleaned; its sub-items stay inside


@dataclass
class ParsedSection:
    kind: str  # "preamble" or "operative"
    heading: str  # as written, cleaned
    action: str  # preamble: the heading; operative: the verb phrase ("resolves to instruct", "invites" …)
    addressee: str  # operative: who is asked ("the Secretary-General"), or ""
    clauses: list[ParsedClause]
    flagged: bool = False  # heading not recognised with confidence: kept for a curator
    note: str = ""  # why it was flagged


@dataclass
class ParsedResolution:
    number: str
    revision: str  # the newest revision named ("Rev. Bucharest, 2022"), "" for a new resolution
    title: str
    enacting: str
    sections: list[ParsedSection]
    artefacts: list[str]  # each cleaning, in words, with its line number
    warnings: list[str]  # what a curator should look at
    footnotes: dict[str, str] = field(default_factory=dict)  # number -> text, set apart from the clauses


class NotAResolution(ValueError):
    """The text is not the text of an ITU resolution."""


PREAMBLE = "preamble"
OPERATIVE = "operative"

_EXPECTED = "expected the text of an ITU resolution, starting with 'RESOLUTION 174 (Rev. Bucharest, 2022)' or similar"

# The verbs of ITU preambles ("considering", "noting with concern" …), optionally qualified.
_PREAMBLE_BASES = (
    "acknowledging|affirming|alarmed|appreciating|aware|bearing in mind|believing|cognizant|concerned|conscious|"
    "considering|convinced|deeply concerned|emphasizing|encouraged|expressing|guided by|having considered|"
    "having examined|having noted|having regard to|highlighting|keeping in mind|mindful|noting|observing|"
    "reaffirming|realizing|recalling|recognizing|reiterating|stressing|taking into account|"
    "taking into consideration|underlining|welcoming"
)
_PREAMBLE_HEADING = re.compile(
    rf"(?:(?:further|also)\s+)?(?:{_PREAMBLE_BASES})"
    r"(?:\s+(?:further|also|moreover|in addition|in particular|with(?:\s+[a-z]+){1,4}))?"
)
# The verbs of operative sections; "resolves to instruct …" is one action. Inside a paragraph only the verbs
# that ask someone to act are taken for a swallowed heading ("…, confirms the decision to …" is prose).
_ASKING_VERBS = "resolves|decides|instructs|invites|requests|urges|encourages|calls upon|authorizes|appeals to|charges"
_OPERATIVE_VERBS = f"{_ASKING_VERBS}|recommends|approves|adopts|endorses|expresses|accepts|confirms|directs"


def _action_pattern(verbs: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?P<action>(?:further\s+)?(?:{verbs})(?:\s+(?:further|also))?"
        r"(?:\s+to\s+(?:instruct|request|invite)(?:\s+further)?)?)(?=[\s,;:]|$)"
    )


_OPERATIVE_ACTION = _action_pattern(_OPERATIVE_VERBS)
_ASKING_ACTION = _action_pattern(_ASKING_VERBS)
_ASKING_AFTER_PUNCTUATION = re.compile(rf"(?<=[,;.:])\s+(?=(?:further\s+)?(?:{_ASKING_VERBS})\b)")
_VERBS_WITHOUT_ADDRESSEE = {
    "resolves",
    "decides",
    "further resolves",
    "resolves further",
    "decides further",
    "recommends",
    "approves",
    "adopts",
    "endorses",
    "expresses",
    "accepts",
    "confirms",
}
# Where the addressee of an operative heading stops: "the Director …, in coordination with …".
_ADDRESSEE_END = re.compile(
    r",\s+(?=(?:in|within|each|as|through|with|pursuant|based|taking|where|when|under|acting|according|"
    r"together|following|on|for|after|bearing|inter alia|particularly)\b)"
    r"|\s+(?=(?:within|each within|in (?:coordination|cooperation|collaboration|consultation|close|line))\b)"
)
# Where a heading found inside a paragraph stops and its first item begins.
_HEADING_END = re.compile(
    r"\s+(?=\d{1,2}\s+(?:to|that)\b)"
    r"|\s+(?=[ai]\)\s+[a-z])"
    r"|(?<!pursuant)(?<!according)(?<!regard)(?<!relation)(?<!respect)(?<!addition)(?<!due)(?<!relating)"
    r"(?<!related)\s+(?=to\s+(?!(?:the|a|an|their|its|all|this|these|those|be)\b)[a-z])"
    r"|\s+(?=that\b)"
)

_RESOLUTION_HEADING = re.compile(r"RESOLUTION\s+(?P<number>\d+[A-Z]?)\s*(?:\((?P<inner>[^()]*)\))?\s*", re.I)
_ENACTING = re.compile(r"The\s+[^()]*\b(?:Conference|Assembly|Union)\b[^()]*\([^()]*\d{4}[^()]*\),?")
_LABEL = re.compile(r"(?P<label>[a-z]{1,2}\)|[ivxl]{1,6}\)|\d{1,2}(?:\.\d{1,2})*)(?:\s+|$)")
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi"]
_SEPARATOR = re.compile(r"_{5,}")
_INLINE_SUB_LABEL = re.compile(r"(?:(?<=\s)|^)((?:[a-h]|[iv]{1,3})\))\s+(?=[a-z\"“])")
_CONTINUED_NUMBERS = re.compile(r"\d{1,2}(?:\s*,\s*\d{1,2})*\s+(?:and|or|to)\s+\d{1,2}\b")
_ANNEX = re.compile(
    r"(?<=[.;:,])\s+(?=ANNEX(?:\s+[0-9A-Z]{1,3})?\s+TO\s+RESOLUTION\b)|^(?=ANNEX(?:\s+[0-9A-Z]{1,3})?\s+TO\s+)"
)

_BOOKMARK = re.compile(r"\[bookmark:\s*([^\]]*)\]")
_FOOTNOTE_REF_WORD = re.compile(r"\[(?:footnoteRef|endnoteRef):(\d+)\](\d+)?")
_INLINE_FOOTNOTE = re.compile(r"\s*\[(\d+):\s*(?:\1\s+)?([^\]]*)\]")
_OTHER_WORD_MARK = re.compile(r"\[(?:image|comment|annotation)[^\]]*\]")
_PROPOSAL_MARKER = re.compile(r"(?:MOD|ADD|SUP|NOC)\s+[A-Z]{2,}/[\w/.\-]+")
_TRACKED_PLACE_YEAR = re.compile(
    r"(?P<old>\b[A-Z][\w'\-]*(?: [A-Z][\w'\-]*)*,\s*\d{4})\s*"
    r"(?P<new>(?!(?:and|or|to|in|of|the)\b)[A-Za-z][\w'\-]*(?: [A-Z][\w'\-]*)*,\s*\d{4})(?=\s*\))"
)
_TRACKED_PUNCTUATION = re.compile(r"(?<=\w)([,;:])([,;:.])(?=\s|$)")
_GLUED_FOOTNOTE = re.compile(
    r"(?<![\w\-])(?P<stem>[A-Za-z][a-z]{2,}[\"”’]?|[A-Z]{4,}|[A-Za-z0-9\-/&]+\))(?P<number>\d{1,2})(?=[\s,;:.)\]\"”]|$)"
)
_RUN_ON_ITEM = re.compile(r"(?<=[.;])\s+(?P<label>\d{1,2})\s+(?=(?:to|that)\b)")


@dataclass
class _Line:
    number: int
    text: str


@dataclass
class _SectionState:
    section: ParsedSection
    scheme: str = ""  # "num", "alpha", "roman" or "dotted": how the section's own items are numbered
    last: str = ""  # the last top-level label
    sub_scheme: str = ""
    sub_last: str = ""
    gap_line: int = 0  # opened at this line because the numbering restarted: its heading is missing


def parse_resolution(text: str) -> ParsedResolution:
    """Parse the plain text of one resolution; raise NotAResolution when it is not one."""
    return _Parser(text).parse()


def _label_kind(label: str) -> str:
    if label.isdigit():
        return "num"
    if "." in label:
        return "dotted"
    letters = label.rstrip(")")
    return "roman" if letters in _ROMAN else "alpha"


def _next_label(scheme: str, last: str) -> str:
    if _label_kind(last) != scheme and not (scheme == "alpha" and last.endswith(")")):
        return ""
    if scheme == "num":
        return str(int(last) + 1)
    if scheme == "dotted":
        head, _, tail = last.rpartition(".")
        return f"{head}.{int(tail) + 1}"
    letters = last.rstrip(")")
    if scheme == "roman":
        position = _ROMAN.index(letters) + 1 if letters in _ROMAN else len(_ROMAN)
        return f"{_ROMAN[position]})" if position < len(_ROMAN) else ""
    if len(letters) == 1 and letters < "z":
        return f"{chr(ord(letters) + 1)})"
    return ""


def _order(label: str) -> int:
    letters = label.rstrip(")")
    if label.replace(".", "").isdigit():
        return int(label.rpartition(".")[2])
    if letters in _ROMAN:
        return _ROMAN.index(letters) + 1
    return ord(letters[-1]) - ord("a") + 1 + 26 * (len(letters) - 1)


def _inline_sub_list_end(text: str) -> str:
    """The last label of a list run into an item ("…to prevent a) …; b) …;"), or ""."""
    labels = [match[1] for match in _INLINE_SUB_LABEL.finditer(text)]
    start = next((index for index, label in enumerate(labels) if label in {"a)", "i)"}), None)
    if start is None or len(labels) - start < 2:
        return ""
    run = labels[start:]
    kind = _label_kind(run[0])
    if all(_next_label(kind, before) == after for before, after in zip(run, run[1:], strict=False)):
        return run[-1]
    return ""


def _is_first_label(label: str) -> bool:
    return label in {"1", "a)", "i)"} or label.endswith(".1")


def _title_case(place: str) -> str:
    if place.isupper() or place.islower():
        return " ".join(word[:1].upper() + word[1:].lower() for word in place.split())
    return place


def _operative_heading_at(text: str, *, pattern: re.Pattern[str] = _OPERATIVE_ACTION) -> tuple[str, str] | None:
    """An operative heading at the start of ``text``: (heading, the rest, which is its first item) or None."""
    match = pattern.match(text)
    if not match:
        return None
    action = " ".join(match["action"].split())
    after = text[match.end() :]
    if action in _VERBS_WITHOUT_ADDRESSEE:
        return action, after.strip()
    if not after.strip():
        return action, ""
    if after.strip()[0] in ",;.":
        return None
    end = _HEADING_END.search(after)
    heading_rest, rest = (after[: end.start()], after[end.end() :]) if end else (after, "")
    if "thereof" in heading_rest or not heading_rest.strip():
        return None
    return f"{action} {heading_rest.strip()}", rest.strip()


def _split_operative(heading: str) -> tuple[str, str]:
    """'instructs the Director …, in coordination with …' -> ('instructs', 'the Director …')."""
    match = _OPERATIVE_ACTION.match(heading)
    if not match:
        return heading, ""
    action = " ".join(match["action"].split())
    if action in _VERBS_WITHOUT_ADDRESSEE:
        return action, ""
    rest = heading[match.end() :].strip()
    end = _ADDRESSEE_END.search(rest)
    addressee = rest[: end.start()] if end else rest
    return action, addressee.strip().rstrip(",;:").strip()


def _is_preamble_heading(text: str) -> bool:
    return bool(_PREAMBLE_HEADING.fullmatch(text))


def _looks_like_heading(text: str) -> bool:
    """A short lowercase line without final punctuation: a heading even when its words are not known."""
    words = text.split()
    return (
        0 < len(words) <= 6
        and text[:1].islower()
        and text[-1] not in ",;:."
        and not any(character.isdigit() for character in text)
        and not _LABEL.match(text)
    )


class _Parser:
    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise NotAResolution(f"Not text: {_EXPECTED}")
        self.raw = text
        self.artefacts: list[str] = []
        self.warnings: list[str] = []
        self.footnotes: dict[str, str] = {}
        self.citing: dict[str, _SectionState] = {}  # footnote number -> the section that cites it
        self.states: list[_SectionState] = []
        self.insert_at: int | None = None  # where new sections go while run-on text is fed back
        self.annex_from: int | None = None
        self.run_ons: list[tuple[str, int, str]] = []  # (footnote, line, resolution text that ran into it)
        self.tabs: list[int] = []
        self.no_break_spaces: list[int] = []

    # ----------------------------------------------------------------- the whole text

    def parse(self) -> ParsedResolution:
        if not self.raw.strip() or "\x00" in self.raw:
            raise NotAResolution(f"Empty or binary text: {_EXPECTED}")
        text = self.raw.removeprefix("\ufeff")
        lines = [_Line(number, line) for number, line in enumerate(text.splitlines(), start=1)]
        heading_at = self._find_heading(lines)
        cover, lines = lines[:heading_at], lines[heading_at:]
        lines, footnote_block = self._split_footnote_block(lines)
        self._collect_inline_footnotes(lines)
        self._read_footnote_block(footnote_block)
        self._report_cover(cover)

        heading_line = self._clean(lines[0])
        match = _RESOLUTION_HEADING.fullmatch(heading_line.text)
        if match is None:
            raise NotAResolution(f"Line {heading_line.number} '{heading_line.text}' is not a heading: {_EXPECTED}")
        number = match["number"]
        revision = self._revision(match["inner"] or "", heading_line.number)

        title, enacting, body = self._title_and_enacting(lines[1:], cover)
        for line in body:
            self._feed_line(self._clean(line))
        self._feed_run_ons()
        self._report_tabs()

        sections = [state.section for state in self.states]
        self._flag_operatives_among_preambles(sections)
        if not sections:
            raise NotAResolution(
                f"'RESOLUTION {number}' heading found at line {heading_line.number} but no preamble or operative "
                "section follows (no heading such as 'considering' or 'resolves'): " + _EXPECTED
            )
        for section in sections:
            if not section.clauses:
                self.warnings.append(f"section '{section.heading}' has no items")
        flattened = [report for report in self.artefacts if "flattened tracked change" in report]
        if flattened:
            self.warnings.append(
                f"{len(flattened)} tracked changes were flattened into the text; the newer text was kept: "
                "check against a clean copy"
            )
        self.artefacts.sort(key=_line_of)
        return ParsedResolution(
            number=number,
            revision=revision,
            title=title,
            enacting=enacting,
            sections=sections,
            artefacts=self.artefacts,
            warnings=self.warnings,
            footnotes=self.footnotes,
        )

    def _flag_operatives_among_preambles(self, sections: list[ParsedSection]) -> None:
        """An operative heading followed by preamble headings is most likely a word of the item before it."""
        preambles = [index for index, section in enumerate(sections) if section.kind == PREAMBLE]
        for section in sections[: preambles[-1] if preambles else 0]:
            if section.kind == OPERATIVE and not section.flagged:
                section.flagged = True
                section.note = (
                    f"'{section.heading}' stands among the preamble headings: it may be part of the item before it"
                )
                self.warnings.append(f"heading '{section.heading}' flagged: {section.note}")

    def _find_heading(self, lines: list[_Line]) -> int:
        for index, line in enumerate(lines):
            candidate = _BOOKMARK.sub("", line.text).strip()
            if _RESOLUTION_HEADING.fullmatch(candidate):
                return index
        raise NotAResolution(f"No 'RESOLUTION <number>' heading found: {_EXPECTED}")

    def _report_cover(self, cover: list[_Line]) -> None:
        comments = [line.number for line in cover if line.text.startswith("#")]
        if comments:
            self.artefacts.append(f"{_lines(comments)}: skipped the source notes (# …) above the resolution")
        others = []
        for line in cover:
            marker = _PROPOSAL_MARKER.fullmatch(" ".join(line.text.split()))
            if marker:
                self.artefacts.append(f"line {line.number}: removed proposal marker '{marker.group()}'")
            elif line.text.strip() and not line.text.startswith("#"):
                others.append(line.number)
        if others:
            self.artefacts.append(
                f"{_lines([others[0], others[-1]])}: skipped the cover page before the resolution heading"
            )

    # ----------------------------------------------------------------- footnotes

    def _split_footnote_block(self, lines: list[_Line]) -> tuple[list[_Line], list[_Line]]:
        for index, line in enumerate(lines):
            if _SEPARATOR.fullmatch(line.text.strip()):
                self.artefacts.append(f"line {line.number}: set apart the footnotes below the separator line")
                return lines[:index], lines[index + 1 :]
        return lines, []

    def _collect_inline_footnotes(self, lines: list[_Line]) -> None:
        for line in lines:
            for match in _INLINE_FOOTNOTE.finditer(line.text):
                self.footnotes[match[1]] = " ".join(match[2].split())

    def _read_footnote_block(self, block: list[_Line]) -> None:
        """Footnotes are "N text" lines; a line not starting with a plausible next number continues the last."""
        entries: list[tuple[str, list[_Line]]] = []
        for line in block:
            text = " ".join(line.text.split())
            if not text:
                continue
            start = re.match(r"(\d{1,2})\s+(.*)", text)
            last = int(entries[-1][0]) if entries else 0
            if start and last < int(start[1]) <= last + 3:
                entries.append((start[1], [_Line(line.number, start[2])]))
            elif entries:
                entries[-1][1].append(_Line(line.number, text))
            else:
                self.warnings.append(f"line {line.number}: text below the footnote separator is not a footnote")
        for number, parts in entries:
            text = " ".join(part.text for part in parts)
            split = self._run_on_start(text)
            if split is not None:
                ends = [len(" ".join(part.text for part in parts[: index + 1])) for index in range(len(parts))]
                where = next(part.number for part, end in zip(parts, ends, strict=True) if split <= end)
                self.run_ons.append((number, where, text[split:].strip()))
                text = text[:split].strip()
            self.footnotes[number] = text
            if len(text) > 1000:
                self.warnings.append(
                    f"line {parts[0].number}: footnote {number} is {len(text)} characters long: text of the "
                    "resolution or of an annex may have run into it"
                )

    def _run_on_start(self, text: str) -> int | None:
        """Where resolution text that ran on into a footnote begins (a heading or an item after a full stop)."""
        starts = []
        for match in _ASKING_AFTER_PUNCTUATION.finditer(text):
            found = _operative_heading_at(text[match.end() :], pattern=_ASKING_ACTION)
            if found and not _inside_quotes(text, match.start()):
                starts.append(match.end())
                break
        item = _RUN_ON_ITEM.search(text)
        if item:
            starts.append(item.start("label"))
        return min(starts) if starts else None

    # ----------------------------------------------------------------- cleaning one line

    def _clean(self, line: _Line) -> _Line:
        text = line.text
        where = f"line {line.number}"
        if "\u00a0" in text:
            self.no_break_spaces.append(line.number)
            text = text.replace("\u00a0", " ")
        if "\t" in text:
            self.tabs.append(line.number)
        for match in _BOOKMARK.finditer(text):
            self.artefacts.append(f"{where}: removed bookmark {match[1].strip()}")
        text = _BOOKMARK.sub("", text)
        for match in _FOOTNOTE_REF_WORD.finditer(text):
            before = text[: match.start()].split()
            after = f" after '{before[-1]}'" if before else ""
            self.artefacts.append(f"{where}: removed footnote reference {match[1]} ('{match.group()}'){after}")
            self._note_citation(match[1])
        text = _FOOTNOTE_REF_WORD.sub("", text)
        for match in _INLINE_FOOTNOTE.finditer(text):
            self.artefacts.append(
                f"{where}: set apart the text of footnote {match[1]} ('{_clip(match[2])}') from the paragraph"
            )
        text = _INLINE_FOOTNOTE.sub("", text)
        for match in _OTHER_WORD_MARK.finditer(text):
            self.artefacts.append(f"{where}: removed Word mark '{match.group()}'")
        text = _OTHER_WORD_MARK.sub("", text)
        marker = _PROPOSAL_MARKER.fullmatch(" ".join(text.split()))
        if marker:
            self.artefacts.append(f"{where}: removed proposal marker '{marker.group()}'")
            text = ""
        text = _TRACKED_PLACE_YEAR.sub(lambda match: self._tracked_place(match, where), text)
        text = _TRACKED_PUNCTUATION.sub(lambda match: self._tracked_punctuation(match, where), text)
        text = _GLUED_FOOTNOTE.sub(lambda match: self._detach_footnote(match, where), text)
        return _Line(line.number, " ".join(text.split()))

    def _tracked_place(self, match: re.Match[str], where: str) -> str:
        self.artefacts.append(
            f"{where}: flattened tracked change '{match.group()}' read as '{match['new']}' (the newer text)"
        )
        return match["new"]

    def _tracked_punctuation(self, match: re.Match[str], where: str) -> str:
        if match[1] == match[2]:
            self.artefacts.append(f"{where}: doubled punctuation '{match.group()}' read as '{match[2]}'")
        else:
            self.artefacts.append(f"{where}: flattened tracked change '{match.group()}' read as '{match[2]}'")
        return match[2]

    def _detach_footnote(self, match: re.Match[str], where: str) -> str:
        number, stem = match["number"], match["stem"]
        if number in self.footnotes:
            self.artefacts.append(f"{where}: footnote number {number} detached from '{match.group()}'")
        elif stem.rstrip('"”’').islower() and len(stem) >= 4:
            self.artefacts.append(f"{where}: footnote number {number} detached from '{match.group()}'")
            self.warnings.append(f"{where}: footnote {number} is cited but its text is not in the document")
        else:
            return match.group()
        self._note_citation(number)
        return stem

    def _note_citation(self, number: str) -> None:
        if self.states and number not in self.citing:
            self.citing[number] = self._current()

    def _report_tabs(self) -> None:
        if self.tabs:
            self.artefacts.append(
                f"{_lines(self.tabs)}: {len(self.tabs)} tab indents (after item labels) read as spaces"
            )
        if self.no_break_spaces:
            self.artefacts.append(f"{_lines(self.no_break_spaces)}: no-break spaces read as spaces")

    # ----------------------------------------------------------------- heading, title, enacting formula

    def _revision(self, inner: str, line_number: int) -> str:
        inner = " ".join(inner.split())
        revised = re.match(r"rev\.?\s*", inner, re.I)
        rest = inner[revised.end() :] if revised else inner
        pairs = re.findall(r"([A-Za-z][A-Za-z .'\-]*?)\s*,\s*(\d{4})", rest)
        if not pairs:
            if inner:
                self.warnings.append(f"line {line_number}: no place and year in the heading's '({inner})'")
            return ""
        if len(pairs) > 1:
            self.artefacts.append(
                f"line {line_number}: flattened tracked change '{rest}' in the heading read as "
                f"'{_title_case(pairs[-1][0])}, {pairs[-1][1]}' (the newer text)"
            )
        place, year = pairs[-1]
        return f"Rev. {_title_case(place.strip())}, {year}" if revised else ""

    def _title_and_enacting(self, body: list[_Line], cover: list[_Line]) -> tuple[str, str, list[_Line]]:
        """The title runs from the heading to the enacting formula; the raw lines after it are returned."""
        for index, line in enumerate(body):
            text = " ".join(line.text.split())
            if _ENACTING.fullmatch(text):
                title_lines = [self._clean(item) for item in body[:index] if item.text.strip()]
                return self._title(title_lines, cover), self._clean(line).text, body[index + 1 :]
            if self._classify_heading(text) is not None:
                break
        self.warnings.append("no enacting formula ('The Plenipotentiary Conference of …') found")
        nonblank = [index for index, line in enumerate(body) if line.text.strip()]
        if not nonblank:
            return "", "", []
        first = nonblank[0]
        return self._title([self._clean(body[first])], cover), "", body[first + 1 :]

    def _title(self, title_lines: list[_Line], cover: list[_Line]) -> str:
        title = " ".join(line.text for line in title_lines)
        if not title:
            self.warnings.append("the resolution has no title")
            return ""
        where = f"line {title_lines[0].number}"
        if title[0].islower():
            completed = _complete_from_cover(title, cover)
            if completed:
                full, first, last = completed
                self.artefacts.append(
                    f"{where}: title cut to '{title}'; completed from the cover page ({_lines([first, last])})"
                )
                return full
            self.warnings.append(f"{where}: the title '{title}' seems cut (it starts in lower case)")
        elif title.endswith(("...", "…", ":")):
            self.warnings.append(f"{where}: the title '{title}' seems cut")
        return title

    # ----------------------------------------------------------------- sections and items

    def _classify_heading(self, text: str) -> tuple[str, str, str] | None:
        """(kind, action, addressee) of a whole line that is a known heading, else None."""
        if _is_preamble_heading(text):
            return PREAMBLE, text, ""
        found = _operative_heading_at(text)
        if found and not found[1] and text[-1:] not in ";.":
            action, addressee = _split_operative(found[0])
            return OPERATIVE, action, addressee
        return None

    def _feed_line(self, line: _Line) -> None:
        text = line.text
        if not text:
            return
        if self.annex_from is not None:
            return
        annex = _ANNEX.search(text)
        if annex:
            before = text[: annex.start()]
            if before.strip():
                self._feed_line(_Line(line.number, before))
            self.annex_from = line.number
            self.warnings.append(
                f"line {line.number}: '{_clip(text[annex.end() :], 60)}' starts an annex: it and what follows it "
                "are not part of the sections and were left out"
            )
            return
        if self._extend_resolves(line):
            return
        known = self._classify_heading(text)
        if known:
            kind, action, addressee = known
            self._open(kind, text, action, addressee)
            return
        if _looks_like_heading(text):
            kind = OPERATIVE if any(state.section.kind == OPERATIVE for state in self.states) else PREAMBLE
            self._open(kind, text, text, "", flagged=f"'{text}' is not a known preamble or operative heading")
            self.warnings.append(f"line {line.number}: unknown heading '{text}' kept as a flagged section")
            return
        found = _operative_heading_at(text)
        if found and found[1]:
            heading, rest = found
            action, addressee = _split_operative(heading)
            self._open(OPERATIVE, heading, action, addressee)
            self._feed_text(line.number, rest, at_start=True)
            return
        self._feed_text(line.number, text, at_start=True)

    def _extend_resolves(self, line: _Line) -> bool:
        """'resolves' on its own line, then 'to instruct the Secretary-General …': one heading."""
        if not self.states:
            return False
        state = self._current()
        section = state.section
        if section.action not in {"resolves", "further resolves"} or section.clauses or section.addressee:
            return False
        if not re.match(r"to\s+(?:instruct|request|invite)\b", line.text):
            return False
        found = _operative_heading_at(f"{section.action} {line.text}")
        if not found:
            return False
        heading, rest = found
        section.heading = heading
        section.action, section.addressee = _split_operative(heading)
        self._feed_text(line.number, rest, at_start=True)
        return True

    def _feed_text(self, number: int, text: str, *, at_start: bool) -> None:
        """Text of items: split where a swallowed heading, a run-in item or an annex begins, then add the pieces."""
        while text:
            if at_start:
                label_match = _LABEL.match(text)
                if label_match and self.states and text[label_match.end() :].strip():
                    label = label_match["label"]
                    rest = text[label_match.end() :]
                    if self._start_item(number, label, rest):
                        text = ""
                        continue
            split = self._next_split(text)
            if split is None:
                self._append(number, text, at_start)
                return
            position, kind, payload = split
            if text[:position].strip():
                self._append(number, text[:position].strip(), at_start)
            rest = text[position:].strip()
            if kind == "heading":
                heading, rest = payload
                action, addressee = _split_operative(heading)
                self.artefacts.append(
                    f"line {number}: heading '{heading}' was swallowed into the paragraph before it; set apart"
                )
                self._open(OPERATIVE, heading, action, addressee)
            elif kind == "preamble":
                heading = rest
                self.artefacts.append(
                    f"line {number}: heading '{heading}' was swallowed into the paragraph before it; set apart"
                )
                self._open(PREAMBLE, heading, heading, "")
                return
            elif kind == "item":
                self.artefacts.append(f"line {number}: item {payload[0]} was run into the item before it; set apart")
            elif kind == "annex":
                self._feed_line(_Line(number, rest))
                return
            text, at_start = rest, True

    def _next_split(self, text: str) -> tuple[int, str, tuple[str, str]] | None:
        candidates: list[tuple[int, str, tuple[str, str]]] = []
        for match in _ASKING_AFTER_PUNCTUATION.finditer(text):
            found = _operative_heading_at(text[match.end() :], pattern=_ASKING_ACTION)
            if found and not _inside_quotes(text, match.start()) and not _after_reference(text, match.start()):
                candidates.append((match.end(), "heading", found))
                break
        preamble = re.search(r"(?<=[,;.])\s+(?P<heading>[a-z][a-z ]+)$", text)
        if preamble and _is_preamble_heading(preamble["heading"]) and not _inside_quotes(text, preamble.start()):
            candidates.append((preamble.start("heading"), "preamble", (preamble["heading"], "")))
        if self.states:
            state = self._current()
            if state.scheme and state.last:
                expected = _next_label(state.scheme, state.last)
                if expected:
                    follower = r"(?:to|that)\b" if state.scheme == "num" else r"(?!(?:above|below|and|or)\b)[a-z]"
                    item = re.search(rf"(?<=[;:.,])\s+(?P<label>{re.escape(expected)})\s+(?={follower})", text)
                    if item:
                        candidates.append((item.start("label"), "item", (expected, "")))
        annex = _ANNEX.search(text)
        if annex and annex.start() > 0:
            candidates.append((annex.end(), "annex", ("", "")))
        return min(candidates, key=lambda candidate: candidate[0]) if candidates else None

    def _start_item(self, number: int, label: str, rest: str) -> bool:
        """Place a labelled item: a new item of the section, a sub-item of the current one, or a restart."""
        state = self._current()
        section = state.section
        if section.clauses and _CONTINUED_NUMBERS.match(f"{label} {rest}"):
            self.artefacts.append(f"line {number}: '{_clip(label + ' ' + rest, 30)}' continues the line before it")
            self._continue_clause(number, f" {label}", rest)
            return True
        kind = _label_kind(label)
        if not state.scheme:
            lead_in = section.clauses[-1].text if section.clauses else ""
            if lead_in and lead_in[-1] in ",.;" and _is_first_label(label):
                return self._restart(number, label, rest, "follows a complete paragraph")
            state.scheme, state.last = kind, label
            if not _is_first_label(label):
                self.warnings.append(f"line {number}: the items of '{section.heading}' start at {label}")
            self._new_clause(label, rest, number)
            return True
        expected = _next_label(state.scheme, state.last)
        inline = _inline_sub_list_end(section.clauses[-1].text) if section.clauses else ""
        if label == expected and inline and _next_label(_label_kind(inline), inline) == label:
            self.warnings.append(
                f"line {number}: {label} continues the list inside item {state.last} of '{section.heading}' "
                f"(it ends with {inline}): kept in that item"
            )
            self._continue_clause(number, f"\n{label}", rest)
            return True
        if label == expected:
            state.last, state.sub_scheme, state.sub_last = label, "", ""
            self._new_clause(label, rest, number)
            return True
        sub_kind = "roman" if kind == "alpha" and label.rstrip(")") in _ROMAN else kind
        if state.sub_scheme == "alpha" and label == _next_label("alpha", state.sub_last):
            sub_kind = "alpha"
        in_sub_list = bool(state.sub_scheme) and sub_kind == state.sub_scheme
        if in_sub_list and _order(label) <= _order(state.sub_last):
            in_sub_list = False
        under_item = label.startswith(f"{state.last}.") and kind == "dotted"
        other_family = sub_kind != state.scheme and not (
            state.scheme == "alpha" and sub_kind == "roman" and label == expected
        )
        if in_sub_list or under_item or other_family:
            if not in_sub_list:
                state.sub_scheme = sub_kind
            elif label != _next_label(state.sub_scheme, state.sub_last):
                self.warnings.append(f"line {number}: sub-item {label} follows {state.sub_last} in item {state.last}")
            state.sub_last = label
            self._continue_clause(number, f"\n{label}", rest)
            return True
        if _is_first_label(label) and len(section.clauses) == 1 and section.clauses[0].text.endswith(":"):
            self.warnings.append(
                f"line {number}: the numbering restarts at {label} after the item that introduces a list "
                f"('{_clip(section.clauses[0].text, 40)}'): read as further items of '{section.heading}'"
            )
            state.last, state.sub_scheme, state.sub_last = label, "", ""
            self._new_clause(label, rest, number)
            return True
        if _is_first_label(label):
            return self._restart(number, label, rest, f"restarts at {label} after {state.last}")
        self.warnings.append(
            f"line {number}: item {label} follows {state.last} in '{section.heading}' (expected {expected or '?'})"
        )
        state.last = label
        self._new_clause(label, rest, number)
        return True

    def _continue_clause(self, number: int, joint: str, rest: str) -> None:
        """Add a sub-item (or a broken line) to the current item; what is run into it is still split off."""
        clause = self._current().section.clauses[-1]
        clause.text = f"{clause.text}{joint}"
        self._feed_text(number, rest.strip(), at_start=False)

    def _restart(self, number: int, label: str, rest: str, how: str) -> bool:
        """Numbered items that cannot belong to the section: their own heading is missing from the text."""
        section = self._current().section
        note = f"the numbering {how} in '{section.heading}': the heading of these items is missing from the text"
        self.warnings.append(f"line {number}: {note}")
        self._open(section.kind, "", "", "", flagged=note)
        self._current().gap_line = number
        return self._start_item(number, label, rest)

    def _append(self, number: int, text: str, at_start: bool) -> None:
        if not self.states:
            note = "text before the first heading"
            self._open(PREAMBLE, "", "", "", flagged=note)
            self.warnings.append(f"line {number}: {note} kept in a flagged section")
        section = self._current().section
        if not section.clauses:
            self._new_clause("", text, number)
        else:
            clause = section.clauses[-1]
            joint = "\n" if at_start else " "
            clause.text = f"{clause.text}{joint}{text}" if clause.text else text

    def _new_clause(self, label: str, text: str, number: int) -> None:
        self._current().section.clauses.append(ParsedClause(label=label, text=""))
        self._feed_text(number, text.strip(), at_start=False)

    def _open(self, kind: str, heading: str, action: str, addressee: str, *, flagged: str = "") -> None:
        section = ParsedSection(
            kind=kind,
            heading=heading,
            action=action,
            addressee=addressee,
            clauses=[],
            flagged=bool(flagged),
            note=flagged,
        )
        state = _SectionState(section)
        if self.insert_at is None:
            self.states.append(state)
        else:
            self.insert_at += 1
            self.states.insert(self.insert_at, state)

    def _current(self) -> _SectionState:
        if self.insert_at is not None:
            return self.states[self.insert_at]
        return self.states[-1]

    # ----------------------------------------------------------------- text that ran on into the footnotes

    def _feed_run_ons(self) -> None:
        for footnote, number, text in self.run_ons:
            if self.annex_from is not None:
                self.warnings.append(
                    f"line {number}: footnote {footnote} runs on into text of the annex ('{_clip(text, 40)}'); left out"
                )
                continue
            position = self._run_on_position(footnote, text)
            if position is None:
                self.artefacts.append(
                    f"line {number}: resolution text ('{_clip(text, 50)}') had run on into footnote {footnote}; "
                    "moved back to the end, as its place is unknown"
                )
                self.warnings.append(f"line {number}: text taken from footnote {footnote}: find its place")
                self._feed_line(_Line(number, text))
                continue
            state = self.states[position]
            found = _operative_heading_at(text)
            if found and not found[1] and state.gap_line:
                self.artefacts.append(
                    f"line {number}: heading '{found[0]}' had run on into footnote {footnote}; it is the missing "
                    f"heading of the items at line {state.gap_line}"
                )
                self.warnings.append(f"line {number}: heading '{found[0]}' taken from footnote {footnote}: check")
                state.section.heading = found[0]
                state.section.action, state.section.addressee = _split_operative(found[0])
                state.section.flagged, state.section.note, state.gap_line = False, "", 0
                continue
            where = state.section.heading or "the section without heading"
            self.artefacts.append(
                f"line {number}: resolution text ('{_clip(text, 50)}') had run on into footnote {footnote}; "
                f"moved back to follow '{_clip(where, 60)}'"
            )
            self.warnings.append(f"line {number}: text taken from footnote {footnote}: check its place")
            self.insert_at = position
            self._feed_line(_Line(number, text))
            self.insert_at = None

    def _run_on_position(self, footnote: str, text: str) -> int | None:
        found = _operative_heading_at(text)
        if found and not found[1]:
            gaps = [index for index, state in enumerate(self.states) if state.gap_line]
            if gaps:
                return gaps[0]
        cited = self.states.index(self.citing[footnote]) if footnote in self.citing else None
        label = _LABEL.match(text)
        if label and not found:
            wanted = label["label"]
            first_word = text[label.end() :].split(" ", 1)[0]
            candidates = [
                index
                for index, state in enumerate(self.states)
                if state.scheme == "num" and _next_label("num", state.last) == wanted
            ]
            if cited is not None and cited in candidates:
                return cited
            for index in candidates:
                clauses = self.states[index].section.clauses
                if clauses and clauses[-1].text.split(" ", 1)[0] == first_word:
                    return index
            return None
        return cited


def _inside_quotes(text: str, position: int) -> bool:
    before = text[:position]
    return (before.count('"') % 2 == 1) or before.count("“") > before.count("”")


def _after_reference(text: str, position: int) -> bool:
    """'…, in particular, instructs the Director … thereof' cites another resolution; it is not a heading."""
    return bool(re.search(r"\bin particular\s*,?$", text[:position]))


def _complete_from_cover(fragment: str, cover: list[_Line]) -> tuple[str, int, int] | None:
    """The full title on the cover page when the resolution's own title lost its beginning."""
    for index, line in enumerate(cover):
        if " ".join(line.text.split()).endswith(fragment.split()[-1]) and fragment.split()[0] in line.text:
            start = index
            while start > 0 and cover[start - 1].text.strip() and not cover[start - 1].text.strip().endswith("."):
                start -= 1
            joined = " ".join(" ".join(item.text.split()) for item in cover[start : index + 1])
            if joined.endswith(fragment) and joined != fragment:
                return joined, cover[start].number, line.number
    return None


def _line_of(report: str) -> int:
    found = re.match(r"lines? (\d+)", report)
    return int(found[1]) if found else 0


def _clip(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _lines(numbers: list[int]) -> str:
    first, last = min(numbers), max(numbers)
    return f"line {first}" if first == last else f"lines {first}–{last}"
