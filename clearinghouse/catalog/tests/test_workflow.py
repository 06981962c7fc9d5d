"""draft → submitted → in review → published → withdrawn, and who may do each step."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clearinghouse.catalog import services
from clearinghouse.catalog.models import Measure, MeasureVersion
from clearinghouse.catalog.tests.factories import measure
from clearinghouse.core.models import AuditEvent
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.mandates.models import Activity


def test_a_focal_point_drafts_for_their_own_state(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    assert draft.owner_state.alpha2 == "KE" and draft.lifecycle == Lifecycle.DRAFT
    assert draft.created_by == personas.alice
    assert AuditEvent.objects.filter(action="measure.created", object_id=str(draft.pk)).exists()


def test_only_members_of_the_owner_edit_a_draft(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    for outsider in (personas.bob, personas.carol, personas.curator, personas.admin):
        with pytest.raises(PermissionDenied):
            services.update_measure(draft, actor=outsider, expected_version=draft.version, title="Hijacked")
    assert Measure.objects.get(pk=draft.pk).title == "Central equipment identity register"
    services.update_measure(draft, actor=personas.alice, expected_version=draft.version, title="CEIR")
    assert Measure.objects.get(pk=draft.pk).title == "CEIR"


def test_a_submitted_measure_is_no_longer_editable(personas):
    submitted = measure(personas, state=Lifecycle.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.update_measure(submitted, actor=personas.alice, expected_version=submitted.version, title="x")


def test_only_members_of_the_owner_submit(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    for outsider in (personas.bob, personas.carol, personas.curator):
        with pytest.raises(PermissionDenied):
            services.submit_measure(draft, actor=outsider)
    assert services.submit_measure(draft, actor=personas.alice).lifecycle == Lifecycle.SUBMITTED


def test_only_curators_publish_and_publishing_records_dissemination(personas):
    submitted = measure(personas, state=Lifecycle.SUBMITTED)
    for member in (personas.alice, personas.bob, personas.carol):
        with pytest.raises(PermissionDenied):
            services.publish_measure(submitted, actor=member)
    published = services.publish_measure(submitted, actor=personas.curator)
    assert published.lifecycle == Lifecycle.PUBLISHED and published.published_at is not None
    activity = Activity.objects.get(source_type="catalog.measure", source_id=str(published.pk))
    assert activity.kind == "dissemination" and activity.recorded_by == personas.curator


def test_a_draft_cannot_be_published_directly(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    with pytest.raises(ValidationError, match="cannot become"):
        services.publish_measure(draft, actor=personas.curator)
    assert not Activity.objects.exists()


def test_a_curator_sends_back_with_a_comment_the_owner_reads(personas):
    submitted = measure(personas, state=Lifecycle.IN_REVIEW)
    with pytest.raises(ValidationError):
        services.send_back_measure(submitted, actor=personas.curator, comment="  ")
    returned = services.send_back_measure(submitted, actor=personas.curator, comment="Give the source of the figures.")
    assert returned.lifecycle == Lifecycle.DRAFT
    assert returned.review_comments.get().text == "Give the source of the figures."
    with pytest.raises(PermissionDenied):
        services.send_back_measure(returned, actor=personas.alice, comment="x")


def test_the_owner_or_a_curator_withdraws_a_published_measure(personas):
    published = measure(personas)
    with pytest.raises(PermissionDenied):
        services.withdraw_measure(published, actor=personas.bob)
    withdrawn = services.withdraw_measure(published, actor=personas.alice, comment="Replaced by the 2026 law.")
    assert withdrawn.lifecycle == Lifecycle.WITHDRAWN


def test_every_change_is_a_version_with_its_snapshot(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    services.update_measure(draft, actor=personas.alice, expected_version=1, summary="Stolen phones are blocked.")
    services.submit_measure(draft, actor=personas.alice)
    versions = list(MeasureVersion.objects.filter(measure=draft).order_by("number"))
    assert [(v.number, v.action) for v in versions] == [(1, "created"), (2, "edited"), (3, "submitted")]
    assert versions[0].snapshot["summary"] == "Stolen handsets are blocked."
    assert versions[1].snapshot["summary"] == "Stolen phones are blocked."


def test_an_edit_of_a_record_changed_meanwhile_is_refused_not_overwritten(personas):
    draft = measure(personas, state=Lifecycle.DRAFT)
    services.update_measure(draft, actor=personas.alice, expected_version=1, title="First edit")
    with pytest.raises(services.EditConflict):
        services.update_measure(draft, actor=personas.alice, expected_version=1, title="Stale edit")
    assert Measure.objects.get(pk=draft.pk).title == "First edit"


def test_a_contributor_drafts_for_their_organization(personas):
    draft = measure(personas, by=personas.carol, state=Lifecycle.DRAFT)
    assert draft.owner_organization.slug == "gsma"
    with pytest.raises(PermissionDenied):
        services.submit_measure(draft, actor=personas.alice)


def test_curators_and_administrators_without_membership_of_a_state_cannot_draft(db):
    from clearinghouse.accounts.services import create_account
    from clearinghouse.catalog.models import Pillar

    lone = create_account(actor=None, username="lone", email="l@example.org", role="curator")
    with pytest.raises(PermissionDenied):
        services.create_measure(actor=lone, title="x", summary="y", pillar=Pillar.objects.first())


def test_bad_values_are_refused_and_nothing_is_stored(personas):
    from clearinghouse.catalog.models import Pillar

    before = Measure.objects.count()
    with pytest.raises(ValidationError):
        services.create_measure(actor=personas.alice, title="", summary="y", pillar=Pillar.objects.first())
    with pytest.raises(ValidationError):
        services.create_measure(
            actor=personas.alice, title="x", summary="y", pillar=Pillar.objects.first(), since_year=1066
        )
    assert Measure.objects.count() == before


def test_a_curator_who_sends_a_measure_back_lands_on_the_review_queue_with_the_confirmation(personas):
    from clearinghouse.core.testing import client_for

    submitted = measure(personas, state=Lifecycle.IN_REVIEW)
    client = client_for(personas.curator)
    response = client.post(
        f"/en/catalogue/measures/{submitted.pk}/send_back/", {"comment": "Give the source of the figures."}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/en/catalogue/review/"
    assert "Sent back to its owner with your comment." in response.content.decode()
    assert Measure.objects.get(pk=submitted.pk).lifecycle == Lifecycle.DRAFT
