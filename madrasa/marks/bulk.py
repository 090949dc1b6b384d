"""Bulk import of marks from a CSV file: a ministry, an academy, a provincial directorate or a
school director loads a whole territory's continuous-assessment marks (from an older system,
at the deadline) in one go. User guide: docs/marks.md, "Importing marks in bulk".

Designed for national volume (millions of rows), set-based from end to end:

1. the file is loaded into a temporary table: on PostgreSQL by `COPY … FROM STDIN (FORMAT
   csv)` of the file's bytes as they are (the server parses the CSV), or, when the server's
   parser refuses the file (a blank line, a short row, bytes that are not UTF-8), `COPY` of the
   rows as Python's csv module reads them; on SQLite by `executemany` of the same rows;
2. one `INSERT … SELECT` resolves every row at once (school, pupil and their active enrolment
   for the year, subject, semester, assessment number, mark) and notes, per column, what is
   wrong; two more statements find the duplicate rows and the marks a closed term refuses;
3. if any row is wrong, the first errors (row, column, value, code) are returned and nothing is
   written (`MarksFileRefused`);
4. otherwise, in the same transaction: the assessments referenced are locked, the missing ones
   created (`INSERT … SELECT … ON CONFLICT DO NOTHING`), the changed marks upserted (`INSERT …
   SELECT … ON CONFLICT DO UPDATE`), one `MarkEvent` per changed mark written (`INSERT …
   SELECT`) and one chained audit entry for the whole import (`marks.import`, its `seq` in every
   event's `audit_seq`). Unchanged marks write nothing, so the same file imported twice changes
   nothing the second time.

About 40 statements whatever the size, plus, per million marks written, the three that write
them and the foreign-key checks of that chunk (so PostgreSQL never queues the checks of a
region's tens of millions of rows at once); SQLite inserts the rows 10,000 per `executemany`.
Only table names, column names and integers are formatted into the SQL; values are bound.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from babel.numbers import format_decimal
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.core.text import normalise_header
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.grading.models import AbsenceCode, Subject, SubjectCoefficient
from madrasa.grading.services import policy_for
from madrasa.registry.models import Level, Province, School, SchoolYear, Semester, Stream, Student

from .models import Assessment, Mark, MarkEvent, TermClosure

__all__ = [
    "BULK_IMPORT_ROLES",
    "COLUMNS",
    "BulkError",
    "BulkResult",
    "MarksFileRefused",
    "import_marks",
]

# The roles that may import marks in bulk, each within its territory.
BULK_IMPORT_ROLES = frozenset({Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR})


@dataclass(frozen=True)
class Column:
    name: str  # in the file's header (docs/marks.md)
    role: str  # the staging table's column


# French names, as the pupil import's (docs/imports.md); all six are required.
COLUMNS: tuple[Column, ...] = (
    Column("code_etablissement", "school"),
    Column("code_national", "pupil"),
    Column("matiere", "subject"),
    Column("semestre", "semester"),
    Column("controle", "number"),
    Column("note", "mark"),
)
# Other names read as ours: MASSAR's, and a few English ones.
ALIASES = {
    "code_ecole": "code_etablissement",
    "school": "code_etablissement",
    "code_massar": "code_national",
    "pupil": "code_national",
    "subject": "matiere",
    "semester": "semestre",
    "assessment": "controle",
    "mark": "note",
}
ROLES = tuple(c.role for c in COLUMNS)
COLUMN_OF_ROLE = {c.role: c.name for c in COLUMNS}

BATCH_ROWS = 10_000  # rows per executemany (SQLite) and per progress step
# Marks written per statement: PostgreSQL keeps ~7 foreign-key checks per mark in memory until
# they run (after each chunk), so a region's 40 million marks never queue at once.
CHUNK_ROWS = 1_000_000
_CHUNK = 1 << 20  # bytes per COPY write
# PostgreSQL memory for the hash joins and aggregates of one import (this transaction only).
WORK_MEM = "256MB"

# What the report says, in the reader's language. The texts shared with the pupil import keep
# the same msgids, so they are translated once.
MESSAGES: dict[str, Promise] = {
    # The file as a whole.
    "not_utf8": gettext_lazy('the file is not UTF-8 text: save it as "CSV UTF-8"'),
    "not_csv": gettext_lazy("the file is not readable CSV (row %(row)s: %(reason)s)"),
    "no_header": gettext_lazy("the file is empty"),
    "missing_columns": gettext_lazy("missing column(s): %(columns)s"),
    "duplicate_column": gettext_lazy("the column %(column)s appears twice"),
    "no_rows": gettext_lazy("the file has no rows under its header"),
    # One value.
    "required": gettext_lazy("a value is required"),
    "unknown_school": gettext_lazy('no school has the code "%(value)s"'),
    "school_out_of_scope": gettext_lazy("you may not import marks for the school %(value)s"),
    "unknown_pupil": gettext_lazy('no pupil has the national code "%(value)s"'),
    "code_merged": gettext_lazy("the pupil %(value)s was merged into %(other)s: use that code"),
    "not_enrolled": gettext_lazy("the pupil %(value)s is not enrolled in %(year)s"),
    "enrolled_elsewhere": gettext_lazy(
        "the pupil %(value)s is enrolled in %(year)s at the school %(other)s, not at %(school)s"
    ),
    "no_class": gettext_lazy(
        "the pupil %(value)s is in no class in %(year)s: the school must place them in one first"
    ),
    "unknown_subject": gettext_lazy('no subject has the code "%(value)s"'),
    "subject_not_taught": gettext_lazy("%(value)s is not taught at the level %(other)s"),
    "unknown_semester": gettext_lazy('"%(value)s" is not a semester of %(year)s'),
    "semester_closed": gettext_lazy("the semester %(value)s of %(year)s is closed"),
    "term_closed": gettext_lazy(
        "the school %(other)s closed this semester: a mark changes only through a change "
        "request approved by the director"
    ),
    "bad_number": gettext_lazy('"%(value)s" is not an assessment number (1 to 4)'),
    "number_out_of_range": gettext_lazy(
        "this subject has %(other)s assessments per semester at this level"
    ),
    "not_a_mark": gettext_lazy(
        '"%(value)s" is neither a mark from 0 to %(max)s nor an absence code (ABJ, ABN, DIS)'
    ),
    "too_many_decimals": gettext_lazy('"%(value)s": a mark has at most two decimals'),
    "above_maximum": gettext_lazy('"%(value)s" is above the maximum of %(max)s'),
    "duplicate": gettext_lazy(
        "the same pupil, subject, semester and assessment are already on row %(row)s"
    ),
}

# Babel locales of our languages (as the pupil import's report).
_BABEL_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en_GB"}


def format_count(value: int) -> str:
    """A whole number with the reader's grouping: 1,204 (en), 1 204 (fr), 1.204 (ar)."""
    locale = _BABEL_LOCALES.get((get_language() or "ar").split("-")[0], "ar_MA")
    return str(format_decimal(value, locale=locale, numbering_system="latn"))


