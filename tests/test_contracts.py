"""Committed contracts: the OpenAPI document, PII declarations, translation catalogues."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.apps import apps
from django.test import Client

from madrasa.api import api

ROOT = Path(__file__).resolve().parents[1]
OPENAPI_FILE = ROOT / "openapi" / "madrasa-v1.json"


def test_the_committed_openapi_document_matches_the_code() -> None:
    committed = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    current = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
    assert current == committed, "the API changed: run `make openapi` and commit the result"


@pytest.mark.django_db
def test_the_served_openapi_document_is_the_committed_one() -> None:
    served = Client().get("/api/v1/openapi.json").json()
    assert served == json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def test_operation_ids_follow_the_naming_rule() -> None:
    document = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    ids = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert ids
    for operation_id in ids:
        assert re.fullmatch(
            r"[a-z]+_(get|list|create|update|archive|record|publish|issue|revoke)_[a-z_]+",
            operation_id,
        )


PII_LINE = re.compile(r"PII: (none|[^;]+; retention: .+)", re.IGNORECASE)


def test_every_madrasa_model_declares_its_personal_data() -> None:
    missing = [
        model.__name__
        for model in apps.get_models()
        if model.__module__.startswith("madrasa.")
        and not PII_LINE.search(" ".join((model.__doc__ or "").split()))
    ]
    assert not missing, f"add 'PII: none' or 'PII: <types>; retention: <policy>' to {missing}"


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_translation_catalogue_is_complete(lang: str) -> None:
    path = ROOT / "madrasa" / "locale" / lang / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    untranslated = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}")
    for m in catalog:
        if m.id and isinstance(m.id, str) and isinstance(m.string, str):
            assert sorted(placeholder.findall(m.id)) == sorted(placeholder.findall(m.string)), m.id
