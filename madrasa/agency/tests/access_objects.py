"""Object kinds of the agency routes for tests/security/test_access_matrix.py."""

from __future__ import annotations

from typing import Any

BUILDERS: dict[str, Any] = {
    # The health API names a pupil by national code.
    "national_code": lambda world, own: (
        (world.student if own else world.other_student).national_code
    ),
}
