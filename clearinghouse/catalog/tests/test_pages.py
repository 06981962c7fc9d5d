"""The catalogue's pages for every persona: search, measure, forms, review, history, files."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clearinghouse.catalog.models import Measure, MeasureAttachment, Pillar
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import Lifecycle

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form_data(**overrides):
    data = {
        "title": "SMS spam filter",
        "summary": "A national filter for SMS spam.",
        "language": "en",
        "pillar": str(Pillar.objects.get(slug="technical").pk),
        "status": "operational",
        "since_year": "2022",
        "description": "The filter **blocks** spam.",
        "evidence": "",
        "evidence_source": "",
        "cost_range": "",
        "prerequisites": "",
        "tlp": "clear",
        "refs-TOTAL_FORMS": "1",
        "refs-INITIAL_FORMS": "0",
        "refs-MIN_NUM_FORMS": "0",
        "refs-MAX_NUM_FORMS": "30",
        "refs-0-kind": "itu-t",
        "refs-0-title": "ITU-T X.1231",
        "refs-0-url": "https://www.itu.int/rec/T-REC-X.1231",
    }
    data.update(overrides)
    return data


def test_the_catalogue_page_searches_filters_and_counts(personas):
    measure(personas, title="SIM-box detection", threats=("simbox-fraud",))
    measure(personas, title="Anti-theft register", threats=("device-theft",))
    page = Client().get("/en/catalogue/?q=sim&threat=telecom-misuse").content.decode()
    assert "<mark>SIM</mark>-box detection" in page and "Anti-theft register" not in page
    assert "1 measure" in page
    assert re.search(r"Telecommunication misuse</a> <span class=\"count\">1</span>", page)
    assert "<mark>SIM</mark>" in page


def test_the_search_shows_on_a_map_by_member_state_and_a_state_narrows_it(personas):
    """Issue 16, item 6: the matches on a world map, each state leading to the search narrowed to it (still a map),
    in the page's language."""
    measure(personas, title="SIM-box detection", threats=("simbox-fraud",))
    measure(personas, title="SIM registration", threats=("simbox-fraud",))
    page = Client().get("/en/catalogue/?q=sim&view=map").content.decode()
    assert 'id="catalogue-map"' in page and '<ol class="results">' not in page
    shape = r'<a href="([^"]+)"><path d="[^"]+" class="l\d" data-numeric="404"><title>Kenya: 2 measures<'
    kenya = re.search(shape, page)
    assert kenya and "country=KE" in kenya.group(1) and "view=map" in kenya.group(1)
    assert "As a list" in page
    narrowed = Client().get("/en/catalogue/" + kenya.group(1).replace("&amp;", "&")).content.decode()
    assert 'id="catalogue-map"' in narrowed and "2 measures" in narrowed
    arabic = Client().get("/ar/catalogue/?q=sim&view=map").content.decode()
    assert 'dir="rtl"' in arabic and "كينيا" in arabic
    assert 'id="catalogue-map"' not in Client().get("/en/catalogue/?q=sim").content.decode()


def test_an_unknown_filter_value_is_a_400_naming_the_field(db):
    response = Client().get("/en/catalogue/?pillar=magic")
    assert response.status_code == 400
    assert "pillar" in response.content.decode()


def test_a_search_url_can_be_shared(personas):
    measure(personas, title="SIM-box detection", threats=("simbox-fraud",))
    url = "/fr/catalogue/?q=sim&pillar=technical&sort=newest"
    assert "<mark>SIM</mark>-box detection" in Client().get(url).content.decode()


def test_the_list_page_runs_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    for n in range(25):
        measure(personas, title=f"Measure {n}", threats=("spam", "wangiri"))
    Client().get("/en/catalogue/?q=warm")  # the process's first search builds its index (a cold start)
    with django_assert_max_num_queries(20) as few:
        Client().get("/en/catalogue/?q=measure")
    with django_assert_max_num_queries(len(few.captured_queries)):
        Client().get("/en/catalogue/?q=measure&page=2")


def test_a_public_reader_sees_a_published_measure_and_not_a_draft(personas):
    published = measure(personas)
    draft = measure(personas, state=Lifecycle.DRAFT, title="Draft")
    assert Client().get(f"/en/catalogue/measures/{published.pk}/").status_code == 200
    assert Client().get(f"/en/catalogue/measures/{draft.pk}/").status_code == 404
    assert client_for(personas.bob).get(f"/en/catalogue/measures/{draft.pk}/").status_code == 404
    assert client_for(personas.alice).get(f"/en/catalogue/measures/{draft.pk}/").status_code == 200


