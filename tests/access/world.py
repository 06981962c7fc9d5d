"""The world the access matrix is checked in: personas with stated relations, and a record at every marking
and every workflow stage, each with an attachment, a translation, a history and (once published) an activity;
requests and offers for assistance at every marking and step, each with a French translation.

Every text of a record carries its code (``qz`` and three digits), so that any channel's answer can be read
for the records it reveals: a code in a page, a CSV row, a STIX object or a report is that record, seen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from clearinghouse.accounts.models import Position, Role, User
from clearinghouse.accounts.services import create_account, create_api_token
from clearinghouse.catalog import services
from clearinghouse.catalog.models import Pillar, Technology, Threat, TranslationQuality
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import MemberState, Organization
from clearinghouse.countries.services import add_contact
from clearinghouse.mandates.services import load_summary
from tests.access.rule import Person, Record, column_of_step

PASSWORD = "correct horse battery staple"  # noqa: S105 (test personas only)
CODE = re.compile(r"(?<![A-Za-z0-9])qz\d{3}(?![A-Za-z0-9])")  # not inside a random token (CSRF, say)
WORD = "matrixprobe"  # in every record's texts, so that one search finds them all
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64

#: The personas of issue 11, item 10, each with the relations the rule reads.
PERSONAS = (
    Person("reader", signed_in=False),
    Person("bob", state="NG", lead=True),  # a member (the lead) of another state, named nowhere
    Person("alice", state="KE", lead=True),  # focal point (lead) of the owning state, author of its records, on RED
    Person("kofi", state="KE"),  # a member of the owning state (not a lead) not named on its RED records
    Person("grace", state="GH"),  # a focal point of a state the owner names on AMBER
    Person("carol", organization="gsma"),  # a contributor of an organization the owner names on AMBER
    Person("oscar", organization="interpol", lead=True),  # the lead of the owning organization (INTERPOL's records)
    Person("olga", organization="first"),  # a contributor of another organization
    Person("nadia", state="BR"),  # named on every RED record, belongs elsewhere
    Person("curator", organization="itu", curator=True),  # a curator named on RED
    Person("cyrus", organization="itu", curator=True),  # a curator not named
    Person("admin", organization="itu", curator=True, administrator=True),  # an administrator, named nowhere
)
ROLES = {"curator": Role.CURATOR, "cyrus": Role.CURATOR, "admin": Role.ADMINISTRATOR}
NAMED_ON_RED = ("nadia", "curator")

MARKINGS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)
STAGES = (Lifecycle.DRAFT, Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN)


@dataclass
class World:
    people: dict[str, Person]
    users: dict[str, Any]
    tokens: dict[str, str]
    measures: list[Record] = field(default_factory=list)
    technologies: list[Record] = field(default_factory=list)
    contacts: list[Record] = field(default_factory=list)
    requests: list[Record] = field(default_factory=list)
    offers: list[Record] = field(default_factory=list)
    technology_slug: str = ""
    _clients: dict[str, Client] = field(default_factory=dict)

    def client(self, name: str) -> Client:
        """A browser signed in as this persona (past two-factor where the role needs it)."""
        if name not in self._clients:
            client = Client()
            user = self.users[name]
            if user is not None:
                client.force_login(user)
                device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
                if device is not None:
                    session = client.session
                    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
                    session.save()
            self._clients[name] = client
        return self._clients[name]

    def api(self, name: str) -> Client:
        """An API client sending this persona's token (none for the public reader)."""
        key = self.tokens.get(name)
        return Client(headers={"Authorization": f"Token {key}"}) if key else Client()

    def record(self, code: str) -> Record:
        return next(r for r in (*self.measures, *self.technologies, *self.requests, *self.offers) if r.code == code)


def codes_in(text: str) -> set[str]:
    return set(CODE.findall(text))


