"""Reading resolution texts into sections and clauses.

The RCC proposal for Resolution 174 and the 61 resolutions of the PP-18 Final Acts are read from the shared
directory beside the repository (they are ITU texts, not ours to copy): the tests that need them are skipped
when it is absent. The PP-18 texts are checked against the Akoma Ntoso edition of the same Final Acts, an
automatic conversion with faults of its own: where it disagrees with the text, the test requires the
disagreement to be visible in the edition itself (a heading or an item run into another item's words).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from clearinghouse.mandates.parsing import NotAResolution, ParsedResolution, ParsedSection, parse_resolution

RESOLUTIONS = Path(__file__).resolve().parents[3].parent / "shared" / "resolutions"
PROPOSAL = RESOLUTIONS / "res174-rcc-proposal.txt"
PP18 = RESOLUTIONS / "pp18"
AKOMA_NTOSO = RESOLUTIONS / "source" / "pp18_final_acts_akn.xml"
AKN = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"

PP18_FILES = sorted(PP18.glob("*.txt")) if PP18.is_dir() else []

# Resolutions where the Akoma Ntoso edition and the text agree section by section, heading by heading and in
# the number of items; in the others the edition runs headings or items into the paragraph before them.
AGREE_WITH_AKOMA_NTOSO = {"77", "99", "150", "210"}


def _shared() -> Path:
    if not RESOLUTIONS.is_dir():
        pytest.skip(f"{RESOLUTIONS} is absent: the ITU texts live beside the repository, not in it")
    return RESOLUTIONS


@cache
def _parsed(path: Path) -> ParsedResolution:
    return parse_resolution(path.read_text(encoding="utf-8"))


def _proposal() -> ParsedResolution:
    _shared()
    return _parsed(PROPOSAL)


def _section(parsed: ParsedResolution, heading: str) -> ParsedSection:
    return next(section for section in parsed.sections if section.heading == heading)


def _all_texts(parsed: ParsedResolution) -> list[str]:
    texts = [parsed.title, parsed.enacting]
    for section in parsed.sections:
        texts.append(section.heading)
        texts.extend(clause.text for clause in section.clauses)
    return texts


# ----------------------------------------------------------------------------- the RCC proposal for 174


def test_it_reads_the_number_revision_title_and_enacting_formula_of_the_proposal():
    parsed = _proposal()
    assert parsed.number == "174"
    assert parsed.revision == "Rev. Bucharest, 2022"
    assert parsed.title.startswith("ITU's role with regard to international public policy issues relating to")
    assert parsed.title.endswith("illicit use of information and communication technologies")
    assert parsed.enacting == (
        "The Plenipotentiary Conference of the International Telecommunication Union (Bucharest, 2022),"
    )


def test_it_finds_the_sections_of_the_proposal_in_order_with_their_actions_and_addressees():
    parsed = _proposal()
    assert [(s.kind, s.heading, s.action, s.addressee) for s in parsed.sections] == [
        ("preamble", "aware", "aware", ""),
        ("preamble", "reaffirming", "reaffirming", ""),
        ("preamble", "considering", "considering", ""),
        ("preamble", "considering further", "considering further", ""),
        ("preamble", "recalling", "recalling", ""),
        ("preamble", "recognizing", "recognizing", ""),
        ("preamble", "noting", "noting", ""),
        (
            "operative",
            "resolves to instruct the Secretary-General",
            "resolves to instruct",
            "the Secretary-General",
        ),
        ("operative", "requests the Secretary-General", "requests", "the Secretary-General"),
        ("operative", "invites the Council", "invites", "the Council"),
        (
            "operative",
            "invites Member States and relevant ICT stakeholders",
            "invites",
            "Member States and relevant ICT stakeholders",
        ),
        ("operative", "invites the Secretary-General", "invites", "the Secretary-General"),
        ("operative", "instructs the Secretary-General", "instructs", "the Secretary-General"),
        ("operative", "invites Member States", "invites", "Member States"),
    ]
    assert not any(section.flagged for section in parsed.sections)


def test_the_proposal_resolves_items_i_to_iv_after_their_lead_in():
    resolves = _section(_proposal(), "resolves to instruct the Secretary-General")
    assert [clause.label for clause in resolves.clauses] == ["", "i)", "ii)", "iii)", "iv)"]
    assert resolves.clauses[0].text == "to take the necessary measures in order to:"
    assert resolves.clauses[1].text.startswith("raise the awareness of Member States regarding the adverse impact")
    assert resolves.clauses[4].text.endswith(
        "promote cooperation among appropriate international and regional organizations,"
    )


def test_the_items_of_the_proposal_keep_their_labels_and_whole_texts():
    parsed = _proposal()
    labels = {section.heading: [clause.label for clause in section.clauses] for section in parsed.sections}
    assert labels["aware"] == ["a)", "b)", "c)"]
    assert labels["reaffirming"] == ["a)", "b)", "c)", "d)", "e)", "f)"]
    assert labels["considering further"] == [""]
    assert labels["invites Member States and relevant ICT stakeholders"] == ["1", "2"]
    considering_b = _section(parsed, "considering").clauses[1].text
    assert considering_b.startswith("that Action Line C5 (Building confidence and security in the use of ICTs)")
    assert "\t" not in considering_b and len(considering_b) > 600  # the long quotation is not cut


def test_it_reports_and_removes_the_bookmark_and_the_footnote_reference_of_the_proposal():
    parsed = _proposal()
    assert "line 24: removed bookmark _Toc406757731" in parsed.artefacts
    assert any(
        report.startswith("line 53: removed footnote reference 1 ('[footnoteRef:1]1') after 'countries'")
        for report in parsed.artefacts
    )
    for text in _all_texts(parsed):
        assert "[bookmark" not in text and "_Toc" not in text
        assert "footnoteRef" not in text and "[1:" not in text
    recognizing_c = _section(parsed, "recognizing").clauses[2].text
    assert "particular value to developing countries in mitigating the effects of illicit use of ICTs," in recognizing_c
    assert "These include" not in recognizing_c


def test_the_footnote_of_the_proposal_is_set_apart_not_lost():
    parsed = _proposal()
    assert parsed.footnotes["1"].startswith("These include the least developed countries, small island developing")
    assert any("set apart the text of footnote 1" in report for report in parsed.artefacts)


def test_it_keeps_the_newer_text_of_flattened_tracked_changes_and_says_so():
    parsed = _proposal()
    assert any(
        "line 26: flattened tracked change 'Busan, 2014Bucharest, 2022' read as 'Bucharest, 2022'" in report
        for report in parsed.artefacts
    )
    assert any("line 69: flattened tracked change ',;' read as ';'" in report for report in parsed.artefacts)
    first = _section(parsed, "invites Member States and relevant ICT stakeholders").clauses[0].text
    assert first.endswith("in order to find mutually acceptable solutions;")
    assert any("tracked changes were flattened" in warning for warning in parsed.warnings)


def test_the_cover_page_and_the_proposal_marker_stay_out_of_the_resolution():
    parsed = _proposal()
    assert "line 23: removed proposal marker 'MOD RCC/68A12/1'" in parsed.artefacts
    assert any("skipped the cover page" in report for report in parsed.artefacts)
    for text in _all_texts(parsed):
        assert "RCC/68A12" not in text and "Action required" not in text and "Summary" not in text


def test_the_title_cut_in_the_proposal_is_completed_from_its_cover_page_and_reported():
    parsed = _proposal()
    assert any(
        report.startswith("line 25: title cut to 'communication technologies'; completed from the cover page")
        for report in parsed.artefacts
    )


def test_every_word_of_the_proposal_clauses_comes_from_the_proposal():
    _shared()
    source_words = set(re.findall(r"[A-Za-z][A-Za-z'’\-]*", PROPOSAL.read_text(encoding="utf-8")))
    for text in _all_texts(_proposal()):
        assert set(re.findall(r"[A-Za-z][A-Za-z'’\-]*", text)) <= source_words, text


# ----------------------------------------------------------------------------- specific PP-18 resolutions


def _pp18(number: int) -> ParsedResolution:
    _shared()
    return _parsed(PP18 / f"res{number:03d}_rev_dubai_2018.txt")


def test_it_finds_the_swallowed_heading_of_resolution_189():
    parsed = _pp18(189)
    assert [(s.action, s.addressee, len(s.clauses)) for s in parsed.sections if s.kind == "operative"] == [
        ("resolves", "", 1),
        ("instructs", "the Director of the Telecommunication Development Bureau", 4),
        ("instructs", "the Secretary-General", 1),
        ("invites", "Member States and Sector Members", 5),
    ]
    instructs = parsed.sections[6]
    assert instructs.heading.startswith(
        "instructs the Director of the Telecommunication Development Bureau, in coordination with the Director of"
    )
    assert [clause.label for clause in instructs.clauses] == ["1", "2", "3", "4"]
    resolves = parsed.sections[5].clauses[0].text
    assert resolves.endswith("taking into account considering d) above,")
    assert "instructs" not in resolves
    assert any(report.startswith("line 38: heading 'instructs the Director") for report in parsed.artefacts)


def test_it_detaches_a_footnote_number_stuck_to_a_word_and_reports_it():
    parsed = _pp18(11)
    assert "line 30: footnote number 1 detached from 'countries1'" in parsed.artefacts
    noting_further_d = _section(parsed, "noting further").clauses[3].text
    assert "main limitation for developing countries to participate in ITU events" in noting_further_d
    assert not any("countries1" in text for text in _all_texts(parsed))
    assert parsed.footnotes["1"].startswith("These include the least developed countries")


def test_it_does_not_mistake_technical_names_for_footnote_numbers():
    parsed = _pp18(180)
    assert parsed.title == "Promoting deployment and adoption of IPv6 to facilitate the transition from IPv4 to IPv6"
    assert not any("IPv6" in report for report in parsed.artefacts)


def test_it_splits_a_heading_swallowed_with_its_first_item_and_a_run_in_item_of_resolution_11():
    parsed = _pp18(11)
    keyed = [(s.heading, [c.label for c in s.clauses]) for s in parsed.sections if s.kind == "operative"]
    assert keyed[0] == ("resolves", [str(n) for n in range(1, 13)])
    assert keyed[2] == ("instructs the Secretary-General, in cooperation with the Directors of the Bureaux", [""])
    assert parsed.sections[6].clauses[0].text.startswith("to give due consideration, in planning ITU Telecom events")


def test_resolution_text_that_ran_into_a_footnote_is_put_back_and_reported():
    parsed = _pp18(176)
    assert [s.heading.split(",")[0] for s in parsed.sections] == [
        "recalling",
        "considering",
        "resolves to instruct the Directors of the three Bureaux",
        "instructs the Director of the Telecommunication Development Bureau",
        "instructs the Director of the Telecommunication Standardization Bureau",
        "instructs the Secretary-General",
        "invites Member States",
    ]
    assert parsed.footnotes["3"].endswith("3 kHz to 300 GHz.")
    assert any("had run on into footnote 3" in report for report in parsed.artefacts)
    assert any("footnote 3" in warning for warning in parsed.warnings)


def test_a_heading_lost_from_the_text_leaves_a_flagged_section_not_a_wrong_addressee():
    parsed = _pp18(140)
    council = _section(parsed, "requests the ITU Council")
    assert [clause.label for clause in council.clauses] == [str(n) for n in range(1, 10)]
    orphans = parsed.sections[parsed.sections.index(council) + 1]
    assert orphans.flagged and orphans.heading == "" and "missing" in orphans.note
    assert [clause.label for clause in orphans.clauses] == [str(n) for n in range(1, 7)]


def test_items_that_ran_into_a_footnote_rejoin_their_section():
    parsed = _pp18(140)
    resolves = _section(parsed, "resolves")
    assert [clause.label for clause in resolves.clauses] == [str(n) for n in range(1, 12)]
    assert resolves.clauses[9].text.startswith("that the ITU Telecommunication Development Sector (ITU-D) shall give")
    assert parsed.footnotes["3"] == "See requests the ITU Council 3 below."


def test_a_resolves_heading_continued_on_the_next_line_and_the_rest_of_it_in_a_footnote():
    parsed = _pp18(137)
    resolves = parsed.sections[6]
    assert (resolves.action, resolves.addressee) == ("resolves to instruct", "the Directors of the three Bureaux")
    assert resolves.heading.endswith(", in line with the mandates of their respective Sectors")
    assert [clause.label for clause in resolves.clauses] == ["1", "2"]
    assert resolves.clauses[1].text.startswith("to coordinate studies and programmes within ITU-R on IMT-2020")
    assert (parsed.sections[7].action, parsed.sections[7].addressee) == (
        "instructs",
        "the Secretary-General and the Director of the Telecommunication Development Bureau",
    )
    assert parsed.footnotes["2"] == "See the work of the ITU-T Study Group 13 Focus Group on future networks."


def test_an_annex_is_left_out_of_the_sections_and_reported():
    parsed = _pp18(48)
    council = _section(parsed, "instructs the ITU Council")
    assert council.clauses[-1].text.endswith("particularly taking account of considering b), c) and h) above.")
    assert any("starts an annex" in warning for warning in parsed.warnings)
    assert not any("ITU should advertise vacancy notices" in text for text in _all_texts(parsed))


def test_a_new_resolution_has_no_revision():
    assert _pp18(204).revision == ""
    assert _pp18(189).revision == "Rev. Dubai, 2018"


def test_a_cut_title_is_kept_as_written_and_reported():
    parsed = _pp18(140)
    assert parsed.title.endswith("World Summit on the Information Society and ...")
    assert any("seems cut" in warning for warning in parsed.warnings)


# ----------------------------------------------------------------------------- all 61 against Akoma Ntoso


@dataclass
class _OracleSection:
    heading: str
    items: list[str]


def _text_of(element: ET.Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


@cache
def _akoma_ntoso() -> dict[str, list[_OracleSection]]:
    """The sections of each resolution in the Akoma Ntoso edition: recitals and hcontainers, in order."""
    root = ET.parse(AKOMA_NTOSO).getroot()  # noqa: S314 -- a file of the shared directory, not uploaded input
    resolutions = {}
    for component in root.iter(f"{AKN}component"):
        statement = component.find(f"{AKN}statement")
        if statement is None or statement.get("name") != "resolution":
            continue
        sections = []
        for recitals in statement.iterfind(f"{AKN}preamble/{AKN}recitals"):
            items = [_text_of(recital) for recital in recitals.iterfind(f"{AKN}recital")]
            sections.append(_OracleSection(_text_of(recitals.find(f"{AKN}intro")), items))
        for container in statement.iterfind(f"{AKN}mainBody/{AKN}hcontainer"):
            items = [_text_of(paragraph) for paragraph in container.iterfind(f"{AKN}paragraph")]
            sections.append(_OracleSection(_text_of(container.find(f"{AKN}heading")), items))
        resolutions[component.get("eId", "").removeprefix("cmp_res_")] = sections
    return resolutions


_GLUED_NUMBER = re.compile(r"(?<=[A-Za-z)\"”’])\d{1,2}\b")
_LEADING_LABEL = re.compile(r"^(?:[a-z]{1,2}\)|[ivx]+\)|\d{1,2}(?:\.\d{1,2})*)\s+")


def _normal(text: str) -> str:
    """Whitespace and footnote numbers aside, as both editions write them differently."""
    return " ".join(_GLUED_NUMBER.sub("", text).split())


def _opening(text: str, size: int = 40) -> str:
    return _LEADING_LABEL.sub("", _normal(text))[:size]


def _key(section: ParsedSection) -> str:
    return f"{section.action} {section.addressee}".strip() if section.kind == "operative" else section.heading


@dataclass
class _Comparison:
    exact: bool
    headings_not_found: list[str]
    unexplained_headings: list[str]
    clauses_not_in_the_edition: list[str]
    items_lost: list[str]
    uncounted: list[str]


def _compare(path: Path) -> _Comparison:
    """Line the parsed sections up with the edition's, and account for every heading and item on both sides."""
    parsed = _parsed(path)
    edition = _akoma_ntoso()[parsed.number]
    exact = [(_key(s), len(s.clauses)) for s in parsed.sections] == [(o.heading, len(o.items)) for o in edition]
    everything = _normal(" ".join(item for section in edition for item in section.items))
    moved_from_footnotes = any("run on into footnote" in report for report in parsed.artefacts)

    groups: list[tuple[_OracleSection, list[ParsedSection]]] = []
    not_found, position = [], 0
    for section in edition:
        candidates = [i for i in range(position, len(parsed.sections)) if _key(parsed.sections[i]) == section.heading]
        same_words = [i for i in candidates if _shares_an_item(parsed.sections[i], section)]
        if not candidates:
            not_found.append(section.heading)
            continue
        chosen = (same_words or candidates)[0]
        if groups:
            groups[-1][1].extend(parsed.sections[position:chosen])
        groups.append((section, [parsed.sections[chosen]]))
        position = chosen + 1
    if groups:
        groups[-1][1].extend(parsed.sections[position:])

    unexplained, foreign, lost, uncounted = [], [], [], []
    annex_lines = _lines_after_an_annex(path, parsed)
    all_clauses = _normal(" ".join(clause.text for section in parsed.sections for clause in section.clauses))
    for section, group in groups:
        region = _normal(" ".join(section.items))
        for extra in group[1:]:
            if not (extra.flagged and not extra.heading) and _normal(extra.heading) not in everything:
                unexplained.append(extra.heading)
        clauses = [clause.text for part in group for clause in part.clauses]
        paired = _pair(clauses, section.items)
        joined = _normal(" ".join(clauses))
        inside_edition_items = 0
        for index, text in enumerate(clauses):
            opening = _opening(text)
            if index in paired:
                continue
            if opening in region or (moved_from_footnotes and opening in everything):
                inside_edition_items += 1  # the edition ran this item into the one before it
            else:
                foreign.append(text[:60])
        inside_clauses = 0
        for index, item in enumerate(section.items):
            opening = _opening(item, 30)
            if index in paired.values():
                continue
            if opening in joined or opening in annex_lines or opening in all_clauses:
                inside_clauses += 1  # a sub-item kept inside its item, an annex, or text put back from a footnote
            else:
                lost.append(item[:60])
        if len(clauses) - inside_edition_items != len(section.items) - inside_clauses:
            uncounted.append(f"{section.heading}: {len(clauses)} items here, {len(section.items)} in the edition")
    return _Comparison(exact, not_found, unexplained, foreign, lost, uncounted)


