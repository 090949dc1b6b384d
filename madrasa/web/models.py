"""The national indicators' summary (issue 8): the dashboard reads a few thousand pre-computed
cells instead of grouping every enrolment of the country on each view.

A refresh (`IndicatorRefresh`) computes, set-based, one `IndicatorCell` per (province, level) of a
school year, as a background task (`madrasa dashboard refresh`, the page's button, or by itself
when the figures are older than `MADRASA_INDICATORS_MAX_AGE_MINUTES`). The page shows the latest
finished refresh and says when it was computed. Aggregates only: no pupil is named here.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madrasa.registry.models import Level, Province, SchoolYear

__all__ = ["IndicatorCell", "IndicatorRefresh"]


class IndicatorRefresh(models.Model):
    """One computation of a year's indicators (queued, running, done or failed), with its steps
    for the progress indicator. PII: none (who asked for it: a staff account); retention: the
    latest finished refresh of each year is kept, older ones are deleted by the next."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    STEPS = 3  # enrolments, bulletins, exam results

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    step = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    period = models.CharField(max_length=2, blank=True, default="")
    source = models.CharField(max_length=32, blank=True, default="")
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["year", "state", "-finished_at"], name="indicator_refresh_latest")
        ]

    def __str__(self) -> str:
        return f"{self.year_id} {self.state} {self.finished_at or self.requested_at}"

    @property
    def percent(self) -> int:
        return 100 if self.state == self.State.DONE else int(100 * self.step / self.STEPS)


class IndicatorCell(models.Model):
    """The figures of one province and level in one refresh. PII: none (counts only); retention:
    with its refresh."""

    refresh = models.ForeignKey(IndicatorRefresh, on_delete=models.CASCADE, related_name="cells")
    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(Level, on_delete=models.CASCADE, related_name="+")
    pupils = models.PositiveIntegerField(default=0)
    girls = models.PositiveIntegerField(default=0)
    boys = models.PositiveIntegerField(default=0)
    rural = models.PositiveIntegerField(default=0)
    urban = models.PositiveIntegerField(default=0)
    public = models.PositiveIntegerField(default=0)
    private = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    promoted = models.PositiveIntegerField(default=0)
    examined = models.PositiveIntegerField(default=0)
    admitted = models.PositiveIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["refresh", "province", "level"], name="indicator_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.refresh_id}: {self.province_id}/{self.level_id} {self.pupils}"
