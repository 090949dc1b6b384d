"""Shared pieces of the benchmark scenarios (bench/README.md): scales, a scratch PostgreSQL
database, the `madrasa` command in a subprocess, Django in this process, timing.

A scenario module imports it as `benchkit` (bench/ is on sys.path when the runner, or
`python bench/<module>.py`, runs it).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
NATIONAL_PUPILS = 12_000_000
# Pupils per scale: small runs in minutes on 2 cores; province is a large province or a small
# region; national is the whole country (Morocco, 2025).
SCALE_PUPILS = {"small": 200_000, "province": 1_000_000, "national": NATIONAL_PUPILS}

# progress(share of the scenario done, 0..1, what it is doing)
Progress = Callable[[float, str], None]


def no_progress(share: float, label: str) -> None:
    """The progress callback when nobody watches."""


def server_url() -> str:
    """The PostgreSQL server the scenarios create their databases on (no database name)."""
    return os.environ.get("MADRASA_BENCH_SERVER", DEFAULT_SERVER).rstrip("/")


def pupils_for(scale: str) -> int:
    try:
        return SCALE_PUPILS[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}: one of {', '.join(SCALE_PUPILS)}") from None


@dataclass
class Scratch:
    """A scratch database (`url`) and directory (`path`) for one scenario."""

    name: str
    url: str
    path: Path

    def env(self) -> dict[str, str]:
        """The environment of a `madrasa` subprocess using this database, as an operator's."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("MADRASA_", "DJANGO_")) and k != "DATABASE_URL"
        }
        return env | {
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "madrasa.settings",
            "MADRASA_VAR_DIR": str(self.path),
            "MADRASA_LOG_LEVEL": "WARNING",
            "MADRASA_DEBUG": "false",  # as in production: no query log kept in memory
        }

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, autocommit=True)


@contextmanager
def scratch(prefix: str, *, keep: bool = False, server: str | None = None) -> Iterator[Scratch]:
    """Create `<prefix>_<random>` on the server and a directory under var/; drop both after."""
    server = server or server_url()
    name = f"{prefix}_{secrets.token_hex(4)}"
    (ROOT / "var").mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=ROOT / "var"))
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Scratch(name, f"{server}/{name}", path)
    finally:
        if not keep:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        shutil.rmtree(path, ignore_errors=True)


def madrasa(
    env: dict[str, str], *args: str, on_stderr: Callable[[str], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `madrasa ARGS` with `env`; stdout is captured, stderr lines go to `on_stderr` (a
    progress bar's lines) or are captured too."""
    command = [sys.executable, "-m", "madrasa.cli", *args]
    if on_stderr is None:
        return subprocess.run(  # noqa: S603  our own command, arguments from the bench
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
    with subprocess.Popen(  # noqa: S603  our own command, arguments from the bench
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        if process.stderr is None:
            raise RuntimeError("no stderr pipe")
        kept: list[str] = []
        for line in process.stderr:
            kept.append(line)
            on_stderr(line)
        stdout = process.stdout.read() if process.stdout else ""
        process.wait()
    return subprocess.CompletedProcess(command, process.returncode, stdout, "".join(kept[-50:]))


def check(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


SYNTH_LINE = re.compile(r"^\s*(?P<phase>[\w ,]+?) \[[#.]+\]\s+(?P<percent>\d+)%")


def synth(
    where: Scratch,
    pupils: int,
    progress: Progress,
    *,
    start: float,
    end: float,
    seed: int = 1,
    indexes: str = "auto",
) -> tuple[float, Path]:
    """`madrasa synth --pupils N` in a subprocess, timed from outside (start-up included); its
    progress lines move `progress` from `start` to `end`. Returns the seconds and its JSON."""
    summary = where.path / "synth.json"

    def on_line(line: str) -> None:
        found = SYNTH_LINE.match(line)
        if not found:
            return
        share = int(found["percent"]) / 100
        if found["phase"].strip() == "pupils":
            progress(start + (end - start) * 0.8 * share, f"synth: pupils {share:.0%}")
        else:
            progress(start + (end - start) * (0.8 + 0.2 * share), f"synth: {found['phase']}")

    started = time.perf_counter()
    done = madrasa(
        where.env(), "synth", "--pupils", str(pupils), "--seed", str(seed), "--indexes",
        indexes, "--json", str(summary), on_stderr=on_line,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    check(done, "madrasa synth")
    return seconds, summary


def migrate(where: Scratch) -> None:
    check(madrasa(where.env(), "migrate", "--verbosity", "0"), "madrasa migrate")


def setup_django(where: Scratch) -> None:
    """Django in this process, on the scratch database (call once per process)."""
    os.environ.update(where.env())
    import django

    django.setup()


def timed(
    fn: Callable[[], object], *, repeat: int = 5, warmup: int = 1
) -> tuple[float, list[float]]:
    """The median of `repeat` timed calls after `warmup` untimed ones, and every time."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def install_debian_package(tool: str, package: str) -> bool:
    """Install Debian's `package` when `tool` is missing and we may (root, apt-get); whether
    `tool` is there afterwards."""
    if shutil.which(tool) is not None:
        return True
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        subprocess.run(command, env=env, check=False, capture_output=True)  # noqa: S603  fixed
    return shutil.which(tool) is not None


def postgres_settings(conn: psycopg.Connection[Any]) -> dict[str, str]:
    found = {}
    for name in ("server_version", "shared_buffers", "work_mem", "maintenance_work_mem",
                 "max_wal_size", "max_parallel_workers_per_gather"):  # fmt: skip
        row = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
        found[name] = str(row[0]) if row else ""
    return found
