"""XLIFF 1.2 out to translators and back: a round trip as a translator makes it, a stale segment, refusals."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from lxml import etree

from clearinghouse.accounts.services import create_api_token
from clearinghouse.catalog import services
from clearinghouse.catalog.models import MeasureTranslation, TranslationQuality
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.catalog.translation_files import export_xliff
from clearinghouse.catalog.xliff import NAMESPACE
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import Lifecycle

pytestmark = pytest.mark.django_db
NS = {"x": NAMESPACE}


def translate_as_a_translator(data: bytes, texts: dict[str, str], *, translator: str = "Marie Dupont") -> bytes:
    """What a CAT tool gives back: targets filled and confirmed, the translator named in a phase."""
    root = etree.fromstring(data)
    for file_element in root.findall("x:file", NS):
        header = file_element.find("x:header", NS)
        phases = etree.Element(f"{{{NAMESPACE}}}phase-group")
        etree.SubElement(
            phases,
            f"{{{NAMESPACE}}}phase",
            {"phase-name": "tr1", "process-name": "translation", "contact-name": translator},
        )
        header.insert(0, phases)
    for unit in root.iter(f"{{{NAMESPACE}}}trans-unit"):
        if unit.get("id") not in texts:
            continue
        target = unit.find("x:target", NS)
        if target is None:
            target = etree.Element(f"{{{NAMESPACE}}}target")
            unit.find("x:source", NS).addnext(target)
        target.text = texts[unit.get("id")]
        target.set("state", "translated")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.fixture
def in_review(personas):
    return measure(
        personas,
        state=Lifecycle.IN_REVIEW,
        title="Central equipment identity register",
        summary="Stolen handsets are blocked.",
        description="Operators share the register.",
    )


def test_a_round_trip_applies_translated_units_and_reports_a_stale_one(personas, in_review):
    data, count = export_xliff(personas.curator, "fr")
    assert count == 3
    units = {u.get("id"): u for u in etree.fromstring(data).iter(f"{{{NAMESPACE}}}trans-unit")}
    pk = in_review.pk
    assert set(units) == {f"measure/{pk}/title", f"measure/{pk}/summary", f"measure/{pk}/description"}
    assert units[f"measure/{pk}/summary"].findtext("x:source", namespaces=NS) == "Stolen handsets are blocked."

    translated = translate_as_a_translator(
        data,
        {
            f"measure/{pk}/title": "Registre central des identités d'équipement",
            f"measure/{pk}/summary": "Les téléphones volés sont bloqués.",
            f"measure/{pk}/description": "Les opérateurs partagent le registre.",
        },
    )
    # the original's description changes while the file is with the translator
    services.update_imported_measure(
        in_review, actor=personas.curator, fields={"description": "Operators and the regulator share the register."}
    )

    report = services.import_xliff(translated, actor=personas.curator, language="fr")

    assert report.stale == [f"measure/{pk}/description"]
    assert sorted(report.applied) == [f"measure/{pk}/summary", f"measure/{pk}/title"]
    translation = MeasureTranslation.objects.get(measure=in_review)
    assert translation.summary == "Les téléphones volés sont bloqués." and translation.description == ""
    assert translation.quality == TranslationQuality.PROFESSIONAL and translation.translator == "Marie Dupont"
    assert translation.made_by == personas.curator and not translation.is_outdated
    audit = AuditEvent.objects.get(action="translations.imported")
    assert audit.changes["stale"] == [f"measure/{pk}/description"] and audit.changes["applied"] == 2
    # what is left to translate is the description only, sent again from its new text
    again, count = export_xliff(personas.curator, "fr")
    assert count == 1 and b"Operators and the regulator share the register." in again


def test_an_identical_text_translated_elsewhere_is_prefilled_for_review(personas, in_review):
    other = measure(personas, title="Another register", summary="Stolen handsets are blocked.")
    services.set_measure_translation(
        other,
        actor=personas.alice,
        language="fr",
        quality=TranslationQuality.AUTHOR,
        title="Un autre registre",
        summary="Les téléphones volés sont bloqués.",
    )
    data, _count = export_xliff(personas.curator, "fr", ids={"measure": [in_review.pk]})
    unit = next(
        u for u in etree.fromstring(data).iter(f"{{{NAMESPACE}}}trans-unit") if u.get("id").endswith("/summary")
    )
    target = unit.find("x:target", NS)
    assert target.text == "Les téléphones volés sont bloqués."
    assert target.get("state") == "needs-review-translation"
    # left as it is (not confirmed by the translator), a memory match is not applied
    report = services.import_xliff(data, actor=personas.curator, language="fr")
    assert report.applied == [] and f"measure/{in_review.pk}/summary" in report.untranslated


def test_the_translator_s_name_falls_back_to_the_importing_account(personas, in_review):
    data, _count = export_xliff(personas.curator, "fr")
    texts = {f"measure/{in_review.pk}/title": "Registre", f"measure/{in_review.pk}/summary": "Bloqués."}
    services.import_xliff(translate_as_a_translator(data, texts, translator=""), actor=personas.curator)
    assert MeasureTranslation.objects.get().translator == "curator"


INVALID = {
    "not XML": (b"<xliff version='1.2'", "not well-formed"),
    "a second <target>": (None, "more than one <target>"),
    "an element XLIFF does not have": (None, "<banana> is not an XLIFF 1.2 element"),
    "a DOCTYPE": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x/>', "DOCTYPE"),
}


def _spoiled(data: bytes, how: str) -> bytes:
    text = data.decode()
    if how == "a second <target>":
        return re.sub(r"(</target>)", r"\1<target>encore</target>", text, count=1).encode()
    return text.replace("</body>", "<banana/></body>", 1).encode()


@pytest.mark.parametrize("how", list(INVALID))
def test_an_invalid_file_is_refused_whole_naming_the_problem_and_nothing_is_applied(personas, in_review, how):
    data, _count = export_xliff(personas.curator, "fr")
    texts = {f"measure/{in_review.pk}/title": "Registre", f"measure/{in_review.pk}/summary": "Bloqués."}
    translated = translate_as_a_translator(data, texts)
    raw, expected = INVALID[how]
    with pytest.raises(services.XliffRefused) as refused:
        services.import_xliff(raw or _spoiled(translated, how), actor=personas.curator, language="fr")
    assert any(expected in problem for problem in refused.value.problems), refused.value.problems
    assert any(problem.startswith("line ") for problem in refused.value.problems)
    assert not MeasureTranslation.objects.exists() and not AuditEvent.objects.filter(action="translations.imported")


def test_a_file_for_another_language_is_refused(personas, in_review):
    data, _count = export_xliff(personas.curator, "es")
    translated = translate_as_a_translator(data, {f"measure/{in_review.pk}/title": "Registro"})
    with pytest.raises(services.XliffRefused) as refused:
        services.import_xliff(translated, actor=personas.curator, language="fr")
    assert refused.value.problems == ["The file's target language is “es”, not “fr”."]
    assert not MeasureTranslation.objects.exists()


def test_a_record_that_no_longer_exists_or_is_not_visible_is_refused_by_name(personas, in_review):
    secret = measure(personas, title="Secret", summary="Red.", tlp="red", state=Lifecycle.PUBLISHED)
    data, _count = export_xliff(personas.curator, "fr")
    assert b"Secret" not in data  # TLP:RED never goes to a translator
    gone = in_review.pk + 1000
    text = data.decode().replace(f"measure/{in_review.pk}/title", f"measure/{gone}/title")
    text = text.replace(f"measure/{in_review.pk}/summary", f"measure/{secret.pk}/summary")
    texts = {
        f"measure/{gone}/title": "Registre",
        f"measure/{secret.pk}/summary": "Rouge.",
        f"measure/{in_review.pk}/description": "Le registre.",
    }
    with pytest.raises(services.XliffRefused) as refused:
        services.import_xliff(translate_as_a_translator(text.encode(), texts), actor=personas.curator, language="fr")
    problems = " ".join(refused.value.problems)
    assert f"measure/{gone}/title: there is no measure {gone}" in problems
    assert f"measure/{secret.pk}/summary: there is no measure {secret.pk}" in problems
    assert not MeasureTranslation.objects.exists()


def test_only_curators_import(personas, in_review):
    data, _count = export_xliff(personas.curator, "fr")
    with pytest.raises(PermissionDenied):
        services.import_xliff(data, actor=personas.alice, language="fr")


def test_the_command_exports_and_imports_and_fails_on_a_refused_file(personas, in_review, tmp_path: Path):
    exported = tmp_path / "fr.xlf"
    call_command("xliff", "export", "--language", "fr", "--as", "curator", "-o", str(exported), stderr=io.StringIO())
    texts = {f"measure/{in_review.pk}/title": "Registre", f"measure/{in_review.pk}/summary": "Bloqués."}
    exported.write_bytes(translate_as_a_translator(exported.read_bytes(), texts))
    out = io.StringIO()
    call_command("xliff", "import", str(exported), "--language", "fr", "--as", "curator", stdout=out)
    assert "2 texts applied to 1 records" in out.getvalue()
    with pytest.raises(CommandError, match="refused; nothing was imported"):
        call_command("xliff", "import", str(exported), "--language", "ru", "--as", "curator", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not an active curator"):
        call_command("xliff", "export", "--language", "fr", "--as", "alice", stdout=io.StringIO())


def test_the_page_downloads_the_file_and_takes_it_back(personas, in_review):
    client = client_for(personas.curator)
    download = client.get("/en/catalogue/translations/export.xlf?language=fr&which=all")
    assert download.status_code == 200 and download["Content-Type"].startswith("application/x-xliff+xml")
    texts = {f"measure/{in_review.pk}/title": "Registre", f"measure/{in_review.pk}/summary": "Bloqués."}
    upload = SimpleUploadedFile("fr.xlf", translate_as_a_translator(download.content, texts))
    answer = client.post("/en/catalogue/translations/import/", {"language": "fr", "file": upload})
    assert answer.status_code == 200 and f"measure/{in_review.pk}" in answer.content.decode()
    refused = client.post(
        "/en/catalogue/translations/import/",
        {"language": "fr", "file": SimpleUploadedFile("bad.xlf", b"<xliff")},
    )
    assert refused.status_code == 400 and "not well-formed" in refused.content.decode()


def test_the_api_exports_and_imports_for_curators_only(personas, in_review):
    from django.test import Client

    key = create_api_token(actor=personas.curator, name="translations")[1]
    api = Client(headers={"Authorization": f"Token {key}"})
    exported = api.get("/api/v1/translations/xliff/?language=fr")
    assert exported.status_code == 200 and b"trans-unit" in exported.content
    texts = {f"measure/{in_review.pk}/title": "Registre", f"measure/{in_review.pk}/summary": "Bloqués."}
    upload = SimpleUploadedFile("fr.xlf", translate_as_a_translator(exported.content, texts))
    answer = api.post("/api/v1/translations/xliff/", {"language": "fr", "file": upload})
    assert answer.status_code == 200, answer.content
    assert sorted(answer.json()["applied"]) == [f"measure/{in_review.pk}/summary", f"measure/{in_review.pk}/title"]
    wrong = api.post(
        "/api/v1/translations/xliff/", {"language": "ru", "file": SimpleUploadedFile("fr.xlf", exported.content)}
    )
    assert wrong.status_code == 400 and "target language" in wrong.json()["file"][0]
    assert api.get("/api/v1/translations/xliff/?language=xx").status_code == 400
    alice = Client(headers={"Authorization": f"Token {create_api_token(actor=personas.alice, name='t')[1]}"})
    assert alice.get("/api/v1/translations/xliff/?language=fr").status_code == 403
