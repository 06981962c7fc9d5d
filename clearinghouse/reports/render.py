"""A report's figures written as HTML, PDF (WeasyPrint, from the same HTML) or DOCX (python-docx)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from clearinghouse.core.languages import reader_date, reader_number, reader_percent, set_docx_language
from clearinghouse.core.visibility import TLP
from clearinghouse.reports.charts import Figure, bar_chart, world_map
from clearinghouse.reports.figures import ReportData
from clearinghouse.reports.models import Edition

EDITION_MARKINGS_TEXT: dict[str, str] = {
    Edition.COMMUNITY: "COMMUNITY EDITION: for the members of the Clearinghouse 174 community. Not for public "
    "distribution.",
    Edition.RESTRICTED: "RESTRICTED EDITION: for the ITU Secretariat. Not for public distribution.",
}
ILLUSTRATIVE_MARKING = "ILLUSTRATIVE DATA: made up to demonstrate the platform."

#: TLP 2.0 colours (text on black), for the labels in HTML and PDF; DOCX uses a darker amber and green on white.
#: A DOCX table cell: plain text in the report's language, or runs of (text, language code).
Cell = str | list[tuple[str, str]]

TLP_COLOURS: dict[str, str] = {
    TLP.CLEAR: "#ffffff",
    TLP.GREEN: "#33ff00",
    TLP.AMBER: "#ffc000",
    TLP.AMBER_STRICT: "#ffc000",
}
DOCX_COLOURS: dict[str, str] = {
    TLP.CLEAR: "000000",
    TLP.GREEN: "1E8C00",
    TLP.AMBER: "B37800",
    TLP.AMBER_STRICT: "B37800",
}


def tlp_label(marking: str) -> str:
    """``TLP:AMBER+STRICT``: the label as TLP 2.0 writes it, in English whatever the language."""
    return f"TLP:{marking.upper()}"


def labels(markings: tuple[str, ...]) -> str:
    """``TLP:CLEAR, TLP:GREEN or TLP:AMBER``."""
    named = [tlp_label(m) for m in markings]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " or " + named[-1]


def edition_text(data: ReportData) -> str:
    """What the introduction says of who may read the report and what it holds."""
    held = f"It counts only published records marked {labels(data.markings)}"
    if data.edition == Edition.PUBLIC:
        return held + ", which may be shared without restriction."
    if data.edition == Edition.COMMUNITY:
        return (
            f"This community edition is for the members of the Clearinghouse 174 community. {held}; it may be "
            "shared within the community, not published."
        )
    return (
        f"This restricted edition is for the ITU Secretariat. {held}: each may be shared only as its marking "
        "allows. It is not for public distribution."
    )


def title(data: ReportData) -> str:
    revision = f" ({data.revision_label})" if data.revision_label else ""
    return f"Implementation of Resolution {data.resolution_number}{revision}"


#: The language the report is written in (its own sentences; what it quotes keeps its own language).
REPORT_LANGUAGE = "en"


def period(data: ReportData) -> str:
    start = reader_date(data.start, language=REPORT_LANGUAGE) if data.start else "the first record"
    end = reader_date(data.end, language=REPORT_LANGUAGE) if data.end else "the last record"
    return f"{start} to {end}"


def generated(data: ReportData) -> str:
    return reader_date(data.generated_at, with_time=True, language=REPORT_LANGUAGE) + " UTC"


def dates(starts_on: Any, ends_on: Any) -> str:
    """ "6 December 2026" or "6 December 2026 – 8 December 2026"."""
    start = reader_date(starts_on, language=REPORT_LANGUAGE) if starts_on else ""
    if ends_on and ends_on != starts_on:
        return f"{start} – {reader_date(ends_on, language=REPORT_LANGUAGE)}"
    return start


ROWS_NOTE = (
    "Every row names the TLP marking of what it shows; the marking at the top and bottom of every page is the "
    "most restrictive the report holds."
)


def marking(data: ReportData) -> str:
    """What is printed beside the document's TLP label on every page: the edition and illustrative data."""
    parts = []
    if data.edition in EDITION_MARKINGS_TEXT:
        parts.append(EDITION_MARKINGS_TEXT[data.edition])
    if data.illustrative:
        parts.append(ILLUSTRATIVE_MARKING)
    return " ".join(parts)


def _number(value: float) -> str:
    return reader_number(value, language=REPORT_LANGUAGE)


def _days(value: float | None) -> str:
    return "—" if value is None else _number(round(value, 1))


