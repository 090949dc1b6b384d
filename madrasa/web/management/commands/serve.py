"""`madrasa serve [--port 8000] [--host 127.0.0.1] [--workers 2]`: serve Madrasa with gunicorn,
and run one background-task worker (`madrasa db_worker`, ADR 0008) beside it, restarted if it
dies and stopped with the server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

WORKER_RESTART_SECONDS = 2.0


def _uses_database_tasks() -> bool:
    backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    return backend.startswith("django_tasks_db.")


def _stop(process: subprocess.Popen[bytes] | None, *, timeout: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Command(BaseCommand):
    help = "Serve the application with gunicorn (static files by WhiteNoise) and a task worker."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("MADRASA_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Madrasa is served on http://{bind}/ (Ctrl-C to stop)")
        self.stdout.flush()
        server_command = [
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
        worker_command = [
            sys.executable,
            "-m",
            "madrasa.cli",
            "db_worker",
            "--no-reload",
            "--interval",
            "1",
        ]
        use_worker = _uses_database_tasks()
        server = subprocess.Popen(server_command)  # noqa: S603  fixed argv, no shell
        worker = subprocess.Popen(worker_command) if use_worker else None  # noqa: S603  same
        stopping = False

        def forward(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True
            for process in (server, worker):
                if process is not None and process.poll() is None:
                    process.send_signal(signum)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        try:
            while server.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.wait(timeout=WORKER_RESTART_SECONDS)
                if use_worker and not stopping and worker is not None and worker.poll() is not None:
                    self.stderr.write(f"task worker exited ({worker.returncode}); restarting it")
                    time.sleep(WORKER_RESTART_SECONDS)
                    worker = subprocess.Popen(worker_command)  # noqa: S603  fixed argv
        finally:
            _stop(worker)
            _stop(server)
        sys.exit(server.returncode or 0)