def _pair(clauses: list[str], items: list[str]) -> dict[int, int]:
    """Clauses and edition items that begin alike, each used once: clause index -> item index."""
    openings = [_opening(item, 60) for item in items]
    paired: dict[int, int] = {}
    for index, text in enumerate(clauses):
        opening = _opening(text, 60)
        for position, start in enumerate(openings):
            shorter = min(len(opening), len(start))
            if position not in paired.values() and shorter >= 15 and opening[:shorter] == start[:shorter]:
                paired[index] = position
                break
    return paired


def _shares_an_item(parsed_section: ParsedSection, section: _OracleSection) -> bool:
    if not parsed_section.clauses or not section.items:
        return False
    return _opening(parsed_section.clauses[0].text) in _normal(" ".join(section.items))


def _lines_after_an_annex(path: Path, parsed: ParsedResolution) -> str:
    starts = [int(found[1]) for w in parsed.warnings if (found := re.match(r"line (\d+): .* starts an annex", w))]
    if not starts:
        return ""
    return _normal(" ".join(path.read_text(encoding="utf-8").splitlines()[starts[0] - 1 :]))


def _ids(path: Path | None) -> str:
    return path.stem.split("_")[0] if path else "absent"


@pytest.fixture(params=list[Path | None](PP18_FILES) or [None], ids=_ids)
def pp18_text(request: pytest.FixtureRequest) -> Path:
    _shared()
    if request.param is None or not AKOMA_NTOSO.is_file():
        pytest.skip(f"{PP18} or {AKOMA_NTOSO} is absent")
    return request.param


