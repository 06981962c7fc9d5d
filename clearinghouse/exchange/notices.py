"""Who is told that an import or a sync finished or failed (the ``import_finished`` notification).

- An upload, from the page: the person who uploaded it (the page shows the report at once, but a large file can
  outlast their patience, and the inbox keeps the link to the report), and the curators when it left drafts in
  review for them.
- A TAXII POST: nobody. The client reads the status resource the POST answered with; a producer posting every
  minute must not fill an inbox.
- A sync: the curators (and the curator who asked for a pull now) once per pull that took something in, not once
  per page; when it fails, once when a working source starts failing (a remote down for a day, pulled every 15
  minutes, is one notification), and always when a person asked for that pull.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from clearinghouse.accounts import selectors as people
from clearinghouse.accounts.models import NotificationKind
from clearinghouse.accounts.services import notify
from clearinghouse.exchange.models import ImportRun, ImportSource, ImportStatus, SyncSource


def import_finished(run: ImportRun) -> None:
    """Tell the person who uploaded ``run`` that it finished or failed, and the curators when it left drafts for
    them to review (in the caller's transaction)."""
    if run.source != ImportSource.UPLOAD or run.actor is None:
        return
    told = [run.actor]
    if run.status == ImportStatus.COMPLETE and (run.created_count or run.updated_count):
        told += list(people.curators())
    notify(NotificationKind.IMPORT_FINISHED, recipients=told, about=run, status=run.status)


def _recipients(asked_by: Any) -> list[Any]:
    people_told = list(people.curators())
    if asked_by is not None and getattr(asked_by, "is_authenticated", False):
        people_told.append(asked_by)
    return people_told


@transaction.atomic
def sync_took_in(source: SyncSource, runs: list[ImportRun], *, asked_by: Any = None) -> None:
    """One pull finished: tell what it took in, when it took in anything new or changed."""
    created = sum(run.created_count for run in runs)
    updated = sum(run.updated_count for run in runs)
    if not created and not updated:
        return
    refused = sum(run.failure_count for run in runs)
    notify(
        NotificationKind.IMPORT_FINISHED,
        recipients=_recipients(asked_by),
        about=source,
        status="complete",
        runs=len(runs),
        created=created,
        updated=updated,
        refused=refused,
    )


@transaction.atomic
def sync_failed(source: SyncSource, error: str, *, was_failing: bool, asked_by: Any = None) -> None:
    """A pull failed: tell it when the source was working until now, or when a person asked for this pull."""
    if was_failing and asked_by is None:
        return
    notify(
        NotificationKind.IMPORT_FINISHED,
        recipients=_recipients(asked_by),
        about=source,
        status="failed",
        error=error,
    )
