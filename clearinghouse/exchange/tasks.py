"""Background tasks of the exchange (django-tasks; the database backend's ``db_worker`` runs them)."""

from __future__ import annotations

from django_tasks import task

from clearinghouse.exchange import sync
from clearinghouse.exchange.models import SyncSource


@task()
def sync_source(source_id: int, schedule: str) -> None:
    """One scheduled pull; books the next one itself (every ``interval_minutes``)."""
    sync.run_scheduled(source_id, schedule)


@task()
def sync_once(source_id: int) -> None:
    """A pull a curator asked for now; the schedule goes on as it was."""
    source = SyncSource.objects.filter(pk=source_id).first()
    if source is not None:
        try:
            sync.pull(source)
        except sync.SyncError:
            pass  # recorded on the source for the curator to read
