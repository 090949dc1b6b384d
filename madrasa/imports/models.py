"""Imports: an uploaded file (`ImportBatch`) and its rows as read, checked and applied
(`ImportRow`).

A batch is keyed by (kind, SHA-256 of the file, who imports it): the same file imported again by
the same person finds its batch, resumes it or reports that nothing changed. Rows are staged in
one transaction, then applied in chunks; each chunk's transaction also moves the checkpoint
(`applied_through`), so an import killed at any point and run again ends in the same state as
an uninterrupted one.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One imported file: its state, its checkpoint and its counts.

    PII: file name, who imported it, and the uploaded file itself until its rows are staged;
    retention: 90 days after the import finished (`madrasa import purge`).
    """

    class Kind(models.TextChoices):
        PUPILS = "pupils", _("Pupils")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Waiting to be checked")
        STAGED = "staged", _("Checked, waiting to be applied")
        APPLYING = "applying", _("Being applied")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("File rejected")

    FINISHED_STATUSES: ClassVar[tuple[str, ...]] = ("done", "rejected")

    # uuid5 of (kind, sha256, owner_key): the same file from the same person has the same batch.
    uuid = models.UUIDField(unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sha256 = models.CharField(max_length=64)
    # "user:<user uuid>", or "system" for the command line without --as.
    owner_key = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    # The file as uploaded, kept until its rows are staged, then emptied.
    source = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    # Problems with the file as a whole: [{"column": ..., "code": ..., "params": {...}}].
    file_errors = models.JSONField(default=list, blank=True)
    ignored_columns = models.JSONField(default=list, blank=True)
    # The schools the rows name (known when staged), and whether some row names none that
    # exists: who may see the batch besides its sender depends on them (access.py).
    schools = models.ManyToManyField("registry.School", blank=True, related_name="+")
    has_unplaced_rows = models.BooleanField(default=False)
    total_rows = models.PositiveIntegerField(default=0)
    chunk_size = models.PositiveIntegerField(default=1000)
    # The checkpoint: every row numbered up to this one has been applied (or refused).
    applied_through = models.PositiveIntegerField(default=0)
    applied_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    staged_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["kind", "sha256", "owner_key"], name="importbatch_unique_file_per_owner"
            ),
            models.CheckConstraint(
                condition=models.Q(applied_rows__lte=models.F("total_rows")),
                name="importbatch_applied_within_total",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["created_by", "created_at"], name="importbatch_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES


class ImportRow(models.Model):
    """One row of an imported file: the values as read, their normalised form, the errors
    found, and what applying it did.

    PII: pupil and guardian names, birth dates and places, guardian CIN and phone, as uploaded;
    retention: deleted with its batch (90 days after the import finished).
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not applied yet")
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        UNCHANGED = "unchanged", _("Unchanged")
        ERROR = "error", _("Refused")

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    # The row's number as a spreadsheet shows it: the header is row 1.
    number = models.PositiveIntegerField()
    raw = models.JSONField(default=dict)
    clean = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    # The national code allocated at staging for a new pupil without one.
    planned_code = models.CharField(max_length=16, blank=True, default="")
    # The pupil the row created (planned at staging) or matched.
    student_uuid = models.UUIDField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)

    class Meta:
        ordering: ClassVar[list[str]] = ["batch", "number"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["batch", "number"], name="importrow_unique_number")
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["batch", "outcome", "number"], name="importrow_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.number} {self.outcome}"
