"""`madrasa mfa enrol USERNAME`: give a user a TOTP authenticator (prints the otpauth:// URI)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.accounts.models import User
from madrasa.accounts.services import enrol_totp_device


class Command(BaseCommand):
    help = "Second-factor tools. `enrol USERNAME` creates a TOTP device and prints its URI."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["enrol"])
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user named {options['username']!r}")
        device = enrol_totp_device(actor=None, user=user)
        self.stdout.write("Scan this URI in an authenticator app (shown once):")
        self.stdout.write(device.config_url)
