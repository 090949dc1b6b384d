"""`madrasa bench [--scale small|province|national] [--only NAME ...]`: the benchmark suite.

Each scenario (bench/<name>.py, contract in bench/README.md) runs on PostgreSQL in a fresh
database, in its own process; a progress bar shows where it is; the command ends with one table
(scenario, Madrasa figure, raw-engine figure of the same run on the same rows, ratio, goal) and
writes it as JSON to bench/results/. Development tool: needs the repository's bench/ folder.
"""

from __future__ import annotations

import importlib.util
import sys
from argparse import ArgumentParser
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"


def load_runner() -> ModuleType:
    path = settings.BASE_DIR / "bench" / "runner.py"
    if not path.exists():
        raise CommandError(f"{path} not found: madrasa bench runs from a clone of the repository")
    spec = importlib.util.spec_from_file_location("madrasa_bench_runner", path)
    if spec is None or spec.loader is None:
        raise CommandError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def default_server() -> str:
    """The server of DATABASE_URL when it is PostgreSQL, else the local one."""
    database = settings.DATABASES["default"]
    if database.get("ENGINE") != "django.db.backends.postgresql":
        return DEFAULT_SERVER
    user = database.get("USER") or "postgres"
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}"


class Command(BaseCommand):
    help = (
        "Run the benchmark scenarios on PostgreSQL (each in a fresh database) and print one "
        "table: Madrasa against the raw engine on the same rows. See bench/README.md."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--scale", choices=["small", "province", "national"], default="small",
            help="small (200,000 pupils, minutes), province (1 million), national (12 million)",
        )  # fmt: skip
        parser.add_argument(
            "--only", action="append", default=[], metavar="NAME",
            help="run only this scenario (repeat, or separate with commas)",
        )  # fmt: skip
        parser.add_argument(
            "--server",
            help="PostgreSQL server to create the scratch databases on, without a database "
            "name (default: DATABASE_URL's server, else " + DEFAULT_SERVER + ")",
        )
        parser.add_argument("--list", action="store_true", help="list the scenarios and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("bench refuses to run with MADRASA_ENV=production")
        runner = load_runner()
        names = [n.strip() for item in options["only"] for n in item.split(",") if n.strip()]
        unknown = sorted(set(names) - set(runner.SCENARIOS))
        if unknown:
            raise CommandError(
                f"unknown scenario(s) {', '.join(unknown)}: one of {', '.join(runner.SCENARIOS)}"
            )
        if options["list"]:
            for outcome in runner.survey(names or None):
                state = outcome.error or "ready"
                self.stdout.write(f"{outcome.name:<16} {outcome.goal:<26} {state}")
            return
        server = (options["server"] or default_server()).rstrip("/")
        self.stdout.write(
            f"madrasa bench --scale {options['scale']} on {server.rsplit('@', 1)[-1]}"
        )
        self.stdout.ending = ""  # the bar ends its own lines (and redraws with \r)
        try:
            outcomes, out = runner.run_all(options["scale"], names or None, server, self.stdout)
        finally:
            self.stdout.ending = "\n"
        self.stdout.write("")
        for line in runner.table(outcomes):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"written to {out.relative_to(settings.BASE_DIR)}")
        if any(o.status == "failed" for o in outcomes):
            raise CommandError("a scenario failed (its log is named above)")
