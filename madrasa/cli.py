"""The `madrasa` command: Django's management commands with Madrasa's settings.

madrasa demo [--port 8123]   set up a demo database and serve it
madrasa serve [--port 8000]  serve the application
madrasa migrate              apply database migrations
madrasa audit verify         check the audit log's hash chain
madrasa help                 every other command
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "madrasa.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018  loads settings, so errors surface here, once
    except ImproperlyConfigured as exc:
        print(f"madrasa: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None

    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    argv[0] = "madrasa"
    try:
        execute_from_command_line(argv)
    except OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        print(f"madrasa: database unavailable: {first_line}", file=sys.stderr)
        raise SystemExit(3) from None


if __name__ == "__main__":
    main()
