"""The audit log: append-only, hash-chained, and `madrasa audit verify` finds tampering."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from madrasa.core.audit import GENESIS_HASH, record_event, verify_chain
from madrasa.core.models import AppendOnlyError, AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    return [
        record_event(
            actor=None, action="test.event", object_type="thing", object_id=i, data={"i": i}
        )
        for i in range(n)
    ]


def _raw(sql: str, params: list[str | int]) -> None:
    """Tamper as an attacker with database access would (bypassing the trigger on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")


def test_it_chains_each_entry_to_the_previous_one() -> None:
    first, second, third = _events(3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.row_hash
    assert third.prev_hash == second.row_hash
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    head = AuditChainHead.objects.get(id=1)
    assert (head.seq, head.row_hash) == (3, third.row_hash)
    assert verify_chain().ok


def test_it_detects_a_changed_entry() -> None:
    _events(5)
    _raw("UPDATE core_auditevent SET actor_username = %s WHERE seq = %s", ["mallory", 3])
    report = verify_chain()
    assert [p.seq for p in report.problems] == [3]
    assert "changed" in report.problems[0].problem


def test_it_detects_a_deleted_entry_in_the_middle() -> None:
    _events(5)
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [2])
    report = verify_chain()
    assert not report.ok
    assert report.problems[0].seq == 3


def test_it_detects_a_deleted_tail() -> None:
    _events(4)
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [4])
    report = verify_chain()
    assert not report.ok
    assert "deleted" in report.problems[-1].problem


def test_the_model_refuses_changes_and_deletion() -> None:
    (event,) = _events(1)
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.postgres_only
def test_postgresql_refuses_update_and_delete_even_in_raw_sql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL trigger")
    _events(2)
    for sql in (
        "UPDATE core_auditevent SET action = 'x' WHERE seq = 1",
        "DELETE FROM core_auditevent WHERE seq = 1",
        "TRUNCATE core_auditevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == 2


def test_the_command_reports_intact_and_tampered_logs(capsys: pytest.CaptureFixture[str]) -> None:
    _events(3)
    call_command("audit", "verify")
    assert "3 entries verified" in capsys.readouterr().out
    _raw("UPDATE core_auditevent SET object_id = %s WHERE seq = %s", ["999", 1])
    with pytest.raises(CommandError, match="TAMPERED"):
        call_command("audit", "verify")


def test_it_refuses_data_that_would_not_hash_the_same_on_every_engine() -> None:
    with pytest.raises(TypeError):
        record_event(actor=None, action="x", data={"mark": 12.5})


def test_it_records_the_request_id_and_address_of_a_web_request(world: object) -> None:
    from django.test import Client

    Client().post(
        "/accounts/login/",
        {"username": "x", "password": "y-wrong-y"},
        REMOTE_ADDR="192.0.2.7",
        HTTP_X_REQUEST_ID="req-123",
    )
    event = AuditEvent.objects.filter(action="login.fail").get()
    assert (event.ip_address, event.request_id) == ("192.0.2.7", "req-123")
    assert verify_chain().ok
