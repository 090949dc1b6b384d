"""`madrasa import pupils FILE [--as USERNAME]`: import pupils from a CSV or XLSX file.

`madrasa import purge [--days 90]` deletes old import batches and their rows.

Exit status: 0 when every row was applied; 4 when the import ran but refused some rows (they
are listed; the valid rows were applied); 1 when the file was refused as a whole or the command
could not start (unknown user, unreadable path). Running the same file again resumes an
interrupted import, or changes nothing.
"""

# ruff: noqa: N999  the module is named after the command, `madrasa import`
from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from madrasa.accounts.cli import command_actor
from madrasa.accounts.selectors import Actor
from madrasa.core.progress import TerminalProgress
from madrasa.imports.access import IMPORT_ROLES
from madrasa.imports.messages import format_count
from madrasa.imports.models import ImportBatch
from madrasa.imports.selectors import error_csv_lines, error_lines, list_error_rows
from madrasa.imports.services import CHUNK_SIZE, apply_batch, purge_batches, receive_batch

EXIT_ROW_ERRORS = 4


class ProgressBar(TerminalProgress):
    """The import's progress on stderr (core.progress)."""

    def __call__(self, batch: ImportBatch) -> None:
        self.show(
            batch.applied_rows,
            batch.total_rows,
            counts=f"{format_count(batch.applied_rows)}/{format_count(batch.total_rows)}",
            finished=batch.is_finished,
        )


class Command(BaseCommand):
    help = "Import pupils from a CSV or XLSX file (see docs/imports.md), or purge old imports."

    def add_arguments(self, parser: ArgumentParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True)
        pupils = kinds.add_parser("pupils", help="import pupils, their enrolment and guardians")
        pupils.add_argument("file", type=Path, help="a .csv (UTF-8) or .xlsx file")
        pupils.add_argument(
            "--as",
            dest="username",
            default="",
            help="import as this user, within their scope (default: the system, any school)",
        )
        pupils.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the report (default: %(default)s)",
        )
        pupils.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help="rows per transaction when a new file is applied (default: %(default)s)",
        )
        pupils.add_argument("--errors-csv", type=Path, help="also write the errors to this file")
        pupils.add_argument(
            "--max-errors", type=int, default=50, help="errors printed (default: %(default)s)"
        )
        pupils.add_argument("--no-progress", action="store_true", help="no progress bar")
        purge = kinds.add_parser("purge", help="delete imports finished long ago")
        purge.add_argument("--days", type=int, default=90)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "purge":
            count = purge_batches(actor=None, older_than_days=options["days"])
            self.stdout.write(f"{count} import(s) deleted")
            return
        with translation.override(options["lang"]):
            self._import_pupils(options)

    def _actor(self, username: str) -> Actor | None:
        return command_actor(
            username,
            allowed=lambda actor: bool(actor.roles & IMPORT_ROLES),
            refusal=_("%(name)s holds no role that may import pupils"),
        )

    def _import_pupils(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from None
        actor = self._actor(options["username"])
        started = time.monotonic()
        batch, created = receive_batch(
            actor=actor,
            kind=ImportBatch.Kind.PUPILS,
            filename=path.name,
            data=data,
            chunk_size=max(1, options["chunk_size"]),
        )
        if not created and batch.is_finished:
            self.stderr.write(
                _("%(file)s: already imported, nothing changed") % {"file": path.name}
            )
        elif not created and batch.applied_through:
            self.stderr.write(
                _("%(file)s: resuming after row %(row)s")
                % {"file": path.name, "row": format_count(batch.applied_through)}
            )
        bar = ProgressBar(sys.stderr, enabled=not options["no_progress"])
        batch = apply_batch(batch=batch, actor=actor, progress=bar)
        elapsed = time.monotonic() - started
        self._report(batch, options, elapsed if created else None)
        if batch.status == ImportBatch.Status.REJECTED:
            raise CommandError(_("the file was not imported"))
        if batch.error_count:
            sys.exit(EXIT_ROW_ERRORS)

    def _report(self, batch: ImportBatch, options: dict[str, Any], elapsed: float | None) -> None:
        limit = max(0, options["max_errors"])
        rows = list(list_error_rows(batch)[:limit])
        lines = error_lines(batch, rows)
        for line in lines[:limit] if limit else lines[:0]:
            self.stdout.write(line.sentence)
        if batch.error_count > len(rows):
            self.stdout.write(
                _("… and %(count)s more rows with errors (--errors-csv FILE writes them all)")
                % {"count": format_count(batch.error_count - len(rows))}
            )
        if options["errors_csv"]:
            with options["errors_csv"].open("w", encoding="utf-8", newline="") as handle:
                handle.writelines(error_csv_lines(batch))
        summary = _(
            "%(file)s: %(rows)s rows: %(created)s created, %(updated)s updated, "
            "%(unchanged)s unchanged, %(errors)s refused"
        ) % {
            "file": batch.filename,
            "rows": format_count(batch.total_rows),
            "created": format_count(batch.created_count),
            "updated": format_count(batch.updated_count),
            "unchanged": format_count(batch.unchanged_count),
            "errors": format_count(batch.error_count),
        }
        self.stdout.write(summary)
        if elapsed is not None and elapsed > 0 and batch.total_rows:
            rate = format_count(round(batch.total_rows / elapsed))
            self.stderr.write(f"{elapsed:.1f} s, {rate} rows/s")
