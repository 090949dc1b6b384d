"""Reading a file of exam marks (CSV, UTF-8) into a session: every row is checked first, every
problem is reported with its row number, column and value, and the marks are written only when
there is none (all or nothing, in one transaction). Lookups are set-based: a few queries per
file, never one per row.

Columns (header names, any order; extra columns are refused):

    national_code   the pupil's national code                              required
    component       continuous | local | regional | national               required
    subject         subject code (MATH…); empty = the continuous average   see left
    mark            12.5 / 12,5, or an absence code (ABJ, ABN, DIS)         required
    coefficient     overrides the subject's coefficient                    optional
    kind            enrolled | free (a new candidate)                       optional
    centre          exam centre school code (a new candidate)               optional
    stream          stream code of the exam's level (a new candidate)       optional
    pin             a PIN printed on the candidate's notice (results day)   optional

A pupil not yet a candidate of the session becomes one: enrolled when they have an active
enrolment of the session's year at the exam's level (its school is the default centre and its
stream the default stream), free otherwise. In a resit session only the candidates sent to the
resit by the normal session are accepted. Marks already imported for the same candidate,
component and subject are replaced.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from madrasa.enrolment.models import Enrolment
from madrasa.grading.models import AbsenceCode, Subject, SubjectCoefficient
from madrasa.grading.services import parse_decimal
from madrasa.registry.models import School, Stream, Student

from .compute import scheme_groups
from .models import Component, ExamCandidate, ExamSession
from .pins import hash_pin

__all__ = ["COLUMNS", "MarkProblem", "ParsedFile", "parse_marks_file"]

COLUMNS = (
    "national_code",
    "component",
    "subject",
    "mark",
    "coefficient",
    "kind",
    "centre",
    "stream",
    "pin",
)
REQUIRED = ("national_code", "component", "mark")
LOOKUP_CHUNK = 2000
MAX_ROWS = 2_000_000

MESSAGES: dict[str, Promise] = {
    "not_utf8": _('the file is not UTF-8 text: save it as "CSV UTF-8"'),
    "no_rows": _("the file has no rows under its header"),
    "too_many_rows": _("the file has more than %(max)s rows: split it"),
    "missing_column": _("this column is missing"),
    "unknown_column": _("this column is not one Madrasa reads"),
    "required": _("a value is required"),
    "unknown_pupil": _('no pupil has the national code "%(value)s"'),
    "merged_pupil": _("the pupil %(value)s was merged into %(other)s: use that code"),
    "bad_component": _(
        '"%(value)s" is not an exam component (continuous, local, regional, national)'
    ),
    "component_not_in_scheme": _('the exam "%(scheme)s" has no "%(value)s" component'),
    "unknown_subject": _('no subject has the code "%(value)s"'),
    "subject_required": _("a subject is required for this component"),
    "bad_mark": _('"%(value)s" is not a mark between 0 and %(max)s nor an absence code'),
    "average_is_value": _("the continuous average must be a mark, not an absence code"),
    "bad_coefficient": _('"%(value)s" is not a coefficient (a positive number up to 99.99)'),
    "no_coefficient": _(
        "the subject %(value)s has no coefficient for this level and stream: "
        "give one in the coefficient column"
    ),
    "twice": _("the same mark is already on row %(row)s"),
    "bad_kind": _('"%(value)s" is not a kind of candidate (enrolled or free)'),
    "not_enrolled": _("the pupil has no active enrolment at level %(level)s this year"),
    "unknown_centre": _('no school has the code "%(value)s"'),
    "centre_required": _("a free candidate needs an exam centre"),
    "unknown_stream": _('"%(value)s" is not a stream of the level %(level)s'),
    "stream_required": _("the level %(level)s needs a stream"),
    "candidate_differs": _("the candidate is already registered with another value (%(current)s)"),
    "row_differs": _("row %(row)s gives another value for this candidate"),
    "not_in_resit": _("the pupil was not sent to the resit by the normal session"),
    "bad_pin": _("a PIN is 6 to 12 digits"),
}


@dataclass(frozen=True)
class MarkProblem:
    """One problem of the file: row (1 = the header), column, the value read, and why."""

    row: int
    column: str
    value: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The reason in the active language."""
        text = str(MESSAGES[self.code])
        return text % dict(self.params) if self.params else text


