"""`madrasa marks import FILE [--year 2025-2026] [--dry-run] [--as USERNAME]`: import a whole
territory's marks from a CSV file, all or nothing (madrasa/marks/bulk.py, docs/marks.md).

Exit status: 0 the marks were imported (or, with --dry-run, would be); 4 the file has wrong
rows (listed) and nothing was imported; 1 the file was refused as a whole or the command could
not start (unreadable path, unknown year or user); 2 configuration error and 3 database
unavailable, as for every `madrasa` command.
"""

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
from django.utils.translation import gettext_lazy

from madrasa.accounts.cli import command_actor
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import DomainError
from madrasa.core.progress import TerminalProgress
from madrasa.enrolment.services import year_or_current
from madrasa.marks.bulk import (
    BULK_IMPORT_ROLES,
    MarksFileRefused,
    error_counts_line,
    format_count,
    import_marks,
    summary_line,
)

EXIT_ROW_ERRORS = 4

# The stages of an import, in the order they run.
STAGES = {
    "reading": (1, gettext_lazy("reading the file")),
    "checking": (2, gettext_lazy("checking the rows")),
    "writing": (3, gettext_lazy("writing the marks")),
}


class ProgressBar(TerminalProgress):
    """The import's progress on stderr (core.progress): one bar per stage."""

    stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            if self.stage and self.tty and self.enabled:
                self.stream.write("\n")
            self.stage, self.last_tenth = stage, -1
        number, label = STAGES.get(stage, (0, stage))
        counts = f"{number}/{len(STAGES)} {label}"
        if stage == "reading":
            counts += f" {done / 2**20:,.1f}/{total / 2**20:,.1f} MB"
        self.show(done, total, counts=counts, finished=stage == "writing" and done >= total)


class Command(BaseCommand):
    help = "Marks: import a CSV file of marks for a whole territory (see docs/marks.md)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        bulk = actions.add_parser("import", help="import marks from a CSV file, all or nothing")
        bulk.add_argument("file", type=Path, help="a .csv file (UTF-8; ; or , separated)")
        bulk.add_argument(
            "--year", default="", help="the school year, e.g. 2025-2026 (default: the current one)"
        )
        bulk.add_argument(
            "--dry-run", action="store_true", help="check and count everything, write nothing"
        )
        bulk.add_argument(
            "--as",
            dest="username",
            default="",
            help="import as this user, within their territory (default: the system, any school)",
        )
        bulk.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the report (default: %(default)s)",
        )
        bulk.add_argument(
            "--max-errors",
            type=int,
            default=50,
            help="errors printed (default: %(default)s; 0: all)",
        )
        bulk.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            self._import(options)

    def _actor(self, username: str) -> Actor | None:
        return command_actor(
            username,
            allowed=lambda actor: bool(actor.roles & BULK_IMPORT_ROLES),
            refusal=_("%(name)s holds no role that may import marks"),
        )

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            year = year_or_current(options["year"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        actor = self._actor(options["username"])
        bar = ProgressBar(sys.stderr, enabled=not options["no_progress"])
        started = time.monotonic()
        try:
            with path.open("rb") as source:
                result = import_marks(
                    source=source,
                    filename=path.name,
                    year=year,
                    actor=actor,
                    dry_run=options["dry_run"],
                    max_errors=max(0, options["max_errors"]),
                    progress=bar,
                )
        except OSError as exc:
            raise CommandError(
                _("cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from None
        except MarksFileRefused as refused:
            if bar.tty and bar.enabled:
                sys.stderr.write("\n")
            for error in refused.errors:
                self.stdout.write(error.line)
            if refused.total > len(refused.errors):
                self.stdout.write(
                    _("… and %(count)s more errors (--max-errors 0 prints them all)")
                    % {"count": format_count(refused.total - len(refused.errors))}
                )
            if refused.rows == 0:
                raise CommandError(_("the file was not imported")) from None
            for code, count in sorted(refused.by_code.items()):
                self.stdout.write(f"  {code}: {format_count(count)}")
            self.stdout.write(f"{path.name}: {error_counts_line(refused)}")
            sys.exit(EXIT_ROW_ERRORS)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        elapsed = time.monotonic() - started
        self.stdout.write(summary_line(result, path.name))
        if result.ignored_columns:
            self.stdout.write(
                _("columns ignored: %(columns)s") % {"columns": ", ".join(result.ignored_columns)}
            )
        if result.dry_run:
            self.stdout.write(_("dry run: nothing was written"))
        if elapsed > 0 and result.rows:
            rate = format_count(round(result.rows / elapsed))
            self.stderr.write(f"{year.code}: {elapsed:.1f} s, {rate} rows/s ({result.loader})")