def test_the_shared_directory_holds_61_pp18_resolutions_all_in_the_akoma_ntoso_edition():
    _shared()
    numbers = {_parsed(path).number for path in PP18_FILES}
    assert len(PP18_FILES) == 61 and len(numbers) == 61
    assert numbers == set(_akoma_ntoso())


def test_it_finds_every_heading_of_the_akoma_ntoso_edition_in_order(pp18_text):
    assert _compare(pp18_text).headings_not_found == []


def test_every_further_heading_it_finds_is_run_into_an_item_of_the_edition_or_flagged(pp18_text):
    assert _compare(pp18_text).unexplained_headings == []


def test_every_item_it_reads_is_in_the_edition_under_the_same_heading(pp18_text):
    assert _compare(pp18_text).clauses_not_in_the_edition == []


def test_every_item_of_the_edition_is_kept_unless_it_belongs_to_an_annex(pp18_text):
    assert _compare(pp18_text).items_lost == []


def test_its_item_counts_equal_the_editions_once_items_run_together_are_accounted_for(pp18_text):
    assert _compare(pp18_text).uncounted == []


_WORD = re.compile(r"[A-Za-z0-9]+")


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(_GLUED_NUMBER.sub("", text)))


def _words_read(parsed: ParsedResolution) -> Counter[str]:
    found = Counter[str]()
    for section in parsed.sections:
        found += _words(section.heading)
        for clause in section.clauses:
            found += _words(clause.label) + _words(clause.text)
    for number, footnote in parsed.footnotes.items():
        found += _words(number) + _words(footnote)
    return found


