"""Running one import: read, check, then plan and write in one transaction, and report."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from clearinghouse.catalog import services as catalog
from clearinghouse.core import bulk
from clearinghouse.exchange import notices
from clearinghouse.exchange.importing.planning import Planning
from clearinghouse.exchange.importing.reading import Refused, read_bundle
from clearinghouse.exchange.importing.reporting import Reporting, failed_run
from clearinghouse.exchange.importing.state import Progress, log
from clearinghouse.exchange.models import ImportRun, ImportSource


class _Import(Planning, Reporting):
    """One run: the objects, what earlier imports hold, the plan, then the writes."""


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Reading and mapping a bundle allocates millions of objects and frees none until the end: the cycle
    collector, started by allocations, would walk them all again and again (a third of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_bundle(
    raw: bytes,
    *,
    actor: Any,
    source: str,
    origin: str = "",
    owner: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> ImportRun:
    """Take in a STIX 2.1 bundle or TAXII 2.1 envelope as drafts in review; returns the saved run and its
    report (status ``complete``, or ``failed`` with nothing else stored)."""
    owner = catalog.import_owner(actor, owner)
    run = ImportRun(
        source=ImportSource(source),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        origin=origin[:500],
        **owner,
    )
    job = _Import(run, actor, owner, progress)
    try:
        with _without_cycle_collection():
            job.raw = raw
            job.text, objects = read_bundle(raw)
            job.take(objects)
            job.mark()
            job.start_archive()
            with transaction.atomic(), bulk.large_writes():
                run.save()
                # rows are written on another thread while the next ones are worked out here
                with bulk.Writer() as job.writer:
                    job.plan()
                    job.write()
                job.finish()
                notices.import_finished(run)
            # freed while the cycle collector is off: resumed, it would walk these millions of objects once more
            del objects
            job.release()
    except Refused as refused:
        return _failed(run, refused, job)
    except (DatabaseError, ValidationError, PermissionDenied) as error:
        log.exception("STIX import %s stopped", run.pk)
        return _failed(run, Refused(_("The import stopped: %(error)s") % {"error": error}, total=job.total), job)
    return run


def _failed(run: ImportRun, refused: Refused, job: _Import) -> ImportRun:
    """The refused run's report, saved with its notification in one transaction."""
    with transaction.atomic():
        failed_run(run, refused, job)
        notices.import_finished(run)
    return run
