"""A new record's original language defaults to the language its author works in: the interface's on the forms,
the request's (Accept-Language) on the API, unless said otherwise."""

from __future__ import annotations

import re

import pytest

from clearinghouse.catalog.models import Measure
from clearinghouse.core.testing import client_for

pytestmark = pytest.mark.django_db


def selected_language(page: str) -> str:
    select = re.search(r'<select name="language"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    chosen = re.findall(r'<option value="([^"]+)"[^>]*selected', select.group(1))
    assert len(chosen) == 1
    return chosen[0]


@pytest.mark.parametrize("language", ["ar", "en", "es", "fr", "ru", "zh-hans"])
def test_the_measure_form_proposes_the_interface_language_as_the_original_language(personas, language):
    page = client_for(personas.alice).get(f"/{language}/catalogue/measures/new/").content.decode()
    assert selected_language(page) == language


def test_editing_a_measure_keeps_its_own_original_language(personas):
    from clearinghouse.catalog.tests.factories import measure

    draft = measure(personas, state="draft", language="fr")
    page = client_for(personas.alice).get(f"/ru/catalogue/measures/{draft.pk}/edit/").content.decode()
    assert selected_language(page) == "fr"


def test_the_api_writes_a_new_measure_in_the_request_s_language_unless_told(personas):
    client = client_for(personas.alice)
    body = {"title": "Реестр IMEI", "summary": "Краденые телефоны блокируются.", "pillar": "technical"}
    response = client.post("/api/v1/measures/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 201, response.content
    assert response.json()["language"] == "ru"
    told = {**body, "title": "IMEI register", "language": "en"}
    response = client.post("/api/v1/measures/", told, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru")
    assert Measure.objects.get(pk=response.json()["id"]).language == "en"


def test_the_technology_form_of_the_admin_proposes_the_interface_language(personas):
    page = client_for(personas.curator).get("/es/admin/catalog/technology/add/").content.decode()
    assert selected_language(page) == "es"