def test_every_word_after_the_enacting_formula_is_read_once_unless_it_belongs_to_an_annex(pp18_text):
    parsed = _parsed(pp18_text)
    lines = pp18_text.read_text(encoding="utf-8").splitlines()
    start = next(index for index, line in enumerate(lines) if line.strip() == parsed.enacting) + 1
    annex = [int(found[1]) for w in parsed.warnings if (found := re.match(r"line (\d+): .* starts an annex", w))]
    if annex:
        separators = [index for index, line in enumerate(lines) if re.fullmatch(r"_{5,}", line.strip())]
        separator = separators[0] if separators else len(lines)
        first = lines[annex[0] - 1]
        lines = [*lines[start : annex[0] - 1], first[: first.index("ANNEX")], *lines[separator:]]
    else:
        lines = lines[start:]
    assert _words_read(parsed) == _words("\n".join(lines))


def test_every_word_of_the_proposal_after_its_enacting_formula_is_read_once():
    _shared()
    text = PROPOSAL.read_text(encoding="utf-8")
    body = text.split("(Busan, 2014Bucharest, 2022),", 1)[1]
    body = re.sub(r"\[footnoteRef:1\]1|\[1:", " ", body)  # the Word marks, reported as artefacts
    assert _words_read(_proposal()) == _words(body)


