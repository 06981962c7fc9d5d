"""Every change to the catalogue: drafting, the review workflow, versions, translations, attachments.

draft → submitted → in review → published → withdrawn; a curator may send a submitted or
in-review measure back to draft with a comment. Each service runs in one transaction, writes
the audit row, saves a version snapshot and refreshes the search index.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    CostRange,
    Language,
    Measure,
    MeasureAttachment,
    MeasureReference,
    MeasureStatus,
    MeasureTranslation,
    MeasureVersion,
    Pillar,
    ReferenceKind,
    ReviewComment,
    Technology,
    Threat,
    TranslationQuality,
)
from clearinghouse.core import audit, bulk
from clearinghouse.core.visibility import TLP, Lifecycle
from clearinghouse.mandates.models import ActivityKind
from clearinghouse.mandates.services import record_activity

#: The fields a member edits on a measure (the rest are set by the workflow).
EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "language",
    "pillar",
    "status",
    "since_year",
    "evidence",
    "evidence_source",
    "cost_range",
    "prerequisites",
    "tlp",
)
M2M_FIELDS = ("threats", "technologies")


class InvalidTransition(ValidationError):
    def __init__(self, current: str, target: str):
        super().__init__(
            _("A measure that is “%(current)s” cannot become “%(target)s”.")
            % {"current": Lifecycle(current).label, "target": Lifecycle(target).label},
            code="invalid_transition",
        )


class EditConflict(ValidationError):
    """Someone else changed the record since the form was opened: nothing is overwritten."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(
            _(
                "This measure was changed by someone else while you were editing it (it is now at version "
                "%(version)s). Your changes were not saved: reload it, then apply them again."
            )
            % {"version": current_version},
            code="conflict",
        )


def is_member_of_owner(actor: Any, record: Any) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if record.owner_state_id is not None:
        return actor.member_state_id == record.owner_state_id
    return actor.organization_id is not None and actor.organization_id == record.owner_organization_id


def can_edit(actor: Any, measure: Measure) -> bool:
    """Only members of the owning state or organization edit, and only while it is a draft."""
    return measure.lifecycle == Lifecycle.DRAFT and is_member_of_owner(actor, measure)


def _require_curator(actor: Any, message: str) -> None:
    if not getattr(actor, "is_curator", False):
        raise PermissionDenied(message)


def snapshot(measure: Measure) -> dict[str, Any]:
    """The content of a measure as it is now, for its history."""
    return {
        "title": measure.title,
        "summary": measure.summary,
        "description": measure.description,
        "language": measure.language,
        "pillar": measure.pillar.slug,
        "status": measure.status,
        "since_year": measure.since_year,
        "evidence": measure.evidence,
        "evidence_source": measure.evidence_source,
        "cost_range": measure.cost_range,
        "prerequisites": measure.prerequisites,
        "tlp": measure.tlp,
        "lifecycle": measure.lifecycle,
        "threats": sorted(measure.threats.values_list("slug", flat=True)),
        "technologies": sorted(measure.technologies.values_list("slug", flat=True)),
        "references": [{"kind": r.kind, "title": r.title, "url": r.url} for r in measure.references.order_by("id")],
    }