@dataclass(frozen=True)
class BulkError:
    """One problem: a row (as a spreadsheet numbers it, the header is row 1; None for the file
    as a whole), a column (its name in the file's header; "" for the whole row), the value as
    written, and a code with its parameters. `message` and `line` are in the active language."""

    row: int | None
    column: str
    value: str
    code: str
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        template = MESSAGES.get(self.code)
        if template is None:
            return self.code
        values = {"value": self.value, **self.params}
        if self.code == "duplicate" and values.get("row", "").isdigit():
            values["row"] = format_count(int(values["row"]))
        return str(template) % values

    @property
    def line(self) -> str:
        """row 1,204, column note: "21" is above the maximum of 20."""
        message = self.message
        if self.row is None:
            return message
        if not self.column:
            return _("row %(row)s: %(message)s") % {
                "row": format_count(self.row),
                "message": message,
            }
        return _("row %(row)s, column %(column)s: %(message)s") % {
            "row": format_count(self.row),
            "column": self.column,
            "message": message,
        }


class MarksFileRefused(InvalidInput):
    """The file was not imported: nothing was written. `errors` holds the first problems (by
    row); `total` counts them all, `rows_with_errors` the rows they are on, `by_code` them per
    kind; `rows` is the number of rows read (0 when the file as a whole was refused)."""

    code = "marks_file_refused"

    def __init__(
        self,
        errors: list[BulkError],
        *,
        total: int | None = None,
        rows_with_errors: int = 0,
        rows: int = 0,
        by_code: dict[str, int] | None = None,
    ) -> None:
        total = len(errors) if total is None else total
        super().__init__(
            _("%(count)s errors; nothing was imported.") % {"count": format_count(total)}
            if total != 1
            else _("1 error; nothing was imported.")
        )
        self.errors = errors
        self.total = total
        self.rows_with_errors = rows_with_errors
        self.rows = rows
        self.by_code = by_code or {}


@dataclass
class BulkResult:
    """What an import did (or, with dry_run, would do)."""

    year: str
    rows: int = 0  # rows read (entirely empty rows are not counted)
    empty: int = 0  # rows whose `note` is empty: nothing to import
    created: int = 0  # marks that did not exist
    changed: int = 0  # marks whose value or absence code changed
    unchanged: int = 0
    assessments_created: int = 0
    audit_seq: int | None = None
    dry_run: bool = False
    loader: str = ""  # "copy" (server-side CSV), "copy-rows" or "executemany"
    sha256: str = ""
    ignored_columns: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return self.created + self.changed


# progress(stage, done, total): stage is "reading" (bytes), "checking" or "writing" (steps).
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    """Nobody watches."""


# Reading the header ---------------------------------------------------------------------------


def header_name(text: str) -> str:
    """A column of the file as the import knows it: normalised as the pupil import does
    (`Matière` reads as matiere), then the older names mapped (`code_massar` → code_national)."""
    name = normalise_header(text)
    return ALIASES.get(name, name)


@dataclass(frozen=True)
class _Header:
    delimiter: str
    # The staging column for each of the file's columns, in file order: a role of ROLES, or
    # "x<i>" for a column the import ignores.
    targets: tuple[str, ...]
    ignored: tuple[str, ...]

    @property
    def positions(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.targets) if t in ROLES}


def _read_header(source: IO[bytes]) -> _Header:
    raw = source.readline(1 << 16)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MarksFileRefused([BulkError(None, "", "", "not_utf8")]) from None
    if not text.strip():
        raise MarksFileRefused([BulkError(None, "", "", "no_header")])
    # French spreadsheets save CSV with semicolons; tabs come from copy-paste.
    delimiter = max([";", ",", "\t"], key=text.count)
    cells = next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])
    targets: list[str] = []
    ignored: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells):
        name = header_name(cell)
        if name in COLUMN_OF_ROLE.values():
            if name in seen:
                raise MarksFileRefused(
                    [BulkError(None, "", "", "duplicate_column", {"column": name})]
                )
            seen.add(name)
            targets.append(next(c.role for c in COLUMNS if c.name == name))
        else:
            targets.append(f"x{i}")
            if name:
                ignored.append(name)
    missing = [c.name for c in COLUMNS if c.name not in seen]
    if missing:
        raise MarksFileRefused(
            [BulkError(None, "", "", "missing_columns", {"columns": ", ".join(missing)})]
        )
    return _Header(delimiter, tuple(targets), tuple(ignored))


