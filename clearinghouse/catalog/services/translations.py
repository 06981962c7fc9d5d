"""Translations of measures and technologies, and of every other type of record registered with
``selectors.register_record_type`` (the assistance clearinghouse's requests and offers): made (by a form, a loader
or an XLIFF file), reviewed, and marked outdated when their original changes (``outdating``).

Every translation records how it was made (``TranslationQuality``), the account that made it, for a
professional one the translator's name, and the digests of the original texts it was made from.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.catalog import selectors, xliff
from clearinghouse.catalog.models import (
    Measure,
    MeasureTranslation,
    Technology,
    TechnologyTranslation,
    TranslationBase,
    TranslationQuality,
)
from clearinghouse.catalog.services.drafting import is_member_of_owner
from clearinghouse.core import audit

#: The marks a person gives on the form; ``illustrative`` is the demo loader's (``actor=None``) only.
MARKS_A_PERSON_GIVES = (
    TranslationQuality.AUTHOR,
    TranslationQuality.PROFESSIONAL,
    TranslationQuality.REVIEWED,
    TranslationQuality.MACHINE,
)


def may_translate(actor: Any, record: Any) -> bool:
    """Members of the owner translate their records; curators translate any they may see."""
    return is_member_of_owner(actor, record) or bool(getattr(actor, "is_curator", False))


def person_name(actor: Any) -> str:
    return (actor.get_full_name() or actor.get_username()) if getattr(actor, "is_authenticated", False) else ""


def _check_mark(record: Any, *, actor: Any, quality: str) -> None:
    if quality not in TranslationQuality.values:
        raise ValidationError(_("“%(mark)s” is not a way a translation is made.") % {"mark": quality})
    if quality == TranslationQuality.ILLUSTRATIVE and actor is not None:
        raise ValidationError(_("Only the demo data's translations are marked illustrative."))
    if quality == TranslationQuality.AUTHOR and not is_member_of_owner(actor, record):
        raise ValidationError(_("Only a member of the owner translates as the author."))


def _write(translation: TranslationBase, *, actor: Any, quality: str, translator: str, texts: dict[str, str]) -> None:
    """Set the texts given and what is recorded of their making; the translation is current for them."""
    unknown = set(texts) - set(translation.TRANSLATED_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    for name, value in texts.items():
        setattr(translation, name, value)
    translation.quality = quality
    translation.made_by = actor if getattr(actor, "is_authenticated", False) else None
    if quality == TranslationQuality.PROFESSIONAL:
        translation.translator = (translator or person_name(actor))[:200]
    else:
        translation.translator = ""
    translation.translated_at = timezone.now()
    translation.stamp_sources(texts)
    translation.outdated_since = translation.outdated_since if translation.stale_fields() else None
    translation.full_clean()
    translation.save()


def _refusals(kind: str) -> tuple[str, str]:
    """What a person is told when they may not translate a record of ``kind``, or give its own language."""
    if kind == "measure":
        return (
            _("Only members of the owner or a curator can translate this measure."),
            _("This is the measure's original language: edit the measure instead."),
        )
    if kind == "technology":
        return (
            _("Only members of the owner or a curator can translate this technology."),
            _("This is the technology's original language: edit the technology instead."),
        )
    return (
        _("Only members of the owner or a curator can translate this record."),
        _("This is the record's original language: translate it into another one, or edit the record."),
    )


def _translation_of(record: Any, language: str) -> TranslationBase:
    """``record``'s translation into ``language``, or a new one (not saved)."""
    relation = type(record).translations.rel
    model, fk = relation.related_model, relation.field.name
    found = model.objects.filter(**{fk: record}, language=language).first()
    return found or model(**{fk: record}, language=language)


def _translations_changed(kind: str, record: Any) -> None:
    changed = selectors.RECORD_TYPE_DETAILS[kind].translations_changed
    if changed is not None:
        changed(record)


