"""``manage.py xliff export --language fr --as curator`` and ``manage.py xliff import FILE --language fr --as
curator``: translations out to translators and back, as the dashboard's page does, in a curator's name."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clearinghouse.catalog import selectors, services, translation_files
from clearinghouse.catalog.models import Language


class Command(BaseCommand):
    help = (
        "Export the texts without a current translation into a language as an XLIFF 1.2 file, or import a "
        "translated file back (a stale or invalid one is reported; nothing is half-applied)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Write the XLIFF file of what is missing or outdated.")
        export.add_argument("--language", required=True, choices=Language.values, help="The target language.")
        export.add_argument("--as", dest="account", required=True, help="The curator's user name.")
        export.add_argument("--kind", choices=list(selectors.RECORD_TYPES), help="Only records of this kind.")
        export.add_argument("--which", choices=translation_files.WHICH, default="all")
        export.add_argument("--records", nargs="*", default=[], help="Only these: measure/12 technology/3 …")
        export.add_argument("--output", "-o", type=Path, help="The file to write (standard output by default).")
        imported = actions.add_parser("import", help="Apply a translated XLIFF file.")
        imported.add_argument("file", type=Path)
        imported.add_argument("--language", required=True, choices=Language.values, help="The file's target language.")
        imported.add_argument("--as", dest="account", required=True, help="The curator's user name.")

    def handle(self, *args: Any, action: str, account: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=account, is_active=True).first()
        if user is None or not user.is_curator:
            raise CommandError(f"“{account}” is not an active curator's or administrator's account.")
        if action == "export":
            self._export(user, **options)
        else:
            self._import(user, **options)

    def _export(
        self,
        user: Any,
        *,
        language: str,
        kind: str | None,
        which: str,
        records: list[str],
        output: Path | None,
        **_: Any,
    ) -> None:
        try:
            ids = translation_files.parse_selection(records)
        except ValueError as error:
            raise CommandError(f"“{error}” does not name a record: write measure/12 or technology/3.") from None
        kinds = [kind] if kind else list(selectors.RECORD_TYPES)
        data, count = translation_files.export_xliff(user, language, kinds=kinds, ids=ids, which=which)
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            output.write_bytes(data)
        self.stderr.write(
            f"{count:,} texts to translate into {language}" + (f", written to {output}" if output else "")
        )

    def _import(self, user: Any, *, file: Path, language: str, **_: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        if file.stat().st_size > settings.MAX_REQUEST_BODY_BYTES:
            raise CommandError(
                f"{file}: nothing was imported: it is larger than {settings.MAX_REQUEST_BODY_BYTES:,} bytes."
            )
        try:
            report = services.import_xliff(file.read_bytes(), actor=user, language=language)
        except services.XliffRefused as refused:
            raise CommandError(
                f"{file} was refused; nothing was imported:\n" + "\n".join(f"  {p}" for p in refused.problems)
            ) from None
        self.stdout.write(
            f"{file}: {len(report.applied):,} texts applied to {len(report.records):,} records; "
            f"{len(report.stale):,} stale, {len(report.untranslated):,} not translated, "
            f"{len(report.incomplete):,} incomplete (not applied)."
        )
        for unit in report.stale:
            self.stdout.write(f"  stale (the original changed since the export): {unit}")
        for unit in report.incomplete:
            self.stdout.write(f"  not applied (a new translation needs its title or name and summary): {unit}")
