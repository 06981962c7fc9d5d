"""Who the STIX export and the TAXII collections answer: API tokens count, and another state's collection is
"not found" to a signed-in reader (DOMAIN.md: a record one may not see is answered "not found")."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from clearinghouse.accounts.services import create_api_token
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import PASSWORD, body_of
from clearinghouse.exchange import stix
from clearinghouse.exchange.selectors import collection_id

TAXII = "application/taxii+json;version=2.1"
ROOT = "/taxii2/api/"
KENYA = collection_id("state:KE")


def exported_names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content[:300]
    data = json.loads(body_of(response))
    return {o["name"] for o in data["objects"] if o["type"] == "course-of-action"}


@pytest.mark.django_db
def test_a_focal_point_s_api_token_exports_their_green_and_amber_measures_and_anonymous_gets_clear_only(personas):
    measure(personas, title="Clear", tlp="clear")
    measure(personas, title="Green", tlp="green")
    measure(personas, title="Amber", tlp="amber")
    measure(personas, title="Red", tlp="red")
    _, key = create_api_token(actor=personas.alice, name="stix")

    with_token = Client().get("/api/v1/stix/measures/", HTTP_AUTHORIZATION=f"Token {key}")
    anonymous = Client().get("/api/v1/stix/measures/")

    assert exported_names(with_token) == {"Clear", "Green", "Amber"}
    assert exported_names(anonymous) == {"Clear"}


@pytest.mark.django_db
def test_a_bad_api_token_on_the_stix_export_is_refused_with_401_not_answered_as_anonymous(personas):
    measure(personas, title="Clear", tlp="clear")
    response = Client().get("/api/v1/stix/measures/", HTTP_AUTHORIZATION="Token ch174_not-a-real-key")
    assert response.status_code == 401 and "token" in response.json()["detail"].lower()


def taxii_as(user: Any, method: str, path: str, **extra: Any) -> Any:
    headers: dict[str, Any] = {"HTTP_ACCEPT": TAXII}
    if user is not None:
        basic = base64.b64encode(f"{user.username}:{PASSWORD}".encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {basic}"
    client = Client()
    if method == "post":
        return client.post(path, b'{"objects": []}', content_type=TAXII, **headers, **extra)
    return client.get(path, **headers, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("get", "objects/"),
        ("get", "manifest/"),
        ("get", "objects/{object}/"),
        ("get", "objects/{object}/versions/"),
        ("post", "objects/"),
    ],
)
def test_a_signed_in_reader_asking_for_another_state_s_collection_is_told_it_is_not_found(personas, method, path):
    amber = measure(personas, title="Kenyan amber", tlp="amber")
    identifier = stix.stix_id("course-of-action", f"measure:{amber.pk}")
    address = f"{ROOT}collections/{KENYA}/" + path.format(object=identifier)

    assert taxii_as(personas.alice, "get", f"{ROOT}collections/{KENYA}/objects/").status_code == 200  # hers
    bob = taxii_as(personas.bob, method, address)
    anonymous = taxii_as(None, method, address)

    assert bob.status_code == 404 and bob["Content-Type"] == TAXII
    assert json.loads(bob.content)["title"] == "No such collection"
    assert "Kenya" not in bob.content.decode()
    assert anonymous.status_code == 401 and "WWW-Authenticate" in anonymous
