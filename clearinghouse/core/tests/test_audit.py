"""Every service writes who did what, when, and the change."""

from __future__ import annotations

from clearinghouse.accounts.services import create_api_token, revoke_api_token
from clearinghouse.core.models import AuditEvent
from clearinghouse.countries.models import MemberState
from clearinghouse.countries.services import update_member_state_profile


def test_a_profile_update_records_the_actor_and_the_old_and_new_values(personas):
    kenya = MemberState.objects.get(alpha2="KE")
    update_member_state_profile(kenya, actor=personas.alice, cirt_name="KE-CIRT/CC")
    event = AuditEvent.objects.filter(action="memberstate.profile_updated").get()
    assert event.actor == personas.alice
    assert event.object_id == str(kenya.pk)
    assert event.changes == {"cirt_name": ["", "KE-CIRT/CC"]}


def test_saving_the_same_values_again_records_nothing(personas):
    kenya = MemberState.objects.get(alpha2="KE")
    update_member_state_profile(kenya, actor=personas.alice, cirt_name="KE-CIRT/CC")
    update_member_state_profile(kenya, actor=personas.alice, cirt_name="KE-CIRT/CC")
    assert AuditEvent.objects.filter(action="memberstate.profile_updated").count() == 1


def test_token_creation_and_revocation_are_audited_without_the_secret(personas):
    token, key = create_api_token(actor=personas.alice, name="nightly export")
    revoke_api_token(token, actor=personas.alice)
    actions = list(AuditEvent.objects.filter(actor=personas.alice).values_list("action", flat=True))
    assert "apitoken.created" in actions and "apitoken.revoked" in actions
    assert not AuditEvent.objects.filter(changes__icontains=key).exists()
    assert key not in str(list(AuditEvent.objects.values_list("changes", "object_repr")))


def test_opening_an_account_is_audited(personas):
    assert AuditEvent.objects.filter(action="user.created", object_repr="alice").exists()
