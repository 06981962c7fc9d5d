"""The owner says whom a record is shared with: states and organizations (TLP:AMBER), named people (TLP:RED)."""

from __future__ import annotations

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.accounts.models import Role
from clearinghouse.accounts.services import create_account
from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.test_pages import form_data
from clearinghouse.core.testing import PASSWORD, client_for
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import MemberState, Organization


def test_a_focal_point_names_a_curator_to_review_a_red_draft_and_only_that_curator_sees_it(personas):
    other = create_account(
        actor=None,
        username="cyrus",
        email="cyrus@example.org",
        role=Role.CURATOR,
        password=PASSWORD,
        organization=Organization.objects.get(slug="itu"),
    )
    TOTPDevice.objects.create(user=other, name="test", confirmed=True)
    alice = client_for(personas.alice)
    response = alice.post(
        "/en/catalogue/measures/new/",
        form_data(title="Lawful interception audit", tlp="red", named_people="curator@example.org\nbob"),
    )
    assert response.status_code == 302
    red = Measure.objects.get(title="Lawful interception audit")
    assert set(red.shared_with_users.values_list("username", flat=True)) == {"alice", "curator", "bob"}
    page = alice.get(f"/en/catalogue/measures/{red.pk}/").content.decode()
    assert "People named" in page and "curator" in page

    alice.post(f"/en/catalogue/measures/{red.pk}/submit/")
    named, not_named = client_for(personas.curator), client_for(other)
    assert "Lawful interception audit" in named.get("/en/catalogue/review/").content.decode()
    assert "Lawful interception audit" not in not_named.get("/en/catalogue/review/").content.decode()
    assert not_named.get(f"/en/catalogue/measures/{red.pk}/").status_code == 404
    assert client_for(personas.bob).get(f"/en/catalogue/measures/{red.pk}/").status_code == 404  # not yet published

    assert not_named.post(f"/en/catalogue/measures/{red.pk}/publish/").status_code == 404
    named.post(f"/en/catalogue/measures/{red.pk}/publish/")
    assert Measure.objects.get(pk=red.pk).lifecycle == Lifecycle.PUBLISHED
    assert client_for(personas.bob).get(f"/en/catalogue/measures/{red.pk}/").status_code == 200
    assert Client().get(f"/en/catalogue/measures/{red.pk}/").status_code == 404


def test_an_amber_draft_is_shared_with_the_states_and_organizations_its_owner_chooses(personas):
    ghana = MemberState.objects.get(alpha2="GH")
    gsma = Organization.objects.get(slug="gsma")
    alice = client_for(personas.alice)
    alice.post(
        "/en/catalogue/measures/new/",
        form_data(
            title="SIM-box detection", tlp="amber", shared_with_states=[ghana.pk], shared_with_organizations=[gsma.pk]
        ),
    )
    amber = Measure.objects.get(title="SIM-box detection")
    assert list(amber.shared_with_states.all()) == [ghana]
    alice.post(f"/en/catalogue/measures/{amber.pk}/submit/")
    curator = client_for(personas.curator)
    curator.post(f"/en/catalogue/measures/{amber.pk}/publish/")
    assert client_for(personas.carol).get(f"/en/catalogue/measures/{amber.pk}/").status_code == 200
    assert client_for(personas.bob).get(f"/en/catalogue/measures/{amber.pk}/").status_code == 404
    assert "Shared with" not in client_for(personas.carol).get(f"/en/catalogue/measures/{amber.pk}/").content.decode()


def test_naming_someone_unknown_is_refused_with_the_name_and_saves_nothing(personas):
    response = client_for(personas.alice).post(
        "/en/catalogue/measures/new/", form_data(title="Never saved", tlp="red", named_people="nobody@example.org")
    )
    assert response.status_code == 400
    assert "nobody@example.org" in response.content.decode()
    assert not Measure.objects.filter(title="Never saved").exists()


def test_the_author_of_a_red_record_stays_named_whatever_the_form_says(personas):
    alice = client_for(personas.alice)
    alice.post("/en/catalogue/measures/new/", form_data(title="Kept", tlp="red", named_people="bob"))
    red = Measure.objects.get(title="Kept")
    alice.post(f"/en/catalogue/measures/{red.pk}/edit/", form_data(title="Kept", tlp="red", version=red.version))
    assert set(red.shared_with_users.values_list("username", flat=True)) == {"alice"}


def test_the_api_shares_a_draft_as_the_form_does_and_refuses_an_unknown_name(personas):
    alice = client_for(personas.alice)
    refused = alice.post(
        "/api/v1/measures/",
        {"title": "Never saved", "summary": "x", "pillar": "technical", "tlp": "red", "named_people": ["nobody"]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "nobody" in refused.content.decode()
    assert not Measure.objects.filter(title="Never saved").exists()

    created = alice.post(
        "/api/v1/measures/",
        {
            "title": "Shared by the API",
            "summary": "x",
            "pillar": "technical",
            "tlp": "amber",
            "shared_with_states": ["GH"],
            "shared_with_organizations": ["gsma"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    amber = Measure.objects.get(title="Shared by the API")
    assert [s.alpha2 for s in amber.shared_with_states.all()] == ["GH"]
    assert "shared_with_states" not in created.json()  # who it is shared with is not shown to every reader

    edited = alice.patch(
        f"/api/v1/measures/{amber.pk}/",
        {"version": amber.version, "tlp": "red", "named_people": ["curator@example.org"]},
        content_type="application/json",
    )
    assert edited.status_code == 200, edited.content
    assert set(amber.shared_with_users.values_list("username", flat=True)) == {"alice", "curator"}


def test_the_owner_reads_whom_it_is_shared_with_joined_as_their_language_joins_a_list(personas):
    alice = client_for(personas.alice)
    alice.post("/en/catalogue/measures/new/", form_data(title="Listed", tlp="red", named_people="bob\ncurator"))
    red = Measure.objects.get(title="Listed")
    arabic = alice.get(f"/ar/catalogue/measures/{red.pk}/").content.decode()
    assert "<bdi>alice</bdi>، و<bdi>bob</bdi>، و<bdi>curator</bdi>" in arabic  # the Arabic comma
    chinese = alice.get(f"/zh-hans/catalogue/measures/{red.pk}/").content.decode()
    assert "<bdi>alice</bdi>、<bdi>bob</bdi>和<bdi>curator</bdi>" in chinese
