"""Measures and technologies taken in by an import (``exchange.importing``), written in bulk."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.catalog import search
from clearinghouse.catalog.models import (
    CostRange,
    Language,
    Measure,
    MeasureReference,
    MeasureStatus,
    MeasureTranslation,
    MeasureVersion,
    Pillar,
    ReferenceKind,
    Technology,
    Threat,
    TranslationQuality,
    text_digest,
)
from clearinghouse.catalog.services.drafting import EDITABLE_FIELDS, owner_for, save_version, snapshot
from clearinghouse.catalog.services.outdating import refresh_outdated_translations
from clearinghouse.core import audit, bulk
from clearinghouse.core.visibility import TLP, Lifecycle


@dataclass
class ImportedDraft:
    """A measure an import is about to create: its fields as stored and its relations.

    ``fields`` holds the editable fields with the pillar as ``pillar_id`` and ``is_illustrative``;
    ``translations`` maps a language to its ``title``, ``summary`` and ``description``.
    """

    fields: dict[str, Any]
    threat_ids: set[int] = dataclass_field(default_factory=set)
    technology_ids: set[int] = dataclass_field(default_factory=set)
    references: list[dict[str, str]] = dataclass_field(default_factory=list)
    translations: dict[str, dict[str, str]] = dataclass_field(default_factory=dict)


#: New drafts of one import indexed for search within the import; a larger import leaves them to a background
#: task (a search entry costs 0.2 ms a measure on SQLite and 0.9 ms on PostgreSQL: more than all the rest of
#: the import), enqueued in the same transaction so a committed import is always indexed.
INLINE_INDEX_LIMIT = 1000
_MEASURE_TEXT_LIMITS = {"title": 300, "summary": 1000, "evidence_source": 300}
_IMPORT_CHOICES = {
    "language": frozenset(Language.values),
    "status": frozenset(MeasureStatus.values),
    "tlp": frozenset(TLP.values),
    "cost_range": frozenset(["", *CostRange.values]),
}


_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def may_import_for(actor: Any, owner: dict[str, Any]) -> bool:
    """Imports make drafts for an owner: the system (a scheduled sync), a curator, or a member of that owner."""
    if actor is None or getattr(actor, "is_curator", False):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    if owner.get("owner_state_id") is not None:
        return actor.member_state_id == owner["owner_state_id"]
    return actor.organization_id is not None and actor.organization_id == owner.get("owner_organization_id")


def owner_of(record: Any) -> dict[str, Any]:
    if record.owner_state_id is not None:
        return {"owner_state_id": record.owner_state_id}
    return {"owner_organization_id": record.owner_organization_id}


def import_owner(actor: Any, owner: dict[str, Any] | None = None) -> dict[str, Any]:
    """The owner of an import's drafts: the one given, or the actor's state or organization; refused unless
    the actor may import for it (``may_import_for``)."""
    if owner is None:
        if actor is None:
            raise PermissionDenied(_("An import without a person needs an owner for its drafts."))
        owner = owner_for(actor)
    owner = {key: value for key, value in owner.items() if value is not None}
    if set(owner) not in ({"owner_state_id"}, {"owner_organization_id"}):
        raise ValueError("owner is {'owner_state_id': …} or {'owner_organization_id': …}")
    if not may_import_for(actor, owner):
        raise PermissionDenied(_("Only members of the owner or a curator can import for it."))
    return owner


def _check_imported_fields(fields: dict[str, Any], pillar_ids: set[int]) -> None:
    """The model's rules for one draft, without a query per draft (``full_clean`` reads the database)."""
    problems = []
    if not fields.get("title") or not fields.get("summary"):
        problems.append(_("a measure needs a title and a summary"))
    for name, limit in _MEASURE_TEXT_LIMITS.items():
        if len(fields.get(name) or "") > limit:
            problems.append(_("%(field)s is longer than %(limit)s characters") % {"field": name, "limit": limit})
    for name, allowed in _IMPORT_CHOICES.items():
        if fields.get(name, "") not in allowed:
            problems.append(_("%(field)s “%(value)s” is not a choice") % {"field": name, "value": fields.get(name)})
    if fields.get("pillar_id") not in pillar_ids:
        problems.append(_("no such pillar"))
    year = fields.get("since_year")
    if year is not None and not (isinstance(year, int) and 1980 <= year <= 2100):
        problems.append(_("since_year must be a year from 1980 to 2100"))
    if problems:
        raise ValidationError("; ".join(problems), code="invalid_import")


