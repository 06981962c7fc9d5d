"""Background tasks of the reports app (django-tasks; the database backend's ``db_worker`` runs them)."""

from __future__ import annotations

from django_tasks import task

from clearinghouse.reports.services import run_report


@task()
def generate_report(report_id: int) -> int:
    run_report(report_id)
    return report_id
