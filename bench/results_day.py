"""Results day on PostgreSQL: lookups through the application (wrk) against a bare point lookup
on the same table (pgbench), in the same run.

    .venv/bin/python bench/results_day.py [--rows 1000000] [--duration 20] [--connections 64]
                                          [--workers 4] [--threads 1] [--keep]

1. Creates a scratch database (`bench_results_<random>`, dropped at the end unless --keep),
   migrates it, loads the territory, structure and grading defaults, creates a baccalauréat
   session and a published publication, and COPYs --rows published results into it
   (national code B000000000…, a birth date derived from the serial, a small JSON payload).
2. Starts the application with gunicorn as `madrasa serve` does (madrasa.wsgi, production
   settings, persistent connections), with the rate limits raised for the bench, and runs
   `wrk` (--connections connections, --duration seconds) with bench/results_day.lua, which
   asks for random valid code/birth-date pairs: GET /api/v1/results/<session>/lookup.
3. Runs `pgbench` (same clients, same duration) with a custom script doing the same point
   lookup (publication, national code, birth date) on the same table.
Prints lookups/s, p50 and p99 for both and the ratio; writes them to
bench/results/results_day-<rows>-<time>.json. Needs wrk (`apt-get install -y wrk`) and pgbench.
"""

from __future__ import annotations

import argparse
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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "results_day.lua"
sys.path.insert(0, str(ROOT))

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


def setup(url: str, rows: int) -> tuple[str, int]:
    """Migrate, load the defaults, publish `rows` results; (session uuid, publication id)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from madrasa.grading.models import ExamScheme
    from madrasa.grading.services import load_grading
    from madrasa.registry.services import load_structure, load_territory
    from madrasa.results.models import Publication
    from madrasa.results.services import create_session

    call_command("migrate", verbosity=0)
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


def run_wrk(base: str, session: str, samples: Path, options: argparse.Namespace) -> dict[str, Any]:
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
        raise SystemExit(f"cannot read the latency distribution of wrk:\n{out}")
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


def run_pgbench(
    url: str, publication: int, rows: int, options: argparse.Namespace
) -> dict[str, Any]:
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
            raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
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


WSGI = {"django": "madrasa.wsgi:application", "fastpath": "madrasa.results.fastpath:application"}


def start_server(
    url: str, port: int, options: argparse.Namespace, app: str
) -> subprocess.Popen[bytes]:
    env = os.environ | {
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
        WSGI[app],
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
    raise SystemExit("the application did not start")


def check_answer(port: int, session: str) -> dict[str, Any]:
    url = (
        f"http://127.0.0.1:{port}/api/v1/results/{session}/lookup"
        f"?code={code_of(7)}&birth_date={birth_of(7).isoformat()}"
    )
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.loads(response.read())
        return {"status": response.status, "body": body, "headers": dict(response.headers)}


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
        default="django,fastpath",
        help="WSGI entry points to measure: django (madrasa.wsgi) and/or fastpath "
        "(madrasa.results.fastpath: the lookup without Django's middleware)",
    )
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="", help="reuse this database (made by --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing (apt-get install -y {tool})")

    database = options.database or f"bench_results_{secrets.token_hex(4)}"
    admin = psycopg.connect(f"{options.server}/postgres", autocommit=True)
    url = f"{options.server}/{database}"
    os.environ |= {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "madrasa.settings",
        "MADRASA_DEBUG": "false",
        "MADRASA_LOG_LEVEL": "WARNING",
    }
    server = None
    try:
        if options.database:
            with psycopg.connect(url) as conn:
                session, publication = conn.execute(
                    "SELECT s.uuid::text, p.id FROM results_publication p "
                    "JOIN results_examsession s ON s.id = p.session_id "
                    "WHERE p.status = 'published' ORDER BY p.id DESC LIMIT 1"
                ).fetchone()  # type: ignore[misc]
                rows = conn.execute("SELECT count(*) FROM results_publishedresult").fetchone()[0]  # type: ignore[index]
        else:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            say(f"setting up {database} with {options.rows:,} published results…")
            session, publication = setup(url, options.rows)
            rows = options.rows
        apps: dict[str, dict[str, Any]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            samples = Path(tmp) / "samples.txt"
            write_samples(samples, rows)
            for app in [a for a in options.apps.split(",") if a]:
                port = free_port()
                server = start_server(url, port, options, app)
                sample = check_answer(port, session)
                say(
                    f"{app}: one lookup: {sample['status']} "
                    f"{json.dumps(sample['body'], ensure_ascii=False)}"
                )
                base = f"http://127.0.0.1:{port}"
                run_wrk(
                    base, session, samples, argparse.Namespace(**{**vars(options), "duration": 3})
                )
                say(f"{app}: wrk, {options.connections} connections, {options.duration} s…")
                apps[app] = run_wrk(base, session, samples, options)
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
                server = None
        say(f"pgbench: {options.connections} clients, {options.duration} s…")
        bare = run_pgbench(url, publication, rows, options)
    finally:
        if server is not None:
            server.kill()
        if not options.keep and not options.database:
            from django.db import connections

            connections.close_all()
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        admin.close()

    say("")
    say(f"{'':28}{'lookups/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'ratio':>8}")
    for name, measured in apps.items():
        measured["ratio"] = round(measured["lookups_per_s"] / bare["lookups_per_s"], 3)
        say(
            f"{'application: ' + name:28}{measured['lookups_per_s']:>12,.0f}"
            f"{measured['p50_ms']:>10.2f}{measured['p99_ms']:>10.2f}{measured['ratio']:>8.2f}"
        )
    say(
        f"{'bare engine (pgbench)':28}{bare['lookups_per_s']:>12,.0f}{bare['p50_ms']:>10.2f}"
        f"{bare['p99_ms']:>10.2f}{1:>8.2f}"
    )
    say(
        "goals: ratio ≥ 0.50, application p99 < 50 ms; non-2xx: "
        + ", ".join(f"{n} {m['non_2xx']}" for n, m in apps.items())
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "benchmark": "results_day",
        "at": stamp,
        "rows": rows,
        "duration_s": options.duration,
        "connections": options.connections,
        "gunicorn": {
            "workers": options.workers,
            "threads": options.threads,
            "access_log": options.access_log,
        },
        "cpus": os.cpu_count(),
        "applications": {
            name: {k: v for k, v in measured.items() if k != "raw"}
            for name, measured in apps.items()
        },
        "bare_engine": {k: v for k, v in bare.items() if k != "raw"},
        "goals": {"ratio_min": 0.5, "p99_ms_max": 50},
    }
    path = RESULTS / f"results_day-{rows}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    say(f"written {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
