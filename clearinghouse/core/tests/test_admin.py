"""The Secretariat corrects reference data in the admin; every correction is audited."""

from __future__ import annotations

from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.countries.models import DevelopmentGroup, MemberState


def test_a_curator_s_correction_in_the_admin_is_audited_with_the_old_and_new_value(personas):
    group = DevelopmentGroup.objects.get(code="ldc")
    members = list(group.members.values_list("pk", flat=True))
    bangladesh = MemberState.objects.get(alpha2="BD")
    remaining = [pk for pk in members if pk != bangladesh.pk]
    response = client_for(personas.curator).post(
        f"/en/admin/countries/developmentgroup/{group.pk}/change/",
        {
            "code": "ldc",
            "as_of": "2026-11-24",
            "source": group.source,
            "source_url": group.source_url,
            "note": "Bangladesh graduated on 24 November 2026.",
            "members": remaining,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="developmentgroup.updated.admin")
    assert event.actor == personas.curator
    assert event.changes["as_of"][1] == "2026-11-24"
    assert str(bangladesh) in event.changes["members"][0] and str(bangladesh) not in event.changes["members"][1]


def test_focal_points_and_contributors_do_not_reach_the_admin(personas):
    for persona in (personas.alice, personas.carol):
        response = client_for(persona).get("/en/admin/countries/memberstate/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_nobody_edits_the_audit_log(personas):
    event = AuditEvent.objects.first()
    client = client_for(personas.admin)
    assert client.get("/en/admin/core/auditevent/").status_code == 200
    assert client.post(f"/en/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
