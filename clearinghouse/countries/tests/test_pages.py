"""The Member States and organizations pages, for every persona."""

from __future__ import annotations

import pytest
from django.test import Client

from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.countries.models import MemberState


def test_the_list_shows_all_194_states_to_a_public_reader(db, client):
    response = client.get("/en/member-states/")
    assert response.status_code == 200
    assert "194 Member States" in response.content.decode()
    assert response.content.decode().count('<td><a href="/en/member-states/') == 194


@pytest.mark.parametrize(
    ("query", "count", "present", "absent"),
    [
        ("region=arab_states", 21, "Egypt", "Kenya"),
        ("group=sids", None, "Fiji", "Kenya"),
        ("itu_region=D", 54, "Kenya", "France"),
        ("group=ldc&region=asia_pacific", None, "Nepal", "Kenya"),
        ("q=keny", 1, "Kenya", "Nigeria"),
    ],
)
def test_the_list_filters_by_region_and_group(db, client, query, count, present, absent):
    page = client.get(f"/en/member-states/?{query}").content.decode()
    assert present in page and absent not in page
    if count is not None:
        assert f"{count} Member State" in page


def test_an_unknown_filter_value_is_refused_with_the_field_named(db, client):
    response = client.get("/en/member-states/?region=atlantis")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_htmx_request_gets_only_the_table(db, client):
    response = client.get("/en/member-states/?region=cis", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "<table>" in body


def test_the_list_page_runs_a_fixed_number_of_queries(db, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/en/member-states/")
    with django_assert_max_num_queries(4):
        client.get("/en/member-states/?group=ldc")
    with django_assert_max_num_queries(4):
        client.get("/en/organizations/")


def test_a_state_page_gives_codes_names_regions_and_dated_groups(db, client):
    page = client.get("/fr/member-states/NP/").content.decode()
    assert "Népal" in page and "NPL" in page and "524" in page
    assert "नेपाल" not in page  # only the six UN languages
    assert "尼泊尔" in page and "Непал" in page
    assert "2024" in page  # the as-of date of the LDC list


def test_a_state_page_answers_lower_case_codes_and_404_for_unknown_ones(db, client):
    assert client.get("/en/member-states/ke/").status_code == 200
    response = client.get("/en/member-states/QQ/")
    assert response.status_code == 404
    assert "QQ" in response.content.decode()


def test_a_focal_point_updates_the_contacts_of_their_own_state(personas):
    client = client_for(personas.alice)
    response = client.post(
        "/en/member-states/KE/profile/",
        {
            "authority_name": "Communications Authority of Kenya",
            "authority_url": "https://www.ca.go.ke/",
            "cirt_name": "National KE-CIRT/CC",
            "cirt_url": "",
            "strategy_url": "",
        },
    )
    assert response.status_code == 302
    page = client.get("/en/member-states/KE/").content.decode()
    assert "Communications Authority of Kenya" in page


def test_a_focal_point_of_one_state_cannot_act_for_another(personas):
    client = client_for(personas.bob)  # Nigeria
    assert client.get("/en/member-states/KE/profile/").status_code == 403
    response = client.post("/en/member-states/KE/profile/", {"cirt_name": "hijacked"})
    assert response.status_code == 403
    assert "Only a focal point of Kenya" in response.content.decode()
    assert MemberState.objects.get(alpha2="KE").cirt_name == ""
    assert not AuditEvent.objects.filter(action="memberstate.profile_updated").exists()
    assert "Update these details" not in client.get("/en/member-states/KE/").content.decode()


def test_contributors_and_the_public_cannot_edit_a_state_profile(personas):
    assert client_for(personas.carol).post("/en/member-states/KE/profile/", {"cirt_name": "x"}).status_code == 403
    anonymous = Client().post("/en/member-states/KE/profile/", {"cirt_name": "x"})
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous["Location"]
    assert MemberState.objects.get(alpha2="KE").cirt_name == ""


def test_a_curator_may_correct_any_profile(personas):
    response = client_for(personas.curator).post("/en/member-states/NG/profile/", {"cirt_name": "ngCERT"})
    assert response.status_code == 302
    assert MemberState.objects.get(alpha2="NG").cirt_name == "ngCERT"


def test_a_malformed_address_is_refused_and_nothing_changes(personas):
    response = client_for(personas.alice).post("/en/member-states/KE/profile/", {"cirt_url": "not a url"})
    assert response.status_code == 400
    assert "Enter a valid URL" in response.content.decode()
    assert MemberState.objects.get(alpha2="KE").cirt_url == ""


def test_the_organizations_list_filters_by_kind(db, client):
    page = client.get("/en/organizations/?kind=regional").content.decode()
    assert "Asia-Pacific Telecommunity" in page and "INTERPOL" not in page
    assert client.get("/en/organizations/?kind=pirate").status_code == 400


def test_an_organization_page_shows_its_kind_and_headquarters(db, client):
    page = client.get("/en/organizations/atu/").content.decode()
    assert "African Telecommunications Union" in page and "Kenya" in page
    assert client.get("/en/organizations/nobody/").status_code == 404