@transaction.atomic
def set_translation(
    record: Any,
    *,
    actor: Any,
    language: str,
    quality: str,
    translator: str = "",
    allowed: Any = None,
    **texts: str,
) -> TranslationBase:
    """Add or replace the texts of ``record`` (of any type of ``selectors.RECORD_TYPES``) in another language,
    saying how they were made. Who may is ``allowed(actor, record)`` (by default ``may_translate``: the members
    of the owner and the curators); ``actor=None`` is a loader's (the demo data). A translation into the record's
    own language, an unknown mark or language, a text too long: a ``ValidationError`` naming it, nothing saved."""
    kind = selectors.kind_of(record)
    refused, own_language = _refusals(kind)
    if actor is not None and not (allowed or may_translate)(actor, record):
        raise PermissionDenied(refused)
    if language == record.language:
        raise ValidationError(own_language)
    _check_mark(record, actor=actor, quality=quality)
    translation = _translation_of(record, language)
    _write(translation, actor=actor, quality=quality, translator=translator, texts=texts)
    _translations_changed(kind, record)
    name = selectors.RECORD_TYPE_DETAILS[kind].audit_name
    audit.record(actor, f"{name}.translated", record, changes={"language": language, "quality": quality})
    return translation


def set_measure_translation(
    measure: Measure, *, actor: Any, language: str, quality: str, translator: str = "", **texts: str
) -> MeasureTranslation:
    """Add or replace the measure's texts in another language, saying how they were made."""
    return set_translation(  # type: ignore[return-value]
        measure, actor=actor, language=language, quality=quality, translator=translator, **texts
    )


def set_technology_translation(
    technology: Technology, *, actor: Any, language: str, quality: str, translator: str = "", **texts: str
) -> TechnologyTranslation:
    """Add or replace the technology's name and description in another language."""
    return set_translation(  # type: ignore[return-value]
        technology, actor=actor, language=language, quality=quality, translator=translator, **texts
    )


@transaction.atomic
def review_translation(translation: TranslationBase, *, actor: Any) -> TranslationBase:
    """A person confirms that a translation still says what its original says now: it is no longer outdated,
    and a machine translation becomes a reviewed one (a professional's, an author's or an illustrative one
    keeps its mark)."""
    record = translation.original
    if not may_translate(actor, record):
        raise PermissionDenied(_("Only members of the owner or a curator can review this translation."))
    translation.stamp_sources()
    translation.outdated_since = None
    translation.reviewed_by, translation.reviewed_at = actor, timezone.now()
    if translation.quality == TranslationQuality.MACHINE:
        translation.quality = TranslationQuality.REVIEWED
    translation.save()
    name = selectors.RECORD_TYPE_DETAILS[selectors.kind_of(record)].audit_name
    audit.record(actor, f"{name}.translation_reviewed", record, changes={"language": translation.language})
    return translation


# -- XLIFF ----------------------------------------------------------------------------------------------------


def _kinds() -> dict[str, tuple[type[Any], type[TranslationBase]]]:
    """What a unit id names (``measure/12/summary``, ``technology/3/name``, ``assistance-request/4/need``): each
    type of record a translator is sent, with the model of its translations."""
    return {kind: (model, model.translations.rel.related_model) for kind, model in selectors.RECORD_TYPES.items()}


