"""The illustrative demo set: technologies and measures written to show what the catalogue holds.

Every record is marked ``is_illustrative`` and shown with a label saying it is not a statement by
the Member State or organization named; reports never count it. Its translations are the project's own:
each ``data/demo_translations/<language>.json`` holds full texts in one language (superseding the partial
inline "translations" of ``demo_measures.json``), all loaded with the mark ``DEMO_TRANSLATION_QUALITY``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from clearinghouse.catalog import search, services
from clearinghouse.catalog.models import (
    Measure,
    MeasureTranslation,
    Pillar,
    Technology,
    TechnologyTranslation,
    Threat,
    TranslationQuality,
)
from clearinghouse.core import audit
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import MemberState, Organization
from clearinghouse.mandates.models import ActivityKind
from clearinghouse.mandates.services import record_activity

DATA = Path(__file__).resolve().parent / "data"
TRANSLATIONS = DATA / "demo_translations"

#: The mark of every demo translation: the project's own, never a professional one.
DEMO_TRANSLATION_QUALITY = TranslationQuality.ILLUSTRATIVE
MEASURE_TEXTS = ("title", "summary", "description", "evidence", "prerequisites")
TECHNOLOGY_TEXTS = ("name", "description")


def _owner(spec: dict[str, Any]) -> dict[str, Any]:
    if spec.get("owner_state"):
        return {"owner_state_id": MemberState.objects.get(alpha2=spec["owner_state"]).pk}
    return {"owner_organization_id": Organization.objects.get(slug=spec["owner_organization"]).pk}


@transaction.atomic
def load_demo_catalog() -> dict[str, int]:
    """Load the demo technologies and measures that are not there yet (matched by title), and complete
    their translations. Idempotent."""
    created = {"technologies": 0, "measures": 0, "translations": 0}
    technologies = json.loads((DATA / "demo_technologies.json").read_text(encoding="utf-8"))
    for spec in technologies:
        if Technology.objects.filter(slug=spec["key"]).exists():
            continue
        services.create_technology(
            actor=None,
            owner=_owner(spec)
            if (spec.get("owner_state") or spec.get("owner_organization"))
            else {"owner_organization_id": Organization.objects.get(slug="itu").pk},
            threats=Threat.objects.filter(slug__in=spec["threats"]),
            name=spec["name"],
            slug=spec["key"],
            description=spec["description"],
            language=spec.get("language", "en"),
            references="\n".join(r["title"] + (f" — {r['url']}" if r.get("url") else "") for r in spec["references"]),
            lifecycle=Lifecycle.PUBLISHED,
            published_at=timezone.now(),
            is_illustrative=True,
        )
        created["technologies"] += 1

    measures = json.loads((DATA / "demo_measures.json").read_text(encoding="utf-8"))
    pillars = {p.slug: p for p in Pillar.objects.all()}
    for spec in measures:
        owner = _owner(spec)
        if Measure.objects.filter(title=spec["title"], is_illustrative=True).exists():
            continue
        measure = services.create_measure(
            actor=None,
            owner=owner,
            is_illustrative=True,
            references=[{"kind": r["kind"], "title": r["title"], "url": r.get("url", "")} for r in spec["references"]],
            title=spec["title"],
            summary=spec["summary"],
            description=spec["description"],
            language=spec["language"],
            pillar=pillars[spec["pillar"]],
            threats=list(Threat.objects.filter(slug__in=spec["threats"])),
            technologies=list(Technology.objects.filter(slug__in=spec.get("technologies", []))),
            status=spec["status"],
            since_year=spec.get("since"),
            evidence=spec.get("evidence", ""),
            evidence_source=spec.get("evidence_source", ""),
            cost_range=spec.get("cost_range", ""),
            prerequisites=spec.get("prerequisites", ""),
            tlp=spec.get("tlp", "clear"),
        )
        lifecycle = spec.get("lifecycle", Lifecycle.PUBLISHED)
        if lifecycle != Lifecycle.DRAFT:
            now = timezone.now()
            measure.lifecycle = lifecycle
            measure.submitted_at = now
            measure.published_at = now if lifecycle == Lifecycle.PUBLISHED else None
            measure.save(update_fields=["lifecycle", "submitted_at", "published_at"])
            audit.record(None, "measure.demo_loaded", measure, changes={"lifecycle": lifecycle})
            if lifecycle == Lifecycle.PUBLISHED:
                record_activity(kind=ActivityKind.DISSEMINATION, title=measure.title, source=measure)
        search.index_measure(measure)
        created["measures"] += 1
    created["translations"] = _load_translations(technologies, measures)
    return created


def _translation_files(technologies: list[dict[str, Any]], measures: list[dict[str, Any]]) -> dict[str, Any]:
    """Every ``demo_translations/<language>.json`` present, checked against the demo records it names."""
    originals = {
        "technologies": {spec["key"]: spec.get("language", "en") for spec in technologies},
        "measures": {spec["key"]: spec.get("language", "en") for spec in measures},
    }
    files: dict[str, Any] = {}
    for path in sorted(TRANSLATIONS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("language") != path.stem:
            raise ValueError(f'{path.name}: its "language" is {data.get("language")!r}, not {path.stem!r}')
        for kind, language_of in originals.items():
            for key in data.get(kind, {}):
                if key not in language_of:
                    raise ValueError(f"{path.name}: no demo {kind[:-1]} has the key {key!r}")
                if language_of[key] == path.stem:
                    raise ValueError(f"{path.name}: {key!r} is written in {path.stem} already")
        files[path.stem] = data
    return files


def _load_translations(technologies: list[dict[str, Any]], measures: list[dict[str, Any]]) -> int:
    """Create or complete the demo records' translations; returns how many were written.

    A translation the demo wrote before (marked illustrative, or the inline partial one) is brought up to
    date; one a person has written since is left as it is.
    """
    files = _translation_files(technologies, measures)
    written = 0
    demo_technologies = {t.slug: t for t in Technology.objects.filter(is_illustrative=True)}
    held_technology_translations: dict[int, dict[str, TechnologyTranslation]] = {}
    for technology_translation in TechnologyTranslation.objects.filter(technology__in=demo_technologies.values()):
        held_technology_translations.setdefault(technology_translation.technology_id, {})[
            technology_translation.language
        ] = technology_translation
    for spec in technologies:
        technology = demo_technologies.get(spec["key"])
        if technology is None:
            continue
        held_by_language = held_technology_translations.get(technology.pk, {})
        for language, data in files.items():
            texts = data.get("technologies", {}).get(spec["key"])
            if texts is None:
                continue
            wanted = {name: texts.get(name, "") for name in TECHNOLOGY_TEXTS}
            if _up_to_date(held_by_language.get(language), wanted, demo_texts=()):
                continue
            services.set_technology_translation(
                technology, actor=None, language=language, quality=DEMO_TRANSLATION_QUALITY, **wanted
            )
            written += 1

    demo_measures = {
        m.title: m for m in Measure.objects.filter(is_illustrative=True, title__in=[spec["title"] for spec in measures])
    }
    held_measure_translations: dict[int, dict[str, MeasureTranslation]] = {}
    for row in MeasureTranslation.objects.filter(measure__in=demo_measures.values()):
        held_measure_translations.setdefault(row.measure_id, {})[row.language] = row
    for spec in measures:
        measure = demo_measures.get(spec["title"])
        if measure is None:
            continue
        inline = {
            language: {name: texts.get(name, "") for name in MEASURE_TEXTS}
            for language, texts in spec.get("translations", {}).items()
        }
        wanted_by_language = dict(inline)
        for language, data in files.items():
            texts = data.get("measures", {}).get(spec["key"])
            if texts is not None:
                wanted_by_language[language] = {name: texts.get(name, "") for name in MEASURE_TEXTS}
        held = held_measure_translations.get(measure.pk, {})
        for language, wanted in sorted(wanted_by_language.items()):
            demo_texts = (inline[language],) if language in inline else ()
            if _up_to_date(held.get(language), wanted, demo_texts=demo_texts):
                continue
            services.set_measure_translation(
                measure, actor=None, language=language, quality=DEMO_TRANSLATION_QUALITY, **wanted
            )
            written += 1
    return written


def _up_to_date(translation: Any, wanted: dict[str, str], *, demo_texts: tuple[dict[str, str], ...]) -> bool:
    """Whether the demo has nothing to write: the translation says what it wants, or a person wrote it."""
    if translation is None:
        return False
    texts = {name: getattr(translation, name) for name in wanted}
    if texts == wanted and translation.quality == DEMO_TRANSLATION_QUALITY:
        return True
    demo_wrote_it = translation.quality == DEMO_TRANSLATION_QUALITY or texts in demo_texts
    return not demo_wrote_it
