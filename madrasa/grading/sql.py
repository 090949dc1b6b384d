"""The grading policy as the integers and SQL fragments that the set-based computations need
(bulletins, exam results). Averages are computed in whole units of 10^-decimals so that
rounding is exact on every engine; `rules.py` is the reference they must equal.

Only integers and checked codes are formatted into SQL here; values are bound by the callers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from .rules import Policy

__all__ = ["MAX_DECIMALS", "PolicySql", "decimal_places", "sql_literal", "units_at_least"]

# Averages are stored with two decimals.
MAX_DECIMALS = 2
_CODE = re.compile(r"^[A-Za-z_]{1,20}$")
_P = TypeVar("_P", bound="PolicySql")


def sql_literal(code: str) -> str:
    """A policy or scheme code (mention, absence, component) as an SQL string literal."""
    if not _CODE.match(code):
        raise ValueError(f"unexpected code in the grading policy: {code!r}")
    return f"'{code}'"


def units_at_least(value: Decimal, scale: int) -> int:
    """The smallest whole number of 1/scale units that is >= value (for `>=` tests on units)."""
    return math.ceil(value * scale)


def decimal_places(value: Decimal) -> int:
    return max(0, -int(value.as_tuple().exponent))


@dataclass(frozen=True)
class PolicySql:
    """What every computation takes from the policy: the unit scale, the rounding, the absence
    codes that count as zero, the pass mark and the mentions (in units, lowest first)."""

    scale: int
    half_up: bool
    zero_codes: tuple[str, ...]
    pass_units: int
    mentions: tuple[tuple[str, int], ...]

    @classmethod
    def for_policy(cls: type[_P], policy: Policy, **extra: Any) -> _P:
        """The fields above for a policy, plus a subclass's own `extra` fields; refused beyond
        MAX_DECIMALS (the storage limit)."""
        if policy.decimals > MAX_DECIMALS:
            raise ValueError("averages are stored with at most two decimals")
        scale = 10**policy.decimals
        return cls(
            scale=scale,
            half_up=policy.rounding == "half_up",
            zero_codes=tuple(
                sorted(code for code, rule in policy.absence_rules.items() if rule == "zero")
            ),
            pass_units=units_at_least(policy.pass_mark, scale),
            mentions=tuple(
                (code, units_at_least(minimum, scale)) for code, minimum in policy.mentions
            ),
            **extra,
        )

    def divide(self, numerator: str, denominator: str) -> str:
        """SQL for numerator / denominator rounded by the policy (both non-negative integers)."""
        if self.half_up:
            return f"((2 * ({numerator}) + ({denominator})) / (2 * ({denominator})))"
        return f"(({numerator}) / ({denominator}))"

    def zero_condition(self, column: str) -> str:
        if not self.zero_codes:
            return "1 = 0"
        return f"{column} IN ({', '.join(sql_literal(c) for c in self.zero_codes)})"

    def mention_case(self, units: str) -> str:
        whens = " ".join(
            f"WHEN {units} >= {minimum} THEN {sql_literal(code)}"
            for code, minimum in reversed(self.mentions)
        )
        return (
            f"CASE WHEN {units} IS NULL OR {units} < {self.pass_units} THEN '' {whens} ELSE '' END"
        )
