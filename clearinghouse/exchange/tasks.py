"""Background tasks of the exchange (django-tasks; the database backend's ``db_worker`` runs them)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from clearinghouse.exchange import sync
from clearinghouse.exchange.models import SyncSource


@task()
def sync_source(source_id: int, schedule: str) -> None:
    """One scheduled pull; books the next one itself (every ``interval_minutes``)."""
    sync.run_scheduled(source_id, schedule)


@task()
def sync_once(source_id: int, asked_by_id: int | None = None) -> None:
    """A pull a curator asked for now; the schedule goes on as it was. The curator is told how it went."""
    source = SyncSource.objects.filter(pk=source_id).first()
    asked_by = get_user_model().objects.filter(pk=asked_by_id, is_active=True).first() if asked_by_id else None
    if source is not None:
        try:
            sync.pull(source, asked_by=asked_by)
        except sync.SyncError:
            pass  # recorded on the source for the curator to read
