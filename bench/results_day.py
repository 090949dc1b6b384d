"""Scenario `results_day` of `madrasa bench`, and a standalone script: results-day lookups
through the application (wrk against gunicorn) against a bare point lookup on the same table
(pgbench), in the same run.

    .venv/bin/madrasa bench --only results_day [--scale small|province|national]
    make bench-results [ROWS=1000000] [DURATION=20], or:
    .venv/bin/python bench/results_day.py [--rows 1000000] [--duration 20] [--connections 64]
                                          [--workers 4] [--threads 16] [--keep]

1. Creates a scratch database (dropped at the end unless --keep), migrates it, loads the
   territory, structure and grading defaults, creates a baccalauréat session and a published
   publication, and COPYs --rows published results into it (national code B000000000…, a birth
   date derived from the serial, a small JSON payload).
2. Starts the application with gunicorn on `madrasa.wsgi:application` as `madrasa serve` does
   (production settings, persistent connections), with the rate limits raised for the bench,
   and runs `wrk` (--connections connections, --duration seconds, after a 3 s warm-up) with
   bench/results_day.lua, which asks for random valid code/birth-date pairs:
   GET /api/v1/results/<session>/lookup. Twice: `fastpath`, the lookup as served (the WSGI fast
   path of madrasa/results/fastpath.py), and `django`, the same request through Django's whole
   stack (MADRASA_RESULTS_FASTPATH=false).
3. Runs `pgbench` (same clients, same duration) with a custom script doing the same point
   lookup (publication, national code, birth date) on the same table.

As a scenario: Madrasa figure = the fast path's lookups/s, raw = pgbench's; goal: ratio ≥ 0.5
and the fast path's p99 < 50 ms. The script prints lookups/s, p50 and p99 for each and writes
bench/results/results_day-<rows>-<time>.json. Needs wrk (`apt-get install wrk`) and pgbench.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from benchkit import (  # noqa: E402  bench/ put on sys.path just above
    DEFAULT_SERVER,
    RESULTS,
    ROOT,
    Progress,
    install_debian_package,
    migrate,
    no_progress,
    postgres_settings,
    scratch,
    setup_django,
)

LUA = ROOT / "bench" / "results_day.lua"
GOAL_RATIO = 0.5
GOAL_P99_MS = 50.0
# Published results per scale, and seconds of load per side. A session of the baccalauréat has
# about 1 million candidates in Morocco (all exams of a session together, ~1-2 million): the
# national size is 2 million rows, not 12 million pupils.
SCALE_ROWS = {"small": 200_000, "province": 1_000_000, "national": 2_000_000}
SCALE_DURATION = {"small": 10, "province": 20, "national": 30}

FIRST_BIRTH = date(2006, 1, 1)
SAMPLES = 200_000


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def code_of(i: int) -> str:
    return f"B{i:09d}"


def birth_of(i: int) -> date:
    """The same formula as the pgbench script: 2006-01-01 + (i * 7919 mod 1461) days."""
    return FIRST_BIRTH + timedelta(days=(i * 7919) % 1461)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Load:
    """How hard and how long both sides are driven, and how the application is served."""

    duration: int = 20
    connections: int = 64
    workers: int = 4  # gunicorn workers
    threads: int = 16  # threads per worker (gthread)
    wrk_threads: int = 2
    pgbench_mode: str = "simple"
    access_log: bool = False


def check_tools() -> None:
    """wrk (the HTTP load) and pgbench (the raw side): Debian's wrk is installed here when
    running as root, as `make test` installs Chromium; otherwise a clear message."""
    for tool, package in (("wrk", "wrk"), ("pgbench", "postgresql-contrib")):
        if shutil.which(tool) is None and not install_debian_package(tool, package):
            raise RuntimeError(f"{tool} is missing: apt-get install {package}")


def publish(url: str, rows: int, progress: Progress = no_progress) -> tuple[str, int]:
    """Load the defaults, publish `rows` results; (session uuid, publication id). Django is set
    up on `url`, migrated."""
    from django.utils import timezone

    from madrasa.grading.models import ExamScheme
    from madrasa.grading.services import load_grading
    from madrasa.registry.services import load_structure, load_territory
    from madrasa.results.models import Publication
    from madrasa.results.services import create_session

    load_territory(actor=None)
    load_structure(actor=None)
    load_grading(actor=None)
    scheme = ExamScheme.objects.get(year__is_current=True, code="baccalaureat")
    session = create_session(actor=None, scheme=scheme, name="Baccalauréat (bench)")
    publication = Publication.objects.create(
        session=session,
        version=1,
        status=Publication.Status.PUBLISHED,
        embargo_until=timezone.now() - timedelta(minutes=1),
        published_at=timezone.now(),
        rows=rows,
    )
    started = time.perf_counter()
    outcomes = ("admitted", "admitted", "resit", "failed")
    mentions = ("passable", "assez_bien", "bien", "tres_bien")
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.cursor().copy(
            "COPY results_publishedresult (publication_id, national_code, birth_date, pin_hash,"
            " payload) FROM STDIN"
        ) as copy:
            for i in range(rows):
                if i % 50_000 == 0:
                    progress(i / rows, f"COPY {i:,}/{rows:,} results")
                payload = json.dumps(
                    {
                        "name_ar": "تلميذ " + str(i),
                        "name_latn": f"Pupil {i}",
                        "stream": "PC",
                        "average": f"{8 + (i % 1200) / 100:.2f}",
                        "mention": mentions[i % 4],
                        "outcome": outcomes[i % 4],
                    },
                    ensure_ascii=False,
                )
                copy.write_row((publication.pk, code_of(i), birth_of(i), "", payload))
        conn.execute("ANALYZE results_publishedresult")
    say(f"COPY of {rows:,} published results: {time.perf_counter() - started:.1f} s")
    return str(session.uuid), int(publication.pk)


def write_samples(path: Path, rows: int) -> None:
    rng = random.Random(42)  # noqa: S311  sample choice, not a secret
    with path.open("w") as fh:
        for _ in range(SAMPLES):
            i = rng.randrange(rows)
            fh.write(f"{code_of(i)} {birth_of(i).isoformat()}\n")


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(text)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_wrk(base: str, session: str, samples: Path, options: Load) -> dict[str, Any]:
    env = os.environ | {"RESULTS_SESSION": session, "RESULTS_SAMPLES": str(samples)}
    out = subprocess.run(  # noqa: S603  fixed argv
        [  # noqa: S607  wrk from PATH
            "wrk",
            f"-t{options.wrk_threads}",
            f"-c{options.connections}",
            f"-d{options.duration}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+(\S+)\s*$", out, re.M))
    if "50" not in latency or "99" not in latency:
        raise RuntimeError(f"cannot read the latency distribution of wrk:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "lookups_per_s": rate,
        "p50_ms": to_ms(latency["50"]),
        "p99_ms": to_ms(latency["99"]),
        "requests": int(total.group(1)) if total else None,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
        "raw": out,
    }


PGBENCH_SCRIPT = """\\set i random(0, {last})
SELECT payload FROM results_publishedresult
 WHERE publication_id = {publication}
   AND national_code = 'B' || lpad(:i::text, 9, '0')
   AND birth_date = DATE '{first}' + ((:i::bigint * 7919) % 1461)::int;