@transaction.atomic
def import_measures(
    drafts: list[ImportedDraft], *, actor: Any, owner: dict[str, Any], source: Any = None, comment: str = ""
) -> list[int]:
    """Measures taken in from another system, all at once: created in review (never published), each with its
    first version in the history (``imported``), its relations and translations; one audit row for them all.

    Returns the new measures' ids, in the order of ``drafts``. Rows are written in bulk (``core.bulk``):
    tens of thousands of drafts take seconds, not minutes. :class:`MeasureImport` does the same in steps.
    """
    with bulk.Writer() as writer:
        # (checks the permission)
        batch = MeasureImport(actor=actor, owner=owner, comment=comment, writer=writer, expected=len(drafts))
        batch.add(drafts)
        batch.complete()
    measures_imported(batch.ids, actor=actor, source=source, comment=comment)
    return batch.ids


class MeasureImport:
    """:func:`import_measures` in steps, for an importer that learns the drafts' links and translations after
    their fields: :meth:`add` checks drafts, gives them ids and queues the measures on ``writer`` (on
    PostgreSQL written on its thread while the importer goes on); :meth:`complete` queues what refers to
    them, as the drafts are by then; once ``writer`` has written it all, the importer calls
    :func:`measures_imported` with :attr:`ids`.
    """

    def __init__(
        self, *, actor: Any, owner: dict[str, Any], comment: str, writer: bulk.Writer, expected: int = 0
    ) -> None:
        if not may_import_for(actor, owner):
            raise PermissionDenied(_("Only members of the owner or a curator can import measures for it."))
        self.comment, self.writer = comment, writer
        self.state, self.organization = owner.get("owner_state_id"), owner.get("owner_organization_id")
        self.drafts: list[ImportedDraft] = []
        self.ids: list[int] = []
        # everything read now: the connection is the writer's until it is done
        self.pillars = dict(Pillar.objects.values_list("pk", "slug"))
        self.threat_slugs = dict(Threat.objects.values_list("pk", "slug"))
        self.technology_slugs = dict(Technology.objects.values_list("pk", "slug"))
        person = actor if getattr(actor, "is_authenticated", False) else None
        self.stamp = bulk.db_value(Measure, "created_at", timezone.now())
        self.author = person.pk if person is not None else None
        # ids for the ``expected`` measures, drawn now: asking for them batch by batch would wait for the writer
        # (an id drawn and not used is a gap in the sequence on PostgreSQL, and nothing at all on SQLite)
        self._spare = bulk.reserve_ids(Measure, expected)

    def add(self, drafts: list[ImportedDraft]) -> list[int]:
        """Checks the drafts and queues them as measures; returns their ids. Raises ``ValidationError``."""
        if not drafts:
            return []
        pillar_ids = set(self.pillars)
        state, organization, author, stamp = self.state, self.organization, self.author, self.stamp
        rows = []
        for draft in drafts:
            f = draft.fields
            _check_imported_fields(f, pillar_ids)
            # (the columns of MEASURE_COLUMNS, in order; the id comes below)
            rows.append(
                (
                    f["tlp"],
                    Lifecycle.IN_REVIEW,
                    state,
                    organization,
                    f["language"],
                    1,
                    author,
                    stamp,
                    stamp,
                    stamp,
                    None,
                    bool(f.get("is_illustrative", False)),
                    f["title"],
                    f["summary"],
                    f.get("description", ""),
                    f["pillar_id"],
                    f["status"],
                    f.get("since_year"),
                    f.get("evidence", ""),
                    f.get("evidence_source", ""),
                    f.get("cost_range", ""),
                    f.get("prerequisites", ""),
                )
            )
        if len(self._spare) < len(drafts):
            self._spare += bulk.reserve_ids(Measure, len(drafts) - len(self._spare))
        ids, self._spare = self._spare[: len(drafts)], self._spare[len(drafts) :]
        self.writer.insert(Measure, MEASURE_COLUMNS, [(pk, *row) for pk, row in zip(ids, rows, strict=True)])
        self.drafts += drafts
        self.ids += ids
        return ids

    def complete(self) -> None:
        """Queues the drafts' first versions, links, references and translations."""
        if not self.ids:
            return
        versions, references, translations, threats, technologies = [], [], [], [], []
        stamp, author, comment, quality = self.stamp, self.author, self.comment, TranslationQuality.MACHINE
        for pk, draft in zip(self.ids, self.drafts, strict=True):
            f = draft.fields
            threats += [(pk, threat) for threat in sorted(draft.threat_ids)]
            technologies += [(pk, technology) for technology in sorted(draft.technology_ids)]
            references += [(pk, r["kind"], r["title"], r.get("url", "")) for r in draft.references]
            translations += [
                (
                    pk,
                    lang,
                    quality,
                    stamp,
                    stamp,
                    _json(_imported_sources(f, t)),
                    "",
                    t["title"],
                    t["summary"],
                    t.get("description", ""),
                    "",
                    "",
                )
                for lang, t in draft.translations.items()
            ]
            content = {
                "title": f["title"],
                "summary": f["summary"],
                "description": f.get("description", ""),
                "language": f["language"],
                "pillar": self.pillars[f["pillar_id"]],
                "status": f["status"],
                "since_year": f.get("since_year"),
                "evidence": f.get("evidence", ""),
                "evidence_source": f.get("evidence_source", ""),
                "cost_range": f.get("cost_range", ""),
                "prerequisites": f.get("prerequisites", ""),
                "tlp": f["tlp"],
                "lifecycle": Lifecycle.IN_REVIEW,
                "threats": sorted(self.threat_slugs[t] for t in draft.threat_ids),
                "technologies": sorted(self.technology_slugs[t] for t in draft.technology_ids),
                "references": [
                    {"kind": r["kind"], "title": r["title"], "url": r.get("url", "")} for r in draft.references
                ],
            }
            versions.append((pk, 1, _json(content), "imported", comment, author, stamp))
        writer = self.writer
        writer.insert(MeasureVersion, VERSION_COLUMNS, versions)
        writer.insert(Measure.threats.through, ("measure_id", "threat_id"), threats)
        writer.insert(Measure.technologies.through, ("measure_id", "technology_id"), technologies)
        writer.insert(MeasureReference, ("measure_id", "kind", "title", "url"), references)
        writer.insert(MeasureTranslation, TRANSLATION_COLUMNS, translations)


