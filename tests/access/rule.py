"""The access rule as docs/roles.md states it, read from that page: what every channel is checked against.

The table there gives, for each marking and workflow stage, the audiences that see a record, in a small
vocabulary ("owner's members", "named people", …). This module knows what each of those words means for a
person and a record, and nothing else: the code under test is never consulted for the expected answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROLES_PAGE = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
ASSISTANCE_PAGE = Path(__file__).resolve().parents[2] / "docs" / "assistance.md"

MARKINGS = {
    "TLP:CLEAR": "clear",
    "TLP:GREEN": "green",
    "TLP:AMBER": "amber",
    "TLP:AMBER+STRICT": "amber+strict",
    "TLP:RED": "red",
}
STAGES = {
    "draft": ("draft",),
    "submitted, in review": ("submitted", "in_review"),
    "published": ("published",),
    "withdrawn": ("withdrawn",),
}


@dataclass(frozen=True)
class Person:
    """One persona of the matrix, described by its relations only."""

    name: str
    signed_in: bool = True
    state: str | None = None  # ISO alpha-2 of the Member State they belong to
    organization: str | None = None  # slug of the organization they belong to
    curator: bool = False
    lead: bool = False  # a lead of their state or organization (docs/roles.md, "Within a state or organization")
    administrator: bool = False


@dataclass
class Record:
    """One record of the matrix world, described by what the rule reads."""

    code: str
    tlp: str
    lifecycle: str
    owner_state: str | None = None
    owner_organization: str | None = None
    named: frozenset[str] = frozenset()
    shared_states: frozenset[str] = frozenset()
    shared_organizations: frozenset[str] = frozenset()
    pk: int = 0
    attachment_pk: int = 0
    ever_published: bool = False
    extra: dict[str, object] = field(default_factory=dict)


def _belongs(p: Person, r: Record) -> bool:
    return (p.state is not None and p.state == r.owner_state) or (
        p.organization is not None and p.organization == r.owner_organization
    )


def _named(p: Person, r: Record) -> bool:
    return p.name in r.named


AUDIENCES: dict[str, Callable[[Person, Record], bool]] = {
    "everyone": lambda p, r: True,
    "signed-in members": lambda p, r: p.signed_in,
    "owner's members": _belongs,
    "curators": lambda p, r: p.curator,
    "named states and organizations": lambda p, r: (
        (p.state in r.shared_states) or (p.organization in r.shared_organizations)
    ),
    "named people": _named,
    "named members of the owner": lambda p, r: _named(p, r) and _belongs(p, r),
    "named curators": lambda p, r: _named(p, r) and p.curator,
}


@cache
def table() -> dict[tuple[str, str], tuple[str, ...]]:
    """(marking, lifecycle) → the audiences docs/roles.md lists for it."""
    text = ROLES_PAGE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("| TLP:") or line.startswith("| marking |")]
    header = next(line for line in lines if line.startswith("| marking | draft"))
    stages = [cell.strip() for cell in header.strip("|").split("|")][1:]
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    start = lines.index(header)
    for line in lines[start + 1 :]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] not in MARKINGS or len(cells) != len(stages) + 1:
            break
        for stage, cell in zip(stages, cells[1:], strict=True):
            audiences = tuple(part.strip() for part in re.split(r",\s*", cell) if part.strip())
            unknown = [a for a in audiences if a not in AUDIENCES]
            assert not unknown, f"docs/roles.md names audiences the matrix does not know: {unknown}"
            for lifecycle in STAGES[stage]:
                found[(MARKINGS[cells[0]], lifecycle)] = audiences
    missing = {(t, s) for t in MARKINGS.values() for stages_ in STAGES.values() for s in stages_} - set(found)
    assert not missing, f"docs/roles.md's table leaves out {sorted(missing)}"
    return found


def sees(person: Person, record: Record) -> bool:
    """Whether docs/roles.md lets this person see this record on the platform's pages and API."""
    return any(AUDIENCES[audience](person, record) for audience in table()[(record.tlp, record.lifecycle)])


@cache
def column_of_step() -> dict[str, str]:
    """A request's step (or ``hidden``) → the column of the sharing table it is read in, from docs/assistance.md."""
    text = ASSISTANCE_PAGE.read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("| step | column of the sharing table |")
    found: dict[str, str] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        step, column = (cell.strip() for cell in line.strip("|").split("|"))
        assert column in STAGES and len(STAGES[column]) == 1, f"docs/assistance.md: unknown column {column!r}"
        found[step.replace(" ", "_")] = STAGES[column][0]
    return found


def leaves_the_platform(record: Record) -> bool:
    """What exports, feeds, TAXII, reports and statistics may carry at all: published and not TLP:RED."""
    return record.lifecycle == "published" and record.tlp != "red"


def audience_of(person: Person) -> Person:
    """A TAXII collection serves an audience (everyone, signed-in members, the members of one state or
    organization), not a person: what it serves is what such a member sees, less what is shared with named
    people or with curators as individuals."""
    return Person(
        name="",
        signed_in=person.signed_in,
        state=person.state,
        organization=person.organization,
        curator=False,
    )


def goes_to_translators(record: Record) -> bool:
    """What XLIFF files for translators may carry at all (docs/languages.md): a record submitted, in review or
    published, never TLP:RED; to each curator only what they see."""
    return record.tlp != "red" and record.lifecycle in ("submitted", "in_review", "published")


# -- people: who sees and manages the members of a state or organization (docs/roles.md) ----------------------


def _member_of(person: Person, state: str | None, organization: str | None) -> bool:
    return person.signed_in and (
        (state is not None and person.state == state)
        or (organization is not None and person.organization == organization)
    )


def sees_members(person: Person, *, state: str | None = None, organization: str | None = None) -> bool:
    """ "Its members, curators and administrators see the list of members"."""
    return person.signed_in and (person.curator or _member_of(person, state, organization))


def manages_members(person: Person, *, state: str | None = None, organization: str | None = None) -> bool:
    """ "Its leads and the administrators invite people, change positions and deactivate accounts"."""
    return person.administrator or (person.lead and _member_of(person, state, organization))


def may_invite_as(person: Person, role: str, *, state: str | None = None, organization: str | None = None) -> bool:
    """The table "Who may invite whom": a lead gives their own state's or organization's role, never more."""
    if not manages_members(person, state=state, organization=organization):
        return False
    if person.administrator:
        return role == "focal_point" if state else role != "focal_point"
    return role == ("focal_point" if state else "contributor")
