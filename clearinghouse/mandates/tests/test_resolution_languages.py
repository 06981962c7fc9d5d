"""Resolutions in six languages: the project's summaries, and the official text in another language attached to a
revision's clauses by their numbering (``import_resolution --language``)."""

from __future__ import annotations

import io
import json
from html import escape
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from clearinghouse.core.languages import lang_attrs
from clearinghouse.core.models import AuditEvent
from clearinghouse.mandates import services
from clearinghouse.mandates.demo import DATA, load_summary_translations
from clearinghouse.mandates.models import ClauseText, RevisionText

pytestmark = pytest.mark.django_db

#: The short resolution the project wrote for these tests, in English and in three other languages.
FIXTURES = Path(__file__).resolve().parent / "data"

#: The clause on collecting and disseminating best practices, as the project's summary words it in each language.
DISSEMINATION = {
    "ar": "جمع ونشر أفضل الممارسات والتكنولوجيات",
    "en": "collect and disseminate best practices and technologies used by Member States",
    "es": "recopilar y difundir las prácticas óptimas y las tecnologías",
    "fr": "recueillir et diffuser les meilleures pratiques et technologies",
    "ru": "собирать и распространять передовой опыт и технологии",
    "zh-hans": "收集并传播成员国在打击非法使用信息通信技术方面采用的最佳做法和技术",
}


@pytest.fixture
def summary():
    result = services.load_summary(json.loads((DATA / "res174_summary.json").read_text(encoding="utf-8")))
    assert load_summary_translations() == {language: "attached" for language in ("ar", "es", "fr", "ru", "zh-hans")}
    return result.revision


@pytest.fixture
def official(personas):
    text = (FIXTURES / "res-testville.en.txt").read_text(encoding="utf-8")
    return services.import_resolution(text, actor=personas.curator, source_name="res-testville.en.txt").revision


