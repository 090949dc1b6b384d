"""The bulk marks import (marks/bulk.py) and `madrasa marks import`: a good file, every kind of
error reported with its row, column and value while nothing is written, idempotence, events for
changed marks only, closed terms, and a bounded number of queries for 10,000 rows."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.audit import verify_chain
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import current_year
from madrasa.marks.bulk import BulkResult, MarksFileRefused, import_marks
from madrasa.marks.models import Assessment, Mark, MarkEvent, TermClosure
from madrasa.registry.models import Semester, Student

from .conftest import fill_class, semester

HEADER = "code_etablissement;code_national;matiere;semestre;controle;note"


def run(text: str, *, actor: Any = None, dry_run: bool = False, **kwargs: Any) -> BulkResult:
    return import_marks(
        source=io.BytesIO(text.encode("utf-8")),
        filename="notes.csv",
        year=current_year(),
        actor=actor,
        dry_run=dry_run,
        **kwargs,
    )


def refused(text: str, **kwargs: Any) -> MarksFileRefused:
    with pytest.raises(MarksFileRefused) as caught:
        run(text, **kwargs)
    return caught.value


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def mark_of(code: str, subject: str = "MATH", number: int = 1, sem: int = 1) -> Mark:
    return Mark.objects.get(
        enrolment__student__national_code=code,
        enrolment__status="active",
        assessment__subject__code=subject,
        assessment__number=number,
        assessment__semester__number=sem,
    )


def nothing_written() -> None:
    assert Mark.objects.count() == 0
    assert Assessment.objects.count() == 0
    assert MarkEvent.objects.count() == 0
    assert not AuditEvent.objects.filter(action="marks.import").exists()


# A good file ----------------------------------------------------------------------------------


def test_a_good_file_creates_assessments_marks_one_event_each_and_one_audit_entry(
    world: World,
) -> None:
    fill_class(world.classes[0], 3)  # C000000000 … C000000002 in T0001's 5A
    result = run(
        csv_of(
            "T0001;A100000001;MATH;1;1;12,5",
            "T0001;A100000001;MATH;1;2;14.75",
            "T0001;C000000000;MATH;1;1;abj",
            "T0001;C000000001;math;S1;1;ABN",
            "T0001;C000000002;MATH;1;1;Dis",
            "T0001;A100000001;FR;2;1;20",
            "T0001;C000000000;FR;2;1;",  # empty: nothing to import
            "T0002;B200000002;MATH;1;1;0",
        )
    )
    assert (result.rows, result.empty, result.created, result.changed, result.unchanged) == (
        8,
        1,
        7,
        0,
        0,
    )
    # T0001: MATH S1 #1, #2, FR S2 #1; T0002: MATH S1 #1.
    assert result.assessments_created == 4
    assert result.loader in {"copy", "executemany"}
    assert mark_of("A100000001").value == Decimal("12.50")
    assert mark_of("A100000001", number=2).value == Decimal("14.75")
    assert (mark_of("C000000000").value, mark_of("C000000000").absence) == (None, "ABJ")
    assert mark_of("C000000001").absence == "ABN"
    assert mark_of("C000000002").absence == "DIS"
    assert mark_of("A100000001", "FR", sem=2).value == Decimal("20.00")
    assert mark_of("B200000002").value == Decimal("0.00")
    audit = AuditEvent.objects.get(action="marks.import")
    assert audit.seq == result.audit_seq
    assert audit.data["created"] == 7
    assert audit.data["sha256"] == result.sha256
    events = MarkEvent.objects.all()
    assert events.count() == 7
    assert {e.audit_seq for e in events} == {result.audit_seq}
    assert all(e.old_value is None and e.old_absence == "" for e in events)
    assessment = Assessment.objects.get(
        school_class=world.classes[0], subject__code="MATH", number=2
    )
    assert assessment.kind == "continuous"
    assert assessment.semester == semester(1)
    assert verify_chain().problems == ()


def test_it_reads_commas_a_bom_other_column_names_and_order_and_ignores_other_columns(
    world: World,
) -> None:
    text = (
        "\ufeffNote,Code Massar,Matière,Semestre,Contrôle,Code_Ecole,Nom\n"
        "12.5,a100000001,MATH,1,1,T0001,Alaoui\n"
    )
    result = run(text)
    assert result.created == 1
    assert result.ignored_columns == ["nom"]
    assert mark_of("A100000001").value == Decimal("12.50")


def test_arabic_indic_digits_and_separator_are_read(world: World) -> None:
    run(csv_of("T0001;A100000001;MATH;1;1;\u0661\u0662\u066b\u0665"))
    assert mark_of("A100000001").value == Decimal("12.50")


def test_blank_lines_and_short_rows_keep_the_spreadsheet_row_numbers(world: World) -> None:
    # PostgreSQL's CSV parser refuses a blank line: the rows are read again by Python's.
    text = f"{HEADER}\n\nT0001;A100000001;MATH;1;1;12\n;;;;;\nT0001;A100000001;MATH;1;9;1\n"
    problem = refused(text)
    assert [(e.row, e.column, e.code) for e in problem.errors] == [(5, "controle", "bad_number")]


def test_a_row_without_a_mark_is_counted_empty(world: World) -> None:
    text = f"{HEADER}\n\nT0001;A100000001;MATH;1;1;12\n;;;;;\nT0001;A100000001;MATH;1;2\n"
    result = run(text)
    assert (result.rows, result.empty, result.created) == (2, 1, 1)
    if connection.vendor == "postgresql":
        assert result.loader == "copy-rows"


# Errors: each reported with row, column and value; nothing written ----------------------------


def _not_enrolled_pupil(world: World) -> None:
    Student.objects.create(
        national_code="N000000001",
        first_name_ar="أ",
        last_name_ar="ب",
        first_name_latn="A",
        last_name_latn="B",
        birth_date=timezone.localdate().replace(year=2014),
        gender="F",
        school=world.school,
    )


def _pupil_without_class(world: World) -> None:
    _not_enrolled_pupil(world)
    Enrolment.objects.create(
        student=Student.objects.get(national_code="N000000001"),
        school=world.school,
        year=current_year(),
        level=world.classes[0].level,
        started_on=timezone.localdate(),
    )


def _merged_pupil(world: World) -> None:
    _not_enrolled_pupil(world)
    Student.objects.filter(national_code="N000000001").update(merged_into=world.student)


def _semester_closed(world: World) -> None:
    Semester.objects.filter(year=current_year(), number=1).update(closed_at=timezone.now())


ERRORS: list[tuple[str, Any, str, str, str, str]] = [
    # (row, setup, column, value, code, words in the message)
    ("X9999;A100000001;MATH;1;1;12", None, "code_etablissement", "X9999", "unknown_school",
     "X9999"),
    (";A100000001;MATH;1;1;12", None, "code_etablissement", "", "required", "required"),
    ("T0001;Z123;MATH;1;1;12", None, "code_national", "Z123", "unknown_pupil", "Z123"),
    ("T0001;N000000001;MATH;1;1;12", _not_enrolled_pupil, "code_national", "N000000001",
     "not_enrolled", "not enrolled"),
    ("T0001;B200000002;MATH;1;1;12", None, "code_national", "B200000002",
     "enrolled_elsewhere", "T0002"),
    ("T0001;N000000001;MATH;1;1;12", _pupil_without_class, "code_national", "N000000001",
     "no_class", "no class"),
    ("T0001;N000000001;MATH;1;1;12", _merged_pupil, "code_national", "N000000001",
     "code_merged", "A100000001"),
    ("T0001;A100000001;CHIMIE;1;1;12", None, "matiere", "CHIMIE", "unknown_subject", "CHIMIE"),
    ("T0001;A100000001;PHILO;1;1;12", None, "matiere", "PHILO", "subject_not_taught", "P5"),
    ("T0001;A100000001;MATH;3;1;12", None, "semestre", "3", "unknown_semester", "3"),
    ("T0001;A100000001;MATH;1;1;12", _semester_closed, "semestre", "1", "semester_closed",
     "closed"),
    ("T0001;A100000001;MATH;1;x;12", None, "controle", "x", "bad_number", "1 to 4"),
    ("T0001;A100000001;MATH;1;5;12", None, "controle", "5", "bad_number", "1 to 4"),
    ("T0001;A100000001;ESC;1;3;12", None, "controle", "3", "number_out_of_range", "2"),
    ("T0001;A100000001;MATH;1;1;douze", None, "note", "douze", "not_a_mark", "ABJ"),
    ("T0001;A100000001;MATH;1;1;-1", None, "note", "-1", "not_a_mark", "20"),
    ("T0001;A100000001;MATH;1;1;12,555", None, "note", "12,555", "too_many_decimals", "two"),
    ("T0001;A100000001;MATH;1;1;20,01", None, "note", "20,01", "above_maximum", "20"),
    ("T0001;A100000001;MATH;1;1;ABX", None, "note", "ABX", "not_a_mark", "ABX"),
]  # fmt: skip


@pytest.mark.parametrize(("row", "setup", "column", "value", "code", "words"), ERRORS)
def test_each_kind_of_error_names_its_row_column_and_value_and_nothing_is_written(
    world: World, row: str, setup: Any, column: str, value: str, code: str, words: str
) -> None:
    if setup is not None:
        setup(world)
    problem = refused(csv_of("T0002;B200000002;FR;2;1;10", row))
    assert [(e.row, e.column, e.value, e.code) for e in problem.errors] == [
        (3, column, value, code)
    ]
    error = problem.errors[0]
    assert words in error.message
    assert error.line.startswith(f"row 3, column {column}: ")
    assert (problem.total, problem.rows_with_errors, problem.rows) == (1, 1, 2)
    assert problem.by_code == {code: 1}
    nothing_written()


def test_a_duplicate_row_names_the_first_one(world: World) -> None:
    problem = refused(
        csv_of(
            "T0001;A100000001;MATH;1;1;12",
            "T0001;A100000001;MATH;1;2;13",
            "T0001;a100000001;MATH;S1;1;14",
        )
    )
    assert [(e.row, e.column, e.code) for e in problem.errors] == [(4, "", "duplicate")]
    assert problem.errors[0].line == (
        "row 4: the same pupil, subject, semester and assessment are already on row 2"
    )
    nothing_written()


def test_several_errors_on_a_row_are_all_reported_in_column_order_and_limited(
    world: World,
) -> None:
    rows = ["T0001;A100000001;MATH;1;1;12"] + ["X1;Z1;NOPE;9;9;99"] * 30
    problem = refused(csv_of(*rows), max_errors=10)
    assert problem.total == 30 * 6
    assert problem.rows_with_errors == 30
    assert len(problem.errors) == 10
    assert [(e.row, e.column) for e in problem.errors[:5]] == [
        (3, "code_etablissement"),
        (3, "code_national"),
        (3, "matiere"),
        (3, "semestre"),
        (3, "controle"),
    ]
    nothing_written()


def test_a_school_outside_the_actors_territory_is_refused(world: World) -> None:
    director = world.actor(Role.DIRECTOR)  # of T0001
    problem = refused(csv_of("T0002;B200000002;MATH;1;1;10"), actor=director)
    assert [(e.column, e.code) for e in problem.errors] == [
        ("code_etablissement", "school_out_of_scope")
    ]
    academy = world.actor(Role.ACADEMY)  # region 04: T0001, not T0002 (region 06)
    assert refused(csv_of("T0002;B200000002;MATH;1;1;10"), actor=academy).total == 1
    result = run(csv_of("T0001;A100000001;MATH;1;1;10"), actor=academy)
    assert result.created == 1
    assert MarkEvent.objects.get().actor_id == world.users[Role.ACADEMY].pk
    assert AuditEvent.objects.get(action="marks.import").actor_id == world.users[Role.ACADEMY].pk


def test_a_role_that_may_not_import_marks_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput):
        run(csv_of("T0001;A100000001;MATH;1;1;10"), actor=world.actor(Role.TEACHER))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "no_header"),
        (f"{HEADER}\n", "no_rows"),
        ("code_etablissement;code_national;matiere;semestre;note\nT0001;A1;MATH;1;12\n",
         "missing_columns"),
        (f"{HEADER};note\n", "duplicate_column"),
    ],
)  # fmt: skip
def test_a_file_refused_as_a_whole_says_why(world: World, text: str, code: str) -> None:
    problem = refused(text)
    assert [(e.row, e.code) for e in problem.errors] == [(None, code)]
    nothing_written()


def test_a_file_that_is_not_utf8_is_refused(world: World) -> None:
    data = csv_of("T0001;A100000001;MATH;1;1;12").replace("MATH", "MATHÉ").encode("cp1252")
    with pytest.raises(MarksFileRefused) as caught:
        import_marks(source=io.BytesIO(data), filename="x.csv", year=current_year(), actor=None)
    assert [e.code for e in caught.value.errors] == ["not_utf8"]
    nothing_written()


# Idempotence, changes, closed terms, dry run --------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(world: World) -> None:
    text = csv_of("T0001;A100000001;MATH;1;1;12,5", "T0001;A100000001;MATH;1;2;ABJ")
    first = run(text)
    events = MarkEvent.objects.count()
    again = run(text)
    assert (again.created, again.changed, again.unchanged, again.assessments_created) == (
        0,
        0,
        2,
        0,
    )
    assert again.audit_seq is None
    assert MarkEvent.objects.count() == events == 2
    assert AuditEvent.objects.filter(action="marks.import").count() == 1
    assert first.audit_seq is not None


def test_a_changed_mark_gets_an_event_with_its_old_value(world: World) -> None:
    run(csv_of("T0001;A100000001;MATH;1;1;12", "T0001;A100000001;MATH;1;2;8"))
    result = run(csv_of("T0001;A100000001;MATH;1;1;ABN", "T0001;A100000001;MATH;1;2;8.00"))
    assert (result.created, result.changed, result.unchanged) == (0, 1, 1)
    event = MarkEvent.objects.get(audit_seq=result.audit_seq)
    assert (event.old_value, event.old_absence, event.new_value, event.new_absence) == (
        Decimal("12.00"),
        "",
        None,
        "ABN",
    )
    mark = mark_of("A100000001")
    assert (mark.value, mark.absence) == (None, "ABN")


def test_a_closed_term_refuses_changes_but_not_the_same_marks_again(world: World) -> None:
    text = csv_of("T0001;A100000001;MATH;1;1;12")
    run(text)
    TermClosure.objects.create(school=world.school, semester=semester(1), closed_at=timezone.now())
    assert run(text).unchanged == 1
    problem = refused(csv_of("T0001;A100000001;MATH;1;1;13", "T0001;A100000001;MATH;1;2;9"))
    assert [(e.row, e.column, e.code) for e in problem.errors] == [
        (2, "semestre", "term_closed"),
        (3, "semestre", "term_closed"),
    ]
    assert "T0001" in problem.errors[0].message
    assert mark_of("A100000001").value == Decimal("12.00")
    assert MarkEvent.objects.count() == 1
    # The other school's term is open.
    assert run(csv_of("T0002;B200000002;MATH;1;1;10")).created == 1


def test_a_dry_run_counts_everything_and_writes_nothing(world: World) -> None:
    result = run(csv_of("T0001;A100000001;MATH;1;1;12"), dry_run=True)
    assert (result.dry_run, result.created, result.assessments_created) == (True, 1, 1)
    nothing_written()


def test_an_existing_assessment_is_used(world: World) -> None:
    from .conftest import new_assessment

    assessment = new_assessment(world.classes[0])
    result = run(csv_of("T0001;A100000001;MATH;1;1;12"))
    assert result.assessments_created == 0
    assert Mark.objects.get().assessment == assessment


def test_marks_written_in_several_chunks_are_all_written_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("madrasa.marks.bulk.CHUNK_ROWS", 3)
    fill_class(world.classes[0], 4)
    codes = ["A100000001"] + [f"C{i:09d}" for i in range(4)]
    run(csv_of(*(f"T0001;{code};MATH;1;1;10" for code in codes[:2])))
    rows = [f"T0001;{code};MATH;1;{n};1{n}" for code in codes for n in (1, 2)]
    result = run(csv_of(*rows))
    assert (result.created, result.changed, result.unchanged) == (8, 2, 0)
    assert Mark.objects.count() == 10
    assert MarkEvent.objects.filter(audit_seq=result.audit_seq).count() == 10
    assert mark_of("C000000003", number=2).value == Decimal("12.00")


# Volume ---------------------------------------------------------------------------------------


def test_ten_thousand_rows_take_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    fill_class(world.classes[0], 1250)
    codes = list(
        Student.objects.filter(national_code__startswith="C").values_list(
            "national_code", flat=True
        )
    )
    rows = [
        f"T0001;{code};{subject};1;{n};{(i * 7 + n) % 21},{n * 25}"
        for i, code in enumerate(codes)
        for subject in ("MATH", "AR")
        for n in range(1, 5)
    ]
    assert len(rows) == 10_000
    with django_assert_max_num_queries(50):
        result = run(csv_of(*rows))
    assert (result.rows, result.created, result.assessments_created) == (10_000, 10_000, 8)
    assert Mark.objects.count() == MarkEvent.objects.count() == 10_000
    with django_assert_max_num_queries(50):
        again = run(csv_of(*rows))
    assert (again.created, again.changed, again.unchanged) == (0, 0, 10_000)


# The command ----------------------------------------------------------------------------------


def test_the_command_prints_the_counts(world: World, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(csv_of("T0001;A100000001;MATH;1;1;12,5"), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "marks", "import", str(path), "--year", current_year().code, "--lang", "en",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert "notes.csv: 1 rows: 1 marks created, 0 changed, 0 unchanged, 0 empty; " in (
        out.getvalue()
    )
    assert "1 assessments created" in out.getvalue()
    assert Mark.objects.count() == 1


def test_the_command_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(csv_of("T0001;A100000001;MATH;1;1;12,5"), encoding="utf-8")
    out = io.StringIO()
    call_command("marks", "import", str(path), "--dry-run", "--lang", "en", "--no-progress",
                 stdout=out, stderr=io.StringIO())  # fmt: skip
    assert "dry run: nothing was written" in out.getvalue()
    nothing_written()


def test_the_command_lists_the_errors_and_exits_with_4(world: World, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        csv_of("T0001;A100000001;MATH;1;1;21", "T0001;A100000001;MATH;1;2;12"), encoding="utf-8"
    )
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("marks", "import", str(path), "--lang", "en", "--no-progress",
                     stdout=out, stderr=io.StringIO())  # fmt: skip
    assert exited.value.code == 4
    text = out.getvalue()
    assert 'row 2, column note: "21" is above the maximum of 20' in text
    assert "notes.csv: 1 error on 1 of 2 rows; nothing was imported." in text
    nothing_written()


def test_the_command_in_french(world: World, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(csv_of("T0001;A100000001;MATH;1;1;21"), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("marks", "import", str(path), "--lang", "fr", "--no-progress",
                     stdout=out, stderr=io.StringIO())  # fmt: skip
    assert "21" in out.getvalue()
