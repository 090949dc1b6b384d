"""`madrasa demo [--port 8000] [--no-serve]`: a ready-to-use demo on SQLite, then serve it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from madrasa.web.demo import DEMO_PASSWORD, build_demo, build_demo_assessment


class Command(BaseCommand):
    help = "Migrate, load the territory and demo data, print the demo accounts, and serve."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="set up, print, and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("the demo refuses to run with MADRASA_ENV=production")
        call_command("compilecatalogs", verbosity=0)
        call_command("migrate", interactive=False, verbosity=0)
        accounts = build_demo()
        assessment = build_demo_assessment()
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS("Madrasa demo is ready. Demo accounts (one per role):")
        )
        width = max(len(a.username) for a in accounts)
        self.stdout.write(
            f"  {'login'.ljust(width)}  {'password'.ljust(len(DEMO_PASSWORD))}  role — scope"
        )
        for account in accounts:
            self.stdout.write(
                f"  {account.username.ljust(width)}  {DEMO_PASSWORD}  "
                f"{account.role.value} — {account.scope}"
            )
        if not settings.MADRASA_REQUIRE_MFA:
            self.stdout.write(
                "  (demo: staff sign in without the second factor (TOTP) that production requires)"
            )
        if assessment.marks:
            self.stdout.write(
                f"  marks: {assessment.marks} in the demo school (semester 1, contrôles 1-2), "
                f"{assessment.bulletins} semester-1 bulletins computed, not yet published"
            )
        sample = assessment.results
        if sample.sample_code:
            self.stdout.write(
                f"  results day: /results/ answers for {sample.candidates} baccalauréat "
                f"candidates; try {sample.sample_code} born {sample.sample_birth_date}"
            )
        self.stdout.write(f"  database: {settings.DATABASES['default']['NAME']}")
        self.stdout.write("")
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])
