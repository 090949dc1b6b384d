"""Reads of the agency domain: answers to agency requests (a bounded number of queries whatever
the batch size), the log for the ministry, and a pupil's accesses for the family."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from madrasa.attendance.models import SchoolingStatus, StatusRun
from madrasa.registry.models import Guardianship, Student
from madrasa.registry.rules import normalise_name
from madrasa.results.models import Outcome, Publication, PublishedResult

from .models import AgencyAccess, AgencyRequest
from .rules import Identifier

__all__ = [
    "AMBIGUOUS",
    "UNKNOWN",
    "json_values",
    "month_is_computed",
    "pupil_accesses",
    "schooling_statuses",
    "search_log",
]

UNKNOWN = "unknown"
AMBIGUOUS = "ambiguous"


def json_values(values: Sequence[str]) -> RawSQL:
    """A subquery yielding each value of a list passed as ONE JSON parameter: the query has the
    same size whatever the number of values (no IN list of 10,000 parameters)."""
    payload = json.dumps(list(values))
    if connection.vendor == "postgresql":
        return RawSQL("SELECT jsonb_array_elements_text(%s::jsonb)", [payload])
    return RawSQL("SELECT value FROM json_each(%s)", [payload])


def month_is_computed(month: date) -> bool:
    return StatusRun.objects.filter(month=month, state=StatusRun.State.DONE).exists()


def schooling_statuses(
    month: date, identifiers: Sequence[Identifier]
) -> tuple[list[str], list[int]]:
    """The status of each identifier (in order) and the pupils whose status is in the answer.

    Two queries: one for national codes, one for guardian + birth date pairs. A pair naming
    several children whose statuses differ (twins) is "ambiguous"; an identifier naming no pupil
    with a status this month is "unknown".
    """
    codes = [i.national_code for i in identifiers if i.national_code]
    guardian_ids = sorted({i.guardian_national_id for i in identifiers if i.guardian_national_id})
    by_code: dict[str, tuple[int, str]] = {}
    if codes:
        for code, student_id, status in SchoolingStatus.objects.filter(
            month=month, student__national_code__in=json_values(codes)
        ).values_list("student__national_code", "student_id", "status"):
            by_code[code] = (student_id, status)
    by_pair: dict[tuple[str, date], list[tuple[int, str]]] = defaultdict(list)
    if guardian_ids:
        of_month = SchoolingStatus.objects.filter(month=month, student_id=OuterRef("student_id"))
        rows = (
            Guardianship.objects.filter(guardian__national_id__in=json_values(guardian_ids))
            .annotate(status=Subquery(of_month.values("status")[:1]))
            .filter(status__isnull=False)
            .values_list("guardian__national_id", "student__birth_date", "student_id", "status")
        )
        for national_id, birth_date, student_id, status_value in rows:
            by_pair[(national_id, birth_date)].append((student_id, status_value))
    answers: list[str] = []
    shared: list[int] = []
    for identifier in identifiers:
        if identifier.national_code:
            found = by_code.get(identifier.national_code)
            if found is None:
                answers.append(UNKNOWN)
            else:
                answers.append(found[1])
                shared.append(found[0])
            continue
        assert identifier.birth_date is not None  # noqa: S101  parse_identifier guarantees it
        children = by_pair.get((identifier.guardian_national_id, identifier.birth_date), [])
        statuses = {status_value for _id, status_value in children}
        if not children:
            answers.append(UNKNOWN)
        elif len(statuses) > 1:
            answers.append(AMBIGUOUS)
        else:
            answers.append(statuses.pop())
            shared.extend(student_id for student_id, _status in children)
    return answers, shared


BACCALAUREATE_SCHEMES = ("baccalaureat", "baccalaureat_free")


@dataclass(frozen=True)
class DiplomaRecord:
    """A published baccalauréat result of the named person (admitted or not)."""

    year: int
    stream: str
    mention: str
    admitted: bool


def published_baccalaureates(
    *, national_code: str, birth_date: date, last_name: str, year: int
) -> list[DiplomaRecord]:
    """The person's baccalauréat results of `year` from the publications visible to the public
    (embargo passed, not withdrawn), normal and resit sessions. Empty when the code, the birth
    date or the family name do not match together: one indexed query."""
    rows = PublishedResult.objects.filter(
        national_code=national_code,
        birth_date=birth_date,
        publication__status__in=[Publication.Status.SCHEDULED, Publication.Status.PUBLISHED],
        publication__embargo_until__lte=timezone.now(),
        publication__session__scheme__code__in=BACCALAUREATE_SCHEMES,
        publication__session__year__ends_on__year=year,
    ).values_list("payload", flat=True)
    wanted = normalise_name(last_name)
    records = []
    for payload in rows:
        names = " ".join(
            normalise_name(str(payload.get(key, ""))) for key in ("name_latn", "name_ar")
        )
        if not wanted or wanted not in names:
            continue
        records.append(
            DiplomaRecord(
                year=year,
                stream=str(payload.get("stream", "")),
                mention=str(payload.get("mention", "")),
                admitted=payload.get("outcome") == Outcome.ADMITTED,
            )
        )
    return records


def pupil_accesses(student: Student) -> QuerySet[AgencyRequest]:
    """Agency requests whose answer carried this pupil's data, newest first."""
    return (
        AgencyRequest.objects.filter(
            id__in=AgencyAccess.objects.filter(student=student).values("request_id")
        )
        .select_related("client")
        .order_by("-at", "-id")
    )


def search_log(
    *,
    client_name: str = "",
    purpose: str = "",
    national_code: str = "",
    since: date | None = None,
    until: date | None = None,
    refused_only: bool = False,
) -> QuerySet[AgencyRequest]:
    """The agency log for the ministry's auditors, newest first."""
    requests = AgencyRequest.objects.select_related("client").order_by("-at", "-id")
    if client_name:
        requests = requests.filter(client__name__icontains=client_name)
    if purpose:
        requests = requests.filter(purpose=purpose)
    if national_code:
        requests = requests.filter(
            id__in=AgencyAccess.objects.filter(
                student__national_code=national_code.strip().upper()
            ).values("request_id")
        )
    if since:
        requests = requests.filter(at__date__gte=since)
    if until:
        requests = requests.filter(at__date__lte=until)
    if refused_only:
        requests = requests.filter(status_code__gte=400)
    return requests
