"""An activity recording something done with a record is seen only by those who may see that record now."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from clearinghouse.catalog import services as catalog
from clearinghouse.catalog.models import Measure
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.testing import client_for
from clearinghouse.countries.models import MemberState
from clearinghouse.mandates import services
from clearinghouse.mandates.models import Activity, Resolution
from clearinghouse.mandates.tests.test_resolutions import TEXT
from clearinghouse.reports import services as reports

TITLE = "Blocking stolen handsets"


@pytest.fixture
def published(personas) -> Measure:
    """Kenya's TLP:CLEAR measure, published: its dissemination is recorded under Resolution 174."""
    services.import_resolution(TEXT, actor=personas.curator)
    return measure(personas, title=TITLE)


def client(personas: Any, name: str) -> Client:
    return client_for(getattr(personas, name))


def on_the_page(viewer: Client) -> bool:
    return TITLE in viewer.get("/en/resolutions/activities/").content.decode()


def in_the_api(viewer: Client) -> bool:
    listed = viewer.get("/api/v1/activities/").json()
    return any(row["title"] == TITLE for row in listed["results"])


def on_the_resolution_page(viewer: Client) -> bool:
    return TITLE in viewer.get("/en/resolutions/pp/174/").content.decode()


def in_the_public_report() -> bool:
    content, _data = reports.build(
        Resolution.objects.get(number=174),
        format="html",
        start=None,
        end=None,
        edition="public",
        include_illustrative=False,
    )
    return TITLE in content.decode()


def remark(record: Measure, tlp: str) -> None:
    # an administrator corrects the marking of a published measure (the admin saves it, audited)
    Measure.objects.filter(pk=record.pk).update(tlp=tlp)


@pytest.mark.django_db
def test_a_published_clear_measure_s_dissemination_is_on_the_activities_page_the_api_and_the_public_report(
    published, personas
):
    reader = Client()

    assert on_the_page(reader) and in_the_api(reader) and on_the_resolution_page(reader)
    assert in_the_public_report()


@pytest.mark.django_db
def test_once_the_measure_is_withdrawn_its_title_is_on_no_channel_but_its_owner_still_sees_it(published, personas):
    activity = Activity.objects.get(source_id=str(published.pk))

    catalog.withdraw_measure(published, actor=personas.alice)

    for name in ("reader", "bob", "carol"):
        viewer = client(personas, name)
        assert not on_the_page(viewer), name
        assert not in_the_api(viewer), name
        assert not on_the_resolution_page(viewer), name
        assert viewer.get(f"/api/v1/activities/{activity.pk}/").status_code == 404, name
    assert not in_the_public_report()
    owner = client(personas, "alice")
    assert on_the_page(owner) and in_the_api(owner) and on_the_resolution_page(owner)
    assert on_the_page(client(personas, "curator"))  # curators see withdrawn records


@pytest.mark.parametrize(
    ("tlp", "who_sees"),
    [
        ("green", {"alice", "bob", "carol", "curator"}),
        ("amber", {"alice", "curator"}),
        ("amber+strict", {"alice", "curator"}),
        ("red", {"alice"}),  # the named author only: not even curators
    ],
)
@pytest.mark.django_db
def test_a_measure_re_marked_after_publication_takes_its_activity_to_those_who_may_see_it_now(
    published, personas, tlp, who_sees
):
    published.shared_with_users.add(personas.alice)  # the author is named, as TLP:RED requires
    remark(published, tlp)

    for name in ("reader", "alice", "bob", "carol", "curator"):
        viewer = client(personas, name)
        expected = name in who_sees
        assert on_the_page(viewer) is expected, name
        assert in_the_api(viewer) is expected, name
        assert on_the_resolution_page(viewer) is expected, name
    assert not in_the_public_report()


@pytest.mark.django_db
def test_a_state_the_owner_shares_an_amber_measure_with_sees_its_activity_and_loses_it_when_unshared(
    published, personas
):
    nigeria = MemberState.objects.get(alpha2="NG")
    remark(published, "amber")
    bob = client(personas, "bob")

    published.shared_with_states.add(nigeria)
    seen_while_shared = on_the_page(bob) and in_the_api(bob)
    published.shared_with_states.remove(nigeria)

    assert seen_while_shared
    assert not on_the_page(bob) and not in_the_api(bob)


@pytest.mark.django_db
def test_clause_counts_drop_when_the_measure_behind_an_activity_is_withdrawn(published, personas):
    def counts(viewer: Client) -> tuple[str, ...]:
        page = viewer.get("/en/resolutions/").content.decode()
        found = re.search(r'<td class="count">(\d+)</td><td class="count">(\d+)</td><td class="count">(\d+)</td>', page)
        assert found is not None
        return found.groups()

    before = counts(Client())
    catalog.withdraw_measure(published, actor=personas.alice)
    detail = Client().get("/en/resolutions/pp/174/").content.decode()

    assert before == ("1", "0", "3")
    assert counts(Client()) == ("0", "0", "4") and counts(client(personas, "bob")) == ("0", "0", "4")
    assert counts(client(personas, "alice")) == ("1", "0", "3")
    assert "status-delivered" not in detail and "1 activity" not in detail
    assert "0 delivered, 0 in progress, 4 with no activity yet" in detail


@pytest.mark.django_db
def test_a_deleted_measure_takes_its_activity_with_it(published, personas):
    Measure.objects.filter(pk=published.pk).delete()

    assert not on_the_page(Client()) and not on_the_page(client(personas, "alice"))


@pytest.mark.django_db
def test_an_activity_the_secretariat_recorded_itself_keeps_its_own_marking(published, personas):
    services.create_activity(
        actor=personas.curator,
        clauses=list(Activity.objects.get().clauses.all()),
        kind="meeting",
        title="Regional dialogue on SIM-box fraud",
        tlp="clear",
    )

    assert "Regional dialogue on SIM-box fraud" in Client().get("/en/resolutions/activities/").content.decode()
