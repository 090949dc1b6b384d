"""`madrasa serve [--port 8000] [--host 127.0.0.1] [--workers 2]`: serve Madrasa with gunicorn."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the application with gunicorn (static files by WhiteNoise)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("MADRASA_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Madrasa is served on http://{bind}/ (Ctrl-C to stop)")
        self.stdout.flush()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "madrasa.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--timeout",
            "60",
            "--access-logfile",
            "-",
        ]
        os.execv(sys.executable, command)  # noqa: S606  fixed argv, no shell
