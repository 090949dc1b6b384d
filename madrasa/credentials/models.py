"""Credentials: requests for documents, the documents issued as signed Verifiable Credentials,
and the Bitstring Status Lists that publish their revocation.

Invariants:
- an issued credential keeps the exact JSON text that was signed (`document`); it is never
  edited, only revoked (`revoked_at`);
- each issued credential owns one (status list, index) pair, unique;
- a status list's `published` credential is re-signed in the same transaction as every
  revocation, so what the platform serves always matches the revoked rows.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madrasa.registry.models import School, SchoolYear, Student

from .statuslist import MIN_BITS


class Kind(models.TextChoices):
    ATTESTATION = "attestation", _("School attendance certificate (attestation de scolarité)")
    TRANSCRIPT = "transcript", _("Transcript of marks (relevé de notes)")
    EXAM_RESULT = "exam_result", _("Exam result certificate")


class StatusList(models.Model):
    """A W3C Bitstring Status List (revocation) served at /credentials/status/<number>.

    PII: none (bits only).
    """

    number = models.PositiveIntegerField(unique=True)
    purpose = models.CharField(max_length=16, default="revocation")
    size = models.PositiveIntegerField(default=MIN_BITS)
    next_index = models.PositiveIntegerField(default=0)
    published = models.TextField(blank=True, default="")  # the signed list credential (JSON)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["number"]

    def __str__(self) -> str:
        return f"status list {self.number} ({self.next_index}/{self.size})"


class CredentialRequest(models.Model):
    """A parent's or an adult pupil's request for a document about a pupil, answered by the
    director of the pupil's school (or by the system when the data allows).

    PII: who asked for which pupil's documents; retention: 5 years.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the school")
        ISSUED = "issued", _("Issued")
        REJECTED = "rejected", _("Refused")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="credential_requests"
    )
    # The school that answers: the pupil's school when the request was made.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    # A transcript's period: S1, S2 or Y (the year) of `year`; empty for the other kinds.
    period = models.CharField(max_length=2, blank=True, default="")
    requested_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["-requested_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["school", "status", "requested_at"], name="credreq_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.student_id} ({self.status})"

    @property
    def age(self) -> timedelta:
        """How long the request has been (or was) waiting."""
        end = self.decided_at or timezone.now()
        return end - self.requested_at


class IssuedCredential(models.Model):
    """A document issued as a signed Verifiable Credential (Open Badges 3.0).

    PII: the pupil's names, code, birth date and school path (inside `document`); retention:
    permanent school record (legal archive).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="credentials")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    request = models.OneToOneField(
        CredentialRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credential",
    )
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    status_index = models.PositiveIntegerField()
    document = models.TextField()  # the signed JSON, exactly as issued
    key_id = models.CharField(max_length=40)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering: ClassVar[list[str]] = ["-issued_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="credential_unique_status_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"