def _vocabulary(operative: bool) -> str:
    headings = {
        section.heading
        for sections in _akoma_ntoso().values()
        for section in sections
        if (
            section.heading.split()[0]
            in {"resolves", "instructs", "invites", "requests", "urges", "encourages", "further", "authorizes"}
        )
        == operative
    }
    return "|".join(re.escape(heading) for heading in sorted(headings, key=len, reverse=True))


def test_no_item_hides_a_heading_of_the_edition_at_its_end_or_before_an_item(pp18_text):
    """An independent look for swallowed headings, with the edition's own headings as the vocabulary.

    An operative heading may be followed by the first item ("… to", "… 1 to"); a preamble word followed by
    more words is prose ("…, recognizing that …"), so only a paragraph ending with one is suspect.
    """
    operative, preamble = _vocabulary(operative=True), _vocabulary(operative=False)
    hidden = re.compile(rf"[,;.:] (?:(?:{operative})(?:\s*$|\s+(?:\d{{1,2}}\s+)?(?:to|that)\s)|(?:{preamble})\s*$)")
    for section in _parsed(pp18_text).sections:
        for clause in section.clauses:
            for paragraph in clause.text.split("\n"):
                assert not hidden.search(paragraph), paragraph[-160:]


_ASKING_SOMEONE = re.compile(
    r"[,;.:]\s+(?:further\s+)?(?:instructs|invites|requests|urges|encourages|calls upon|authorizes)\s+"
    r"(?:the|all|Member|Sector|ITU|regional|organizations|least|Academia)\b(?![^,;.]*\bthereof\b)"
)


