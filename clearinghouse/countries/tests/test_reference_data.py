"""The 194 Member States, their names in six languages, regions and dated groups."""

from __future__ import annotations

from django.core.management import call_command

from clearinghouse.core.models import AuditEvent
from clearinghouse.countries.models import DevelopmentGroup, MemberState, Organization
from clearinghouse.countries.services import load_reference_data


def test_all_194_member_states_are_loaded_with_their_three_iso_codes(db):
    assert MemberState.objects.count() == 194
    kenya = MemberState.objects.get(alpha2="KE")
    assert (kenya.alpha3, kenya.numeric) == ("KEN", "404")
    holy_see = MemberState.objects.get(alpha2="VA")
    assert holy_see.alpha3 == "VAT"
    assert not MemberState.objects.filter(alpha2__in=["PS", "XK", "TW"]).exists()


def test_names_come_in_the_six_languages(db):
    china = MemberState.objects.get(alpha2="CN")
    assert dict(china.names) == {
        "ar": "الصين",
        "en": "China",
        "es": "China",
        "fr": "Chine",
        "ru": "Китай",
        "zh-hans": "中国",
    }


def test_every_state_has_one_bdt_region_and_one_itu_region(db):
    from django.db.models import Count

    by_bdt = dict(MemberState.objects.values_list("bdt_region").annotate(n=Count("id")))
    assert by_bdt["arab_states"] == 21
    assert by_bdt["africa"] == 44
    assert by_bdt["americas"] == 35
    assert sum(by_bdt.values()) == 194
    assert MemberState.objects.get(alpha2="EG").bdt_region == "arab_states"
    assert MemberState.objects.get(alpha2="EG").itu_region == "D"


def test_each_group_carries_its_as_of_date_and_source(db):
    ldc = DevelopmentGroup.objects.get(code="ldc")
    assert ldc.as_of.year >= 2024 and ldc.source
    members = set(ldc.members.values_list("alpha2", flat=True))
    assert "HT" in members and "BT" not in members and "ST" not in members  # Bhutan, São Tomé graduated
    assert set(DevelopmentGroup.objects.values_list("code", flat=True)) == {"ldc", "sids", "lldc", "eit"}
    assert MemberState.objects.in_group("lldc").filter(alpha2="BO").exists()


def test_loading_again_changes_nothing(db):
    before = AuditEvent.objects.count()
    reports = load_reference_data()
    assert all(report.created == report.updated == 0 for report in reports.values())
    assert AuditEvent.objects.count() == before
    assert MemberState.objects.count() == 194


def test_loading_restores_a_changed_reference_value_and_keeps_the_focal_point_s_details(db):
    kenya = MemberState.objects.get(alpha2="KE")
    MemberState.objects.filter(pk=kenya.pk).update(name_fr="Kenia", cirt_name="KE-CIRT/CC")
    reports = load_reference_data()
    assert reports["member_states"].updated == 1
    kenya.refresh_from_db()
    assert (kenya.name_fr, kenya.cirt_name) == ("Kenya", "KE-CIRT/CC")


def test_the_command_reports_what_it_did(db, capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "member states: 0 created, 0 updated, 194 unchanged" in out


def test_organizations_include_the_regional_telecommunication_organizations(db):
    regional = set(Organization.objects.filter(kind="regional").values_list("acronym", flat=True))
    assert {"RCC", "CITEL", "APT", "CEPT", "ATU", "ASMG"} <= regional