"""


def run_pgbench(url: str, publication: int, rows: int, options: Load) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "lookup.sql"
        script.write_text(
            PGBENCH_SCRIPT.format(last=rows - 1, publication=publication, first=FIRST_BIRTH)
        )
        out = subprocess.run(  # noqa: S603  fixed argv
            [  # noqa: S607  pgbench from PATH
                "pgbench",
                "-n",
                "-c",
                str(options.connections),
                "-j",
                "2",
                "-T",
                str(options.duration),
                "-M",
                options.pgbench_mode,
                "-f",
                str(script),
                "-l",
                "--log-prefix",
                str(Path(tmp) / "log"),
                url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
        out_text = out.stdout
        latencies: list[int] = []
        for log in Path(tmp).glob("log*"):
            for line in log.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 3:
                    latencies.append(int(parts[2]))
    rate = float(re.search(r"tps = ([\d.]+)", out_text).group(1))  # type: ignore[union-attr]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "lookups_per_s": rate,
        "p50_ms": cuts[49] / 1000,
        "p99_ms": cuts[98] / 1000,
        "transactions": len(latencies),
        "mode": options.pgbench_mode,
        "raw": out_text,
    }


# The application as served (`madrasa serve`: madrasa.wsgi, results fast path on), and the same
# with the fast path off (every request through Django's middleware, resolver and ninja).
APPS = {"fastpath": "true", "django": "false"}


def start_server(url: str, port: int, options: Load, app: str) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "MADRASA_RESULTS_FASTPATH": APPS[app],
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "madrasa.settings",
        "MADRASA_ENV": "production",
        "MADRASA_SECRET_KEY": secrets.token_urlsafe(40),
        "MADRASA_SSL_REDIRECT": "false",
        "MADRASA_LOG_LEVEL": "WARNING",
        "MADRASA_RESULTS_RATE_PER_ADDRESS": "1000000000",
        "MADRASA_RESULTS_RATE_PER_CODE": "1000000000",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "madrasa.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(options.workers),
        "--timeout",
        "60",
        "--backlog",
        "2048",
    ]
    if options.threads > 1:
        command += ["--threads", str(options.threads), "--worker-class", "gthread"]
    if options.access_log:
        command += ["--access-logfile", "-"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603  fixed argv
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError("the application did not start")


def check_answer(port: int, session: str) -> dict[str, Any]:
    url = (
        f"http://127.0.0.1:{port}/api/v1/results/{session}/lookup"
        f"?code={code_of(7)}&birth_date={birth_of(7).isoformat()}"
    )
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.loads(response.read())
        return {"status": response.status, "body": body, "headers": dict(response.headers)}


def measure(
    url: str,
    session: str,
    publication: int,
    rows: int,
    load: Load,
    apps: list[str],
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """wrk against each application, then pgbench on the same table; the report."""
    measured: dict[str, dict[str, Any]] = {}
    server = None
    steps = len(apps) + 1
    try:
        with tempfile.TemporaryDirectory() as tmp:
            samples = Path(tmp) / "samples.txt"
            write_samples(samples, rows)
            for step, app in enumerate(apps):
                progress(step / steps, f"{app}: wrk {load.duration} s")
                port = free_port()
                server = start_server(url, port, load, app)
                sample = check_answer(port, session)
                if sample["status"] != 200:
                    raise RuntimeError(f"{app}: the lookup answered {sample['status']}")
                say(
                    f"{app}: one lookup: {sample['status']} "
                    f"{json.dumps(sample['body'], ensure_ascii=False)}"
                )
                base = f"http://127.0.0.1:{port}"
                run_wrk(base, session, samples, dataclasses.replace(load, duration=3))
                say(f"{app}: wrk, {load.connections} connections, {load.duration} s…")
                measured[app] = run_wrk(base, session, samples, load)
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
                server = None
    finally:
        if server is not None:
            server.kill()
            server.wait()
    progress(len(apps) / steps, f"pgbench {load.duration} s")
    say(f"pgbench: {load.connections} clients, {load.duration} s…")
    bare = run_pgbench(url, publication, rows, load)
    for found in measured.values():
        found["ratio"] = round(found["lookups_per_s"] / bare["lookups_per_s"], 3)
    progress(1.0, "done")
    return {
        "benchmark": "results_day",
        "at": datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ"),
        "rows": rows,
        "duration_s": load.duration,
        "connections": load.connections,
        "gunicorn": {
            "workers": load.workers,
            "threads": load.threads,
            "access_log": load.access_log,
        },
        "cpus": os.cpu_count(),
        "applications": {
            name: {k: v for k, v in found.items() if k != "raw"} for name, found in measured.items()
        },
        "bare_engine": {k: v for k, v in bare.items() if k != "raw"},
        "goals": {"ratio_min": GOAL_RATIO, "p99_ms_max": GOAL_P99_MS},
    }


def print_report(report: dict[str, Any]) -> None:
    bare = report["bare_engine"]
    say("")
    say(f"{'':28}{'lookups/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'ratio':>8}")
    for name, found in report["applications"].items():
        say(
            f"{'application: ' + name:28}{found['lookups_per_s']:>12,.0f}"
            f"{found['p50_ms']:>10.2f}{found['p99_ms']:>10.2f}{found['ratio']:>8.2f}"
        )
    say(
        f"{'bare engine (pgbench)':28}{bare['lookups_per_s']:>12,.0f}{bare['p50_ms']:>10.2f}"
        f"{bare['p99_ms']:>10.2f}{1:>8.2f}"
    )
    say(
        f"goals: ratio ≥ {GOAL_RATIO:.2f}, application p99 < {GOAL_P99_MS:g} ms; non-2xx: "
        + ", ".join(f"{n} {m['non_2xx']}" for n, m in report["applications"].items())
    )


def run(scale: str, progress: Progress = no_progress) -> dict[str, Any]:
    try:
        rows, duration = SCALE_ROWS[scale], SCALE_DURATION[scale]
    except KeyError:
        raise ValueError(f"unknown scale {scale!r}: one of {', '.join(SCALE_ROWS)}") from None
    check_tools()
    load = Load(duration=duration)
    with scratch("bench_results") as where:
        progress(0.0, "migrate")
        migrate(where)
        setup_django(where)
        session, publication = publish(
            where.url, rows, lambda share, label: progress(0.05 + 0.25 * share, label)
        )
        report = measure(
            where.url,
            session,
            publication,
            rows,
            load,
            ["fastpath", "django"],
            lambda share, label: progress(0.3 + 0.7 * share, label),
        )
        with psycopg.connect(where.url) as conn:
            report["postgres"] = postgres_settings(conn)
        from django.db import connections

        connections.close_all()
    print_report(report)
    ours, django_stack = report["applications"]["fastpath"], report["applications"]["django"]
    bare = report["bare_engine"]
    ratio = ours["lookups_per_s"] / bare["lookups_per_s"]
    errors = ours["non_2xx"] + django_stack["non_2xx"]
    return {
        "madrasa": ours["lookups_per_s"],
        "raw": bare["lookups_per_s"],
        "unit": "req/s",
        "goal": f"ratio ≥ {GOAL_RATIO:g}, p99 < {GOAL_P99_MS:g} ms",
        "met": ratio >= GOAL_RATIO and ours["p99_ms"] < GOAL_P99_MS and errors == 0,
        "rows": rows,
        "notes": (
            f"{rows:,} published results, {load.connections} connections, {duration} s each; "
            f"p50/p99 fast path {ours['p50_ms']:.1f}/{ours['p99_ms']:.1f} ms, pgbench "
            f"{bare['p50_ms']:.1f}/{bare['p99_ms']:.1f} ms; full Django stack "
            f"{django_stack['lookups_per_s']:,.0f} req/s (p99 {django_stack['p99_ms']:.1f} ms)"
            + (f"; {errors} non-2xx answers" if errors else "")
            + ("; national = 2M rows (a session's candidates)" if scale == "national" else "")
        ),
        "details": report,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker (gthread)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--pgbench-mode", default="simple", choices=["simple", "prepared"])
    parser.add_argument("--access-log", action="store_true", help="as `madrasa serve` does")
    parser.add_argument(
        "--apps",
        default="fastpath,django",
        help="applications to measure: fastpath (madrasa.wsgi as served, results fast path on) "
        "and/or django (the same with MADRASA_RESULTS_FASTPATH=false: Django's whole stack)",
    )
    parser.add_argument("--server", default=DEFAULT_SERVER)
    parser.add_argument("--database", default="", help="reuse this database (made by --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()
    try:
        check_tools()
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None
    load = Load(
        duration=options.duration,
        connections=options.connections,
        workers=options.workers,
        threads=options.threads,
        wrk_threads=options.wrk_threads,
        pgbench_mode=options.pgbench_mode,
        access_log=options.access_log,
    )
    apps = [a for a in options.apps.split(",") if a]
    unknown = sorted(set(apps) - set(APPS))
    if unknown:
        raise SystemExit(f"unknown application {', '.join(unknown)}: {', '.join(APPS)}")
    if options.database:
        url = f"{options.server}/{options.database}"
        os.environ |= {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "madrasa.settings",
            "MADRASA_DEBUG": "false",
            "MADRASA_LOG_LEVEL": "WARNING",
        }
        with psycopg.connect(url) as conn:
            found = conn.execute(
                "SELECT s.uuid::text, p.id FROM results_publication p "
                "JOIN results_examsession s ON s.id = p.session_id "
                "WHERE p.status = 'published' ORDER BY p.id DESC LIMIT 1"
            ).fetchone()
            counted = conn.execute("SELECT count(*) FROM results_publishedresult").fetchone()
        if found is None or counted is None:
            raise SystemExit(f"no published results in {options.database}")
        report = measure(url, found[0], int(found[1]), int(counted[0]), load, apps)
    else:
        with scratch("bench_results", keep=options.keep, server=options.server) as where:
            say(f"setting up {where.name} with {options.rows:,} published results…")
            migrate(where)
            setup_django(where)
            session, publication = publish(where.url, options.rows)
            report = measure(where.url, session, publication, options.rows, load, apps)
            from django.db import connections

            connections.close_all()
    print_report(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"results_day-{report['rows']}-{report['at']}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    say(f"written {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
