"""A report's figures written as HTML, PDF (WeasyPrint, from the same HTML) or DOCX (python-docx)."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.template.loader import render_to_string

from clearinghouse.reports.charts import Figure, bar_chart, world_map
from clearinghouse.reports.figures import ReportData

RESTRICTED_MARKING = "RESTRICTED EDITION: includes records not marked TLP:CLEAR. Not for public distribution."
ILLUSTRATIVE_MARKING = "ILLUSTRATIVE DATA: made up to demonstrate the platform."


def title(data: ReportData) -> str:
    revision = f" ({data.revision_label})" if data.revision_label else ""
    return f"Implementation of Resolution {data.resolution_number}{revision}"


def period(data: ReportData) -> str:
    start = data.start.isoformat() if data.start else "the first record"
    end = data.end.isoformat() if data.end else "the last record"
    return f"{start} to {end}"


def marking(data: ReportData) -> str:
    parts = []
    if data.restricted:
        parts.append(RESTRICTED_MARKING)
    if data.illustrative:
        parts.append(ILLUSTRATIVE_MARKING)
    return " ".join(parts)


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
        "marking": marking(data),
        "share": f"{data.share_in_resolution_groups:.0%}",
    }
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
    red = RGBColor(0xB0, 0x00, 0x20)
    text_marking = marking(data)
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(2)
        header = section.header.paragraphs[0]
        header.text = text_marking or f"Clearinghouse 174 · {title(data)}"
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if text_marking:
            for run in header.runs:
                run.font.bold = True
                run.font.color.rgb = red

    def caption(text: str) -> None:
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in paragraph.runs:
            run.font.bold = True
            run.font.size = Pt(9)

    def table(header: list[str], rows: list[list[str]]) -> None:
        grid = document.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.font.bold = True
        for row in rows:
            cells = grid.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text

    org = document.add_paragraph("INTERNATIONAL TELECOMMUNICATION UNION · CLEARINGHOUSE 174")
    org.runs[0].font.size = Pt(9)
    document.add_paragraph("Report by the Secretary-General")
    document.add_heading(title(data), level=0)
    document.add_paragraph(data.revision_title)
    document.add_paragraph(
        f"Period: {period(data)} · Generated {data.generated_at:%Y-%m-%d %H:%M} UTC from the records of "
        "Clearinghouse 174"
    )
    if text_marking:
        run = document.add_paragraph().add_run(text_marking)
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
    document.add_paragraph(
        "This restricted edition counts every published record except those marked TLP:RED. It is not for public "
        "distribution."
        if data.restricted
        else "It counts only published records marked TLP:CLEAR, which may be shared without restriction."
    )
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

    document.add_heading("3 What was done under each operative clause", level=1)
    for number, clause in enumerate(data.clauses, start=1):
        document.add_heading(f"3.{number} {clause.section}" + (f", {clause.label}" if clause.label else ""), level=2)
        quote = document.add_paragraph(clause.text)
        quote.paragraph_format.left_indent = Cm(1)
        quote.runs[0].font.italic = True
        done = ", ".join(f"{n} × {kind}" for kind, n in clause.summary.items())
        document.add_paragraph(f"Status: {clause.status_label}" + (f" — {done}." if done else "."))
        if clause.activities:
            rows = [
                [
                    (a.starts_on.isoformat() if a.starts_on else "")
                    + (f" – {a.ends_on.isoformat()}" if a.ends_on and a.ends_on != a.starts_on else ""),
                    f"{a.kind}: {a.title}" + (f" ({a.region})" if a.region else "") + f" — {a.status}",
                    str(a.participants or ""),
                    str(a.states or ""),
                    "; ".join(a.outputs),
                ]
                for a in clause.activities
            ]
            table(["Dates", "Activity", "Participants", "States", "Outputs"], rows)

    document.add_heading("Annex – Contributing Member States", level=1)
    table(
        ["Member State", "Measures published", "LDC, SIDS, LLDC or EIT"],
        [[s.name, str(s.measures), "yes" if s.in_resolution_groups else ""] for s in data.states],
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


WRITERS: dict[str, Callable[[ReportData, list[Figure]], bytes]] = {
    "html": lambda data, charts: html(data, charts),
    "pdf": pdf,
    "docx": docx,
}