@dataclass
class _Row:
    number: int
    code: str
    component: str
    subject: str
    mark: str
    coefficient: str
    kind: str
    centre: str
    stream: str
    pin: str


@dataclass
class _NewCandidate:
    student_id: int
    kind: str
    centre_id: int
    enrolment_id: int | None
    stream_id: int | None
    previous_id: int | None
    pin_hash: str
    row: int


@dataclass
class ParsedFile:
    """A checked file: the problems, or what to write."""

    problems: list[MarkProblem] = field(default_factory=list)
    rows: int = 0
    new_candidates: list[_NewCandidate] = field(default_factory=list)
    # (student id, component, subject id or None, value, absence, coefficient)
    marks: list[tuple[int, str, int | None, Decimal | None, str, Decimal | None]] = field(
        default_factory=list
    )
    pins: dict[int, str] = field(default_factory=dict)  # existing candidate id -> pin hash


def _read(data: bytes, parsed: ParsedFile) -> list[_Row]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.append(MarkProblem(0, "", "", "not_utf8"))
        return []
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    for column in header:
        if column and column not in COLUMNS:
            parsed.problems.append(MarkProblem(1, column, column, "unknown_column"))
    for column in REQUIRED:
        if column not in header:
            parsed.problems.append(MarkProblem(1, column, "", "missing_column"))
    if parsed.problems:
        return []
    rows: list[_Row] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            parsed.problems.append(MarkProblem(number, "", "", "too_many_rows", {"max": MAX_ROWS}))
            return []
        values = dict(zip(header, (c.strip() for c in cells), strict=False))
        rows.append(
            _Row(
                number=number,
                code=values.get("national_code", "").upper(),
                component=values.get("component", "").lower(),
                subject=values.get("subject", "").upper(),
                mark=values.get("mark", ""),
                coefficient=values.get("coefficient", ""),
                kind=values.get("kind", "").lower(),
                centre=values.get("centre", "").upper(),
                stream=values.get("stream", "").upper(),
                pin=values.get("pin", ""),
            )
        )
    if not rows:
        parsed.problems.append(MarkProblem(2, "", "", "no_rows"))
    return rows


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def _mark(raw: str, scale_max: Decimal) -> tuple[Decimal | None, str] | None:
    if raw.upper() in AbsenceCode.values:
        return None, raw.upper()
    try:
        value = parse_decimal(raw)
    except InvalidOperation:
        return None
    if value < 0 or value > scale_max or value != value.quantize(Decimal("0.01")):
        return None
    return value, ""


def _coefficient(raw: str) -> Decimal | None:
    try:
        value = parse_decimal(raw)
    except InvalidOperation:
        return None
    if value <= 0 or value >= 100 or value != value.quantize(Decimal("0.01")):
        return None
    return value