def test_a_focal_point_submits_through_the_form_and_a_curator_publishes(personas):
    alice = client_for(personas.alice)
    response = alice.post("/en/catalogue/measures/new/", form_data())
    assert response.status_code == 302
    created = Measure.objects.get(title="SMS spam filter")
    assert created.references.get().title == "ITU-T X.1231"
    assert alice.post(f"/en/catalogue/measures/{created.pk}/submit/").status_code == 302
    curator = client_for(personas.curator)
    assert "SMS spam filter" in curator.get("/en/catalogue/review/").content.decode()
    assert client_for(personas.bob).get("/en/catalogue/review/").status_code == 403
    curator.post(f"/en/catalogue/measures/{created.pk}/publish/")
    assert Measure.objects.get(pk=created.pk).lifecycle == Lifecycle.PUBLISHED
    assert "SMS spam filter" in Client().get("/en/catalogue/").content.decode()


def test_another_state_cannot_edit_or_submit_through_the_pages(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    bob = client_for(personas.bob)
    assert bob.post(f"/en/catalogue/measures/{draft.pk}/edit/", form_data()).status_code == 404
    assert bob.post(f"/en/catalogue/measures/{draft.pk}/submit/").status_code == 404
    assert Measure.objects.get(pk=draft.pk).lifecycle == Lifecycle.DRAFT


def test_the_preview_neutralises_hostile_markdown(personas):
    hostile = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> **ok**"
    response = client_for(personas.alice).post(
        "/en/catalogue/measures/new/", form_data(description=hostile, preview="1")
    )
    page = response.content.decode()
    preview = page.split('id="live-preview"')[1]
    assert "<strong>ok</strong>" in preview
    assert "<script>" not in preview and "javascript:" not in preview.split("</section>")[0].replace(
        "[x](javascript:alert(1))", ""
    )
    assert "onerror" not in preview.split("&lt;img")[0]
    assert not Measure.objects.filter(title="SMS spam filter").exists()  # a preview saves nothing


def test_stored_markdown_is_rendered_sanitized(personas):
    published = measure(personas, description='<script>alert("x")</script>\n\n**bold** [link](https://itu.int)')
    page = Client().get(f"/en/catalogue/measures/{published.pk}/").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<strong>bold</strong>" in page


def test_a_stale_edit_is_refused_with_409_and_nothing_is_overwritten(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    alice = client_for(personas.alice)
    assert (
        alice.post(f"/en/catalogue/measures/{draft.pk}/edit/", form_data(title="First", version="1")).status_code == 302
    )
    stale = alice.post(f"/en/catalogue/measures/{draft.pk}/edit/", form_data(title="Stale", version="1"))
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    assert Measure.objects.get(pk=draft.pk).title == "First"


def test_history_shows_a_readable_diff_between_two_versions(personas):
    draft = measure(personas, state=Lifecycle.DRAFT, summary="Stolen handsets are blocked.")
    client_for(personas.alice).post(
        f"/en/catalogue/measures/{draft.pk}/edit/",
        form_data(summary="Stolen phones are blocked within an hour.", version="1"),
    )
    page = client_for(personas.alice).get(f"/en/catalogue/measures/{draft.pk}/history/?a=1&b=2").content.decode()
    assert "<del>handsets</del>" in page and "<ins>phones</ins>" in page and "<ins> within an hour</ins>" in page
    assert client_for(personas.alice).get(f"/en/catalogue/measures/{draft.pk}/history/?a=1&b=9").status_code == 400
    assert Client().get(f"/en/catalogue/measures/{draft.pk}/history/").status_code == 404


def docx_bytes() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", PDF, None),
        ("note.docx", docx_bytes(), None),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, None),
        ("renamed.docx", PDF, "is not a PDF, DOCX, PNG or JPEG"),
        ("report.pdf", b"MZ\x90\x00 not a pdf", "is not a PDF, DOCX, PNG or JPEG"),
        ("virus.exe", b"MZ\x90\x00", "is not a PDF, DOCX, PNG or JPEG"),
        ("big.pdf", PDF + b"0" * 6_000_000, "the limit is"),
    ],
)
def test_attachments_are_checked_by_content_and_size(personas, settings, tmp_path, name, content, message):
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_REQUEST_BODY_BYTES = 20_000_000
    draft = measure(personas, state=Lifecycle.DRAFT)
    response = client_for(personas.alice).post(
        f"/en/catalogue/measures/{draft.pk}/files/", {"file": SimpleUploadedFile(name, content)}
    )
    if message is None:
        assert response.status_code == 302
        attachment = MeasureAttachment.objects.get()
        assert attachment.name == name and attachment.size == len(content)
        assert client_for(personas.alice).get(f"/en/catalogue/files/{attachment.pk}/").status_code == 200
        assert Client().get(f"/en/catalogue/files/{attachment.pk}/").status_code == 404  # a draft's file
    else:
        assert response.status_code == 400 and message in response.content.decode()
        assert not MeasureAttachment.objects.exists()
        assert not any(tmp_path.rglob("*.*"))


