"""What `make test` runs: lint and contracts, then pytest on SQLite and on PostgreSQL.

PostgreSQL (`MADRASA_TEST_POSTGRES_URL`, default postgresql://postgres@127.0.0.1:5432/postgres)
is skipped with a message when unreachable, unless CI=true, where that is a failure.
The browser test needs Debian's Chromium: installed here when running as root, else skipped
with a message (a failure when CI=true).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get(
    "MADRASA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = os.environ.get("MADRASA_CHROMIUM", "/usr/bin/chromium")


def step(title: str) -> None:
    print(f"\n=== {title} ===", flush=True)


def run(args: list[str], env: dict[str, str] | None = None) -> int:
    started = time.monotonic()
    code = subprocess.call(args, cwd=ROOT, env={**os.environ, **(env or {})})
    print(f"--- {' '.join(args[:3])}… exit {code} in {time.monotonic() - started:.1f}s", flush=True)
    return code


def lint() -> list[str]:
    failures = []
    checks = [
        ("ruff check", [str(BIN / "ruff"), "check", "."]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "--quiet", "."]),
        ("bandit", [str(BIN / "bandit"), "-r", "madrasa", "-q", "-ll", "-c", "pyproject.toml"]),
        ("import contracts", [str(BIN / "lint-imports")]),
        ("mypy", [str(BIN / "mypy"), "madrasa", "tests", "scripts", "conftest.py"]),
        (
            "migrations up to date",
            [str(BIN / "madrasa"), "makemigrations", "--check", "--dry-run"],
        ),
    ]
    for name, args in checks:
        step(name)
        if run(args, env={"MADRASA_ENV": "test"}) != 0:
            failures.append(name)
    return failures


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason."""
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
    return None


def drop_leftover_database(name: str) -> None:
    """pytest-django drops its database, except when a run dies during set-up; we do it then."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_URL, connect_timeout=3, autocommit=True) as conn:
        for suffix in ("", "_gw0", "_gw1"):
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name + suffix))
            )


def ensure_chromium() -> str | None:
    """None when Chromium is usable, else why not. Debian's poppler-utils (pdftotext, which
    reads back the printed PDFs) is installed with it."""
    if Path(CHROMIUM).exists() and shutil.which("pdftotext"):
        return None
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        step("installing Debian's chromium and poppler-utils for the browser and PDF tests")
        apt_env = {"DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=apt_env)
        run(
            ["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-core", "poppler-utils"],
            env=apt_env,
        )
        if Path(CHROMIUM).exists():
            return None
    return f"{CHROMIUM} not found (install Debian's chromium package)"


def pytest(label: str, env: dict[str, str], extra: list[str]) -> tuple[int, dict[str, int]]:
    step(f"pytest on {label}")
    junit = ROOT / "var" / f"junit-{label}.xml"
    junit.parent.mkdir(exist_ok=True)
    # Two workers (CI has 2 cores); a module's tests stay on one worker (--dist loadfile), except
    # those of a module of hundreds of tests (the access matrix), shared out one by one
    # (conftest.py, pytest_xdist_make_scheduler).
    workers = os.environ.get("MADRASA_TEST_WORKERS", "2")
    parallel = ["-n", workers, "--dist", "loadfile"] if workers not in {"", "0", "1"} else []
    code = run(
        [str(BIN / "pytest"), "-p", "no:cacheprovider", *parallel, f"--junitxml={junit}", *extra],
        env=env,
    )
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if junit.exists():
        root = ET.parse(junit).getroot()  # noqa: S314  our own pytest's output
        for suite in root.iter("testsuite"):
            for key in counts:
                counts[key] += int(suite.get(key, 0))
    return code, counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only-lint", action="store_true")
    parser.add_argument("--skip-lint", action="store_true")
    parser.add_argument("pytest_args", nargs="*")
    options = parser.parse_args()

    step("compile translation catalogues")
    if run([str(BIN / "madrasa"), "compilecatalogs"], env={"MADRASA_ENV": "test"}) != 0:
        return 1
    failures = [] if options.skip_lint else lint()
    if options.only_lint:
        print("\nlint: " + ("OK" if not failures else "FAILED: " + ", ".join(failures)))
        return 1 if failures else 0

    env: dict[str, str] = {}
    why_no_browser = ensure_chromium()
    if why_no_browser:
        if CI:
            print(f"FAIL: browser tests need Chromium in CI: {why_no_browser}")
            failures.append("chromium missing")
        else:
            print(f"NOTE: browser tests will be skipped: {why_no_browser}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    results = []
    code, counts = pytest("sqlite", {**env, "MADRASA_TEST_DB": "sqlite"}, options.pytest_args)
    results.append(("sqlite", code, counts))
    why_no_pg = postgres_reachable()
    if why_no_pg is None:
        run_id = uuid.uuid4().hex[:10]
        code, counts = pytest(
            "postgres",
            {**env, "MADRASA_TEST_DB": "postgres", "MADRASA_TEST_RUN_ID": run_id},
            options.pytest_args,
        )
        results.append(("postgres", code, counts))
        drop_leftover_database(f"test_madrasa_{run_id}")
    elif CI:
        print(f"\nFAIL: PostgreSQL unreachable at {PG_URL} and CI=true: {why_no_pg}")
        failures.append("postgres unreachable")
    else:
        print(f"\nNOTE: PostgreSQL tests skipped, {PG_URL} unreachable: {why_no_pg}")

    step("summary")
    for label, code, counts in results:
        for key in totals:
            totals[key] += counts[key]
        if code != 0:
            failures.append(f"pytest on {label}")
        print(
            f"{label}: {counts['tests']} tests, {counts['failures'] + counts['errors']} failed, "
            f"{counts['skipped']} skipped (exit {code})"
        )
    if failures:
        print("FAILED: " + ", ".join(failures))
    passed = totals["tests"] - totals["failures"] - totals["errors"] - totals["skipped"]
    failed = (
        totals["failures"] + totals["errors"] + (1 if failures and not totals["failures"] else 0)
    )
    print(f"{passed} passed, {failed} failed, {totals['skipped']} skipped", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
