"""The kinds of help, modalities and regions kept as lists of codes, written as the reader's language names them:
``{{ item.kinds|labels:"kinds"|as_list }}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import TextChoices

from clearinghouse.assistance.models import HelpKind, Modality
from clearinghouse.countries.models import BDTRegion

register = template.Library()

CHOICES: dict[str, type[TextChoices]] = {"kinds": HelpKind, "modalities": Modality, "regions": BDTRegion}


@register.filter
def labels(codes: list[str] | None, kind: str) -> list[str]:
    names = dict(CHOICES[kind].choices)
    return [str(names.get(code, code)) for code in codes or []]


@register.simple_tag
def shown_texts(record: Any, original: bool = False) -> Any:
    """``{% shown_texts item as shown %}``: the record's texts in the reader's language where a translation gives
    them, else the original's (``shown.texts.title``, its language ``shown.languages.title``)."""
    from clearinghouse.assistance.translations import shown

    return shown(record, original=bool(original))