def measures_imported(ids: list[int], *, actor: Any, source: Any = None, comment: str = "") -> None:
    """What follows the writing of measures :func:`import_measures` created: their search index (here for a
    few, by the background worker for many) and the audit row."""
    if not ids:
        return
    if len(ids) <= INLINE_INDEX_LIMIT:
        search.index_new_measures(ids)
    else:
        from clearinghouse.catalog.tasks import index_new_measures

        index_new_measures.enqueue(min(ids), max(ids))
    audit.record(
        actor,
        "measure.imported",
        source,
        changes={"created": len(ids), "first_id": min(ids), "last_id": max(ids), "comment": comment},
    )


MEASURE_COLUMNS = (
    "id",
    "tlp",
    "lifecycle",
    "owner_state_id",
    "owner_organization_id",
    "language",
    "version",
    "created_by_id",
    "created_at",
    "updated_at",
    "submitted_at",
    "published_at",
    "is_illustrative",
    "title",
    "summary",
    "description",
    "pillar_id",
    "status",
    "since_year",
    "evidence",
    "evidence_source",
    "cost_range",
    "prerequisites",
)
VERSION_COLUMNS = ("measure_id", "number", "snapshot", "action", "comment", "created_by_id", "created_at")
TRANSLATION_COLUMNS = (
    "measure_id",
    "language",
    "quality",
    "updated_at",
    "translated_at",
    "sources",
    "translator",
    "title",
    "summary",
    "description",
    "evidence",
    "prerequisites",
)


def _imported_sources(fields: dict[str, Any], texts: dict[str, str]) -> dict[str, str]:
    """What an imported translation was made from: the imported original's texts it carries."""
    return {
        name: text_digest(fields.get(name) or "")
        for name in ("title", "summary", "description")
        if texts.get(name) and fields.get(name)
    }


def _translations_of(measure: Measure) -> dict[str, tuple[str, str, str]]:
    return {t.language: (t.title, t.summary, t.description) for t in measure.translations.all()}


