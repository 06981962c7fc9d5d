"""Planning: what becomes of each object (new, updated, unchanged, linked, unmapped, refused)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog import services as catalog
from clearinghouse.catalog.models import (
    Measure,
    ReferenceKind,
    Technology,
)
from clearinghouse.core.visibility import TLP
from clearinghouse.exchange import stix
from clearinghouse.exchange.importing.checking import Checker, object_problems, version_key
from clearinghouse.exchange.importing.mapping import (
    _cut,
    _platform_reference,
    _text,
    _texts,
    _Unmappable,
    measure_content,
    platform_language,
    technique_reference,
    technology_content,
)
from clearinghouse.exchange.importing.markings import Markings, refers_to
from clearinghouse.exchange.importing.outcomes import (
    CREATED,
    FAILED,
    LINKED,
    UPDATED,
    Change,
    Held,
    Item,
    _chunks,
    _held_versions,
    _key,
)
from clearinghouse.exchange.importing.reading import MAX_DEPTH, Refused, Spans, object_too_deep
from clearinghouse.exchange.importing.writing import Writing
from clearinghouse.exchange.models import ImportedObject

#: New measures queued on the writer at a time, while the next are mapped.
DRAFT_BATCH = 5000


class Planning(Writing):
    def take(self, objects: Spans) -> None:
        """Check every object; raises :class:`Refused` naming each invalid one."""
        self.total = len(objects)
        failures: list[dict[str, str]] = []
        messages: list[str] = []
        items = self.items
        valid = Checker().valid
        for number, (obj, start, end) in enumerate(objects, start=1):
            problems = [] if valid(obj) else object_problems(obj)
            if object_too_deep(obj, self.text, start, end):
                problems.append(
                    _("nested too deeply: more than %(limit)s levels of arrays and objects") % {"limit": MAX_DEPTH}
                )
            if problems:
                identifier: str = obj["id"] if isinstance(obj, dict) and isinstance(obj.get("id"), str) else ""
                version = (obj.get("modified") or obj.get("created") or "") if isinstance(obj, dict) else ""
                message = _("Object %(number)s (%(id)s): %(problems)s") % {
                    "number": number,
                    "id": identifier[:120] or _("no id"),
                    "problems": "; ".join(problems),
                }
                messages.append(message)
                failures.append({"id": identifier[:120], "version": str(version)[:40], "message": message})
                continue
            version = obj.get("modified") or obj.get("created") or ""
            items.append(Item(number, obj, start, end, obj["id"], obj["type"], version))
            if number % 5000 == 0:
                self.tick(0.1 * number / self.total)
        if failures:
            raise Refused(
                _("%(count)s of %(total)s objects are not valid STIX 2.1: nothing was imported. %(first)s")
                % {"count": f"{len(failures):,}", "total": f"{self.total:,}", "first": messages[0]},
                failures=failures,
                total=self.total,
            )

    def mark(self) -> None:
        """The TLP of every object; those that carry TLP:RED, and those that point at them, are to be refused."""
        markings = Markings.of([item.obj for item in self.items])
        red = set()
        for item in self.items:
            item.tlp = markings.tlp(item.obj)
            if item.tlp == TLP.RED:
                item.refusal = markings.why_red(item.obj)
                red.add(item.id)
        if red:
            self.red = True
            for item in self.items:
                if not item.refusal and (ref := refers_to(item.obj, red)):
                    item.refusal = _("it points at %(id)s, which carries TLP:RED: TLP:RED is never exchanged") % {
                        "id": ref
                    }

    def plan(self) -> None:
        catalogue = self.catalogue
        referenced: set[str] = set()
        newest_of, repeated = self.newest, self.repeated
        for item in self.items:
            newest = newest_of.get(item.id)
            if newest is None:
                newest_of[item.id] = item
            else:
                repeated.add(item.id)
                if _key(item) > _key(newest):
                    newest_of[item.id] = item
            obj = item.obj
            if item.type == "relationship":
                referenced.update((obj["source_ref"], obj["target_ref"]))
            elif item.type == "language-content":
                referenced.add(obj["object_ref"])
        self.held = _held_versions(list(set(self.newest) | referenced))
        self._recognise_own_measures()
        self.tick(0.2)
        seen: set[tuple[str, str]] = set()
        self._plan_technologies(self._technologies(seen))
        # the ORM's work is done: from here on the connection is the writer's, which writes the new measures
        # batch by batch while the rest of the bundle is mapped
        self.measures = catalog.MeasureImport(
            actor=self.actor,
            owner=self.owner,
            comment=self.comment,
            writer=self.writer,
            expected=sum(
                1 for i in self.items if i.type == "course-of-action" and not i.outcome and i.id not in self.held
            ),
        )
        if self.writer.aside and not self.held:  # every object new: the archive first, written while they are mapped
            self._queue_whole_archive()
        updates: list[tuple[Item, int, dict[str, Any], list[dict[str, str]]]] = []
        batch: list[str] = []
        for item in self.items:
            if item.outcome or self._settled(item, seen):
                continue
            if self._withdrawn(item):
                continue
            obj = item.obj
            if item.type != "course-of-action":
                continue
            try:
                fields, references, ours = measure_content(obj, catalogue, item.tlp)
            except _Unmappable as problem:
                self._failed(item, _("not taken in: %(why)s") % {"why": problem})
                continue
            if ours:
                self.ours.add(item.id)
            held = self.held.get(item.id)
            if held is not None and held.measure_id is not None:
                updates.append((item, held.measure_id, fields, references))
                continue
            self.drafts[item.id] = catalog.ImportedDraft(fields=fields, references=references)
            self.draft_items[item.id] = item
            batch.append(item.id)
            if len(batch) == DRAFT_BATCH:
                self._create_drafts(batch)
                batch = []
        self._create_drafts(batch)
        self._create_drafts(self._plan_updates(updates))
        if any(item.store for item in self.items):  # (a bundle imported before keeps no second archive)
            self._queue_whole_archive()
        self.tick(0.25)
        for item in self.items:
            if item.outcome or item.type == "course-of-action":  # courses of action: settled when written
                continue
            if item.type == "relationship":
                self._relationship(item)
            elif item.type == "language-content":
                self._translation(item)
            else:
                self._unmapped(item, self.say.not_a_record)

    def _technologies(self, seen: set[tuple[str, str]]) -> list[tuple[Item, dict[str, Any]]]:
        """The courses-of-action that are technologies of this platform, with their content, settled first: they
        are created or updated through the ORM before the writer takes the connection."""
        technologies = []
        for item in self.items:
            if item.type != "course-of-action":
                continue
            platform_id = _platform_reference(item.obj)
            if not platform_id.startswith("technology-") or self._settled(item, seen):
                continue
            if self._withdrawn(item):
                continue
            try:
                technologies.append(
                    (item, technology_content(item.obj, platform_id.removeprefix("technology-"), item.tlp))
                )
            except _Unmappable as problem:
                self._failed(item, _("not taken in: %(why)s") % {"why": problem})
        return technologies

    def _withdrawn(self, item: Item) -> bool:
        """Revoked, or deprecated (ATT&CK): kept, not mapped."""
        if item.obj.get("revoked") is True:
            self._unmapped(item, _("revoked"))
            return True
        if item.obj.get("x_mitre_deprecated") is True:
            self._unmapped(item, _("deprecated"))
            return True
        return False

    def _settled(self, item: Item, seen: set[tuple[str, str]]) -> bool:
        """Refused, or a version taken in before: nothing more to decide for this object."""
        repeated = item.id in self.repeated  # (most ids are in a bundle once)
        if repeated:
            if (item.id, item.version) in seen:
                self._unchanged(item, self.say.twice, store=False)
                return True
            seen.add((item.id, item.version))
        if item.refusal:
            self._failed(item, item.refusal)
            return True
        held = self.held.get(item.id)
        if held is not None and (item.version in held.versions or _key(item) in held.keys()):
            item.measure_id, item.technology_id = held.measure_id, held.technology_id
            self._unchanged(item, self.say.imported_before, store=False)
            return True
        if repeated and self.newest[item.id] is not item:
            item.measure_id, item.technology_id = (
                held.measure_id if held else None,
                held.technology_id if held else None,
            )
            self._unchanged(item, self.say.older_in_bundle)
            return True
        if held is not None and _key(item) < held.newest():
            item.measure_id, item.technology_id = held.measure_id, held.technology_id
            self._unchanged(item, self.say.older_than_held)
            return True
        if held is not None and held.current and _key(item) <= held.current:
            item.measure_id = held.measure_id
            self._unchanged(item, _("this platform's own export of the measure, no newer than the measure here"))
            return True
        return False

    def _recognise_own_measures(self) -> None:
        """The courses-of-action this platform exported of its own measures (their id, their ``Clearinghouse 174``
        reference and their creation time all say which) are those measures, to be updated rather than copied,
        when this import may change them; otherwise (another owner's) they are copies as before."""
        exported: dict[int, list[Item]] = {}
        for item in self.items:
            if item.type != "course-of-action" or self.newest[item.id] is not item:
                continue
            held = self.held.get(item.id)
            if held is not None and held.measure_id is not None:
                continue  # taken in before: the record it became
            number = _platform_reference(item.obj).removeprefix("measure-")
            if number.isdigit() and len(number) < 19:
                exported.setdefault(int(number), []).append(item)
        for chunk in _chunks(sorted(exported)):
            for pk, created, updated, state, organization in Measure.objects.filter(pk__in=chunk).values_list(
                "pk", "created_at", "updated_at", "owner_state_id", "owner_organization_id"
            ):
                ours = stix.stix_id("course-of-action", f"measure:{pk}")
                found = next((item for item in exported[pk] if item.id == ours), None)
                if found is None or found.obj.get("created") != stix.timestamp(created):
                    continue  # not our id, or measure number so-and-so of another instance of the platform
                owner = {"owner_state_id": state} if state is not None else {"owner_organization_id": organization}
                if not catalog.may_import_for(self.actor, owner):
                    continue
                held = self.held.setdefault(found.id, Held(set()))
                held.measure_id, held.current = pk, version_key(stix.timestamp(updated))

    def _plan_technologies(self, technologies: list[tuple[Item, dict[str, Any]]]) -> None:
        for item, content in technologies:
            held = self.held.get(item.id)
            known = self.catalogue.technologies.get(stix.stix_id("course-of-action", f"technology:{content['slug']}"))
            if held is not None and held.technology_id is not None:
                self._update_technology(item, held.technology_id, content)
            elif content["slug"] in self.catalogue.technology_slugs:
                # linked to by the bundle's measures, but not this import's to change: no record kept for it
                self._unchanged(item, _("a technology with this short name is in the catalogue already"))
                if known is not None:
                    self.catalogue.technologies[item.id] = known
            else:
                self._create_technology(item, content)

    def _create_technology(self, item: Item, content: dict[str, Any]) -> None:
        try:
            with transaction.atomic():
                technology = catalog.import_technology(
                    actor=self.actor, owner=self.owner, comment=self.comment, **content
                )
        except ValidationError as error:
            self._failed(item, _("not taken in: %(why)s") % {"why": "; ".join(error.messages)})
            return
        item.technology_id = technology.pk
        self.catalogue.technologies[item.id] = technology.pk
        self.catalogue.technology_slugs.add(technology.slug)
        item.outcome, item.message = CREATED, _("new technology in review")
        self._record("technology", technology.pk, technology.name, CREATED, technology.slug)

    def _update_technology(self, item: Item, technology_id: int, content: dict[str, Any]) -> None:
        technology = Technology.objects.filter(pk=technology_id).first()
        if technology is None:
            self._create_technology(item, content)
            return
        item.technology_id = technology_id
        self.catalogue.technologies[item.id] = technology_id
        if not catalog.may_import_for(self.actor, catalog.owner_of(technology)):
            self._failed(item, self._not_ours_message())
            return
        content.pop("slug")
        try:
            with transaction.atomic():
                changed = catalog.update_imported_technology(
                    technology, actor=self.actor, comment=self.comment, **content
                )
        except ValidationError as error:
            self._failed(item, _("not taken in: %(why)s") % {"why": "; ".join(error.messages)})
            return
        if changed:
            item.outcome, item.message = UPDATED, _("technology updated, back in review")
            self._record("technology", technology_id, content["name"], UPDATED, technology.slug)
        else:
            self._unchanged(item, _("a newer version with the same content"))

    def _plan_updates(self, updates: list[tuple[Item, int, dict[str, Any], list[dict[str, str]]]]) -> list[str]:
        """Plans the changes to measures of earlier imports; returns the STIX ids of those that became new drafts
        (their measure deleted since)."""
        owners = self._owners([measure_id for _item, measure_id, _f, _r in updates])
        new = []
        for item, measure_id, fields, references in updates:
            if measure_id not in owners:  # deleted since: the newer version is a new draft
                self.drafts[item.id] = catalog.ImportedDraft(fields=fields, references=references)
                self.draft_items[item.id] = item
                new.append(item.id)
                continue
            item.measure_id = measure_id
            if not catalog.may_import_for(self.actor, owners[measure_id]):
                self._failed(item, self._not_ours_message())
                continue
            change = self.changes.setdefault(measure_id, Change())
            change.fields, change.references = fields, references
            change.items.append(item)
        return new

    def _owners(self, measure_ids: list[int]) -> dict[int, dict[str, Any]]:
        owners = {}
        for chunk in _chunks(measure_ids):
            for pk, state, organization in Measure.objects.filter(pk__in=chunk).values_list(
                "pk", "owner_state_id", "owner_organization_id"
            ):
                owners[pk] = {"owner_state_id": state} if state is not None else {"owner_organization_id": organization}
        return owners

    @staticmethod
    def _not_ours_message() -> str:
        return _("it would change a record of another owner: only an import for that owner, or by a curator, may")

    def _measure_of(self, stix_id: str) -> catalog.ImportedDraft | int | None:
        """The draft this import makes of a course-of-action, or the id of the measure it became before."""
        if stix_id in self.drafts:
            return self.drafts[stix_id]
        newest = self.newest.get(stix_id)
        if newest is not None and newest.outcome == FAILED:
            return None
        held = self.held.get(stix_id)
        if held is not None and held.measure_id is not None:
            return held.measure_id
        return None

    def _change(self, measure_id: int, item: Item) -> Change | None:
        change = self.changes.get(measure_id)
        if change is None:
            owners = self._owners([measure_id])
            if measure_id not in owners:
                return None
            if not catalog.may_import_for(self.actor, owners[measure_id]):
                self._failed(item, self._not_ours_message())
                return None
            change = self.changes[measure_id] = Change()
        change.items.append(item)
        return change

    def _relationship(self, item: Item) -> None:
        obj = item.obj
        kind, source, target = obj["relationship_type"], obj["source_ref"], obj["target_ref"]
        technologies = self.catalogue.technologies
        if kind == "related-to" and source in technologies and target not in technologies:
            source, target = target, source  # technology → measure: the same link
        if kind not in ("mitigates", "related-to"):
            self._unmapped(item, self.say.relationship_not_mapped % {"kind": str(kind)[:40]})
            return
        measure = self._measure_of(source)
        if measure is None:
            self._unmapped(item, self.say.source_not_measure)
            return
        threat_id = technology_id = None
        technique = None
        if kind == "mitigates" and target in self.catalogue.threats:
            threat_id = self.catalogue.threats[target]
        elif kind == "mitigates" and target.startswith("attack-pattern--"):
            pattern = self._attack_pattern(target)
            if pattern is None:
                self._unmapped(item, _("the attack-pattern it mitigates is in neither this bundle nor an earlier one"))
                return
            technique = technique_reference(pattern)
        elif kind == "related-to" and target in self.catalogue.technologies:
            technology_id = self.catalogue.technologies[target]
        else:
            self._unmapped(item, _("its target is neither a threat, a technique nor a technology"))
            return
        if isinstance(measure, int):
            change = self._change(measure, item)
            if change is None:
                if not item.outcome:
                    self._unmapped(item, self.say.source_not_measure)
                return
            target_set: Any = change
        else:
            target_set = measure
        if threat_id is not None:
            target_set.threat_ids.add(threat_id)
        if technology_id is not None:
            target_set.technology_ids.add(technology_id)
        if technique is not None:
            if isinstance(target_set, Change):
                target_set.techniques.append(technique)
            elif all(r["title"] != technique["title"] for r in target_set.references):
                target_set.references.append({"kind": ReferenceKind.TECHNIQUE, **technique})
        item.outcome, item.message = LINKED, self.say.linked

    def _attack_pattern(self, stix_id: str) -> dict[str, Any] | None:
        newest = self.newest.get(stix_id)
        if newest is not None:
            return newest.obj
        held = self.held.get(stix_id)
        if held is None or not stix_id.startswith("attack-pattern--"):
            return None
        if stix_id not in self.patterns:
            where = (
                ImportedObject.objects.filter(stix_id=stix_id).order_by("-pk").values_list("run_id", "offset", "length")
            )
            found = where.first()
            try:
                pattern = json.loads(self.archives.text(*found)) if found else None
            except ValueError:
                pattern = None
            self.patterns[stix_id] = pattern if isinstance(pattern, dict) else None
        return self.patterns[stix_id]

    def _translation(self, item: Item) -> None:
        obj = item.obj
        target = obj["object_ref"]
        measure = self._measure_of(target)
        if measure is None:
            self._unmapped(item, _("it translates no measure of the catalogue"))
            return
        ours = target in self.ours or obj.get("created_by_ref") == stix.PLATFORM_IDENTITY
        original = measure.fields["language"] if isinstance(measure, catalog.ImportedDraft) else None
        texts: dict[str, dict[str, str]] = {}
        skipped = []
        for tag, content in obj["contents"].items():
            language = platform_language(tag)
            name = _text(content.get("name")) if isinstance(content, dict) else ""
            if language is None or language == original or not name:
                skipped.append(str(tag)[:20])
                continue
            summary, description = _texts(name, _text(content.get("description")), ours)
            texts[language] = {"title": _cut(name, 300), "summary": _cut(summary, 1000), "description": description}
        if not texts:
            self._unmapped(item, _("no text in a language of the platform"))
            return
        if isinstance(measure, int):
            change = self._change(measure, item)
            if change is None:
                if not item.outcome:
                    self._unmapped(item, _("it translates no measure of the catalogue"))
                return
            change.translations |= texts
        else:
            measure.translations |= texts
        item.outcome = LINKED
        item.message = self.say.translations % {"languages": ", ".join(sorted(texts))}
        if skipped:
            item.message += " " + _("(not taken: %(tags)s)") % {"tags": ", ".join(skipped)}
