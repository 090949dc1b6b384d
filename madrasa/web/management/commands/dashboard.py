"""`madrasa dashboard refresh [--year 2025-2026]`: compute the dashboard's national indicators
now, in this process, with a progress bar on stderr (madrasa/web/dashboard.py). The web page
queues the same refresh by itself when its figures are older than
MADRASA_INDICATORS_MAX_AGE_MINUTES; run this after a large import or at night from cron.
Exit status: 0 when done, 1 when the computation failed."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.core.progress import TerminalProgress
from madrasa.registry.models import SchoolYear
from madrasa.web.dashboard import open_year, request_refresh, run_refresh
from madrasa.web.models import IndicatorRefresh


class Command(BaseCommand):
    help = "Compute the dashboard's national indicators now."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        refresh = actions.add_parser("refresh", help="compute the indicators of a school year")
        refresh.add_argument("--year", default="", help="school year code (default: current)")
        refresh.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["year"]
        year = SchoolYear.objects.filter(code=code).first() if code else open_year()
        if year is None:
            raise CommandError(f"unknown school year {code}" if code else "no current school year")
        refresh = request_refresh(actor=None, year=year, schedule=False)
        if refresh.state != IndicatorRefresh.State.QUEUED:
            raise CommandError(
                f"a refresh of {year.code} is already running (since {refresh.started_at}); "
                "wait for it to finish"
            )
        bar = TerminalProgress(sys.stderr, enabled=not options["no_progress"])
        steps = IndicatorRefresh.STEPS
        names = {1: "enrolments", 2: "bulletins", 3: "exam results"}
        bar.show(0, steps, counts="starting")

        def on_step(n: int) -> None:
            bar.show(n, steps, counts=f"{names[n]} {bar.elapsed:.1f} s", finished=n == steps)

        try:
            done = run_refresh(refresh.uuid, on_step=on_step)
        except Exception as exc:
            raise CommandError(f"the computation failed: {exc}") from exc
        if done is None or done.state != IndicatorRefresh.State.DONE:
            raise CommandError("the computation did not finish")
        cells = done.cells.count()
        self.stdout.write(
            f"indicators of {year.code}: {cells} province-level cells in {done.seconds:.2f} s"
        )