def _people() -> tuple[dict[str, Any], dict[str, str]]:
    users: dict[str, Any] = {"reader": None}
    tokens: dict[str, str] = {}
    for person in PERSONAS:
        if not person.signed_in:
            continue
        membership: dict[str, Any] = {}
        if person.state:
            membership["member_state"] = MemberState.objects.get(alpha2=person.state)
        if person.organization:
            membership["organization"] = Organization.objects.get(slug=person.organization)
        default = Role.FOCAL_POINT if person.state else Role.CONTRIBUTOR
        user = create_account(
            actor=None,
            username=f"mx-{person.name}",
            email=f"mx-{person.name}@example.org",
            role=ROLES.get(person.name, default),
            password=PASSWORD,
            position=Position.LEAD if person.lead else Position.MEMBER,
            **membership,
        )
        if user.needs_two_factor:
            TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        users[person.name] = user
        tokens[person.name] = create_api_token(actor=user, name="matrix")[1]
    return users, tokens


def _measure(
    users: dict[str, Any], code: str, *, author: str, tlp: str, lifecycle: str, technology: Technology
) -> Record:
    user: User = users[author]
    made = services.create_measure(
        actor=user,
        title=f"Measure {code} {WORD}",
        summary=f"Summary of {code}: {WORD} against SIM-box fraud.",
        description=f"The body of {code} says how {WORD} works.",
        tlp=tlp,
        pillar=Pillar.objects.get(slug="technical"),
        threats=list(Threat.objects.filter(slug="device-theft")),
        technologies=[technology],
    )
    ghana, gsma = MemberState.objects.get(alpha2="GH"), Organization.objects.get(slug="gsma")
    made.shared_with_states.add(ghana)
    made.shared_with_organizations.add(gsma)
    named = {author}
    if tlp == TLP.RED:
        for name in NAMED_ON_RED:
            made.shared_with_users.add(users[name])
            named.add(name)
    attachment = services.attach_file(made, SimpleUploadedFile(f"{code}.png", PNG, "image/png"), actor=user)
    services.set_measure_translation(
        made,
        actor=user,
        language="fr",
        quality=TranslationQuality.REVIEWED,
        title=f"Mesure {code} {WORD}",
        summary=f"Résumé de {code} : {WORD}.",
        description=f"Le texte de {code}.",
    )
    curator = users["curator"]
    if lifecycle != Lifecycle.DRAFT:
        made = services.submit_measure(made, actor=user)
    if lifecycle in (Lifecycle.IN_REVIEW, Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN):
        made = services.start_review(made, actor=curator)
    if lifecycle in (Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN):
        made = services.publish_measure(made, actor=curator)
    if lifecycle == Lifecycle.WITHDRAWN:
        made = services.withdraw_measure(made, actor=curator)
    return Record(
        code=code,
        tlp=tlp,
        lifecycle=lifecycle,
        owner_state=made.owner_state.alpha2 if made.owner_state else None,
        owner_organization=made.owner_organization.slug if made.owner_organization else None,
        named=frozenset(named if tlp == TLP.RED else ()),
        shared_states=frozenset({"GH"}),
        shared_organizations=frozenset({"gsma"}),
        pk=made.pk,
        attachment_pk=attachment.pk,
        ever_published=lifecycle in (Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN),
    )


def _technology(code: str, *, tlp: str, lifecycle: str) -> tuple[Record, Technology]:
    itu = Organization.objects.get(slug="itu")
    made = services.create_technology(
        actor=None,
        owner={"owner_organization_id": itu.pk},
        name=f"Technology {code} {WORD}",
        slug=code,
        description=f"What {code} does.",
        tlp=tlp,
        lifecycle=lifecycle,
    )
    record = Record(
        code=code, tlp=tlp, lifecycle=lifecycle, owner_organization="itu", pk=made.pk, extra={"slug": made.slug}
    )
    return record, made


