"""T2: deployment settings, security headers, and no inline script or style."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from conftest import World
from madrasa.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "MADRASA_ENV": "production",
    "MADRASA_SECRET_KEY": "t2-" + "k3y-" * 20,
    "MADRASA_ALLOWED_HOSTS": "madrasa.example.ma",
    "DATABASE_URL": "sqlite:////tmp/madrasa-t2.sqlite3",
}


def _madrasa(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MADRASA_", "DATABASE_URL"))}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "madrasa.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_has_no_warning_in_production() -> None:
    result = _madrasa("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_are_strict() -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_AGE, s.MADRASA_IDLE_TIMEOUT_SECONDS,"
        " s.PASSWORD_HASHERS[0].rsplit('.',1)[1], s.MADRASA_REQUIRE_MFA, s.SESSION_COOKIE_SECURE)"
    )
    result = _madrasa("shell", "-c", code, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    debug, age, idle, hasher, mfa, secure = result.stdout.strip().splitlines()[-1].split()
    assert debug == "False"
    assert int(age) <= 28800
    assert int(idle) <= 1800
    assert hasher == "Argon2PasswordHasher"
    assert mfa == "True"
    assert secure == "True"


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "MADRASA_SECRET_KEY"}
    result = _madrasa("check", env=env)
    assert result.returncode == 2
    assert "MADRASA_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://root@localhost/madrasa", "must start with postgresql://"),
        ("postgresql://postgres@127.0.0.1:5432", "names no database"),
        ("nonsense", "must start with postgresql://"),
    ],
)
def test_a_bad_database_url_stops_with_one_clear_line(url: str, expected: str) -> None:
    result = _madrasa("check", env={"DATABASE_URL": url})
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_stops_with_one_clear_line() -> None:
    result = _madrasa("migrate", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/madrasa"})
    assert result.returncode == 3
    assert result.stderr.startswith("madrasa: database unavailable:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_sessions_and_hashing_defaults() -> None:
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.MADRASA_IDLE_TIMEOUT_SECONDS <= 30 * 60
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/territory/", "/audit/", "/nowhere/"])
def test_every_page_carries_a_strict_content_security_policy(world: World, path: str) -> None:
    response = world.client(Role.MINISTRY).get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_hold_no_inline_script_or_style() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    inline_style = re.compile(r"<style\b|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)
    offenders = []
    for template in (ROOT / "madrasa").rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if inline_script.search(text) or inline_style.search(text):
            offenders.append(str(template.relative_to(ROOT)))
    assert not offenders


def test_every_security_noqa_carries_a_reason() -> None:
    bare = re.compile(r"#\s*noqa:\s*S\d+\s*$")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in list((ROOT / "madrasa").rglob("*.py")) + list((ROOT / "tests").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if bare.search(line)
    ]
    assert not offenders
