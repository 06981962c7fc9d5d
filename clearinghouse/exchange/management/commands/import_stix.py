"""``manage.py import_stix FILE --owner-state KE`` (or ``--owner-organization gsma``): a STIX 2.1 bundle in."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, reverse

from clearinghouse.countries.models import MemberState, Organization
from clearinghouse.exchange.importing import import_bundle, size_problem
from clearinghouse.exchange.models import ImportSource, ImportStatus


class Command(BaseCommand):
    help = (
        "Import a STIX 2.1 bundle (or TAXII envelope) as catalogue drafts in review, for a Member State or an "
        "organization. The same bundle imported again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The bundle, a JSON file.")
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--owner-state", metavar="ALPHA2", help="The Member State the drafts belong to, e.g. KE.")
        owner.add_argument("--owner-organization", metavar="SLUG", help="…or the organization, e.g. gsma.")

    def handle(
        self, *args: Any, file: Path, owner_state: str | None, owner_organization: str | None, **options: Any
    ) -> None:
        owner = _owner(owner_state, owner_organization)
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        # the upload page's limit, and its refusal: nothing is read of a file that is too large
        too_large = size_problem(file.stat().st_size)
        if too_large:
            raise CommandError(f"{file}: nothing was imported. {too_large}")
        with file.open("rb") as opened:  # (at most one byte more than the limit, should it have grown since)
            raw = opened.read(settings.STIX_IMPORT_MAX_BYTES + 1)
        started = time.monotonic()
        bar = _Bar(self.stderr)
        try:
            run = import_bundle(
                raw,
                actor=None,
                source=ImportSource.UPLOAD,
                origin=file.name,
                owner=owner,
                progress=bar.update,
            )
        finally:
            bar.close()
        elapsed = time.monotonic() - started
        if run.status == ImportStatus.FAILED:
            raise CommandError("Nothing was imported. " + " ".join(run.report.get("errors", [])[:5]))
        self.stdout.write(
            f"{file}: {run.total_count:,} objects in {elapsed:.1f} s ({run.total_count / max(elapsed, 1e-9):,.0f}/s) — "
            f"{run.created_count:,} new drafts in review, {run.updated_count:,} updated, "
            f"{run.unchanged_count:,} already known, {run.report.get('linked', 0):,} links and translations, "
            f"{run.unmapped_count:,} kept but not mapped, {run.failure_count:,} refused"
        )
        by_type = run.report.get("unmapped_by_type") or {}
        if by_type:
            self.stdout.write("Not mapped, by type: " + ", ".join(f"{kind} {n:,}" for kind, n in by_type.items()))
        refused = run.report.get("failures") or []
        for failure in refused[:10]:
            self.stdout.write(f"Refused {failure['id']}: {failure['message']}")
        if run.failure_count > 10:
            self.stdout.write(f"… and {run.failure_count - 10:,} more refused (see the report).")
        try:
            self.stdout.write("Report: " + reverse("exchange_pages:import_detail", args=[run.pk]))
        except NoReverseMatch:
            self.stdout.write(f"Import {run.pk}")


def _owner(state: str | None, organization: str | None) -> dict[str, int]:
    if state:
        found = MemberState.objects.filter(alpha2=state.upper()).values_list("pk", flat=True).first()
        if found is None:
            raise CommandError(f"{state!r} is not a Member State's ISO 3166 alpha-2 code (KE, NG, FR …).")
        return {"owner_state_id": found}
    found = Organization.objects.filter(slug=organization).values_list("pk", flat=True).first()
    if found is None:
        raise CommandError(f"There is no organization {organization!r} (see manage.py load_reference_data).")
    return {"owner_organization_id": found}


class _Bar:
    """``Import [#####-----] 50,000/100,000 objects`` on the terminal (a line per tenth elsewhere)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.shown = -1

    def update(self, done: int, total: int) -> None:
        filled = done * 30 // max(total, 1)
        if not self.tty and filled // 3 == self.shown:
            return
        self.shown = filled // 3
        line = f"Import [{'#' * filled}{'-' * (30 - filled)}] {done:,}/{total:,} objects"
        if self.tty:
            self.stream.write("\r" + line.ljust(80), ending="")
        else:
            self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.shown >= 0:
            self.stream.write("", ending="\n")