def _file_digest(source: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    source.seek(0)
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    source.seek(0)
    return digest.hexdigest(), size


def _records(source: IO[bytes], header: _Header) -> Iterator[tuple[Any, ...]]:
    """(row number, school, pupil, subject, semester, number, mark) per non-empty row, as
    Python's csv module reads the file; a row shorter than the header reads its missing cells
    as empty. Raises MarksFileRefused for bytes that are not UTF-8 or a line csv cannot read."""
    source.seek(0)
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    positions = [header.positions[role] for role in ROLES]
    reader = csv.reader(text, delimiter=header.delimiter)
    number = 1
    try:
        next(reader, None)
        for number, cells in enumerate(reader, start=2):
            values = tuple(cells[p].strip() if p < len(cells) else "" for p in positions)
            if any(values):
                yield (number, *values)
    except UnicodeDecodeError:
        raise MarksFileRefused([BulkError(None, "", "", "not_utf8")]) from None
    except csv.Error as exc:
        raise MarksFileRefused(
            [
                BulkError(
                    None, "", "", "not_csv", {"row": format_count(number + 1), "reason": str(exc)}
                )
            ]
        ) from None
    finally:
        text.detach()


# The SQL --------------------------------------------------------------------------------------


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _has_year(model: type[models.Model]) -> bool:
    """Whether the model carries its school year (marks partitioned by year)."""
    return any(f.name == "year" for f in model._meta.concrete_fields)


def _mark_conflict_columns() -> list[str]:
    """The columns of Mark's unique constraint on (assessment, enrolment) — with the year first
    when marks are partitioned by year — as ON CONFLICT must name them."""
    for constraint in Mark._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.condition is None
            and {"assessment", "enrolment"} <= set(constraint.fields)
        ):
            return [str(Mark._meta.get_field(name).column) for name in constraint.fields]  # type: ignore[union-attr]
    return ["assessment_id", "enrolment_id"]  # pragma: no cover - the model has the constraint


@dataclass(frozen=True)
class _Sql:
    """The few things that differ between the engines."""

    postgres: bool

    @property
    def num(self) -> str:
        return "numeric" if self.postgres else "REAL"

    @property
    def id(self) -> str:
        return "bigint" if self.postgres else "integer"

    @property
    def distinct(self) -> str:
        return "IS DISTINCT FROM" if self.postgres else "IS NOT"

    @property
    def uuid(self) -> str:
        return "gen_random_uuid()" if self.postgres else "lower(hex(randomblob(16)))"

    def matches(self, column: str, pattern: str) -> str:
        # Django gives SQLite a REGEXP function.
        return f"{column} ~ '{pattern}'" if self.postgres else f"{column} REGEXP '{pattern}'"

    def position(self, needle: str, column: str) -> str:
        return f"strpos({column}, '{needle}')" if self.postgres else f"instr({column}, '{needle}')"

    def temp(self, name: str, columns: str) -> list[str]:
        return [f"DROP TABLE IF EXISTS {name}", f"CREATE TEMP TABLE {name} ({columns})"]


# Arabic-Indic digits and decimal separator, and the comma, read as ASCII (as parse_mark does).
_FROM = "".join(chr(0x0660 + d) for d in range(10)) + "\u066b,"
_TO = "0123456789.."


def _normalised_mark(sql: _Sql, column: str) -> str:
    if sql.postgres:
        return f"translate({column}, '{_FROM}', '{_TO}')"
    text = column
    for source, target in zip(_FROM, _TO, strict=True):
        text = f"replace({text}, '{source}', '{target}')"
    return text


def _scope_condition(actor: Actor | None) -> tuple[str, list[int]]:
    """SQL on the school `s` (and its province `p`) for the schools `actor` may import marks
    into, with its parameters. The system (None) and the ministry: every school."""
    if actor is None or actor.has(Role.MINISTRY):
        return "1 = 1", []
    parts: list[str] = []
    params: list[int] = []
    scopes = (
        (Role.ACADEMY, "p.region_id", actor.academy_region_ids),
        (Role.DIRECTORATE, "s.province_id", actor.directorate_province_ids),
        (Role.DIRECTOR, "s.id", actor.director_school_ids),
    )
    for role, column, ids in scopes:
        if actor.has(role) and ids:
            parts.append(f"{column} IN ({', '.join(['%s'] * len(ids))})")
            params.extend(sorted(ids))
    if not parts:
        return "1 = 0", []
    return "(" + " OR ".join(parts) + ")", params


_EMPTY = "''"


