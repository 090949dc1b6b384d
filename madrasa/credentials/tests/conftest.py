"""Every credentials test signs with keys in its own temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from madrasa.credentials.keys import KeyStore

ISSUER_URL = "https://madrasa.test"


@pytest.fixture(autouse=True)
def keys_dir(tmp_path: Path, settings: Any) -> Path:
    directory = tmp_path / "keys"
    settings.MADRASA_KEYS_DIR = directory
    return directory


@pytest.fixture
def store(keys_dir: Path) -> KeyStore:
    """A key store with one active key."""
    key_store = KeyStore(keys_dir)
    key_store.create(issuer_url=ISSUER_URL)
    return key_store
