"""/api/v1/member-states/ and /api/v1/organizations/."""

from __future__ import annotations

import pytest


def test_the_list_is_paginated_with_count_next_previous_results(db, client):
    body = client.get("/api/v1/member-states/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 194 and len(body["results"]) == 50
    assert body["previous"] is None and "page=2" in body["next"]
    last = client.get("/api/v1/member-states/?page=4").json()
    assert len(last["results"]) == 44 and last["next"] is None


def test_a_state_carries_codes_names_regions_and_groups(db, client):
    nepal = client.get("/api/v1/member-states/NP/").json()
    assert nepal["alpha3"] == "NPL" and nepal["numeric"] == "524"
    assert nepal["names"]["zh-hans"] == "尼泊尔" and nepal["names"]["ar"] == "نيبال"
    assert nepal["bdt_region"] == "asia_pacific" and nepal["itu_region"] == "E"
    assert set(nepal["groups"]) >= {"lldc"}
    assert client.get("/api/v1/member-states/np/").status_code == 200


@pytest.mark.parametrize(
    ("query", "count"),
    [("region=arab_states", 21), ("region=africa", 44), ("itu_region=A", 35), ("group=lldc", 32)],
)
def test_filters_narrow_the_list(db, client, query, count):
    assert client.get(f"/api/v1/member-states/?{query}").json()["count"] == count


def test_an_unknown_filter_value_is_a_400_naming_the_field(db, client):
    response = client.get("/api/v1/member-states/?group=g77")
    assert response.status_code == 400
    assert "group" in response.json()


def test_the_name_is_given_in_the_language_asked_for(db, client):
    body = client.get("/api/v1/member-states/FR/", headers={"Accept-Language": "ru"}).json()
    assert body["name"] == "Франция"


def test_organizations_filter_by_kind_and_region(db, client):
    body = client.get("/api/v1/organizations/?kind=regional&region=africa").json()
    assert [o["acronym"] for o in body["results"]] == ["ATU"]
    assert client.get("/api/v1/organizations/?kind=mafia").status_code == 400
    assert client.get("/api/v1/organizations/atu/").json()["country"] == "KE"


def test_list_endpoints_run_a_fixed_number_of_queries(db, client, django_assert_max_num_queries):
    for size in (10, 200):
        with django_assert_max_num_queries(4):  # count, states, current groups, dated memberships
            assert client.get(f"/api/v1/member-states/?page_size={size}").status_code == 200
        with django_assert_max_num_queries(3):
            assert client.get(f"/api/v1/organizations/?page_size={size}").status_code == 200


def test_the_api_is_read_only(personas, client):
    assert client.post("/api/v1/member-states/", {"alpha2": "XX"}).status_code == 405
    assert client.delete("/api/v1/member-states/KE/").status_code == 405
