"""`madrasa load_territory`: load Morocco's 12 regions and 75 prefectures/provinces."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.core.errors import DomainError
from madrasa.registry.services import load_territory


class Command(BaseCommand):
    help = (
        "Create or update the regions and prefectures/provinces from the shipped reference files."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_territory(actor=None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            f"territory: {result.regions_created} regions created, "
            f"{result.regions_updated} updated; "
            f"{result.provinces_created} prefectures/provinces created, "
            f"{result.provinces_updated} updated"
        )
