"""Importing pupils through the services: what is created, refused, recognised and left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import uuid5

import pytest
from django.utils import translation

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.models import AuditEvent
from madrasa.enrolment.models import Enrolment, JourneyEvent, SchoolClass
from madrasa.imports.models import ImportBatch, ImportRow
from madrasa.imports.selectors import error_lines, list_error_rows
from madrasa.imports.services import NAMESPACE, apply_batch, receive_batch, stage_batch
from madrasa.imports.tests.conftest import RunImport
from madrasa.imports.tests.factories import csv_bytes, pupil_row, xlsx_bytes
from madrasa.registry.models import Guardian, Guardianship, Student
from madrasa.registry.services import national_code_format

Dump = Callable[[], dict[str, list[str]]]


def _errors(batch: ImportBatch) -> list[tuple[int | None, str, str]]:
    with translation.override("en"):
        lines = error_lines(batch, list(list_error_rows(batch)))
    return [(line.row, line.column, line.sentence) for line in lines]


def test_it_imports_a_good_file(world: World, run_import: RunImport) -> None:
    # given: twelve new pupils, one brought with a code from an earlier system, and a known one
    rows = [pupil_row(i) for i in range(12)]
    rows.append(pupil_row(20, code_national="j123456789"))
    rows.append(
        pupil_row(
            21,
            code_national="A100000001",
            nom_ar="العلوي",
            prenom_ar="ياسين",
            nom_fr="Alaoui",
            prenom_fr="Yassine",
            date_naissance="01/03/2012",
            genre="M",
            niveau="P5",
            classe="5A",
            lieu_naissance_fr="Salé",
        )
    )
    # when
    batch = run_import(rows, chunk_size=5)
    # then
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.total_rows, batch.created_count, batch.updated_count) == (14, 13, 1)
    assert (batch.unchanged_count, batch.error_count, batch.applied_through) == (0, 0, 15)
    created = Student.objects.exclude(national_code__in=["A100000001", "B200000002"])
    assert created.count() == 13
    fmt = national_code_format()
    allocated = sorted(s.national_code for s in created if s.national_code != "J123456789")
    assert len(allocated) == 12
    assert all(code.startswith("D") and fmt.is_valid(code) for code in allocated)  # region 04
    first = Student.objects.get(last_name_latn="Alaoui", birth_date=date(2017, 1, 1))
    row = ImportRow.objects.get(batch=batch, number=2)
    assert (first.uuid, first.national_code) == (row.student_uuid, row.planned_code)
    assert first.search_key
    assert first.last_key_ar == "العلوي"
    assert (first.school, first.birth_place_ar) == (world.school, "الرباط")
    enrolment = Enrolment.objects.get(student=first)
    assert enrolment.school_class is not None
    assert (enrolment.school, enrolment.level.code, enrolment.school_class.name) == (
        world.school,
        "P3",
        "3A",
    )
    assert set(
        SchoolClass.objects.filter(school=world.school, level__code="P3").values_list(
            "name", flat=True
        )
    ) == {"3A", "3B", "3C"}
    event = JourneyEvent.objects.get(student=first)
    assert event.kind == "enrolled"
    assert event.detail["import_batch"] == str(batch.uuid)
    assert event.actor == world.users[Role.DIRECTOR]
    link = Guardianship.objects.get(student=first)
    assert (link.relation, link.is_primary, link.guardian.national_id) == (
        "father",
        True,
        "AB100000",
    )
    # The known pupil: matched by code, birth place filled in, still in 5A, now with a guardian.
    world.student.refresh_from_db()
    assert world.student.birth_place_latn == "Salé"
    assert Enrolment.objects.filter(student=world.student).count() == 1
    assert Student.objects.filter(national_code="J123456789").exists()
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("student.bulk_upsert") == 3  # one per chunk of 5 rows
    assert actions[-1] == "import.finish"


def test_bad_rows_are_reported_and_not_applied_while_good_rows_are(
    world: World, run_import: RunImport
) -> None:
    # given
    rows = [
        pupil_row(0),  # row 2: good
        pupil_row(1, date_naissance="31/02/2010"),  # row 3
        pupil_row(2, code_national="J000000017"),  # row 4: good
        pupil_row(3, code_etablissement="T0002"),  # row 5: another school
        pupil_row(4, code_national="j000000017"),  # row 6: the code of row 4 again
        pupil_row(0, tuteur_telephone=""),  # row 7: row 2's pupil again, without a code
        pupil_row(5, code_national="B200000002"),  # row 8: enrolled at T0002 this year
        pupil_row(6, classe="5A"),  # row 9: 5A is a P5 class
        pupil_row(7, niveau="P9", genre="?"),  # row 10: two errors
        pupil_row(8),  # row 11: good
        pupil_row(9, niveau="P4", classe="3A"),  # row 12: row 2 made 3A a P3 class
    ]
    # when
    batch = run_import(rows)
    # then
    assert (batch.created_count, batch.error_count, batch.total_rows) == (3, 8, 11)
    assert _errors(batch) == [
        (3, "date_naissance", 'row 3, column date_naissance: "31/02/2010" is not a date'),
        (
            5,
            "code_etablissement",
            "row 5, column code_etablissement: you may not import pupils into the school T0002",
        ),
        (
            6,
            "code_national",
            "row 6, column code_national: the national code J000000017 is already on row 4",
        ),
        (7, "", "row 7: the same pupil is already on row 2"),
        (
            8,
            "code_etablissement",
            "row 8, column code_etablissement: the pupil is already enrolled in 2026-2027 at "
            "the school T0002: ask for a transfer instead",
        ),
        (
            9,
            "classe",
            'row 9, column classe: the class "5A" is already a class of P5 in this school',
        ),
        (10, "genre", 'row 10, column genre: "?" is not a gender: write F or M'),
        (10, "niveau", 'row 10, column niveau: "P9" is not a level code (P1 … 2BAC)'),
        (
            12,
            "classe",
            'row 12, column classe: the class "3A" is given on row 2 for another level or stream',
        ),
    ]
    imported = Student.objects.filter(birth_date__year__gte=2017)
    assert set(imported.values_list("first_name_latn", "last_name_latn")) == {
        ("Yassine", "Alaoui"),
        ("Amine", "Idrissi"),
        ("Adam", "Alaoui"),
    }
    other = Student.objects.get(national_code="B200000002")
    assert other.school == world.other_school
    assert other.first_name_latn == "Salma"  # not renamed by the refused row 8
    assert Student.objects.count() == 2 + 3
    assert ImportRow.objects.filter(batch=batch, outcome="error").count() == 8


def test_a_full_chunk_applies_on_every_engine(world: World, run_import: RunImport) -> None:
    # SQLite limits an expression's depth to 1,000: the duplicate search is split for it.
    batch = run_import([pupil_row(i, classe="") for i in range(600)], chunk_size=600)
    assert (batch.created_count, batch.error_count) == (600, 0)


def test_running_the_same_file_again_changes_nothing(
    world: World, run_import: RunImport, business_dump: Dump
) -> None:
    # given
    rows = [pupil_row(i) for i in range(7)]
    first = run_import(rows, chunk_size=3)
    before = business_dump()
    audit_before = AuditEvent.objects.count()
    # when
    again = run_import(rows, chunk_size=3)
    # then
    assert again.pk == first.pk
    assert again.status == ImportBatch.Status.DONE
    assert business_dump() == before
    assert AuditEvent.objects.count() == audit_before
    assert ImportBatch.objects.count() == 1


def test_the_same_pupils_in_another_file_are_recognised_and_left_alone(
    world: World, run_import: RunImport, business_dump: Dump
) -> None:
    # given: a first import; then the same rows, columns in another order, with semicolons
    rows = [pupil_row(i) for i in range(6)]
    run_import(rows)
    before = business_dump()
    columns = list(reversed(list(rows[0])))
    other_file = csv_bytes(rows, columns, delimiter=";")
    # when
    batch = run_import(other_file, filename="eleves-bis.csv")
    # then
    assert ImportBatch.objects.count() == 2
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 0, 6)
    assert business_dump() == before


def test_a_pupil_put_in_another_class_moves(world: World, run_import: RunImport) -> None:
    run_import([pupil_row(0, classe="3A")])
    batch = run_import([pupil_row(0, classe="3B", tuteur_telephone="0699999999")])
    assert (batch.updated_count, batch.created_count) == (1, 0)
    student = Student.objects.get(first_name_latn="Yassine", birth_date=date(2017, 1, 1))
    school_class = Enrolment.objects.get(student=student).school_class
    assert school_class is not None
    assert school_class.name == "3B"
    moved = JourneyEvent.objects.get(student=student, kind="class_changed")
    assert (moved.detail["before"], moved.detail["after"]) == ("3A", "3B")


def test_siblings_share_their_guardian_by_cin(world: World, run_import: RunImport) -> None:
    rows = [pupil_row(0, tuteur_cin="BK4242"), pupil_row(1, tuteur_cin="bk 4242")]
    run_import(rows)
    guardian = Guardian.objects.get(national_id="BK4242")
    assert guardian.guardianships.count() == 2


def test_an_xlsx_file_with_arabic_is_imported(world: World, run_import: RunImport) -> None:
    rows: list[dict[str, Any]] = [
        {**pupil_row(0), "date_naissance": date(2017, 1, 1), "tuteur_telephone": 612345678},
        {**pupil_row(1), "nom_ar": "الإدريسي", "prenom_ar": "فاطمة الزهراء", "genre": "أنثى"},
    ]
    batch = run_import(xlsx_bytes(rows), filename="eleves.xlsx")
    assert (batch.created_count, batch.error_count) == (2, 0), _errors(batch)
    pupil = Student.objects.get(first_name_ar="فاطمة الزهراء")
    assert (pupil.last_name_ar, pupil.gender) == ("الإدريسي", "F")
    assert Guardian.objects.get(national_id="AB100000").phone == "0612345678"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.DIRECTOR, {"T0001"}),
        (Role.DIRECTORATE, {"T0001"}),
        (Role.MINISTRY, {"T0001", "T0002"}),
    ],
)
def test_each_role_imports_only_into_its_schools(
    world: World, run_import: RunImport, role: Role, allowed: set[str]
) -> None:
    rows = [pupil_row(0, code_etablissement="T0001"), pupil_row(1, code_etablissement="T0002")]
    batch = run_import(rows, role=role)
    imported = set(
        Student.objects.filter(
            first_name_latn__in=["Yassine", "Salma"], birth_date__year=2017
        ).values_list("school__code", flat=True)
    )
    assert imported == allowed
    assert batch.error_count == 2 - len(allowed)


def test_a_file_missing_required_columns_is_refused_as_a_whole(
    world: World, run_import: RunImport
) -> None:
    data = csv_bytes([pupil_row(0)], ["nom_ar", "prenom_ar", "genre"])
    batch = run_import(data)
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.source is None
    with translation.override("en"):
        [line] = error_lines(batch)
    assert line.message.startswith("missing column(s): nom_fr, prenom_fr, date_naissance")
    assert Student.objects.count() == 2


def test_pupil_uuids_are_derived_from_the_file_and_the_row(
    world: World, run_import: RunImport
) -> None:
    batch = run_import([pupil_row(0)])
    row = ImportRow.objects.get(batch=batch)
    assert row.student_uuid == uuid5(NAMESPACE, f"{batch.uuid}:2")
    assert batch.uuid == uuid5(NAMESPACE, f"pupils:{batch.sha256}:{batch.owner_key}")
    assert Student.objects.get(uuid=row.student_uuid).first_name_latn == "Yassine"


def test_rows_are_checked_again_when_applied(world: World) -> None:
    # given: a staged file (not applied yet): a pupil with a code unknown so far, a new pupil
    # (a code is planned for them), and an existing pupil matched by identity
    director = world.actor(Role.DIRECTOR)
    rows = [
        pupil_row(0, code_national="J000000017"),
        pupil_row(1),
        pupil_row(2),
    ]
    batch, _created = receive_batch(
        actor=director, kind="pupils", filename="a.csv", data=csv_bytes(rows)
    )
    batch = stage_batch(batch=batch, actor=director)
    planned = ImportRow.objects.get(batch=batch, number=3).planned_code
    assert planned
    # when: meanwhile, the ministry enrols J000000017 at another school, and someone brings a
    # pupil with the code planned for row 3
    ministry_batch, _created = receive_batch(
        actor=None,
        kind="pupils",
        filename="b.csv",
        data=csv_bytes(
            [
                pupil_row(5, code_national="J000000017", code_etablissement="T0002"),
                pupil_row(6, code_national=planned, code_etablissement="T0002"),
            ]
        ),
    )
    apply_batch(batch=ministry_batch, actor=None)
    batch = apply_batch(batch=batch, actor=director)
    # then: row 2 is refused now, row 3's pupil gets another code, row 4 is applied
    assert (batch.created_count, batch.error_count) == (2, 1)
    assert _errors(batch)[0][:2] == (2, "code_etablissement")
    third = ImportRow.objects.get(batch=batch, number=3)
    assert third.student_uuid is not None
    student = Student.objects.get(uuid=third.student_uuid)
    assert student.national_code not in (planned, "")
    assert Student.objects.get(national_code="J000000017").school == world.other_school