def attach(path: Path, language: str) -> tuple[str, str]:
    """``manage.py import_resolution --language``: what it prints, and what it prints as errors."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_resolution", str(path), language=language, stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"CommandError: {error}")
    return out.getvalue(), err.getvalue()


def changed(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "changed.fr.txt"
    path.write_text(text, encoding="utf-8")
    return path


FRENCH = (FIXTURES / "res-testville.fr.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("language", list(DISSEMINATION))
def test_a_reader_in_each_language_reads_the_project_s_summary_in_it_marked_as_a_summary(summary, language):
    page = Client().get(f"/{language}/resolutions/pp/174/").content.decode()
    assert DISSEMINATION[language] in page
    assert not [other for other, words in DISSEMINATION.items() if other != language and words in page]
    assert f"<p{lang_attrs(language, page=language)}>" in page  # each clause in the page's language, as such
    with translation.override(language):
        notice = gettext("This is a summary of the resolution's structure in this project's own words, not its text.")
    assert notice in page or escape(notice) in page
    assert ("?original=1" in page) == (language != "en")


def test_the_english_summary_stays_one_click_away_from_a_translated_one(summary):
    page = Client().get("/ru/resolutions/pp/174/?original=1").content.decode()
    assert DISSEMINATION["en"] in page and DISSEMINATION["ru"] not in page


def test_the_official_text_in_french_is_attached_to_the_clauses_by_their_numbering(official, personas):
    out, err = attach(FIXTURES / "res-testville.fr.txt", "fr")
    assert err == ""
    assert "res-testville.fr.txt: Resolution 174 Rev. Testville, 2030 in fr attached: 4 sections, 9 clauses" in out
    page = Client().get("/fr/resolutions/pp/174/").content.decode()
    assert "<li><strong>a)</strong> que les tests détectent tôt les erreurs;</li>" in page
    assert "<h3>décide de charger le Secrétaire général" in page
    assert "<p><strong>2</strong> à les exécuter souvent, en particulier:\na) avant chaque version;" in page
    assert "Prendre des notes sur la façon d&#x27;écrire les tests" in page
    assert "that tests catch mistakes early" not in page
    english = Client().get("/en/resolutions/pp/174/").content.decode()
    assert "that tests catch mistakes early" in english and "détectent" not in english
    event = AuditEvent.objects.get(action="revision.language_imported")
    assert event.changes["language"] == "fr" and event.changes["source"] == "official"


@pytest.mark.parametrize(
    ("language", "words"),
    [("ar", "أن الاختبارات تكشف الأخطاء مبكراً؛"), ("zh-hans", "测试能及早发现错误；")],
)
def test_texts_numbered_in_arabic_letters_and_digits_or_in_chinese_find_their_clauses(official, language, words):
    out, _err = attach(FIXTURES / f"res-testville.{language}.txt", language)
    assert "attached: 4 sections, 9 clauses" in out
    clause = official.sections.get(position=1).clauses.get(label="a)")
    assert ClauseText.objects.get(clause=clause, language=language).text == words
    second = official.sections.get(position=3).clauses.get(label="2")  # "٢" in Arabic, its items "أ)" "ب)" inside
    assert ClauseText.objects.get(clause=second, language=language).text.count("\n") == 2


def test_a_text_whose_numbering_differs_is_refused_naming_each_section_and_nothing_is_attached(official, tmp_path):
    text = FRENCH.replace("c)\tqu'un test nomme ce qu'il vérifie,\n", "").replace("ii)\t", "iii)\t")
    out, err = attach(changed(tmp_path, text), "fr")
    assert "changed.fr.txt: not attached, nothing was changed:" in err
    assert (
        "Section 1 («considérant», in the revision «considering»): the revision numbers its clauses a), b), c); "
        "the text a), b)." in err
    )
    assert "Section 2 («décide de charger le Secrétaire général», in the revision «resolves to instruct the " in err
    assert "(unnumbered), i), ii); the text (unnumbered), i), iii)." in err
    assert "1 of 1 files were not attached" in err and out == ""
    assert not RevisionText.objects.exists() and not ClauseText.objects.exists()


def test_a_text_missing_a_section_is_refused_with_the_counts(official, tmp_path):
    _out, err = attach(changed(tmp_path, FRENCH.split("charge le Secrétaire général\n")[0]), "fr")
    assert "The text has 3 sections and the revision 4." in err
    assert not ClauseText.objects.exists()


def test_the_same_text_again_changes_nothing_and_an_official_text_replaces_the_project_s_summary(official):
    data = json.loads((DATA / "res174_summary_translations.json").read_text(encoding="utf-8"))
    attach(FIXTURES / "res-testville.fr.txt", "fr")
    assert "unchanged (attached before)" in attach(FIXTURES / "res-testville.fr.txt", "fr")[0]
    assert services.attach_summary_translations(official, data)["fr"] == "official text kept"


def test_the_import_says_what_is_wrong_with_the_language_the_revision_or_the_text(summary, personas):
    french = FRENCH
    with pytest.raises(ValidationError, match="is the project's summary, not an official text"):
        services.import_resolution_language(french, actor=personas.curator, language="fr")
    with pytest.raises(ValidationError, match="English is the language of the revision itself"):
        services.import_resolution_language(french, actor=personas.curator, language="en")
    with pytest.raises(ValidationError, match="Resolution 130 has not been imported"):
        services.import_resolution_language(french.replace("174", "130"), actor=personas.curator, language="fr")
    with pytest.raises(ValidationError, match="heading with its number"):
        services.import_resolution_language("considérant\na) que", actor=personas.curator, language="fr")
    with pytest.raises(PermissionDenied, match="Only a curator"):
        services.import_resolution_language(french, actor=personas.alice, language="fr")


def test_the_list_of_resolutions_gives_each_title_in_the_reader_s_language(summary):
    page = Client().get("/zh-hans/resolutions/").content.decode()
    assert '<span class="small">国际电联在与非法使用信息通信技术风险相关的国际公共政策问题中的作用</span>' in page
    english = Client().get("/en/resolutions/").content.decode()
    assert '<span class="small">ITU&#x27;s role with regard to international public policy issues' in english


def test_an_older_revision_takes_its_own_text_when_named(official, personas, tmp_path):
    newer = (FIXTURES / "res-testville.en.txt").read_text(encoding="utf-8").replace("TESTVILLE, 2030", "NEWTOWN, 2034")
    services.import_resolution(newer, actor=personas.curator, source_name="newer.txt")
    out, err = io.StringIO(), io.StringIO()
    path = FIXTURES / "res-testville.fr.txt"
    call_command("import_resolution", str(path), language="fr", sequence=official.sequence, stdout=out, stderr=err)
    assert "Rev. Testville, 2030 in fr attached" in out.getvalue()
    assert RevisionText.objects.get().revision == official
    with pytest.raises(CommandError, match="--revision goes with --language"):
        call_command("import_resolution", str(path), sequence=1, stdout=out, stderr=err)


def test_the_api_gives_each_clause_and_heading_in_the_languages_the_revision_has(official):
    attach(FIXTURES / "res-testville.fr.txt", "fr")
    body = Client().get(f"/api/v1/revisions/{official.pk}/").json()
    assert [(text["language"], text["source"]) for text in body["languages"]] == [("fr", "official")]
    first = body["sections"][0]
    assert first["headings"] == {"fr": "considérant"}
    assert first["clauses"][0]["texts"] == {"fr": "que les tests détectent tôt les erreurs;"}


def test_a_curator_previews_then_attaches_a_french_text_on_the_import_page(official, personas):
    from clearinghouse.core.testing import client_for

    curator = client_for(personas.curator)
    form = {"body": "pp", "language": "fr", "text": FRENCH, "preview": "1"}
    page = curator.post("/en/resolutions/import/", form)
    assert page.status_code == 200
    assert '<h3 lang="fr">décide de charger le Secrétaire général</h3>' in page.content.decode()
    assert not RevisionText.objects.exists()
    saved = curator.post("/en/resolutions/import/", {**form, "save": "1"})
    assert saved.status_code == 302
    assert RevisionText.objects.get().language == "fr"
    refused = curator.post("/en/resolutions/import/", {**form, "text": FRENCH.replace("b)\t", "c)\t")})
    assert refused.status_code == 400
    assert "the revision numbers its clauses a), b), c); the text a), c), c)." in refused.content.decode()
