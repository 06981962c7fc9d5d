"""The counts and figures of the assistance home page: development groups as of the day a request was opened, only
what the viewer may see, the demo's made-up requests apart, in a fixed number of queries (docs/assistance.md,
"Figures"). Personas: alice leads Kenya, bob leads Nigeria, carol belongs to the GSMA, curator."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clearinghouse.assistance import selectors, services
from clearinghouse.assistance.models import (
    AssistanceOffer,
    AssistanceRequest,
    Engagement,
    HelpKind,
    Modality,
    Stage,
    StageChange,
)
from clearinghouse.assistance.tests.test_lifecycle import gsma_offer, kenyan_request
from clearinghouse.catalog.models import Threat
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import MemberState

pytestmark = pytest.mark.django_db

#: The steps after the opening, in order, as ``made`` takes them.
AFTER_OPENING = (Stage.MATCHED, Stage.AGREED, Stage.IN_DELIVERY, Stage.DELIVERED, Stage.CLOSED)


def made(
    alpha2: str,
    opened: datetime,
    *,
    tlp: str = TLP.CLEAR,
    days: tuple[float, ...] = (),
    illustrative: bool = False,
    title: str = "",
    threat: str = "simbox-fraud",
) -> AssistanceRequest:
    """A request of ``alpha2`` opened on ``opened``, then taken through the steps after the opening, the n-th
    ``days[n]`` days after it (the demo's way, dated: a service dates a step now). Nothing is hidden."""
    last = AFTER_OPENING[len(days) - 1] if days else Stage.OPEN
    request = AssistanceRequest.objects.create(
        owner_state=MemberState.objects.get(alpha2=alpha2),
        title=title or f"A need of {alpha2} opened {opened:%Y-%m-%d}",
        need="Help.",
        language="en",
        kinds=[HelpKind.TRAINING],
        languages=["en"],
        modality=Modality.REMOTE,
        tlp=tlp,
        lifecycle=Lifecycle.PUBLISHED,
        stage=last,
        opened_at=opened,
        is_illustrative=illustrative,
    )
    request.threats.set(Threat.objects.filter(slug=threat))
    before = Stage.DRAFT
    for stage, after in ((Stage.OPEN, 0.0), *zip(AFTER_OPENING, days, strict=False)):
        StageChange.objects.create(
            request=request, from_stage=before, to_stage=stage, created_at=opened + timedelta(days=after)
        )
        before = stage
    return request


def cell(page: str, attribute: str, key: str) -> str:
    found = re.search(rf'{attribute}="{key}">([^<]*)<', page)
    assert found, (attribute, key)
    return found.group(1)


def home(user: Any, query: str = "?stage=") -> str:
    return client_for(user).get(f"/en/assistance/{query}").content.decode()


JUNE_2023 = datetime(2023, 6, 15, 9, tzinfo=UTC)
JUNE_2024 = datetime(2024, 6, 15, 9, tzinfo=UTC)


def test_a_request_counts_under_the_groups_its_state_was_in_on_the_day_it_was_opened(personas):
    # Bhutan left the least developed countries on 13 December 2023 and is still landlocked
    before = made("BT", JUNE_2023, title="Bhutan before its graduation")
    after = made("BT", JUNE_2024, title="Bhutan after its graduation")
    counts = selectors.counts(AssistanceRequest.objects.visible_to(personas.reader))
    groups = {row.key: row.count for row in counts.groups}
    assert groups == {"ldc": 1, "sids": 0, "lldc": 2, "eit": 0, "priority": 2}

    figures = selectors.figures_for(personas.reader).real
    assert figures.opened == 2 and figures.by_group["ldc"] == 1 and figures.by_group["lldc"] == 2
    assert figures.share_from_priority_groups == 1.0

    page = home(personas.reader)
    assert cell(page, "data-count", "group-ldc") == "1" and cell(page, "data-count", "group-lldc") == "2"
    # each count opens the list it counts: the development-group filter reads the groups of the opening day too
    link = re.search(r'href="\?([^"]*)" aria-label="[^"]*" data-count="group-ldc"', page)
    assert link and "group=ldc" in link.group(1)
    listed = home(personas.reader, "?" + link.group(1).replace("&amp;", "&"))
    assert before.title in listed and after.title not in listed
    landlocked = home(personas.reader, "?stage=&group=lldc")
    assert before.title in landlocked and after.title in landlocked


def test_the_day_of_opening_is_the_day_a_group_membership_ends_or_begins_on(personas):
    # the day Bhutan graduated it is no longer a least developed country; the day before it still was
    made("BT", datetime(2023, 12, 12, 23, tzinfo=UTC))
    made("BT", datetime(2023, 12, 13, 0, 30, tzinfo=UTC))
    assert selectors.figures_for(personas.reader).real.by_group["ldc"] == 1


def test_a_request_of_a_state_in_no_group_counts_in_none(personas):
    made("KE", JUNE_2024)
    figures = selectors.figures_for(personas.reader).real
    assert figures.opened == 1 and figures.from_priority_groups == 0 and figures.share_from_priority_groups == 0.0
    assert cell(home(personas.reader), "data-figure", "priority") == "0 (0%)"


def test_the_figures_never_count_an_amber_request_the_viewer_may_not_see(personas):
    opened = datetime(2026, 3, 2, 8, tzinfo=UTC)
    made("KE", opened, tlp=TLP.CLEAR, days=(2,))
    made("KE", opened, tlp=TLP.GREEN, days=(4,))
    made("KE", opened, tlp=TLP.AMBER, days=(10, 11, 12, 40))  # shared with no one: Kenya's people and curators
    made("BT", opened, tlp=TLP.AMBER_STRICT, days=(1,))  # Bhutan's people and the curators
    expected = {
        "reader": (1, 1, "2"),
        "bob": (2, 2, "3"),  # another state's member: CLEAR and GREEN
        "carol": (2, 2, "3"),
        "alice": (3, 3, "4"),  # Kenya's own AMBER request
        "curator": (4, 4, "3"),  # everything: median of 1, 2, 4, 10
    }
    for name, (opened_count, matched, median) in expected.items():
        person = getattr(personas, name)
        figures = selectors.figures_for(person).real
        assert (figures.opened, figures.matched) == (opened_count, matched), name
        page = home(person)
        assert cell(page, "data-figure", "opened") == str(opened_count), name
        assert cell(page, "data-figure", "days-to-match") == median, name
    # the AMBER request alone was delivered: only those who may see it count it
    assert selectors.figures_for(personas.bob).real.delivered == 0
    assert selectors.figures_for(personas.alice).real.delivered == 1
    assert selectors.figures_for(personas.curator).real.days_to_delivery == 40


def test_the_counts_and_figures_kept_for_a_reader_are_theirs_alone_and_a_change_shows_at_once(personas):
    """The home page keeps each reader's counts and figures until a record changes: never another reader's."""
    opened = datetime(2026, 3, 2, 8, tzinfo=UTC)
    made("KE", opened, tlp=TLP.AMBER, days=(2,))  # Kenya's people and the curators only
    for _ in range(2):  # the second time from what the first kept
        assert cell(home(personas.alice), "data-figure", "opened") == "1"
        assert cell(home(personas.alice), "data-count", "region-africa") == "1"
        assert cell(home(personas.bob), "data-figure", "opened") == "0"
        assert cell(home(personas.reader), "data-figure", "opened") == "0"
    assert cell(home(personas.alice, "?stage=&q=absentword"), "data-count", "region-africa") == "0"
    made("NG", opened, tlp=TLP.CLEAR)
    assert cell(home(personas.alice), "data-figure", "opened") == "2"
    assert cell(home(personas.bob), "data-figure", "opened") == "1"
    assert cell(home(personas.bob), "data-count", "region-africa") == "1"


def test_a_hidden_request_counts_for_its_state_and_the_curators_only(personas):
    request = kenyan_request(personas, tlp=TLP.CLEAR)
    services.open_request(request, actor=personas.alice)
    assert selectors.figures_for(personas.bob).real.opened == 1
    services.hide_request(request, actor=personas.curator, reason="Not a need.")
    assert [selectors.figures_for(p).real.opened for p in (personas.reader, personas.bob)] == [0, 0]
    assert [selectors.figures_for(p).real.opened for p in (personas.alice, personas.curator)] == [1, 1]


def test_a_draft_is_not_counted_among_the_requests_opened(personas):
    kenyan_request(personas, tlp=TLP.CLEAR)
    assert selectors.figures_for(personas.alice).real.opened == 0


def test_the_medians_are_over_the_requests_that_took_the_step_and_each_is_counted(personas):
    opened = datetime(2026, 1, 5, 12, tzinfo=UTC)
    made("KE", opened)
    made("KE", opened, days=(2,))
    made("KE", opened, days=(3, 5, 6, 30))
    made("KE", opened, days=(7, 8, 9, 50, 60))
    figures = selectors.figures_for(personas.reader).real
    assert (figures.opened, figures.matched, figures.days_to_match) == (4, 3, 3)
    assert (figures.delivered, figures.days_to_delivery, figures.closed) == (2, 40, 1)
    page = home(personas.reader)
    assert cell(page, "data-figure", "days-to-delivery") == "40" and cell(page, "data-figure", "closed") == "1"


def test_steps_taken_through_the_services_are_counted_and_the_offers_delivered_too(personas):
    request = kenyan_request(personas, tlp=TLP.CLEAR)
    services.open_request(request, actor=personas.alice)
    offer = gsma_offer(personas, tlp=TLP.CLEAR)
    services.propose(request, offer, actor=personas.curator)
    before = selectors.figures_for(personas.reader).real
    assert (before.matched, before.delivered, before.engagements_delivered) == (1, 0, 0)
    assert before.days_to_match is not None and 0 <= before.days_to_match < 1
    services.choose(request, [offer], actor=personas.alice)
    services.start_delivery(request, actor=personas.alice)
    services.record_delivery(request, actor=personas.carol, offer=offer, delivered="A course.")
    after = selectors.figures_for(personas.reader).real
    assert (after.delivered, after.engagements_delivered, after.closed) == (1, 1, 0)
    assert Engagement.objects.get().status == Engagement.Status.DELIVERED


def test_illustrative_requests_are_counted_apart_and_labelled_never_among_the_real_ones(personas):
    opened = datetime(2026, 2, 1, tzinfo=UTC)
    made("KE", opened, days=(3,))
    made("FJ", opened, days=(1, 2, 3, 4, 5), illustrative=True)  # Fiji: a small island developing state
    seen = selectors.figures_for(personas.reader)
    assert (seen.real.opened, seen.real.closed, seen.real.from_priority_groups) == (1, 0, 0)
    assert seen.illustrative is not None
    assert (seen.illustrative.opened, seen.illustrative.closed, seen.illustrative.from_priority_groups) == (1, 1, 1)
    page = home(personas.reader)
    assert cell(page, "data-figure", "opened") == "1" and cell(page, "data-figure-illustrative", "opened") == "1"
    assert cell(page, "data-figure-illustrative", "priority") == "1 (100%)"
    assert "Illustrative requests</th>" in page
    # the counts of the list say how many of each count are made up
    assert cell(page, "data-count", "group-sids") == "1" and cell(page, "data-illustrative", "group-sids") == "1"
    assert "1 of them is illustrative" in page


def test_without_illustrative_requests_seen_the_page_has_no_illustrative_column(personas):
    made("KE", datetime(2026, 2, 1, tzinfo=UTC))
    made("FJ", datetime(2026, 2, 1, tzinfo=UTC), tlp=TLP.GREEN, illustrative=True)
    assert selectors.figures_for(personas.reader).illustrative is None
    page = home(personas.reader)
    assert "data-figure-illustrative" not in page and "data-illustrative" not in page


def test_numbers_are_written_as_the_reader_s_language_writes_them(personas):
    opened = datetime(2026, 1, 5, 12, tzinfo=UTC)
    made("KE", opened, days=(1.5,))
    made("KE", opened, days=(2,))
    assert cell(home(personas.reader), "data-figure", "days-to-match") == "1.8"
    assert cell(client_for(None).get("/fr/assistance/?stage=").content.decode(), "data-figure", "days-to-match") == (
        "1,8"
    )
    made("KE", opened)
    made("BT", JUNE_2023)
    french = client_for(None).get("/fr/assistance/?stage=").content.decode()
    assert cell(french, "data-figure", "priority").replace("\u202f", " ").replace("\xa0", " ") == "1 (25 %)"
    assert "Les demandes en chiffres" in french and "Par groupe de développement, à l'ouverture" in french


def test_the_figures_ask_the_same_number_of_queries_for_one_request_or_many(personas, django_assert_num_queries):
    made("KE", JUNE_2024, days=(1,))
    made("FJ", JUNE_2024, illustrative=True)
    selectors.figures_for(personas.curator)  # what the visibility rule reads of the viewer is read once
    # the figures of the real and the illustrative requests together (the dated group memberships, one row per
    # request, the first steps, the offers delivered), and the counts (the memberships, then the totals and
    # groups, regions, threats and their names)
    with django_assert_num_queries(9) as counted:
        selectors.figures_for(personas.curator)
        selectors.counts(AssistanceRequest.objects.visible_to(personas.curator))
    for number in range(8):
        made("BT", JUNE_2023 + timedelta(days=number), days=(1, 2, 3, 4), illustrative=number % 2 == 0)
    with django_assert_num_queries(len(counted.captured_queries)):
        figures = selectors.figures_for(personas.curator)
        selectors.counts(AssistanceRequest.objects.visible_to(personas.curator))
    assert figures.real.opened == 5 and figures.illustrative and figures.illustrative.opened == 5


def test_an_offer_is_not_a_request_and_is_not_counted(personas):
    gsma_offer(personas, tlp=TLP.CLEAR)
    assert AssistanceOffer.objects.count() == 1
    assert selectors.figures_for(personas.curator).real.opened == 0
