"""The `madrasa` command end to end: demo set-up (twice), serving, audit verification."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.demo_server import ROOT, demo_env, running_demo

pytestmark = pytest.mark.skipif(
    os.environ.get("MADRASA_TEST_DB") == "postgres",
    reason="the demo runs on its own SQLite file; once per `make test` is enough",
)


def _madrasa(var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "madrasa.cli", *args],
        cwd=ROOT,
        env=demo_env(var_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


Demo = tuple[Path, subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A scratch directory where `madrasa demo --no-serve` set the demo up from nothing, and
    what that printed. Set up once (about a minute) for both tests."""
    var_dir = tmp_path_factory.mktemp("demo")
    return var_dir, _madrasa(var_dir, "demo", "--no-serve")


def test_demo_sets_up_prints_every_role_and_is_quick_the_second_time(demo: Demo) -> None:
    var_dir, first = demo
    assert first.returncode == 0, first.stderr
    for login in (
        "ministere",
        "aref.rsk",
        "dp.rabat",
        "directeur.ibnsina",
        "enseignant.ibnsina",
        "parent.demo",
        "eleve.demo",
        "agence.demo",
    ):
        assert login in first.stdout
    assert "madrasa-demo-2026" in first.stdout
    assert (var_dir / "madrasa.sqlite3").exists()
    started = time.monotonic()
    second = _madrasa(var_dir, "demo", "--no-serve")
    assert second.returncode == 0, second.stderr
    assert time.monotonic() - started < 30
    verify = _madrasa(var_dir, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "audit log intact" in verify.stdout


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310  our local demo server
        return int(response.status), response.read().decode()


def test_demo_serves_the_site(demo: Demo) -> None:
    var_dir, first = demo
    assert first.returncode == 0, first.stderr
    with running_demo(var_dir) as server:
        status, html = _get(f"{server.url}/accounts/login/")
        assert status == 200
        assert 'dir="rtl"' in html
        status, _css = _get(f"{server.url}/static/madrasa/madrasa.css")
        assert status == 200