def _resolve_statement(sql: _Sql, scope: str) -> str:
    """Every row, resolved and checked in one pass: ids, the parsed mark, and per column the
    first problem found (e_*) with what its message needs (p_*)."""
    t = {
        "school": _table(School),
        "province": _table(Province),
        "student": _table(Student),
        "enrolment": _table(Enrolment),
        "class": _table(SchoolClass),
        "subject": _table(Subject),
        "semester": _table(Semester),
        "level": _table(Level),
        "stream": _table(Stream),
    }
    number = sql.matches("r.norm", "^[0-9]+([.][0-9]+)?$")
    dot = sql.position(".", "r.norm")
    decimals = f"length(rtrim(substr(r.norm, {dot} + 1), '0'))"
    cells = ", ".join(f"trim(coalesce({role}, {_EMPTY})) AS {role}" for role in ROLES)
    semester_digits = ", ".join(f"'{n}'" for n in range(1, 10))
    numbers = ", ".join(f"'{n}'" for n in range(1, 5))
    absences = ", ".join(f"'{code}'" for code in AbsenceCode.values)
    # A fence: PostgreSQL computes each level once per row instead of inlining its expressions
    # wherever the next level uses them.
    fence = "OFFSET 0" if sql.postgres else ""
    # S608: only table names, column names and integers are formatted in; values are bound.
    return f"""
    INSERT INTO mb_keys (row_no,
        school_id, enrolment_id, class_id, subject_id, semester_id, number,
        mark_kind, value, absence,
        e_school, e_pupil, p_pupil, e_subject, p_subject, e_semester, e_number, p_number,
        e_mark)
    SELECT r.row_no,
        s.id, e.id, e.school_class_id, sub.id, sem.id, r.num,
        r.kind, r.value,
        CASE WHEN r.kind = 'absence' THEN upper(r.norm) ELSE '' END,
        CASE WHEN r.school = '' THEN 'required'
             WHEN s.id IS NULL THEN 'unknown_school'
             WHEN NOT {scope} THEN 'school_out_of_scope' END,
        CASE WHEN r.pupil = '' THEN 'required'
             WHEN st.id IS NULL THEN 'unknown_pupil'
             WHEN st.merged_into_id IS NOT NULL THEN 'code_merged'
             WHEN e.id IS NULL THEN 'not_enrolled'
             WHEN s.id IS NOT NULL AND e.school_id <> s.id THEN 'enrolled_elsewhere'
             WHEN e.school_class_id IS NULL THEN 'no_class' END,
        CASE WHEN st.merged_into_id IS NOT NULL THEN mst.national_code
             WHEN s.id IS NOT NULL AND e.school_id <> s.id THEN es.code END,
        CASE WHEN r.subject = '' THEN 'required'
             WHEN sub.id IS NULL THEN 'unknown_subject'
             WHEN c.id IS NOT NULL AND tt.subject_id IS NULL THEN 'subject_not_taught' END,
        CASE WHEN c.id IS NOT NULL AND sub.id IS NOT NULL AND tt.subject_id IS NULL
             THEN CASE WHEN sm.code IS NULL THEN lv.code ELSE lv.code || '/' || sm.code END
             END,
        CASE WHEN r.semester = '' THEN 'required'
             WHEN sem.id IS NULL THEN 'unknown_semester'
             WHEN sem.closed_at IS NOT NULL THEN 'semester_closed' END,
        CASE WHEN r.number = '' THEN 'required'
             WHEN r.num IS NULL THEN 'bad_number'
             WHEN tt.planned IS NOT NULL AND r.num > tt.planned THEN 'number_out_of_range' END,
        CASE WHEN r.num > tt.planned THEN CAST(tt.planned AS TEXT) END,
        CASE WHEN r.kind = 'bad' THEN 'not_a_mark'
             WHEN r.decimals > 2 THEN 'too_many_decimals'
             WHEN r.value > CAST(%(max)s AS {sql.num}) THEN 'above_maximum' END
    FROM (
        SELECT r.*,
            CASE WHEN r.kind = 'number' THEN CAST(r.norm AS {sql.num}) END AS value,
            CASE WHEN r.kind = 'number' AND {dot} > 0 THEN {decimals} ELSE 0 END AS decimals
        FROM (
            SELECT r.*,
                CASE WHEN r.norm = '' THEN 'empty'
                     WHEN upper(r.norm) IN ({absences}) THEN 'absence'
                     WHEN {number} THEN 'number'
                     ELSE 'bad' END AS kind,
                CASE WHEN r.sem IN ({semester_digits}) THEN CAST(r.sem AS INTEGER) END AS sem_no,
                CASE WHEN r.number IN ({numbers}) THEN CAST(r.number AS INTEGER) END AS num
            FROM (
                SELECT r.row_no, r.school, upper(r.pupil) AS pupil,
                    upper(r.subject) AS subject, r.semester, r.number, r.mark,
                    {_normalised_mark(sql, "r.mark")} AS norm,
                    CASE WHEN upper(substr(r.semester, 1, 1)) = 'S' THEN substr(r.semester, 2)
                         ELSE r.semester END AS sem
                FROM (SELECT row_no, {cells} FROM mb_raw {fence}) r
                WHERE r.school <> '' OR r.pupil <> '' OR r.subject <> '' OR r.semester <> ''
                   OR r.number <> '' OR r.mark <> ''
                {fence}
            ) r {fence}
        ) r {fence}
    ) r
    LEFT JOIN {t["school"]} s ON s.code = r.school
    LEFT JOIN {t["province"]} p ON p.id = s.province_id
    LEFT JOIN {t["student"]} st ON st.national_code = r.pupil
    LEFT JOIN {t["student"]} mst ON mst.id = st.merged_into_id
    LEFT JOIN {t["enrolment"]} e ON e.student_id = st.id AND e.year_id = %(year)s
         AND e.status = 'active'
    LEFT JOIN {t["school"]} es ON es.id = e.school_id
    LEFT JOIN {t["class"]} c ON c.id = e.school_class_id
    LEFT JOIN {t["level"]} lv ON lv.id = c.level_id
    LEFT JOIN {t["stream"]} sm ON sm.id = c.stream_id
    LEFT JOIN {t["subject"]} sub ON sub.code = r.subject
    LEFT JOIN {t["semester"]} sem ON sem.year_id = %(year)s AND sem.number = r.sem_no
    LEFT JOIN mb_taught tt ON tt.level_id = c.level_id AND tt.stream_key = coalesce(c.stream_id, 0)
         AND tt.subject_id = sub.id
    """  # noqa: S608  # nosec B608: identifiers and integers from code, values bound


def _taught_statement() -> str:
    """The subjects of each (level, stream) of the year's classes with their number of
    contrôles per semester: a class with a stream uses its stream's coefficients, or the
    level's when the stream has none (grading.services.subjects_for)."""
    coef = _table(SubjectCoefficient)
    return f"""
    INSERT INTO mb_taught (level_id, stream_key, subject_id, planned)
    SELECT k.level_id, coalesce(k.stream_id, 0), co.subject_id, co.assessments_per_semester
    FROM (SELECT DISTINCT level_id, stream_id FROM {_table(SchoolClass)} WHERE year_id = %(year)s) k
    JOIN {coef} co ON co.year_id = %(year)s AND co.level_id = k.level_id
     AND (co.stream_id = k.stream_id
          OR (co.stream_id IS NULL AND (k.stream_id IS NULL OR NOT EXISTS (
              SELECT 1 FROM {coef} o WHERE o.year_id = %(year)s AND o.level_id = k.level_id
              AND o.stream_id = k.stream_id))))
    """  # noqa: S608  # nosec B608: identifiers from code, values bound


