"""Exam results: sessions of the national exams, their candidates and marks, the results computed
from them, and the publications that results day reads.

- `ExamSession`: one sitting of a certificate exam (a year's `ExamScheme`), normal or resit,
  with its planned release time.
- `ExamCandidate`, `ExamMark`: who sits it, where, and the marks of each exam component.
- `ExamResult`: computed for the whole session by one set-based statement (`compute.py`).
- `Publication` + `PublishedResult`: an immutable snapshot of the results, released at its
  embargo time; results day answers from it with one indexed read. A publication is withdrawn
  and replaced by a corrected one, never edited.

Invariants:
- at most one live (draft, scheduled or published) publication per session (a constraint);
- a published result row is never changed (model and database triggers refuse UPDATE);
- a mark is a value or an absence code, never both (a constraint).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madrasa.enrolment.models import Enrolment
from madrasa.grading.models import AbsenceCode, ExamScheme, Subject
from madrasa.registry.models import School, SchoolYear, Stream, Student


class Component(models.TextChoices):
    """The parts of a certificate exam (the codes of `ExamScheme.components`)."""

    CONTINUOUS = "continuous", _("Continuous assessment")
    LOCAL = "local", _("Local exam")
    REGIONAL = "regional", _("Regional exam")
    NATIONAL = "national", _("National exam")


class Outcome(models.TextChoices):
    ADMITTED = "admitted", _("Admitted")
    RESIT = "resit", _("Resit (rattrapage)")
    FAILED = "failed", _("Not admitted")


class ExamSession(models.Model):
    """One sitting of a certificate exam: the normal session, or the resit that follows it.
    PII: none."""

    class Session(models.TextChoices):
        NORMAL = "normal", _("Normal session")
        RESIT = "resit", _("Resit session")

    class ComputeState(models.TextChoices):
        IDLE = "idle", _("Not computed")
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Computing")
        DONE = "done", _("Computed")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="exam_sessions")
    scheme = models.ForeignKey(ExamScheme, on_delete=models.PROTECT, related_name="sessions")
    session = models.CharField(max_length=8, choices=Session.choices, default=Session.NORMAL)
    # The normal session a resit session follows (its candidates keep their other marks).
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="resits"
    )
    name = models.CharField(max_length=120)
    # The planned release time (each publication carries its own).
    embargo_until = models.DateTimeField(null=True, blank=True)
    compute_state = models.CharField(
        max_length=8, choices=ComputeState.choices, default=ComputeState.IDLE
    )
    compute_step = models.CharField(max_length=40, blank=True, default="")
    compute_error = models.CharField(max_length=500, blank=True, default="")
    computed_at = models.DateTimeField(null=True, blank=True)
    # The last import of marks: results computed before it are stale.
    marks_imported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["-year__starts_on", "scheme__code", "session"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["scheme", "session"], name="examsession_unique"),
            models.CheckConstraint(
                condition=(models.Q(session="normal") & models.Q(follows__isnull=True))
                | (models.Q(session="resit") & models.Q(follows__isnull=False)),
                name="examsession_resit_follows_normal",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExamCandidate(models.Model):
    """A pupil sitting a session: enrolled (in a school's final class) or free (candidat libre),
    at an exam centre. `stream` picks the coefficients. In a resit session, `previous` is the
    same pupil's candidacy in the normal session.
    PII: a minor's exam registration; retention: permanent (exam archive)."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled candidate")
        FREE = "free", _("Free candidate")

    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="candidates")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ENROLLED)
    centre = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stream = models.ForeignKey(
        Stream, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A keyed hash of the PIN printed on the candidate's notice, when one is handed out.
    pin_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["session", "student__national_code"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["session", "student"], name="examcandidate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.student_id}"


class ExamMark(models.Model):
    """A candidate's mark in a subject of one exam component, or an absence code in its place.
    A continuous-assessment row without a subject is the continuous average itself (given in
    the import file when the report cards are not in Madrasa). `coefficient` overrides the
    subject's coefficient (e.g. a 1re année subject of the regional exam).
    PII: a minor's exam marks; retention: permanent (exam archive)."""

    candidate = models.ForeignKey(ExamCandidate, on_delete=models.CASCADE, related_name="marks")
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    component = models.CharField(max_length=10, choices=Component.choices)
    value = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    absence = models.CharField(max_length=3, choices=AbsenceCode.choices, blank=True, default="")
    coefficient = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    imported_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["candidate", "component", "subject"], name="exammark_unique"
            ),
            models.UniqueConstraint(
                fields=["candidate", "component"],
                condition=models.Q(subject__isnull=True),
                name="exammark_unique_average",
            ),
            models.CheckConstraint(
                condition=(models.Q(value__isnull=False) & models.Q(absence=""))
                | (models.Q(value__isnull=True) & ~models.Q(absence="")),
                name="exammark_value_or_absence",
            ),
            models.CheckConstraint(
                condition=models.Q(subject__isnull=False) | models.Q(component="continuous"),
                name="exammark_subject_unless_continuous",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.component} {self.subject_id}"


class ExamResult(models.Model):
    """A candidate's computed result: the average of each component, the final average, the
    mention and the outcome ("" while a component is missing). Written only by compute.py.
    PII: a minor's exam results; retention: permanent (exam archive)."""

    candidate = models.OneToOneField(ExamCandidate, on_delete=models.CASCADE, related_name="result")
    continuous_average = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    local_average = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    regional_average = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    national_average = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    final_average = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    mention = models.CharField(max_length=16, blank=True, default="")
    outcome = models.CharField(max_length=8, blank=True, default="")
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.final_average} {self.outcome}"


class Publication(models.Model):
    """One release of a session's results: a snapshot (`PublishedResult` rows) visible to the
    public from `embargo_until`. Withdrawn, it is replaced by a corrected version that records
    what changed (`changes`). PII: none (the rows are in PublishedResult)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    LIVE: ClassVar[tuple[str, ...]] = ("draft", "scheduled", "published")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="publications")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    embargo_until = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    # {"rows": n, "added": n, "removed": n, "average_changed": n, "outcome_changed": n,
    #  "codes": [national codes whose average or outcome changed, first 1000]}
    changes = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(default=0)
    decimals = models.PositiveSmallIntegerField(default=2)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["session", "-version"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["session", "version"], name="publication_version"),
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(status__in=["draft", "scheduled", "published"]),
                name="publication_one_live_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} v{self.version} ({self.status})"


class PublishedResult(models.Model):
    """One candidate's line of a publication: what results day shows, and the two things the
    visitor must know to see it (national code and birth date, or a PIN). Never changed after
    it is written. PII: name, birth date and exam result of a minor; retention: as long as the
    publication is kept (results day, then the exam archive)."""

    # No index of its own: the unique (publication, national_code) index serves it.
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    national_code = models.CharField(max_length=16)
    birth_date = models.DateField()
    pin_hash = models.CharField(max_length=64, blank=True, default="")
    # {"name_ar", "name_latn", "stream", "average", "mention", "outcome"}
    payload = models.JSONField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["publication", "national_code"], name="publishedresult_lookup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.publication_id}:{self.national_code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("a published result is never changed: publish a new version")
        super().save(*args, **kwargs)
