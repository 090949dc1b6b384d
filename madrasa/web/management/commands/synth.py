"""`madrasa synth --pupils N [--seed S] [--region CODE] [--province CODE]`: a synthetic nation."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from madrasa.core.errors import DomainError
from madrasa.web.synth import generate_synth

PHASES = {"pupils": "pupils", "indexes": "indexes and constraints"}


class ProgressBar:
    """A one-line progress bar on a terminal (a line per tenth elsewhere)."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self.phase = ""
        self.shown = -1.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self.phase:
            if self.phase and self.tty:
                self.stream.write("\n")
            self.phase, self.started, self.shown = phase, now, -1.0
        share = done / total if total else 1.0
        if self.tty:
            if now - self.shown < 0.2 and done < total:
                return
        elif int(share * 10) == int(self.shown * 10) and done < total:
            return
        self.shown = now if self.tty else share
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        filled = int(self.width * share)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{PHASES.get(phase, phase):>24} [{bar}] {share:4.0%} {done:,}/{total:,}"
        if phase == "pupils":
            line += f"  {rate:,.0f}/s"
        self.stream.write(("\r" if self.tty else "") + line + ("" if self.tty else "\n"))
        self.stream.flush()

    def close(self) -> None:
        if self.phase and self.tty:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Generate a synthetic data set: schools in proportion to population, classes, pupils "
        "with families, enrolments and a few planted duplicates. Deterministic for a seed. "
        "A province that already holds synthetic schools is refused (never filled twice)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--pupils", type=int, required=True, help="pupils enrolled this year (N)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--region", help="only this region (code, e.g. 04)")
        parser.add_argument("--province", help="only this prefecture or province (e.g. 421)")
        parser.add_argument(
            "--indexes",
            choices=["auto", "keep", "rebuild"],
            default="auto",
            help=(
                "PostgreSQL: drop and re-create the big tables' indexes and foreign keys around "
                "the load (rebuild), load with them in place (keep), or rebuild unless the pupil "
                "table already holds more than twice the pupils added (auto, the default)"
            ),
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--json", type=Path, help="also write the counts and timings to this JSON file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("synth refuses to run with MADRASA_ENV=production")
        bar = None if options["quiet"] else ProgressBar(sys.stderr)
        try:
            result = generate_synth(
                pupils=options["pupils"],
                seed=options["seed"],
                region_code=options["region"],
                province_code=options["province"],
                indexes=options["indexes"],
                progress=bar,
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        finally:
            if bar is not None:
                bar.close()
        total = result.seconds["total"]
        self.stdout.write(
            f"synth: {result.pupils:,} pupils and {result.dropouts:,} dropouts in "
            f"{result.schools:,} schools ({result.satellites:,} satellite units), "
            f"{result.classes:,} classes, {len(result.provinces)} province(s)"
        )
        self.stdout.write(
            f"       {result.guardians:,} guardians, {result.guardianships:,} links, "
            f"{result.enrolments:,} enrolments, {result.journey_events:,} journey events; "
            f"{result.planted_duplicates} planted duplicates, "
            f"{result.duplicate_candidates} flagged"
        )
        self.stdout.write(
            f"       {result.rows:,} rows in {total:.1f} s ({result.rows / total:,.0f} rows/s, "
            f"{result.pupils / total:,.0f} pupils/s); indexes {result.indexes}"
        )
        if options["json"]:
            summary = {**dataclasses.asdict(result), "rows": result.rows}
            options["json"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        if options["verbosity"] > 1:
            for phase, seconds in result.seconds.items():
                self.stdout.write(f"       {phase:>32}: {seconds:8.2f} s")
