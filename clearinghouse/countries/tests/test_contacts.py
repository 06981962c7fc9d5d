"""The points-of-contact directory (issue 14, item 3): named people per state and organization, seen through the
one access rule, kept by the owner's members, never shown to a reader who is not signed in."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clearinghouse.core.models import AuditEvent
from clearinghouse.core.testing import client_for
from clearinghouse.core.visibility import TLP
from clearinghouse.countries import services
from clearinghouse.countries.models import Contact, ContactFunction, MemberState, Organization

pytestmark = pytest.mark.django_db

FORM = {
    "function": "cirt",
    "name": "Wanjiru Kamau",
    "position": "Head of incident response",
    "email": "w.kamau@ke-cirt.example",
    "phone": "+254 20 000 0000",
    "time_zone": "Africa/Nairobi",
    "tlp": "green",
    "languages": ["en", "fr"],
    "other_languages": "sw",
}


def kenya() -> MemberState:
    return MemberState.objects.get(alpha2="KE")


def add(personas, *, tlp: str = TLP.GREEN, name: str = "Achieng Otieno", **values) -> Contact:
    fields = {"function": ContactFunction.POLICY, "email": "a.otieno@ca.example", "time_zone": "Africa/Nairobi"}
    return services.add_contact(kenya(), actor=personas.alice, name=name, tlp=tlp, **{**fields, **values})


def test_a_focal_point_adds_a_contact_that_signed_in_members_see_and_the_public_never_does(personas):
    response = client_for(personas.alice).post("/en/member-states/KE/contacts/new/", FORM)

    assert response.status_code == 302
    contact = Contact.objects.get(name="Wanjiru Kamau")
    assert (contact.owner_state, contact.languages, contact.tlp) == (kenya(), ["en", "fr", "sw"], TLP.GREEN)
    assert AuditEvent.objects.filter(action="contact.added", object_id=str(contact.pk), actor=personas.alice).exists()
    for member in (personas.alice, personas.bob, personas.carol, personas.curator):
        page = client_for(member).get("/en/member-states/KE/").content.decode()
        assert "Wanjiru Kamau" in page and "w.kamau@ke-cirt.example" in page
        assert "Wanjiru Kamau" in client_for(member).get("/en/directory/").content.decode()
    public = client_for(None)
    assert "Wanjiru Kamau" not in public.get("/en/member-states/KE/").content.decode()
    assert public.get("/en/directory/").status_code == 302  # to sign in
    assert public.get("/api/v1/contacts/").status_code in (401, 403)


def test_a_contact_who_asks_is_seen_by_the_owner_s_members_and_the_curators_alone(personas):
    private = add(personas, tlp=TLP.AMBER_STRICT, name="Private Person")

    for member in (personas.alice, personas.curator, personas.admin):
        assert "Private Person" in client_for(member).get("/en/member-states/KE/").content.decode()
        assert client_for(member).get(f"/api/v1/contacts/{private.pk}/").status_code == 200
    for outsider in (personas.bob, personas.carol):
        client = client_for(outsider)
        assert "Private Person" not in client.get("/en/member-states/KE/").content.decode()
        assert "Private Person" not in client.get("/en/directory/?q=Private").content.decode()
        assert "Private Person" not in client.get("/api/v1/contacts/").content.decode()
        assert client.get(f"/api/v1/contacts/{private.pk}/").status_code == 404
        assert client.get(f"/en/directory/{private.pk}/edit/").status_code == 404  # its existence is not told


def test_only_the_owner_s_members_and_the_curators_keep_its_contacts(personas):
    contact = add(personas)
    bob, carol = client_for(personas.bob), client_for(personas.carol)

    assert bob.get("/en/member-states/KE/contacts/new/").status_code == 403
    assert bob.post("/en/member-states/KE/contacts/new/", FORM).status_code == 403
    assert bob.get(f"/en/directory/{contact.pk}/edit/").status_code == 403
    assert bob.post(f"/en/directory/{contact.pk}/remove/").status_code == 403
    assert (
        carol.patch(f"/api/v1/contacts/{contact.pk}/", {"name": "Changed"}, content_type="application/json").status_code
        == 403
    )
    assert carol.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 403
    assert (
        bob.post(
            "/api/v1/contacts/", {**FORM, "member_state": "KE", "languages": ["en"]}, content_type="application/json"
        ).status_code
        == 403
    )
    assert "Add a point of contact" not in bob.get("/en/member-states/KE/").content.decode()
    contact.refresh_from_db()
    assert contact.name == "Achieng Otieno" and Contact.objects.count() == 1

    # the Secretariat corrects any; the owner's focal point removes
    curator = client_for(personas.curator)
    edited = curator.post(f"/en/directory/{contact.pk}/edit/", {**FORM, "name": "Achieng Otieno-Mwangi"})
    assert edited.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Achieng Otieno-Mwangi"
    assert AuditEvent.objects.get(action="contact.updated").changes["name"] == [
        "Achieng Otieno",
        "Achieng Otieno-Mwangi",
    ]
    assert client_for(personas.alice).post(f"/en/directory/{contact.pk}/remove/").status_code == 302
    assert not Contact.objects.exists()
    assert AuditEvent.objects.filter(action="contact.removed", actor=personas.alice).exists()


def test_an_organization_s_members_keep_its_contacts(personas):
    gsma = Organization.objects.get(slug="gsma")
    response = client_for(personas.carol).post("/en/organizations/gsma/contacts/new/", {**FORM, "function": "policy"})
    assert response.status_code == 302
    assert Contact.objects.get().owner_organization == gsma
    assert client_for(personas.alice).get("/en/organizations/gsma/contacts/new/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.add_contact(
            gsma, actor=personas.bob, function="policy", name="X", email="x@example.org", time_zone="UTC"
        )


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("time_zone", "Nairobi", "Nairobi is not a time zone"),
        ("other_languages", "xx-not-a-language", "Unknown language codes: xx-not-a-language"),
        ("email", "not-an-address", "Enter a valid email address"),
        ("tlp", "clear", "Select a valid choice"),
        ("function", "spy", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_what_is_wrong_and_nothing_saved(personas, field, value, problem):
    response = client_for(personas.alice).post("/en/member-states/KE/contacts/new/", {**FORM, field: value})

    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not Contact.objects.exists()
    assert not AuditEvent.objects.filter(action="contact.added").exists()


def test_the_services_refuse_a_marking_other_than_green_or_amber_strict(personas):
    with pytest.raises(ValidationError, match="TLP:GREEN or TLP:AMBER"):
        add(personas, tlp=TLP.CLEAR)
    with pytest.raises(ValidationError):
        add(personas, tlp=TLP.RED)
    assert not Contact.objects.exists()


def test_the_api_adds_changes_and_removes_with_the_same_rules(personas):
    alice = client_for(personas.alice)
    created = alice.post(
        "/api/v1/contacts/",
        {**{k: v for k, v in FORM.items() if k != "other_languages"}, "member_state": "KE", "languages": ["en", "sw"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["member_state"] == "KE" and created.json()["organization"] is None

    both = alice.post(
        "/api/v1/contacts/", {**FORM, "member_state": "KE", "organization": "gsma"}, content_type="application/json"
    )
    assert both.status_code == 400 and "either member_state or organization" in both.content.decode()
    moved = alice.patch(f"/api/v1/contacts/{pk}/", {"member_state": "NG"}, content_type="application/json")
    assert moved.status_code == 400 and "cannot change" in moved.content.decode()
    zone = alice.patch(f"/api/v1/contacts/{pk}/", {"time_zone": "Mars/Olympus"}, content_type="application/json")
    assert zone.status_code == 400 and "Mars/Olympus is not a time zone" in zone.content.decode()
    assert Contact.objects.get(pk=pk).time_zone == "Africa/Nairobi"

    assert (
        alice.patch(f"/api/v1/contacts/{pk}/", {"tlp": "amber+strict"}, content_type="application/json").json()["tlp"]
        == "amber+strict"
    )
    assert client_for(personas.bob).get("/api/v1/contacts/").json()["count"] == 0
    assert alice.delete(f"/api/v1/contacts/{pk}/").status_code == 204
    assert not Contact.objects.exists()


def test_the_directory_filters_by_function_region_language_and_state(personas):
    add(personas, name="Policy Person", languages=["en", "sw"])
    add(personas, name="Regulator Person", function=ContactFunction.REGULATOR, languages=["fr"])
    services.add_contact(
        MemberState.objects.get(alpha2="NG"),
        actor=personas.bob,
        function=ContactFunction.POLICY,
        name="Nigerian Person",
        email="n@example.org",
        time_zone="Africa/Lagos",
        languages=["en"],
    )
    bob = client_for(personas.bob)

    def names(query: str) -> set[str]:
        page = bob.get(f"/en/directory/?{query}").content.decode()
        return {name for name in ("Policy Person", "Regulator Person", "Nigerian Person") if name in page}

    assert names("") == {"Policy Person", "Regulator Person", "Nigerian Person"}
    assert names("function=regulator") == {"Regulator Person"}
    assert names("language=fr") == {"Regulator Person"}
    assert names("state=ng") == {"Nigerian Person"}
    assert names("region=africa") == {"Policy Person", "Regulator Person", "Nigerian Person"}
    assert bob.get("/en/directory/?function=spy").status_code == 400


def test_languages_are_named_in_the_reader_s_language_and_joined_as_it_joins_lists(personas):
    add(personas, name="Polyglot", languages=["en", "fr", "sw"])

    arabic = client_for(personas.bob).get("/ar/directory/").content.decode()

    assert "الإنجليزية" in arabic and "الفرنسية" in arabic and "، " in arabic


def test_a_state_s_page_links_its_members_page_for_those_who_may_see_it(personas):
    link = 'href="/en/member-states/KE/members/"'
    assert link in client_for(personas.alice).get("/en/member-states/KE/").content.decode()
    assert link in client_for(personas.curator).get("/en/member-states/KE/").content.decode()
    assert link not in client_for(personas.bob).get("/en/member-states/KE/").content.decode()
    assert link not in client_for(None).get("/en/member-states/KE/").content.decode()
    gsma = 'href="/en/organizations/gsma/members/"'
    assert gsma in client_for(personas.carol).get("/en/organizations/gsma/").content.decode()
    assert gsma not in client_for(personas.alice).get("/en/organizations/gsma/").content.decode()


def test_the_language_boxes_name_each_language_in_itself_marked_with_its_language(personas):
    page = client_for(personas.alice).get("/fr/member-states/KE/contacts/new/").content.decode()

    assert '<span lang="ar" dir="rtl">العربيّة</span>' in page
    assert '<span lang="zh-Hans">简体中文</span>' in page


def test_the_remove_form_on_a_state_s_page_carries_this_session_s_csrf_token(personas):
    """A state's page keeps its body for its reader until a record changes (``member_state_detail``), but not the
    contacts' forms: a focal point who signs in again removes a contact with the token of the page shown to them."""
    import re

    contact = add(personas)
    for _session in range(2):
        client = client_for(personas.alice)
        client.handler.enforce_csrf_checks = True
        page = client.get("/en/member-states/KE/").content.decode()
    remove = f'action="/en/directory/{contact.pk}/remove/"'
    token = re.search(remove + r'[^>]*><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "the page has no form to remove a contact"
    removed = client.post(f"/en/directory/{contact.pk}/remove/", {"csrfmiddlewaretoken": token.group(1)})
    assert removed.status_code == 302 and not Contact.objects.exists()