ASSISTANCE_NOTE = (
    "Requests for assistance opened in the period that this edition's audience may see (published, not withdrawn "
    "or hidden, of a marking the edition may hold); a request counts under the development groups its Member "
    "State belonged to on the day it was opened. Steps are counted up to the end of the period; days run from the "
    "opening to the step (median). The platform keeps no wider list of developing countries than the four groups "
    "the resolution names."
)


def assistance_rows(data: ReportData) -> list[tuple[str, str]]:
    """The table of the requests for assistance, as (figure, value), for the HTML and the DOCX alike."""
    found = data.requests
    share = found.share_from_priority_groups
    groups = [
        ("least developed countries", "ldc"),
        ("small island developing states", "sids"),
        ("landlocked developing countries", "lldc"),
        ("economies in transition", "eit"),
    ]
    return [
        ("Requests for assistance opened", _number(found.opened)),
        *((f"… from {name}, when opened", _number(found.by_group.get(code, 0))) for name, code in groups),
        (
            "… from any of these four groups, when opened (share of the requests opened)",
            _number(found.from_priority_groups)
            + (f" ({reader_percent(share, REPORT_LANGUAGE)})" if share is not None else ""),
        ),
        ("Requests matched (an offer put forward)", _number(found.matched)),
        ("Days from opening to the first offer put forward (median)", _days(found.days_to_match)),
        ("Requests delivered (every chosen offer delivered)", _number(found.delivered)),
        ("Days from opening to delivery (median)", _days(found.days_to_delivery)),
        ("Requests closed with their outcome", _number(found.closed)),
        ("Offers delivered (engagements)", _number(found.engagements_delivered)),
    ]


def figures(data: ReportData) -> list[Figure]:
    return [
        bar_chart(data.by_pillar, "Measures published by pillar of the Global Cybersecurity Index", "measures"),
        bar_chart(data.by_threat, "Measures published by threat countered", "measures"),
        bar_chart(data.by_region, "Measures published by BDT region of the contributing Member State", "measures"),
        world_map(data.states, "Member States that contributed measures (darker: more measures)"),
    ]


def html(data: ReportData, charts: list[Figure], *, png: bool = False) -> bytes:
    """The report as one self-contained HTML file (figures inline: SVG, or PNG for the PDF renderer)."""
    context = {
        "png": png,
        "data": data,
        "figures": charts,
        "title": title(data),
        "period": period(data),
        "generated": generated(data),
        "marking": marking(data),
        "tlp": tlp_label(data.marking),
        "tlp_colour": TLP_COLOURS[data.marking],
        "edition_text": edition_text(data),
        "rows_note": ROWS_NOTE,
        "share": f"{data.share_in_resolution_groups:.0%}",
        "assistance_rows": assistance_rows(data),
        "assistance_note": ASSISTANCE_NOTE,
        "requests_tlp": tlp_label(data.requests_marking),
    }
    with translation.override(REPORT_LANGUAGE):  # the page's language: what differs from it is marked
        return render_to_string("reports/report.html", context).encode()


def pdf(data: ReportData, charts: list[Figure]) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only reports need

    # PNG figures: WeasyPrint draws matplotlib's SVG slowly and ignores some of its styles
    return HTML(string=html(data, charts, png=True).decode()).write_pdf()


