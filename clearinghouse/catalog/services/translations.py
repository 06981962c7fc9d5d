"""A measure's texts in the other five languages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    Measure,
    MeasureTranslation,
)
from clearinghouse.catalog.services.drafting import is_member_of_owner
from clearinghouse.core import audit


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
