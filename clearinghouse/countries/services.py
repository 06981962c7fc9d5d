"""State changes to Member States, development groups and organizations."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pycountry
from babel import Locale
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.core import audit
from clearinghouse.countries.models import (
    NAME_COLUMNS,
    BDTRegion,
    Contact,
    DevelopmentGroup,
    GroupCode,
    ITURegion,
    MemberState,
    Organization,
    OrganizationKind,
    ReachabilityCheck,
    ReachabilityRound,
)

DATA = Path(__file__).resolve().parent / "data"
_BABEL_LOCALES = {"ar": "ar", "en": "en", "es": "es", "fr": "fr", "ru": "ru", "zh": "zh_Hans"}


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def _upsert(model: Any, lookup: dict[str, Any], values: dict[str, Any], report: LoadReport) -> Any:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        audit.record(None, f"{model._meta.model_name}.created", obj, changes=values)
        report.add("created")
        return obj
    before = {field: getattr(obj, field) for field in values}
    if before == values:
        report.add("unchanged")
        return obj
    for field, value in values.items():
        setattr(obj, field, value)
    obj.save(update_fields=list(values))
    audit.record(None, f"{model._meta.model_name}.updated", obj, changes=audit.diff(before, values))
    report.add("updated")
    return obj


def member_state_rows(path: Path = DATA / "member_states.csv") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    valid_bdt, valid_itu = set(BDTRegion.values), set(ITURegion.values)
    for line, row in enumerate(rows, start=2):
        if pycountry.countries.get(alpha_2=row["alpha2"]) is None:
            raise ValueError(f"{path.name}:{line}: {row['alpha2']!r} is not an ISO 3166 alpha-2 code")
        if row["bdt_region"] not in valid_bdt or row["itu_region"] not in valid_itu:
            raise ValueError(f"{path.name}:{line}: unknown region in {row}")
    return rows


def _localized_names(alpha2: str) -> dict[str, str]:
    names = {}
    for suffix, locale in _BABEL_LOCALES.items():
        name = Locale.parse(locale).territories.get(alpha2)
        if not name:
            raise ValueError(f"CLDR has no {locale} name for {alpha2}")
        names["name_" + suffix] = name
    return names


@transaction.atomic
def load_reference_data(progress: Callable[[Iterable[Any]], Iterable[Any]] = iter) -> dict[str, LoadReport]:
    """Load or refresh the Member States, development groups and reference organizations.

    Idempotent: a second run changes nothing and reports everything unchanged. Edits made by the
    Secretariat to fields the files do not carry (a focal point's profile) are kept.
    """
    reports = {"member_states": LoadReport(), "groups": LoadReport(), "organizations": LoadReport()}
    # Every state and group this may change is locked before the first audited change locks the catalogue's
    # search state row: writers lock what they change first and that row last, so none waits in a circle.
    for model in (MemberState, DevelopmentGroup):
        list(model.objects.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
    by_alpha2: dict[str, MemberState] = {}
    for row in progress(member_state_rows()):
        country = pycountry.countries.lookup(row["alpha2"])
        values = {
            "alpha3": country.alpha_3,
            "numeric": country.numeric,
            "bdt_region": row["bdt_region"],
            "itu_region": row["itu_region"],
            **_localized_names(row["alpha2"]),
        }
        by_alpha2[row["alpha2"]] = _upsert(MemberState, {"alpha2": row["alpha2"]}, values, reports["member_states"])

    groups = json.loads((DATA / "groups.json").read_text(encoding="utf-8"))
    for code, spec in groups.items():
        if code not in GroupCode.values:
            raise ValueError(f"groups.json: unknown group {code!r}")
        unknown = sorted(set(spec["members"]) - set(by_alpha2))
        if unknown:
            raise ValueError(f"groups.json: {code} lists codes that are not Member States: {unknown}")
        values = {
            "as_of": date.fromisoformat(spec["as_of"]),
            "source": spec["source"],
            "source_url": spec.get("source_url", ""),
            "note": spec.get("note", ""),
        }
        group = _upsert(DevelopmentGroup, {"code": code}, values, reports["groups"])
        wanted = {by_alpha2[alpha2].pk for alpha2 in spec["members"]}
        current = set(group.members.values_list("pk", flat=True))
        if wanted != current:
            group.members.set(wanted)
            audit.record(
                None,
                "developmentgroup.members_changed",
                group,
                changes={
                    "added": sorted(
                        MemberState.objects.filter(pk__in=wanted - current).values_list("alpha2", flat=True)
                    ),
                    "removed": sorted(
                        MemberState.objects.filter(pk__in=current - wanted).values_list("alpha2", flat=True)
                    ),
                },
            )

    for spec in json.loads((DATA / "organizations.json").read_text(encoding="utf-8")):
        if spec["kind"] not in OrganizationKind.values:
            raise ValueError(f"organizations.json: unknown kind {spec['kind']!r} for {spec['slug']}")
        missing = set(NAME_COLUMNS) - set(spec.get("names", {}))
        if missing:
            # a language without an official name is said so (null), never left out by oversight
            raise ValueError(f"organizations.json: {spec['slug']} says nothing of its name in {sorted(missing)}")
        values = {
            "name": spec["name"],
            "name_language": spec.get("name_language", "en"),
            **{"name_" + suffix: spec["names"][language] or "" for language, suffix in NAME_COLUMNS.items()},
            "acronyms": spec.get("acronyms", {}),
            "acronym": spec["acronym"],
            "kind": spec["kind"],
            "country": by_alpha2[spec["country"]] if spec["country"] else None,
            "region": spec["region"],
            "website": spec["website"],
            "description": spec["description"],
            "descriptions": spec.get("descriptions", {}),
        }
        _upsert(Organization, {"slug": spec["slug"]}, values, reports["organizations"])
    return reports


PROFILE_FIELDS = ("authority_name", "authority_url", "cirt_name", "cirt_url", "strategy_url")


def can_act_for_state(actor: Any, state: MemberState) -> bool:
    """A focal point acts for their own state only; the Secretariat may correct any profile."""
    if not getattr(actor, "is_authenticated", False):
        return False
    return bool(actor.is_curator or actor.member_state_id == state.pk)


@transaction.atomic
def update_member_state_profile(state: MemberState, *, actor: Any, **values: str) -> MemberState:
    """A focal point updates the public contact details of their own Member State."""
    if not can_act_for_state(actor, state):
        raise PermissionDenied(_("Only a focal point of %(state)s can update its profile.") % {"state": state.name})
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown profile fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    # "no key": a measure written meanwhile may point at this state (a key-share lock) after taking the catalogue's
    # search state row, which this change takes when it is audited: it must not wait for this lock
    state = MemberState.objects.select_for_update(no_key=True).get(pk=state.pk)
    before = {field: getattr(state, field) for field in values}
    for field, value in values.items():
        setattr(state, field, value)
    state.full_clean()
    changes = audit.diff(before, values)
    if changes:
        state.profile_updated_at = timezone.now()
        state.save(update_fields=[*values, "profile_updated_at"])
        audit.record(actor, "memberstate.profile_updated", state, changes=changes)
    return state


__all__ = ["NAME_COLUMNS", "load_reference_data", "update_member_state_profile", "can_act_for_state"]


@transaction.atomic
def create_organization(*, actor: Any, **fields: Any) -> Organization:
    """The Secretariat (or the demo loader, ``actor=None``) registers an organization."""
    if actor is not None and not getattr(actor, "is_curator", False):
        raise PermissionDenied(_("Only the Secretariat registers organizations."))
    organization = Organization(**fields)
    organization.full_clean()
    organization.save()
    audit.record(actor, "organization.created", organization, changes=fields)
    return organization


# -- points of contact ----------------------------------------------------------------------------------

#: What a contact's owner may write.
CONTACT_FIELDS = ("function", "name", "position", "email", "phone", "languages", "time_zone", "tlp")


def can_manage_contacts(actor: Any, owner: MemberState | Organization) -> bool:
    """A state's focal points keep its contacts, an organization's members keep theirs, and the Secretariat
    may correct any."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_curator:
        return True
    if isinstance(owner, MemberState):
        return bool(actor.member_state_id == owner.pk)
    return bool(actor.organization_id == owner.pk)


def refuse_unless_manager(actor: Any, owner: MemberState | Organization) -> None:
    if not can_manage_contacts(actor, owner):
        raise PermissionDenied(
            _("Only the members of %(owner)s and the Secretariat keep its points of contact.") % {"owner": owner}
        )


def _checked(contact: Contact, values: dict[str, Any]) -> None:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for field, value in values.items():
        setattr(contact, field, value)
    contact.full_clean(exclude=["shared_with_states", "shared_with_organizations", "shared_with_users"])


@transaction.atomic
def add_contact(owner: MemberState | Organization, *, actor: Any, **values: Any) -> Contact:
    """A point of contact of ``owner`` for one function; TLP:GREEN unless ``tlp`` says TLP:AMBER+STRICT."""
    refuse_unless_manager(actor, owner)
    contact = Contact(
        owner_state=owner if isinstance(owner, MemberState) else None,
        owner_organization=owner if isinstance(owner, Organization) else None,
    )
    _checked(contact, values)
    contact.save()
    audit.record(actor, "contact.added", contact, changes={"owner": str(owner), **_audited(contact, values)})
    return contact


@transaction.atomic
def update_contact(contact: Contact, *, actor: Any, **values: Any) -> Contact:
    refuse_unless_manager(actor, contact.owner)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    before = {field: getattr(contact, field) for field in values}
    _checked(contact, values)
    changes = audit.diff(before, {field: getattr(contact, field) for field in values})
    if changes:
        contact.save()
        audit.record(actor, "contact.updated", contact, changes=changes)
    return contact


@transaction.atomic
def remove_contact(contact: Contact, *, actor: Any) -> None:
    """Removes the person from the directory (the audit log keeps who removed whom, and when)."""
    refuse_unless_manager(actor, contact.owner)
    audit.record(actor, "contact.removed", contact, changes={"owner": str(contact.owner)})
    contact.delete()


def _audited(contact: Contact, values: dict[str, Any]) -> dict[str, Any]:
    return {field: getattr(contact, field) for field in values}


# -- reachability rounds ----------------------------------------------------------------------------------

#: How long a round's confirmation link works.
ROUND_DAYS = 30


def refuse_unless_curator(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_curator:
        raise PermissionDenied(_("Reachability rounds are started by the Secretariat's curators."))


@transaction.atomic
def start_round(
    *, actor: Any, states: Iterable[MemberState] = (), include_organizations: bool = False, message: str = ""
) -> ReachabilityRound:
    """Ask the contacts of ``states`` (every state's when none is given), and of the organizations when
    ``include_organizations``, to confirm that they answer; the e-mails go out in the background once the round
    is committed."""
    refuse_unless_curator(actor)
    chosen = list(states)
    contacts = Contact.objects.select_related("owner_state", "owner_organization")
    owners = Q(owner_state__in=chosen) if chosen else Q(owner_state__isnull=False)
    if include_organizations:
        owners |= Q(owner_organization__isnull=False)
    asked = list(contacts.filter(owners).order_by("pk"))
    if not asked:
        raise ValidationError(_("No point of contact is listed for what you chose: nobody would be asked."))
    round_ = ReachabilityRound.objects.create(
        started_by=actor, include_organizations=include_organizations, message=message.strip()
    )
    round_.states.set(chosen)
    ReachabilityCheck.objects.bulk_create(
        ReachabilityCheck(
            round=round_,
            contact=contact,
            contact_name=contact.name,
            email=contact.email,
            function=contact.function,
            owner_state=contact.owner_state,
            owner_organization=contact.owner_organization,
        )
        for contact in asked
    )
    audit.record(
        actor,
        "reachability_round.started",
        round_,
        changes={
            "states": sorted(s.alpha2 for s in chosen) or "all",
            "organizations": include_organizations,
            "contacts": len(asked),
        },
    )
    _send_after_commit(round_)
    return round_


@transaction.atomic
def send_again(round_: ReachabilityRound, *, actor: Any) -> int:
    """A new link to every contact of the round who has not confirmed (their earlier link stops working)."""
    refuse_unless_curator(actor)
    waiting = round_.checks.filter(confirmed_at__isnull=True)
    count = waiting.update(sent_at=None, send_error="", token_hash=None)
    audit.record(actor, "reachability_round.sent_again", round_, changes={"contacts": count})
    _send_after_commit(round_)
    return count


def _send_after_commit(round_: ReachabilityRound) -> None:
    from clearinghouse.countries.tasks import send_reachability_checks

    pk = round_.pk
    transaction.on_commit(lambda: send_reachability_checks.enqueue(pk))


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class LinkProblem(Exception):
    """A confirmation link that does not work: ``kind`` is ``unknown`` or ``expired``."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def check_for_link(secret: str) -> ReachabilityCheck:
    """The check a confirmation link names; :class:`LinkProblem` when it names none or is too old."""
    check = (
        ReachabilityCheck.objects.select_related("round", "owner_state", "owner_organization", "contact")
        .filter(token_hash=token_hash(secret))
        .first()
    )
    if check is None:
        raise LinkProblem("unknown")
    if check.confirmed_at is None and check.round.started_at < timezone.now() - timedelta(days=ROUND_DAYS):
        raise LinkProblem("expired")
    return check


@transaction.atomic
def confirm_reachability(secret: str) -> ReachabilityCheck:
    """The contact answers: the check and the contact record when (once: a second visit changes nothing)."""
    check = check_for_link(secret)
    check = (
        ReachabilityCheck.objects.select_for_update(of=("self",)).select_related("contact", "round").get(pk=check.pk)
    )
    if check.confirmed_at is not None:
        return check
    check.confirmed_at = timezone.now()
    check.save(update_fields=["confirmed_at"])
    if check.contact is not None:
        Contact.objects.filter(pk=check.contact.pk).update(last_confirmed_at=check.confirmed_at)
        audit.record(None, "contact.confirmed", check.contact, changes={"round": check.round.pk})
    return check