def parse_marks_file(data: bytes, *, session: ExamSession, scale_max: Decimal) -> ParsedFile:
    """Check a file against the session and the registry; write nothing."""
    parsed = ParsedFile()
    rows = _read(data, parsed)
    parsed.rows = len(rows)
    if not rows:
        return parsed
    problems = parsed.problems
    scheme = session.scheme
    level = scheme.level
    groups = {kind: g.scheme for g in scheme_groups(session) for kind in g.kinds}

    # The registry, a few queries per file.
    codes = sorted({r.code for r in rows if r.code})
    students: dict[str, Student] = {}
    for chunk in _chunks(codes):
        for found in Student.objects.filter(national_code__in=chunk).select_related("merged_into"):
            students[found.national_code] = found
    student_ids = [s.pk for s in students.values()]
    candidates: dict[int, ExamCandidate] = {}
    enrolments: dict[int, Enrolment] = {}
    sent_to_resit: dict[int, ExamCandidate] = {}
    for start in range(0, len(student_ids), LOOKUP_CHUNK):
        chunk_ids = student_ids[start : start + LOOKUP_CHUNK]
        for candidate in ExamCandidate.objects.filter(
            session=session, student_id__in=chunk_ids
        ).select_related("centre", "stream"):
            candidates[candidate.student_id] = candidate
        for enrolment in Enrolment.objects.filter(
            student_id__in=chunk_ids, year_id=session.year_id, status="active", level=level
        ):
            enrolments[enrolment.student_id] = enrolment
        if session.follows_id is not None:
            for candidate in ExamCandidate.objects.filter(
                session_id=session.follows_id,
                student_id__in=chunk_ids,
                result__outcome="resit",
            ):
                sent_to_resit[candidate.student_id] = candidate
    subjects = {s.code: s.pk for s in Subject.objects.all()}
    streams = {s.code: s.pk for s in Stream.objects.filter(level=level)}
    level_has_streams = bool(streams)
    centres_wanted = sorted({r.centre for r in rows if r.centre})
    centres = {
        s.code: s.pk for s in School.objects.filter(code__in=centres_wanted).only("id", "code")
    }
    coefficients: set[tuple[int | None, int]] = set(
        SubjectCoefficient.objects.filter(year_id=scheme.year_id, level=level).values_list(
            "stream_id", "subject_id"
        )
    )

    seen_marks: dict[tuple[str, str, str], int] = {}
    new_by_student: dict[int, tuple[_NewCandidate, tuple[str, str, str]]] = {}
    for row in rows:
        before = len(problems)

        def problem(column: str, shown: str, code: str, **params: Any) -> None:
            problems.append(MarkProblem(row.number, column, shown, code, params))  # noqa: B023

        # The candidate.
        student: Student | None = students.get(row.code) if row.code else None
        if not row.code:
            problem("national_code", "", "required")
        elif student is None:
            problem("national_code", row.code, "unknown_pupil", value=row.code)
        elif student.merged_into is not None:
            problem(
                "national_code",
                row.code,
                "merged_pupil",
                value=row.code,
                other=student.merged_into.national_code,
            )
            student = None
        candidate_kind = ""
        candidate_stream: int | None = None
        if student is not None:
            existing = candidates.get(student.pk)
            if existing is not None:
                candidate_kind = existing.kind
                candidate_stream = existing.stream_id
                for column, given, current in (
                    ("kind", row.kind, existing.kind),
                    ("centre", row.centre, existing.centre.code),
                    ("stream", row.stream, existing.stream.code if existing.stream else ""),
                ):
                    if given and given != current:
                        problem(column, given, "candidate_differs", current=current or "-")
                if row.pin:
                    parsed.pins[existing.pk] = hash_pin(row.code, row.pin)
            elif student.pk in new_by_student:
                # Later rows of a new candidate: columns given must agree with its first row.
                first, signature = new_by_student[student.pk]
                for given, earlier in zip(
                    (row.kind, row.centre, row.stream), signature, strict=True
                ):
                    if given and earlier and given != earlier:
                        problem("national_code", row.code, "row_differs", row=first.row)
                        break
                candidate_kind = first.kind
                candidate_stream = first.stream_id
            else:
                new = _new_candidate(
                    row,
                    student,
                    session,
                    enrolments,
                    sent_to_resit,
                    centres,
                    streams,
                    level_has_streams,
                    level.code,
                    problem,
                )
                if new is not None:
                    new_by_student[student.pk] = (new, (row.kind, row.centre, row.stream))
                    candidate_kind = new.kind
                    candidate_stream = new.stream_id

        # The mark.
        if row.component not in Component.values:
            if row.component:
                problem("component", row.component, "bad_component", value=row.component)
            else:
                problem("component", "", "required")
        elif candidate_kind:
            candidate_scheme = groups.get(candidate_kind, scheme)
            if row.component not in candidate_scheme.weights():
                problem(
                    "component",
                    row.component,
                    "component_not_in_scheme",
                    value=row.component,
                    scheme=candidate_scheme.get_code_display(),
                )
        subject_id: int | None = None
        if row.subject:
            subject_id = subjects.get(row.subject)
            if subject_id is None:
                problem("subject", row.subject, "unknown_subject", value=row.subject)
        elif row.component and row.component != Component.CONTINUOUS:
            problem("subject", "", "subject_required")
        coefficient: Decimal | None = None
        if row.coefficient:
            coefficient = _coefficient(row.coefficient)
            if coefficient is None:
                problem("coefficient", row.coefficient, "bad_coefficient", value=row.coefficient)
        elif (
            subject_id is not None
            and candidate_kind
            and (candidate_stream, subject_id) not in coefficients
            and (None, subject_id) not in coefficients
        ):
            problem("subject", row.subject, "no_coefficient", value=row.subject)
        mark = _mark(row.mark, scale_max) if row.mark else None
        if not row.mark:
            problem("mark", "", "required")
        elif mark is None:
            problem("mark", row.mark, "bad_mark", value=row.mark, max=f"{scale_max.normalize():f}")
        elif subject_id is None and not row.subject and mark[1]:
            problem("mark", row.mark, "average_is_value")
        key = (row.code, row.component, row.subject)
        if key in seen_marks:
            problem("subject", row.subject, "twice", row=seen_marks[key])
        else:
            seen_marks[key] = row.number
        if len(problems) == before and student is not None and mark is not None:
            parsed.marks.append(
                (student.pk, row.component, subject_id, mark[0], mark[1], coefficient)
            )
    parsed.new_candidates = [new for new, _sig in new_by_student.values()]
    return parsed


