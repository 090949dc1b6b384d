"""Checks of the values the ministry sets for a school year's grading, before anything is written.

Each refusal is a `GradingInvalid` naming the field (`field`, a dotted path such as
`"pass_mark"`, `"mentions.2.min"`, `"coefficients.MATH.coefficient"`,
`"components.national.weight"`), the value and why, in a translated message, so a page can show
it next to the field and the API can return it as it is. Pure: no database access.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from madrasa.core.errors import InvalidInput

from .models import AbsenceCode, AbsenceTreatment, ExamScheme, GradingPolicy

__all__ = [
    "COMPONENT_CODES",
    "MENTION_CODE",
    "CoefficientRow",
    "GradingInvalid",
    "PolicyValues",
    "SchemeValues",
    "check_coefficients",
    "check_policy",
    "check_scheme",
    "decimal_text",
]

MENTION_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
COMPONENT_CODES = ("continuous", "local", "regional", "national")
SCALE_LIMIT = Decimal(100)
WEIGHT_LIMIT = Decimal(10)
COEFFICIENT_LIMIT = Decimal("99.99")
SOURCE_MAX = 500


class GradingInvalid(InvalidInput):
    """A grading value refused; `field` says which one (a dotted path)."""

    def __init__(self, message: str, *, field: str, code: str = "invalid_grading") -> None:
        super().__init__(message, code=code)
        self.field = field


def decimal_text(value: Decimal) -> str:
    """A decimal as stored in the policy's JSON: no exponent, no useless zeros ("10", "0.25")."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass(frozen=True)
class PolicyValues:
    """What the ministry sets in a year's grading policy."""

    scale_max: Decimal
    pass_mark: Decimal
    mentions: Sequence[tuple[str, Decimal]]
    decimals: int
    rounding: str
    absence_rules: Mapping[str, str]
    semester_weights: Sequence[Decimal]
    source: str

    @classmethod
    def from_model(cls, policy: GradingPolicy) -> PolicyValues:
        return cls(
            scale_max=Decimal(policy.scale_max),
            pass_mark=Decimal(policy.pass_mark),
            mentions=[(str(m["code"]), Decimal(str(m["min"]))) for m in policy.mentions],
            decimals=int(policy.decimals),
            rounding=str(policy.rounding),
            absence_rules=dict(policy.absence_rules),
            semester_weights=[Decimal(str(w)) for w in policy.semester_weights],
            source=policy.source,
        )


@dataclass(frozen=True)
class CoefficientRow:
    """One subject of a level (or stream): its coefficient and contrôles per semester."""

    subject: str
    coefficient: Decimal
    assessments_per_semester: int


@dataclass(frozen=True)
class SchemeValues:
    """An exam scheme as the ministry sets it."""

    level: str
    components: Sequence[tuple[str, Decimal]]
    resit_min: Decimal | None
    resit_keeps_best: bool
    source: str


def _check_source(source: str, field: str = "source") -> None:
    if not source.strip():
        raise GradingInvalid(
            _("Source: write the text these values come from (the ministerial note or decree)."),
            field=field,
        )
    if len(source) > SOURCE_MAX:
        raise GradingInvalid(
            _("Source: %(length)s characters is too long; at most %(max)s.")
            % {"length": len(source), "max": SOURCE_MAX},
            field=field,
        )


def _check_two_places(value: Decimal, *, field: str, label: str) -> None:
    if _places(value) > 2:
        raise GradingInvalid(
            _("%(label)s: %(value)s has more than two decimal places.")
            % {"label": label, "value": decimal_text(value)},
            field=field,
        )


