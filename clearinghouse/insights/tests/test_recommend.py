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


@pytest.fixture
def technologies(personas):
    """Kenya (against SIM-box fraud) and Nigeria (against spam) use a detector in measures in operation; Nigeria
    uses a spam filter too; the
    detector is named in Chinese, and a register the Secretariat marked TLP:RED for carol alone is used in a measure
    of Kenya (and in one of Nigeria only planned)."""
    from clearinghouse.catalog import services

    def made(slug: str, name: str, tlp: str = "clear") -> Any:
        return services.create_technology(
            actor=personas.curator, slug=slug, name=name, tlp=tlp, lifecycle="published", language="en"
        )

    detector, filter_, register = made("detector", "Test-call detector"), made("filter", "SMS filter"), None
    register = made("register", "Red register", tlp=TLP.RED)
    register.shared_with_users.add(personas.carol)
    services.set_technology_translation(
        detector, actor=personas.curator, language="zh-hans", quality="reviewed", name="测试呼叫探测器"
    )
    kenyan = measure(
        personas,
        title="Kenyan detection",
        threats=("simbox-fraud",),
        status="operational",
        technologies=[detector, register],
        evidence="Bypass minutes fell by **40%**.",
    )
    nigerian = measure(
        personas,
        by=personas.bob,
        title="Nigerian detection",
        threats=("spam",),
        status="evaluated",
        technologies=[detector, filter_],
    )
    planned = measure(personas, by=personas.bob, title="Planned", status="planned", technologies=[register])
    return {
        "detector": detector,
        "filter": filter_,
        "register": register,
        "kenyan": kenyan,
        "nigerian": nigerian,
        "planned": planned,
    }


def technology_items(text: str) -> dict[str, str]:
    found = re.findall(r'<li data-recommended-technology="([\w-]+)">(.*?)</li>', text, re.S)
    return {slug: re.sub(r"</?bdi>", "", body) for slug, body in found}


def test_a_state_is_recommended_the_technologies_comparable_states_use_with_the_reason_and_an_example(
    personas, technologies
):
    status, text = page(personas.reader, "TD")
    items = technology_items(text)
    assert status == 200 and list(items) == ["detector", "filter"]  # used by both peers first; not the RED one
    why = items["detector"]
    assert "used in a measure in operation by 2 of the 2 most comparable states (Kenya and Nigeria)" in why
    assert "and by 2 states in all; none of the measures in operation of Chad uses it" in why
    assert f'href="{technologies["kenyan"].get_absolute_url()}"' in why  # Kenya's, with evidence, is the example
    assert "Bypass minutes fell by 40%." in why
    assert f'href="{technologies["nigerian"].get_absolute_url()}"' in items["filter"]
    assert "by 1 of the 2 most comparable states (Nigeria)" in items["filter"]


def test_technologies_the_state_uses_or_the_reader_may_not_see_are_not_recommended(personas, technologies):
    _, kenya = page(personas.reader, "KE")
    assert list(technology_items(kenya)) == ["filter"]  # Kenya uses the detector itself
    _, alice_s = page(personas.alice, "TD")
    assert "register" not in technology_items(alice_s)  # Kenya's measure uses it, but it is the Secretariat's RED
    _, named = page(personas.carol, "TD")
    assert "register" in technology_items(named)  # for the one person it names
    _, narrowed = page(personas.reader, "TD", "?threat=simbox-fraud")
    assert list(technology_items(narrowed)) == ["detector"]  # the filter is used against spam alone
    later = measure(  # Kenya's latest with evidence, against spam: the example, but not for SIM-box fraud
        personas,
        title="Kenyan spam",
        threats=("spam",),
        status="operational",
        technologies=[technologies["detector"]],
        evidence="Fewer complaints.",
    )
    _, everything = page(personas.reader, "TD")
    assert f'href="{later.get_absolute_url()}"' in technology_items(everything)["detector"]
    _, simbox = page(personas.reader, "TD", "?threat=simbox-fraud")
    assert f'href="{technologies["kenyan"].get_absolute_url()}"' in technology_items(simbox)["detector"]


def test_a_technology_is_recommended_by_its_name_in_the_reader_s_language(personas, technologies):
    _, text = page(personas.reader, "TD", language="zh-hans")
    assert re.search(
        r'data-recommended-technology="detector">\s*<p><a href="/zh-hans/catalogue/technologies/detector/">'
        r"<strong>测试呼叫探测器</strong>",
        text,
    )


def test_an_untranslated_technology_keeps_its_name_and_says_its_language(personas, technologies):
    _, text = page(personas.reader, "TD", language="ar")
    item = technology_items(text)["detector"]
    assert re.search(r'<a href="/ar/catalogue/technologies/detector/" lang="en"[^>]*><strong>Test-call detector<', item)


def test_without_technologies_the_page_says_so(personas, measures):
    _, text = page(personas.reader, "TD")
    assert "No technology to recommend:" in text and "data-recommended-technology" not in text
