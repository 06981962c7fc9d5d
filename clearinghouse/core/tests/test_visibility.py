"""The TLP 2.0 rule (DOMAIN.md, "Sharing markings"), for every persona, marking and state."""

from __future__ import annotations

import pytest

from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import MemberState, Organization
from tests.testapp.models import Note

PUBLISHED = Lifecycle.PUBLISHED


def note(
    title: str,
    tlp: str,
    owner_state: str | None = "KE",
    owner_org: str | None = None,
    lifecycle: str = PUBLISHED,
) -> Note:
    return Note.objects.create(
        title=title,
        tlp=tlp,
        lifecycle=lifecycle,
        owner_state=MemberState.objects.get(alpha2=owner_state) if owner_state else None,
        owner_organization=Organization.objects.get(slug=owner_org) if owner_org else None,
    )


def titles(user) -> set[str]:
    return set(Note.objects.visible_to(user).values_list("title", flat=True))


# For a published record owned by Kenya (alice's state), who sees it.
PUBLISHED_MATRIX = {
    TLP.CLEAR: {"reader", "alice", "bob", "carol", "curator", "admin"},
    TLP.GREEN: {"alice", "bob", "carol", "curator", "admin"},
    TLP.AMBER: {"alice", "curator", "admin"},
    TLP.AMBER_STRICT: {"alice", "curator", "admin"},
    TLP.RED: set(),
}


@pytest.mark.parametrize("tlp", list(PUBLISHED_MATRIX))
def test_a_published_record_is_seen_by_exactly_the_personas_its_marking_allows(personas, tlp):
    note("kenyan", tlp)
    seen_by = {name for name, user in personas.all().items() if "kenyan" in titles(user)}
    assert seen_by == PUBLISHED_MATRIX[tlp]


def test_amber_reaches_the_states_and_organizations_the_owner_names_but_strict_does_not(personas):
    amber = note("amber", TLP.AMBER)
    strict = note("strict", TLP.AMBER_STRICT)
    for record in (amber, strict):
        record.shared_with_states.add(MemberState.objects.get(alpha2="NG"))
        record.shared_with_organizations.add(Organization.objects.get(slug="gsma"))
    assert titles(personas.bob) == {"amber"}
    assert titles(personas.carol) == {"amber"}


def test_red_is_seen_only_by_the_people_named_whatever_their_role(personas):
    red = note("red", TLP.RED)
    red.shared_with_users.add(personas.alice, personas.bob)
    assert "red" in titles(personas.alice)
    assert "red" in titles(personas.bob)
    assert "red" not in titles(personas.curator)
    assert "red" not in titles(personas.admin)
    assert not Note.objects.exportable().filter(pk=red.pk).exists()


@pytest.mark.parametrize(
    ("lifecycle", "seen_by"),
    [
        (Lifecycle.DRAFT, {"alice"}),
        (Lifecycle.SUBMITTED, {"alice", "curator"}),
        (Lifecycle.IN_REVIEW, {"alice", "curator"}),
        (Lifecycle.PUBLISHED, {"alice", "bob", "curator"}),
        (Lifecycle.WITHDRAWN, {"alice"}),
    ],
)
def test_red_reaches_named_people_outside_the_owner_only_once_published(personas, lifecycle, seen_by):
    """DOMAIN.md: a TLP:RED draft or withdrawn record is for the named members of its owner; while it is
    reviewed, also for the curators the owner named; once published, for every named individual."""
    red = note("red", TLP.RED, lifecycle=lifecycle)
    red.shared_with_users.add(personas.alice, personas.bob, personas.curator)
    assert {name for name, user in personas.all().items() if "red" in titles(user)} == seen_by


@pytest.mark.parametrize("lifecycle", [Lifecycle.DRAFT])
def test_a_draft_is_private_to_the_members_of_its_owner(personas, lifecycle):
    note("draft", TLP.CLEAR, lifecycle=lifecycle)
    seen_by = {name for name, user in personas.all().items() if "draft" in titles(user)}
    assert seen_by == {"alice"}


@pytest.mark.parametrize("lifecycle", [Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW, Lifecycle.WITHDRAWN])
def test_submitted_in_review_and_withdrawn_records_are_seen_by_owner_members_and_curators(personas, lifecycle):
    note("record", TLP.CLEAR, lifecycle=lifecycle)
    seen_by = {name for name, user in personas.all().items() if "record" in titles(user)}
    assert seen_by == {"alice", "curator", "admin"}


def test_an_organization_owned_record_is_shared_among_its_members(personas):
    note("gsma amber", TLP.AMBER_STRICT, owner_state=None, owner_org="gsma")
    note("gsma draft", TLP.CLEAR, owner_state=None, owner_org="gsma", lifecycle=Lifecycle.DRAFT)
    assert titles(personas.carol) == {"gsma amber", "gsma draft"}
    assert titles(personas.alice) == set()


def test_a_disabled_account_sees_what_the_public_sees(personas):
    note("clear", TLP.CLEAR)
    note("green", TLP.GREEN)
    personas.alice.is_active = False
    personas.alice.save()
    assert titles(personas.alice) == {"clear"}


def test_the_rule_answers_the_same_for_one_record_as_for_a_list(personas):
    record = note("amber", TLP.AMBER)
    assert record.is_visible_to(personas.alice)
    assert not record.is_visible_to(personas.bob)
    assert not record.is_visible_to(personas.reader)


def test_a_record_has_exactly_one_owner(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        note("two owners", TLP.CLEAR, owner_state="KE", owner_org="gsma")
    with pytest.raises(IntegrityError), transaction.atomic():
        note("no owner", TLP.CLEAR, owner_state=None)