@transaction.atomic
def update_imported_measure(
    measure: Measure,
    *,
    actor: Any,
    fields: dict[str, Any] | None = None,
    references: list[dict[str, str]] | None = None,
    techniques: Iterable[dict[str, str]] = (),
    threat_ids: Iterable[int] = (),
    technology_ids: Iterable[int] = (),
    translations: dict[str, dict[str, str]] | None = None,
    comment: str = "",
) -> bool:
    """A newer version from an import: the new content replaces the measure's, and the measure goes (back)
    to review: an import never publishes. ``references`` replaces the references but techniques,
    ``techniques`` are added, as are threats and technologies. Returns False when nothing changed (then
    nothing is saved: no version, no audit row)."""
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if not may_import_for(actor, owner_of(measure)):
        raise PermissionDenied(_("Only an import for the owner of this measure, or by a curator, can change it."))
    before, before_translations = snapshot(measure), _translations_of(measure)
    if fields:
        unknown = set(fields) - {*EDITABLE_FIELDS, "pillar_id", "is_illustrative"}
        if unknown:
            raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
        for name, value in fields.items():
            setattr(measure, name, value)
        measure.full_clean()
    if references is not None and [r for r in before["references"] if r["kind"] != ReferenceKind.TECHNIQUE] != [
        {"kind": r["kind"], "title": r["title"], "url": r.get("url", "")} for r in references
    ]:
        measure.references.exclude(kind=ReferenceKind.TECHNIQUE).delete()
        for reference in references:
            item = MeasureReference(measure=measure, **reference)
            item.full_clean(exclude=["measure"])
            item.save()
    held = set(measure.references.filter(kind=ReferenceKind.TECHNIQUE).values_list("title", flat=True))
    for technique in techniques:
        if technique["title"] not in held:
            item = MeasureReference(measure=measure, kind=ReferenceKind.TECHNIQUE, **technique)
            item.full_clean(exclude=["measure"])
            item.save()
            held.add(technique["title"])
    measure.threats.add(*threat_ids)
    measure.technologies.add(*technology_ids)
    for language, texts in (translations or {}).items():
        if language == measure.language:
            continue
        if before_translations.get(language) == (texts["title"], texts["summary"], texts.get("description", "")):
            continue
        translation = MeasureTranslation.objects.filter(measure=measure, language=language).first() or (
            MeasureTranslation(measure=measure, language=language)
        )
        translation.quality = TranslationQuality.MACHINE
        translation.title, translation.summary = texts["title"], texts["summary"]
        translation.description = texts.get("description", "")
        translation.made_by, translation.translator = None, ""
        translation.translated_at, translation.outdated_since = timezone.now(), None
        translation.stamp_sources(("title", "summary", "description"))
        translation.full_clean()
        translation.save()
    outdated = refresh_outdated_translations(measure, actor=actor)
    after = snapshot(measure)
    changes = audit.diff(before, after)
    translated = sorted(set(_translations_of(measure).items()) - set(before_translations.items()))
    if not changes and not translated:
        return False
    if translated:
        changes["translations"] = [None, [language for language, _texts in translated]]
    if outdated:
        changes["translations_outdated"] = [None, outdated]
    if measure.lifecycle == Lifecycle.DRAFT:
        measure.submitted_at = timezone.now()
    if measure.lifecycle != Lifecycle.IN_REVIEW:
        changes["lifecycle"] = [measure.lifecycle, Lifecycle.IN_REVIEW]
        measure.lifecycle = Lifecycle.IN_REVIEW
    measure.version += 1
    measure.save()
    save_version(measure, actor=actor, action="imported", comment=comment)
    search.index_measure(measure)
    audit.record(actor, "measure.imported", measure, changes={**changes, "comment": comment})
    return True


@transaction.atomic
def import_technology(
    *, actor: Any, owner: dict[str, Any], comment: str = "", threats: Any = (), **fields: Any
) -> Technology:
    """A technology taken in from another system: in review, for the Secretariat to check and publish."""
    if not may_import_for(actor, owner):
        raise PermissionDenied(_("Only members of the owner or a curator can import technologies for it."))
    technology = Technology(
        **owner,
        **fields,
        lifecycle=Lifecycle.IN_REVIEW,
        submitted_at=timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    technology.full_clean()
    technology.save()
    technology.threats.set(threats)
    audit.record(actor, "technology.imported", technology, changes={"name": technology.name, "comment": comment})
    return technology


@transaction.atomic
def update_imported_technology(technology: Technology, *, actor: Any, comment: str = "", **fields: Any) -> bool:
    """A newer version of an imported technology: new content, back to review. False when nothing changed."""
    technology = Technology.objects.select_for_update().get(pk=technology.pk)
    if not may_import_for(actor, owner_of(technology)):
        raise PermissionDenied(_("Only an import for the owner of this technology, or by a curator, can change it."))
    before = {name: getattr(technology, name) for name in fields}
    changes = audit.diff(before, fields)
    if not changes:
        return False
    for name, value in fields.items():
        setattr(technology, name, value)
    if technology.lifecycle != Lifecycle.IN_REVIEW:
        changes["lifecycle"] = [technology.lifecycle, Lifecycle.IN_REVIEW]
        technology.lifecycle = Lifecycle.IN_REVIEW
    technology.version += 1
    technology.full_clean()
    technology.save()
    outdated = refresh_outdated_translations(technology, actor=actor)
    if outdated:
        changes["translations_outdated"] = [None, outdated]
    if "name" in changes:  # a measure's search document holds the names of the technologies it uses
        for measure in technology.measures.prefetch_related("translations", "technologies"):
            search.index_measure(measure)
    audit.record(actor, "technology.imported", technology, changes={**changes, "comment": comment})
    return True
