"""Pure rules of the agency API: the shape of identifiers (no ORM, no request)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["BATCH_LIMIT", "Identifier", "IdentifierProblem", "parse_identifier"]

BATCH_LIMIT = 10_000
# A Moroccan national identity card number (CNIE): one or two letters, then digits.
GUARDIAN_ID = re.compile(r"^[A-Z]{1,2}\d{1,7}$")


@dataclass(frozen=True)
class Identifier:
    """A pupil named by national code, or by a guardian's ID and the child's birth date."""

    national_code: str = ""
    guardian_national_id: str = ""
    birth_date: date | None = None


@dataclass(frozen=True)
class IdentifierProblem:
    index: int
    problem: str  # machine code


def parse_identifier(
    index: int,
    *,
    national_code: str | None,
    guardian_national_id: str | None,
    birth_date: str | None,
    code_digits: int,
) -> Identifier | IdentifierProblem:
    code = (national_code or "").strip().upper()
    guardian = (guardian_national_id or "").strip().upper()
    born = (birth_date or "").strip()
    if code and (guardian or born):
        return IdentifierProblem(index, "two_kinds_of_identifier")
    if code:
        if not re.fullmatch(rf"[A-Z]\d{{{code_digits}}}", code):
            return IdentifierProblem(index, "malformed_national_code")
        return Identifier(national_code=code)
    if not guardian and not born:
        return IdentifierProblem(index, "empty_identifier")
    if not GUARDIAN_ID.match(guardian):
        return IdentifierProblem(index, "malformed_guardian_national_id")
    try:
        day = date.fromisoformat(born)
    except ValueError:
        return IdentifierProblem(index, "malformed_birth_date")
    if len(born) != 10:
        return IdentifierProblem(index, "malformed_birth_date")
    return Identifier(guardian_national_id=guardian, birth_date=day)
