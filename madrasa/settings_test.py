"""Test settings: the development settings plus fast hashing and an isolated database.

`MADRASA_TEST_DB=postgres` runs the suite on PostgreSQL (`MADRASA_TEST_POSTGRES_URL`, default
`postgresql://postgres@127.0.0.1:5432/postgres`); otherwise on SQLite. Each run uses a database
with a unique name, which the test runner creates and drops.
"""

from __future__ import annotations

import os
import uuid

import dj_database_url

from .settings import *  # noqa: F403
from .settings import VAR_DIR

_run = os.environ.get("MADRASA_TEST_RUN_ID") or uuid.uuid4().hex[:10]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if os.environ.get("MADRASA_TEST_DB", "sqlite") == "postgres":
    _url = os.environ.get(
        "MADRASA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    _db = dict(dj_database_url.parse(_url))
    _db["OPTIONS"] = {"connect_timeout": 5}
    _db["TEST"] = {"NAME": f"test_madrasa_{_run}"}
    DATABASES = {"default": _db}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "test.sqlite3"),
            "OPTIONS": {"timeout": 20},
            # In-memory: created and dropped by every run (and every xdist worker).
            "TEST": {"NAME": None},
        }
    }

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Background tasks run at once, inside the test, with the same services.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
