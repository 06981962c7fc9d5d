"""What a translator is sent: the texts without a current translation into one language, as XLIFF 1.2, with the
translations of identical texts elsewhere on the platform pre-filled as translation-memory matches.

Only records the exporter may translate (``selectors.translatable``: seen by them, never TLP:RED) are read,
for the texts to translate and for the memory alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.catalog import selectors, xliff
from clearinghouse.catalog.models import text_digest

#: Texts compared in one query of the memory.
MEMORY_BATCH = 200
WHICH = ("all", "missing", "outdated")


def _relation(model: type[Any]) -> tuple[type[Any], str]:
    relation = model.translations.rel
    return relation.related_model, relation.field.name


def _records(user: Any, kind: str, language: str, which: str, ids: Iterable[int] | None) -> Any:
    model = selectors.RECORD_TYPES[kind]
    if which == "all":
        records = selectors.translatable(user, model).exclude(language=language)
    else:
        records = selectors.records_to_translate(user, kind, language, which)
    if ids is not None:
        records = records.filter(pk__in=list(ids))
    translation_model, _field = _relation(model)
    in_target = Prefetch("translations", queryset=translation_model.objects.filter(language=language), to_attr="target")
    return records.prefetch_related(in_target).order_by("pk")


def translation_memory(user: Any, language: str, wanted: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """For each (language, text) of ``wanted`` that a record this user may translate has, or has a current
    translation of, the same text in ``language``: from an original in that language to its translation, or
    from a translation back to its original."""
    found: dict[tuple[str, str], str] = {}
    batches = [
        (source, texts[i : i + MEMORY_BATCH])
        for source, all_texts in wanted.items()
        for texts in [sorted(all_texts)]
        for i in range(0, len(texts), MEMORY_BATCH)
    ]
    for model in selectors.RECORD_TYPES.values():
        translation_model, fk = _relation(model)
        records = selectors.translatable(user, model).values("pk")
        for name in translation_model.TRANSLATED_FIELDS:
            for source, texts in batches:
                # an original in the source language, translated into the target language
                forward = translation_model.objects.filter(
                    **{f"{fk}__in": records, f"{fk}__language": source, f"{fk}__{name}__in": texts},
                    language=language,
                ).values_list(f"{fk}__{name}", name, "sources")
                for text, translated, sources in forward:
                    if translated and sources.get(name) == text_digest(text):
                        found.setdefault((source, text), translated)
                # an original in the target language, translated into the source language
                backward = translation_model.objects.filter(
                    **{f"{fk}__in": records, f"{fk}__language": language, f"{name}__in": texts}, language=source
                ).values_list(name, f"{fk}__{name}", "sources")
                for text, original, sources in backward:
                    if original and sources.get(name) == text_digest(original):
                        found.setdefault((source, text), original)
    return found


def export_xliff(
    user: Any,
    language: str,
    *,
    kinds: Iterable[str] | None = None,
    ids: dict[str, list[int]] | None = None,
    which: str = "all",
) -> tuple[bytes, int]:
    """The XLIFF 1.2 file of every text of the records of ``kinds`` (every type of ``selectors.RECORD_TYPES`` by
    default; or of those ``ids`` selects) that has no
    current translation into ``language`` (``which``: all of them, only records never translated, or only
    outdated translations), and how many units it holds."""
    files: list[xliff.File] = []
    wanted: dict[str, set[str]] = defaultdict(set)
    for kind in kinds if kinds is not None else list(selectors.RECORD_TYPES):
        if ids is not None and kind not in ids:
            continue
        for record in _records(user, kind, language, which, ids.get(kind) if ids is not None else None):
            translation = record.target[0] if record.target else None
            if translation is not None:
                names = translation.untranslated_fields(record)
            else:
                names = [name for name in _relation(type(record))[0].TRANSLATED_FIELDS if getattr(record, name)]
            if not names:
                continue
            title = getattr(record, selectors.RECORD_TYPE_DETAILS[kind].title_field)
            record_file = xliff.File(
                original=f"{kind}/{record.pk}",
                source_language=record.language,
                note=f"{title} — {record.get_absolute_url()}",
            )
            for name in names:
                unit = xliff.Unit(id=f"{kind}/{record.pk}/{name}", source=getattr(record, name))
                if translation is not None and getattr(translation, name):
                    unit.previous = getattr(translation, name)
                    unit.note = _(
                        "The original changed after the translation of %(date)s: that translation is in <alt-trans>."
                    ) % {"date": translation.translated_at.date().isoformat()}
                record_file.units.append(unit)
                wanted[record.language].add(unit.source)
            files.append(record_file)
    memory = translation_memory(user, language, wanted) if wanted else {}
    count = 0
    for record_file in files:
        for unit in record_file.units:
            unit.memory = memory.get((record_file.source_language, unit.source), "")
            if unit.memory:
                unit.memory_origin = "translation-memory"
            count += 1
    return xliff.write(files, target_language=language, now=timezone.now()), count


def parse_selection(values: Iterable[str]) -> dict[str, list[int]] | None:
    """``measure/12``, ``technology/3`` (as a file's ``original`` names them) → ids by type; None for none.
    Raises ValueError naming an entry it cannot read."""
    selection: dict[str, list[int]] = defaultdict(list)
    for value in values:
        for entry in value.replace(",", " ").split():
            kind, _slash, pk = entry.partition("/")
            if kind not in selectors.RECORD_TYPES or not pk.isdigit():
                raise ValueError(entry)
            selection[kind].append(int(pk))
    return dict(selection) or None
