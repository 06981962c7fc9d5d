"""Reporting: the run's counts and report, for a complete run or a refused one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from clearinghouse.core import audit
from clearinghouse.exchange.importing import outcomes
from clearinghouse.exchange.importing.outcomes import CREATED, FAILED, LINKED, UNCHANGED, UNMAPPED, UPDATED, Item
from clearinghouse.exchange.importing.reading import Refused
from clearinghouse.exchange.importing.state import ImportState
from clearinghouse.exchange.models import ImportRun, ImportStatus


class Reporting(ImportState):
    def finish(self) -> None:
        run = self.run
        tally = Counter(item.outcome for item in self.items)
        run.total_count = self.total
        run.failure_count = tally[FAILED]
        run.success_count = self.total - run.failure_count
        run.pending_count = 0
        run.created_count = tally[CREATED]
        run.updated_count = tally[UPDATED]
        run.unchanged_count = tally[UNCHANGED]
        run.unmapped_count = tally[UNMAPPED]
        successes = (i for i in self.items if i.outcome != FAILED)
        failures = (i for i in self.items if i.outcome == FAILED)
        unmapped = [i for i in self.items if i.outcome == UNMAPPED]
        run.report = {
            "successes": _listed(successes, _status),
            "failures": _listed(failures, _status),
            "unmapped": _listed(iter(unmapped), _unmapped_entry),
            "unmapped_by_type": dict(Counter(i.type for i in unmapped).most_common()),
            "errors": [],
            "linked": tally[LINKED],
            "records": self.records,
            "omitted": {
                "successes": max(0, run.success_count - outcomes.MAX_LISTED),
                "failures": max(0, run.failure_count - outcomes.MAX_LISTED),
                "unmapped": max(0, len(unmapped) - outcomes.MAX_LISTED),
                "records": self.record_count - len(self.records),
            },
        }
        run.status = ImportStatus.COMPLETE
        run.finished_at = timezone.now()
        run.save()
        audit.record(
            self.actor,
            "exchange.imported",
            run,
            changes={
                "origin": run.origin,
                "objects": run.total_count,
                "created": run.created_count,
                "updated": run.updated_count,
                "unchanged": run.unchanged_count,
                "unmapped": run.unmapped_count,
                "refused": run.failure_count,
            },
        )


def _status(item: Item) -> dict[str, str]:
    return {"id": item.id, "version": item.version, "message": item.message}


def _unmapped_entry(item: Item) -> dict[str, str]:
    return {"id": item.id, "type": item.type, "reason": item.message}


def _listed(items: Iterator[Item], entry: Callable[[Item], dict[str, str]]) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = []
    for item in items:
        if len(listed) == outcomes.MAX_LISTED:
            break
        listed.append(entry(item))
    return listed


def failed_run(run: ImportRun, refused: Refused, job: ImportState) -> ImportRun:
    run.status = ImportStatus.FAILED
    run.finished_at = timezone.now()
    run.total_count = refused.total
    run.success_count = run.created_count = run.updated_count = run.unchanged_count = run.unmapped_count = 0
    run.pending_count = 0
    run.failure_count = refused.total
    failures = refused.failures[: outcomes.MAX_LISTED]
    bad = {f["id"] for f in refused.failures}
    for item in job.items:
        if len(failures) >= outcomes.MAX_LISTED:
            break
        if item.id not in bad:
            failures.append(
                {
                    "id": item.id,
                    "version": item.version,
                    "message": _("not taken in: other objects of the bundle are invalid"),
                }
            )
    errors = [refused.message] + [f["message"] for f in refused.failures[1 : outcomes.MAX_ERRORS]]
    run.report = {
        "successes": [],
        "failures": failures,
        "unmapped": [],
        "unmapped_by_type": {},
        "errors": errors,
        "linked": 0,
        "records": [],
        "omitted": {"failures": max(0, refused.total - len(failures))},
    }
    run.save(force_insert=True)  # the run saved in the rolled-back transaction is gone with it
    return run
