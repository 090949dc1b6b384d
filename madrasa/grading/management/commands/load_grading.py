"""madrasa load_grading [--year CODE]: subjects, and Morocco's default grading policy,
coefficients and exam schemes for each school year that has none yet."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from madrasa.grading.services import load_grading
from madrasa.registry.models import SchoolYear


class Command(BaseCommand):
    help = "Load the default grading policy into school years that have none yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", help="Only this school year (e.g. 2026-2027).")

    def handle(self, *args: Any, **options: Any) -> None:
        years = None
        if options["year"]:
            year = SchoolYear.objects.filter(code=options["year"]).first()
            if year is None:
                raise CommandError(f"No school year {options['year']!r}; see /structure/.")
            years = [year]
        load = load_grading(actor=None, years=years)
        self.stdout.write(
            f"{load.subjects} new subjects; policy set for {load.years} years "
            f"({load.coefficients} coefficients, {load.schemes} exam schemes)."
        )
