"""Importing resolutions and recording activities. Apps above call :func:`record_activity` directly
(a plain call, not a signal)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from clearinghouse.core import audit
from clearinghouse.core.models import Shareable
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.countries.models import Organization
from clearinghouse.mandates.models import (
    ROLE_OF_KIND,
    Activity,
    ActivityStatus,
    Body,
    Clause,
    ClauseRole,
    ClauseText,
    Resolution,
    Revision,
    RevisionSource,
    RevisionText,
    Section,
    SectionKind,
    SectionText,
)
from clearinghouse.mandates.numbering import NumberedSection, NumberedText, Unreadable, mismatches, read_numbered
from clearinghouse.mandates.parsing import (
    NotAResolution,
    ParsedClause,
    ParsedResolution,
    ParsedSection,
    parse_resolution,
)

#: Words in an operative clause that say what it asks for; the first role whose pattern matches is kept.
ROLE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (ClauseRole.DISSEMINATION, re.compile(r"collect\w*\b.{0,40}\bdisseminat|best practices and technolog", re.I)),
    (ClauseRole.REPORTING, re.compile(r"\breport\b.{0,60}\b(Council|Plenipotentiary|conference)", re.I)),
    (ClauseRole.MEETINGS, re.compile(r"\b(organiz\w+|hold|convene)\b.{0,80}\b(meetings?|dialogue|forums?)", re.I)),
    (ClauseRole.ASSISTANCE, re.compile(r"\b(assist\w*|assistance|capacity building)\b", re.I)),
    (ClauseRole.COOPERATION, re.compile(r"\bcooperat\w+\b.{0,80}\bUnited Nations\b", re.I)),
    (ClauseRole.AWARENESS, re.compile(r"\b(raise|raising)\b.{0,20}\bawareness\b", re.I)),
]


def guess_role(clause_text: str) -> str:
    for role, pattern in ROLE_PATTERNS:
        if pattern.search(clause_text):
            return role
    return ""


def is_curator(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and (user.is_superuser or user.has_perm("mandates.add_revision"))
    )


@dataclass
class ImportResult:
    revision: Revision
    created: bool
    parsed: ParsedResolution
    carried_over: int = 0
    messages: list[str] = field(default_factory=list)


def preview_resolution(text: str) -> ParsedResolution:
    """The structure a text would be imported as; ``ValidationError`` naming what was expected if it is not one."""
    try:
        return parse_resolution(text)
    except NotAResolution as error:
        raise ValidationError(str(error), code="not_a_resolution") from error


@transaction.atomic
def import_resolution(
    text: str,
    *,
    actor: Any,
    source_name: str = "",
    body: str = Body.PP,
    source: str = RevisionSource.OFFICIAL,
    check_permission: bool = True,
) -> ImportResult:
    """Import a resolution's text as its newest revision; the same text again changes nothing.

    The clauses of the new revision keep the roles and activities of the matching clauses of the previous
    revision (same section action, addressee and label); the previous revision is kept.
    """
    if check_permission and not is_curator(actor):
        raise PermissionDenied(_("Only a curator can import a resolution."))
    parsed = preview_resolution(text)
    if not parsed.number.isdigit():
        raise ValidationError(_("The resolution number %(number)s is not a number.") % {"number": parsed.number})
    digest = hashlib.sha256(text.encode()).hexdigest()
    resolution, _created = Resolution.objects.get_or_create(
        body=body, number=int(parsed.number), defaults={"title": parsed.title[:500]}
    )
    existing = resolution.revisions.filter(source_sha256=digest).first()
    if existing is not None:
        return ImportResult(existing, False, parsed, messages=[_("This text has been imported already.")])
    return _store(resolution, parsed, digest, actor=actor, source=source, source_name=source_name)


def _store(
    resolution: Resolution, parsed: ParsedResolution, digest: str, *, actor: Any, source: str, source_name: str
) -> ImportResult:
    previous = resolution.current_revision()
    sequence = (resolution.revisions.aggregate(last=Max("sequence"))["last"] or 0) + 1
    revision = Revision.objects.create(
        resolution=resolution,
        sequence=sequence,
        label=parsed.revision[:120],
        title=parsed.title[:500],
        enacting=parsed.enacting,
        source=source,
        source_name=source_name[:255],
        source_sha256=digest,
        artefacts=list(parsed.artefacts),
        warnings=list(parsed.warnings),
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if source == RevisionSource.OFFICIAL or resolution.title == "":
        resolution.title = parsed.title[:500]
        resolution.save(update_fields=["title"])
    old_clauses = {clause.key: clause for clause in _clauses_of(previous)} if previous else {}
    carried = 0
    for section_position, parsed_section in enumerate(parsed.sections, start=1):
        section = Section.objects.create(
            revision=revision,
            position=section_position,
            kind=parsed_section.kind,
            heading=parsed_section.heading,
            action=parsed_section.action[:200],
            addressee=parsed_section.addressee[:300],
            flagged=parsed_section.flagged,
            note=parsed_section.note[:300],
        )
        for clause_position, parsed_clause in enumerate(parsed_section.clauses, start=1):
            clause = Clause(section=section, position=clause_position, label=parsed_clause.label[:20])
            clause.text = parsed_clause.text
            old = old_clauses.get(clause.key)
            if old is not None:
                clause.role = old.role
            elif section.kind == SectionKind.OPERATIVE:
                clause.role = guess_role(f"{section.heading} {clause.text}")
            clause.save()
            if old is not None:
                activities = list(old.activities.all())
                clause.activities.add(*activities)
                carried += len(activities)
    audit.record(
        actor,
        "revision.imported",
        revision,
        changes={"resolution": resolution.number, "label": revision.label, "sections": len(parsed.sections)},
    )
    return ImportResult(revision, True, parsed, carried_over=carried)


@transaction.atomic
def load_summary(data: dict[str, Any], *, actor: Any = None, body: str = Body.PP) -> ImportResult:
    """Load a resolution's structure summarised in the project's own words (the demo without the official text).

    It is a revision like any other, marked as a summary; importing the official text later adds the
    newest revision and carries the clauses' roles and activities over.
    """
    try:
        parsed = ParsedResolution(
            number=str(data["number"]),
            revision=data.get("revision", ""),
            title=data["title"],
            enacting=data.get("enacting", ""),
            sections=[
                ParsedSection(
                    kind=section["kind"],
                    heading=section["heading"],
                    action=section["action"],
                    addressee=section.get("addressee", ""),
                    clauses=[ParsedClause(label=c.get("label", ""), text=c["text"]) for c in section["clauses"]],
                )
                for section in data["sections"]
            ],
            artefacts=[],
            warnings=[],
        )
    except (KeyError, TypeError) as error:
        raise ValidationError(_("The summary lacks %(field)s.") % {"field": error}) from error
    roles = {
        (section["kind"], section["action"].casefold(), section.get("addressee", "").casefold(), c.get("label", "")): c[
            "role"
        ]
        for section in data["sections"]
        for c in section["clauses"]
        if c.get("role")
    }
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    resolution, _created = Resolution.objects.get_or_create(
        body=body, number=int(parsed.number), defaults={"title": parsed.title[:500]}
    )
    existing = resolution.revisions.filter(source_sha256=digest).first()
    if existing is not None:
        return ImportResult(existing, False, parsed)
    result = _store(resolution, parsed, digest, actor=actor, source=RevisionSource.SUMMARY, source_name="summary")
    for clause in _clauses_of(result.revision):
        role = roles.get(clause.key)
        if role and role != clause.role:
            clause.role = role
            clause.save(update_fields=["role"])
    return result


@dataclass
class LanguageImportResult:
    revision: Revision
    language: str
    created: bool  # False: this very text was attached before, nothing changed
    sections: int
    clauses: int
    replaced: str = ""  # the source of the text in this language it replaced ("official", "summary"), if any


@dataclass
class LanguagePreview:
    """How a text in another language was read, and the revision whose clauses it would be attached to."""

    numbered: NumberedText
    revision: Revision
    language: str


def preview_resolution_language(
    text: str, *, language: str, body: str = Body.PP, sequence: int | None = None
) -> LanguagePreview:
    """Read the official text of a resolution in another language and check that it matches the revision (the
    newest, or the ``sequence``-th imported) clause by clause; ``ValidationError`` naming every difference."""
    languages = [code for code, _name in settings.LANGUAGES]
    if language not in languages:
        raise ValidationError(
            _("%(language)s is not one of the six languages (%(languages)s).")
            % {"language": language, "languages": ", ".join(languages)}
        )
    if language == "en":
        raise ValidationError(_("English is the language of the revision itself: import it without a language."))
    try:
        numbered = read_numbered(text)
    except Unreadable as error:
        raise ValidationError(str(error)) from error
    resolution = Resolution.objects.filter(body=body, number=int(numbered.number)).first()
    if resolution is None:
        raise ValidationError(
            _("Resolution %(number)s has not been imported: import its English text first.")
            % {"number": numbered.number}
        )
    revisions = resolution.revisions.order_by("-sequence")
    revision = revisions.filter(sequence=sequence).first() if sequence is not None else revisions.first()
    if revision is None:
        raise ValidationError(
            _("Resolution %(number)s has no revision %(sequence)s.") % {"number": numbered.number, "sequence": sequence}
        )
    if revision.source == RevisionSource.SUMMARY:
        raise ValidationError(
            _(
                "Revision %(revision)s of Resolution %(number)s is the project's summary, not an official text: import "
                "the official English text first, then its text in other languages."
            )
            % {"revision": revision.label or revision.sequence, "number": numbered.number}
        )
    problems = mismatches(_structure(revision), numbered)
    if problems:
        raise ValidationError(problems)
    return LanguagePreview(numbered, revision, language)


def _structure(revision: Revision) -> list[tuple[str, list[str]]]:
    sections = revision.sections.prefetch_related(
        Prefetch("clauses", queryset=Clause.objects.order_by("position"))
    ).order_by("position")
    return [(section.heading, [clause.label for clause in section.clauses.all()]) for section in sections]


@transaction.atomic
def import_resolution_language(
    text: str,
    *,
    actor: Any,
    language: str,
    body: str = Body.PP,
    sequence: int | None = None,
    source_name: str = "",
    check_permission: bool = True,
) -> LanguageImportResult:
    """Attach the official text of a resolution in another language to the clauses of one of its revisions (the
    newest by default), clause by clause, matched by numbering; ``ValidationError`` listing every section whose
    numbering differs, and nothing is stored. The same text again changes nothing."""
    if check_permission and not is_curator(actor):
        raise PermissionDenied(_("Only a curator can import a resolution."))
    preview = preview_resolution_language(text, language=language, body=body, sequence=sequence)
    return _attach_language(
        preview.revision,
        language,
        preview.numbered,
        source=RevisionSource.OFFICIAL,
        actor=actor,
        source_name=source_name,
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )


@transaction.atomic
def attach_summary_translations(revision: Revision, data: dict[str, Any], *, actor: Any = None) -> dict[str, str]:
    """Attach the project's own summary in other languages (``res174_summary_translations.json``) to a revision's
    clauses, matched by numbering. A language whose official text was imported keeps it. Returns, per language,
    "attached", "unchanged", "official text kept" or what kept the summary from matching."""
    report = {}
    for language, spec in data.items():
        if language in ("about", "number"):
            continue
        if RevisionText.objects.filter(revision=revision, language=language, source=RevisionSource.OFFICIAL).exists():
            report[language] = "official text kept"
            continue
        numbered = NumberedText(
            number=str(data.get("number", revision.resolution.number)),
            title=spec["title"],
            enacting=spec.get("enacting", ""),
            sections=[
                NumberedSection(
                    heading=section["heading"],
                    addressee=section.get("addressee", ""),
                    clauses=[(clause.get("label", ""), clause["text"]) for clause in section["clauses"]],
                )
                for section in spec["sections"]
            ],
        )
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
        try:
            with transaction.atomic():
                result = _attach_language(
                    revision,
                    language,
                    numbered,
                    source=RevisionSource.SUMMARY,
                    actor=actor,
                    source_name="summary",
                    digest=digest,
                )
        except ValidationError as error:
            report[language] = " ".join(error.messages)
            continue
        report[language] = "attached" if result.created else "unchanged"
    return report


def _attach_language(
    revision: Revision,
    language: str,
    numbered: NumberedText,
    *,
    source: str,
    actor: Any,
    source_name: str,
    digest: str,
) -> LanguageImportResult:
    sections = list(
        revision.sections.prefetch_related(Prefetch("clauses", queryset=Clause.objects.order_by("position"))).order_by(
            "position"
        )
    )
    problems = mismatches([(s.heading, [c.label for c in s.clauses.all()]) for s in sections], numbered)
    if problems:
        raise ValidationError(problems)
    clause_count = sum(len(section.clauses) for section in numbered.sections)
    current = RevisionText.objects.filter(revision=revision, language=language).first()
    if current is not None and current.source == source and current.source_sha256 == digest:
        return LanguageImportResult(revision, language, False, len(sections), clause_count)
    RevisionText.objects.filter(revision=revision, language=language).delete()
    SectionText.objects.filter(section__revision=revision, language=language).delete()
    ClauseText.objects.filter(clause__section__revision=revision, language=language).delete()
    RevisionText.objects.create(
        revision=revision,
        language=language,
        source=source,
        title=numbered.title[:500],
        enacting=numbered.enacting,
        source_name=source_name[:255],
        source_sha256=digest,
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    SectionText.objects.bulk_create(
        SectionText(section=section, language=language, heading=read.heading, addressee=read.addressee[:300])
        for section, read in zip(sections, numbered.sections, strict=True)
    )
    ClauseText.objects.bulk_create(
        ClauseText(clause=clause, language=language, text=text)
        for section, read in zip(sections, numbered.sections, strict=True)
        for clause, (_label, text) in zip(section.clauses.all(), read.clauses, strict=True)
    )
    audit.record(
        actor,
        "revision.language_imported",
        revision,
        changes={
            "language": language,
            "source": source,
            "file": source_name,
            "replaced": current.source if current is not None else "",
        },
    )
    return LanguageImportResult(
        revision, language, True, len(sections), clause_count, replaced=current.source if current else ""
    )


def _clauses_of(revision: Revision) -> list[Clause]:
    return list(Clause.objects.filter(section__revision=revision).select_related("section"))


#: The resolution the platform implements: activities recorded by the other apps' services go under its clauses.
PLATFORM_RESOLUTION = (Body.PP, 174)


def current_clauses(roles: tuple[str, ...], resolution: tuple[str, int] = PLATFORM_RESOLUTION) -> list[Clause]:
    """The clauses of the first of ``roles`` that the newest revision of the resolution has."""
    body, number = resolution
    newest = Revision.objects.filter(resolution__body=body, resolution__number=number).order_by("-sequence").first()
    if newest is None:
        return []
    current = Clause.objects.filter(section__revision=newest)
    for role in roles:
        found: list[Clause] = list(current.filter(role=role))
        if found:
            return found
    return []


def record_activity(
    *,
    kind: str,
    title: str,
    source: models.Model | None = None,
    actor: Any = None,
    clauses: list[Clause] | None = None,
    region: str = "",
    states: list[Any] | None = None,
    language: str = "",
) -> Activity:
    """Record that something was done under a resolution; runs inside the caller's transaction.

    Without ``clauses``, the activity is tied to the clauses of Resolution 174 whose role is the one its kind
    implements (publishing a measure: "collect and disseminate best practices and technologies").
    The title is in ``language``: the source's original language when it has one, else the interface's.
    """
    today = timezone.localdate()
    marking = _marking_of(source)
    activity = Activity.objects.create(
        **marking,
        kind=kind,
        title=title[:300],
        language=language or getattr(source, "language", "") or get_language() or "en",
        occurred_at=timezone.now(),
        starts_on=today,
        ends_on=today,
        status=ActivityStatus.DELIVERED,
        region=region,
        is_illustrative=bool(getattr(source, "is_illustrative", False)),
        source_type=source._meta.label_lower if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    tied = clauses if clauses is not None else current_clauses(ROLE_OF_KIND.get(kind, ()))
    activity.clauses.set(tied)
    if source is not None and isinstance(source, Shareable):
        activity.shared_with_states.set(source.shared_with_states.all())
        activity.shared_with_organizations.set(source.shared_with_organizations.all())
        activity.shared_with_users.set(source.shared_with_users.all())
    if states:
        activity.states.set(states)
    audit.record(
        actor, "activity.recorded", activity, changes={"kind": kind, "title": title, "clauses": [c.pk for c in tied]}
    )
    return activity


def secretariat() -> Organization:
    """The organization that owns what the Secretariat records itself (ITU)."""
    return Organization.objects.get(slug="itu")


def _marking_of(source: models.Model | None) -> dict[str, Any]:
    """An activity is seen by whoever may see its source; the Secretariat's own are published TLP:CLEAR."""
    if isinstance(source, Shareable):
        return {
            "tlp": source.tlp,
            "lifecycle": Lifecycle.PUBLISHED,
            "owner_state_id": source.owner_state_id,
            "owner_organization_id": source.owner_organization_id,
        }
    return {"tlp": TLP.CLEAR, "lifecycle": Lifecycle.PUBLISHED, "owner_organization": secretariat()}