def _new_candidate(
    row: _Row,
    student: Student,
    session: ExamSession,
    enrolments: Mapping[int, Enrolment],
    sent_to_resit: Mapping[int, ExamCandidate],
    centres: Mapping[str, int],
    streams: Mapping[str, int],
    level_has_streams: bool,
    level_code: str,
    problem: Any,
) -> _NewCandidate | None:
    pin_hash = ""
    if row.pin:
        if not (row.pin.isdigit() and 6 <= len(row.pin) <= 12):
            problem("pin", "", "bad_pin")
            return None
        pin_hash = hash_pin(row.code, row.pin)
    if session.follows_id is not None:
        previous = sent_to_resit.get(student.pk)
        if previous is None:
            problem("national_code", row.code, "not_in_resit")
            return None
        return _NewCandidate(
            student.pk,
            previous.kind,
            previous.centre_id,
            previous.enrolment_id,
            previous.stream_id,
            previous.pk,
            pin_hash or previous.pin_hash,
            row.number,
        )
    enrolment = enrolments.get(student.pk)
    kind = row.kind or ("enrolled" if enrolment is not None else "free")
    if kind not in ExamCandidate.Kind.values:
        problem("kind", row.kind, "bad_kind", value=row.kind)
        return None
    if kind == ExamCandidate.Kind.ENROLLED and enrolment is None:
        problem("kind", row.kind, "not_enrolled", level=level_code)
        return None
    centre_id: int | None = None
    if row.centre:
        centre_id = centres.get(row.centre)
        if centre_id is None:
            problem("centre", row.centre, "unknown_centre", value=row.centre)
            return None
    elif enrolment is not None:
        centre_id = enrolment.school_id
    if centre_id is None:
        problem("centre", "", "centre_required")
        return None
    stream_id: int | None = None
    if row.stream:
        stream_id = streams.get(row.stream)
        if stream_id is None:
            problem("stream", row.stream, "unknown_stream", value=row.stream, level=level_code)
            return None
    elif enrolment is not None and kind == ExamCandidate.Kind.ENROLLED:
        stream_id = enrolment.stream_id
    if stream_id is None and level_has_streams:
        problem("stream", "", "stream_required", level=level_code)
        return None
    return _NewCandidate(
        student.pk,
        kind,
        centre_id,
        enrolment.pk if enrolment is not None and kind == "enrolled" else None,
        stream_id,
        None,
        pin_hash,
        row.number,
    )
