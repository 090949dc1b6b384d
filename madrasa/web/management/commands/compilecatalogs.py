"""`madrasa compilecatalogs`: compile madrasa/locale/*/LC_MESSAGES/*.po to .mo with Babel.

Django's own `compilemessages` needs GNU gettext installed; this needs only Python, so
`make demo` and `make test` work on a machine that has nothing but Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


def compile_catalogs(locale_dirs: list[Path]) -> list[Path]:
    written = []
    for locale_dir in locale_dirs:
        for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=po_path.parent.parent.name)
            with mo_path.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
            written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without GNU gettext."

    def handle(self, *args: Any, **options: Any) -> None:
        written = compile_catalogs([Path(p) for p in settings.LOCALE_PATHS])
        if options["verbosity"] > 0:
            self.stdout.write(f"catalogues: {len(written)} compiled")
