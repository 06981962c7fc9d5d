"""``manage.py implementation_report --resolution 174 --format docx --output report.docx``."""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clearinghouse.core.visibility import TLP
from clearinghouse.mandates.models import Body, Resolution
from clearinghouse.reports.models import Edition, ReportFormat
from clearinghouse.reports.services import build


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date: write it as YYYY-MM-DD.") from error


class Command(BaseCommand):
    help = "Generate the implementation report of a resolution from the platform's records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--resolution", type=int, required=True, help="The resolution's number, e.g. 174.")
        parser.add_argument("--body", choices=Body.values, default=Body.PP)
        parser.add_argument("--from", dest="start", help="First day of the period (default: the first record).")
        parser.add_argument("--to", dest="end", help="Last day of the period (default: the last record).")
        parser.add_argument("--format", choices=ReportFormat.values, required=True)
        parser.add_argument("--output", type=Path, required=True, help="The file to write.")
        parser.add_argument(
            "--edition",
            choices=Edition.values,
            default=Edition.PUBLIC,
            help="Who receives it: public (TLP:CLEAR only), community (up to TLP:GREEN) or restricted (up to "
            "TLP:AMBER+STRICT). TLP:RED is never reported.",
        )
        parser.add_argument("--restricted", action="store_true", help="The same as --edition restricted.")
        parser.add_argument(
            "--include-illustrative", action="store_true", help="Count illustrative (demo) data, marked as such."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["start"]) if options["start"] else None
        end = _date(options["end"]) if options["end"] else None
        resolution = Resolution.objects.filter(body=options["body"], number=options["resolution"]).first()
        if resolution is None:
            raise CommandError(
                f"Resolution {options['resolution']} has not been imported (manage.py import_resolution FILE)."
            )
        output: Path = options["output"]
        if not output.parent.is_dir():
            raise CommandError(f"{output.parent} is not a folder.")
        started = time.monotonic()
        bar = _Bar(self.stderr)
        try:
            content, data = build(
                resolution,
                format=options["format"],
                start=start,
                end=end,
                edition=Edition.RESTRICTED if options["restricted"] else options["edition"],
                include_illustrative=options["include_illustrative"],
                progress=bar.update,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        finally:
            bar.close()
        # written beside the output and renamed: the output is never a half-written file
        handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes it private)
        os.replace(temporary, output)
        self.stdout.write(
            f"{output}: {len(content):,} bytes in {time.monotonic() - started:.1f} s — "
            f"{data.measures_published:,} measures, {data.contributing_states} Member States, "
            f"{sum(data.activity_totals.values()):,} activities, {len(data.clauses)} operative clauses; "
            f"marked {TLP(data.marking).label}"
        )


class _Bar:
    """``Report [#####-----] 50% step`` on the terminal (one line per step elsewhere)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def update(self, percent: int, step: str) -> None:
        filled = percent * 30 // 100
        line = f"Report [{'#' * filled}{'-' * (30 - filled)}] {percent:3d}% {step}"
        if self.tty:
            self.stream.write("\r" + line.ljust(100), ending="")
        else:
            self.stream.write(line)
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("", ending="\n")
