"""A state's gaps against comparable states (issue 16, item 3): threats and pillars where it has no measure in
operation while states of its region or development groups have one, over what the reader may see.
Personas: alice leads Kenya (Africa), bob leads Nigeria (Africa); Chad is a least developed, landlocked
country of Africa."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP
from clearinghouse.countries.models import MemberState
from clearinghouse.insights import gaps

pytestmark = pytest.mark.django_db


def gaps_page(user: Any, alpha2: str, language: str = "en") -> tuple[int, str]:
    answer = client_for(user).get(f"/{language}/member-states/{alpha2}/gaps/")
    return answer.status_code, answer.content.decode()


@pytest.fixture
def kenyan(personas):
    return {
        "simbox": measure(personas, title="SIM-box detection", threats=("simbox-fraud",), status="operational"),
        "amber": measure(personas, title="Stolen phones", tlp=TLP.AMBER, threats=("device-theft",), status="evaluated"),
        "planned": measure(personas, title="Spam rules", threats=("spam",), status="planned"),
    }


def test_a_gap_says_how_many_comparable_states_have_a_measure_in_operation(personas, kenyan):
    status, page = gaps_page(personas.reader, "TD")
    assert status == 200
    row = re.search(r'<tr data-gap="threat-simbox-fraud">.*?</tr>', page, re.S)
    assert row and "1 of the 43 states of Africa have a measure in operation against" in row.group(0)
    assert "Chad has none." in row.group(0)
    assert 'data-gap="threat-spam"' not in page  # Kenya's is only planned: nobody has one in operation
    assert 'data-gap="threat-device-theft"' not in page  # AMBER: the public may not see it
    _, kenyan_eyes = gaps_page(personas.alice, "TD")
    assert 'data-gap="threat-device-theft"' in kenyan_eyes


def test_the_state_s_own_measure_in_operation_closes_the_gap_and_one_on_its_way_is_said(personas, kenyan):
    measure(personas, by=personas.bob, title="Spam filter", threats=("spam",), status="operational")
    _, kenya = gaps_page(personas.reader, "KE")
    assert 'data-gap="threat-simbox-fraud"' not in kenya  # Kenya has its own
    row = re.search(r'<tr data-gap="threat-spam">.*?</tr>', kenya, re.S)
    assert row and "Kenya has 1 measure planned or in progress against it." in row.group(0)


def test_the_peers_are_the_region_each_group_and_each_group_in_the_region():
    chad = MemberState.objects.get(alpha2="TD")
    labels = [peers.label for peers in gaps.peer_sets(chad)]
    assert labels[0] == "states of Africa"
    assert "least developed countries in Africa" in labels and "landlocked developing countries" in labels
    assert all(chad.pk not in peers.states for peers in gaps.peer_sets(chad))


def test_the_coverage_is_over_what_the_reader_may_see(personas, kenyan):
    public = gaps.coverage(AnonymousUser())
    kenya = personas.alice.member_state.pk
    assert kenya in public.threats[kenyan["simbox"].threats.get().pk]
    device_theft = kenyan["amber"].threats.get().pk
    assert kenya not in public.threats.get(device_theft, set())
    assert kenya in gaps.coverage(personas.alice).threats[device_theft]


def test_an_unknown_state_is_a_page_saying_so(personas):
    status, page = gaps_page(personas.reader, "XX")
    assert status == 404 and "No Member State has the code XX." in page


def test_the_gaps_read_in_chinese(personas, kenyan):
    _, page = gaps_page(personas.reader, "TD", "zh-hans")
    assert "乍得" in page and 'data-gap="threat-simbox-fraud"' in page
