"""Background tasks of the catalogue (django-tasks; the database backend's ``db_worker`` runs them)."""

from __future__ import annotations

from django_tasks import task

from clearinghouse.catalog import search
from clearinghouse.catalog.models import Measure


@task()
def index_new_measures(first_id: int, last_id: int) -> int:
    """Index for search the measures with ids in this range that have no search document yet: the drafts
    of a large import, enqueued in the import's own transaction so that a committed import is never left
    unindexed (and a repeated run finds nothing left to do)."""
    missing = Measure.objects.filter(pk__range=(first_id, last_id), search_document__isnull=True)
    return search.index_new_measures(missing.values_list("pk", flat=True))
