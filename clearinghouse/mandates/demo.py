"""Resolutions for ``make demo``: the official texts when the shared folder is beside the repository,
else Resolution 174's structure summarised in the project's own words; and a few illustrative activities."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from clearinghouse.core.progress import progress_bar
from clearinghouse.countries.models import MemberState
from clearinghouse.mandates.models import Activity, ActivityKind, ActivityStatus, Body, ClauseRole, Revision
from clearinghouse.mandates.services import (
    attach_summary_translations,
    current_clauses,
    import_resolution,
    load_summary,
    secretariat,
)

DATA = Path(__file__).resolve().parent / "data"
PROPOSAL = "res174-rcc-proposal.txt"

#: Illustrative activities, so the demo's resolution page and report show what real ones look like.
DEMO_ACTIVITIES: list[dict[str, Any]] = [
    {
        "kind": ActivityKind.MEETING,
        "role": ClauseRole.MEETINGS,
        "title": "Regional dialogue on mobile fraud and SIM-box bypass, Africa (illustrative)",
        "starts_on": date(2026, 3, 10),
        "ends_on": date(2026, 3, 11),
        "region": "africa",
        "states": ["KE", "NG", "GH", "SN", "ZA", "RW"],
        "participants": 84,
        "outputs": "Shared checklist for detecting SIM-box bypass\nAgreed exchange of fraud numbers between operators",
        "indicators": [{"name": "participants from LDCs", "value": "31", "unit": "people"}],
    },
    {
        "kind": ActivityKind.AWARENESS,
        "role": ClauseRole.AWARENESS,
        "title": "Awareness campaign on phone scams for regulators, Asia-Pacific (illustrative)",
        "starts_on": date(2026, 5, 4),
        "ends_on": date(2026, 6, 30),
        "region": "asia_pacific",
        "states": ["IN", "ID", "PH", "FJ"],
        "status": ActivityStatus.IN_PROGRESS,
        "outputs": "Web seminar series (4 sessions)",
        "indicators": [{"name": "sessions held", "value": "2", "unit": "of 4"}],
    },
    {
        "kind": ActivityKind.ASSISTANCE,
        "role": ClauseRole.ASSISTANCE,
        "title": "Assistance to set up a central equipment identity register (illustrative)",
        "starts_on": date(2026, 2, 1),
        "ends_on": date(2026, 9, 30),
        "region": "arab_states",
        "states": ["JO"],
        "outputs": "Technical specification\nProcurement advice",
    },
]


def resolutions_dir() -> Path:
    """Where the official texts are: ``RESOLUTIONS_DIR``, else ``shared/resolutions`` beside the repository."""
    configured = os.environ.get("RESOLUTIONS_DIR", "")
    return Path(configured) if configured else Path(settings.BASE_DIR).parent / "shared" / "resolutions"


def load_demo_resolutions(stream: Any = None) -> dict[str, Any]:
    """Import the official texts if present (idempotent), else the summary of Resolution 174."""
    folder = resolutions_dir()
    report: dict[str, Any] = {"source": "", "imported": 0, "unchanged": 0, "failed": [], "activities": 0}
    if (folder / PROPOSAL).is_file():
        report["source"] = str(folder)
        files = [folder / PROPOSAL, *sorted((folder / "pp18").glob("*.txt"))]
        for path in progress_bar(files, label="Resolutions", stream=stream):
            try:
                result = import_resolution(
                    path.read_text(encoding="utf-8"), actor=None, source_name=path.name, check_permission=False
                )
            except (ValidationError, UnicodeDecodeError) as error:
                report["failed"].append(f"{path.name}: {error}")
                continue
            report["imported" if result.created else "unchanged"] += 1
    elif Revision.objects.filter(resolution__body=Body.PP, resolution__number=174).exists():
        report["source"] = "present"  # imported before: a summary would only hide it
        report["unchanged"] += 1
    else:
        report["source"] = "summary"
        data = json.loads((DATA / "res174_summary.json").read_text(encoding="utf-8"))
        result = load_summary(data)
        report["imported" if result.created else "unchanged"] += 1
    report["languages"] = load_summary_translations()
    report["activities"] = load_demo_activities()
    return report


def load_summary_translations() -> dict[str, str]:
    """The project's summary of Resolution 174 in the five other languages, attached to the clauses of its newest
    revision (the summary or the official English text) where a curator has not imported the official text."""
    newest = Revision.objects.filter(resolution__body=Body.PP, resolution__number=174).order_by("-sequence").first()
    if newest is None:
        return {}
    data = json.loads((DATA / "res174_summary_translations.json").read_text(encoding="utf-8"))
    return attach_summary_translations(newest, data)


@transaction.atomic
def load_demo_activities() -> int:
    """The illustrative activities not there yet (matched by title)."""
    created = 0
    for spec in DEMO_ACTIVITIES:
        if Activity.objects.filter(title=spec["title"], is_illustrative=True).exists():
            continue
        clauses = current_clauses((spec["role"],))
        if not clauses:
            continue
        activity = Activity.objects.create(
            kind=spec["kind"],
            title=spec["title"],
            status=spec.get("status", ActivityStatus.DELIVERED),
            occurred_at=datetime.combine(spec["starts_on"], time(9), tzinfo=UTC),
            starts_on=spec["starts_on"],
            ends_on=spec["ends_on"],
            region=spec["region"],
            participants=spec.get("participants"),
            outputs=spec.get("outputs", ""),
            indicators=spec.get("indicators", []),
            tlp="clear",
            lifecycle="published",
            owner_organization=secretariat(),
            is_illustrative=True,
        )
        activity.clauses.set(clauses)
        activity.states.set(MemberState.objects.filter(alpha2__in=spec["states"]))
        created += 1
    return created
