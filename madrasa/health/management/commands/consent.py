"""`madrasa consent grant|revoke|list`: a guardian's consent to share a pupil's school health
record for a purpose (recorded from a signed form).

    madrasa consent grant A100000001 --guardian AB123456 [--purpose health] [--on 2026-11-02]
    madrasa consent revoke A100000001 [--purpose health]
    madrasa consent list A100000001
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.core.errors import DomainError
from madrasa.health.models import Consent, ConsentPurpose
from madrasa.health.services import grant_consent, revoke_consent
from madrasa.registry.models import Guardian, Student


def _student(code: str) -> Student:
    student = Student.objects.filter(national_code=code.strip().upper()).first()
    if student is None:
        raise CommandError(f"no pupil with national code {code!r}")
    return student


class Command(BaseCommand):
    help = "Consents of guardians to share the school health record (see docs/health.md)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        purposes = sorted(ConsentPurpose.values)
        grant = actions.add_parser("grant", help="record a guardian's consent")
        grant.add_argument("national_code")
        grant.add_argument("--guardian", required=True, help="the guardian's national ID (CNIE)")
        grant.add_argument("--purpose", default="health", choices=purposes)
        grant.add_argument("--on", default="", help="the day it was signed (YYYY-MM-DD)")
        revoke = actions.add_parser("revoke", help="revoke the active consent")
        revoke.add_argument("national_code")
        revoke.add_argument("--purpose", default="health", choices=purposes)
        listing = actions.add_parser("list", help="a pupil's consents")
        listing.add_argument("national_code")

    def handle(self, *args: Any, **options: Any) -> None:
        student = _student(options["national_code"])
        try:
            if options["action"] == "grant":
                guardian = Guardian.objects.filter(
                    national_id=options["guardian"].strip().upper()
                ).first()
                if guardian is None:
                    raise CommandError(f"no guardian with national ID {options['guardian']!r}")
                try:
                    on = date.fromisoformat(options["on"]) if options["on"] else None
                except ValueError:
                    raise CommandError(f"--on {options['on']!r} is not a date") from None
                consent = grant_consent(
                    actor=None,
                    student=student,
                    guardian=guardian,
                    purpose=options["purpose"],
                    given_on=on,
                )
                self.stdout.write(
                    f"granted: {student.national_code} {consent.purpose} on {consent.given_on}"
                )
            elif options["action"] == "revoke":
                consent = revoke_consent(actor=None, student=student, purpose=options["purpose"])
                self.stdout.write(
                    f"revoked: {student.national_code} {consent.purpose} on {consent.revoked_on}"
                )
            else:
                for consent in Consent.objects.filter(student=student).select_related("guardian"):
                    state = f"revoked {consent.revoked_on}" if consent.revoked_on else "active"
                    self.stdout.write(
                        f"{consent.purpose}\tgiven {consent.given_on}\t{state}\t"
                        f"guardian {consent.guardian.national_id or consent.guardian.uuid}"
                    )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
