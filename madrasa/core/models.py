"""Core tables: the append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditEvent(models.Model):
    """One audited action: who did what to which object, when and from where.

    PII: actor username, IP address; retention: 10 years, legal archive.

    Entries are only ever inserted. `row_hash = sha256(prev_hash || canonical(entry))`, so a
    changed, inserted or deleted entry breaks the chain; `AuditChainHead` remembers the last
    entry so a deleted tail is detected too. On PostgreSQL a trigger refuses UPDATE, DELETE
    and TRUNCATE.
    """

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["seq"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "created_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "created_at"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditChainHead(models.Model):
    """The single row that points at the newest audit entry; locked to append in order.

    PII: none.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    row_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"