def _save_version(measure: Measure, *, actor: Any, action: str, comment: str = "") -> MeasureVersion:
    return MeasureVersion.objects.create(
        measure=measure,
        number=measure.version,
        snapshot=snapshot(measure),
        action=action,
        comment=comment,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _set_relations(measure: Measure, relations: dict[str, Any], references: list[dict[str, str]] | None) -> None:
    for name in M2M_FIELDS:
        if name in relations:
            getattr(measure, name).set(relations[name])
    if references is not None:
        measure.references.all().delete()
        for reference in references:
            item = MeasureReference(measure=measure, **reference)
            item.full_clean(exclude=["measure"])
            item.save()


def _owner_for(actor: Any) -> dict[str, Any]:
    if getattr(actor, "member_state_id", None):
        return {"owner_state_id": actor.member_state_id}
    if getattr(actor, "organization_id", None):
        return {"owner_organization_id": actor.organization_id}
    raise PermissionDenied(_("Only members of a Member State or an organization can contribute measures."))


@transaction.atomic
def create_measure(
    *,
    actor: Any,
    references: list[dict[str, str]] | None = None,
    owner: dict[str, Any] | None = None,
    is_illustrative: bool = False,
    **fields: Any,
) -> Measure:
    """A member drafts a measure for their own state or organization."""
    relations = {name: fields.pop(name) for name in M2M_FIELDS if name in fields}
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    owner = owner if owner is not None else _owner_for(actor)
    measure = Measure(
        **owner,
        **fields,
        lifecycle=Lifecycle.DRAFT,
        is_illustrative=is_illustrative,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    measure.full_clean()
    measure.save()
    _set_relations(measure, relations, references)
    if measure.tlp == TLP.RED and getattr(actor, "is_authenticated", False):
        measure.shared_with_users.add(actor)  # the author is always among the people a RED record names
    _save_version(measure, actor=actor, action="created")
    search.index_measure(measure)
    audit.record(actor, "measure.created", measure, changes={"title": measure.title})
    return measure


@transaction.atomic
def update_measure(
    measure: Measure,
    *,
    actor: Any,
    expected_version: int,
    references: list[dict[str, str]] | None = None,
    **fields: Any,
) -> Measure:
    """A member edits a draft of their own state or organization; a stale version is refused."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if not can_edit(actor, measure):
        raise PermissionDenied(_("Only members of the owner can edit this measure, and only while it is a draft."))
    if measure.version != expected_version:
        raise EditConflict(measure.version)
    relations = {name: fields.pop(name) for name in M2M_FIELDS if name in fields}
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    before = snapshot(measure)
    for name, value in fields.items():
        setattr(measure, name, value)
    measure.full_clean()
    measure.version += 1
    measure.save()
    _set_relations(measure, relations, references)
    version = _save_version(measure, actor=actor, action="edited")
    search.index_measure(measure)
    audit.record(actor, "measure.edited", measure, changes=audit.diff(before, version.snapshot))
    return measure


def _transition(
    measure: Measure,
    target: str,
    allowed_from: tuple[str, ...],
    *,
    actor: Any,
    action: str,
    comment: str = "",
    **stamps: Any,
) -> Measure:
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.lifecycle not in allowed_from:
        raise InvalidTransition(measure.lifecycle, target)
    before = measure.lifecycle
    measure.lifecycle = target
    for name, value in stamps.items():
        setattr(measure, name, value)
    measure.version += 1
    measure.save()
    _save_version(measure, actor=actor, action=action, comment=comment)
    search.index_measure(measure)
    audit.record(actor, f"measure.{action}", measure, changes={"lifecycle": [before, target], "comment": comment})
    return measure


@transaction.atomic
def submit_measure(measure: Measure, *, actor: Any) -> Measure:
    """A member sends their draft to the Secretariat for review."""
    if not is_member_of_owner(actor, measure):
        raise PermissionDenied(_("Only members of the owner can submit this measure."))
    return _transition(
        measure, Lifecycle.SUBMITTED, (Lifecycle.DRAFT,), actor=actor, action="submitted", submitted_at=timezone.now()
    )


@transaction.atomic
def start_review(measure: Measure, *, actor: Any) -> Measure:
    _require_curator(actor, _("Only a curator can review."))
    return _transition(measure, Lifecycle.IN_REVIEW, (Lifecycle.SUBMITTED,), actor=actor, action="review_started")


@transaction.atomic
def send_back_measure(measure: Measure, *, actor: Any, comment: str) -> Measure:
    """A curator returns a measure to its owner as a draft, saying what to change."""
    _require_curator(actor, _("Only a curator can send a measure back."))
    if not comment.strip():
        raise ValidationError(_("Say what the owner should change."), code="comment_required")
    measure = _transition(
        measure,
        Lifecycle.DRAFT,
        (Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW),
        actor=actor,
        action="sent_back",
        comment=comment.strip(),
    )
    ReviewComment.objects.create(measure=measure, author=actor, text=comment.strip())
    return measure


@transaction.atomic
def publish_measure(measure: Measure, *, actor: Any) -> Measure:
    """A curator publishes a submitted measure; dissemination is recorded against the resolution."""
    _require_curator(actor, _("Only a curator can publish."))
    measure = _transition(
        measure,
        Lifecycle.PUBLISHED,
        (Lifecycle.SUBMITTED, Lifecycle.IN_REVIEW),
        actor=actor,
        action="published",
        published_at=timezone.now(),
    )
    if not measure.is_illustrative:
        record_activity(kind=ActivityKind.DISSEMINATION, title=measure.title, source=measure, actor=actor)
    return measure


@transaction.atomic
def withdraw_measure(measure: Measure, *, actor: Any, comment: str = "") -> Measure:
    """The owner's members or a curator withdraw a published measure; it stays in the history."""
    if not (is_member_of_owner(actor, measure) or getattr(actor, "is_curator", False)):
        raise PermissionDenied(_("Only members of the owner or a curator can withdraw this measure."))
    return _transition(
        measure, Lifecycle.WITHDRAWN, (Lifecycle.PUBLISHED,), actor=actor, action="withdrawn", comment=comment
    )


@transaction.atomic
def set_measure_translation(
    measure: Measure, *, actor: Any, language: str, quality: str, **texts: str
) -> MeasureTranslation:
    """Add or replace the measure's texts in another language."""
    if not (is_member_of_owner(actor, measure) or getattr(actor, "is_curator", False)):
        raise PermissionDenied(_("Only members of the owner or a curator can translate this measure."))
    if language == measure.language:
        raise ValidationError(_("This is the measure's original language: edit the measure instead."))
    translation = MeasureTranslation.objects.filter(measure=measure, language=language).first() or MeasureTranslation(
        measure=measure, language=language
    )
    translation.quality = quality
    for name, value in texts.items():
        setattr(translation, name, value)
    translation.full_clean()
    translation.save()
    search.index_measure(measure)
    audit.record(actor, "measure.translated", measure, changes={"language": language, "quality": quality})
    return translation


# --- attachments ---------------------------------------------------------------------------

_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": DOCX,
}


def detect_type(upload: UploadedFile) -> str | None:
    """The file's real type from its first bytes (and, for DOCX, its parts), or None."""
    head = upload.read(16)
    upload.seek(0)
    for content_type, signatures in _SIGNATURES.items():
        if any(head.startswith(signature) for signature in signatures):
            return content_type
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return DOCX
    return None


@transaction.atomic
def attach_file(measure: Measure, upload: UploadedFile, *, actor: Any) -> MeasureAttachment:
    """Attach a PDF, DOCX, PNG or JPEG to a draft; anything else, or too large, is refused and not stored."""
    if not can_edit(actor, measure):
        raise PermissionDenied(_("Only members of the owner can add files, and only while the measure is a draft."))
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"name": upload.name, "size": upload.size, "limit": limit},
            code="too_large",
        )
    name = (upload.name or "file").rsplit("/", 1)[-1]
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    detected = detect_type(upload)
    if detected is None or EXTENSIONS.get(extension) != detected:
        raise ValidationError(
            _("“%(name)s” is not a PDF, DOCX, PNG or JPEG file (judged by its content, not only its name).")
            % {"name": name},
            code="wrong_type",
        )
    attachment = MeasureAttachment(
        measure=measure, name=name[:200], content_type=detected, size=upload.size, uploaded_by=actor
    )
    attachment.file.save(name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    audit.record(actor, "measure.file_attached", measure, changes={"file": name, "size": upload.size})
    return attachment


@transaction.atomic
def create_technology(
    *, actor: Any, owner: dict[str, Any] | None = None, threats: Any = (), **fields: Any
) -> Technology:
    """The Secretariat describes a technology (``actor=None``: the demo or import loader)."""
    if actor is not None and not getattr(actor, "is_curator", False):
        raise PermissionDenied(_("Only the Secretariat describes technologies."))
    owner = owner if owner is not None else _owner_for(actor)
    technology = Technology(**owner, **fields)
    technology.full_clean()
    technology.save()
    technology.threats.set(threats)
    audit.record(actor, "technology.created", technology, changes={"name": technology.name})
    return technology


# --- imports (exchange.importing) ----------------------------------------------------------


@dataclass
class ImportedDraft:
    """A measure an import is about to create: its fields as stored and its relations.

    ``fields`` holds the editable fields with the pillar as ``pillar_id`` and ``is_illustrative``;
    ``translations`` maps a language to its ``title``, ``summary`` and ``description``.
    """

    fields: dict[str, Any]
    threat_ids: set[int] = dataclass_field(default_factory=set)
    technology_ids: set[int] = dataclass_field(default_factory=set)
    references: list[dict[str, str]] = dataclass_field(default_factory=list)
    translations: dict[str, dict[str, str]] = dataclass_field(default_factory=dict)


#: New drafts of one import indexed for search within the import; a larger import leaves them to a background
#: task (a search entry costs 0.2 ms a measure on SQLite and 0.9 ms on PostgreSQL: more than all the rest of
#: the import), enqueued in the same transaction so a committed import is always indexed.
INLINE_INDEX_LIMIT = 1000
_MEASURE_TEXT_LIMITS = {"title": 300, "summary": 1000, "evidence_source": 300}
_IMPORT_CHOICES = {
    "language": frozenset(Language.values),
    "status": frozenset(MeasureStatus.values),
    "tlp": frozenset(TLP.values),
    "cost_range": frozenset(["", *CostRange.values]),
}


_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def may_import_for(actor: Any, owner: dict[str, Any]) -> bool:
    """Imports make drafts for an owner: the system (a scheduled sync), a curator, or a member of that owner."""
    if actor is None or getattr(actor, "is_curator", False):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    if owner.get("owner_state_id") is not None:
        return actor.member_state_id == owner["owner_state_id"]
    return actor.organization_id is not None and actor.organization_id == owner.get("owner_organization_id")


def owner_of(record: Any) -> dict[str, Any]:
    if record.owner_state_id is not None:
        return {"owner_state_id": record.owner_state_id}
    return {"owner_organization_id": record.owner_organization_id}


def import_owner(actor: Any, owner: dict[str, Any] | None = None) -> dict[str, Any]:
    """The owner of an import's drafts: the one given, or the actor's state or organization; refused unless
    the actor may import for it (``may_import_for``)."""
    if owner is None:
        if actor is None:
            raise PermissionDenied(_("An import without a person needs an owner for its drafts."))
        owner = _owner_for(actor)
    owner = {key: value for key, value in owner.items() if value is not None}
    if set(owner) not in ({"owner_state_id"}, {"owner_organization_id"}):
        raise ValueError("owner is {'owner_state_id': …} or {'owner_organization_id': …}")
    if not may_import_for(actor, owner):
        raise PermissionDenied(_("Only members of the owner or a curator can import for it."))
    return owner


def _check_imported_fields(fields: dict[str, Any], pillar_ids: set[int]) -> None:
    """The model's rules for one draft, without a query per draft (``full_clean`` reads the database)."""
    problems = []
    if not fields.get("title") or not fields.get("summary"):
        problems.append(_("a measure needs a title and a summary"))
    for name, limit in _MEASURE_TEXT_LIMITS.items():
        if len(fields.get(name) or "") > limit:
            problems.append(_("%(field)s is longer than %(limit)s characters") % {"field": name, "limit": limit})
    for name, allowed in _IMPORT_CHOICES.items():
        if fields.get(name, "") not in allowed:
            problems.append(_("%(field)s “%(value)s” is not a choice") % {"field": name, "value": fields.get(name)})
    if fields.get("pillar_id") not in pillar_ids:
        problems.append(_("no such pillar"))
    year = fields.get("since_year")
    if year is not None and not (isinstance(year, int) and 1980 <= year <= 2100):
        problems.append(_("since_year must be a year from 1980 to 2100"))
    if problems:
        raise ValidationError("; ".join(problems), code="invalid_import")


@transaction.atomic
def import_measures(
    drafts: list[ImportedDraft], *, actor: Any, owner: dict[str, Any], source: Any = None, comment: str = ""
) -> list[int]:
    """Measures taken in from another system, all at once: created in review (never published), each with its
    first version in the history (``imported``), its relations and translations; one audit row for them all.

    Returns the new measures' ids, in the order of ``drafts``. Rows are written in bulk (``core.bulk``):
    tens of thousands of drafts take seconds, not minutes. :class:`MeasureImport` does the same in steps.
    """
    with bulk.Writer() as writer:
        # (checks the permission)
        batch = MeasureImport(actor=actor, owner=owner, comment=comment, writer=writer, expected=len(drafts))
        batch.add(drafts)
        batch.complete()
    measures_imported(batch.ids, actor=actor, source=source, comment=comment)
    return batch.ids


class MeasureImport:
    """:func:`import_measures` in steps, for an importer that learns the drafts' links and translations after
    their fields: :meth:`add` checks drafts, gives them ids and queues the measures on ``writer`` (on
    PostgreSQL written on its thread while the importer goes on); :meth:`complete` queues what refers to
    them, as the drafts are by then; once ``writer`` has written it all, the importer calls
    :func:`measures_imported` with :attr:`ids`.
    """

    def __init__(
        self, *, actor: Any, owner: dict[str, Any], comment: str, writer: bulk.Writer, expected: int = 0
    ) -> None:
        if not may_import_for(actor, owner):
            raise PermissionDenied(_("Only members of the owner or a curator can import measures for it."))
        self.comment, self.writer = comment, writer
        self.state, self.organization = owner.get("owner_state_id"), owner.get("owner_organization_id")
        self.drafts: list[ImportedDraft] = []
        self.ids: list[int] = []
        # everything read now: the connection is the writer's until it is done
        self.pillars = dict(Pillar.objects.values_list("pk", "slug"))
        self.threat_slugs = dict(Threat.objects.values_list("pk", "slug"))
        self.technology_slugs = dict(Technology.objects.values_list("pk", "slug"))
        person = actor if getattr(actor, "is_authenticated", False) else None
        self.stamp = bulk.db_value(Measure, "created_at", timezone.now())
        self.author = person.pk if person is not None else None
        # ids for the ``expected`` measures, drawn now: asking for them batch by batch would wait for the writer
        # (an id drawn and not used is a gap in the sequence on PostgreSQL, and nothing at all on SQLite)
        self._spare = bulk.reserve_ids(Measure, expected)

    def add(self, drafts: list[ImportedDraft]) -> list[int]:
        """Checks the drafts and queues them as measures; returns their ids. Raises ``ValidationError``."""
        if not drafts:
            return []
        pillar_ids = set(self.pillars)
        state, organization, author, stamp = self.state, self.organization, self.author, self.stamp
        rows = []
        for draft in drafts:
            f = draft.fields
            _check_imported_fields(f, pillar_ids)
            # (the columns of MEASURE_COLUMNS, in order; the id comes below)
            rows.append(
                (
                    f["tlp"],
                    Lifecycle.IN_REVIEW,
                    state,
                    organization,
                    f["language"],
                    1,
                    author,
                    stamp,
                    stamp,
                    stamp,
                    None,
                    bool(f.get("is_illustrative", False)),
                    f["title"],
                    f["summary"],
                    f.get("description", ""),
                    f["pillar_id"],
                    f["status"],
                    f.get("since_year"),
                    f.get("evidence", ""),
                    f.get("evidence_source", ""),
                    f.get("cost_range", ""),
                    f.get("prerequisites", ""),
                )
            )
        if len(self._spare) < len(drafts):
            self._spare += bulk.reserve_ids(Measure, len(drafts) - len(self._spare))
        ids, self._spare = self._spare[: len(drafts)], self._spare[len(drafts) :]
        self.writer.insert(Measure, MEASURE_COLUMNS, [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
        self.drafts += drafts
        self.ids += ids
        return ids

    def complete(self) -> None:
        """Queues the drafts' first versions, links, references and translations."""
        if not self.ids:
            return
        versions, references, translations, threats, technologies = [], [], [], [], []
        stamp, author, comment, quality = self.stamp, self.author, self.comment, TranslationQuality.MACHINE
        for pk, draft in zip(self.ids, self.drafts, strict=True):
            f = draft.fields
            threats += [(pk, threat) for threat in sorted(draft.threat_ids)]
            technologies += [(pk, technology) for technology in sorted(draft.technology_ids)]
            references += [(pk, r["kind"], r["title"], r.get("url", "")) for r in draft.references]
            translations += [
                (pk, lang, quality, stamp, t["title"], t["summary"], t.get("description", ""), "", "")
                for lang, t in draft.translations.items()
            ]
            content = {
                "title": f["title"],
                "summary": f["summary"],
                "description": f.get("description", ""),
                "language": f["language"],
                "pillar": self.pillars[f["pillar_id"]],
                "status": f["status"],
                "since_year": f.get("since_year"),
                "evidence": f.get("evidence", ""),
                "evidence_source": f.get("evidence_source", ""),
                "cost_range": f.get("cost_range", ""),
                "prerequisites": f.get("prerequisites", ""),
                "tlp": f["tlp"],
                "lifecycle": Lifecycle.IN_REVIEW,
                "threats": sorted(self.threat_slugs[t] for t in draft.threat_ids),
                "technologies": sorted(self.technology_slugs[t] for t in draft.technology_ids),
                "references": [
                    {"kind": r["kind"], "title": r["title"], "url": r.get("url", "")} for r in draft.references
                ],
            }
            versions.append((pk, 1, _json(content), "imported", comment, author, stamp))
        writer = self.writer
        writer.insert(MeasureVersion, VERSION_COLUMNS, versions)
        writer.insert(Measure.threats.through, ("measure_id", "threat_id"), threats)
        writer.insert(Measure.technologies.through, ("measure_id", "technology_id"), technologies)
        writer.insert(MeasureReference, ("measure_id", "kind", "title", "url"), references)
        writer.insert(MeasureTranslation, TRANSLATION_COLUMNS, translations)


def measures_imported(ids: list[int], *, actor: Any, source: Any = None, comment: str = "") -> None:
    """What follows the writing of measures :func:`import_measures` created: their search index (here for a
    few, by the background worker for many) and the audit row."""
    if not ids:
        return
    if len(ids) <= INLINE_INDEX_LIMIT:
        search.index_new_measures(ids)
    else:
        from clearinghouse.catalog.tasks import index_new_measures

        index_new_measures.enqueue(min(ids), max(ids))
    audit.record(
        actor,
        "measure.imported",
        source,
        changes={"created": len(ids), "first_id": min(ids), "last_id": max(ids), "comment": comment},
    )


MEASURE_COLUMNS = (
    "id",
    "tlp",
    "lifecycle",
    "owner_state_id",
    "owner_organization_id",
    "language",
    "version",
    "created_by_id",
    "created_at",
    "updated_at",
    "submitted_at",
    "published_at",
    "is_illustrative",
    "title",
    "summary",
    "description",
    "pillar_id",
    "status",
    "since_year",
    "evidence",
    "evidence_source",
    "cost_range",
    "prerequisites",
)
VERSION_COLUMNS = ("measure_id", "number", "snapshot", "action", "comment", "created_by_id", "created_at")
TRANSLATION_COLUMNS = (
    "measure_id",
    "language",
    "quality",
    "updated_at",
    "title",
    "summary",
    "description",
    "evidence",
    "prerequisites",
)


def _translations_of(measure: Measure) -> dict[str, tuple[str, str, str]]:
    return {t.language: (t.title, t.summary, t.description) for t in measure.translations.all()}


@transaction.atomic
def update_imported_measure(
    measure: Measure,
    *,
    actor: Any,
    fields: dict[str, Any] | None = None,
    references: list[dict[str, str]] | None = None,
    techniques: Iterable[dict[str, str]] = (),
    threat_ids: Iterable[int] = (),
    technology_ids: Iterable[int] = (),
    translations: dict[str, dict[str, str]] | None = None,
    comment: str = "",
) -> bool:
    """A newer version from an import: the new content replaces the measure's, and the measure goes (back)
    to review: an import never publishes. ``references`` replaces the references but techniques,
    ``techniques`` are added, as are threats and technologies. Returns False when nothing changed (then
    nothing is saved: no version, no audit row)."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if not may_import_for(actor, owner_of(measure)):
        raise PermissionDenied(_("Only an import for the owner of this measure, or by a curator, can change it."))
    before, before_translations = snapshot(measure), _translations_of(measure)
    if fields:
        unknown = set(fields) - {*EDITABLE_FIELDS, "pillar_id", "is_illustrative"}
        if unknown:
            raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
        for name, value in fields.items():
            setattr(measure, name, value)
        measure.full_clean()
    if references is not None and [r for r in before["references"] if r["kind"] != ReferenceKind.TECHNIQUE] != [
        {"kind": r["kind"], "title": r["title"], "url": r.get("url", "")} for r in references
    ]:
        measure.references.exclude(kind=ReferenceKind.TECHNIQUE).delete()
        for reference in references:
            item = MeasureReference(measure=measure, **reference)
            item.full_clean(exclude=["measure"])
            item.save()
    held = set(measure.references.filter(kind=ReferenceKind.TECHNIQUE).values_list("title", flat=True))
    for technique in techniques:
        if technique["title"] not in held:
            item = MeasureReference(measure=measure, kind=ReferenceKind.TECHNIQUE, **technique)
            item.full_clean(exclude=["measure"])
            item.save()
            held.add(technique["title"])
    measure.threats.add(*threat_ids)
    measure.technologies.add(*technology_ids)
    for language, texts in (translations or {}).items():
        if language == measure.language:
            continue
        if before_translations.get(language) == (texts["title"], texts["summary"], texts.get("description", "")):
            continue
        translation = MeasureTranslation.objects.filter(measure=measure, language=language).first() or (
            MeasureTranslation(measure=measure, language=language)
        )
        translation.quality = TranslationQuality.MACHINE
        translation.title, translation.summary = texts["title"], texts["summary"]
        translation.description = texts.get("description", "")
        translation.full_clean()
        translation.save()
    after = snapshot(measure)
    changes = audit.diff(before, after)
    translated = sorted(set(_translations_of(measure).items()) - set(before_translations.items()))
    if not changes and not translated:
        return False
    if translated:
        changes["translations"] = [None, [language for language, _texts in translated]]
    if measure.lifecycle == Lifecycle.DRAFT:
        measure.submitted_at = timezone.now()
    if measure.lifecycle != Lifecycle.IN_REVIEW:
        changes["lifecycle"] = [measure.lifecycle, Lifecycle.IN_REVIEW]
        measure.lifecycle = Lifecycle.IN_REVIEW
    measure.version += 1
    measure.save()
    _save_version(measure, actor=actor, action="imported", comment=comment)
    search.index_measure(measure)
    audit.record(actor, "measure.imported", measure, changes={**changes, "comment": comment})
    return True


@transaction.atomic
def import_technology(
    *, actor: Any, owner: dict[str, Any], comment: str = "", threats: Any = (), **fields: Any
) -> Technology:
    """A technology taken in from another system: in review, for the Secretariat to check and publish."""
    if not may_import_for(actor, owner):
        raise PermissionDenied(_("Only members of the owner or a curator can import technologies for it."))
    technology = Technology(
        **owner,
        **fields,
        lifecycle=Lifecycle.IN_REVIEW,
        submitted_at=timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    technology.full_clean()
    technology.save()
    technology.threats.set(threats)
    audit.record(actor, "technology.imported", technology, changes={"name": technology.name, "comment": comment})
    return technology


@transaction.atomic
def update_imported_technology(technology: Technology, *, actor: Any, comment: str = "", **fields: Any) -> bool:
    """A newer version of an imported technology: new content, back to review. False when nothing changed."""
    technology = Technology.objects.select_for_update().get(pk=technology.pk)
    if not may_import_for(actor, owner_of(technology)):
        raise PermissionDenied(_("Only an import for the owner of this technology, or by a curator, can change it."))
    before = {name: getattr(technology, name) for name in fields}
    changes = audit.diff(before, fields)
    if not changes:
        return False
    for name, value in fields.items():
        setattr(technology, name, value)
    if technology.lifecycle != Lifecycle.IN_REVIEW:
        changes["lifecycle"] = [technology.lifecycle, Lifecycle.IN_REVIEW]
        technology.lifecycle = Lifecycle.IN_REVIEW
    technology.version += 1
    technology.full_clean()
    technology.save()
    if "name" in changes:  # a measure's search document holds the names of the technologies it uses
        for measure in technology.measures.prefetch_related("translations", "technologies"):
            search.index_measure(measure)
    audit.record(actor, "technology.imported", technology, changes={**changes, "comment": comment})
    return True
