"""Bad input gets a clear 4xx and changes nothing."""

from __future__ import annotations

from django.test import Client

from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.countries.models import MemberState


def test_an_oversized_request_body_is_refused_with_413_before_it_is_read(personas, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1000
    client = client_for(personas.alice)
    response = client.post("/en/member-states/KE/profile/", {"cirt_name": "x" * 5000})
    assert response.status_code == 413
    assert "the limit is 1000 bytes" in response.content.decode()
    assert MemberState.objects.get(alpha2="KE").cirt_name == ""
    api = Client().post("/api/v1/member-states/", data="x" * 5000, content_type="application/json")
    assert api.status_code == 413 and "limit" in api.json()["detail"]


def test_a_form_without_its_csrf_token_is_refused(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.alice)
    response = client.post("/en/member-states/KE/profile/", {"cirt_name": "forged"})
    assert response.status_code == 403
    assert MemberState.objects.get(alpha2="KE").cirt_name == ""
    assert not AuditEvent.objects.filter(action="memberstate.profile_updated").exists()


def test_an_unknown_page_is_a_404_in_the_reader_s_language(db, client):
    response = client.get("/fr/nowhere/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode() or "Introuvable" in response.content.decode()


def test_the_home_page_counts_only_what_the_reader_may_see(personas):
    from clearinghouse.catalog.tests.factories import measure

    measure(personas, title="Clear")
    measure(personas, title="Green", tlp="green")
    public = Client().get("/en/").content.decode()
    member = client_for(personas.bob).get("/en/").content.decode()
    assert '<p class="figure">1</p>' in public and '<p class="figure">2</p>' in member
