"""Files attached to a draft, judged by their content."""

from __future__ import annotations

import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog.models import (
    Measure,
    MeasureAttachment,
)
from clearinghouse.catalog.services.drafting import can_edit
from clearinghouse.core import audit

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
