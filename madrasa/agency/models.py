"""Agencies: OAuth clients of other public services, the purposes granted to each, and the log
of every request they make and of every pupil whose data left in an answer.

Invariants:
- an `AgencyClient` is one OAuth Application (client-credentials grant, hashed secret);
- a request is logged once (`AgencyRequest`), refused ones included when the client is known;
- an `AgencyAccess` row exists only for a pupil whose data was actually in the answer.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models

from madrasa.registry.models import Student


class AgencyClient(models.Model):
    """A public service calling the agency API, its granted purposes and whether it is suspended.

    PII: none (institutions).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.PROTECT, related_name="agency"
    )
    name = models.CharField(max_length=200, unique=True)
    purposes = models.JSONField(default=list)
    is_suspended = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class AgencyRequest(models.Model):
    """One call of the agency API: who, for which purpose, which fields, how it ended.

    PII: none itself (the pupils are in AgencyAccess); retention: 10 years (audit).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(AgencyClient, on_delete=models.PROTECT, related_name="requests")
    purpose = models.CharField(max_length=32)
    endpoint = models.CharField(max_length=64)
    fields = models.JSONField(default=list)
    identifiers = models.PositiveIntegerField(default=0)
    shared = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.client_id} {self.endpoint} {self.at:%Y-%m-%d %H:%M}"


class AgencyAccess(models.Model):
    """A pupil whose data was in the answer to an agency request (the fields are the request's).

    PII: which agency saw which pupil; retention: 10 years (the family can see it).
    """

    request = models.ForeignKey(AgencyRequest, on_delete=models.PROTECT, related_name="accesses")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["student", "request"], name="agencyaccess_student_idx")
        ]

    def __str__(self) -> str:
        return f"{self.request_id}:{self.student_id}"