def test_no_item_asks_someone_else_to_act_after_a_comma(pp18_text):
    """'…, instructs the Director …' inside an item is a heading run into it (a citation says 'thereof')."""
    for section in _parsed(pp18_text).sections:
        for clause in section.clauses:
            assert not _ASKING_SOMEONE.search(clause.text), clause.text[:160]


def test_no_item_runs_into_the_next_one(pp18_text):
    for section in _parsed(pp18_text).sections:
        for clause in section.clauses:
            if clause.label.isdigit():
                following = rf"[;:.,]\s+{int(clause.label) + 1}\s+(?:to|that)\b"
                assert not re.search(following, clause.text), clause.text[:160]


def test_every_clause_of_the_pp18_texts_is_words_of_the_text(pp18_text):
    source = _normal(pp18_text.read_text(encoding="utf-8"))
    parsed = _parsed(pp18_text)
    for section in parsed.sections:
        assert _normal(section.heading) in source
        for clause in section.clauses:
            for paragraph in clause.text.split("\n"):
                assert _normal(paragraph) in source, paragraph[:80]


def test_the_resolutions_the_edition_got_right_match_it_exactly():
    _shared()
    if not AKOMA_NTOSO.is_file():
        pytest.skip(f"{AKOMA_NTOSO} is absent")
    exact = {_parsed(path).number for path in PP18_FILES if _compare(path).exact}
    assert AGREE_WITH_AKOMA_NTOSO <= exact


