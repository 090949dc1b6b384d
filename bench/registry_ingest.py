"""Scenario `registry_ingest` of `madrasa bench`: `madrasa synth` against a raw COPY of the same
rows into bare tables with the same indexes (bench/synth_vs_copy.py does the measuring).

    .venv/bin/madrasa bench --only registry_ingest [--scale small|province|national]

The Madrasa figure is synth's whole run (a subprocess, start-up, planning, making the rows in
Python, COPY, index rebuild, ANALYZE, duplicate flagging); the raw figure is the sum of the COPYs
of every table it filled into `CREATE TABLE … (LIKE … INCLUDING ALL)` copies. Ratio = raw seconds
/ Madrasa seconds (above 1: synth is faster). Goal: ratio ≥ 0.5.
"""

from __future__ import annotations

from typing import Any

from benchkit import Progress, no_progress, pupils_for
from synth_vs_copy import measure

GOAL = 0.5


def run(scale: str, progress: Progress = no_progress) -> dict[str, Any]:
    pupils = pupils_for(scale)
    result = measure(pupils, progress=progress)
    everything, pupil_rows = result["lines"][0], result["lines"][1]
    ratio = everything["raw_seconds"] / everything["madrasa_seconds"]
    best_raw = everything["raw_then_index_seconds"]
    return {
        "madrasa": everything["madrasa_seconds"],
        "raw": everything["raw_seconds"],
        "unit": "s",
        "ratio": ratio,
        "goal": f"ratio ≥ {GOAL}",
        "met": ratio >= GOAL,
        "rows": everything["rows"],
        "notes": (
            f"{pupils:,} pupils, {everything['rows']:,} rows in 7 tables; pupil table alone "
            f"{pupil_rows['raw_seconds']:.1f} s raw; raw COPY into unindexed tables then index "
            f"build {best_raw:.1f} s (ratio {best_raw / everything['madrasa_seconds']:.2f})"
        ),
        "details": result,
    }
