"""What a reader is shown of a request's or an offer's texts: in the reader's language when a translation into it
exists (with how it was made and whether it is outdated), else the original, each text with the language it is in
(for ``lang``/``dir``); and the translation status of a record, language by language.

Saving, outdating and XLIFF are the catalogue's (``catalog.services.set_translation``,
``refresh_outdated_translations``, ``catalog.translation_files``), called through ``assistance.services``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clearinghouse.catalog.models import Language, TranslationBase
from clearinghouse.countries.models import active_language


@dataclass
class Shown:
    """The texts shown of ``record``: ``texts[name]`` in ``languages[name]``; ``translation`` when one is shown."""

    record: Any
    translation: TranslationBase | None
    texts: dict[str, str] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)

    @property
    def language(self) -> str:
        """The language of the title (the translation's, or the original's)."""
        return self.languages.get("title", self.record.language)

    @property
    def title(self) -> str:
        return self.texts.get("title", "")


def translated_fields(record: Any) -> tuple[str, ...]:
    return tuple(type(record).translations.rel.related_model.TRANSLATED_FIELDS)


def translation_into(record: Any, language: str) -> TranslationBase | None:
    """``record``'s translation into ``language`` (from prefetched rows when they are), None when it has none."""
    if language == record.language:
        return None
    return next((t for t in record.translations.all() if t.language == language), None)


def shown(record: Any, language: str | None = None, *, original: bool = False) -> Shown:
    """``record``'s texts in ``language`` (the reader's by default) where a translation gives them, else the
    original's; ``original``: the original whatever the reader's language."""
    translation = None if original else translation_into(record, active_language(language))
    found = Shown(record, translation)
    for name in translated_fields(record):
        text = getattr(translation, name, "") if translation is not None else ""
        found.texts[name], found.languages[name] = (
            (text, translation.language)
            if text and translation is not None
            else (getattr(record, name), record.language)
        )
    return found


@dataclass
class LanguageStatus:
    """One of the six languages for a record: its original, a translation (current or outdated) or none."""

    language: str
    label: str
    original: bool = False
    translation: TranslationBase | None = None
    #: The texts (their names, in the reader's language) whose original changed since they were translated.
    stale_texts: list[str] = field(default_factory=list)

    @property
    def outdated(self) -> bool:
        return self.translation is not None and self.translation.is_outdated


def status(record: Any) -> list[LanguageStatus]:
    """The translation status of ``record``'s texts in each of the six languages, its original's first."""
    translations = {t.language: t for t in record.translations.all()}
    rows = []
    for code, label in Language.choices:
        row = LanguageStatus(code, str(label), original=code == record.language, translation=translations.get(code))
        if row.outdated and row.translation is not None:
            meta = type(record)._meta
            row.stale_texts = [str(meta.get_field(name).verbose_name) for name in row.translation.stale_fields(record)]
        rows.append(row)
    return sorted(rows, key=lambda row: not row.original)