# ----------------------------------------------------------------------------- what is not a resolution

SYNTHETIC = """\
RESOLUTION 999 (REV. EXAMPLEVILLE, 2031)
Testing a parser with headings it has never met

The Plenipotentiary Conference of the International Telecommunication Union (Exampleville, 2031),

considering
a) that a reader meets headings nobody listed;
b) that a heading should never be lost,

pondering deeply
that this heading was made up for the test,

resolves
to instruct the Secretary-General 1 to keep every heading;
2 to flag what cannot be classified, and report on:
i) what was flagged;
ii) why it was flagged,
invites Member States, Sector Members and Associates to read the report.
"""


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "The quick brown fox jumps over the lazy dog.\nIt was not a resolution, and never will be.\n",
        "number,title,revision\n174,Illicit use of ICTs,Rev. Bucharest 2022\n",
        "Resolution 174 (Rev. Bucharest, 2022) of the Plenipotentiary Conference is mentioned in this memo.\n",
        "\x00\x01binary\x00",
    ],
    ids=["empty", "blank", "prose", "csv", "mention", "binary"],
)
def test_a_text_that_is_not_a_resolution_is_refused_saying_what_was_expected(text):
    with pytest.raises(NotAResolution) as refusal:
        parse_resolution(text)
    assert "expected the text of an ITU resolution" in str(refusal.value)
    assert "RESOLUTION" in str(refusal.value)


