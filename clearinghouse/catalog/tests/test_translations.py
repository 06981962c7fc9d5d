"""Translations: who made them and how, and the notice readers and curators get when the original changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clearinghouse.catalog import services
from clearinghouse.catalog.models import MeasureTranslation, Technology, TranslationQuality
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import Organization

pytestmark = pytest.mark.django_db


def _french(record, personas, quality=TranslationQuality.AUTHOR, **texts):
    return services.set_measure_translation(
        record,
        actor=personas.alice,
        language="fr",
        quality=quality,
        title=texts.get("title", "Registre central"),
        summary=texts.get("summary", "Les téléphones volés sont bloqués."),
    )


def test_a_translation_records_who_made_it_and_how(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    translation = _french(draft, personas)
    assert translation.quality == "author" and translation.made_by == personas.alice
    assert translation.translator == "" and not translation.is_outdated
    professional = services.set_measure_translation(
        draft,
        actor=personas.curator,
        language="es",
        quality=TranslationQuality.PROFESSIONAL,
        translator="Ana Pérez",
        title="Registro central",
        summary="Se bloquean los teléfonos robados.",
    )
    assert professional.translator == "Ana Pérez" and professional.made_by == personas.curator


def test_only_the_owner_s_members_translate_as_the_author_and_only_the_demo_loader_as_illustrative(personas):
    published = measure(personas)
    with pytest.raises(ValidationError):
        services.set_measure_translation(
            published, actor=personas.curator, language="fr", quality="author", title="T", summary="S"
        )
    with pytest.raises(ValidationError):
        services.set_measure_translation(
            published, actor=personas.alice, language="fr", quality="illustrative", title="T", summary="S"
        )
    assert not MeasureTranslation.objects.exists()
    made = services.set_measure_translation(
        published, actor=None, language="fr", quality=TranslationQuality.ILLUSTRATIVE, title="T", summary="S"
    )
    assert made.get_quality_display() == "Illustrative translation"


def test_editing_the_original_makes_its_translation_outdated_for_readers_and_curators(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    _french(draft, personas)
    services.update_measure(
        draft, actor=personas.alice, expected_version=draft.version, summary="Stolen and lost handsets are blocked."
    )
    translation = MeasureTranslation.objects.get()
    assert translation.is_outdated and translation.stale_fields() == ["summary"]
    edit = AuditEvent.objects.filter(action="measure.edited").latest("pk")
    assert edit.changes["translations_outdated"] == [None, ["fr"]]

    page = client_for(personas.alice).get(f"/fr/catalogue/measures/{draft.pk}/").content.decode()
    assert "Les téléphones volés sont bloqués." in page
    assert 'role="note"' in page  # the notice that the translation is outdated, dated

    published = services.publish_measure(
        services.start_review(services.submit_measure(draft, actor=personas.alice), actor=personas.curator),
        actor=personas.curator,
    )
    outdated = client_for(personas.curator).get("/en/catalogue/translations/fr/measure/outdated/")
    assert outdated.status_code == 200 and published.title in outdated.content.decode()
    dashboard = client_for(personas.curator).get("/en/catalogue/translations/")
    assert dashboard.status_code == 200
    assert "/en/catalogue/translations/fr/measure/outdated/" in dashboard.content.decode()


def test_a_change_to_a_field_not_translated_leaves_the_translation_current(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    _french(draft, personas)
    services.update_measure(draft, actor=personas.alice, expected_version=draft.version, status="operational")
    assert not MeasureTranslation.objects.get().is_outdated


def test_translating_again_or_reviewing_makes_an_outdated_translation_current(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    _french(draft, personas)
    services.update_measure(draft, actor=personas.alice, expected_version=1, summary="A new summary.")
    _french(draft, personas, summary="Un nouveau résumé.")
    assert not MeasureTranslation.objects.get().is_outdated

    services.update_measure(draft, actor=personas.alice, expected_version=2, title="A new title")
    translation = MeasureTranslation.objects.get()
    assert translation.is_outdated
    services.review_translation(translation, actor=personas.alice)
    translation.refresh_from_db()
    assert not translation.is_outdated and translation.reviewed_by == personas.alice


def test_a_reviewed_machine_translation_becomes_a_reviewed_one(personas):
    published = measure(personas)
    translation = _french(published, personas, quality=TranslationQuality.MACHINE)
    services.review_translation(translation, actor=personas.curator)
    translation.refresh_from_db()
    assert translation.quality == TranslationQuality.REVIEWED


def test_a_technology_s_translation_is_shown_and_outdated_when_its_original_changes(personas):
    itu = Organization.objects.get(slug="itu")
    technology = services.create_technology(
        actor=None,
        owner={"owner_organization_id": itu.pk},
        name="Equipment identity register",
        slug="eir",
        description="Blocks stolen handsets.",
        lifecycle=Lifecycle.PUBLISHED,
    )
    services.set_technology_translation(
        technology,
        actor=personas.curator,
        language="fr",
        quality=TranslationQuality.PROFESSIONAL,
        name="Registre des identités d'équipement",
        description="Bloque les téléphones volés.",
    )
    page = client_for(personas.reader).get("/fr/catalogue/technologies/eir/").content.decode()
    assert "Registre des identités d&#x27;équipement" in page and 'role="note"' not in page
    services.update_imported_technology(
        Technology.objects.get(pk=technology.pk), actor=personas.curator, description="Blocks stolen and lost handsets."
    )
    assert technology.translations.get().is_outdated
    Technology.objects.filter(pk=technology.pk).update(lifecycle=Lifecycle.PUBLISHED)  # (an import sent it to review)
    page = client_for(personas.reader).get("/fr/catalogue/technologies/eir/").content.decode()
    assert 'role="note"' in page
    api = client_for(personas.reader).get("/api/v1/technologies/eir/translations/").json()
    assert api[0]["outdated"] is True and api[0]["provenance"] == "professional"


def test_the_api_gives_each_translation_s_provenance_and_whether_it_is_outdated(personas):
    published = measure(personas)
    _french(published, personas, quality=TranslationQuality.MACHINE)
    answer = client_for(personas.reader).get(f"/api/v1/measures/{published.pk}/translations/")
    assert answer.status_code == 200
    (translation,) = answer.json()
    assert translation["language"] == "fr" and translation["provenance"] == "machine"
    assert translation["outdated"] is False and translation["texts"]["title"] == "Registre central"


def test_the_dashboard_counts_translated_missing_and_outdated_per_language(personas):
    first, second = measure(personas, title="First"), measure(personas, title="Second")
    _french(first, personas, quality=TranslationQuality.MACHINE)
    MeasureTranslation.objects.filter(measure=first).update(outdated_since="2026-01-01T00:00:00Z")
    _french(second, personas, quality=TranslationQuality.MACHINE)
    answer = client_for(personas.curator).get("/api/v1/translations/").json()
    french = next(row for row in answer if row["language"] == "fr" and row["kind"] == "measure")
    spanish = next(row for row in answer if row["language"] == "es" and row["kind"] == "measure")
    assert (french["translated"], french["missing"], french["outdated"]) == (1, 0, 1)
    assert (spanish["translated"], spanish["missing"], spanish["outdated"]) == (0, 2, 0)


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_the_dashboard_is_for_curators(personas, who):
    assert client_for(getattr(personas, who)).get("/en/catalogue/translations/").status_code == 403
    assert client_for(getattr(personas, who)).get("/api/v1/translations/").status_code == 403


def test_an_anonymous_reader_is_asked_to_sign_in_for_the_dashboard(personas):
    response = client_for(personas.reader).get("/en/catalogue/translations/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