class XliffRefused(ValidationError):
    """An XLIFF file refused whole: ``problems`` names each reason; nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(problems, code="xliff_refused")


@dataclass
class XliffImport:
    """What an XLIFF import did, unit by unit (ids), for the page, the API and the command to report."""

    language: str
    applied: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "applied": self.applied,
            "stale": self.stale,
            "untranslated": self.untranslated,
            "incomplete": self.incomplete,
            "records": self.records,
        }


def _unit_target(unit_id: str) -> tuple[str, int, str] | None:
    parts = unit_id.split("/")
    if len(parts) != 3 or parts[0] not in selectors.RECORD_TYPES or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def _same_text(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")


@transaction.atomic
def import_xliff(data: bytes, *, actor: Any, language: str | None = None) -> XliffImport:
    """A translator's XLIFF 1.2 file, back: each translated unit whose source is still the original's text is
    applied, as a professional translation credited to the translator the file names (else to ``actor``);
    a unit whose source changed since is stale and not applied. A file that is not valid, is for another
    language than ``language``, or names records or fields this curator cannot translate is refused whole
    (:class:`XliffRefused`): nothing is written. One audit row for the import."""
    from clearinghouse.catalog.selectors import translatable

    KINDS = _kinds()
    if not getattr(actor, "is_curator", False):
        raise PermissionDenied(_("Importing translations is for Secretariat curators."))
    try:
        document = xliff.read(data)
    except xliff.InvalidXliff as invalid:
        raise XliffRefused(invalid.problems) from None
    problems: list[str] = []
    if language is not None and language not in xliff.BCP47:
        problems.append(_("“%(language)s” is not one of the six languages of this platform.") % {"language": language})
    found = sorted(document.target_languages)
    if len(found) > 1:
        problems.append(
            _("The file holds translations into several languages (%(languages)s): import one at a time.")
            % {"languages": ", ".join(found)}
        )
    elif language is not None and found and found[0] != language:
        problems.append(
            _("The file's target language is “%(found)s”, not “%(expected)s”.")
            % {"found": found[0], "expected": language}
        )
    target = language or (found[0] if found else "")
    wanted: dict[str, set[int]] = defaultdict(set)
    for unit in document.units:
        named = _unit_target(unit.id)
        if named is None:
            problems.append(
                _("line %(line)s, unit %(unit)s: not a text of this platform (ids look like measure/12/summary)")
                % {"line": unit.line, "unit": unit.id}
            )
        else:
            wanted[named[0]].add(named[1])
    records: dict[tuple[str, int], Any] = {}
    for kind, pks in wanted.items():
        model, _translation_model = KINDS[kind]
        visible = translatable(actor, model).filter(pk__in=pks).prefetch_related("translations")
        records.update({(kind, record.pk): record for record in visible})
    for unit in document.units:
        named = _unit_target(unit.id)
        if named is None:
            continue
        kind, pk, name = named
        if (kind, pk) not in records:
            problems.append(
                _("line %(line)s, unit %(unit)s: there is no %(kind)s %(pk)s, or you may not translate it")
                % {"line": unit.line, "unit": unit.id, "kind": kind, "pk": pk}
            )
        elif name not in KINDS[kind][1].TRANSLATED_FIELDS:
            problems.append(
                _("line %(line)s, unit %(unit)s: a %(kind)s has no translated field “%(field)s”")
                % {"line": unit.line, "unit": unit.id, "kind": kind, "field": name}
            )
        elif records[(kind, pk)].language == target:
            problems.append(
                _("line %(line)s, unit %(unit)s: this %(kind)s is written in %(language)s, not translated into it")
                % {"line": unit.line, "unit": unit.id, "kind": kind, "language": target}
            )
    if problems:
        raise XliffRefused(problems)

    report = XliffImport(language=target)
    texts: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
    translators: dict[tuple[str, int], str] = {}
    for unit in document.units:
        kind, pk, name = _unit_target(unit.id)  # type: ignore[misc]
        record = records[(kind, pk)]
        if unit.target is None or not unit.target.strip() or unit.state in xliff.NOT_TRANSLATED_STATES:
            report.untranslated.append(unit.id)
        elif unit.source_language != record.language or not _same_text(unit.source, getattr(record, name)):
            report.stale.append(unit.id)
        else:
            texts[(kind, pk)][name] = unit.target
            translators.setdefault((kind, pk), unit.translator)
    for key, fields in texts.items():
        kind, pk = key
        record = records[key]
        translation_model = KINDS[kind][1]
        fk = type(record).translations.rel.field.name
        translation = next((t for t in record.translations.all() if t.language == target), None)
        ids = [f"{kind}/{pk}/{name}" for name in fields]
        if translation is None:
            if not all(fields.get(name) for name in selectors.RECORD_TYPE_DETAILS[kind].required):
                report.incomplete += ids
                continue
            translation = translation_model(**{fk: record}, language=target)
        else:
            setattr(translation, fk, record)
        _write(
            translation,
            actor=actor,
            quality=TranslationQuality.PROFESSIONAL,
            translator=translators.get(key, ""),
            texts=fields,
        )
        report.applied += ids
        report.records.append(f"{kind}/{pk}")
        _translations_changed(kind, record)
    audit.record(
        actor,
        "translations.imported",
        None,
        changes={
            "language": target,
            "applied": len(report.applied),
            "records": report.records,
            "stale": report.stale,
            "untranslated": len(report.untranslated),
            "incomplete": report.incomplete,
        },
    )
    return report
