"""Organizations are named in the reader's language where they have an official name in it, and by their own
name where they have none."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from clearinghouse.countries.models import Organization
from clearinghouse.countries.services import DATA, load_reference_data

pytestmark = pytest.mark.django_db

ITU = {
    "ar": "الاتحاد الدولي للاتصالات",
    "en": "International Telecommunication Union (ITU)",
    "es": "Unión Internacional de Telecomunicaciones (UIT)",
    "fr": "Union internationale des télécommunications (UIT)",
    "ru": "Международный союз электросвязи (МСЭ)",
    "zh-hans": "国际电信联盟（国际电联）",
}


@pytest.mark.parametrize("language", list(ITU))
def test_a_reader_in_each_language_finds_the_itu_by_its_official_name_in_that_language(language):
    page = Client().get(f"/{language}/organizations/").content.decode()
    assert ITU[language] in page
    assert not [ITU[other] for other in ITU if other != language and ITU[other] in page]


def test_the_page_of_an_organization_names_it_in_the_six_languages_and_marks_its_language():
    page = Client().get("/ru/organizations/unodc/").content.decode()
    assert "<h1>Управление Организации Объединенных Наций по наркотикам и преступности" in page
    assert "УНП ООН" in page
    assert '<dd lang="zh-hans">联合国毒品和犯罪问题办公室</dd>' in page
    assert '<dd lang="fr">Office des Nations Unies contre la drogue et le crime</dd>' in page


def test_an_organization_without_an_official_name_in_the_reader_s_language_shows_its_own_in_its_language():
    gsma = Organization.objects.get(slug="gsma")
    assert gsma.label_and_language("zh-hans") == ("GSM Association (GSMA)", "en")
    page = Client().get("/ar/organizations/gsma/").content.decode()
    assert '<h1 lang="en" dir="ltr">GSM Association' in page
    assert page.count('class="muted">') >= 5  # no official name in ar, es, fr, ru, zh-hans: said so
    asmg = Organization.objects.get(slug="asmg")
    assert asmg.name_and_language("ar") == ("الفريق العربي لإدارة الطيف الترددي", "ar")
    assert asmg.name_and_language("fr") == ("Arab Spectrum Management Group", "en")


def test_the_api_gives_the_official_names_and_null_where_there_is_none():
    body = Client().get("/api/v1/organizations/interpol/").json()
    assert body["official_names"]["es"] == "Organización Internacional de Policía Criminal"
    assert body["acronyms"]["ru"] == "Интерпол"
    gsma = Client().get("/api/v1/organizations/gsma/").json()
    assert gsma["official_names"] == {
        "ar": None,
        "en": "GSM Association",
        "es": None,
        "fr": None,
        "ru": None,
        "zh-hans": None,
    }


def test_searching_the_organizations_finds_an_official_name_in_another_language():
    page = Client().get("/en/organizations/?q=télécommunications").content.decode()
    assert "International Telecommunication Union" in page and "GSM Association" not in page


def test_the_data_says_for_every_organization_and_language_whether_there_is_an_official_name(tmp_path, monkeypatch):
    specs = json.loads((DATA / "organizations.json").read_text(encoding="utf-8"))
    assert all(set(spec["names"]) == {"ar", "en", "es", "fr", "ru", "zh-hans"} for spec in specs)
    del specs[0]["names"]["ru"]
    for name in ("member_states.csv", "groups.json"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    (tmp_path / "organizations.json").write_text(json.dumps(specs), encoding="utf-8")
    monkeypatch.setattr("clearinghouse.countries.services.DATA", tmp_path)
    with pytest.raises(ValueError, match=r"itu says nothing of its name in \['ru'\]"):
        load_reference_data()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ar", "منظمة شرطة دولية تنسق التحقيق في الجرائم السيبرانية عبر الحدود."),
        ("en", "International police organization that coordinates cross-border investigation of cybercrime."),
        (
            "es",
            "Organización policial internacional que coordina la investigación transfronteriza de la "
            "ciberdelincuencia.",
        ),
        (
            "fr",
            "Organisation policière internationale qui coordonne les enquêtes transfrontières sur la cybercriminalité.",
        ),
        ("ru", "Международная полицейская организация, координирующая трансграничные расследования киберпреступлений."),
        ("zh-hans", "协调跨境网络犯罪调查的国际警察组织。"),
    ],
)
def test_an_organization_is_described_in_the_reader_s_language(language, words):
    page = Client().get(f"/{language}/organizations/interpol/").content.decode()
    assert f'<p class="lead">{words}</p>' in page  # in the page's language: no attribute to add


def test_every_organization_of_the_reference_data_is_described_in_the_six_languages():
    for organization in Organization.objects.exclude(is_illustrative=True):
        assert organization.description, organization.slug
        assert set(organization.descriptions) == {"ar", "es", "fr", "ru", "zh-hans"}, organization.slug
