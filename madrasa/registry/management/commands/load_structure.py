"""`madrasa load_structure`: load Morocco's cycles, levels, streams and school years."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.core.errors import DomainError
from madrasa.registry.services import load_structure


class Command(BaseCommand):
    help = "Create or update cycles, levels, streams and school years from the shipped defaults."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_structure(actor=None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            f"structure: {result.cycles} cycles, {result.levels} levels, "
            f"{result.streams} streams, {result.years} school years"
        )