_MARK_GIVEN = "k.mark_kind IN ('number', 'absence')"
_KEYS_RESOLVED = (
    "k.enrolment_id IS NOT NULL AND k.subject_id IS NOT NULL AND k.semester_id IS NOT NULL "
    "AND k.number IS NOT NULL"
)
# The columns checked in the resolve statement: (error column, file column, parameter column).
_CHECKS = (
    ("e_school", "school", "NULL"),
    ("e_pupil", "pupil", "k.p_pupil"),
    ("e_subject", "subject", "k.p_subject"),
    ("e_semester", "semester", "NULL"),
    ("e_number", "number", "k.p_number"),
    ("e_mark", "mark", "NULL"),
)


def _errors_statement() -> str:
    # S608: only the constant column names of _CHECKS are formatted in.
    parts = [
        f"SELECT k.row_no, {rank} AS col, trim(r.{role}) AS value, k.{check} AS code, "  # noqa: S608  # nosec B608
        f"{param} AS param, trim(r.school) AS school FROM mb_keys k "
        f"JOIN mb_raw r ON r.row_no = k.row_no WHERE k.{check} IS NOT NULL"
        for rank, (check, role, param) in enumerate(_CHECKS, start=1)
    ]
    return (
        "INSERT INTO mb_errors (row_no, col, value, code, param, school)\n"
        + "\nUNION ALL\n".join(parts)
    )


def _mark_join(alias: str, assessment: str, enrolment: str, year_bound: bool) -> str:
    year = f" AND {alias}.year_id = %(year)s" if year_bound else ""
    return (
        f"LEFT JOIN {_table(Mark)} {alias} ON {alias}.assessment_id = {assessment} "
        f"AND {alias}.enrolment_id = {enrolment}{year}"
    )


def _differs(sql: _Sql, mark: str, keys: str) -> str:
    return (
        f"({mark}.id IS NULL OR {mark}.value {sql.distinct} {keys}.value "
        f"OR {mark}.absence <> {keys}.absence)"
    )


def _duplicates_statement() -> str:
    return f"""
    INSERT INTO mb_errors (row_no, col, value, code, param, school)
    SELECT k.row_no, 0, '', 'duplicate', CAST(d.first_row AS TEXT), trim(r.school)
    FROM mb_keys k
    JOIN mb_raw r ON r.row_no = k.row_no
    JOIN (SELECT k.enrolment_id, k.subject_id, k.semester_id, k.number,
                 min(k.row_no) AS first_row
          FROM mb_keys k WHERE {_KEYS_RESOLVED}
          GROUP BY k.enrolment_id, k.subject_id, k.semester_id, k.number
          HAVING count(*) > 1) d
      ON d.enrolment_id = k.enrolment_id AND d.subject_id = k.subject_id
     AND d.semester_id = k.semester_id AND d.number = k.number AND k.row_no > d.first_row
    """  # noqa: S608  # nosec B608: constants


def _closed_term_statement(sql: _Sql, year_bound: bool) -> str:
    """Rows that would change a mark of a semester their school closed (an unchanged mark is
    not refused: the same file imported again after closure changes nothing)."""
    return f"""
    INSERT INTO mb_errors (row_no, col, value, code, param, school)
    SELECT k.row_no, 4, trim(r.semester), 'term_closed', s.code, trim(r.school)
    FROM mb_keys k
    JOIN mb_raw r ON r.row_no = k.row_no
    JOIN {_table(TermClosure)} tc ON tc.school_id = k.school_id AND tc.semester_id = k.semester_id
    JOIN {_table(School)} s ON s.id = k.school_id
    LEFT JOIN {_table(Assessment)} a ON a.school_class_id = k.class_id
         AND a.subject_id = k.subject_id AND a.semester_id = k.semester_id
         AND a.kind = 'continuous' AND a.number = k.number
    {_mark_join("m", "a.id", "k.enrolment_id", year_bound)}
    WHERE {_MARK_GIVEN} AND k.e_mark IS NULL AND {_KEYS_RESOLVED}
      AND {_differs(sql, "m", "k")}
    """  # noqa: S608  # nosec B608: identifiers from code, values bound


# The import -----------------------------------------------------------------------------------


class _Steps:
    """The progress of the checking and writing stages, one step per statement."""

    def __init__(self, progress: Progress, stage: str, total: int) -> None:
        self.progress, self.stage, self.total, self.done = progress, stage, total, 0
        progress(stage, 0, total)

    def step(self) -> None:
        self.done = min(self.done + 1, self.total)
        self.progress(self.stage, self.done, self.total)


def import_marks(
    *,
    source: IO[bytes],
    filename: str,
    year: SchoolYear,
    actor: Actor | None,
    dry_run: bool = False,
    max_errors: int = 50,
    progress: Progress = _no_progress,
) -> BulkResult:
    """Import the marks of a CSV file (seekable binary stream) for `year`, as `actor` (None:
    the system, any school; otherwise within the actor's territory, for the roles in
    BULK_IMPORT_ROLES). All or nothing: raises MarksFileRefused with the first `max_errors`
    problems (0: all) and writes nothing if any row is wrong; with `dry_run`, checks and counts
    everything, then rolls back. Returns the counts."""
    if actor is not None and not actor.roles & BULK_IMPORT_ROLES:
        raise InvalidInput(_("Your role may not import marks."), code="not_allowed")
    scale_max = policy_for(year).scale_max
    result = BulkResult(year=year.code, dry_run=dry_run)
    clock = time.perf_counter()
    header = _read_header(source)
    result.ignored_columns = list(header.ignored)
    result.sha256, size = _file_digest(source)
    sql = _Sql(postgres=connection.vendor == "postgresql")
    with transaction.atomic():
        _create_tables(sql, header)
        result.loader = _load(sql, source, header, size, progress)
        result.seconds["load"] = time.perf_counter() - clock
        clock = time.perf_counter()
        _check(sql, result, year=year, actor=actor, scale_max=scale_max, limit=max_errors,
               progress=progress)  # fmt: skip
        result.seconds["check"] = time.perf_counter() - clock
        clock = time.perf_counter()
        _write(sql, result, year=year, actor=actor, filename=filename, progress=progress)
        result.seconds["write"] = time.perf_counter() - clock - result.seconds["constraints"]
        _drop_tables()
        if dry_run:
            transaction.set_rollback(True)
    return result


