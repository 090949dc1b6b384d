"""Each grading rule on a worked example, written out as a teacher would check it by hand.

The examples are the ones in docs/grading.md. The pure rules use `Policy()` (Morocco's defaults,
which `test_the_shipped_policy_is_the_one_the_examples_use` ties to data/policy.json); the exam
examples use the shipped exam schemes as loaded into a school year.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from madrasa.grading.models import ExamScheme, GradingPolicy
from madrasa.grading.rules import (
    ExamRules,
    MarkValue,
    Policy,
    best_marks,
    decision_proposal,
    exam_average,
    exam_outcome,
    general_average,
    mention,
    ranks,
    subject_average,
    year_average,
)
from madrasa.grading.services import load_grading
from madrasa.registry.services import load_structure

D = Decimal
POLICY = Policy()
TRUNCATE = Policy(rounding="down")


def m(value: str) -> MarkValue:
    return MarkValue(value=D(value))


def absent(code: str) -> MarkValue:
    return MarkValue(absence=code)


@pytest.fixture
def shipped(db: None) -> None:
    """Levels, streams, school years and the shipped grading defaults (no schools or people)."""
    load_structure(actor=None)
    load_grading(actor=None)


def scheme(code: str) -> ExamRules:
    row = ExamScheme.objects.filter(code=code).order_by("year__starts_on").first()
    assert row is not None
    rules: ExamRules = row.as_rules()
    return rules


# Subject average ----------------------------------------------------------------------------


def test_subject_average_counts_an_unjustified_absence_as_zero_and_leaves_out_abj_and_dis() -> None:
    marks = [m("14"), m("12.5"), absent("ABN"), absent("ABJ"), absent("DIS")]
    # Counted: 14 + 12.5 + 0 (ABN) = 26.5 over 3 marks (ABJ and DIS are not counted)
    # 26.5 / 3 = 8.8333… → 8.83
    assert subject_average(marks, POLICY) == D("8.83")


def test_subject_average_with_only_justified_absences_has_no_average() -> None:
    # Nothing counts: no subject average (not 0), the subject is left out of the general average.
    assert subject_average([absent("ABJ"), absent("DIS")], POLICY) is None
    assert subject_average([], POLICY) is None


def test_subject_average_rounds_half_up() -> None:
    # (12.34 + 12.35) / 2 = 24.69 / 2 = 12.345 → the third decimal is 5: up to 12.35
    assert subject_average([m("12.34"), m("12.35")], POLICY) == D("12.35")
    # (13.01 + 13.00) / 2 = 13.005 → 13.01
    assert subject_average([m("13.01"), m("13.00")], POLICY) == D("13.01")
    # (10 + 11 + 12.04) / 3 = 33.04 / 3 = 11.01333… → 11.01 (below 5: down)
    assert subject_average([m("10"), m("11"), m("12.04")], POLICY) == D("11.01")


def test_subject_average_in_truncate_mode_drops_the_extra_decimals() -> None:
    # 12.345 truncated → 12.34 (half up would give 12.35)
    assert subject_average([m("12.34"), m("12.35")], TRUNCATE) == D("12.34")
    # (15 + 15 + 14.99) / 3 = 44.99 / 3 = 14.99666… → truncated 14.99 (half up: 15.00)
    assert subject_average([m("15"), m("15"), m("14.99")], TRUNCATE) == D("14.99")
    assert subject_average([m("15"), m("15"), m("14.99")], POLICY) == D("15.00")


def test_the_absence_treatment_comes_from_the_policy() -> None:
    strict = Policy(absence_rules={"ABJ": "zero", "ABN": "zero", "DIS": "excluded"})
    # With ABJ counted as zero: (16 + 0) / 2 = 8.00; with the default ABJ left out: 16 / 1 = 16
    assert subject_average([m("16"), absent("ABJ")], strict) == D("8.00")
    assert subject_average([m("16"), absent("ABJ")], POLICY) == D("16.00")


# General average ----------------------------------------------------------------------------


def test_general_average_weights_each_subject_by_its_coefficient() -> None:
    lines = [(D("12.00"), D(3)), (D("8.50"), D(2)), (D("15.25"), D(4))]
    # 12.00 * 3 = 36.00; 8.50 * 2 = 17.00; 15.25 * 4 = 61.00; sum = 114.00
    # coefficients 3 + 2 + 4 = 9; 114 / 9 = 12.6666… → 12.67
    assert general_average(lines, POLICY) == D("12.67")


def test_a_subject_without_marks_is_left_out_of_the_weights() -> None:
    lines = [(D("12.00"), D(3)), (D("8.50"), D(2)), (D("15.25"), D(4)), (None, D(5))]
    # The subject with coefficient 5 has no average: 114 / 9 = 12.67 as above
    # (counting it as 0 would give 114 / 14 = 8.14)
    assert general_average(lines, POLICY) == D("12.67")
    assert general_average([(None, D(2))], POLICY) is None


# Year average -------------------------------------------------------------------------------


def test_year_average_from_two_semesters() -> None:
    # (11.25 * 1 + 12.50 * 1) / (1 + 1) = 23.75 / 2 = 11.875 → 11.88
    assert year_average([D("11.25"), D("12.50")], POLICY) == D("11.88")
    # With weights 1 and 2: (11.25 + 25.00) / 3 = 36.25 / 3 = 12.0833… → 12.08
    weighted = Policy(semester_weights=(D(1), D(2)))
    assert year_average([D("11.25"), D("12.50")], weighted) == D("12.08")


def test_year_average_with_one_semester_missing_is_the_other_semester() -> None:
    # Semester 1 has no average: 12.50 * 1 / 1 = 12.50
    assert year_average([None, D("12.50")], POLICY) == D("12.50")
    assert year_average([D("9.75"), None], POLICY) == D("9.75")
    assert year_average([None, None], POLICY) is None


# Mentions, ranks, decision ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("average", "expected"),
    [
        ("9.99", ""),  # below the pass mark: no mention
        ("10", "passable"),
        ("11.99", "passable"),
        ("12", "assez_bien"),
        ("13.99", "assez_bien"),
        ("14", "bien"),
        ("15.99", "bien"),
        ("16", "tres_bien"),
        ("20", "tres_bien"),
    ],
)
def test_mention_boundaries(average: str, expected: str) -> None:
    # A mention applies from its minimum included: 12.00 is assez bien, 11.99 still passable.
    assert mention(D(average), POLICY) == expected


def test_no_average_no_mention() -> None:
    assert mention(None, POLICY) == ""


def test_ranks_share_a_rank_on_ties_and_skip_the_next() -> None:
    averages = {"amina": D("15.00"), "badr": D("12.50"), "chaima": D("12.50"), "driss": D("11")}
    # 15.00 first; 12.50 twice → both 2nd; the next is 4th (two pupils are ahead of 3rd place)
    assert ranks(averages) == {"amina": 1, "badr": 2, "chaima": 2, "driss": 4}
    assert ranks({"amina": D("15"), "elias": None}) == {"amina": 1, "elias": None}


def test_decision_proposal_at_the_pass_mark() -> None:
    assert decision_proposal(D("10.00"), POLICY) == "promoted"  # 10.00 ≥ 10: promoted
    assert decision_proposal(D("9.99"), POLICY) == "repeat"
    assert decision_proposal(None, POLICY) == ""  # no average: no proposal


# Certificate exams --------------------------------------------------------------------------


@pytest.mark.usefixtures("shipped")
def test_college_certificate_is_30_30_40() -> None:
    rules = scheme("college_certificate")
    assert rules.weights == {"continuous": D("0.30"), "local": D("0.30"), "regional": D("0.40")}
    # 12 * 0.30 + 14 * 0.30 + 9 * 0.40 = 3.60 + 4.20 + 3.60 = 11.40
    average = exam_average({"continuous": D(12), "local": D(14), "regional": D(9)}, rules)
    assert average == D("11.40")
    assert exam_outcome(average, rules) == "admitted"
    # No resit for the collège certificate: 9.99 fails
    assert rules.resit_min is None
    assert exam_outcome(D("9.99"), rules) == "failed"


@pytest.mark.usefixtures("shipped")
def test_baccalaureat_is_25_25_50() -> None:
    rules = scheme("baccalaureat")
    assert rules.weights == {"continuous": D("0.25"), "regional": D("0.25"), "national": D("0.50")}
    # 15 * 0.25 + 11 * 0.25 + 8.5 * 0.50 = 3.75 + 2.75 + 4.25 = 10.75
    components = {"continuous": D(15), "regional": D(11), "national": D("8.5")}
    assert exam_average(components, rules) == D("10.75")


@pytest.mark.usefixtures("shipped")
def test_free_candidates_are_50_50() -> None:
    rules = scheme("baccalaureat_free")
    assert rules.weights == {"regional": D("0.50"), "national": D("0.50")}
    # 9.5 * 0.50 + 10.25 * 0.50 = 4.75 + 5.125 = 9.875 → 9.88: below 10 but ≥ 8 → resit
    average = exam_average({"regional": D("9.5"), "national": D("10.25")}, rules)
    assert average == D("9.88")
    assert exam_outcome(average, rules) == "resit"


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize(
    ("average", "outcome"),
    [("7.99", "failed"), ("8", "resit"), ("9.99", "resit"), ("10", "admitted"), ("15", "admitted")],
)
def test_the_resit_band(average: str, outcome: str) -> None:
    # Baccalauréat: below 8 → failed; from 8 to 9.99 → resit; from 10 → admitted
    assert exam_outcome(D(average), scheme("baccalaureat")) == outcome


@pytest.mark.usefixtures("shipped")
def test_after_the_resit_each_subject_keeps_its_best_mark() -> None:
    assert scheme("baccalaureat").resit_keeps_best
    normal = {"AR": D("8"), "MATH": D("6.5"), "PC": D("9")}
    resit = {"MATH": D("11"), "PC": D("7")}
    # AR not resat: 8; MATH 11 > 6.5: 11; PC 7 < 9: 9 stays
    assert best_marks(normal, resit) == {"AR": D("8"), "MATH": D("11"), "PC": D("9")}


@pytest.mark.usefixtures("shipped")
def test_a_missing_component_gives_no_average() -> None:
    rules = scheme("baccalaureat")
    # No national exam mark: the candidate is incomplete, not failed
    average = exam_average({"continuous": D(15), "regional": D(11), "national": None}, rules)
    assert average is None
    assert exam_average({"continuous": D(15), "regional": D(11)}, rules) is None
    assert exam_outcome(average, rules) == ""


@pytest.mark.usefixtures("shipped")
def test_the_shipped_policy_is_the_one_the_examples_use() -> None:
    for policy in GradingPolicy.objects.all():
        assert Policy.from_model(policy) == POLICY
