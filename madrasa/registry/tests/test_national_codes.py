"""National codes: the format, the check digit, and allocation that never repeats a code."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from conftest import World
from madrasa.registry.models import NationalCodeCounter
from madrasa.registry.rules import NationalCodeFormat, luhn_check_digit
from madrasa.registry.services import allocate_national_codes, create_student


def test_the_default_format_is_a_letter_and_nine_digits_with_a_luhn_check() -> None:
    fmt = NationalCodeFormat()
    code = fmt.format("D", 123)
    assert len(code) == 10
    assert code[:9] == "D00000123"
    assert fmt.is_valid(code)
    # Any single changed digit is caught by the check digit.
    for position in range(1, 10):
        digit = int(code[position])
        tampered = code[:position] + str((digit + 1) % 10) + code[position + 1 :]
        assert not fmt.is_valid(tampered)
    assert luhn_check_digit("7992739871") == "3"


def test_the_format_is_configurable() -> None:
    fmt = NationalCodeFormat(digits=7, check="none", region_letters="XY")
    assert fmt.format(fmt.letter_for_region("02"), 5) == "Y0000005"
    assert fmt.is_valid("Y0000005")
    with pytest.raises(ValueError, match="exhausted"):
        fmt.format("Y", 10**7)
    with pytest.raises(ValueError, match="region 03"):
        fmt.letter_for_region("03")


def test_allocation_skips_codes_already_taken(world: World) -> None:
    fmt = NationalCodeFormat()
    taken = fmt.format("D", 1)
    create_student(
        actor=None,
        national_code=taken,
        first_name_ar="أ",
        last_name_ar="ب",
        first_name_latn="A",
        last_name_latn="B",
        birth_date=world.student.birth_date,
        gender="F",
        school=world.school,
    )
    codes = allocate_national_codes(region_code="04", count=3)
    assert taken not in codes
    assert len(set(codes)) == 3


def test_a_rolled_back_allocation_gives_its_serials_back(world: World) -> None:
    first = allocate_national_codes(region_code="06", count=2)
    try:
        with transaction.atomic():
            allocate_national_codes(region_code="06", count=5)
            raise RuntimeError
    except RuntimeError:
        pass
    again = allocate_national_codes(region_code="06", count=1)
    assert again[0] == NationalCodeFormat().format("F", 3)
    assert first[-1] == NationalCodeFormat().format("F", 2)


@pytest.mark.postgres_only
def test_concurrent_enrolments_never_share_a_code(flushable_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL")
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    results.extend(allocate_national_codes(region_code="01", count=3))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 8 * 10 * 3
    assert len(set(results)) == len(results)
    assert NationalCodeCounter.objects.get(letter="A").next_serial == len(results) + 1


def test_duplicates_are_found_within_one_batch_too(world: World) -> None:
    from madrasa.registry.services import find_duplicates

    fields = {
        "actor": None,
        "last_name_ar": "الإدريسي",
        "last_name_latn": "El Idrissi",
        "birth_date": world.student.birth_date.replace(year=2015),
        "gender": "F",
        "school": world.school,
    }
    a = create_student(first_name_ar="مريم", first_name_latn="Meryem", **fields)  # type: ignore[arg-type]
    b = create_student(first_name_ar="مريم", first_name_latn="Maryam", **fields)  # type: ignore[arg-type]
    twin = create_student(first_name_ar="هبة", first_name_latn="Hiba", **fields)  # type: ignore[arg-type]
    found = find_duplicates([a, b, twin])
    assert [(c.student, c.other) for c in found] == [(b, a)]