@transaction.atomic
def create_activity(*, actor: Any, clauses: list[Clause], **fields: Any) -> Activity:
    """A curator records an activity (a meeting, a campaign, a report…) against one or more operative clauses."""
    if not is_curator(actor):
        raise PermissionDenied(_("Only a curator can record an activity."))
    if not clauses:
        raise ValidationError(_("Choose at least one operative clause the activity implements."))
    if any(clause.section.kind != SectionKind.OPERATIVE for clause in clauses):
        raise ValidationError(_("Activities implement operative clauses, not the preamble."))
    states = fields.pop("states", [])
    organizations = fields.pop("organizations", [])
    starts_on: date | None = fields.get("starts_on")
    ends_on: date | None = fields.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(_("An activity cannot end before it starts."))
    fields.setdefault("occurred_at", timezone.now())
    fields["language"] = fields.get("language") or get_language() or "en"
    fields.setdefault("tlp", TLP.CLEAR)
    fields.setdefault("lifecycle", Lifecycle.PUBLISHED)
    if not fields.get("owner_state") and not fields.get("owner_organization"):
        fields["owner_organization"] = secretariat()
    activity = Activity(recorded_by=actor, **fields)
    activity.full_clean(exclude=["clauses", "states", "organizations"])
    activity.save()
    activity.clauses.set(clauses)
    activity.states.set(states)
    activity.organizations.set(organizations)
    audit.record(actor, "activity.created", activity, changes={"kind": activity.kind, "title": activity.title})
    return activity


@transaction.atomic
def set_clause_role(clause: Clause, role: str, *, actor: Any) -> Clause:
    if not is_curator(actor):
        raise PermissionDenied(_("Only a curator can change what a clause asks for."))
    if role not in ClauseRole.values and role != "":
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    before = clause.role
    clause.role = role
    clause.save(update_fields=["role"])
    audit.record(actor, "clause.role_changed", clause, changes={"role": [before, role]})
    return clause