def test_a_heading_line_with_nothing_after_it_is_refused():
    with pytest.raises(NotAResolution, match="no preamble or operative section"):
        parse_resolution("RESOLUTION 12 (REV. DUBAI, 2018)\nA title\n")


def test_a_byte_order_mark_and_windows_line_ends_change_nothing():
    plain = parse_resolution(SYNTHETIC)
    windows = parse_resolution("\ufeff" + SYNTHETIC.replace("\n", "\r\n"))
    assert windows.sections == plain.sections
    assert (windows.number, windows.title) == ("999", plain.title)


def test_an_unknown_heading_is_kept_as_a_flagged_section():
    parsed = parse_resolution(SYNTHETIC)
    assert [section.heading for section in parsed.sections][:2] == ["considering", "pondering deeply"]
    unknown = parsed.sections[1]
    assert unknown.flagged and "pondering deeply" in unknown.note
    assert unknown.clauses[0].text == "that this heading was made up for the test,"
    assert not parsed.sections[0].flagged and not parsed.sections[2].flagged
    assert any("unknown heading 'pondering deeply'" in warning for warning in parsed.warnings)


def test_a_resolves_heading_continued_on_the_next_line_names_its_addressee():
    parsed = parse_resolution(SYNTHETIC)
    resolves = parsed.sections[2]
    assert (resolves.heading, resolves.action, resolves.addressee) == (
        "resolves to instruct the Secretary-General",
        "resolves to instruct",
        "the Secretary-General",
    )
    assert [clause.label for clause in resolves.clauses] == ["1", "2"]


def test_sub_items_stay_inside_their_item():
    second = parse_resolution(SYNTHETIC).sections[2].clauses[1]
    assert second.text == (
        "to flag what cannot be classified, and report on:\ni) what was flagged;\nii) why it was flagged,"
    )


def test_a_heading_swallowed_with_its_item_is_split_at_the_item():
    parsed = parse_resolution(SYNTHETIC)
    invites = parsed.sections[3]
    assert (invites.heading, invites.addressee) == (
        "invites Member States, Sector Members and Associates",
        "Member States, Sector Members and Associates",
    )
    assert [(clause.label, clause.text) for clause in invites.clauses] == [("", "to read the report.")]
    assert parsed.revision == "Rev. Exampleville, 2031"
    assert parsed.title == "Testing a parser with headings it has never met"


def test_an_operative_word_among_the_preamble_headings_is_flagged():
    text = SYNTHETIC.replace("pondering deeply\n", "recommends\nthat something be done,\n\nnoting\n")
    flagged = parse_resolution(text).sections[1]
    assert (flagged.kind, flagged.heading, flagged.flagged) == ("operative", "recommends", True)
    assert "among the preamble headings" in flagged.note


def test_a_heading_inside_a_quotation_is_not_a_heading():
    text = SYNTHETIC.replace(
        "b) that a heading should never be lost,",
        'b) the words "we agree, instructs the Secretary-General to act" quoted here,',
    )
    considering = parse_resolution(text).sections[0]
    assert [clause.label for clause in considering.clauses] == ["a)", "b)"]
    assert "instructs the Secretary-General" in considering.clauses[1].text
