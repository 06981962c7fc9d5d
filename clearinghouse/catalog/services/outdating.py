"""When an original changes, its translations made from the older text become outdated (and current again if
the text comes back): called by every service that changes a measure's or a technology's texts."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from clearinghouse.catalog.models import Measure


def refresh_outdated_translations(record: Any) -> list[str]:
    """Mark outdated, from now, the translations of ``record`` that a change of its texts left behind; clear the
    mark of those whose original is again the text they were made from. Returns the languages newly outdated."""
    now, newly_outdated = timezone.now(), []
    translations = list(record.translations.all())
    changed = []
    for translation in translations:
        if isinstance(record, Measure):
            translation.measure = record
        else:
            translation.technology = record
        stale = bool(translation.stale_fields(record))
        if stale and translation.outdated_since is None:
            translation.outdated_since = now
            newly_outdated.append(translation.language)
            changed.append(translation)
        elif not stale and translation.outdated_since is not None:
            translation.outdated_since = None
            changed.append(translation)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["outdated_since"])
    return sorted(newly_outdated)
