"""The API keeps the promises of its OpenAPI schema: schemathesis sends requests generated from /api/schema/ to
the real application (in-process, over WSGI), anonymously and with a focal point's token, over the demo data.

Bounded and repeatable: a fixed number of cases per operation, derandomized (the same cases every run)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clearinghouse.accounts.services import create_api_token
from clearinghouse.catalog.models import Measure, Technology
from clearinghouse.catalog.tests.factories import measure as measure_factory
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.mandates.models import Activity, Resolution, Revision
from clearinghouse.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
CASES_PER_OPERATION = 6  # 27 operations × 2 personas × 6 ≈ 320 cases


@pytest.fixture
def demo_data(personas) -> None:
    call_command("load_demo_data", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def connection_kept_open() -> Iterator[None]:
    """As Django's test client does: the application called over WSGI must not close the connection at the end
    of a request, which on PostgreSQL would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _failures_of(operation: Any, headers: dict[str, str]) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=CASES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        cache.clear()  # the throttles count in the cache: every case starts under the limit
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (AssertionError, FailureGroup) as failure:
            failures.append(f"{operation.label} {case.path_parameters} {case.query} {case.body!r:.200}: {failure}")

    run()
    return failures


def _records_that_exist(personas: Any, persona: str) -> dict[str, dict[str, Any]]:
    """Path parameters naming real records, so that detail pages and actions answer more than 404."""
    measure_id: int | None
    if persona == "alice":  # her own draft: she may edit and submit it
        measure_id = measure_factory(personas, title="A draft to exercise", state=Lifecycle.DRAFT).pk
    else:
        measure_id = Measure.objects.exportable().order_by("pk").values_list("pk", flat=True).first()
    return {
        "/api/v1/measures/": {"id": measure_id},
        "/api/v1/member-states/": {"alpha2": "KE"},
        "/api/v1/organizations/": {"slug": "gsma"},
        "/api/v1/technologies/": {"slug": Technology.objects.order_by("pk").first().slug},
        "/api/v1/threats/": {"slug": "spam"},
        "/api/v1/resolutions/": {"id": Resolution.objects.order_by("pk").first().pk},
        "/api/v1/revisions/": {"id": Revision.objects.order_by("pk").first().pk},
        "/api/v1/activities/": {"id": Activity.objects.order_by("pk").first().pk},
    }


def _failures_on_records_that_exist(operation: Any, headers: dict[str, str], known: dict[str, Any]) -> list[str]:
    names = {p.name for p in operation.path_parameters}
    parameters = next((v for prefix, v in known.items() if operation.path.startswith(prefix)), None)
    if not names or parameters is None:
        return []
    case = operation.Case(path_parameters={name: parameters[name] for name in names})
    try:
        case.call_and_validate(headers=headers, checks=CHECKS)
    except (AssertionError, FailureGroup) as failure:
        return [f"{operation.label} {case.path_parameters}: {failure}"]
    return []


@pytest.mark.parametrize("persona", ["reader", "alice"])
def test_every_api_operation_answers_as_its_schema_says(demo_data, connection_kept_open, personas, persona):
    # schemathesis's WSGI transport asks for gzip as a browser would but does not decompress what it gets back
    headers = {"Accept-Encoding": "identity"}
    if persona == "alice":
        headers["Authorization"] = "Token " + create_api_token(actor=personas.alice, name="schemathesis")[1]
    known = _records_that_exist(personas, persona)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures = []
    for result in schema.get_all_operations():
        cache.clear()
        failures += _failures_on_records_that_exist(result.ok(), headers, known)
        failures += _failures_of(result.ok(), headers)
    assert failures == [], "\n\n".join(failures[:20])


def test_the_schema_documents_errors_nullable_fields_and_page_counts(db):
    schema = Client().get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    measures = schema["paths"]["/api/v1/measures/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(measures)
    assert measures["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ValidationError"}
    assert "Retry-After" in measures["429"]["headers"]
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    components = schema["components"]["schemas"]
    assert components["Organization"]["properties"]["country"]["nullable"] is True
    assert components["Measure"]["properties"]["owner_state"]["nullable"] is True
    assert "count" in components["MeasurePage"]["required"]
    assert components["MeasurePage"]["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Measure"}
    assert all("count" in s["required"] for name, s in components.items() if name.startswith("Paginated"))
    assert set(schema["paths"]["/api/v1/reports/"]["post"]["responses"]) >= {"202", "400", "403"}
