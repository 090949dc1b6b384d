"""Import of exam marks: candidates found or created, every bad row reported (row, column,
value, in the reader's language), nothing half-written; and the `madrasa results` command."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from conftest import World
from madrasa.core.models import AuditEvent
from madrasa.enrolment.services import create_class, enrol_student
from madrasa.registry.models import Level, Stream
from madrasa.results.models import ExamCandidate, ExamMark, ExamResult, ExamSession, Publication
from madrasa.results.services import import_marks

from .factories import session_for, students

D = Decimal


def _enrolled(world: World, count: int, level_code: str = "C3", stream_code: str = "") -> list[str]:
    level = Level.objects.get(code=level_code)
    stream = Stream.objects.get(level=level, code=stream_code) if stream_code else None
    school_class = create_class(
        actor=None,
        school=world.school,
        year=world.classes[0].year,
        level=level,
        name="X1",
        stream=stream,
    )
    pupils = students(count, None, prefix="E")  # type: ignore[arg-type]  # no school yet
    for pupil in pupils:
        enrol_student(
            actor=None,
            student=pupil,
            school=world.school,
            level=level,
            stream=stream,
            school_class=school_class,
        )
    return [p.national_code for p in pupils]


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_it_imports_marks_and_registers_the_candidates(world: World) -> None:
    # given: two pupils enrolled in 3e année collège, one free candidate
    session = session_for("college_certificate")
    codes = _enrolled(world, 2)
    [free] = students(1, world.school, prefix="F")
    data = _csv(
        "national_code,component,subject,mark,centre,kind",
        f"{codes[0]},continuous,,14",
        f'{codes[0]},local,MATH,"12,5"',
        f"{codes[0]},regional,AR,15",
        f"{codes[1]},regional,MATH,ABN",
        f"{free.national_code},regional,MATH,11,{world.other_school.code},free",
    )

    # when
    outcome = import_marks(actor=None, session=session, data=data, filename="c3.csv")

    # then
    assert outcome.ok, [p.message for p in outcome.problems]
    assert (outcome.rows, outcome.candidates_created, outcome.marks_written) == (5, 3, 5)
    first = ExamCandidate.objects.get(session=session, student__national_code=codes[0])
    assert (first.kind, first.centre_id, first.enrolment_id is not None) == (
        "enrolled",
        world.school.pk,
        True,
    )
    other = ExamCandidate.objects.get(session=session, student=free)
    assert (other.kind, other.centre_id, other.enrolment_id) == (
        "free",
        world.other_school.pk,
        None,
    )
    assert ExamMark.objects.get(candidate=first, subject__code="MATH").value == D("12.5")
    assert ExamMark.objects.get(candidate=first, subject=None).value == D("14")
    assert ExamMark.objects.get(candidate__student__national_code=codes[1]).absence == "ABN"
    event = AuditEvent.objects.get(action="results.import_marks")
    assert event.data == {"file": "c3.csv", "rows": 5, "candidates_created": 3, "marks": 5}
    session.refresh_from_db()
    assert session.marks_imported_at is not None


def test_importing_again_replaces_the_marks(world: World) -> None:
    session = session_for("college_certificate")
    [code] = _enrolled(world, 1)
    import_marks(
        actor=None,
        session=session,
        data=_csv(
            "national_code,component,subject,mark", f"{code},local,MATH,9", f"{code},continuous,,11"
        ),
    )

    outcome = import_marks(
        actor=None,
        session=session,
        data=_csv(
            "national_code,component,subject,mark",
            f"{code},local,MATH,13",
            f"{code},continuous,,12",
        ),
    )

    assert outcome.ok
    assert ExamCandidate.objects.filter(session=session).count() == 1
    marks = dict(
        ExamMark.objects.filter(candidate__session=session).values_list("component", "value")
    )
    assert marks == {"local": D("13"), "continuous": D("12")}


def test_every_bad_row_is_reported_and_nothing_is_written(world: World) -> None:
    # given: one good row and one problem of each kind
    session = session_for("college_certificate")
    codes = _enrolled(world, 2)
    [free] = students(1, world.school, prefix="F")
    data = _csv(
        "national_code,component,subject,mark",
        f"{codes[0]},local,MATH,12",
        "Z000000000,local,MATH,12",
        f"{codes[0]},oral,MATH,12",
        f"{codes[0]},national,MATH,12",
        f"{codes[0]},local,XYZ,12",
        f"{codes[0]},local,,12",
        f"{codes[0]},local,FR,21",
        f"{codes[0]},local,MATH,13",
        f"{codes[1]},continuous,,ABJ",
        f"{free.national_code},local,MATH,12",
        f"{codes[1]},local,PHILO,12",
    )

    # when
    outcome = import_marks(actor=None, session=session, data=data)

    # then
    found = {(p.row, p.column, p.value, p.code) for p in outcome.problems}
    assert found == {
        (3, "national_code", "Z000000000", "unknown_pupil"),
        (4, "component", "oral", "bad_component"),
        (5, "component", "national", "component_not_in_scheme"),
        (6, "subject", "XYZ", "unknown_subject"),
        (7, "subject", "", "subject_required"),
        (8, "mark", "21", "bad_mark"),
        (9, "subject", "MATH", "twice"),
        (10, "mark", "ABJ", "average_is_value"),
        (11, "centre", "", "centre_required"),
        (12, "subject", "PHILO", "no_coefficient"),
    }
    assert ExamCandidate.objects.filter(session=session).count() == 0
    assert ExamMark.objects.count() == 0
    assert not AuditEvent.objects.filter(action="results.import_marks").exists()
    messages = {p.row: p.message for p in outcome.problems}
    assert messages[8] == '"21" is not a mark between 0 and 20 nor an absence code'
    assert messages[9] == "the same mark is already on row 2"


def test_the_report_reads_in_the_readers_language(world: World) -> None:
    session = session_for("college_certificate")
    outcome = import_marks(
        actor=None,
        session=session,
        data=_csv("national_code,component,subject,mark", "Z000000000,local,MATH,12"),
    )
    [problem] = outcome.problems
    with translation.override("fr"):
        french = problem.message
    with translation.override("en"):
        english = problem.message
    assert english == 'no pupil has the national code "Z000000000"'
    assert "Z000000000" in french


def test_a_file_without_the_required_columns_is_refused(world: World) -> None:
    session = session_for("college_certificate")
    outcome = import_marks(
        actor=None, session=session, data=_csv("national_code,subject,note", "A1,MATH,12")
    )
    assert {(p.column, p.code) for p in outcome.problems} == {
        ("note", "unknown_column"),
        ("component", "missing_column"),
        ("mark", "missing_column"),
    }


def test_the_bac_needs_a_stream_and_takes_the_enrolment_stream(world: World) -> None:
    session = session_for("baccalaureat")
    [code] = _enrolled(world, 1, "2BAC", "PC")
    [free] = students(1, world.school, prefix="F")
    outcome = import_marks(
        actor=None,
        session=session,
        data=_csv(
            "national_code,component,subject,mark,coefficient,stream,centre",
            f"{code},national,MATH,12,,,",
            f"{code},regional,FR,13,4,,",
            f"{free.national_code},national,MATH,12,,,{world.school.code}",
        ),
    )
    assert [(p.row, p.code) for p in outcome.problems] == [(4, "stream_required")]


def test_a_resit_accepts_only_the_candidates_sent_to_it(world: World) -> None:
    from madrasa.results.services import compute_results, create_session

    session = session_for("baccalaureat")
    codes = _enrolled(world, 2, "2BAC", "PC")
    lines = ["national_code,component,subject,mark,coefficient"]
    for code, national in ((codes[0], "8"), (codes[1], "15")):
        lines += [
            f"{code},continuous,,10,",
            f"{code},regional,FR,10,4",
            f"{code},national,MATH,{national},",
        ]
    assert import_marks(actor=None, session=session, data=_csv(*lines)).ok
    compute_results(actor=None, session=session)
    assert ExamResult.objects.get(candidate__student__national_code=codes[0]).outcome == "resit"
    resit = create_session(actor=None, scheme=session.scheme, name="R", session="resit")

    outcome = import_marks(
        actor=None,
        session=resit,
        data=_csv(
            "national_code,component,subject,mark",
            f"{codes[0]},national,MATH,14",
            f"{codes[1]},national,MATH,14",
        ),
    )

    assert [(p.row, p.code) for p in outcome.problems] == [(3, "not_in_resit")]
    outcome = import_marks(
        actor=None,
        session=resit,
        data=_csv("national_code,component,subject,mark", f"{codes[0]},national,MATH,14"),
    )
    assert outcome.ok
    again = ExamCandidate.objects.get(session=resit)
    assert again.previous is not None
    assert again.previous.session_id == session.pk
    compute_results(actor=None, session=resit)
    # 2.5 + 2.5 + 0.5 * 14 = 12.00
    assert ExamResult.objects.get(candidate=again).final_average == D("12.00")


def test_the_command_runs_a_session_end_to_end(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    codes = _enrolled(world, 2)
    call_command("results", "create-session", "--scheme", "college_certificate", "--name", "CEC")
    session = ExamSession.objects.get(name="CEC")
    good = tmp_path / "good.csv"
    good.write_bytes(
        _csv(
            "national_code,component,subject,mark",
            *[f"{c},{comp},MATH,12" for c in codes for comp in ("local", "regional")],
            *[f"{c},continuous,,12" for c in codes],
        )
    )
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("national_code,component,subject,mark", f"{codes[0]},local,MATH,x"))

    # when / then: a bad file exits 4 and lists the row
    with pytest.raises(SystemExit) as exited:
        call_command(
            "results", "--lang", "en", "import-marks", str(bad), "--session", str(session.pk)
        )
    assert exited.value.code == 4
    assert "row 2, column mark, value “x”" in capsys.readouterr().err
    call_command("results", "import-marks", str(good), "--session", str(session.uuid))
    call_command("results", "compute", "--session", str(session.pk))
    assert "admitted\t2" in capsys.readouterr().out
    call_command("results", "publish", "--session", str(session.pk))
    publication = Publication.objects.get(session=session)
    assert publication.rows == 2
    call_command(
        "results",
        "withdraw",
        "--publication",
        str(publication.uuid),
        "--reason",
        "test",
        "--replace",
    )
    out = capsys.readouterr().out
    assert "replaced by" in out
    assert "average changed 0" in out
    assert Publication.objects.filter(session=session, status="published").count() == 1
