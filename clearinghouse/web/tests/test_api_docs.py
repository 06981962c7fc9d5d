"""The OpenAPI schema and its interactive documentation, served without a CDN."""

from __future__ import annotations

import re


def test_the_schema_describes_the_endpoints_filters_and_token_authentication(db, client):
    response = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/member-states/", "/api/v1/organizations/", "/api/v1/member-states/{alpha2}/"} <= set(
        schema["paths"]
    )
    names = {p["name"] for p in schema["paths"]["/api/v1/member-states/"]["get"]["parameters"]}
    assert {"region", "itu_region", "group", "page", "q"} <= names
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_documentation_loads_everything_from_this_site(db, client):
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", page)
    assert external == []
    script = re.search(r'src="(/static/drf_spectacular_sidecar/[^"]+swagger-ui-bundle\.js)"', page)
    assert script and client.get(script.group(1)).status_code == 200


def test_pages_load_nothing_from_elsewhere(db, client):
    for url in ("/en/", "/en/member-states/", "/en/member-states/KE/", "/en/organizations/", "/en/sign-in/"):
        page = client.get(url).content.decode()
        assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", page.split("</header>")[0]), url
        assert '<meta name="viewport"' in page


def test_htmx_is_served_by_the_app(db, client):
    page = client.get("/en/").content.decode()
    src = re.search(r'<script src="([^"]+htmx[^"]+)"', page).group(1)
    assert src.startswith("/static/") and client.get(src).status_code == 200
