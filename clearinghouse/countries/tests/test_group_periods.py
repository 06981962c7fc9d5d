"""Development group membership as of a date: Bhutan was a least developed country until 13 December 2023."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from clearinghouse.core.models import AuditEvent
from clearinghouse.countries.models import DevelopmentGroup, GroupCode, GroupMembership, MemberState
from clearinghouse.countries.selectors import groups_on
from clearinghouse.countries.services import DATA, load_reference_data

EditGroups = Callable[[Callable[[dict[str, Any]], None]], None]


def state(alpha2: str) -> MemberState:
    return MemberState.objects.get(alpha2=alpha2)


def ldc_on(day: date) -> set[str]:
    return set(MemberState.objects.in_group_on("ldc", day).values_list("alpha2", flat=True))


@pytest.fixture
def edit_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EditGroups:
    """Point the loader at a copy of the data folder whose groups.json the test changes."""
    for name in ("member_states.csv", "groups.json", "organizations.json"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    monkeypatch.setattr("clearinghouse.countries.services.DATA", tmp_path)

    def edit(change: Callable[[dict[str, Any]], None]) -> None:
        groups = json.loads((tmp_path / "groups.json").read_text(encoding="utf-8"))
        change(groups)
        (tmp_path / "groups.json").write_text(json.dumps(groups), encoding="utf-8")

    return edit


def test_bhutan_is_a_least_developed_country_until_the_day_it_graduated(db):
    bhutan = state("BT")
    assert groups_on(bhutan, date(2023, 12, 12)) == {"ldc", "lldc"}
    assert groups_on(bhutan, date(2023, 12, 13)) == {"lldc"}
    assert "BT" in ldc_on(date(2023, 12, 12)) and "BT" not in ldc_on(date(2023, 12, 13))
    assert not MemberState.objects.in_group("ldc").filter(alpha2="BT").exists()


def test_sao_tome_and_principe_left_the_least_developed_countries_on_13_december_2024(db):
    sao_tome = state("ST")
    assert groups_on(sao_tome, date(2024, 12, 12)) == {"ldc", "sids"}
    assert groups_on(sao_tome, date(2024, 12, 13)) == {"sids"}


def test_kenya_is_never_in_a_development_group(db):
    kenya = state("KE")
    for day in (date(1971, 11, 18), date(2023, 12, 12), date(2024, 12, 13), date.today()):  # noqa: DTZ011
        assert groups_on(kenya, day) == set()
        assert "KE" not in ldc_on(day)


def test_a_current_least_developed_country_is_one_on_any_date(db):
    rwanda = state("RW")
    for day in (date(1971, 11, 18), date(2023, 12, 13), date(2024, 12, 13), date(2100, 1, 1)):
        assert "ldc" in groups_on(rwanda, day)
        assert "RW" in ldc_on(day)


def test_every_current_member_has_an_open_period_and_every_open_period_is_a_current_member(db):
    for group in DevelopmentGroup.objects.all():
        current = set(group.members.values_list("alpha2", flat=True))
        open_periods = set(group.periods.filter(until__isnull=True).values_list("member_state__alpha2", flat=True))
        assert open_periods == current, group.code


def test_loading_again_writes_no_period_and_no_audit_entry(db):
    periods = list(GroupMembership.objects.order_by("pk").values_list("pk", "since", "until", "source"))
    events = AuditEvent.objects.count()
    report = load_reference_data()["group_memberships"]
    assert report.created == report.updated == 0 and report.unchanged == len(periods)
    assert list(GroupMembership.objects.order_by("pk").values_list("pk", "since", "until", "source")) == periods
    assert AuditEvent.objects.count() == events


def test_a_state_leaving_the_list_is_closed_at_its_date_and_a_state_coming_back_opens_a_new_period(db, edit_groups):
    def rwanda_graduates(groups: dict[str, Any]) -> None:
        groups["ldc"]["as_of"] = "2025-06-01"
        groups["ldc"]["members"].remove("RW")

    edit_groups(rwanda_graduates)
    load_reference_data()
    rwanda = state("RW")
    assert "ldc" in groups_on(rwanda, date(2025, 5, 31)) and "ldc" not in groups_on(rwanda, date(2025, 6, 1))
    assert not MemberState.objects.in_group("ldc").filter(alpha2="RW").exists()
    assert AuditEvent.objects.filter(action="groupmembership.updated", object_repr__startswith="RW in ldc").exists()

    def rwanda_comes_back(groups: dict[str, Any]) -> None:
        groups["ldc"]["as_of"] = "2025-09-01"
        groups["ldc"]["members"].append("RW")

    edit_groups(rwanda_comes_back)
    load_reference_data()
    assert "ldc" not in groups_on(rwanda, date(2025, 8, 31)) and "ldc" in groups_on(rwanda, date(2025, 9, 1))
    assert set(rwanda.group_periods.filter(group__code="ldc").values_list("since", "until")) == {
        (None, date(2025, 6, 1)),
        (date(2025, 9, 1), None),
    }
    assert MemberState.objects.in_group("ldc").filter(alpha2="RW").exists()
    assert load_reference_data()["group_memberships"].created == 0


def test_a_member_s_known_start_is_recorded(db, edit_groups):
    def rwanda_since(groups: dict[str, Any]) -> None:
        members = groups["ldc"]["members"]
        members[members.index("RW")] = {"code": "RW", "since": "2000-01-01"}

    edit_groups(rwanda_since)
    load_reference_data()
    assert "ldc" not in groups_on(state("RW"), date(1999, 12, 31)) and "ldc" in groups_on(state("RW"), date(2000, 1, 1))
    assert MemberState.objects.in_group("ldc").filter(alpha2="RW").exists()


def _bhutan_also_current(groups: dict[str, Any]) -> None:
    groups["ldc"]["members"].append("BT")


def _unknown_former_member(groups: dict[str, Any]) -> None:
    groups["ldc"]["former"].append({"code": "XX", "until": "2020-01-01"})


def _ends_before_it_begins(groups: dict[str, Any]) -> None:
    groups["ldc"]["former"][0] = {"code": "BT", "since": "2024-01-01", "until": "2023-12-13"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_bhutan_also_current, r"ldc lists \['BT'\] both as current and as former members"),
        (_unknown_former_member, r"ldc lists former members that are not Member States: \['XX'\]"),
        (_ends_before_it_begins, r"former member BT leaves on 2023-12-13, not after it joined on 2024-01-01"),
    ],
)
def test_a_bad_groups_file_is_refused_with_the_problem_named_and_nothing_changes(db, edit_groups, change, message):
    def also_a_change_that_would_be_written(groups: dict[str, Any]) -> None:
        groups["ldc"]["as_of"] = "2025-06-01"
        groups["ldc"]["members"].remove("RW")
        change(groups)

    edit_groups(also_a_change_that_would_be_written)
    periods = list(GroupMembership.objects.order_by("pk").values_list("pk", "since", "until"))
    events = AuditEvent.objects.count()
    with pytest.raises(ValueError, match=message):
        load_reference_data()
    assert list(GroupMembership.objects.order_by("pk").values_list("pk", "since", "until")) == periods
    assert AuditEvent.objects.count() == events
    assert DevelopmentGroup.objects.get(code="ldc").as_of == date(2024, 12, 13)
    assert MemberState.objects.in_group("ldc").filter(alpha2="RW").exists()


def test_the_state_page_gives_a_former_membership_with_its_end_date_in_the_reader_s_language(db, client):
    english = client.get("/en/member-states/BT/").content.decode()
    assert "<li>Least developed countries (until December 13, 2023)</li>" in english
    french = client.get("/fr/member-states/BT/").content.decode()
    (item,) = re.findall(r"<li>((?:(?!</li>).)*?13 décembre 2023.*?)</li>", french, re.DOTALL)
    with translation.override("fr"):
        assert str(GroupCode.LDC.label) in item
    assert not client.get("/fr/member-states/RW/").context["former_memberships"]


def test_the_api_gives_the_dated_memberships_beside_the_current_groups(db, client):
    bhutan = client.get("/api/v1/member-states/BT/").json()
    assert bhutan["groups"] == ["lldc"]
    assert bhutan["group_periods"] == [
        {"group": "ldc", "since": None, "until": "2023-12-13"},
        {"group": "lldc", "since": None, "until": None},
    ]
    listed = client.get("/api/v1/member-states/?group=ldc&page_size=200").json()["results"]
    rwanda = next(item for item in listed if item["alpha2"] == "RW")
    assert {"group": "ldc", "since": None, "until": None} in rwanda["group_periods"]
