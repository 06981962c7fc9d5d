"""The implementation report's requests for assistance: counted only as far as the edition's audience may see them,
by development group as of the day each was opened, illustrative ones only in a demonstration; and the assistance
delivered, as an activity under the resolution's clause on assistance (issue 15, items 4 and 5)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from docx import Document

from clearinghouse.assistance import services as assistance
from clearinghouse.assistance.tests.test_figures import JUNE_2023, JUNE_2024, made
from clearinghouse.assistance.tests.test_lifecycle import gsma_offer, kenyan_request
from clearinghouse.core.visibility import TLP
from clearinghouse.mandates import services as mandates
from clearinghouse.mandates.models import ROLE_OF_KIND, ActivityKind, Resolution
from clearinghouse.mandates.services import current_clauses
from clearinghouse.mandates.tests.test_resolutions import TEXT
from clearinghouse.reports import services
from clearinghouse.reports.figures import ReportData

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolution(personas) -> Resolution:
    mandates.import_resolution(TEXT, actor=personas.curator)
    return Resolution.objects.get(number=174)


def report(
    resolution: Resolution,
    edition: str = "public",
    *,
    fmt: str = "html",
    illustrative: bool = False,
    start: date | None = None,
    end: date | None = None,
) -> tuple[bytes, ReportData]:
    return services.build(
        resolution, format=fmt, start=start, end=end, edition=edition, include_illustrative=illustrative
    )


def test_each_edition_counts_only_the_requests_its_audience_may_see(resolution, personas):
    opened = datetime(2026, 3, 2, tzinfo=UTC)
    made("KE", opened, tlp=TLP.CLEAR, days=(2,))
    made("KE", opened, tlp=TLP.GREEN, days=(4,))
    made("KE", opened, tlp=TLP.AMBER, days=(10,))
    made("KE", opened, tlp=TLP.AMBER_STRICT, days=(20,))
    counted = {edition: report(resolution, edition)[1] for edition in ("public", "community", "restricted")}
    assert {e: d.requests.opened for e, d in counted.items()} == {"public": 1, "community": 2, "restricted": 4}
    assert {e: d.requests.days_to_match for e, d in counted.items()} == {
        "public": 2,
        "community": 3,
        "restricted": 7,
    }
    # the figures carry the narrowest marking of what they count, and so does the document
    assert {e: d.requests_marking for e, d in counted.items()} == {
        "public": TLP.CLEAR,
        "community": TLP.GREEN,
        "restricted": TLP.AMBER_STRICT,
    }
    assert counted["restricted"].marking == TLP.AMBER_STRICT


def test_a_hidden_withdrawn_or_draft_request_is_in_no_edition(resolution, personas):
    hidden = kenyan_request(personas, tlp=TLP.CLEAR, title="Hidden")
    assistance.open_request(hidden, actor=personas.alice)
    assistance.hide_request(hidden, actor=personas.curator, reason="Not a need.")
    withdrawn = kenyan_request(personas, tlp=TLP.CLEAR, title="Withdrawn")
    assistance.open_request(withdrawn, actor=personas.alice)
    assistance.withdraw_request(withdrawn, actor=personas.alice)
    kenyan_request(personas, tlp=TLP.CLEAR, title="A draft")
    assert report(resolution, "restricted")[1].requests.opened == 0
    shown = kenyan_request(personas, tlp=TLP.CLEAR, title="Open")
    assistance.open_request(shown, actor=personas.alice)
    assert report(resolution, "restricted")[1].requests.opened == 1


def test_a_request_counts_under_the_groups_of_the_day_it_was_opened_in_the_report_too(resolution, personas):
    made("BT", JUNE_2023)
    made("BT", JUNE_2024)
    made("KE", JUNE_2024)
    _content, data = report(resolution)
    assert data.requests.opened == 3
    assert (data.requests.by_group["ldc"], data.requests.by_group["lldc"], data.requests.from_priority_groups) == (
        1,
        2,
        2,
    )
    content, _data = report(resolution)
    page = content.decode()
    assert '<tr><th>… from least developed countries, when opened</th><td class="n">1</td></tr>' in page
    assert '(share of the requests opened)</th><td class="n">2 (67%)</td>' in page
    # a period counts the requests opened in it
    assert report(resolution, start=date(2024, 1, 1), end=date(2024, 12, 31))[1].requests.opened == 2


def test_illustrative_requests_are_left_out_of_real_reports_and_in_a_demonstration_only(resolution, personas):
    made("KE", JUNE_2024)
    made("FJ", JUNE_2024, illustrative=True)
    assert report(resolution)[1].requests.opened == 1
    demo = report(resolution, illustrative=True)[1]
    assert demo.requests.opened == 2 and demo.illustrative


def test_steps_after_the_period_are_not_counted_in_it(resolution, personas):
    made("KE", datetime(2026, 1, 10, tzinfo=UTC), days=(3, 50))  # matched on 13 January, agreed in March
    made("KE", datetime(2026, 1, 20, tzinfo=UTC), days=(40,))  # matched at the end of February
    january = report(resolution, start=date(2026, 1, 1), end=date(2026, 1, 31))[1].requests
    assert (january.opened, january.matched, january.days_to_match) == (2, 1, 3)
    whole = report(resolution)[1].requests
    assert (whole.opened, whole.matched, whole.days_to_match) == (2, 2, 21.5)


def test_the_docx_has_the_table_of_the_requests(resolution, personas):
    made("BT", JUNE_2023, days=(2,))
    content, _data = report(resolution, fmt="docx")
    document = Document(io.BytesIO(content))
    rows = {
        table.rows[i].cells[0].text: table.rows[i].cells[1].text
        for table in document.tables
        for i in range(len(table.rows))
    }
    assert rows["Requests for assistance opened"] == "1"
    assert rows["… from least developed countries, when opened"] == "1"
    assert rows["Days from opening to the first offer put forward (median)"] == "2"
    assert any("Table 3 – Requests for assistance" in p.text for p in document.paragraphs)


def test_assistance_delivered_is_in_the_report_under_the_clause_on_assistance_before_the_request_is_closed(
    resolution, personas
):
    request = kenyan_request(personas, tlp=TLP.CLEAR, title="Detecting SIM boxes in Kenya")
    assistance.open_request(request, actor=personas.alice)
    offer = gsma_offer(personas, tlp=TLP.CLEAR)
    assistance.propose(request, offer, actor=personas.curator)
    assistance.choose(request, [offer], actor=personas.alice)
    assistance.start_delivery(request, actor=personas.alice)
    assert report(resolution)[1].assistance == 0
    assistance.record_delivery(request, actor=personas.carol, offer=offer, delivered="12 engineers trained.")

    content, data = report(resolution)
    assert data.assistance == 1 and data.requests.delivered == 1 and data.requests.engagements_delivered == 1
    # the clause that asks for assistance: in Resolution 174 (and this text) the one that also asks to collect and
    # disseminate best practices, "and to provide assistance"
    on_assistance = {clause.text for clause in current_clauses(ROLE_OF_KIND[ActivityKind.ASSISTANCE])}
    assert on_assistance and all("provide assistance" in text for text in on_assistance)
    lines = [
        (clause.text, line.title, line.kind)
        for clause in data.clauses
        for line in clause.activities
        if line.title == request.title
    ]
    assert lines and {text for text, _title, _kind in lines} & on_assistance
    assert all(kind == "Assistance delivered" for _text, _title, kind in lines)
    assert "Assistance delivered: <bdi>Detecting SIM boxes in Kenya</bdi>" in content.decode()
    # closing adds the outcome, not a second activity
    assistance.close_request(request, actor=personas.alice, outcome="Test calls run weekly.")
    assert report(resolution)[1].assistance == 1


def test_assistance_delivered_on_an_amber_request_is_only_in_the_restricted_edition(resolution, personas):
    request = kenyan_request(personas, tlp=TLP.AMBER, title="A discreet need")
    assistance.open_request(request, actor=personas.alice)
    offer = gsma_offer(personas, tlp=TLP.CLEAR)
    assistance.propose(request, offer, actor=personas.curator)
    assistance.choose(request, [offer], actor=personas.alice)
    assistance.start_delivery(request, actor=personas.alice)
    assistance.record_delivery(request, actor=personas.carol, offer=offer, delivered="Done.")
    assert [report(resolution, e)[1].assistance for e in ("public", "community", "restricted")] == [0, 0, 1]
    assert [report(resolution, e)[1].requests.delivered for e in ("public", "community", "restricted")] == [0, 0, 1]
