"""A measure's or a technology's texts in the other five languages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    Measure,
    MeasureTranslation,
    Technology,
    TechnologyTranslation,
    TranslationBase,
)
from clearinghouse.catalog.services.drafting import is_member_of_owner
from clearinghouse.core import audit


def _save(translation: TranslationBase, *, actor: Any, quality: str, texts: dict[str, str]) -> None:
    translation.quality = quality
    for name, value in texts.items():
        setattr(translation, name, value)
    # A loader (actor=None) may set a mark of its own that the choices do not list yet, such as the demo's
    # "illustrative"; what a person submits is checked against the choices.
    translation.full_clean(exclude=["quality"] if actor is None else None)
    translation.save()


@transaction.atomic
def set_measure_translation(
    measure: Measure, *, actor: Any, language: str, quality: str, **texts: str
) -> MeasureTranslation:
    """Add or replace the measure's texts in another language (``actor=None``: the demo loader)."""
    if actor is not None and not (is_member_of_owner(actor, measure) or getattr(actor, "is_curator", False)):
        raise PermissionDenied(_("Only members of the owner or a curator can translate this measure."))
    if language == measure.language:
        raise ValidationError(_("This is the measure's original language: edit the measure instead."))
    translation = MeasureTranslation.objects.filter(measure=measure, language=language).first() or MeasureTranslation(
        measure=measure, language=language
    )
    _save(translation, actor=actor, quality=quality, texts=texts)
    search.index_measure(measure)
    audit.record(actor, "measure.translated", measure, changes={"language": language, "quality": quality})
    return translation


@transaction.atomic
def set_technology_translation(
    technology: Technology, *, actor: Any, language: str, quality: str, **texts: str
) -> TechnologyTranslation:
    """The Secretariat adds or replaces a technology's name and description in another language
    (``actor=None``: the demo loader)."""
    if actor is not None and not getattr(actor, "is_curator", False):
        raise PermissionDenied(_("Only the Secretariat describes technologies."))
    if language == technology.language:
        raise ValidationError(_("This is the technology's original language: edit the technology instead."))
    translation = TechnologyTranslation.objects.filter(
        technology=technology, language=language
    ).first() or TechnologyTranslation(technology=technology, language=language)
    _save(translation, actor=actor, quality=quality, texts=texts)
    audit.record(actor, "technology.translated", technology, changes={"language": language, "quality": quality})
    return translation