def _resolution_174() -> None:
    """Resolution 174 as the platform ships it, so that publishing a measure records an activity under its
    clauses and the implementation report has a resolution to report on."""
    import clearinghouse.mandates

    summary = Path(clearinghouse.mandates.__file__).resolve().parent / "data" / "res174_summary.json"
    load_summary(json.loads(summary.read_text(encoding="utf-8")))


def _contact(users: dict[str, Any], code: str, *, author: str, tlp: str) -> Record:
    """A point of contact of the author's state or organization (issue 14): never on a public channel, never
    exported; its code is in its name, position and address, as a measure's is in its texts."""
    user: User = users[author]
    owner = user.member_state or user.organization
    made = add_contact(
        owner,
        actor=user,
        function="cirt",
        name=f"Contact {code} {WORD}",
        position=f"Position of {code}",
        email=f"{code}@example.org",
        time_zone="UTC",
        tlp=tlp,
    )
    return Record(
        code=code,
        tlp=tlp,
        lifecycle=Lifecycle.PUBLISHED,
        owner_state=user.member_state.alpha2 if user.member_state else None,
        owner_organization=user.organization.slug if user.organization else None,
        pk=made.pk,
    )


#: The steps a request of the world is taken to (``hidden``: opened, then hidden by a curator).
REQUEST_STEPS = ("draft", "open", "matched", "closed", "withdrawn", "hidden")
REQUEST_MARKINGS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)


def _sharing_record(made: Any, code: str, *, lifecycle: str, **extra: Any) -> Record:
    return Record(
        code=code,
        tlp=made.tlp,
        lifecycle=lifecycle,
        owner_state=made.owner_state.alpha2 if made.owner_state else None,
        owner_organization=made.owner_organization.slug if made.owner_organization else None,
        shared_states=frozenset({"GH"}),
        shared_organizations=frozenset({"gsma"}),
        pk=made.pk,
        extra=extra,
    )


def _offer(users: dict[str, Any], code: str, *, author: str, tlp: str, lifecycle: str) -> tuple[Record, Any]:
    """An offer of the author's state or organization (issue 15), its code in its title and description."""
    from clearinghouse.assistance import services as assistance

    user: User = users[author]
    owner = {"owner_state": user.member_state} if user.member_state else {"owner_organization": user.organization}
    made = assistance.create_offer(
        actor=user,
        owner=owner,
        publish=lifecycle != Lifecycle.DRAFT,
        title=f"Offer {code} {WORD}",
        description=f"What {code} gives.",
        language="en",
        kinds=["training"],
        languages=["en"],
        capacity=50,
        tlp=tlp,
        threats=list(Threat.objects.filter(slug="device-theft")),
        shared_with_states=[MemberState.objects.get(alpha2="GH")],
        shared_with_organizations=[Organization.objects.get(slug="gsma")],
    )
    assistance.set_offer_translation(
        made,
        actor=user,
        language="fr",
        quality=TranslationQuality.AUTHOR,
        title=f"Offre {code} {WORD}",
        description=f"Ce que {code} donne.",
    )
    if lifecycle == Lifecycle.WITHDRAWN:
        made = assistance.withdraw_offer(made, actor=user)
    return _sharing_record(made, code, lifecycle=lifecycle), made