_TABLES = ("mb_raw", "mb_taught", "mb_keys", "mb_errors", "mb_assess", "mb_changes")


def _create_tables(sql: _Sql, header: _Header) -> None:
    raw_columns = ", ".join(f"{target} text" for target in header.targets)
    row_no = f"row_no {sql.id}" + (
        " GENERATED BY DEFAULT AS IDENTITY (START WITH 2)" if sql.postgres else ""
    )
    i, n = sql.id, sql.num
    statements = [
        *sql.temp("mb_raw", f"{row_no}, {raw_columns}"),
        *sql.temp("mb_taught", f"level_id {i}, stream_key {i}, subject_id {i}, planned integer"),
        *sql.temp(
            "mb_keys",
            f"row_no {i}, school_id {i}, enrolment_id {i}, "
            f"class_id {i}, subject_id {i}, semester_id {i}, number integer, mark_kind text, "
            f"value {n}, absence text, e_school text, e_pupil text, p_pupil text, "
            "e_subject text, p_subject text, e_semester text, e_number text, p_number text, "
            "e_mark text",
        ),
        *sql.temp(
            "mb_errors",
            f"row_no {i}, col integer, value text, code text, param text, school text",
        ),
        *sql.temp(
            "mb_assess",
            f"class_id {i}, subject_id {i}, semester_id {i}, number integer, assessment_id {i}",
        ),
        *sql.temp(
            "mb_changes",
            # n numbers the rows 1, 2, … (SQLite: its rowid) to write them in chunks.
            ("n bigint GENERATED ALWAYS AS IDENTITY, " if sql.postgres else "")
            + f"assessment_id {i}, enrolment_id {i}, value {n}, absence text, "
            f"old_value {n}, old_absence text, existed integer",
        ),
    ]
    with connection.cursor() as cursor:
        if sql.postgres:
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        for statement in statements:
            cursor.execute(statement)


def _drop_tables() -> None:
    with connection.cursor() as cursor:
        for name in _TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _load(sql: _Sql, source: IO[bytes], header: _Header, size: int, progress: Progress) -> str:
    """Fill mb_raw from the file; returns how."""
    if sql.postgres:
        try:
            # A savepoint: a file the server's parser refuses is read again by Python's.
            with transaction.atomic():
                _copy_file(source, header, size, progress)
            return "copy"
        except _ServerRefused:
            pass
        _copy_rows(source, header, size, progress)
        return "copy-rows"
    _insert_rows(source, header, size, progress)
    return "executemany"


class _ServerRefused(Exception):
    """PostgreSQL's CSV parser refused the file (blank line, short row, not UTF-8…)."""


def _copy_file(source: IO[bytes], header: _Header, size: int, progress: Progress) -> None:
    """COPY the file's bytes as they are: the server parses the CSV (the fast path)."""
    import psycopg

    delimiter = {";": "';'", ",": "','", "\t": "E'\\t'"}[header.delimiter]
    statement = (
        f"COPY mb_raw ({', '.join(header.targets)}) FROM STDIN "
        f"WITH (FORMAT csv, HEADER true, DELIMITER {delimiter})"
    )
    source.seek(0)
    done = 0
    connection.ensure_connection()
    raw = connection.connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            while chunk := source.read(_CHUNK):
                copy.write(chunk)
                done += len(chunk)
                progress("reading", done, size)
        with raw.cursor() as cursor:
            cursor.execute("ANALYZE mb_raw")
    except psycopg.DataError as exc:
        raise _ServerRefused(str(exc)) from exc


def _copy_rows(source: IO[bytes], header: _Header, size: int, progress: Progress) -> None:
    """COPY the rows as Python's csv module reads them (blank lines skipped, short rows
    padded), with their row numbers."""
    statement = f"COPY mb_raw (row_no, {', '.join(ROLES)}) FROM STDIN"
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for count, record in enumerate(_records(source, header), start=1):
            copy.write_row(record)
            if count % BATCH_ROWS == 0:
                progress("reading", min(source.tell(), size), size)
    progress("reading", size, size)
    with raw.cursor() as cursor:
        cursor.execute("ANALYZE mb_raw")


def _insert_rows(source: IO[bytes], header: _Header, size: int, progress: Progress) -> None:
    statement = (
        f"INSERT INTO mb_raw (row_no, {', '.join(ROLES)}) "  # noqa: S608  # nosec B608: constants
        f"VALUES ({', '.join(['%s'] * (len(ROLES) + 1))})"
    )
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for record in _records(source, header):
            batch.append(record)
            if len(batch) >= BATCH_ROWS:
                cursor.executemany(statement, batch)
                batch.clear()
                progress("reading", min(source.tell(), size), size)
        if batch:
            cursor.executemany(statement, batch)
    progress("reading", size, size)


