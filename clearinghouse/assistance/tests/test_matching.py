"""Matching offers to requests, explained line by line, on the hand-made set whose answers are written down first
(handmade.py). Personas: alice leads Kenya, bob leads Nigeria (the one state an AMBER offer is shared with), carol
belongs to the GSMA (an offerer), the reader has no account."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from clearinghouse.assistance import matching
from clearinghouse.assistance.models import AssistanceOffer, AssistanceRequest, Stage
from clearinghouse.assistance.tests import handmade
from clearinghouse.catalog.models import Threat
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import MemberState, Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(personas: Any) -> handmade.HandMade:
    return handmade.build()


def keys_of(built: handmade.HandMade, matches: list[matching.Match]) -> list[str]:
    key_of = {offer.pk: key for key, offer in built.offers.items()}
    return [key_of.get(match.offer_id, f"#{match.offer_id}") for match in matches]


def line(match: matching.Match, criterion: str) -> matching.Line:
    [found] = [line for line in match.lines if line.criterion == criterion]
    return found


def test_the_right_offer_is_in_the_top_3_for_every_hand_made_request_and_the_distractors_rank_below(built):
    assert len(handmade.CASES) >= 6 and len(handmade.OFFERS) >= 12
    outcomes = handmade.check(built)
    missed = [(o.case.key, o.case.expected, o.ranked[:3]) for o in outcomes if not o.in_top_3]
    assert missed == []
    for outcome in outcomes:
        for distractor, why in outcome.case.below.items():
            if distractor in outcome.ranked:
                assert outcome.ranked.index(distractor) + 1 > (outcome.position or 0), (
                    outcome.case.key,
                    distractor,
                    why,
                )


def test_an_offer_at_capacity_past_its_date_or_withdrawn_is_not_ranked_and_its_explanation_says_why(built):
    kenya = built.requests["kenya-simbox"]
    ranked = keys_of(built, matching.rank(kenya, viewer=handmade.member_of(handmade.CASES[0])))
    assert "gsma-fraud" in ranked
    assert not {"fraud-full", "fraud-ended", "devices-withdrawn"} & set(ranked)

    full = matching.explain(kenya, built.offers["fraud-full"])
    assert (full.available, full.total) == (False, 0.0)
    assert full.lines[0].text == "Not ranked: the offer is at its capacity (1 engagement at once, taken)."
    ended = matching.explain(kenya, built.offers["fraud-ended"])
    assert not ended.available and ended.lines[0].text.startswith("Not ranked: the offer was available until")
    withdrawn = matching.explain(built.requests["bolivia-devices"], built.offers["devices-withdrawn"])
    assert not withdrawn.available and "not offered any more" in withdrawn.lines[0].text


def test_a_tlp_amber_offer_is_ranked_only_for_the_states_it_is_shared_with(built, personas):
    haiti = built.requests["haiti-law"]
    assert "law-amber" not in keys_of(built, matching.rank(haiti, viewer=personas.alice))
    assert "law-amber" in keys_of(built, matching.rank(haiti, viewer=personas.bob))


@pytest.mark.parametrize("persona", ["reader", "alice", "bob", "carol", "curator"])
def test_the_ranking_never_includes_an_offer_the_viewer_may_not_see(built, personas, persona):
    viewer = getattr(personas, persona)
    visible = set(AssistanceOffer.objects.visible_to(viewer).values_list("pk", flat=True))
    for request in built.requests.values():
        ranked = {match.offer_id for match in matching.rank(request, viewer=viewer, limit=50)}
        assert ranked <= visible
    if persona == "reader":  # every offer of the set is GREEN or AMBER: an anonymous reader sees none
        assert matching.rank(built.requests["kenya-simbox"], viewer=viewer) == []


def test_a_request_from_a_least_developed_country_gets_the_priority_line_and_others_do_not(built):
    haiti = matching.explain(built.requests["haiti-law"], built.offers["unodc-law"])
    priority = line(haiti, "priority")
    assert priority.points == priority.max_points == matching.PRIORITY_POINTS
    assert "Haiti was among the least developed countries; small island developing states" in priority.text

    kenya = matching.explain(built.requests["kenya-simbox"], built.offers["gsma-fraud"])
    assert line(kenya, "priority").points == 0
    assert "Kenya was not among the least developed countries" in line(kenya, "priority").text


def test_the_priority_reads_the_groups_as_of_the_request_s_opening(built):
    """Bhutan left the least developed countries on 13 December 2023 (it stays landlocked): a request it opened
    the day before counts it among both, one opened that day among the landlocked only."""
    request = built.requests["kenya-simbox"]
    bhutan = MemberState.objects.get(alpha2="BT")
    requests = AssistanceRequest.objects.filter(pk=request.pk)
    requests.update(owner_state=bhutan, opened_at=datetime(2023, 12, 12, 12, tzinfo=UTC))
    before = line(matching.explain(requests.get(), built.offers["gsma-fraud"]), "priority").text
    assert "Bhutan was among the least developed countries; landlocked developing countries" in before
    requests.update(opened_at=datetime(2023, 12, 13, 12, tzinfo=UTC))
    after = line(matching.explain(requests.get(), built.offers["gsma-fraud"]), "priority").text
    assert "least developed" not in after and "Bhutan was among the landlocked developing countries" in after


def test_each_line_names_what_it_counts_and_the_lines_add_up_to_the_total(built):
    match = matching.explain(built.requests["kenya-simbox"], built.offers["gsma-fraud"])
    assert [line.text for line in match.lines] == [
        "Threats: 1 of 1 requested threat in the offer's expertise (Interconnect bypass (SIM-box) fraud).",
        "Pillars: 1 of 1 requested pillar in the offer's expertise (Technical measures).",
        "Kind of help: 2 of 2 kinds asked are offered (Training; Equipment).",
        "Language: the offer works in English, asked for (English).",
        "Region: the offer serves any region, Africa (Kenya) included.",
        "Modality: On site asked; the offer gives it.",
        "Capacity: 3 of 3 engagements at once still free.",
        "Record: 2 engagements delivered by GSM Association (up to 5 count).",
        "Priority: on " + line(match, "priority").text.split("on ", 1)[1],
    ]
    assert [line.points for line in match.lines] == [25, 10, 15, 15, 10, 5, 5, 2, 0]
    assert match.total == pytest.approx(sum(line.points for line in match.lines) / matching.MAX_POINTS)
    assert sum(line.max_points for line in match.lines) == matching.MAX_POINTS == 100

    wrong = matching.explain(built.requests["kenya-simbox"], built.offers["rcc-signalling"])
    assert line(wrong, "language").text == (
        "Language: the offer works in Russian, none of the languages asked (English)."
    )
    assert line(wrong, "region").text == "Region: the offer serves CIS, not Africa, the region of Kenya."
    family = matching.explain(built.requests["senegal-cirt"], built.offers["france-cirt"])
    assert line(family, "threats").points == matching.THREAT_POINTS  # its family covers both threats asked


def test_threat_names_are_in_the_reader_s_language(built):
    simbox = Threat.objects.get(slug="simbox-fraud")
    with translation.override("fr"):
        match = matching.explain(built.requests["kenya-simbox"], built.offers["gsma-fraud"])
        expected = simbox.name
    assert expected != simbox.name_en
    assert f"({expected})" in line(match, "threats").text


def test_the_ranking_and_the_explanation_agree(built, personas):
    for request in built.requests.values():
        for match in matching.rank(request, viewer=personas.curator, limit=5):
            assert match.offer is not None
            assert matching.explain(request, match.offer).total == match.total
            assert match.as_json()["lines"][0]["criterion"] == "threats"


def test_equal_offers_are_ranked_older_first_and_the_order_is_the_same_every_time(built, personas):
    fiji = built.requests["fiji-numbering"]
    twin = AssistanceOffer.objects.create(
        title="twin", description="twin", language="en", kinds=["policy_advice", "legislative_drafting"],
        languages=["en"], regions=["asia_pacific"], modalities=["remote"], capacity=2, tlp=TLP.GREEN,
        lifecycle=Lifecycle.PUBLISHED, owner_organization=Organization.objects.get(slug="atu"),
    )  # fmt: skip
    twin.threats.set(built.offers["numbering-apt"].threats.all())
    twin.pillars.set(built.offers["numbering-apt"].pillars.all())
    matches = matching.rank(fiji, viewer=personas.alice)
    best = [match.offer_id for match in matches if match.total == matches[0].total]
    assert {built.offers["numbering-apt"].pk, twin.pk} <= set(best) and best == sorted(best)
    assert keys_of(built, matches) == keys_of(built, matching.rank(fiji, viewer=personas.alice))


def test_a_request_whose_threats_no_offer_covers_still_gets_the_offers_that_fit_otherwise(built, personas):
    request = built.requests["jordan-phishing"]
    request.threats.set([Threat.objects.get(slug="money-laundering")])
    ranked = keys_of(built, matching.rank(request, viewer=personas.alice, limit=3))
    assert ranked[0] == "arab-awareness"


def test_ranking_asks_the_database_the_same_number_of_times_however_many_offers(built, personas):
    kenya = built.requests["kenya-simbox"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            matching.rank(kenya, viewer=personas.alice)
        return len(captured)

    def add_offers(count: int) -> None:
        for number in range(count):
            offer = AssistanceOffer.objects.create(
                title=f"more {number}", description="x", language="en", kinds=["training"], languages=["en"],
                capacity=2, tlp=TLP.GREEN, lifecycle=Lifecycle.PUBLISHED,
                owner_organization=Organization.objects.get(slug="interpol"),
            )  # fmt: skip
            offer.threats.set([Threat.objects.get(slug="simbox-fraud")])

    few = queries()  # fewer than 20 offers share the threat: all the others are scored too, in as many queries
    assert few <= 20
    add_offers(30)
    many = queries()
    add_offers(60)
    assert queries() == many <= few


def test_an_offerer_sees_the_open_requests_that_fit_its_offer_among_those_it_may_see(built, personas):
    offer = built.offers["gsma-fraud"]
    nigeria = MemberState.objects.get(alpha2="NG")
    discreet = AssistanceRequest.objects.create(
        title="discreet", need="x", language="en", kinds=["training"], languages=["en"], modality="on_site",
        stage=Stage.OPEN, lifecycle=Lifecycle.PUBLISHED, owner_state=nigeria, tlp=TLP.AMBER,
    )  # fmt: skip
    discreet.threats.set([Threat.objects.get(slug="simbox-fraud")])
    found = matching.requests_for_offer(offer, viewer=personas.carol)
    by_key = {request.pk: key for key, request in built.requests.items()}
    keys = [by_key.get(match.request_id, f"#{match.request_id}") for match in found]
    assert keys[0] == "kenya-simbox"
    assert f"#{discreet.pk}" not in keys  # AMBER and not shared with the GSMA
    assert not any(match.request is not None and match.request.stage == Stage.CLOSED for match in found)
    assert f"#{discreet.pk}" in [f"#{m.request_id}" for m in matching.requests_for_offer(offer, viewer=personas.bob)]

    for match in found:  # scored exactly as the request's own ranking scores the pair
        assert match.request is not None
        assert matching.explain(match.request, offer).total == match.total
    assert matching.requests_for_offer(built.offers["fraud-full"], viewer=personas.carol) == []


def test_the_matching_s_stamp_moves_with_every_write_a_match_reads_and_only_those(built, personas):
    """The indexes kept in memory are rebuilt when, and only when, something a match reads changed, whatever
    wrote it: a raw SQL write included (the triggers, not the services, move the stamp)."""
    from clearinghouse.core import pagecache

    offer = built.offers["gsma-fraud"]
    stamps = [pagecache.current_stamp("matching")]

    def moved() -> bool:
        stamps.append(pagecache.current_stamp("matching"))
        return stamps[-1] != stamps[-2]

    Threat.objects.filter(slug="phishing-scams").update(name_en="Phishing renamed")  # a threat (its family may change)
    assert moved()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE assistance_assistanceoffer SET capacity = 9 WHERE id = %s", [offer.pk])
    assert moved()
    offer.pillars.clear()
    assert moved()
    MemberState.objects.filter(alpha2="KE").update(bdt_region="arab_states")
    assert moved()
    # writes a match does not read leave the stamp (and the indexes) alone, while the pages' stamp moves
    page_stamp = pagecache.current_stamp()
    Organization.objects.filter(slug="gsma").update(name="GSMA renamed")
    assert not moved() and pagecache.current_stamp() != page_stamp


def test_a_new_offer_is_ranked_at_once_and_the_index_is_not_rebuilt_for_other_writes(built, personas, monkeypatch):
    kenya = built.requests["kenya-simbox"]
    viewer = handmade.member_of(handmade.CASES[0])
    matching.rank(kenya, viewer=viewer)
    builds = []
    real = matching._OfferIndex.__init__

    def counted(self: Any) -> None:
        builds.append(1)
        real(self)

    monkeypatch.setattr(matching._OfferIndex, "__init__", counted)
    Organization.objects.filter(slug="gsma").update(name="GSMA renamed")  # not read by a match
    matching.rank(kenya, viewer=viewer)
    assert builds == []
    offer = AssistanceOffer.objects.create(
        title="Simbox hunting, the best", description="x", language="en", kinds=list(kenya.kinds),
        languages=list(kenya.languages), capacity=5, tlp=TLP.CLEAR, lifecycle=Lifecycle.PUBLISHED,
        owner_organization=Organization.objects.get(slug="interpol"),
    )  # fmt: skip
    offer.threats.set(kenya.threats.all())
    offer.pillars.set(kenya.pillars.all())
    assert offer.pk in [match.offer_id for match in matching.rank(kenya, viewer=viewer)]
    assert builds == [1]


def test_the_fast_total_ranking_reads_equals_the_explained_total_for_every_hand_made_pair(built):
    """Ranking scores every candidate with ``_points``; a list's order must be the order of the totals its lines
    explain, to the last digit."""
    taxonomy = matching._Taxonomy()
    day = datetime(2026, 6, 1, tzinfo=UTC).date()
    helps = matching._helps(AssistanceOffer.objects.filter(pk__in=[o.pk for o in built.offers.values()]))
    compared = 0
    for request in built.requests.values():
        need, _state = matching._request_need(request, day)
        for help_ in helps:
            assert matching._points(need, help_, taxonomy) == matching._total(matching._assess(need, help_, taxonomy))
            compared += 1
    assert compared >= 6 * 12
