"""Where the shared standards corpus lives (read by the tests, never copied into the app)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

STANDARDS = Path(__file__).resolve().parents[4] / "shared" / "standards"
VECTORS = STANDARDS / "w3c-vc-di-eddsa" / "TestVectors"
OB_CASES = STANDARDS / "openbadges-3.0" / "validator-cases"
CLR_CASES = STANDARDS / "clr-2.0" / "validator-cases"
# The W3C examples context the test vector names; not shipped with Madrasa (SOURCES.md gives it).
EXAMPLES_CONTEXT = {
    "https://www.w3.org/ns/credentials/examples/v2": {
        "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
    }
}

needs_standards = pytest.mark.skipif(
    not STANDARDS.is_dir(), reason="the shared standards corpus is not next to the project"
)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")
