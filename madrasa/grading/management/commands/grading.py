"""`madrasa grading show --year CODE`: print a school year's grading policy, coefficient tables
and exam schemes. `madrasa grading copy --from A --to B [--replace]`: start year B from year A.
(`madrasa load_grading` loads the shipped defaults.)"""

from __future__ import annotations

from argparse import ArgumentParser
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.core.errors import InvalidInput
from madrasa.grading.selectors import year_grading
from madrasa.grading.services import copy_year_policy
from madrasa.grading.validation import decimal_text
from madrasa.registry.models import SchoolYear


def _year(code: str) -> SchoolYear:
    year = SchoolYear.objects.filter(code=code).first()
    if year is None:
        raise CommandError(f"No school year {code!r}; see /structure/.")
    return year


def _d(value: Any) -> str:
    return decimal_text(Decimal(str(value)))


class Command(BaseCommand):
    help = "Grading policy tools: `show --year CODE`, `copy --from A --to B [--replace]`."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="Print a year's policy, coefficients and schemes.")
        show.add_argument("--year", required=True, help="School year, e.g. 2026-2027.")
        copy = sub.add_parser("copy", help="Start a year's grading as a copy of another year's.")
        copy.add_argument("--from", dest="source", required=True, help="Year to copy from.")
        copy.add_argument("--to", dest="target", required=True, help="Year to start.")
        copy.add_argument(
            "--replace",
            action="store_true",
            help="Replace the target year's policy if it has one (kept in the audit log).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            self._show(_year(options["year"]))
        else:
            source, target = _year(options["source"]), _year(options["target"])
            try:
                copy_year_policy(
                    actor=None, source=source, target=target, replace=options["replace"]
                )
            except InvalidInput as exc:
                raise CommandError(str(exc.message)) from None
            grading = year_grading(target)
            self.stdout.write(
                f"{target.code} now starts from {source.code}: "
                f"{len(grading.coefficients)} coefficients, {len(grading.schemes)} exam schemes."
            )

    def _show(self, year: SchoolYear) -> None:
        grading = year_grading(year)
        out = self.stdout.write
        lock = grading.lock
        state = (
            "closed (read-only)"
            if lock.locked
            else f"semesters closed: {', '.join(map(str, lock.closed))}"
            if lock.closed
            else "open"
        )
        out(f"School year {year.code} — {state}")
        policy = grading.policy
        if policy is None:
            out("No grading policy yet (madrasa load_grading --year, or madrasa grading copy).")
            return
        out("")
        out("Policy")
        out(f"  scale           0-{_d(policy.scale_max)}, pass mark {_d(policy.pass_mark)}")
        out(f"  averages        {policy.decimals} decimals, rounding {policy.rounding}")
        mentions = ", ".join(f"{m['code']} from {m['min']}" for m in policy.mentions)
        out(f"  mentions        {mentions or '-'}")
        absences = ", ".join(f"{k}={v}" for k, v in sorted(policy.absence_rules.items()))
        out(f"  absences        {absences}")
        weights = ", ".join(f"S{n}={w}" for n, w in enumerate(policy.semester_weights, start=1))
        out(f"  semester weights {weights}")
        out(f"  source          {policy.source}")
        out("")
        out("Exam schemes")
        for scheme in grading.schemes:
            parts = " + ".join(f"{c['code']} {c['weight']}" for c in scheme.components)
            resit = (
                f"resit from {_d(scheme.resit_min)}"
                + (", best mark per subject kept" if scheme.resit_keeps_best else "")
                if scheme.resit_min is not None
                else "no resit"
            )
            out(f"  {scheme.code} ({scheme.level.code}): {parts}; {resit}")
            out(f"    source: {scheme.source}")
        out("")
        out("Coefficients (subject x coefficient, contrôles per semester)")
        for group in grading.groups:
            name = group.level.code + (f"/{group.stream.code}" if group.stream else "")
            rows = ", ".join(
                f"{r.subject.code} x{_d(r.coefficient)} ({r.assessments_per_semester})"
                for r in group.rows
            )
            out(f"  {name:<12} {rows}")
