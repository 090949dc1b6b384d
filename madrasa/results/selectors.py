"""Reads of the results app: sessions and results for the exam administration (scoped by
access.py), and the results-day lookup, which reads only the current publication.

The current publication of a session is remembered in each process for
`RESULTS_PUBLICATION_TTL` seconds (a withdrawal reaches every worker within that time; the
publishing process forgets it at once). The embargo is checked against the clock on every
request, so the release happens at the second whatever was remembered.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from madrasa.accounts.selectors import Actor
from madrasa.core.routers import read_alias

from .models import ExamCandidate, ExamResult, ExamSession, Publication, PublishedResult
from .pins import hash_pin

__all__ = [
    "RESULTS_PUBLICATION_TTL",
    "CurrentPublication",
    "current_publication",
    "forget_publications",
    "lookup_published",
    "public_sessions",
    "session_counts",
]

RESULTS_PUBLICATION_TTL = 5.0


@dataclass(frozen=True)
class CurrentPublication:
    """The live publication of a session (possibly still under embargo)."""

    id: int
    uuid: UUID
    version: int
    embargo_until: datetime
    decimals: int
    session_name: str
    session_uuid: UUID

    def is_visible(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.embargo_until

    @property
    def etag_base(self) -> str:
        return f"{self.uuid.hex[:12]}-{self.version}"


_memo: dict[str, tuple[float, CurrentPublication | None]] = {}
_memo_lock = threading.Lock()


def forget_publications() -> None:
    """Forget every remembered publication (after a publication or withdrawal, in tests)."""
    with _memo_lock:
        _memo.clear()


def _load_current(session_key: str) -> CurrentPublication | None:
    try:
        session_uuid = UUID(session_key)
    except ValueError:
        return None
    row = (
        Publication.objects.filter(session__uuid=session_uuid, status__in=Publication.LIVE)
        .exclude(status=Publication.Status.DRAFT)
        .values_list(
            "id", "uuid", "version", "embargo_until", "decimals", "session__name", "session__uuid"
        )
        .first()
    )
    return None if row is None else CurrentPublication(*row)


def current_publication(session_key: str) -> CurrentPublication | None:
    """The scheduled or published publication of the session with this uuid, or None."""
    now = time.monotonic()
    found = _memo.get(session_key)
    if found is not None and found[0] > now:
        return found[1]
    current = _load_current(session_key)
    with _memo_lock:
        if len(_memo) > 1000:
            _memo.clear()
        _memo[session_key] = (now + RESULTS_PUBLICATION_TTL, current)
    return current


_LOOKUP_SQL = (
    f"SELECT payload FROM {PublishedResult._meta.db_table} "  # noqa: S608  a table name only  # nosec B608: identifiers and integers from code, values bound
    "WHERE publication_id = %s AND national_code = %s AND "
)


def lookup_published(
    publication_id: int, national_code: str, *, birth_date: date | None = None, pin: str = ""
) -> dict[str, Any] | None:
    """The published line for this code and birth date (or PIN): one indexed read on
    (publication, national_code). Plain SQL: the ORM's query building was a quarter of the
    time of a results-day request."""
    value: Any
    if pin:
        condition, value = "pin_hash = %s", hash_pin(national_code, pin)
    elif birth_date is not None:
        condition, value = (
            "birth_date = %s",
            connections["default"].ops.adapt_datefield_value(birth_date),
        )
    else:
        return None
    # Raw SQL does not pass through the router: a read replica inside `on_replica()`.
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(_LOOKUP_SQL + condition, [publication_id, national_code, value])
        row = cursor.fetchone()
    if row is None:
        return None
    payload = json.loads(row[0]) if isinstance(row[0], str | bytes) else row[0]
    return payload if isinstance(payload, dict) else None


def public_sessions() -> list[CurrentPublication]:
    """Sessions whose results the public may look up now."""
    now = timezone.now()
    rows = (
        Publication.objects.filter(
            status__in=(Publication.Status.SCHEDULED, Publication.Status.PUBLISHED),
            embargo_until__lte=now,
        )
        .order_by("-embargo_until")
        .values_list(
            "id", "uuid", "version", "embargo_until", "decimals", "session__name", "session__uuid"
        )
    )
    return [CurrentPublication(*row) for row in rows]


def session_counts(session: ExamSession, candidates: QuerySet[ExamCandidate]) -> dict[str, int]:
    """Candidates, marks and results by outcome within `candidates` (already scoped)."""
    totals = candidates.aggregate(
        candidates=Count("id"),
        free=Count("id", filter=Q(kind=ExamCandidate.Kind.FREE)),
    )
    outcomes = dict(
        ExamResult.objects.filter(candidate__in=candidates)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    return {
        "candidates": int(totals["candidates"] or 0),
        "free": int(totals["free"] or 0),
        "admitted": int(outcomes.get("admitted", 0)),
        "resit": int(outcomes.get("resit", 0)),
        "failed": int(outcomes.get("failed", 0)),
        "incomplete": int(outcomes.get("", 0)),
    }


def session_results(actor: Actor, candidates: QuerySet[ExamCandidate]) -> QuerySet[ExamResult]:
    return (
        ExamResult.objects.filter(candidate__in=candidates)
        .select_related("candidate__student", "candidate__centre", "candidate__stream")
        .order_by("candidate__student__national_code")
    )
