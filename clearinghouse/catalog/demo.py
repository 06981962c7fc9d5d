"""The illustrative demo set: technologies and measures written to show what the catalogue holds.

Every record is marked ``is_illustrative`` and shown with a label saying it is not a statement by
the Member State or organization named; reports never count it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from clearinghouse.catalog import search, services
from clearinghouse.catalog.models import Measure, MeasureTranslation, Pillar, Technology, Threat, TranslationQuality
from clearinghouse.core import audit
from clearinghouse.core.visibility import Lifecycle
from clearinghouse.countries.models import MemberState, Organization
from clearinghouse.mandates.models import ActivityKind
from clearinghouse.mandates.services import record_activity

DATA = Path(__file__).resolve().parent / "data"


def _owner(spec: dict[str, Any]) -> dict[str, Any]:
    if spec.get("owner_state"):
        return {"owner_state_id": MemberState.objects.get(alpha2=spec["owner_state"]).pk}
    return {"owner_organization_id": Organization.objects.get(slug=spec["owner_organization"]).pk}


@transaction.atomic
def load_demo_catalog() -> dict[str, int]:
    """Load the demo technologies and measures that are not there yet (matched by title). Idempotent."""
    created = {"technologies": 0, "measures": 0}
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
        for language, texts in spec.get("translations", {}).items():
            MeasureTranslation.objects.create(
                measure=measure,
                language=language,
                quality=TranslationQuality.ILLUSTRATIVE,
                title=texts["title"],
                summary=texts["summary"],
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
    return created
