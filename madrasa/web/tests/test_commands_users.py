"""`madrasa users`: operators create accounts and give scoped roles from the command line."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from conftest import World
from madrasa.accounts.models import RoleAssignment, User
from madrasa.core.models import AuditEvent


def test_an_operator_creates_a_director_who_can_sign_in(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEW_PASSWORD", "une-phrase-assez-longue")
    call_command("users", "create", "dir.farabi", "--password-env", "NEW_PASSWORD")
    call_command("users", "assign", "dir.farabi", "director", "--school", "T0002")
    assignment = RoleAssignment.objects.get(user__username="dir.farabi")
    assert assignment.school == world.other_school
    assert AuditEvent.objects.filter(action="role.assign", object_id=str(assignment.user.uuid))
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "dir.farabi", "password": "une-phrase-assez-longue"}
    )
    assert response.status_code == 302
    assert client.get(f"/schools/{world.other_school.uuid}/").status_code == 200
    assert client.get(f"/schools/{world.school.uuid}/").status_code == 404


def test_a_wrong_scope_is_refused_with_a_clear_message(world: World) -> None:
    with translation.override("en"):
        with pytest.raises(CommandError, match="needs a scope"):
            call_command("users", "assign", "teacher.user", "director", "--region", "04")
        with pytest.raises(CommandError, match="no school with code 'NOPE'"):
            call_command("users", "assign", "teacher.user", "director", "--school", "NOPE")


def test_a_weak_password_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEW_PASSWORD", "password")
    with pytest.raises(CommandError):
        call_command("users", "create", "weak.one", "--password-env", "NEW_PASSWORD")
    assert not User.objects.filter(username="weak.one").exists()


def test_revoke_and_disable(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("users", "revoke", "academy.user", "academy", "--region", "04")
    assert not RoleAssignment.objects.get(user__username="academy.user").is_active
    call_command("users", "disable", "pupil.user")
    assert not User.objects.get(username="pupil.user").is_active
    call_command("users", "list")
    out = capsys.readouterr().out
    assert "pupil.user (disabled)" in out
