"""A real primary and hot standby (PostgreSQL 15 streaming replication on loopback): Django
writes on the primary, and the router reads from the standby inside `on_replica()`.

PostgreSQL only (`MADRASA_TEST_DB=postgres`), with the server binaries installed. As root, the
clusters run as the `postgres` OS user (`runuser`); otherwise as the current user."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN = Path(os.environ.get("MADRASA_PG_BIN", "/usr/lib/postgresql/15/bin"))
ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("replica_probe.py")


def _skip_reason() -> str | None:
    if os.environ.get("MADRASA_TEST_DB", "sqlite") != "postgres":
        return "streaming replication needs PostgreSQL (run with MADRASA_TEST_DB=postgres)"
    missing = [name for name in ("initdb", "pg_ctl", "pg_basebackup") if not (BIN / name).exists()]
    if missing:
        return (
            f"PostgreSQL server binaries not found in {BIN} ({', '.join(missing)}); "
            "set MADRASA_PG_BIN"
        )
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root needs runuser to start PostgreSQL as the postgres user"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root needs a postgres OS user to own the test clusters"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Pair:
    base: Path
    primary_port: int
    standby_port: int

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=True, cwd=self.base
        )

    def url(self, port: int) -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/postgres"


CONF = """
listen_addresses = '127.0.0.1'
unix_socket_directories = '{base}'
max_connections = 20
shared_buffers = 16MB
fsync = off
full_page_writes = off
wal_level = replica
max_wal_senders = 4
hot_standby = on
wal_receiver_status_interval = 1s
"""


@pytest.fixture
def pair() -> Iterator[Pair]:
    base = Path(tempfile.mkdtemp(prefix="madrasa-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, user="postgres", group="postgres")
    found = Pair(base, _free_port(), _free_port())
    primary, standby = base / "primary", base / "standby"
    started: list[Path] = []
    try:
        found.run("initdb", "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (primary / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(CONF.format(base=base))
        # initdb --auth=trust already lets 127.0.0.1 connect for replication (pg_hba.conf).
        found.run("pg_ctl", "-D", str(primary), "-o", f"-p {found.primary_port}", "-l",
                  str(base / "primary.log"), "-w", "-t", "30", "start")  # fmt: skip
        started.append(primary)
        # A base backup with -R: standby.signal plus primary_conninfo in postgresql.auto.conf.
        found.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(found.primary_port),
                  "-U", "postgres", "-D", str(standby), "-R", "-X", "stream", "-c", "fast",
                  "--no-sync")  # fmt: skip
        assert (standby / "standby.signal").exists()
        found.run("pg_ctl", "-D", str(standby), "-o", f"-p {found.standby_port}", "-l",
                  str(base / "standby.log"), "-w", "-t", "30", "start")  # fmt: skip
        started.append(standby)
        yield found
    finally:
        for data in reversed(started):
            # the directory goes anyway; the logs are in the failure output
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                found.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(base, ignore_errors=True)


def test_the_router_reads_what_the_primary_wrote_from_the_standby(
    pair: Pair, tmp_path: Path
) -> None:
    # given: Madrasa configured as in production, with the standby as its replica
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MADRASA_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "madrasa.settings",
        "DATABASE_URL": pair.url(pair.primary_port),
        "MADRASA_REPLICA_URLS": pair.url(pair.standby_port),
        "MADRASA_SECRET_KEY": "replica-test-only",
        "MADRASA_VAR_DIR": str(tmp_path),
        "MADRASA_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    # when: the probe writes on the primary and reads through the router
    done = subprocess.run(
        [sys.executable, str(PROBE)], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])

    # then: reads opted in went to the standby (in recovery, on its port) and saw the write
    assert report["aliases"] == ["default", "replica_0"]
    assert report["migrate_on_replica"] is False
    on_replica = report["on_replica"]
    assert on_replica["alias"] == "replica_0"
    assert on_replica["row"] == {
        "name_fr": "Probe", "in_recovery": True, "port": pair.standby_port,
    }  # fmt: skip
    # reads not opted in, after an own write, or in a transaction went to the primary
    for case in ("outside_on_replica", "after_own_write", "in_transaction", "write_in_block_read"):
        seen = report[case]
        assert seen["alias"] == "default", case
        assert seen["row"]["in_recovery"] is False, case
        assert seen["row"]["port"] == pair.primary_port, case
