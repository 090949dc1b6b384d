"""Start `madrasa demo` in a scratch directory on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MADRASA_", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"))
    }
    env["MADRASA_VAR_DIR"] = str(var_dir)
    return env


@dataclass
class DemoServer:
    url: str
    output: str


@contextmanager
def running_demo(var_dir: Path, timeout: float = 60) -> Iterator[DemoServer]:
    port = free_port()
    log = var_dir / "demo.log"
    var_dir.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "madrasa.cli", "demo", "--port", str(port)],
            cwd=ROOT,
            env=demo_env(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310  our own local server
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"demo server did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield DemoServer(url=url, output=log.read_text())
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