def check_policy(
    values: PolicyValues, *, semesters: int, resit_mins: Mapping[str, Decimal]
) -> None:
    """Refuse a policy that cannot be applied. `semesters` is the year's number of semesters;
    `resit_mins` the resit minimums of the year's exam schemes, which must stay below the pass
    mark."""
    scale, pass_mark = values.scale_max, values.pass_mark
    _check_two_places(scale, field="scale_max", label=_("Top of the scale"))
    if not 0 < scale <= SCALE_LIMIT:
        raise GradingInvalid(
            _("Top of the scale: %(value)s is not allowed; it must be more than 0 and at most 100.")
            % {"value": decimal_text(scale)},
            field="scale_max",
        )
    _check_two_places(pass_mark, field="pass_mark", label=_("Pass mark"))
    if not 0 < pass_mark <= scale:
        raise GradingInvalid(
            _(
                "Pass mark: %(value)s is outside the scale; it must be more than 0 and at most "
                "the top of the scale (%(max)s)."
            )
            % {"value": decimal_text(pass_mark), "max": decimal_text(scale)},
            field="pass_mark",
        )
    if values.rounding not in GradingPolicy.Rounding.values:
        raise GradingInvalid(
            _("Rounding: “%(value)s” is not a rounding rule; choose half up or truncate.")
            % {"value": values.rounding},
            field="rounding",
        )
    if not 0 <= values.decimals <= 4:
        raise GradingInvalid(
            _("Decimal places: %(value)s is not allowed; averages keep 0 to 4 decimal places.")
            % {"value": values.decimals},
            field="decimals",
        )
    _check_mentions(values)
    _check_absences(values.absence_rules)
    _check_semester_weights(values.semester_weights, semesters)
    _check_source(values.source)
    for scheme_code, resit_min in sorted(resit_mins.items()):
        if resit_min >= pass_mark:
            raise GradingInvalid(
                _(
                    "Pass mark: %(value)s would not be above the resit minimum %(resit)s of the "
                    "exam scheme “%(scheme)s”; lower that resit minimum first."
                )
                % {
                    "value": decimal_text(pass_mark),
                    "resit": decimal_text(resit_min),
                    "scheme": scheme_label(scheme_code),
                },
                field="pass_mark",
            )


def _check_mentions(values: PolicyValues) -> None:
    seen: set[str] = set()
    previous: Decimal | None = None
    for position, (code, minimum) in enumerate(values.mentions, start=1):
        if not MENTION_CODE.match(code):
            raise GradingInvalid(
                _(
                    "Mention %(n)s: the code “%(code)s” is not valid; use small letters, digits "
                    "and _ (for example assez_bien)."
                )
                % {"n": position, "code": code},
                field=f"mentions.{position}.code",
            )
        if code in seen:
            raise GradingInvalid(
                _("Mention %(n)s: the code “%(code)s” is already used by another mention.")
                % {"n": position, "code": code},
                field=f"mentions.{position}.code",
            )
        seen.add(code)
        field = f"mentions.{position}.min"
        _check_two_places(minimum, field=field, label=_("Mention %(n)s") % {"n": position})
        if minimum < values.pass_mark or minimum > values.scale_max:
            raise GradingInvalid(
                _(
                    "Mention %(n)s (%(code)s): the minimum %(value)s is outside the marks that "
                    "pass; it must be between the pass mark (%(pass)s) and the top of the scale "
                    "(%(max)s)."
                )
                % {
                    "n": position,
                    "code": code,
                    "value": decimal_text(minimum),
                    "pass": decimal_text(values.pass_mark),
                    "max": decimal_text(values.scale_max),
                },
                field=field,
            )
        if previous is not None and minimum <= previous:
            raise GradingInvalid(
                _(
                    "Mention %(n)s (%(code)s): the minimum %(value)s must be higher than the "
                    "previous mention's (%(previous)s); list the mentions from the lowest up."
                )
                % {
                    "n": position,
                    "code": code,
                    "value": decimal_text(minimum),
                    "previous": decimal_text(previous),
                },
                field=field,
            )
        previous = minimum


def _check_absences(rules: Mapping[str, str]) -> None:
    for code in sorted(set(rules) - set(AbsenceCode.values)):
        raise GradingInvalid(
            _("Absences: “%(code)s” is not an absence code; the codes are %(codes)s.")
            % {"code": code, "codes": ", ".join(AbsenceCode.values)},
            field=f"absence_rules.{code}",
        )
    for code in AbsenceCode.values:
        treatment = rules.get(code)
        if treatment not in AbsenceTreatment.values:
            raise GradingInvalid(
                _(
                    "Absences: the code %(code)s has no valid treatment (“%(value)s”); choose "
                    "“counts as zero” or “not counted”."
                )
                % {"code": code, "value": treatment or ""},
                field=f"absence_rules.{code}",
            )


def _check_semester_weights(weights: Sequence[Decimal], semesters: int) -> None:
    if len(weights) != semesters:
        raise GradingInvalid(
            _("Semester weights: %(given)s weights given, but the year has %(count)s semesters.")
            % {"given": len(weights), "count": semesters},
            field="semester_weights",
        )
    for number, weight in enumerate(weights, start=1):
        field = f"semester_weights.{number}"
        label = _("Weight of semester %(n)s") % {"n": number}
        _check_two_places(weight, field=field, label=label)
        if not 0 <= weight <= WEIGHT_LIMIT:
            raise GradingInvalid(
                _("%(label)s: %(value)s is not allowed; a weight is between 0 and 10.")
                % {"label": label, "value": decimal_text(weight)},
                field=field,
            )
    if weights and not any(weights):
        raise GradingInvalid(
            _("Semester weights: they are all 0, so no year average could be computed."),
            field="semester_weights.1",
        )