def docx(data: ReportData, charts: list[Figure]) -> bytes:
    """A Word document in the ITU's manner: title block, numbered sections, tables, figures with captions."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    set_docx_language(normal, REPORT_LANGUAGE)
    red = RGBColor(0xB0, 0x00, 0x20)
    text_marking = marking(data)
    label = tlp_label(data.marking)
    colour = RGBColor.from_string(DOCX_COLOURS[data.marking])

    def tlp_run(paragraph: Any, text: str = label) -> None:
        run = paragraph.add_run(text)
        run.font.bold = True
        run.font.color.rgb = colour

    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        tlp_run(header)
        note = header.add_run(f" · {text_marking or f'Clearinghouse 174 · {title(data)}'}")
        if text_marking:
            note.font.bold = True
            note.font.color.rgb = red
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        tlp_run(footer)

    def caption(text: str) -> None:
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in paragraph.runs:
            run.font.bold = True
            run.font.size = Pt(9)

    def table(header: list[str], rows: Sequence[Sequence[Cell]]) -> None:
        """A table; a cell is a text, or runs of (text, language) where it quotes contributed text."""
        grid = document.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.font.bold = True
        for row in rows:
            cells = grid.add_row().cells
            for cell, content in zip(cells, row, strict=True):
                if isinstance(content, str):
                    cell.text = content
                    continue
                paragraph = cell.paragraphs[0]
                for text, language in content:
                    set_docx_language(paragraph.add_run(text), language, paragraph)

    org = document.add_paragraph("INTERNATIONAL TELECOMMUNICATION UNION · CLEARINGHOUSE 174")
    org.runs[0].font.size = Pt(9)
    document.add_paragraph("Report by the Secretary-General")
    document.add_heading(title(data), level=0)
    revision_title = document.add_paragraph()
    set_docx_language(revision_title.add_run(data.revision_title), data.text_language, revision_title)
    document.add_paragraph(
        f"Period: {period(data)} · Generated {generated(data)} from the records of Clearinghouse 174"
    )
    cover_marking = document.add_paragraph()
    tlp_run(cover_marking)
    if text_marking:
        run = cover_marking.add_run(f" · {text_marking}")
        run.font.bold = True
        run.font.color.rgb = red

    document.add_heading("1 Introduction", level=1)
    document.add_paragraph(
        f"Resolution {data.resolution_number}"
        + (f" ({data.revision_label})" if data.revision_label else "")
        + " instructs the Secretary-General to report to the Council and to the next plenipotentiary conference "
        "on the progress made in its implementation. This report was generated by Clearinghouse 174 from its own "
        f"records for the period {period(data)}: the measures and technologies Member States and organizations "
        "contributed and the Secretariat published, and the activities recorded against each operative clause."
    )
    document.add_paragraph(f"{edition_text(data)} {ROWS_NOTE}")
    if data.is_summary_text:
        document.add_paragraph(
            "The clauses are quoted from a summary of the resolution's structure in the project's own words; the "
            "official text had not been imported."
        )

    document.add_heading("2 The period in figures", level=1)
    summary = [
        ["Measures published", str(data.measures_published)],
        ["Member States contributing", str(data.contributing_states)],
        [
            "… of which LDCs, SIDS, LLDCs or economies in transition",
            f"{data.states_in_resolution_groups} ({data.share_in_resolution_groups:.0%})",
        ],
        ["Organizations contributing", str(data.organizations)],
        ["Meetings held (participants)", f"{data.meetings} ({data.meeting_participants})"],
        ["Assistance delivered", str(data.assistance)],
        *([f"Activities: {label}", str(n)] for label, n in data.activity_totals.items()),
    ]
    table(["Figure", "Value"], summary)
    caption("Table 1 – Summary")
    for number, figure in enumerate(charts, start=1):
        document.add_picture(io.BytesIO(figure.png), width=Cm(16))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption(f"Figure {number} – {figure.caption}")
    table(["Development group", "Measures published by its members"], [[r.label, str(r.count)] for r in data.by_group])
    caption("Table 2 – Measures by development group (a state may belong to several)")
    document.add_paragraph(f"{ASSISTANCE_NOTE} These figures are marked {tlp_label(data.requests_marking)}.")
    table(["Figure", "Value"], [list(row) for row in assistance_rows(data)])
    caption("Table 3 – Requests for assistance")

    document.add_heading("3 What was done under each operative clause", level=1)
    for number, clause in enumerate(data.clauses, start=1):
        heading = document.add_heading(f"3.{number} ", level=2)
        set_docx_language(heading.add_run(clause.section), clause.language)
        if clause.label:
            heading.add_run(f", {clause.label}")
        quote = document.add_paragraph(clause.text)
        quote.paragraph_format.left_indent = Cm(1)
        quote.runs[0].font.italic = True
        set_docx_language(quote.runs[0], clause.language, quote)
        done = ", ".join(f"{n} × {kind}" for kind, n in clause.summary.items())
        document.add_paragraph(f"Status: {clause.status_label}" + (f" — {done}." if done else "."))
        if clause.activities:
            rows: list[list[Cell]] = [
                [
                    dates(a.starts_on, a.ends_on),
                    [
                        (f"{a.kind}: ", REPORT_LANGUAGE),
                        (a.title, a.language),
                        ((f" ({a.region})" if a.region else "") + f" — {a.status}", REPORT_LANGUAGE),
                    ],
                    str(a.participants or ""),
                    str(a.states or ""),
                    [("; ".join(a.outputs), a.language)],
                    tlp_label(a.tlp),
                ]
                for a in clause.activities
            ]
            table(["Dates", "Activity", "Participants", "States", "Outputs", "TLP"], rows)

    document.add_heading("Annex – Contributing Member States", level=1)
    table(
        ["Member State", "Measures published", "LDC, SIDS, LLDC or EIT", "TLP"],
        [
            [[(s.name, s.language)], str(s.measures), "yes" if s.in_resolution_groups else "", tlp_label(s.tlp)]
            for s in data.states
        ],
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


WRITERS: dict[str, Callable[[ReportData, list[Figure]], bytes]] = {
    "html": lambda data, charts: html(data, charts),
    "pdf": pdf,
    "docx": docx,
}
