"""The benchmark runner behind `madrasa bench` (and `make bench`); contract in bench/README.md.

Each scenario is a module `bench/<name>.py` with a function `run(scale) -> dict` (and, if it
wants a progress bar, a `progress` keyword argument). The runner starts each scenario in its own
Python process (a scenario may set Django up on its own scratch database), shows a progress bar,
collects the dicts, prints one table and writes it as JSON to bench/results/.

    python bench/runner.py --child NAME --scale S --result FILE --progress FILE   (one scenario)
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
SCALES = ("small", "province", "national")

# The scenarios of issue 8, in the order they run, with the goal each must meet.
SCENARIOS: dict[str, str] = {
    "registry_ingest": "ratio ≥ 0.5",
    "marks_ingest": "ratio ≥ 0.5",
    "bulletins": "time ≤ 1.5 x raw",
    "results_day": "ratio ≥ 0.5, p99 < 50 ms",
    "agency_batch": "time ≤ 2 x raw",
    "dashboard": "< 1 s national",
}


@dataclass
class Outcome:
    """One line of the table."""

    name: str
    status: str  # ok, missing (no module), no_run (no run()), failed
    goal: str
    result: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""
    log: str = ""

    @property
    def ratio(self) -> float | None:
        if "ratio" in self.result and self.result["ratio"] is not None:
            return float(self.result["ratio"])
        ours, raw = self.result.get("madrasa"), self.result.get("raw")
        if not ours or not raw:
            return None
        if self.result.get("higher_is_better", self.result.get("unit", "s") != "s"):
            return float(ours) / float(raw)
        return float(raw) / float(ours)


def module_path(name: str) -> Path:
    return BENCH / f"{name}.py"


def has_run(path: Path) -> bool:
    """Whether the module defines a top-level `run` function (read, not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "run"
        for node in tree.body
    )


def survey(names: list[str] | None = None) -> list[Outcome]:
    """The scenarios asked for, each marked missing / no_run / ready (status "")."""
    found = []
    for name in names or list(SCENARIOS):
        path = module_path(name)
        outcome = Outcome(name, "", SCENARIOS.get(name, ""))
        if not path.exists():
            outcome.status, outcome.error = "missing", f"no bench/{name}.py"
        elif not has_run(path):
            outcome.status, outcome.error = "no_run", f"bench/{name}.py has no run(scale)"
        found.append(outcome)
    return found


