"""`madrasa audit verify`: check the hash chain of the whole audit log."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.core.audit import verify_chain


class Command(BaseCommand):
    help = "Audit log tools. `verify` checks that no entry was changed, inserted or deleted."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(f"audit log intact: {report.checked} entries verified")
            )
            return
        for problem in report.problems:
            self.stderr.write(f"entry {problem.seq}: {problem.problem}")
        raise CommandError(
            f"audit log TAMPERED: {len(report.problems)} problem(s) in {report.checked} entries"
        )
