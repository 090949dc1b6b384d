"""The benchmark runner (bench/runner.py) and `madrasa bench`: scenario discovery, the contract
of `run(scale) -> dict`, the table. The scenarios themselves run on PostgreSQL in `make bench`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import ModuleType

import pytest
from django.core.management import CommandError, call_command

from madrasa.web.management.commands.bench import default_server, load_runner


@pytest.fixture
def runner() -> ModuleType:
    return load_runner()


def test_it_knows_every_scenario_of_the_issue(runner: ModuleType) -> None:
    assert list(runner.SCENARIOS) == [
        "registry_ingest", "marks_ingest", "bulletins", "results_day", "agency_batch",
        "dashboard",
    ]  # fmt: skip
    ours = {o.name: o for o in runner.survey(["registry_ingest", "dashboard"])}
    assert ours["registry_ingest"].status == ""
    assert ours["dashboard"].status == ""


def test_it_tells_a_missing_module_from_one_without_run(
    runner: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "no_entry.py").write_text("def main() -> int:\n    return 0\n", encoding="utf-8")
    (tmp_path / "ready.py").write_text("def run(scale):\n    return {}\n", encoding="utf-8")
    monkeypatch.setattr(runner, "BENCH", tmp_path)
    found = {o.name: o for o in runner.survey(["no_entry", "ready", "absent"])}
    assert (found["no_entry"].status, found["ready"].status) == ("no_run", "")
    assert found["absent"].status == "missing"
    assert "no bench/absent.py" in found["absent"].error


def test_the_child_calls_run_with_progress_and_writes_its_dict(
    runner: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "fake_scenario.py").write_text(
        "def run(scale, progress=None):\n"
        "    progress(0.5, 'half')\n"
        "    return {'madrasa': 2.0, 'raw': 1.0, 'unit': 's', 'goal': 'x', 'met': False,\n"
        "            'scale': scale}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(runner, "BENCH", tmp_path)
    result, progress = tmp_path / "out.json", tmp_path / "progress"
    assert runner.child("fake_scenario", "small", result, progress) == 0
    assert json.loads(result.read_text())["scale"] == "small"
    assert progress.read_text() == "0.5000 half"


def test_the_ratio_says_how_fast_madrasa_is_against_the_raw_engine(runner: ModuleType) -> None:
    slower = runner.Outcome("a", "ok", "", {"madrasa": 2.0, "raw": 1.0, "unit": "s"})
    assert slower.ratio == pytest.approx(0.5)  # half as fast as the raw engine
    rate = runner.Outcome("b", "ok", "", {"madrasa": 800.0, "raw": 1000.0, "unit": "req/s"})
    assert rate.ratio == pytest.approx(0.8)
    given = runner.Outcome("c", "ok", "", {"madrasa": 1.0, "raw": 1.0, "ratio": 0.25})
    assert given.ratio == pytest.approx(0.25)
    assert runner.Outcome("d", "failed", "").ratio is None


def test_the_table_has_a_line_per_scenario_even_missing_ones(runner: ModuleType) -> None:
    outcomes = [
        runner.Outcome("dashboard", "ok", "< 1 s national",
                       {"madrasa": 0.335, "raw": 0.309, "unit": "s", "met": False,
                        "notes": "estimate"}),
        runner.Outcome(
            "agency_batch", "missing", "time ≤ 2 x raw", error="no bench/agency_batch.py"
        ),
    ]  # fmt: skip
    lines = runner.table(outcomes)
    assert lines[0].split()[:4] == ["scenario", "Madrasa", "raw", "engine"]
    for expected in ("0.335 s", "0.309 s", "0.92"):
        assert expected in lines[2]
    assert "NO" in lines[2]
    assert "missing" in lines[3]
    assert "no bench/agency_batch.py" in lines[3]


def test_the_bar_redraws_on_a_terminal_and_writes_lines_elsewhere(runner: ModuleType) -> None:
    stream = io.StringIO()
    bar = runner.Bar(stream, total=2)
    bar.draw(1, "dashboard", 0.42, "synth", 65)
    bar.draw(1, "dashboard", 0.43, "synth", 66)  # same tenth, same label: no new line
    bar.end("done")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/2] dashboard")
    assert "[############..................]  42% 1:05 synth" in lines[0]
    assert lines[1:] == ["done"]


def test_the_command_lists_the_scenarios_and_refuses_unknown_ones() -> None:
    out = io.StringIO()
    call_command("bench", "--list", stdout=out)
    assert "registry_ingest" in out.getvalue()
    assert "dashboard" in out.getvalue()
    with pytest.raises(CommandError, match="unknown scenario"):
        call_command("bench", "--only", "nope", stdout=io.StringIO())


def test_the_default_server_is_the_local_one_on_sqlite() -> None:
    assert default_server().startswith("postgresql://")
