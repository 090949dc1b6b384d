"""`madrasa attendance status --month 2026-11 [--queue]`: compute every pupil's schooling status
for a month, for the whole country, in one set-based statement (or queue it for the worker).

Prints the number of pupils per status. Running it again replaces the month's statuses.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.attendance.rules import parse_month
from madrasa.attendance.services import compute_schooling_status, request_status_run


class Command(BaseCommand):
    help = (
        "Attendance: compute the monthly schooling status of every pupil (see docs/attendance.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        status = actions.add_parser("status", help="compute the monthly schooling status")
        status.add_argument("--month", required=True, help="the month, as YYYY-MM")
        status.add_argument(
            "--queue",
            action="store_true",
            help="queue the computation for the background worker instead of running it here",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = parse_month(options["month"])
        except ValueError:
            raise CommandError(f"--month {options['month']!r} is not a month (YYYY-MM)") from None
        if options["queue"]:
            run = request_status_run(actor=None, month=month)
            self.stdout.write(f"queued: run {run.pk} for {month:%Y-%m}")
            return
        started = time.monotonic()
        run = compute_schooling_status(actor=None, month=month)
        elapsed = time.monotonic() - started
        self.stdout.write(f"{month:%Y-%m}: {run.rows} pupils in {elapsed:.1f} s")
        for status, count in sorted(run.counts.items()):
            self.stdout.write(f"  {status}: {count}")
