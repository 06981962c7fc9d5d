""" "Countries like mine" (issue 16, item 4): measures comparable states have in operation against threats a state
has none against, ranked, each with a reason naming real records, over what the reader may see.
Personas: alice leads Kenya (Africa), bob leads Nigeria (Africa); Chad is a least developed, landlocked country."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP
from clearinghouse.countries.models import MemberState
from clearinghouse.insights import gaps, recommend

pytestmark = pytest.mark.django_db


def page(user: Any, alpha2: str, query: str = "", language: str = "en") -> tuple[int, str]:
    answer = client_for(user).get(f"/{language}/member-states/{alpha2}/recommendations/{query}")
    return answer.status_code, answer.content.decode()


@pytest.fixture
def measures(personas):
    return {
        "simbox": measure(
            personas,
            title="SIM-box detection",
            threats=("simbox-fraud",),
            status="operational",
            evidence="Bypass traffic fell from **25%** to 6%.",
            evidence_source="Regulator's report",
        ),
        "amber": measure(personas, title="Stolen phones", tlp=TLP.AMBER, threats=("device-theft",), status="evaluated"),
        "spam": measure(personas, by=personas.bob, title="Spam filter", threats=("spam",), status="operational"),
    }


def test_a_state_is_recommended_what_comparable_states_have_in_operation_with_the_reason(personas, measures):
    status, text = page(personas.reader, "TD")
    assert status == 200 and "data-method" in text
    items = re.findall(r'<li data-recommended="(\d+)">(.*?)</li>', text, re.S)
    shown = {int(pk): body for pk, body in items}
    assert set(shown) == {measures["simbox"].pk, measures["spam"].pk}  # not the AMBER one, for the public
    why = re.sub(r"</?bdi>", "", shown[measures["simbox"].pk])
    assert "Kenya (the same region" in why and "Interconnect bypass (SIM-box) fraud" in why
    assert "Chad has no measure in operation against" in why
    assert "Bypass traffic fell from 25% to 6%." in why and "Regulator&#x27;s report" in why  # the evidence, plain
    _, kenyan_eyes = page(personas.alice, "TD")
    assert f'data-recommended="{measures["amber"].pk}"' in kenyan_eyes


def test_nothing_the_state_has_in_operation_itself_is_recommended_and_a_threat_narrows_them(personas, measures):
    _, kenya = page(personas.reader, "KE")
    assert f'data-recommended="{measures["simbox"].pk}"' not in kenya  # its own
    assert f'data-recommended="{measures["spam"].pk}"' in kenya  # Nigeria's, same region
    _, narrowed = page(personas.reader, "TD", "?threat=spam")
    assert re.findall(r'data-recommended="(\d+)"', narrowed) == [str(measures["spam"].pk)]


def test_the_likeness_counts_region_groups_and_threats_in_common(personas, measures):
    chad = MemberState.objects.get(alpha2="TD")
    likes = {like.state.alpha2: like for like in recommend.likeness(chad, gaps.coverage(AnonymousUser()))}
    assert set(likes) == {"KE", "NG"}  # only states with a measure in operation can recommend
    assert likes["KE"].same_region and likes["KE"].shared_groups == [] and likes["KE"].score == 1


@pytest.mark.parametrize(
    ("alpha2", "query", "status", "message"),
    [
        ("XX", "", 404, "No Member State has the code XX."),
        ("TD", "?threat=nonsense", 400, "No threat has the short name nonsense."),
    ],
)
def test_bad_input_is_a_clear_page(personas, alpha2, query, status, message):
    answer_status, text = page(personas.reader, alpha2, query)
    assert answer_status == status and message in text


def test_a_state_with_nothing_comparable_gets_a_page_saying_so(personas):
    status, text = page(personas.reader, "TD")
    assert status == 200 and "No recommendation:" in text


def test_the_recommendations_read_in_russian(personas, measures):
    _, text = page(personas.reader, "TD", language="ru")
    assert "Чад" in text and 'data-recommended="' in text