# --- progress bar ------------------------------------------------------------------------------
class Bar:
    """One line per scenario: `[3/6] bulletins [#####.....] 42% 1:05 computing`. On a terminal
    it redraws in place; elsewhere it writes a line when the tenth or the label changes."""

    def __init__(self, stream: TextIO, total: int, width: int = 30) -> None:
        self.stream, self.total, self.width = stream, total, width
        self.tty = stream.isatty()
        self.last = ("", -1)

    def draw(self, index: int, name: str, share: float, label: str, elapsed: float) -> None:
        share = min(max(share, 0.0), 1.0)
        filled = int(self.width * share)
        line = (
            f"[{index}/{self.total}] {name:<16} [{'#' * filled}{'.' * (self.width - filled)}] "
            f"{share:4.0%} {int(elapsed) // 60}:{int(elapsed) % 60:02d} {label[:40]}"
        )
        if self.tty:
            self.stream.write("\r" + line.ljust(110))
        else:
            key = (label, int(share * 10))
            if key == self.last:
                return
            self.last = key
            self.stream.write(line + "\n")
        self.stream.flush()

    def end(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + text.ljust(110) + "\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.last = ("", -1)


# --- running ----------------------------------------------------------------------------------
def child_env(server: str) -> dict[str, str]:
    """A clean environment for a scenario: none of the caller's Madrasa or Django settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MADRASA_", "DJANGO_")) and k != "DATABASE_URL"
    }
    return env | {"MADRASA_BENCH_SERVER": server, "PYTHONPATH": str(ROOT)}


def run_scenario(
    outcome: Outcome, scale: str, server: str, work: Path, on_progress: Callable[[float, str], None]
) -> Outcome:
    """Run one scenario in a child process; fill in the outcome."""
    result_file = work / f"{outcome.name}.json"
    progress_file = work / f"{outcome.name}.progress"
    log_file = work / f"{outcome.name}.log"
    started = time.monotonic()
    with log_file.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603  this file, scenario names from our own list
            [sys.executable, str(Path(__file__).resolve()), "--child", outcome.name,
             "--scale", scale, "--result", str(result_file), "--progress", str(progress_file)],
            cwd=ROOT, env=child_env(server), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        while process.poll() is None:
            share, label = 0.0, "starting"
            try:
                share_text, _, label = progress_file.read_text(encoding="utf-8").partition(" ")
                share = float(share_text)
            except (OSError, ValueError):
                pass
            on_progress(share, label)
            time.sleep(0.5)
    outcome.seconds = time.monotonic() - started
    outcome.log = str(log_file)
    if process.returncode == 0 and result_file.exists():
        outcome.result = json.loads(result_file.read_text(encoding="utf-8"))
        outcome.status = "ok"
        outcome.goal = str(outcome.result.get("goal") or outcome.goal)
    else:
        outcome.status = "failed"
        tail = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        outcome.error = " | ".join(tail) or f"exit status {process.returncode}"
    return outcome


def child(name: str, scale: str, result_file: Path, progress_file: Path) -> int:
    """In the child process: import bench/<name>.py, call run(scale[, progress]), write JSON."""
    sys.path[:0] = [str(BENCH), str(ROOT)]
    import importlib

    module = importlib.import_module(name)

    def progress(share: float, label: str) -> None:
        progress_file.write_text(f"{share:.4f} {label}", encoding="utf-8")

    kwargs: dict[str, Any] = {}
    if "progress" in inspect.signature(module.run).parameters:
        kwargs["progress"] = progress
    try:
        result = module.run(scale, **kwargs)
    except Exception:
        traceback.print_exc()
        return 1
    if not isinstance(result, dict):
        print(f"run() returned {type(result).__name__}, not a dict", file=sys.stderr)  # noqa: T201
        return 1
    result_file.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


# --- the table -----------------------------------------------------------------------------------
def figure(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    number = float(value)
    if unit == "s":
        return f"{number:,.3f} s" if number < 10 else f"{number:,.1f} s"
    return f"{number:,.0f} {unit}" if number >= 100 else f"{number:,.2f} {unit}"


def table(outcomes: list[Outcome]) -> list[str]:
    header = ("scenario", "Madrasa", "raw engine", "ratio", "goal", "met", "notes")
    rows = []
    for o in outcomes:
        r = o.result
        unit = str(r.get("unit", "s"))
        ratio = o.ratio
        met = r.get("met")
        rows.append(
            (
                o.name,
                figure(r.get("madrasa"), unit) if o.status == "ok" else o.status,
                figure(r.get("raw"), unit) if o.status == "ok" else "—",
                f"{ratio:.2f}" if ratio is not None else "—",
                o.goal,
                {True: "yes", False: "NO", None: "—"}[met] if o.status == "ok" else "—",
                str(r.get("notes", "")) if o.status == "ok" else o.error,
            )
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(6)]

    def line(row: tuple[str, ...]) -> str:
        cells = [str(row[0]).ljust(widths[0])]
        cells += [str(row[i]).rjust(widths[i]) for i in (1, 2, 3)]
        cells += [str(row[4]).ljust(widths[4]), str(row[5]).ljust(widths[5]), str(row[6])]
        return "  ".join(cells)

    out = [line(header), "  ".join("-" * w for w in widths) + "  -----"]
    out += [line(row) for row in rows]
    return out


def run_all(
    scale: str, names: list[str] | None, server: str, stream: TextIO
) -> tuple[list[Outcome], Path]:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")
    outcomes = survey(names)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    work = RESULTS / f"bench-{scale}-{stamp}"
    work.mkdir(parents=True, exist_ok=True)
    bar = Bar(stream, len(outcomes))
    load_before = os.getloadavg()
    started = time.monotonic()
    for index, outcome in enumerate(outcomes, start=1):
        if outcome.status:  # missing or no run()
            bar.end(f"[{index}/{len(outcomes)}] {outcome.name:<16} skipped: {outcome.error}")
            continue
        begun = time.monotonic()
        run_scenario(
            outcome, scale, server, work,
            lambda share, label, i=index, n=outcome.name, t=begun: bar.draw(
                i, n, share, label, time.monotonic() - t
            ),
        )  # fmt: skip
        verdict = "done" if outcome.status == "ok" else f"FAILED (log: {outcome.log})"
        bar.end(
            f"[{index}/{len(outcomes)}] {outcome.name:<16} {verdict} in {outcome.seconds:.0f} s"
        )
    total = time.monotonic() - started
    out = RESULTS / f"bench-{scale}-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "scale": scale,
                "started": stamp,
                "seconds": total,
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    # other work on the machine skews the figures: the 1/5/15-minute load
                    "load_before": load_before,
                    "load_after": os.getloadavg(),
                },
                "server": server.rsplit("@", 1)[-1],
                "table": table(outcomes),
                "scenarios": [
                    {
                        "name": o.name,
                        "status": o.status,
                        "goal": o.goal,
                        "ratio": o.ratio,
                        "seconds": o.seconds,
                        "error": o.error,
                        "log": o.log,
                        "result": o.result,
                    }
                    for o in outcomes
                ],
            },
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    return outcomes, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", required=True)
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--progress", type=Path, required=True)
    options = parser.parse_args()
    return child(options.child, options.scale, options.result, options.progress)


if __name__ == "__main__":
    sys.exit(main())
