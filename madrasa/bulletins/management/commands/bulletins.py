"""`madrasa bulletins compute --semester 2025-2026/1 [--school CODE | --province CODE |
--region CODE | --all] [--year-average] [--correction]`: compute bulletins in this process, with
a progress bar (schools done / to do) on stderr.

`--year-average` computes the year bulletins (from the semesters' general averages) of the
semester's school year (`--semester 2025-2026` is then enough). Published bulletins are left as
they are unless `--correction` is given (which withdraws them from families until republished).
Exit status: 0 when done, 1 when the run failed or could not start.
"""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.bulletins.models import BulletinRun
from madrasa.bulletins.services import BulletinTarget, execute_run, start_bulletin_run
from madrasa.core.errors import DomainError
from madrasa.core.progress import TerminalProgress
from madrasa.registry.models import SchoolYear


class ProgressBar(TerminalProgress):
    def __call__(self, run: BulletinRun) -> None:
        self.show(
            run.done,
            run.total,
            counts=f"{run.done}/{run.total} schools {self.elapsed:.1f} s",
            finished=run.is_finished,
        )


def _target(spec: str, *, year_average: bool) -> BulletinTarget:
    code, _sep, number = spec.partition("/")
    year = SchoolYear.objects.filter(code=code).first()
    if year is None:
        raise CommandError(f"unknown school year {code}")
    if year_average:
        return BulletinTarget(year=year)
    if number not in {"1", "2"}:
        raise CommandError("give the semester as YEAR/1 or YEAR/2, e.g. 2025-2026/1")
    return BulletinTarget.of(year, f"S{number}")


class Command(BaseCommand):
    help = "Compute bulletins of a school, province, region or the whole country."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        compute = actions.add_parser("compute", help="compute (or recompute) bulletins")
        compute.add_argument("--semester", required=True, help="YEAR/N, e.g. 2025-2026/1")
        scope = compute.add_mutually_exclusive_group(required=True)
        scope.add_argument("--school", help="school code")
        scope.add_argument("--province", help="province or prefecture code")
        scope.add_argument("--region", help="region code")
        scope.add_argument("--all", action="store_true", help="the whole country")
        compute.add_argument(
            "--year-average", action="store_true", help="compute the year bulletins"
        )
        compute.add_argument(
            "--correction", action="store_true", help="recompute published bulletins too"
        )
        compute.add_argument("--batch-size", type=int, default=100, help="schools per batch")
        compute.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        target = _target(options["semester"], year_average=options["year_average"])
        for kind in ("school", "province", "region"):
            if options[kind]:
                scope_kind, scope_code = kind, options[kind]
                break
        else:
            scope_kind, scope_code = "nation", ""
        started = time.monotonic()
        try:
            run = start_bulletin_run(
                actor=None,
                scope_kind=scope_kind,
                scope_code=scope_code,
                target=target,
                correction=options["correction"],
                schedule=False,
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        bar = ProgressBar(options.get("stderr") or sys.stderr, enabled=not options["no_progress"])
        finished = execute_run(
            run_uuid=run.uuid, progress=bar, batch_size=max(1, options["batch_size"])
        )
        assert finished is not None  # noqa: S101  the run was just created
        elapsed = time.monotonic() - started
        if finished.status == BulletinRun.Status.FAILED:
            raise CommandError(f"the computation failed: {finished.error}")
        skipped = f", {finished.skipped} schools already published (left as they are)"
        self.stdout.write(
            f"{finished.period} {target.year.code}: {finished.bulletins} bulletins in "
            f"{finished.done} schools{skipped if finished.skipped else ''} ({elapsed:.1f} s)"
        )
