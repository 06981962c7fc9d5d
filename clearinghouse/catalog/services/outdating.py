"""When an original changes, its translations made from the older text become outdated (and current again if
the text comes back): called by every service that changes the texts of a translated record (a measure, a
technology, a request or an offer for assistance), which tells the translators whose work it left behind."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from clearinghouse.accounts.models import NotificationKind, User
from clearinghouse.accounts.services import notify


def refresh_outdated_translations(record: Any, *, actor: Any) -> list[str]:
    """Mark outdated, from now, the translations of ``record`` that a change of its texts left behind; clear the
    mark of those whose original is again the text they were made from. Returns the languages newly outdated.

    Each person who made one of the translations newly outdated is told once, naming their languages (not of
    their own edit); a translation no account made (imported, loaded) tells nobody."""
    now, newly_outdated = timezone.now(), []
    translations = list(record.translations.all())
    changed = []
    languages_of: dict[int, list[str]] = defaultdict(list)
    fk = type(record).translations.rel.field.name  # measure, technology, request, offer…
    for translation in translations:
        setattr(translation, fk, record)
        stale = bool(translation.stale_fields(record))
        if stale and translation.outdated_since is None:
            translation.outdated_since = now
            newly_outdated.append(translation.language)
            changed.append(translation)
            if translation.made_by_id is not None:
                languages_of[translation.made_by_id].append(translation.language)
        elif not stale and translation.outdated_since is not None:
            translation.outdated_since = None
            changed.append(translation)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["outdated_since"])
    for translator in User.objects.filter(pk__in=languages_of):
        notify(
            NotificationKind.TRANSLATION_OUTDATED,
            recipients=[translator],
            about=record,
            actor=actor,
            languages=sorted(languages_of[translator.pk]),
        )
    return sorted(newly_outdated)
