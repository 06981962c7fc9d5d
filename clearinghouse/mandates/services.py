"""Recording activities. Apps above call :func:`record_activity` directly (a plain call, not a signal)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from clearinghouse.core import audit
from clearinghouse.mandates.models import Activity


def record_activity(*, kind: str, title: str, source: models.Model | None = None, actor: Any = None) -> Activity:
    """Record that something was done under the resolution; runs inside the caller's transaction."""
    activity = Activity.objects.create(
        kind=kind,
        title=title[:300],
        occurred_at=timezone.now(),
        source_type=source._meta.label_lower if source is not None else "",
        source_id=str(source.pk) if source is not None else "",
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor, "activity.recorded", activity, changes={"kind": kind, "title": title})
    return activity
