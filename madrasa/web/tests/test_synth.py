"""`madrasa synth`: a synthetic data set whose every row is as the services would write it."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Q

from madrasa.core.audit import verify_chain
from madrasa.core.models import AuditEvent
from madrasa.enrolment.models import Enrolment, JourneyEvent, SchoolClass
from madrasa.registry.models import (
    DuplicateCandidate,
    Guardian,
    Guardianship,
    NationalCodeCounter,
    School,
    SchoolYear,
    Student,
)
from madrasa.registry.rules import NationalCodeFormat, student_keys
from madrasa.registry.services import national_code_format
from madrasa.web import synth
from madrasa.web.synth import (
    BIG_MODELS,
    COLUMNS,
    MAX_CLASS,
    MIN_CLASS,
    SynthResult,
    _cin_owner,
    _luhn_code,
    generate_synth,
    guardian_cin,
)

pytestmark = pytest.mark.django_db

STREAM_LEVELS = {"TC", "1BAC", "2BAC"}


@pytest.fixture
def taroudannt() -> SynthResult:
    """2,000 pupils in a mostly rural province (541, region 09 Souss-Massa)."""
    return generate_synth(pupils=2000, seed=7, province_code="541")


def test_it_enrols_the_pupils_asked_each_once_in_the_school_they_belong_to(
    taroudannt: SynthResult,
) -> None:
    year = SchoolYear.objects.get(is_current=True)
    active = Enrolment.objects.filter(year=year, status="active")
    assert taroudannt.pupils == 2000
    assert active.count() == 2000
    assert Student.objects.filter(school__isnull=False).count() == 2000
    assert not active.values("student").annotate(n=Count("id")).filter(n__gt=1).exists()
    for student_id, school_id, enrolled_in, class_school in active.values_list(
        "student_id", "student__school_id", "school_id", "school_class__school_id"
    ):
        assert school_id == enrolled_in == class_school, student_id
    # one "enrolled" journey event per enrolment, in the same year and school
    assert JourneyEvent.objects.filter(kind="enrolled").count() == Enrolment.objects.count()
    assert not JourneyEvent.objects.filter(kind="enrolled", year=year).exclude(
        student__school_id=F("school_id")
    )


def test_journey_events_carry_what_the_enrolment_services_write(taroudannt: SynthResult) -> None:
    year = SchoolYear.objects.get(is_current=True)
    classes = dict(
        Enrolment.objects.filter(year=year).values_list("student_id", "school_class__name")
    )
    events = JourneyEvent.objects.filter(kind="enrolled", year=year).select_related("level")
    for event in events:
        assert event.detail["school_class"] == classes[event.student_id]
        assert ("stream" in event.detail) == (
            event.level is not None and event.level.code in STREAM_LEVELS
        )
    repeats = JourneyEvent.objects.filter(kind="decision", detail__decision="repeat")
    assert repeats.count() == Enrolment.objects.filter(decision="repeat").count() > 0


def test_last_years_dropouts_have_no_school_and_a_decision(taroudannt: SynthResult) -> None:
    dropouts = Student.objects.filter(school__isnull=True)
    assert dropouts.count() == taroudannt.dropouts > 0
    previous = Enrolment.objects.filter(decision="dropped_out")
    assert previous.count() == taroudannt.dropouts
    assert set(previous.values_list("status", flat=True)) == {"ended"}
    assert not Enrolment.objects.filter(student__in=dropouts, status="active").exists()
    assert JourneyEvent.objects.filter(kind="decision", detail__decision="dropped_out").count() == (
        taroudannt.dropouts
    )


def test_about_half_of_the_pupils_are_girls(taroudannt: SynthResult) -> None:
    girls = Student.objects.filter(gender="F", school__isnull=False).count()
    assert 0.4 <= girls / taroudannt.pupils <= 0.6


def test_classes_hold_25_to_45_pupils_of_one_level_and_a_stream_from_tronc_commun_on(
    taroudannt: SynthResult,
) -> None:
    classes = SchoolClass.objects.annotate(
        n=Count("enrolments", filter=Q(enrolments__status="active"))
    ).select_related("level", "stream", "school__cycle")
    assert classes.count() == taroudannt.classes
    for school_class in classes:
        assert MIN_CLASS <= school_class.n <= MAX_CLASS, school_class.name
        if school_class.level.code in STREAM_LEVELS:
            assert school_class.stream is not None
            assert school_class.stream.level_id == school_class.level_id
        else:
            assert school_class.stream is None
        cycle = school_class.level.cycle.code
        expected = "primaire" if cycle == "prescolaire" else cycle
        assert school_class.school.cycle is not None
        assert school_class.school.cycle.code == expected
    mismatched = Enrolment.objects.filter(status="active").exclude(
        level_id=F("school_class__level_id")
    )
    assert not mismatched.exists()


def test_ages_match_the_level_and_only_repeaters_are_older(taroudannt: SynthResult) -> None:
    year = SchoolYear.objects.get(is_current=True)
    repeaters = set(Enrolment.objects.filter(decision="repeat").values_list("student_id", "level"))
    offsets: Counter[int] = Counter()
    for student_id, birth, level_id, typical_age in Enrolment.objects.filter(
        year=year, status="active"
    ).values_list("student_id", "student__birth_date", "level_id", "level__typical_age"):
        offset = year.starts_on.year - typical_age - birth.year
        offsets[offset] += 1
        assert offset in (0, 1, 2)
        assert (offset > 0) == ((student_id, level_id) in repeaters)
    assert offsets[0] > 0.8 * taroudannt.pupils
    assert offsets[1] > 0


def test_rural_primary_schools_have_satellite_units(taroudannt: SynthResult) -> None:
    satellites = School.objects.filter(main_school__isnull=False).select_related("main_school")
    assert satellites.count() == taroudannt.satellites > 0
    for unit in satellites:
        assert unit.milieu == "rural"
        assert unit.main_school is not None
        assert unit.main_school.main_school_id is None
        assert unit.main_school.milieu == "rural"
        assert unit.cycle_id == unit.main_school.cycle_id
    assert School.objects.filter(milieu="urban").exists()
    codes = list(School.objects.values_list("code", flat=True))
    assert all(re.fullmatch(r"S541\d{5}", code) for code in codes)


def test_national_codes_follow_the_format_and_leave_the_counter_after_them(
    taroudannt: SynthResult,
) -> None:
    fmt = national_code_format()
    letter = fmt.letter_for_region("09")
    codes = list(Student.objects.values_list("national_code", flat=True))
    assert all(fmt.is_valid(code) and code[0] == letter for code in codes)
    serials = sorted(int(code[1 : 1 + fmt.serial_digits]) for code in codes)
    counter = NationalCodeCounter.objects.get(letter=letter)
    assert serials == list(range(1, len(codes) + 1))
    assert counter.next_serial == len(codes) + 1


def test_derived_name_keys_are_those_the_services_write(taroudannt: SynthResult) -> None:
    planted = DuplicateCandidate.objects.values_list("student_id", flat=True)
    for student in [*Student.objects.all()[:500], *Student.objects.filter(pk__in=planted)]:
        expected = student_keys(
            student.first_name_ar,
            student.last_name_ar,
            student.first_name_latn,
            student.last_name_latn,
        )
        keys = {"search_key": student.search_key, "last_key_latn": student.last_key_latn}
        assert keys | {"last_key_ar": student.last_key_ar} == expected
    assert Student.objects.exclude(birth_place_latn="").count() == Student.objects.count()


def test_every_pupil_has_guardians_with_one_primary_and_unique_cins(
    taroudannt: SynthResult,
) -> None:
    links = Guardianship.objects.values("student").annotate(
        n=Count("id"), primary=Count("id", filter=Q(is_primary=True))
    )
    assert links.count() == Student.objects.count()
    assert all(row["primary"] == 1 and 1 <= row["n"] <= 2 for row in links)
    cins = list(Guardian.objects.values_list("id", "national_id"))
    assert len(cins) == taroudannt.guardians
    assert Guardianship.objects.count() == taroudannt.guardianships
    assert len({cin for _id, cin in cins}) == len(cins)
    assert all(
        cin == guardian_cin(gid) and re.fullmatch(r"[A-Z]{2}\d{6}", cin) for gid, cin in cins
    )
    # brothers and sisters share their parents
    assert Guardian.objects.annotate(n=Count("guardianships")).filter(n__gt=1).exists()
    fathers = Guardianship.objects.filter(relation="father").select_related("student", "guardian")
    assert all(
        link.student.last_name_latn == link.guardian.last_name_latn for link in fathers[:200]
    )


def test_planted_duplicates_are_flagged(taroudannt: SynthResult) -> None:
    assert taroudannt.planted_duplicates >= 2
    pairs = DuplicateCandidate.objects.select_related("student", "other")
    assert pairs.count() == taroudannt.duplicate_candidates >= taroudannt.planted_duplicates
    planted = [p for p in pairs if p.student.first_name_ar == p.other.first_name_ar]
    assert len(planted) >= taroudannt.planted_duplicates
    for pair in planted[: taroudannt.planted_duplicates]:
        assert pair.student.birth_date == pair.other.birth_date
        assert pair.student.school_id != pair.other.school_id
        latin = (pair.student.first_name_latn, pair.student.last_name_latn)
        assert latin != (pair.other.first_name_latn, pair.other.last_name_latn)


def test_it_writes_one_audit_entry_and_keeps_the_chain_intact(taroudannt: SynthResult) -> None:
    event = AuditEvent.objects.get(action="synth.generate")
    assert event.data["pupils"] == 2000
    assert event.data["provinces"] == ["541"]
    assert verify_chain().problems == ()


def _snapshot() -> list[tuple[Any, ...]]:
    return [
        *School.objects.order_by("code").values_list(
            "code", "uuid", "name_fr", "name_ar", "milieu", "sector", "main_school__code"
        ),
        *SchoolClass.objects.order_by("school__code", "name").values_list(
            "school__code", "name", "uuid", "level__code", "stream__code"
        ),
        *Student.objects.order_by("national_code").values_list(
            "national_code",
            "uuid",
            "first_name_ar",
            "last_name_ar",
            "first_name_latn",
            "last_name_latn",
            "birth_date",
            "birth_place_latn",
            "gender",
            "school__code",
        ),
        *Enrolment.objects.order_by("uuid").values_list(
            "uuid", "student__national_code", "school_class__name", "decision"
        ),
        *Guardianship.objects.order_by("student__national_code", "relation").values_list(
            "student__national_code", "relation", "guardian__first_name_latn", "guardian__phone"
        ),
    ]


def _forget_synth_data() -> None:
    DuplicateCandidate.objects.all().delete()
    JourneyEvent.objects.all().delete()
    Enrolment.objects.all().delete()
    Guardianship.objects.all().delete()
    Guardian.objects.all().delete()
    Student.objects.all().delete()
    SchoolClass.objects.all().delete()
    School.objects.filter(main_school__isnull=False).delete()
    School.objects.all().delete()
    NationalCodeCounter.objects.all().delete()


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data() -> None:
    generate_synth(pupils=600, seed=3, province_code="421")
    first = _snapshot()
    _forget_synth_data()
    generate_synth(pupils=600, seed=3, province_code="421")
    assert _snapshot() == first
    _forget_synth_data()
    generate_synth(pupils=600, seed=4, province_code="421")
    assert _snapshot() != first


def test_the_generic_bulk_create_writer_writes_the_same_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    generate_synth(pupils=300, seed=5, province_code="421")
    fast = _snapshot()
    _forget_synth_data()
    monkeypatch.setattr(synth, "_CopyWriter", synth._BulkWriter)
    monkeypatch.setattr(synth, "_SqliteWriter", synth._BulkWriter)
    generate_synth(pupils=300, seed=5, province_code="421")
    assert _snapshot() == fast
    event = JourneyEvent.objects.filter(kind="enrolled", year__is_current=True, level__code="P1")
    assert set(event[0].detail) == {"school_class"}


def test_it_refuses_to_fill_a_province_twice() -> None:
    call_command("synth", "--pupils", "300", "--province", "421", "--quiet")
    before = Student.objects.count()
    with pytest.raises(CommandError, match="already exists for 421"):
        call_command("synth", "--pupils", "300", "--region", "04", "--quiet")
    assert Student.objects.count() == before
    call_command("synth", "--pupils", "300", "--province", "441", "--quiet")
    assert Student.objects.filter(school__province__code="441").count() == 300


def test_a_failure_while_making_or_writing_rows_leaves_nothing_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(synth._PupilMaker, "make_class", broken)
        with pytest.raises(RuntimeError, match="boom"):
            generate_synth(pupils=300, seed=1, province_code="421", batch_pupils=50)
    for writer in (synth._CopyWriter, synth._SqliteWriter):
        write = writer._write

        def write_but_pupils(self: Any, model: Any, *args: Any, _write: Any = write) -> None:
            if model is Student:  # after the schools, while the thread makes more pupils
                raise RuntimeError("boom")
            _write(self, model, *args)

        monkeypatch.setattr(writer, "_write", write_but_pupils)
    with pytest.raises(RuntimeError, match="boom"):
        generate_synth(pupils=3000, seed=1, province_code="421", batch_pupils=50)
    assert not School.objects.exists()
    assert not Student.objects.exists()
    assert not NationalCodeCounter.objects.filter(next_serial__gt=1).exists()


def test_it_refuses_unknown_territory() -> None:
    with pytest.raises(CommandError, match="no prefecture or province with code '999'"):
        call_command("synth", "--pupils", "10", "--province", "999", "--quiet")
    with pytest.raises(CommandError, match="no prefecture or province with code '421' in region"):
        call_command("synth", "--pupils", "10", "--province", "421", "--region", "06", "--quiet")


def test_a_tiny_province_quota_makes_one_small_class() -> None:
    result = generate_synth(pupils=30, seed=1, province_code="421")
    assert result.pupils == 30
    sizes = sorted(SchoolClass.objects.annotate(n=Count("enrolments")).values_list("n", flat=True))
    assert sum(sizes) == 30
    assert all(n >= 1 for n in sizes)


def test_rows_have_every_column_of_their_table() -> None:
    for model, columns in COLUMNS.items():
        assert sorted(columns) == sorted(f.column for f in model._meta.concrete_fields), model


def test_national_codes_by_table_look_up_are_those_of_the_format() -> None:
    fmt = NationalCodeFormat()
    for serial in (*range(3000), 9_999, 10_000, 12_345_678, 99_999_999):
        assert _luhn_code("D", serial, fmt.serial_digits) == fmt.format("D", serial)
    assert _luhn_code("A", 42, 5) == NationalCodeFormat(digits=6).format("A", 42)


def test_the_cin_of_a_guardian_id_leads_back_to_it() -> None:
    for guardian_id in (1, 2, 999, 12_345_678, 600_000_000):
        assert _cin_owner(guardian_cin(guardian_id)) == guardian_id
    assert _cin_owner("A123456") is None


def _index_definitions() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [[m._meta.db_table for m in BIG_MODELS]],
        )
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s)",
            [[m._meta.db_table for m in BIG_MODELS]],
        )
        return indexes | set(cursor.fetchall())


def test_postgres_indexes_are_rebuilt_exactly_as_the_migrations_made_them() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("index rebuilding is PostgreSQL only")
    before = _index_definitions()
    assert ("registry_student_search_trgm", _trigram_definition()) in before
    result = generate_synth(pupils=400, seed=2, province_code="421", indexes="rebuild")
    assert result.indexes == "rebuilt"
    assert _index_definitions() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT bool_and(convalidated) FROM pg_constraint WHERE contype = 'f'")
        assert cursor.fetchone()[0] is True


def _trigram_definition() -> str:
    return (
        "CREATE INDEX registry_student_search_trgm ON public.registry_student "
        "USING gin (search_key gin_trgm_ops)"
    )
