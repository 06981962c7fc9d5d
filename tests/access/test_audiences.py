"""The search index's audience terms say what the access rule says, for random records and viewers.

The index cannot run the rule's SQL: each record is filed under the audiences that may see it
(``record_audiences``) and each viewer holds theirs (``viewer_audiences``). For every record and every
viewer below, the two sets meet exactly when ``visible_to`` lets the viewer see the record.
"""

from __future__ import annotations

import random

import pytest

from clearinghouse.accounts.models import User
from clearinghouse.catalog.models import Measure, Pillar
from clearinghouse.core.visibility import (
    TLP,
    Lifecycle,
    Sharing,
    Viewer,
    record_audiences,
    viewer_audiences,
)
from clearinghouse.countries.models import MemberState, Organization

SEEDS = range(6)
RECORDS_PER_SEED = 60


def _sharing(measure: Measure) -> Sharing:
    return Sharing(
        tlp=measure.tlp,
        lifecycle=measure.lifecycle,
        owner_state_id=measure.owner_state_id,
        owner_organization_id=measure.owner_organization_id,
        shared_with_states=frozenset(s.pk for s in measure.shared_with_states.all()),
        shared_with_organizations=frozenset(o.pk for o in measure.shared_with_organizations.all()),
        shared_with_users=frozenset(u.pk for u in measure.shared_with_users.all()),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS)
def test_audience_terms_let_a_viewer_see_exactly_what_the_rule_lets_them_see(seed):
    chance = random.Random(seed)
    states = list(MemberState.objects.order_by("pk")[:4])
    organizations = list(Organization.objects.order_by("pk")[:3])
    users = [User.objects.create(username=f"u{seed}-{n}") for n in range(6)]
    pillar = Pillar.objects.get(slug="technical")
    for n in range(RECORDS_PER_SEED):
        owned_by_state = chance.random() < 0.6
        made = Measure.objects.create(
            title=f"record {n}",
            summary="—",
            pillar=pillar,
            tlp=chance.choice(list(TLP)),
            lifecycle=chance.choice(list(Lifecycle)),
            owner_state=chance.choice(states) if owned_by_state else None,
            owner_organization=None if owned_by_state else chance.choice(organizations),
        )
        made.shared_with_states.set(chance.sample(states, chance.randint(0, 2)))
        made.shared_with_organizations.set(chance.sample(organizations, chance.randint(0, 2)))
        made.shared_with_users.set(chance.sample(users, chance.randint(0, 3)))
    viewers = [Viewer(None, None, None, False)]
    for user in users:
        for state in [None, *states[:2]]:
            for organization in [None, organizations[0]]:
                for curator in (False, True):
                    viewers.append(
                        Viewer(user.pk, state.pk if state else None, organization.pk if organization else None, curator)
                    )
    viewers.append(Viewer.audience(member_state_id=states[0].pk))
    records = {
        m.pk: record_audiences(_sharing(m))
        for m in Measure.objects.prefetch_related(
            "shared_with_states", "shared_with_organizations", "shared_with_users"
        )
    }

    for viewer in viewers:
        by_rule = set(Measure.objects.visible_to(viewer).values_list("pk", flat=True))
        holds = viewer_audiences(viewer)
        by_terms = {pk for pk, audiences in records.items() if audiences & holds}
        assert by_terms == by_rule, f"viewer {viewer}: extra {by_terms - by_rule}, missing {by_rule - by_terms}"


def test_an_anonymous_reader_belongs_to_no_audience_but_anyone():
    assert viewer_audiences(None) == {"anyone"}


def test_a_red_record_is_filed_under_no_group_audience():
    red = Sharing(TLP.RED, Lifecycle.PUBLISHED, 1, None, frozenset({2}), frozenset({3}), frozenset({7}))
    assert record_audiences(red) == {"user:7"}
