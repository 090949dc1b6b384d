"""The grading rules as pure functions over Decimal: the reference implementation.

These are what a teacher or a parent can check by hand ("explain my average"), and what the
set-based computations in SQL (bulletins, exam results) must equal to the cent; a property test
compares the two on random data. Nothing here touches the database.

Order of operations, as on a Moroccan report card:
1. subject average = mean of the counted continuous-assessment marks of the semester, rounded;
   an unjustified absence counts as 0, a justified absence or an exemption is not counted
   (per the policy's `absence_rules`); no counted mark → no subject average;
2. general average = sum(subject average * coefficient) / sum(coefficients of the subjects that
   have an average), rounded;
3. year average = the semesters' general averages weighted by `semester_weights` (a semester
   without an average is left out), rounded;
4. rank in class = competition ranking on the general average (ties share a rank: 1, 2, 2, 4);
5. mention = the highest mention whose minimum the average reaches; below the pass mark, none;
6. decision proposal = promoted when the year average reaches the pass mark, else repeat.
Exam averages: sum(component * weight), rounded; a resit keeps the best mark of each subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

ZERO = Decimal(0)


@dataclass(frozen=True)
class Policy:
    """The parts of a GradingPolicy the rules need (built from the model or by a test)."""

    scale_max: Decimal = Decimal(20)
    pass_mark: Decimal = Decimal(10)
    # (code, minimum), lowest first
    mentions: tuple[tuple[str, Decimal], ...] = (
        ("passable", Decimal(10)),
        ("assez_bien", Decimal(12)),
        ("bien", Decimal(14)),
        ("tres_bien", Decimal(16)),
    )
    decimals: int = 2
    rounding: str = "half_up"
    absence_rules: Mapping[str, str] = field(
        default_factory=lambda: {"ABJ": "excluded", "ABN": "zero", "DIS": "excluded"}
    )
    semester_weights: tuple[Decimal, ...] = (Decimal(1), Decimal(1))

    @classmethod
    def from_model(cls, policy: Any) -> Policy:
        return cls(
            scale_max=Decimal(policy.scale_max),
            pass_mark=Decimal(policy.pass_mark),
            mentions=tuple(
                (str(m["code"]), Decimal(str(m["min"])))
                for m in sorted(policy.mentions, key=lambda m: Decimal(str(m["min"])))
            ),
            decimals=int(policy.decimals),
            rounding=str(policy.rounding),
            absence_rules=dict(policy.absence_rules),
            semester_weights=tuple(Decimal(str(w)) for w in policy.semester_weights),
        )

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimals)


@dataclass(frozen=True)
class MarkValue:
    """One mark as entered: a value, or an absence code in its place."""

    value: Decimal | None = None
    absence: str = ""

    def __post_init__(self) -> None:
        if (self.value is None) == (self.absence == ""):
            raise ValueError("a mark is either a value or an absence code")


def round_mark(value: Decimal, policy: Policy) -> Decimal:
    mode = ROUND_HALF_UP if policy.rounding == "half_up" else ROUND_DOWN
    return value.quantize(policy.quantum, rounding=mode)


def counted_values(marks: Iterable[MarkValue], policy: Policy) -> list[Decimal]:
    """The values that count in an average: the marks, plus 0 for each absence the policy counts
    as zero. Absence codes the policy does not name are not counted."""
    counted = []
    for mark in marks:
        if mark.value is not None:
            counted.append(mark.value)
        elif policy.absence_rules.get(mark.absence) == "zero":
            counted.append(ZERO)
    return counted


def subject_average(marks: Iterable[MarkValue], policy: Policy) -> Decimal | None:
    values = counted_values(marks, policy)
    if not values:
        return None
    return round_mark(sum(values, ZERO) / len(values), policy)


def general_average(
    lines: Iterable[tuple[Decimal | None, Decimal]], policy: Policy
) -> Decimal | None:
    """`lines` are (subject average or None, coefficient)."""
    total = ZERO
    weight = ZERO
    for average, coefficient in lines:
        if average is None:
            continue
        total += average * coefficient
        weight += coefficient
    if weight == 0:
        return None
    return round_mark(total / weight, policy)


def year_average(semesters: Sequence[Decimal | None], policy: Policy) -> Decimal | None:
    """The general averages of semester 1, 2… weighted by the policy."""
    total = ZERO
    weight = ZERO
    for average, w in zip(semesters, policy.semester_weights, strict=False):
        if average is None:
            continue
        total += average * w
        weight += w
    if weight == 0:
        return None
    return round_mark(total / weight, policy)


def mention(average: Decimal | None, policy: Policy) -> str:
    """The mention code ("" below the pass mark or without an average)."""
    if average is None or average < policy.pass_mark:
        return ""
    found = ""
    for code, minimum in policy.mentions:
        if average >= minimum:
            found = code
    return found


def ranks(averages: Mapping[Any, Decimal | None]) -> dict[Any, int | None]:
    """Competition ranking (1, 2, 2, 4) on the average, highest first; no average, no rank."""
    ordered = sorted((a for a in averages.values() if a is not None), reverse=True)
    first_position: dict[Decimal, int] = {}
    for position, average in enumerate(ordered, start=1):
        first_position.setdefault(average, position)
    return {key: (None if a is None else first_position[a]) for key, a in averages.items()}


def decision_proposal(average: Decimal | None, policy: Policy) -> str:
    """promoted / repeat, or "" when there is no average to decide on."""
    if average is None:
        return ""
    return "promoted" if average >= policy.pass_mark else "repeat"


@dataclass(frozen=True)
class ExamRules:
    """An exam scheme: component weights, the pass mark, the resit band."""

    weights: Mapping[str, Decimal]
    pass_mark: Decimal = Decimal(10)
    resit_min: Decimal | None = None
    resit_keeps_best: bool = False
    policy: Policy = field(default_factory=Policy)

    @classmethod
    def from_scheme(cls, scheme: Any, policy: Policy | None = None) -> ExamRules:
        if policy is None:
            from .models import GradingPolicy

            row = GradingPolicy.objects.filter(year_id=scheme.year_id).first()
            policy = Policy.from_model(row) if row is not None else Policy()
        return cls(
            weights=scheme.weights(),
            pass_mark=policy.pass_mark,
            resit_min=None if scheme.resit_min is None else Decimal(scheme.resit_min),
            resit_keeps_best=bool(scheme.resit_keeps_best),
            policy=policy,
        )


def exam_average(components: Mapping[str, Decimal | None], rules: ExamRules) -> Decimal | None:
    """sum(component * weight) over the scheme's components; a missing component → None (the
    candidate is incomplete, not failed)."""
    total = ZERO
    for code, weight in rules.weights.items():
        value = components.get(code)
        if value is None:
            return None
        total += value * weight
    return round_mark(total, rules.policy)


def exam_outcome(average: Decimal | None, rules: ExamRules) -> str:
    """admitted / resit / failed, or "" without an average."""
    if average is None:
        return ""
    if average >= rules.pass_mark:
        return "admitted"
    if rules.resit_min is not None and average >= rules.resit_min:
        return "resit"
    return "failed"


def best_marks(
    normal: Mapping[str, Decimal | None], resit: Mapping[str, Decimal | None]
) -> dict[str, Decimal | None]:
    """After a resit, each subject keeps the better of its two marks (a subject not resat keeps
    the normal session's mark)."""
    kept: dict[str, Decimal | None] = dict(normal)
    for subject, value in resit.items():
        before = kept.get(subject)
        if value is not None and (before is None or value > before):
            kept[subject] = value
    return kept