def _request(users: dict[str, Any], code: str, *, tlp: str, step: str, carrier: Any, measure_pk: int) -> Record:
    """A request of Kenya (alice's) taken to ``step``; matched and closed ones with the carrier offer put forward
    (and, closed, chosen and delivered); each names a Kenyan AMBER+STRICT measure, which only Kenya's people and the
    curators may see on its page."""
    from clearinghouse.assistance import services as assistance
    from clearinghouse.catalog.models import Measure

    alice, curator = users["alice"], users["curator"]
    made = assistance.create_request(
        actor=alice,
        member_state=alice.member_state,
        title=f"Request {code} {WORD}",
        need=f"The need of {code}.",
        language="en",
        kinds=["training"],
        languages=["en"],
        modality="remote",
        tlp=tlp,
        threats=list(Threat.objects.filter(slug="device-theft")),
        measures=list(Measure.objects.filter(pk=measure_pk)),
        shared_with_states=[MemberState.objects.get(alpha2="GH")],
        shared_with_organizations=[Organization.objects.get(slug="gsma")],
    )
    assistance.set_request_translation(
        made,
        actor=alice,
        language="fr",
        quality=TranslationQuality.AUTHOR,
        title=f"Demande {code} {WORD}",
        need=f"Le besoin de {code}.",
    )
    if step != "draft":
        made = assistance.open_request(made, actor=alice)
    if step in ("matched", "closed"):
        assistance.propose(made, carrier, actor=curator)
    if step == "closed":
        assistance.choose(made, [carrier], actor=alice)
        assistance.start_delivery(made, actor=alice)
        assistance.record_delivery(made, actor=curator, offer=carrier, delivered=f"Delivered for {code}.")
        assistance.close_request(made, actor=alice, outcome=f"The outcome of {code}.")
    if step == "withdrawn":
        made = assistance.withdraw_request(made, actor=alice)
    if step == "hidden":
        made = assistance.hide_request(made, actor=curator, reason="Not a need.")
    made.refresh_from_db()
    return _sharing_record(made, code, lifecycle=column_of_step()[step], step=step)


def build() -> World:
    _resolution_174()
    users, tokens = _people()
    world = World(people={p.name: p for p in PERSONAS}, users=users, tokens=tokens)
    number = 100
    # technologies of the Secretariat at every marking, drafted and published
    for tlp in MARKINGS:
        for lifecycle in (Lifecycle.DRAFT, Lifecycle.PUBLISHED):
            number += 1
            world.technologies.append(_technology(f"qz{number}", tlp=tlp, lifecycle=lifecycle)[0])
    _, carrier_technology = _technology("qzcarrier", tlp=TLP.CLEAR, lifecycle=Lifecycle.PUBLISHED)
    world.technology_slug = carrier_technology.slug
    # measures of a Member State (Kenya) at every marking and stage, of an organization (INTERPOL) likewise
    number = 200
    for author in ("alice", "oscar"):
        for tlp in MARKINGS:
            for lifecycle in STAGES:
                number += 1
                world.measures.append(
                    _measure(
                        users, f"qz{number}", author=author, tlp=tlp, lifecycle=lifecycle, technology=carrier_technology
                    )
                )
    # points of contact of the same two owners, at the two markings a contact may carry
    number = 400
    for author in ("alice", "oscar"):
        for tlp in (TLP.GREEN, TLP.AMBER_STRICT):
            number += 1
            world.contacts.append(_contact(users, f"qz{number}", author=author, tlp=tlp))
    # offers of a state (Kenya) and an organization (INTERPOL) at every marking an offer may carry, and a
    # Secretariat offer everyone sees, put forward for the requests below
    number = 600
    for author in ("alice", "oscar"):
        for tlp in REQUEST_MARKINGS:
            for lifecycle in (Lifecycle.DRAFT, Lifecycle.PUBLISHED, Lifecycle.WITHDRAWN):
                number += 1
                world.offers.append(_offer(users, f"qz{number}", author=author, tlp=tlp, lifecycle=lifecycle)[0])
    carrier_record, carrier = _offer(users, "qz699", author="curator", tlp=TLP.CLEAR, lifecycle=Lifecycle.PUBLISHED)
    world.offers.append(carrier_record)
    # requests of Kenya at every marking a request may carry and at each step
    strict_measure = next(
        r for r in world.measures if (r.owner_state, r.tlp, r.lifecycle) == ("KE", "amber+strict", "published")
    )
    number = 500
    for tlp in REQUEST_MARKINGS:
        for step in REQUEST_STEPS:
            number += 1
            world.requests.append(
                _request(users, f"qz{number}", tlp=tlp, step=step, carrier=carrier, measure_pk=strict_measure.pk)
            )
    return world
