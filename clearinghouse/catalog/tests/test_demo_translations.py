"""The demo catalogue in six languages: full translations of the project's own, marked illustrative."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client

from clearinghouse.catalog import demo, services
from clearinghouse.catalog.models import Measure, MeasureTranslation, Technology, TechnologyTranslation
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.visibility import Lifecycle


def load_demo_data() -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def demo_specs(name: str) -> list[dict[str, Any]]:
    return json.loads((demo.DATA / name).read_text(encoding="utf-8"))


def chinese_file() -> dict[str, Any]:
    return json.loads((demo.TRANSLATIONS / "zh-hans.json").read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_every_published_demo_measure_and_technology_reads_in_chinese_in_full_marked_illustrative():
    load_demo_data()
    chinese = chinese_file()
    published = [
        spec
        for spec in demo_specs("demo_measures.json")
        if spec["lifecycle"] == "published" and spec.get("language", "en") != "zh-hans"
    ]
    rows = {
        row.measure.title: row
        for row in MeasureTranslation.objects.filter(language="zh-hans", measure__is_illustrative=True).select_related(
            "measure"
        )
    }

    assert sorted(rows) == sorted(spec["title"] for spec in published)
    for spec in published:
        row, texts = rows[spec["title"]], chinese["measures"][spec["key"]]
        assert row.quality == demo.DEMO_TRANSLATION_QUALITY == "illustrative", spec["key"]
        for name in demo.MEASURE_TEXTS:
            assert getattr(row, name) == texts.get(name, ""), (spec["key"], name)
            assert bool(getattr(row, name)) == bool(spec.get(name)), (spec["key"], name)
    technologies = {
        translation.technology.slug: translation
        for translation in TechnologyTranslation.objects.filter(language="zh-hans").select_related("technology")
    }
    assert sorted(technologies) == sorted(spec["key"] for spec in demo_specs("demo_technologies.json"))
    for key, translation in technologies.items():
        assert translation.quality == "illustrative"
        assert (translation.name, translation.description) == (
            chinese["technologies"][key]["name"],
            chinese["technologies"][key]["description"],
        )
        assert translation.description


@pytest.mark.django_db
def test_every_published_demo_measure_and_technology_reads_in_full_in_each_of_the_six_languages():
    from clearinghouse.catalog.models import Language, TranslationQuality

    load_demo_data()
    published = Measure.objects.filter(is_illustrative=True, lifecycle=Lifecycle.PUBLISHED).prefetch_related(
        "translations"
    )
    technologies = Technology.objects.filter(is_illustrative=True).prefetch_related("translations")
    assert published.count() == 31 and technologies.count() == 15

    for record, texts in [(m, ("title", "summary", "description")) for m in published] + [
        (t, ("name", "description")) for t in technologies
    ]:
        versions = {t.language: t for t in record.translations.all()}
        missing = [code for code in Language.values if code != record.language and code not in versions]
        assert not missing, (str(record), missing)
        for translation in versions.values():
            assert translation.quality == TranslationQuality.ILLUSTRATIVE, (str(record), translation.language)
            assert all(getattr(translation, name) for name in texts), (str(record), translation.language)


@pytest.mark.django_db
def test_a_chinese_reader_gets_the_whole_measure_in_chinese_on_its_page():
    load_demo_data()
    spec = next(spec for spec in demo_specs("demo_measures.json") if spec["key"] == "ke-ceir-imei")
    texts = chinese_file()["measures"]["ke-ceir-imei"]
    first_paragraph = texts["description"].split("**")[2].split("。")[0]
    measure = Measure.objects.get(title=spec["title"], is_illustrative=True)

    page = Client().get(f"/zh-hans/catalogue/measures/{measure.pk}/").content.decode()

    assert texts["title"] in page
    assert texts["summary"] in page
    assert first_paragraph in page
    assert spec["description"].split("**")[2][:40] not in page


@pytest.mark.django_db
def test_loading_the_demo_again_creates_no_translation_twice_and_changes_nothing():
    load_demo_data()

    def state() -> tuple[Any, ...]:
        return (
            sorted(MeasureTranslation.objects.values_list("pk", "language", "quality", "updated_at")),
            sorted(TechnologyTranslation.objects.values_list("pk", "language", "quality", "updated_at")),
            AuditEvent.objects.count(),
        )

    before = state()
    again = load_demo_data()

    assert state() == before
    assert "0 measures and 0 technologies loaded, 0 translations written" in again
    assert MeasureTranslation.objects.filter(language="zh-hans").count() > 0


@pytest.mark.django_db
def test_a_language_file_supersedes_the_inline_translation_and_completes_an_earlier_load(
    personas, tmp_path, monkeypatch
):
    monkeypatch.setattr(demo, "TRANSLATIONS", tmp_path)
    load_demo_data()  # as before the language files: only the inline titles and summaries
    specs = {spec["key"]: spec for spec in demo_specs("demo_measures.json")}
    simbox = Measure.objects.get(title=specs["sn-simbox-detection"]["title"], is_illustrative=True)
    platform = Measure.objects.get(title=specs["ci-joint-cybercrime-platform"]["title"], is_illustrative=True)
    inline = MeasureTranslation.objects.get(measure=simbox, language="en")
    assert (inline.quality, inline.description) == ("illustrative", "")
    services.set_measure_translation(
        platform, actor=personas.curator, language="en", quality="reviewed", title="A curator's title", summary="Hers."
    )
    full = {
        "title": "SIM-box detection by test calls and CDR analysis",
        "summary": "The regulator and mobile operators detect SIM-box gateways.",
        "description": "**Problem.** International termination rates far above local call prices.",
        "evidence": "About **41,000** SIM cards detected.",
        "prerequisites": "Access to operators' CDRs.",
    }
    (tmp_path / "en.json").write_text(
        json.dumps({"language": "en", "measures": {"sn-simbox-detection": full, "ci-joint-cybercrime-platform": full}}),
        encoding="utf-8",
    )

    written = demo.load_demo_catalog()
    inline.refresh_from_db()

    assert written == {"technologies": 0, "measures": 0, "translations": 1}
    assert inline.quality == "illustrative"
    assert {name: getattr(inline, name) for name in demo.MEASURE_TEXTS} == full
    assert MeasureTranslation.objects.get(measure=platform, language="en").title == "A curator's title"
    assert demo.load_demo_catalog()["translations"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"language": "en", "measures": {"no-such-measure": {"title": "T", "summary": "S"}}}, "no-such-measure"),
        ({"language": "fr", "measures": {}}, "not 'en'"),
        ({"language": "en", "technologies": {"ceir": {"name": "CEIR"}}}, "written in en already"),
    ],
)
def test_a_language_file_that_names_what_the_demo_lacks_is_refused_and_nothing_is_loaded(
    tmp_path, monkeypatch, content, problem
):
    monkeypatch.setattr(demo, "TRANSLATIONS", tmp_path)
    (tmp_path / "en.json").write_text(json.dumps(content), encoding="utf-8")

    with pytest.raises(ValueError, match=problem):
        load_demo_data()

    assert not Measure.objects.filter(is_illustrative=True).exists()
    assert not Technology.objects.filter(is_illustrative=True).exists()
    assert not MeasureTranslation.objects.exists()


@pytest.mark.django_db
def test_only_the_secretariat_translates_a_technology_and_a_person_picks_a_mark_from_the_list(personas):
    technology = services.create_technology(
        actor=personas.curator,
        owner={"owner_organization_id": personas.curator.organization_id},
        name="Protective DNS",
        slug="protective-dns",
        description="Refuses to resolve known phishing domains.",
        lifecycle=Lifecycle.PUBLISHED,
    )
    kenyan = measure(personas, title="Blocked handsets")

    with pytest.raises(PermissionDenied):
        services.set_technology_translation(
            technology, actor=personas.alice, language="fr", quality="reviewed", name="DNS protecteur"
        )
    with pytest.raises(ValidationError, match="original language"):
        services.set_technology_translation(technology, actor=personas.curator, language="en", quality="reviewed")
    with pytest.raises(ValidationError):
        services.set_measure_translation(
            kenyan, actor=personas.alice, language="fr", quality="made-up", title="Combinés bloqués", summary="S."
        )
    translated = services.set_technology_translation(
        technology, actor=personas.curator, language="fr", quality="reviewed", name="DNS protecteur", description="D."
    )

    assert [(t.pk, t.name) for t in TechnologyTranslation.objects.all()] == [(translated.pk, "DNS protecteur")]
    assert not MeasureTranslation.objects.exists()
    assert AuditEvent.objects.filter(action="technology.translated").count() == 1
