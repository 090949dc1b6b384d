"""Writing and verifying the audit log.

`record_event` is called by every write service, inside its transaction. Appends are serialised
by locking the single `AuditChainHead` row, so the chain has one order on every engine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db import transaction

from .context import current_request_context
from .models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


class Actor(Protocol):
    """What the audit log needs of whoever acted (a user, or None for the system)."""

    @property
    def pk(self) -> Any: ...

    def get_username(self) -> str: ...


def canonical_entry(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_username: str,
    actor_role: str,
    action: str,
    object_type: str,
    object_id: str,
    ip_address: str | None,
    request_id: str,
    data: dict[str, Any],
) -> bytes:
    """The bytes hashed for one entry: sorted-key JSON, UTC time with microseconds."""
    payload = {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "actor_username": actor_username,
        "actor_role": actor_role,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "ip_address": ip_address,
        "request_id": request_id,
        "data": data,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev_hash: str, entry: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + entry).hexdigest()


def _entry_bytes(event: AuditEvent) -> bytes:
    return canonical_entry(
        seq=event.seq,
        created_at=event.created_at,
        actor_id=event.actor_id,
        actor_username=event.actor_username,
        actor_role=event.actor_role,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        ip_address=event.ip_address,
        request_id=event.request_id,
        data=event.data,
    )


def _check_data(value: Any, path: str = "data") -> None:
    """Audit data holds only values whose JSON form is stable on every engine."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_data(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path} has a non-string key {key!r}")
            _check_data(item, f"{path}.{key}")
        return
    raise TypeError(f"{path} holds a {type(value).__name__}; use str, int, bool, list or dict")


def record_event(
    *,
    actor: Actor | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    data: dict[str, Any] | None = None,
    actor_role: str = "",
) -> AuditEvent:
    """Append one entry to the audit log. Call it inside the service's transaction."""
    payload = dict(data or {})
    _check_data(payload)
    context = current_request_context()
    with transaction.atomic():
        # The genesis row is made by migration core 0002; it is made again if it is missing (a
        # test database emptied by a transactional test). A chain restarted that way no longer
        # links to the entries before it, which verify_chain reports.
        AuditChainHead.objects.get_or_create(id=1)
        head = AuditChainHead.objects.select_for_update().get(id=1)
        seq = head.seq + 1
        created_at = datetime.now(tz=UTC)
        actor_id = int(actor.pk) if actor is not None and actor.pk is not None else None
        actor_username = actor.get_username() if actor is not None else ""
        fields: dict[str, Any] = {
            "seq": seq,
            "created_at": created_at,
            "actor_id": actor_id,
            "actor_username": actor_username,
            "actor_role": actor_role,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "ip_address": context.ip_address,
            "request_id": context.request_id,
            "data": payload,
        }
        row_hash = chain_hash(head.row_hash, canonical_entry(**fields))
        event = AuditEvent.objects.create(prev_hash=head.row_hash, row_hash=row_hash, **fields)
        head.seq = seq
        head.row_hash = row_hash
        head.save(update_fields=["seq", "row_hash"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def iter_events(chunk_size: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:chunk_size])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def verify_chain(chunk_size: int = 5000) -> VerifyReport:
    """Walk the whole log and report every entry whose hash or position is wrong."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in iter_events(chunk_size):
        checked += 1
        if event.seq != expected_seq:
            problems.append(
                ChainProblem(event.seq, f"entries {expected_seq}..{event.seq - 1} are missing")
            )
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.seq, "does not follow the previous entry"))
        if chain_hash(event.prev_hash, _entry_bytes(event)) != event.row_hash:
            problems.append(ChainProblem(event.seq, "content was changed after it was written"))
        expected_prev = event.row_hash
        expected_seq = event.seq + 1
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.row_hash if head else GENESIS_HASH
    if head_seq != expected_seq - 1 or head_hash != expected_prev:
        problems.append(
            ChainProblem(
                head_seq,
                f"the log ends at entry {expected_seq - 1} but the chain head says {head_seq}: "
                "entries were deleted",
            )
        )
    return VerifyReport(checked=checked, problems=tuple(problems))