def _check(
    sql: _Sql,
    result: BulkResult,
    *,
    year: SchoolYear,
    actor: Actor | None,
    scale_max: Decimal,
    limit: int,
    progress: Progress,
) -> None:
    """Resolve and check every row; raise MarksFileRefused if any is wrong."""
    steps = _Steps(progress, "checking", 6)
    scope, scope_params = _scope_condition(actor)
    year_bound = _has_year(Mark)
    params: dict[str, Any] = {"year": year.pk, "max": str(scale_max)}
    with connection.cursor() as cursor:
        cursor.execute(_taught_statement(), params)
        if sql.postgres:
            cursor.execute("ANALYZE mb_taught")
        steps.step()
        # The scope's ids are bound by position: give every value that way.
        resolve = _resolve_statement(sql, scope)
        cursor.execute(*_positional(resolve, params, scope_params))
        if sql.postgres:
            cursor.execute("ANALYZE mb_keys")
        steps.step()
        checked = " OR ".join(f"{check} IS NOT NULL" for check, _role, _param in _CHECKS)
        cursor.execute(
            "SELECT count(*), "  # noqa: S608  # nosec B608: constant column names
            "coalesce(sum(CASE WHEN mark_kind = 'empty' THEN 1 ELSE 0 END), 0), "
            f"coalesce(sum(CASE WHEN {checked} THEN 1 ELSE 0 END), 0) FROM mb_keys"
        )
        rows, empty, wrong = (int(v) for v in cursor.fetchone())
        result.rows, result.empty = rows, empty
        if wrong:
            cursor.execute(_errors_statement())
        steps.step()
        cursor.execute(_duplicates_statement())
        steps.step()
        cursor.execute(_closed_term_statement(sql, year_bound), params)
        steps.step()
        cursor.execute("SELECT count(*), count(DISTINCT row_no) FROM mb_errors")
        total, rows_with_errors = (int(v) for v in cursor.fetchone())
        steps.step()
        if not rows and not total:
            raise MarksFileRefused([BulkError(None, "", "", "no_rows")])
        if not total:
            return
        cursor.execute("SELECT code, count(*) FROM mb_errors GROUP BY code ORDER BY code")
        by_code = {str(code): int(count) for code, count in cursor.fetchall()}
        cursor.execute(
            "SELECT row_no, col, value, code, param, school FROM mb_errors "  # noqa: S608  # nosec B608: constants
            "ORDER BY row_no, col" + (" LIMIT %s" if limit > 0 else ""),
            [limit] if limit > 0 else [],
        )
        found = cursor.fetchall()
    names = [""] + [COLUMN_OF_ROLE[role] for _check, role, _param in _CHECKS]
    common = {"year": year.code, "max": _plain(scale_max)}
    errors = []
    for row_no, col, value, code, param, school in found:
        extra = dict(common, school=school or "")
        if code == "duplicate":
            extra["row"] = str(param)
        elif param is not None:
            extra["other"] = str(param)
        errors.append(BulkError(int(row_no), names[int(col)], value or "", str(code), extra))
    raise MarksFileRefused(
        errors, total=total, rows_with_errors=rows_with_errors, rows=rows, by_code=by_code
    )


def _positional(statement: str, named: dict[str, Any], scope: list[int]) -> tuple[str, list[Any]]:
    """The statement with %(name)s turned into %s, and its parameters in order (the scope's
    %s come in the middle)."""
    params: list[Any] = []
    parts = statement.split("%")
    out = [parts[0]]
    scope_values = iter(scope)
    for part in parts[1:]:
        if part.startswith("("):
            name, _, rest = part[1:].partition(")s")
            params.append(named[name])
            out.append("%s" + rest)
        elif part.startswith("s"):
            params.append(next(scope_values))
            out.append("%" + part)
        else:  # pragma: no cover - the statements hold no other %
            out.append("%" + part)
    return "".join(out), params


