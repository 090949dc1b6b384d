"""The bulletins of a batch of schools, computed in the database: a fixed set of set-based
statements per batch (INSERT … SELECT, UPDATE … FROM with window functions), never a loop over
pupils. The same SQL runs on SQLite (3.33+) and PostgreSQL.

Exactness. Every number is carried as an integer: marks and coefficients in hundredths (they are
stored with two decimals), averages in units of 10^-decimals of the policy. Rounding half up of
p/q (p, q ≥ 0) is the integer division (2p + q) div 2q; truncating is p div q. Both engines
divide integers exactly, so SQLite's floating-point storage of decimals never moves a cent (a
stored value is read back as ROUND(value * 100), exact for two decimals). The results equal
`madrasa.grading.rules` (the property test in tests/test_compute_property.py):

    subject average  = round(sum of counted marks / number counted)
    general average  = round(sum(subject average * coefficient) / sum(coefficients)), over the
                       subjects that have an average
    year average     = round(sum(semester average * weight) / sum(weights)), over the semesters
                       that have an average
    rank             = RANK() over the class, highest average first (1, 2, 2, 4)

Which subjects: the class's coefficient rows (grading.services.subjects_for): a class with a
stream takes its stream's rows when the year has any for that level and stream, else the
level's rows without a stream. Which marks: the continuous assessments of the semester, by
enrolment (a pupil who changed class keeps the marks of the first one); an absence code counts
as 0 when the policy's `absence_rules` says "zero", and is left out otherwise.

Which pupils: the active enrolments of the year that have a class. A bulletin that is no longer
wanted (the pupil left) is deleted while unpublished. Published bulletins are never written
here: the caller leaves their schools out (see services.start_bulletin_run).
Remarks survive a recomputation: rows are updated in place, not replaced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.grading.models import SubjectCoefficient
from madrasa.grading.rules import Policy
from madrasa.grading.sql import MAX_DECIMALS, PolicySql, decimal_places
from madrasa.marks.models import Assessment, Mark
from madrasa.registry.models import Semester

from .models import Bulletin, BulletinLine

logger = logging.getLogger(__name__)

__all__ = ["MAX_DECIMALS", "SqlPolicy", "compute_semester", "compute_year"]

T = {
    "bulletin": Bulletin._meta.db_table,
    "line": BulletinLine._meta.db_table,
    "enrolment": Enrolment._meta.db_table,
    "klass": SchoolClass._meta.db_table,
    "coef": SubjectCoefficient._meta.db_table,
    "mark": Mark._meta.db_table,
    "assessment": Assessment._meta.db_table,
    "semester": Semester._meta.db_table,
}


@dataclass(frozen=True)
class SqlPolicy(PolicySql):
    """A grading policy as the integers and literals the statements need, with the semester
    weights as integers on a common scale."""

    weights: tuple[int, ...]

    @classmethod
    def from_policy(cls, policy: Policy) -> SqlPolicy:
        weight_places = max((decimal_places(w) for w in policy.semester_weights), default=0)
        return cls.for_policy(
            policy, weights=tuple(int(w.scaleb(weight_places)) for w in policy.semester_weights)
        )

    def decision_case(self, units: str) -> str:
        return (
            f"CASE WHEN {units} IS NULL THEN '' WHEN {units} >= {self.pass_units} "
            "THEN 'promoted' ELSE 'repeat' END"
        )

    def weight_case(self, number: str) -> str:
        whens = " ".join(f"WHEN {i} THEN {w}" for i, w in enumerate(self.weights, start=1))
        return f"CASE {number} {whens} ELSE NULL END" if whens else "NULL"


def _uuid_sql() -> str:
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    return "lower(hex(randomblob(16)))"


def _in(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)


# The enrolments that get a bulletin, as a condition on the alias `e`.
_PUPILS = (
    "e.school_id IN ({schools}) AND e.year_id = {year} AND e.status = 'active' "
    "AND e.school_class_id IS NOT NULL"
)
# The coefficient row `sc` applies to the class `c` (grading.services.subjects_for).
_APPLIES = (
    "sc.year_id = c.year_id AND sc.level_id = c.level_id AND ("
    "(c.stream_id IS NOT NULL AND sc.stream_id = c.stream_id) "
    "OR (sc.stream_id IS NULL AND (c.stream_id IS NULL OR NOT EXISTS ("
    "SELECT 1 FROM {coef} s2 WHERE s2.year_id = c.year_id AND s2.level_id = c.level_id "
    "AND s2.stream_id = c.stream_id))))"
)
_CENTS = "CAST(ROUND({column} * 100) AS INTEGER)"


def _as_units(column: str, scale: int) -> str:
    """A stored two-decimal value as an exact integer of 10^-decimals units."""
    return f"CAST(ROUND({column} * {int(scale)}) AS INTEGER)"


def _common_statements(period: str, semester_id: int | None, fmt: dict[str, str]) -> list[str]:
    """Remove the unwanted unpublished bulletins of the batch and add the missing ones."""
    semester = "NULL" if semester_id is None else str(int(semester_id))
    stale = (
        "SELECT b.id FROM {bulletin} b JOIN {enrolment} e ON e.id = b.enrolment_id "
        "WHERE b.period = '{period}' AND b.published_at IS NULL "
        "AND e.school_id IN ({schools}) AND e.year_id = {year} "
        "AND (e.status <> 'active' OR e.school_class_id IS NULL)"
    )
    return [
        ("DELETE FROM {line} WHERE bulletin_id IN (" + stale + ")").format(**fmt),  # noqa: S608  # nosec B608: table names, integers, checked codes
        ("DELETE FROM {bulletin} WHERE id IN (" + stale + ")").format(**fmt),  # noqa: S608  # nosec B608: table names, integers, checked codes
        (
            "INSERT INTO {bulletin} (uuid, enrolment_id, semester_id, period, class_size, "  # nosec B608: table names, integers, checked codes
            "mention, decision_proposal, director_remark) "
            "SELECT {uuid}, e.id, " + semester + ", '{period}', 0, '', '', '' "
            "FROM {enrolment} e WHERE " + _PUPILS + " "
            # Not NOT EXISTS on the table being filled: planned on an empty table, that
            # anti-join rescans the growing heap for every row (quadratic).
            "ON CONFLICT (enrolment_id, period) DO NOTHING"
        ).format(**fmt),
    ]


def _ranking_update(policy: SqlPolicy, inner: str, fmt: dict[str, str]) -> str:
    """UPDATE the batch's unpublished bulletins of the period from `inner`, a query giving
    (bulletin_id, class_id, units): the average, rank in class, class size, mention, decision."""
    return (
        "UPDATE {bulletin} SET general_average = s.average, rank = s.rnk, "  # noqa: S608  # nosec B608: table names, integers, checked codes
        "class_size = s.size, mention = s.mention, decision_proposal = s.decision, "
        "computed_at = %s "
        "FROM (SELECT g.bulletin_id, g.units * 1.0 / " + str(policy.scale) + " AS average, "
        "CASE WHEN g.units IS NULL THEN NULL ELSE RANK() OVER ("
        "PARTITION BY g.class_id, g.units IS NULL ORDER BY g.units DESC) END AS rnk, "
        "COUNT(*) OVER (PARTITION BY g.class_id) AS size, "
        + policy.mention_case("g.units")
        + " AS mention, "
        + policy.decision_case("g.units")
        + " AS decision FROM ("
        + inner
        + ") g) s WHERE {bulletin}.id = s.bulletin_id AND {bulletin}.published_at IS NULL"
    ).format(**fmt)


def _run(
    statements: Sequence[str], now: datetime, *, analyze_after: frozenset[int] = frozenset()
) -> None:
    """Run the statements in order. On PostgreSQL the bulletin tables' statistics are refreshed
    after each statement in `analyze_after` (rows just added or filled in): the first batch of a
    run into empty tables was otherwise planned as if they held nothing (nested loops over
    tens of thousands of rows: 40 s instead of 1 s for 4,000 pupils)."""
    with connection.cursor() as cursor:
        for i, sql in enumerate(statements):
            started = time.perf_counter()
            if "%s" in sql:
                cursor.execute(sql, [now])
            else:
                cursor.execute(sql)
            if i in analyze_after and connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {T['bulletin']}, {T['line']}")
            logger.debug("statement %s: %.3f s", i, time.perf_counter() - started)


def _format(school_ids: Sequence[int], year_id: int, period: str) -> dict[str, str]:
    fmt = dict(T)
    fmt.update(schools=_in(school_ids), year=str(int(year_id)), period=period, uuid=_uuid_sql())
    fmt["coef_applies"] = _APPLIES.format(**fmt)
    return fmt


def semester_statements(
    school_ids: Sequence[int], semester: Semester, policy: SqlPolicy
) -> list[str]:
    """The statements computing the semester bulletins of these schools (in order)."""
    period = f"S{semester.number}"
    fmt = _format(school_ids, semester.year_id, period)
    pupils = _PUPILS.format(**fmt)
    target = f"b.period = '{period}' AND b.published_at IS NULL AND {pupils}"
    statements = _common_statements(period, semester.pk, fmt)
    # Lines of subjects the class no longer has.
    statements.append(
        (
            "DELETE FROM {line} WHERE id IN (SELECT l.id FROM {line} l "  # noqa: S608  # nosec B608: table names, integers, checked codes
            "JOIN {bulletin} b ON b.id = l.bulletin_id JOIN {enrolment} e ON e.id = b.enrolment_id "
            "JOIN {klass} c ON c.id = e.school_class_id WHERE " + target + " AND NOT EXISTS ("
            "SELECT 1 FROM {coef} sc WHERE {coef_applies} AND sc.subject_id = l.subject_id))"
        ).format(**fmt)
    )
    # A line for each subject of the class, with its average from the marks. One upsert: the
    # first computation only inserts (writing the lines empty, then updating every one of them,
    # wrote each line twice and took three times as long); a recomputation updates the lines in
    # place, so teachers' remarks survive.
    cents = _CENTS.format(column="m.value")
    counted = f"m.value IS NOT NULL OR {policy.zero_condition('m.absence')}"
    marks = (
        "SELECT m.enrolment_id, a.subject_id, "  # noqa: S608  # nosec B608: table names, integers, checked codes
        f"SUM(CASE WHEN m.value IS NOT NULL THEN {cents} ELSE 0 END) AS cents, "
        f"SUM(CASE WHEN {counted} THEN 1 ELSE 0 END) AS counted "
        "FROM {mark} m JOIN {assessment} a ON a.id = m.assessment_id "
        "JOIN {enrolment} e ON e.id = m.enrolment_id "
        # m.year_id: PostgreSQL reads only that year's partition of the marks.
        "WHERE m.year_id = " + str(int(semester.year_id)) + " "
        "AND a.semester_id = " + str(int(semester.pk)) + " AND a.kind = 'continuous' "
        "AND " + pupils + " GROUP BY m.enrolment_id, a.subject_id"
    ).format(**fmt)
    average = policy.divide(f"agg.cents * {policy.scale}", "100 * agg.counted")
    statements.append(
        (
            "INSERT INTO {line} (bulletin_id, subject_id, coefficient, average, marks_counted, "  # nosec B608: table names, integers, checked codes
            "teacher_remark) SELECT b.id, sc.subject_id, sc.coefficient, "
            "CASE WHEN agg.counted > 0 THEN " + average + " * 1.0 / " + str(policy.scale) + " "
            "END, COALESCE(agg.counted, 0), '' "
            "FROM {bulletin} b JOIN {enrolment} e ON e.id = b.enrolment_id "
            "JOIN {klass} c ON c.id = e.school_class_id JOIN {coef} sc ON {coef_applies} "
            "LEFT JOIN (" + marks + ") agg ON agg.enrolment_id = e.id "
            "AND agg.subject_id = sc.subject_id "
            "WHERE " + target + " ON CONFLICT (bulletin_id, subject_id) DO UPDATE SET "
            "coefficient = excluded.coefficient, average = excluded.average, "
            "marks_counted = excluded.marks_counted"
        ).format(**fmt)
    )
    # General averages weighted by the coefficients, ranks, mentions, decisions.
    a = _as_units("l.average", policy.scale)
    c = _CENTS.format(column="l.coefficient")
    general = policy.divide(f"SUM({a} * {c})", f"SUM({c})")
    inner = (
        f"SELECT b.id AS bulletin_id, e.school_class_id AS class_id, {general} AS units "  # noqa: S608  # nosec B608: table names, integers, checked codes
        "FROM {bulletin} b JOIN {enrolment} e ON e.id = b.enrolment_id "
        "LEFT JOIN {line} l ON l.bulletin_id = b.id AND l.average IS NOT NULL "
        "WHERE b.period = '{period}' AND " + pupils + " GROUP BY b.id, e.school_class_id"
    ).format(**fmt)
    statements.append(_ranking_update(policy, inner, fmt))
    return statements


def year_statements(school_ids: Sequence[int], year_id: int, policy: SqlPolicy) -> list[str]:
    """The statements computing the year bulletins (period Y) of these schools from their
    semester bulletins' general averages."""
    fmt = _format(school_ids, year_id, "Y")
    pupils = _PUPILS.format(**fmt)
    statements = _common_statements("Y", None, fmt)
    g = _as_units("sb.general_average", policy.scale)
    semesters = (
        f"SELECT sb.enrolment_id, {g} AS units, {policy.weight_case('s.number')} AS weight "  # noqa: S608  # nosec B608: table names, integers, checked codes
        "FROM {bulletin} sb JOIN {semester} s ON s.id = sb.semester_id "
        "WHERE sb.period <> 'Y' AND sb.general_average IS NOT NULL AND s.year_id = {year}"
    ).format(**fmt)
    units = (
        "CASE WHEN SUM(sg.weight) > 0 THEN "
        + policy.divide("SUM(sg.units * sg.weight)", "SUM(sg.weight)")
        + " END"
    )
    inner = (
        f"SELECT b.id AS bulletin_id, e.school_class_id AS class_id, {units} AS units "  # noqa: S608  # nosec B608: table names, integers, checked codes
        "FROM {bulletin} b JOIN {enrolment} e ON e.id = b.enrolment_id "
        "LEFT JOIN (" + semesters + ") sg ON sg.enrolment_id = b.enrolment_id "
        "AND sg.weight IS NOT NULL "
        "WHERE b.period = 'Y' AND " + pupils + " GROUP BY b.id, e.school_class_id"
    ).format(**fmt)
    statements.append(_ranking_update(policy, inner, fmt))
    return statements


def compute_semester(
    school_ids: Sequence[int],
    semester: Semester,
    policy: SqlPolicy,
    *,
    now: datetime,
    analyze: bool = False,
) -> None:
    """Compute (or recompute) the semester bulletins of these schools. Run it in a
    transaction; the schools must have no published bulletin for the semester. `analyze`
    refreshes the planner's statistics once the rows exist (the first batch of a run)."""
    if school_ids:
        # After adding the bulletins (2) and their lines with the subject averages (4).
        after = frozenset({2, 4}) if analyze else frozenset()
        _run(semester_statements(school_ids, semester, policy), now, analyze_after=after)


def compute_year(
    school_ids: Sequence[int],
    year_id: int,
    policy: SqlPolicy,
    *,
    now: datetime,
    analyze: bool = False,
) -> None:
    """Compute (or recompute) the year bulletins of these schools from their semester
    bulletins."""
    if school_ids:
        # After adding the year bulletins (2).
        after = frozenset({2}) if analyze else frozenset()
        _run(year_statements(school_ids, year_id, policy), now, analyze_after=after)
