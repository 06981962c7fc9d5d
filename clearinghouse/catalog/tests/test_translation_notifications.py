"""A translator hears when the original they translated changes: once per record and person, naming their
languages, in the inbox (and by e-mail if they chose so), never of their own edit. Personas: alice leads Kenya and
edits the original; kofi, a Kenyan member, translates it; the curator translates too; bob and carol look on."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from clearinghouse.accounts import selectors
from clearinghouse.accounts import services as accounts
from clearinghouse.accounts.models import Delivery, Notification, NotificationKind, Position, Role, User
from clearinghouse.catalog import services
from clearinghouse.catalog.models import Technology, TranslationQuality
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import PASSWORD
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import MemberState, Organization

pytestmark = pytest.mark.django_db
OUTDATED = NotificationKind.TRANSLATION_OUTDATED


@pytest.fixture
def kofi(personas) -> User:
    return accounts.create_account(
        actor=None,
        username="kofi",
        email="kofi@example.org",
        role=Role.FOCAL_POINT,
        password=PASSWORD,
        member_state=MemberState.objects.get(alpha2="KE"),
        position=Position.MEMBER,
    )


def translate(record: Any, person: User, language: str) -> None:
    services.set_measure_translation(
        record,
        actor=person,
        language=language,
        quality=TranslationQuality.AUTHOR if person.member_state_id else TranslationQuality.PROFESSIONAL,
        title=f"Registre central ({language})",
        summary=f"Résumé ({language})",
    )


def lines_of(person: User) -> list[Notification]:
    return selectors.attach_records(Notification.objects.filter(recipient=person, kind=OUTDATED), person)


def test_each_translator_is_told_once_of_the_languages_an_edit_outdated_and_nobody_else(personas, kofi):
    draft = measure(personas, state=Lifecycle.DRAFT, title="Central register")
    translate(draft, kofi, "fr")
    translate(draft, kofi, "ar")
    translate(draft, personas.curator, "es")  # made while a draft curators do not see: they are not told of it
    translate(draft, personas.alice, "ru")  # alice's own translation: her edit outdates it, she is not told

    services.update_measure(draft, actor=personas.alice, expected_version=draft.version, summary="A new summary.")

    told = Notification.objects.filter(kind=OUTDATED)
    assert {(n.recipient.username, tuple(n.params["languages"])) for n in told} == {("kofi", ("ar", "fr"))}
    [kofi_s] = lines_of(kofi)
    assert (
        kofi_s.subject
        == "Your Arabic and French translations of “Central register” are outdated: their original changed."
    )
    assert kofi_s.link == f"/en/catalogue/measures/{draft.pk}/translation/"
    for onlooker in (personas.alice, personas.curator, personas.bob, personas.carol):
        assert not Notification.objects.filter(recipient=onlooker).exists()

    draft.refresh_from_db()  # a second edit while they are still outdated tells nobody again
    services.update_measure(draft, actor=personas.alice, expected_version=draft.version, summary="Another summary.")
    assert Notification.objects.filter(kind=OUTDATED).count() == 1


def test_the_line_names_the_languages_in_the_reader_s_and_keeps_the_title_in_its_own(personas, kofi):
    draft = measure(personas, state=Lifecycle.DRAFT, title="Central register")
    translate(draft, kofi, "fr")
    services.update_measure(draft, actor=personas.alice, expected_version=draft.version, summary="A new summary.")
    [line] = lines_of(kofi)
    with translation.override("ar"):
        assert "Central register" in line.subject and "الفرنسية" in line.subject
        assert '<bdi lang="en" dir="ltr">Central register</bdi>' in line.subject_html
    assert '<bdi lang="en">' not in line.subject_html  # on an English page the title is simply English


def test_a_technology_s_translator_is_told_when_an_import_changes_its_original(personas):
    technology = services.create_technology(
        actor=None,
        owner={"owner_organization_id": Organization.objects.get(slug="itu").pk},
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
    services.update_imported_technology(
        Technology.objects.get(pk=technology.pk), actor=personas.admin, description="Blocks stolen and lost handsets."
    )
    [line] = lines_of(personas.curator)
    assert line.subject == "Your French translation of “Equipment identity register” is outdated: its original changed."
    assert line.link == "/en/catalogue/technologies/eir/"
    assert Notification.objects.filter(kind=OUTDATED).count() == 1


def test_a_translator_who_chose_at_once_is_e_mailed(personas, kofi, smtp_server, django_capture_on_commit_callbacks):
    accounts.set_deliveries({OUTDATED: Delivery.IMMEDIATE}, actor=kofi)
    draft = measure(personas, state=Lifecycle.DRAFT, title="Central register")
    translate(draft, kofi, "fr")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_measure(draft, actor=personas.alice, expected_version=draft.version, summary="New.")
    message = smtp_server.only_message()
    assert message.envelope_to == ["kofi@example.org"]
    assert (
        message["Subject"].strip() == "Your French translation of “Central register” is outdated: its original changed."
    )
    assert f"http://127.0.0.1:8000/en/catalogue/measures/{draft.pk}/translation/?language=fr" in message.links()
    assert '<bdi lang="en">Central register</bdi>' not in message.html and "Central register" in message.html