def _plain(value: Decimal) -> str:
    """20.00 -> "20", 12.50 -> "12.5" (for messages)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _write(
    sql: _Sql,
    result: BulkResult,
    *,
    year: SchoolYear,
    actor: Actor | None,
    filename: str,
    progress: Progress,
) -> None:
    """Lock the assessments, create the missing ones, upsert the changed marks, one event per
    change and one audit entry."""
    steps = _Steps(progress, "writing", 5)
    result.seconds["constraints"] = 0.0
    now = timezone.now()
    user_id = actor.pk if actor is not None else None
    params: dict[str, Any] = {
        "year": year.pk,
        "now": connection.ops.adapt_datetimefield_value(now),
        "user": user_id,
    }
    assessment = _table(Assessment)
    mark_year = _has_year(Mark)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO mb_assess (class_id, subject_id, semester_id, number, assessment_id)
            SELECT d.class_id, d.subject_id, d.semester_id, d.number, a.id
            FROM (SELECT DISTINCT k.class_id, k.subject_id, k.semester_id, k.number
                  FROM mb_keys k WHERE {_MARK_GIVEN}) d
            LEFT JOIN {assessment} a ON a.school_class_id = d.class_id
                 AND a.subject_id = d.subject_id AND a.semester_id = d.semester_id
                 AND a.kind = 'continuous' AND a.number = d.number
            """  # noqa: S608  # nosec B608: identifiers from code
        )
        if sql.postgres:
            cursor.execute("ANALYZE mb_assess")
        steps.step()
        if sql.postgres:
            # Saves of an assessment's grid wait for the import (save_marks locks the same row).
            cursor.execute(
                f"""
                SELECT count(*) FROM (
                    SELECT a.id FROM {assessment} a
                    WHERE a.id IN (SELECT assessment_id FROM mb_assess)
                    ORDER BY a.id FOR UPDATE OF a) locked
                """  # noqa: S608  # nosec B608: identifiers from code
            )
        steps.step()
        cursor.execute(
            f"""
            INSERT INTO {assessment} (uuid, school_class_id, subject_id, semester_id, kind,
                number, held_on, created_at, created_by_id)
            SELECT {sql.uuid}, class_id, subject_id, semester_id, 'continuous', number, NULL,
                %(now)s, %(user)s
            FROM mb_assess WHERE assessment_id IS NULL
            ON CONFLICT (school_class_id, subject_id, semester_id, kind, number) DO NOTHING
            """,  # noqa: S608  # nosec B608: identifiers from code, values bound
            params,
        )
        result.assessments_created = max(cursor.rowcount, 0)
        if result.assessments_created:
            cursor.execute(
                f"""
                UPDATE mb_assess SET assessment_id = (
                    SELECT a.id FROM {assessment} a
                    WHERE a.school_class_id = mb_assess.class_id
                      AND a.subject_id = mb_assess.subject_id
                      AND a.semester_id = mb_assess.semester_id
                      AND a.kind = 'continuous' AND a.number = mb_assess.number)
                WHERE assessment_id IS NULL
                """  # noqa: S608  # nosec B608: identifiers from code
            )
        steps.step()
        cursor.execute(
            f"""
            INSERT INTO mb_changes (assessment_id, enrolment_id, value, absence, old_value,
                old_absence, existed)
            SELECT b.assessment_id, k.enrolment_id, k.value, k.absence, m.value, m.absence,
                CASE WHEN m.id IS NULL THEN 0 ELSE 1 END
            FROM mb_keys k
            JOIN mb_assess b ON b.class_id = k.class_id AND b.subject_id = k.subject_id
                 AND b.semester_id = k.semester_id AND b.number = k.number
            {_mark_join("m", "b.assessment_id", "k.enrolment_id", mark_year)}
            WHERE {_MARK_GIVEN} AND {_differs(sql, "m", "k")}
            """,  # noqa: S608  # nosec B608: identifiers from code, values bound
            params if mark_year else None,
        )
        cursor.execute("SELECT count(*), coalesce(sum(existed), 0) FROM mb_changes")
        changes, existed = (int(v) for v in cursor.fetchone())
        result.created = changes - existed
        result.changed = existed
        result.unchanged = result.rows - result.empty - changes
        steps.step()
        chunks = range(1, changes + 1, CHUNK_ROWS)
        steps.total += len(chunks)
        if not changes:
            steps.step()
            return
        event = record_event(
            actor=actor,
            action="marks.import",
            object_type="school_year",
            object_id=year.code,
            data={
                "file": filename[:200],
                "sha256": result.sha256,
                "rows": result.rows,
                "created": result.created,
                "changed": result.changed,
                "unchanged": result.unchanged,
                "assessments_created": result.assessments_created,
            },
            actor_role=(actor.primary_role or "") if actor is not None else "",
        )
        result.audit_seq = event.seq
        steps.step()
        numbered = "n" if sql.postgres else "rowid"
        if sql.postgres and len(chunks) > 1:
            # The rows are stored in the order of n: a BRIN index finds a chunk's pages.
            cursor.execute("CREATE INDEX mb_changes_n ON mb_changes USING brin (n)")
        year_column = "year_id, " if mark_year else ""
        year_value = "%(year)s, " if mark_year else ""
        event_year = _has_year(MarkEvent)
        conflict = ", ".join(_mark_conflict_columns())
        for first in chunks:
            chunk = {**params, "first": first, "last": first + CHUNK_ROWS - 1, "seq": event.seq}
            where = f"{numbered} BETWEEN %(first)s AND %(last)s"
            if changes > existed:
                # New marks: a plain INSERT. Nobody else can write them meanwhile: their
                # assessments are new (unseen until commit) or locked above, as every writer of
                # marks locks them.
                cursor.execute(
                    f"""
                    INSERT INTO {_table(Mark)} ({year_column}assessment_id, enrolment_id,
                        value, absence, updated_at, updated_by_id)
                    SELECT {year_value}assessment_id, enrolment_id, value, absence, %(now)s,
                        %(user)s
                    FROM mb_changes WHERE existed = 0 AND {where}
                    """,  # noqa: S608  # nosec B608: identifiers from code, values bound
                    chunk,
                )
            if existed:
                cursor.execute(
                    f"""
                    INSERT INTO {_table(Mark)} ({year_column}assessment_id, enrolment_id,
                        value, absence, updated_at, updated_by_id)
                    SELECT {year_value}assessment_id, enrolment_id, value, absence, %(now)s,
                        %(user)s
                    FROM mb_changes WHERE existed = 1 AND {where}
                    ON CONFLICT ({conflict}) DO UPDATE
                    SET value = excluded.value, absence = excluded.absence,
                        updated_at = excluded.updated_at, updated_by_id = excluded.updated_by_id
                    """,  # noqa: S608  # nosec B608: identifiers from code, values bound
                    chunk,
                )
            cursor.execute(
                f"""
                INSERT INTO {_table(MarkEvent)} ({"year_id, " if event_year else ""}
                    assessment_id, enrolment_id, old_value, old_absence, new_value,
                    new_absence, at, actor_id, reason, audit_seq)
                SELECT {"%(year)s, " if event_year else ""}assessment_id, enrolment_id,
                    old_value, coalesce(old_absence, ''), value, absence, %(now)s, %(user)s,
                    '', %(seq)s
                FROM mb_changes WHERE {where}
                """,  # noqa: S608  # nosec B608: identifiers from code, values bound
                chunk,
            )
            if sql.postgres:
                # Django's foreign keys are checked at commit: PostgreSQL queues one check per
                # row and key until then. Checking them after each chunk bounds that queue's
                # memory (and times the checks, and raises a violation inside the import).
                clock = time.perf_counter()
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                result.seconds["constraints"] += time.perf_counter() - clock
            steps.step()


def error_counts_line(refused: MarksFileRefused) -> str:
    """ "12 errors on 10 of 5,000 rows; nothing was imported." in the active language."""
    return ngettext(
        "%(errors)s error on %(bad)s of %(rows)s rows; nothing was imported.",
        "%(errors)s errors on %(bad)s of %(rows)s rows; nothing was imported.",
        refused.total,
    ) % {
        "errors": format_count(refused.total),
        "bad": format_count(refused.rows_with_errors),
        "rows": format_count(refused.rows),
    }


def summary_line(result: BulkResult, filename: str) -> str:
    """The counts of an import, in the active language."""
    return _(
        "%(file)s: %(rows)s rows: %(created)s marks created, %(changed)s changed, "
        "%(unchanged)s unchanged, %(empty)s empty; %(assessments)s assessments created"
    ) % {
        "file": filename,
        "rows": format_count(result.rows),
        "created": format_count(result.created),
        "changed": format_count(result.changed),
        "unchanged": format_count(result.unchanged),
        "empty": format_count(result.empty),
        "assessments": format_count(result.assessments_created),
    }
