"""Loading the shipped defaults, copying a year, and the ministry's checked, audited edits."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.grading.models import ExamScheme, GradingPolicy, Subject, SubjectCoefficient
from madrasa.grading.services import (
    DATA_DIR,
    copy_year_policy,
    load_grading,
    load_year_defaults,
    replace_coefficients,
    subjects_for,
    update_exam_scheme,
    update_policy,
    year_lock,
)
from madrasa.grading.validation import (
    CoefficientRow,
    GradingInvalid,
    PolicyValues,
    SchemeValues,
)
from madrasa.registry.models import Level, SchoolYear, Semester, Stream
from madrasa.registry.services import create_school_year, create_stream, load_structure

D = Decimal


@pytest.fixture
def shipped(db: None) -> None:
    load_structure(actor=None)
    load_grading(actor=None)


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _year(code: str = "2025-2026") -> SchoolYear:
    return SchoolYear.objects.get(code=code)


def _new_year() -> SchoolYear:
    return create_school_year(
        actor=None,
        code="2027-2028",
        starts_on=date(2027, 9, 6),
        ends_on=date(2028, 7, 1),
        semester_split=date(2028, 1, 31),
    )


def _values(year: SchoolYear) -> PolicyValues:
    return PolicyValues.from_model(GradingPolicy.objects.get(year=year))


def _with_pass_mark(values: PolicyValues, mark: Decimal) -> PolicyValues:
    """The values with another pass mark; the first mention (passable) starts there too."""
    mentions = [(values.mentions[0][0], mark), *values.mentions[1:]]
    return replace(values, pass_mark=mark, mentions=mentions)


def _close(year: SchoolYear, *numbers: int) -> None:
    Semester.objects.filter(year=year, number__in=numbers).update(closed_at=timezone.now())


# The shipped defaults -----------------------------------------------------------------------


@pytest.mark.usefixtures("shipped")
def test_load_grading_loads_the_shipped_defaults_into_every_year() -> None:
    years = SchoolYear.objects.count()
    coefficient_rows = _csv("coefficients.csv")
    assert years == 3
    assert Subject.objects.count() == len(_csv("subjects.csv")) == 17
    assert GradingPolicy.objects.count() == years
    assert SubjectCoefficient.objects.count() == years * len(coefficient_rows)
    assert ExamScheme.objects.count() == years * len(_csv("exam_schemes.csv")) == years * 3
    for scheme in ExamScheme.objects.all():
        assert sum(scheme.weights().values()) == 1, scheme


@pytest.mark.usefixtures("shipped")
def test_every_shipped_coefficient_names_an_existing_level_stream_and_subject() -> None:
    levels = set(Level.objects.values_list("code", flat=True))
    streams = {(s.level.code, s.code) for s in Stream.objects.select_related("level")}
    subjects = set(Subject.objects.values_list("code", flat=True))
    for row in _csv("coefficients.csv"):
        assert row["level_code"] in levels, row
        assert not row["stream_code"] or (row["level_code"], row["stream_code"]) in streams, row
        assert row["subject_code"] in subjects, row
        assert D(row["coefficient"]) > 0
        assert 1 <= int(row["assessments_per_semester"]) <= 4


@pytest.mark.usefixtures("shipped")
def test_load_grading_is_safe_to_run_again_and_leaves_an_edited_year_alone() -> None:
    year = _year()
    update_policy(actor=None, year=year, values=_with_pass_mark(_values(year), D("11")))
    again = load_grading(actor=None)
    assert (again.subjects, again.years, again.coefficients, again.schemes) == (0, 0, 0, 0)
    assert GradingPolicy.objects.get(year=year).pass_mark == D("11")


@pytest.mark.usefixtures("shipped")
def test_each_policy_and_scheme_row_carries_its_year_and_source() -> None:
    for policy in GradingPolicy.objects.select_related("year"):
        assert policy.year.code
        assert policy.source.strip()
    for scheme in ExamScheme.objects.select_related("year"):
        assert scheme.year.code
        assert scheme.source.strip()
    assert not SubjectCoefficient.objects.filter(year__isnull=True).exists()
    per_year = {y.pk: y.coefficients.count() for y in SchoolYear.objects.all()}
    assert set(per_year.values()) == {len(_csv("coefficients.csv"))}


@pytest.mark.usefixtures("shipped")
def test_a_stream_class_uses_its_stream_rows_and_a_primary_class_its_level_rows() -> None:
    year = _year()
    bac2 = Level.objects.get(code="2BAC")
    pc = Stream.objects.get(level=bac2, code="PC")
    rows = subjects_for(year_id=year.pk, level_id=bac2.pk, stream_id=pc.pk)
    expected = [
        r for r in _csv("coefficients.csv") if (r["level_code"], r["stream_code"]) == ("2BAC", "PC")
    ]
    assert len(rows) == len(expected) == 6
    assert {r.stream_id for r in rows} == {pc.pk}
    assert {r.subject.code: r.coefficient for r in rows} == {
        r["subject_code"]: D(r["coefficient"]) for r in expected
    }
    p5 = Level.objects.get(code="P5")
    primary = subjects_for(year_id=year.pk, level_id=p5.pk, stream_id=None)
    assert len(primary) == 8
    assert {r.stream_id for r in primary} == {None}


@pytest.mark.usefixtures("shipped")
def test_a_stream_without_its_own_rows_uses_the_level_rows() -> None:
    year = _year()
    tc = Level.objects.get(code="TC")
    new = create_stream(actor=None, level=tc, code="TCX", name_fr="Essai", name_ar="تجربة")
    rows = subjects_for(year_id=year.pk, level_id=tc.pk, stream_id=new.pk)
    assert rows
    assert {r.stream_id for r in rows} == {None}


# Copying a year -----------------------------------------------------------------------------


@pytest.mark.usefixtures("shipped")
def test_copy_year_policy_starts_a_new_year_from_an_edited_one() -> None:
    source = _year()
    bac2 = Level.objects.get(code="2BAC")
    pc = Stream.objects.get(level=bac2, code="PC")
    table = [
        CoefficientRow(r.subject.code, D("8") if r.subject.code == "MATH" else r.coefficient, 3)
        for r in subjects_for(year_id=source.pk, level_id=bac2.pk, stream_id=pc.pk)
    ]
    replace_coefficients(actor=None, year=source, level=bac2, stream=pc, rows=table)
    target = _new_year()
    copy_year_policy(actor=None, source=source, target=target)
    assert SubjectCoefficient.objects.filter(year=target).count() == 280
    assert ExamScheme.objects.filter(year=target).count() == 3
    copied = SubjectCoefficient.objects.get(
        year=target, level=bac2, stream=pc, subject__code="MATH"
    )
    assert (copied.coefficient, copied.assessments_per_semester) == (D("8"), 3)
    event = AuditEvent.objects.filter(action="grading.copy_year").get()
    assert (event.object_id, event.data) == ("2027-2028", {"from": "2025-2026"})


@pytest.mark.usefixtures("shipped")
def test_copy_is_refused_onto_a_year_with_a_policy_unless_replacing() -> None:
    source, target = _year("2025-2026"), _year("2026-2027")
    update_policy(actor=None, year=source, values=_with_pass_mark(_values(source), D("11")))
    with pytest.raises(InvalidInput) as refused:
        copy_year_policy(actor=None, source=source, target=target)
    assert refused.value.code == "policy_exists"
    copy_year_policy(actor=None, source=source, target=target, replace=True)
    assert GradingPolicy.objects.get(year=target).pass_mark == D("11")
    assert SubjectCoefficient.objects.filter(year=target).count() == 280
    event = AuditEvent.objects.filter(action="grading.copy_year").get()
    assert event.data["replaced"]["policy"]["pass_mark"] == "10"
    assert len(event.data["replaced"]["coefficients"]) == 280
    assert "2BAC/PC/MATH x7 (3)" in event.data["replaced"]["coefficients"]


@pytest.mark.usefixtures("shipped")
def test_copy_is_refused_from_a_year_without_policy_onto_itself_and_onto_a_closed_year() -> None:
    empty = _new_year()
    with pytest.raises(InvalidInput) as refused:
        copy_year_policy(actor=None, source=empty, target=_year())
    # the target has a policy: that is said first only when not replacing; the source's lack
    # of a policy is said when replacing
    assert refused.value.code == "policy_exists"
    with pytest.raises(InvalidInput) as refused:
        copy_year_policy(actor=None, source=empty, target=_year(), replace=True)
    assert refused.value.code == "no_policy"
    with pytest.raises(InvalidInput) as refused:
        copy_year_policy(actor=None, source=_year(), target=_year())
    assert refused.value.code == "same_year"
    _close(empty, 1, 2)
    with pytest.raises(InvalidInput) as refused:
        copy_year_policy(actor=None, source=_year(), target=empty)
    assert refused.value.code == "year_closed"


@pytest.mark.usefixtures("shipped")
def test_load_year_defaults_gives_a_new_year_the_shipped_policy() -> None:
    year = _new_year()
    load_year_defaults(actor=None, year=year)
    assert SubjectCoefficient.objects.filter(year=year).count() == 280
    with pytest.raises(InvalidInput) as refused:
        load_year_defaults(actor=None, year=year)
    assert refused.value.code == "policy_exists"


# Editing the policy -------------------------------------------------------------------------


@pytest.mark.usefixtures("shipped")
def test_update_policy_saves_and_audits_old_and_new_values() -> None:
    year = _year()
    values = replace(
        _values(year),
        rounding="down",
        mentions=[
            ("passable", D(10)),
            ("assez_bien", D("12.5")),
            ("bien", D(14)),
            ("tres_bien", D(16)),
        ],
        semester_weights=[D(1), D(2)],
        absence_rules={"ABJ": "excluded", "ABN": "zero", "DIS": "zero"},
    )
    update_policy(actor=None, year=year, values=values)
    policy = GradingPolicy.objects.get(year=year)
    assert policy.rounding == "down"
    assert policy.mentions[1] == {"code": "assez_bien", "min": "12.5"}
    assert policy.semester_weights == ["1", "2"]
    assert policy.absence_rules["DIS"] == "zero"
    event = AuditEvent.objects.filter(action="grading.update_policy").get()
    assert event.object_id == "2025-2026"
    changes = event.data["changes"]
    assert set(changes) == {"rounding", "mentions", "semester_weights", "absence_rules"}
    assert changes["rounding"] == {"old": "half_up", "new": "down"}
    assert changes["semester_weights"] == {"old": ["1", "1"], "new": ["1", "2"]}
    # the same values again: nothing written, nothing audited
    update_policy(actor=None, year=year, values=values)
    assert AuditEvent.objects.filter(action="grading.update_policy").count() == 1


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"scale_max": D(0)}, "scale_max", "Top of the scale: 0 is not allowed"),
        ({"pass_mark": D(25)}, "pass_mark", "Pass mark: 25 is outside the scale"),
        ({"pass_mark": D("10.125")}, "pass_mark", "Pass mark: 10.125 has more than two"),
        ({"pass_mark": D(8)}, "pass_mark", "resit minimum 8"),
        ({"decimals": 5}, "decimals", "Decimal places: 5 is not allowed"),
        ({"rounding": "up"}, "rounding", "“up” is not a rounding rule"),
        (
            {"mentions": [("passable", D(10)), ("bien", D(9))]},
            "mentions.2.min",
            "Mention 2 (bien): the minimum 9 is outside",
        ),
        (
            {"mentions": [("passable", D(12)), ("bien", D(11))]},
            "mentions.2.min",
            "must be higher than the previous mention's (12)",
        ),
        ({"mentions": [("Bien!", D(12))]}, "mentions.1.code", "the code “Bien!” is not valid"),
        (
            {"mentions": [("bien", D(12)), ("bien", D(14))]},
            "mentions.2.code",
            "already used",
        ),
        (
            {"absence_rules": {"ABJ": "excluded", "ABN": "zero"}},
            "absence_rules.DIS",
            "the code DIS has no valid treatment",
        ),
        (
            {"absence_rules": {"ABJ": "excluded", "ABN": "zero", "DIS": "zero", "XXX": "zero"}},
            "absence_rules.XXX",
            "“XXX” is not an absence code",
        ),
        ({"semester_weights": [D(1)]}, "semester_weights", "1 weights given, but the year has 2"),
        ({"semester_weights": [D(0), D(0)]}, "semester_weights.1", "they are all 0"),
        ({"semester_weights": [D(1), D(-1)]}, "semester_weights.2", "Weight of semester 2: -1"),
        ({"source": "  "}, "source", "Source: write the text"),
    ],
)
def test_update_policy_refuses_a_value_naming_the_field_value_and_why(
    change: dict[str, object], field: str, words: str
) -> None:
    year = _year()
    with pytest.raises(GradingInvalid) as refused:
        update_policy(actor=None, year=year, values=replace(_values(year), **change))  # type: ignore[arg-type]
    assert refused.value.field == field
    assert words in str(refused.value.message)
    assert not AuditEvent.objects.filter(action="grading.update_policy").exists()


@pytest.mark.usefixtures("shipped")
def test_a_closed_year_is_refused_and_a_partly_closed_one_accepted() -> None:
    year = _year("2024-2025")
    _close(year, 1)
    assert year_lock(year).partly_closed
    update_policy(actor=None, year=year, values=_with_pass_mark(_values(year), D("10.5")))
    _close(year, 2)
    assert year_lock(year).locked
    with pytest.raises(InvalidInput) as refused:
        update_policy(actor=None, year=year, values=_with_pass_mark(_values(year), D(11)))
    assert refused.value.code == "year_closed"
    assert "all its semesters are closed" in str(refused.value.message)
    p5 = Level.objects.get(code="P5")
    with pytest.raises(InvalidInput, match="is closed"):
        replace_coefficients(actor=None, year=year, level=p5, stream=None, rows=[])
    with pytest.raises(InvalidInput, match="is closed"):
        update_exam_scheme(
            actor=None,
            year=year,
            code="baccalaureat",
            values=SchemeValues("2BAC", [("national", D(1))], None, False, "x"),
        )
    assert GradingPolicy.objects.get(year=year).pass_mark == D("10.5")


@pytest.mark.usefixtures("shipped")
def test_a_year_without_policy_must_be_started_first() -> None:
    year = _new_year()
    with pytest.raises(InvalidInput) as refused:
        update_policy(actor=None, year=year, values=_values(_year()))
    assert refused.value.code == "no_policy"


# Editing a coefficient table ----------------------------------------------------------------


@pytest.mark.usefixtures("shipped")
def test_replace_coefficients_adds_changes_and_removes_rows_with_an_audit() -> None:
    year = _year()
    p5 = Level.objects.get(code="P5")
    before = {
        r.subject.code: r for r in subjects_for(year_id=year.pk, level_id=p5.pk, stream_id=None)
    }
    assert "INFO" not in before
    assert "ART" in before
    table = [
        CoefficientRow(
            code, D(2) if code == "MATH" else row.coefficient, row.assessments_per_semester
        )
        for code, row in before.items()
        if code != "ART"
    ] + [CoefficientRow("INFO", D("1.5"), 1)]
    change = replace_coefficients(actor=None, year=year, level=p5, stream=None, rows=table)
    assert change.added == ["P5//INFO x1.5 (1)"]
    assert change.removed == ["P5//ART x1 (2)"]
    assert change.changed == [{"old": "P5//MATH x1 (4)", "new": "P5//MATH x2 (4)"}]
    after = {
        r.subject.code: r for r in subjects_for(year_id=year.pk, level_id=p5.pk, stream_id=None)
    }
    assert set(after) == set(before) - {"ART"} | {"INFO"}
    assert after["MATH"].coefficient == D(2)
    # other years are untouched
    assert SubjectCoefficient.objects.get(
        year=_year("2026-2027"), level=p5, stream=None, subject__code="MATH"
    ).coefficient == D(1)
    event = AuditEvent.objects.filter(action="grading.update_coefficients").get()
    assert event.data["level"] == "P5"
    assert event.data["stream"] == ""
    assert event.data["changed"] == change.changed
    # the same table again: nothing to audit
    assert not replace_coefficients(actor=None, year=year, level=p5, stream=None, rows=table)
    assert AuditEvent.objects.filter(action="grading.update_coefficients").count() == 1


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        (
            [CoefficientRow("MATH", D(0), 2)],
            "coefficients.MATH.coefficient",
            "Coefficient of MATH: 0",
        ),
        ([CoefficientRow("MATH", D("1.234"), 2)], "coefficients.MATH.coefficient", "more than two"),
        ([CoefficientRow("MATH", D(100), 2)], "coefficients.MATH.coefficient", "at most 99.99"),
        (
            [CoefficientRow("MATH", D(2), 5)],
            "coefficients.MATH.assessments_per_semester",
            "5 per semester",
        ),
        (
            [CoefficientRow("MATH", D(2), 0)],
            "coefficients.MATH.assessments_per_semester",
            "0 per semester",
        ),
        (
            [CoefficientRow("LATIN", D(2), 2)],
            "coefficients.LATIN.subject",
            "no subject with the code “LATIN”",
        ),
        (
            [CoefficientRow("MATH", D(2), 2), CoefficientRow("MATH", D(3), 2)],
            "coefficients.MATH.subject",
            "listed twice",
        ),
    ],
)
def test_replace_coefficients_refuses_a_bad_row(
    rows: list[CoefficientRow], field: str, words: str
) -> None:
    p5 = Level.objects.get(code="P5")
    with pytest.raises(GradingInvalid) as refused:
        replace_coefficients(actor=None, year=_year(), level=p5, stream=None, rows=rows)
    assert refused.value.field == field
    assert words in str(refused.value.message)
    assert SubjectCoefficient.objects.filter(year=_year(), level=p5, stream=None).count() == 8


@pytest.mark.usefixtures("shipped")
def test_a_stream_of_another_level_is_refused() -> None:
    pc = Stream.objects.get(level__code="2BAC", code="PC")
    with pytest.raises(GradingInvalid, match="PC is not a stream of the level P5"):
        replace_coefficients(
            actor=None, year=_year(), level=Level.objects.get(code="P5"), stream=pc, rows=[]
        )


# Editing an exam scheme ---------------------------------------------------------------------


def _bac(**change: object) -> SchemeValues:
    values = SchemeValues(
        level="2BAC",
        components=[("continuous", D("0.25")), ("regional", D("0.25")), ("national", D("0.50"))],
        resit_min=D(8),
        resit_keeps_best=True,
        source="Note ministérielle 2026",
    )
    return replace(values, **change)  # type: ignore[arg-type]


@pytest.mark.usefixtures("shipped")
def test_update_exam_scheme_saves_and_audits() -> None:
    year = _year()
    weights = [("continuous", D("0.30")), ("regional", D("0.20")), ("national", D("0.50"))]
    update_exam_scheme(
        actor=None, year=year, code="baccalaureat", values=_bac(components=weights, resit_min=D(9))
    )
    scheme = ExamScheme.objects.get(year=year, code="baccalaureat")
    assert scheme.weights() == {"continuous": D("0.3"), "regional": D("0.2"), "national": D("0.5")}
    assert scheme.resit_min == D(9)
    assert scheme.source == "Note ministérielle 2026"
    event = AuditEvent.objects.filter(action="grading.update_exam_scheme").get()
    assert event.data["scheme"] == "baccalaureat"
    assert event.data["changes"]["resit_min"] == {"old": "8", "new": "9"}
    assert set(event.data["changes"]) == {"components", "resit_min", "source"}


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"components": [("continuous", D("0.25")), ("national", D("0.50"))]},
            "components",
            "the weights add up to 0.75, not 1 (0.25 + 0.5)",
        ),
        ({"components": [("oral", D(1))]}, "components", "“oral” is not a component"),
        ({"components": []}, "components", "at least one component"),
        (
            {"components": [("national", D("0.5")), ("national", D("0.5"))]},
            "components.national.weight",
            "listed twice",
        ),
        ({"components": [("national", D("1.5"))]}, "components.national.weight", "at most 1"),
        ({"resit_min": D(10)}, "resit_min", "Resit minimum: 10 is not allowed"),
        ({"resit_min": D(-1)}, "resit_min", "Resit minimum: -1 is not allowed"),
        ({"level": "XX"}, "level", "no level with the code “XX”"),
        ({"source": ""}, "source", "Source: write the text"),
    ],
)
def test_update_exam_scheme_refuses_a_bad_value(
    change: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(GradingInvalid) as refused:
        update_exam_scheme(actor=None, year=_year(), code="baccalaureat", values=_bac(**change))
    assert refused.value.field == field
    assert words in str(refused.value.message)


@pytest.mark.usefixtures("shipped")
def test_an_unknown_scheme_code_is_refused() -> None:
    with pytest.raises(GradingInvalid, match="“brevet” is not an exam scheme"):
        update_exam_scheme(actor=None, year=_year(), code="brevet", values=_bac())
