"""``manage.py import_resolution FILE [FILE …]``: import resolutions from their plain text.

``--language fr`` (ar, es, fr, ru, zh-hans): each file is the official text of a resolution in that language,
attached to the clauses of its newest revision (or ``--revision N``) matched by their numbering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clearinghouse.core.progress import progress_bar
from clearinghouse.mandates.models import Body
from clearinghouse.mandates.services import import_resolution, import_resolution_language


class Command(BaseCommand):
    help = "Import resolutions from plain-text files (UTF-8); a text imported before changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, help="Plain-text files, one resolution each.")
        parser.add_argument("--body", choices=Body.values, default=Body.PP, help="The body that adopted them.")
        parser.add_argument("--quiet-artefacts", action="store_true", help="Do not list the artefacts cleaned.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES if code != "en"],
            help="The files are the official text in this language of a resolution imported before (in English): "
            "attach it to the same revision's clauses, matched by their numbering.",
        )
        parser.add_argument(
            "--revision",
            type=int,
            dest="sequence",
            help="With --language: the revision to attach the text to (its import order); the newest by default.",
        )

    def handle(
        self,
        *args: Any,
        files: list[Path],
        body: str,
        quiet_artefacts: bool,
        language: str | None = None,
        sequence: int | None = None,
        **options: Any,
    ) -> None:
        texts = []
        for path in files:
            try:
                texts.append((path, path.read_text(encoding="utf-8")))
            except FileNotFoundError as error:
                raise CommandError(f"{path}: no such file. Nothing was imported.") from error
            except UnicodeDecodeError as error:
                raise CommandError(f"{path}: not UTF-8 text ({error.reason}). Nothing was imported.") from error
        if language:
            self._attach(texts, language=language, body=body, sequence=sequence)
            return
        if sequence is not None:
            raise CommandError("--revision goes with --language. Nothing was imported.")
        failures = 0
        items = progress_bar(texts, label="Resolutions", stream=self.stderr) if len(texts) > 1 else texts
        for path, text in items:
            try:
                result = import_resolution(text, actor=None, source_name=path.name, body=body, check_permission=False)
            except ValidationError as error:
                failures += 1
                self.stderr.write(f"{path}: not imported: {' '.join(error.messages)}")
                continue
            revision = result.revision
            parsed = result.parsed
            clauses = sum(len(section.clauses) for section in parsed.sections)
            flagged = [section.heading for section in parsed.sections if section.flagged]
            verb = "imported" if result.created else "unchanged (imported before)"
            self.stdout.write(
                f"{path.name}: Resolution {revision.resolution.number} {revision.label or '(no revision)'} {verb}: "
                f"{len(parsed.sections)} sections, {clauses} clauses"
                + (f", {result.carried_over} activities carried over" if result.carried_over else "")
            )
            for heading in flagged:
                self.stdout.write(f"  flagged for a curator: heading {heading[:80]!r}")
            for warning in parsed.warnings:
                self.stdout.write(f"  warning: {warning}")
            if not quiet_artefacts:
                for artefact in parsed.artefacts:
                    self.stdout.write(f"  cleaned: {artefact}")
        if failures:
            raise CommandError(f"{failures} of {len(texts)} files were not imported (see above).")

    def _attach(self, texts: list[tuple[Path, str]], *, language: str, body: str, sequence: int | None) -> None:
        failures = 0
        for path, text in texts:
            try:
                result = import_resolution_language(
                    text,
                    actor=None,
                    language=language,
                    body=body,
                    sequence=sequence,
                    source_name=path.name,
                    check_permission=False,
                )
            except ValidationError as error:
                failures += 1
                self.stderr.write(f"{path}: not attached, nothing was changed:")
                for message in error.messages:
                    self.stderr.write(f"  {message}")
                continue
            revision = result.revision
            verb = "attached" if result.created else "unchanged (attached before)"
            replaced = f", replacing the {result.replaced} text" if result.replaced else ""
            self.stdout.write(
                f"{path.name}: Resolution {revision.resolution.number} {revision.label or revision.sequence} "
                f"in {language} {verb}: {result.sections} sections, {result.clauses} clauses{replaced}"
            )
        if failures:
            raise CommandError(f"{failures} of {len(texts)} files were not attached (see above).")
