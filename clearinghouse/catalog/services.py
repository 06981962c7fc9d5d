"""Every change to the catalogue: drafting, the review workflow, versions, translations, attachments.

draft → submitted → in review → published → withdrawn; a curator may send a submitted or
in-review measure back to draft with a comment. Each service runs in one transaction, writes
the audit row, saves a version snapshot and refreshes the search index.
"""

from __future__ import annotations

import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    Measure,
    MeasureAttachment,
    MeasureReference,
    MeasureTranslation,
    MeasureVersion,
    ReviewComment,
    Technology,
)
from clearinghouse.core import audit
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