def test_my_submissions_lists_every_state_of_my_state_s_measures(personas):
    measure(personas, state=Lifecycle.DRAFT, title="Our draft")
    measure(personas, title="Our published")
    page = client_for(personas.alice).get("/en/catalogue/mine/").content.decode()
    assert "Our draft" in page and "Our published" in page
    assert "Our draft" not in client_for(personas.bob).get("/en/catalogue/mine/").content.decode()


def test_a_technology_page_shows_what_it_counters_and_who_implements_it(personas):
    from clearinghouse.catalog import services
    from clearinghouse.catalog.models import Threat

    technology = services.create_technology(
        actor=personas.curator,
        owner={"owner_organization_id": personas.curator.organization_id},
        threats=Threat.objects.filter(slug="cli-spoofing"),
        name="STIR/SHAKEN",
        slug="stir-shaken",
        description="Signs the caller ID.",
        lifecycle=Lifecycle.PUBLISHED,
    )
    measure(personas, title="Caller authentication", technologies=[technology])
    page = Client().get("/en/catalogue/technologies/stir-shaken/").content.decode()
    assert "Calling-line-identification spoofing" in page and "Caller authentication" in page


def test_a_measure_page_links_related_measures_the_reader_may_see(personas):
    shown = measure(personas, title="Spam filter", threats=("spam",))
    measure(personas, title="SMS spam rules", threats=("spam",))
    measure(personas, title="Amber spam list", threats=("spam",), tlp="amber")
    measure(personas, title="Unrelated", threats=("csam",))
    page = Client().get(f"/en/catalogue/measures/{shown.pk}/").content.decode()
    related = page.split("Related measures")[1]
    assert "SMS spam rules" in related and "Amber spam list" not in related and "Unrelated" not in related


def test_curators_extend_the_taxonomy_in_the_admin_but_change_measures_only_through_the_workflow(personas):
    from clearinghouse.catalog.models import Threat
    from clearinghouse.core.models import AuditEvent

    curator = client_for(personas.curator)
    family = Threat.objects.get(slug="telecom-misuse")
    response = curator.post(
        "/en/admin/catalog/threat/add/",
        {
            "slug": "artificial-inflation",
            "name_en": "Artificially inflated traffic",
            "parent": family.pk,
            "references": "",
            "position": 99,
        },
    )
    assert response.status_code == 302
    assert Threat.objects.get(slug="artificial-inflation").parent == family
    assert AuditEvent.objects.filter(action="threat.created.admin", actor=personas.curator).exists()
    published = measure(personas)
    assert curator.get(f"/en/admin/catalog/measure/{published.pk}/change/").status_code == 200  # read-only view
    assert curator.post(f"/en/admin/catalog/measure/{published.pk}/change/", {"title": "x"}).status_code == 403


def test_a_reader_sees_the_translation_into_their_language_with_its_quality(personas):
    original = measure(personas, title="Registre des IMEI", language="fr", summary="Les téléphones volés sont bloqués.")
    client_for(personas.alice).post(
        f"/en/catalogue/measures/{original.pk}/translation/",
        {
            "language": "en",
            "quality": "machine",
            "title": "IMEI register",
            "summary": "Stolen phones are blocked.",
            "description": "",
            "evidence": "",
            "prerequisites": "",
        },
    )
    english = Client().get(f"/en/catalogue/measures/{original.pk}/").content.decode()
    assert "IMEI register" in english and "Machine translation" in english and "Show the original" in english
    assert "Registre des IMEI" in Client().get(f"/en/catalogue/measures/{original.pk}/?original=1").content.decode()
    assert "Registre des IMEI" in Client().get(f"/fr/catalogue/measures/{original.pk}/").content.decode()
    refused = client_for(personas.bob).post(
        f"/en/catalogue/measures/{original.pk}/translation/",
        {
            "language": "es",
            "quality": "machine",
            "title": "x",
            "summary": "y",
        },
    )
    assert refused.status_code == 403
