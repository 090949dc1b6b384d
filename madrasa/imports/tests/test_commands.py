"""`madrasa import pupils FILE [--as USERNAME]` and `madrasa import purge`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.imports.models import ImportBatch, ImportRow
from madrasa.imports.tests.factories import csv_bytes, pupil_row
from madrasa.registry.models import Student


def _file(tmp_path: Path, rows: list[dict[str, str]]) -> str:
    path = tmp_path / "eleves.csv"
    path.write_bytes(csv_bytes(rows))
    return str(path)


def test_it_imports_as_a_user_and_reports_in_their_language(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: two good rows, one refused
    path = _file(tmp_path, [pupil_row(0), pupil_row(1, genre="X"), pupil_row(2)])
    # when
    with pytest.raises(SystemExit) as done:
        call_command("import", "pupils", path, "--as", "director.user", "--lang", "en")
    # then: exit status 4 (some rows refused), the error and the counts on stdout, progress on
    # stderr
    assert done.value.code == 4
    out, err = capsys.readouterr()
    assert 'row 3, column genre: "X" is not a gender: write F or M' in out
    assert "eleves.csv: 3 rows: 2 created, 0 updated, 0 unchanged, 1 refused" in out
    assert "100%" in err
    batch = ImportBatch.objects.get()
    assert batch.created_by == world.users[Role.DIRECTOR]
    # when: the same file again
    with pytest.raises(SystemExit):
        call_command("import", "pupils", path, "--as", "director.user", "--lang", "en")
    out, err = capsys.readouterr()
    assert "eleves.csv: already imported, nothing changed" in err
    assert ImportBatch.objects.count() == 1
    assert Student.objects.filter(birth_date__year=2017).count() == 2


def test_a_clean_file_exits_0_and_can_write_the_errors_csv(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, [pupil_row(0), pupil_row(1)])
    report = tmp_path / "errors.csv"
    call_command(
        "import", "pupils", path, "--no-progress", "--lang", "en", "--errors-csv", str(report)
    )
    out, err = capsys.readouterr()
    assert "eleves.csv: 2 rows: 2 created, 0 updated, 0 unchanged, 0 refused" in out
    assert err.strip().endswith("rows/s")
    assert report.read_text(encoding="utf-8").count("\n") == 1  # the header only


def test_it_refuses_a_user_without_an_import_role_and_a_missing_file(
    world: World, tmp_path: Path
) -> None:
    path = _file(tmp_path, [pupil_row(0)])
    with pytest.raises(CommandError, match=r"teacher\.user"):
        call_command("import", "pupils", path, "--as", "teacher.user")
    with pytest.raises(CommandError, match="nobody"):
        call_command("import", "pupils", path, "--as", "nobody")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import", "pupils", str(tmp_path / "missing.csv"), "--lang", "en")
    assert not ImportBatch.objects.exists()


def test_a_rejected_file_exits_1(world: World, tmp_path: Path) -> None:
    path = tmp_path / "eleves.csv"
    path.write_bytes(b"nom,prenom\nAlaoui,Yassine\n")
    with pytest.raises(CommandError, match="not imported"):
        call_command("import", "pupils", str(path), "--lang", "en", "--no-progress")
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED


def test_purge_deletes_imports_finished_long_ago(world: World, tmp_path: Path) -> None:
    call_command("import", "pupils", _file(tmp_path, [pupil_row(0)]), "--no-progress")
    ImportBatch.objects.update(finished_at=timezone.now() - timedelta(days=91))
    call_command("import", "purge", "--days", "90")
    assert not ImportBatch.objects.exists()
    assert not ImportRow.objects.exists()
    assert Student.objects.filter(birth_date__year=2017).count() == 1  # the pupils stay
