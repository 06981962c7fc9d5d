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
    GroupMembership,
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


@dataclass(frozen=True)
class FormerMember:
    """A state that was on a group's list and left it (an LDC that graduated): ``until`` is the first day it was
    no longer a member."""

    code: str
    since: date | None
    until: date
    note: str


@dataclass(frozen=True)
class GroupSpec:
    """One group of groups.json, checked: its current members (with the date each joined, where known) and its
    former ones."""

    code: str
    as_of: date
    values: dict[str, Any]
    members: dict[str, date | None]
    former: tuple[FormerMember, ...]


def _iso_date(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"groups.json: {where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _optional_date(value: Any, where: str) -> date | None:
    return None if value is None else _iso_date(value, where)


def group_specs(path: Path, member_states: set[str]) -> list[GroupSpec]:
    """groups.json, checked before anything is written: a :class:`ValueError` names the group, the states and
    the problem. A member is an alpha-2 code, or ``{"code": …, "since": …}`` where the date it joined is known;
    ``former`` lists ``{"code", "until", "since" (optional), "note"}``."""
    specs = []
    for code, spec in json.loads(path.read_text(encoding="utf-8")).items():
        if code not in GroupCode.values:
            raise ValueError(f"groups.json: unknown group {code!r}")
        as_of = _iso_date(spec["as_of"], f"{code} as_of")
        members: dict[str, date | None] = {}
        for entry in spec["members"]:
            alpha2 = entry if isinstance(entry, str) else entry["code"]
            if alpha2 in members:
                raise ValueError(f"groups.json: {code} lists {alpha2} twice")
            since = None if isinstance(entry, str) else _optional_date(entry.get("since"), f"{code} {alpha2} since")
            if since is not None and since > as_of:
                raise ValueError(f"groups.json: {code}: {alpha2} joins on {since}, after the list's date {as_of}")
            members[alpha2] = since
        former = tuple(
            FormerMember(
                code=entry["code"],
                since=_optional_date(entry.get("since"), f"{code} former {entry['code']} since"),
                until=_iso_date(entry.get("until"), f"{code} former {entry['code']} until"),
                note=entry.get("note", ""),
            )
            for entry in spec.get("former", [])
        )
        unknown = sorted(set(members) - member_states)
        if unknown:
            raise ValueError(f"groups.json: {code} lists codes that are not Member States: {unknown}")
        unknown = sorted({entry.code for entry in former} - member_states)
        if unknown:
            raise ValueError(f"groups.json: {code} lists former members that are not Member States: {unknown}")
        both = sorted({entry.code for entry in former} & set(members))
        if both:
            raise ValueError(f"groups.json: {code} lists {both} both as current and as former members")
        _check_former_periods(code, as_of, former)
        values = {
            "as_of": as_of,
            "source": spec["source"],
            "source_url": spec.get("source_url", ""),
            "note": spec.get("note", ""),
        }
        specs.append(GroupSpec(code=code, as_of=as_of, values=values, members=members, former=former))
    return specs


def _check_former_periods(code: str, as_of: date, former: tuple[FormerMember, ...]) -> None:
    ends: dict[str, date] = {}
    # an unknown start (None) is the earliest, so one state's periods follow each other in this order
    for entry in sorted(former, key=lambda entry: (entry.code, entry.since or date.min)):
        if entry.since is not None and entry.until <= entry.since:
            raise ValueError(
                f"groups.json: {code}: former member {entry.code} leaves on {entry.until}, "
                f"not after it joined on {entry.since}"
            )
        if entry.until > as_of:
            raise ValueError(
                f"groups.json: {code}: former member {entry.code} leaves on {entry.until}, after the list's date "
                f"{as_of}: a departure still to come is not applied"
            )
        previous_end = ends.get(entry.code)
        if previous_end is not None and (entry.since is None or entry.since < previous_end):
            raise ValueError(f"groups.json: {code}: the periods of former member {entry.code} overlap")
        ends[entry.code] = entry.until


def _put_period(
    group: DevelopmentGroup,
    state: MemberState,
    since: date | None,
    until: date | None,
    source: str,
    existing: dict[tuple[int, date | None], GroupMembership],
    report: LoadReport,
) -> None:
    period = existing.get((state.pk, since))
    if period is None:
        period = GroupMembership.objects.create(
            group=group, member_state=state, since=since, until=until, source=source
        )
        existing[(state.pk, since)] = period
        audit.record(
            None, "groupmembership.created", period, changes={"since": since, "until": until, "source": source}
        )
        report.add("created")
        return
    before, after = {"until": period.until, "source": period.source}, {"until": until, "source": source}
    if before == after:
        report.add("unchanged")
        return
    period.until, period.source = until, source
    period.save(update_fields=["until", "source"])
    audit.record(None, "groupmembership.updated", period, changes=audit.diff(before, after))
    report.add("updated")


def _write_periods(
    group: DevelopmentGroup, spec: GroupSpec, by_alpha2: dict[str, MemberState], report: LoadReport
) -> None:
    """The group's dated memberships, kept in step with its current list: a former member of the file has its
    closed period; a current member keeps its open one, or opens one (at the list's date, unless this is the
    group's first record, when its start is unknown); a state no longer on the list has its period closed at
    the list's date."""
    existing = {(p.member_state_id, p.since): p for p in group.periods.select_related("member_state")}
    first_record = not existing
    for entry in spec.former:
        _put_period(group, by_alpha2[entry.code], entry.since, entry.until, entry.note, existing, report)
    open_periods = {p.member_state_id: p for p in existing.values() if p.until is None}
    for alpha2, since in spec.members.items():
        state = by_alpha2[alpha2]
        period = open_periods.get(state.pk)
        if period is None:
            start = since if since is not None or first_record else spec.as_of
            source = f"On the list as of {spec.as_of.isoformat()}" if start == spec.as_of and since is None else ""
            _put_period(group, state, start, None, source, existing, report)
        elif since is not None and since != period.since:
            if (state.pk, since) in existing:
                raise ValueError(f"groups.json: {spec.code}: {alpha2} already has a period beginning on {since}")
            changes = audit.diff({"since": period.since}, {"since": since})
            del existing[(state.pk, period.since)]
            period.since = since
            period.save(update_fields=["since"])
            existing[(state.pk, since)] = period
            audit.record(None, "groupmembership.updated", period, changes=changes)
            report.add("updated")
        else:
            report.add("unchanged")
    listed = {by_alpha2[alpha2].pk for alpha2 in spec.members}
    for state_pk, period in open_periods.items():
        if state_pk in listed or period.until is not None:
            continue
        if period.since is not None and period.since >= spec.as_of:
            raise ValueError(
                f"groups.json: {spec.code}: {period.member_state.alpha2} is no longer listed, but its period began "
                f"on {period.since}, not before the list's date {spec.as_of}: give the list a later as_of"
            )
        note = f"Not on the list as of {spec.as_of.isoformat()}"
        _put_period(group, period.member_state, period.since, spec.as_of, note, existing, report)


@transaction.atomic
def load_reference_data(progress: Callable[[Iterable[Any]], Iterable[Any]] = iter) -> dict[str, LoadReport]:
    """Load or refresh the Member States, development groups (their current lists and dated memberships) and
    reference organizations.

    Idempotent: a second run changes nothing and reports everything unchanged. Edits made by the
    Secretariat to fields the files do not carry (a focal point's profile) are kept. The files are checked
    before anything is written: a :class:`ValueError` says what is wrong, and nothing changes.
    """
    reports = {
        "member_states": LoadReport(),
        "groups": LoadReport(),
        "group_memberships": LoadReport(),
        "organizations": LoadReport(),
    }
    rows = member_state_rows()
    specs = group_specs(DATA / "groups.json", {row["alpha2"] for row in rows})
    # Every state and group this may change is locked before the first audited change locks the catalogue's
    # search state row: writers lock what they change first and that row last, so none waits in a circle.
    for model in (MemberState, DevelopmentGroup, GroupMembership):
        list(model.objects.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
    by_alpha2: dict[str, MemberState] = {}
    for row in progress(rows):
        country = pycountry.countries.lookup(row["alpha2"])
        values = {
            "alpha3": country.alpha_3,
            "numeric": country.numeric,
            "bdt_region": row["bdt_region"],
            "itu_region": row["itu_region"],
            **_localized_names(row["alpha2"]),
        }
        by_alpha2[row["alpha2"]] = _upsert(MemberState, {"alpha2": row["alpha2"]}, values, reports["member_states"])

    for spec in specs:
        group = _upsert(DevelopmentGroup, {"code": spec.code}, spec.values, reports["groups"])
        wanted = {by_alpha2[alpha2].pk for alpha2 in spec.members}
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
        _write_periods(group, spec, by_alpha2, reports["group_memberships"])

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