def check_coefficients(rows: Sequence[CoefficientRow], *, subject_codes: set[str]) -> None:
    """Refuse a coefficient table (one level or stream) that cannot be applied."""
    seen: set[str] = set()
    for row in rows:
        if row.subject not in subject_codes:
            raise GradingInvalid(
                _("Subject: there is no subject with the code “%(code)s”.") % {"code": row.subject},
                field=f"coefficients.{row.subject}.subject",
            )
        if row.subject in seen:
            raise GradingInvalid(
                _("Subject %(code)s: it is listed twice; a subject has one coefficient per level.")
                % {"code": row.subject},
                field=f"coefficients.{row.subject}.subject",
            )
        seen.add(row.subject)
        field = f"coefficients.{row.subject}.coefficient"
        label = _("Coefficient of %(code)s") % {"code": row.subject}
        _check_two_places(row.coefficient, field=field, label=label)
        if not 0 < row.coefficient <= COEFFICIENT_LIMIT:
            raise GradingInvalid(
                _(
                    "%(label)s: %(value)s is not allowed; a coefficient is more than 0 and at "
                    "most 99.99 (to leave a subject out of the average, remove its row)."
                )
                % {"label": label, "value": decimal_text(row.coefficient)},
                field=field,
            )
        if not 1 <= row.assessments_per_semester <= 4:
            raise GradingInvalid(
                _(
                    "Contrôles of %(code)s: %(value)s per semester is not allowed; there are 1 "
                    "to 4 continuous assessments per semester."
                )
                % {"code": row.subject, "value": row.assessments_per_semester},
                field=f"coefficients.{row.subject}.assessments_per_semester",
            )


def scheme_label(code: str) -> str:
    choices = dict(ExamScheme.Code.choices)
    return str(choices.get(code, code))


def check_scheme(
    code: str, values: SchemeValues, *, pass_mark: Decimal, level_codes: set[str]
) -> None:
    """Refuse an exam scheme that cannot be applied with the year's pass mark."""
    if code not in ExamScheme.Code.values:
        raise GradingInvalid(
            _("Exam: “%(code)s” is not an exam scheme; the schemes are %(codes)s.")
            % {"code": code, "codes": ", ".join(ExamScheme.Code.values)},
            field="code",
        )
    if values.level not in level_codes:
        raise GradingInvalid(
            _("Level: there is no level with the code “%(code)s”.") % {"code": values.level},
            field="level",
        )
    if not values.components:
        raise GradingInvalid(
            _("Components: give at least one component with its weight."),
            field="components",
        )
    seen: set[str] = set()
    for component, weight in values.components:
        field = f"components.{component}.weight"
        if component not in COMPONENT_CODES:
            raise GradingInvalid(
                _("Components: “%(code)s” is not a component; the components are %(codes)s.")
                % {"code": component, "codes": ", ".join(COMPONENT_CODES)},
                field="components",
            )
        if component in seen:
            raise GradingInvalid(
                _("Components: %(code)s is listed twice.") % {"code": component},
                field=field,
            )
        seen.add(component)
        if not 0 < weight <= 1:
            raise GradingInvalid(
                _(
                    "Weight of %(code)s: %(value)s is not allowed; a weight is more than 0 and "
                    "at most 1."
                )
                % {"code": component, "value": decimal_text(weight)},
                field=field,
            )
        if _places(weight) > 4:
            raise GradingInvalid(
                _("Weight of %(code)s: %(value)s has more than four decimal places.")
                % {"code": component, "value": decimal_text(weight)},
                field=field,
            )
    total = sum((weight for _code, weight in values.components), Decimal(0))
    if total != 1:
        raise GradingInvalid(
            _(
                "Components: the weights add up to %(total)s, not 1 (%(list)s); the final "
                "average is the weighted sum of the components, so the weights must make 1."
            )
            % {
                "total": decimal_text(total),
                "list": " + ".join(decimal_text(w) for _c, w in values.components),
            },
            field="components",
        )
    if values.resit_min is not None:
        _check_two_places(values.resit_min, field="resit_min", label=_("Resit minimum"))
        if not 0 <= values.resit_min < pass_mark:
            raise GradingInvalid(
                _(
                    "Resit minimum: %(value)s is not allowed; the resit is open from this mark "
                    "up to just below the pass mark (%(pass)s), so it must be at least 0 and "
                    "below the pass mark."
                )
                % {"value": decimal_text(values.resit_min), "pass": decimal_text(pass_mark)},
                field="resit_min",
            )
    _check_source(values.source)
