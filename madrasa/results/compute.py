"""The results of a whole exam session, computed in the database: one DELETE and one
INSERT … SELECT per exam scheme of the session (two at most: enrolled and free candidates of
the baccalauréat), never a loop over candidates. The same SQL runs on SQLite and PostgreSQL.

Exactness, as in `madrasa.bulletins.compute`: every number is carried as an integer. Marks and
coefficients are read in hundredths (stored with two decimals: ROUND(value * 100) is exact even
from SQLite's floating-point storage), averages in units of 10^-decimals of the year's policy.
Rounding half up of p/q (p, q ≥ 0) is the integer division (2p + q) div 2q; truncating is p div q.
The results equal `madrasa.grading.rules` to the cent (tests/test_compute_property.py):

    counted mark      = the value; 0 for an absence the policy counts as zero; else not counted
    component average = rules.general_average over the component's subjects (coefficient-
                        weighted mean of the counted marks), rounded
    continuous        = the continuous average given in the import file (a row without a
                        subject), else the year bulletin of the candidate's enrolment (period Y,
                        madrasa.bulletins), else the weighted mean of continuous subject marks
    final average     = rules.exam_average: sum(component average * weight), rounded; empty when
                        a component of the scheme is missing
    mention, outcome  = rules.mention, rules.exam_outcome (resit band [resit_min, pass mark))

Coefficients: the mark's own `coefficient` when the import gave one, else the year's
SubjectCoefficient of the scheme's level and the candidate's stream, else of the level without a
stream (the import refuses a subject with none of these).

Resit session: each candidate's marks are the normal session's marks with the resit marks laid
over them, subject by subject: the better counted mark is kept when the scheme says
`resit_keeps_best` (rules.best_marks), else the resit mark replaces the normal one. There is no
resit after the resit: below the pass mark is "failed".

Free candidates of the baccalauréat are computed with the year's `baccalaureat_free` scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection

from madrasa.grading.models import ExamScheme, SubjectCoefficient
from madrasa.grading.rules import Policy
from madrasa.grading.sql import (
    MAX_DECIMALS,
    PolicySql,
    decimal_places,
    sql_literal,
    units_at_least,
)

from .models import ExamCandidate, ExamMark, ExamResult, ExamSession

__all__ = ["MAX_DECIMALS", "SchemeGroup", "compute_session", "scheme_groups"]

COMPONENTS = ("continuous", "local", "regional", "national")

T = {
    "mark": ExamMark._meta.db_table,
    "candidate": ExamCandidate._meta.db_table,
    "result": ExamResult._meta.db_table,
    "coef": SubjectCoefficient._meta.db_table,
}


@dataclass(frozen=True)
class SchemeGroup:
    """The candidates of a session that one exam scheme applies to."""

    scheme: ExamScheme
    kinds: tuple[str, ...]


def scheme_groups(session: ExamSession) -> list[SchemeGroup]:
    """Enrolled candidates take the session's scheme; free candidates of the baccalauréat take
    the year's free-candidate scheme when there is one."""
    scheme = session.scheme
    if scheme.code == ExamScheme.Code.BACCALAUREAT:
        free = ExamScheme.objects.filter(
            year_id=scheme.year_id, code=ExamScheme.Code.BACCALAUREAT_FREE
        ).first()
        if free is not None:
            return [SchemeGroup(scheme, ("enrolled",)), SchemeGroup(free, ("free",))]
    return [SchemeGroup(scheme, ("enrolled", "free"))]


@dataclass(frozen=True)
class _Sql(PolicySql):
    """The policy and scheme as the integers and literals the statement needs."""

    resit_units: int | None
    weights: tuple[tuple[str, int], ...]  # (component, weight * weight_scale)
    weight_scale: int

    @classmethod
    def build(cls, policy: Policy, scheme: ExamScheme, *, resit_session: bool) -> _Sql:
        weights = scheme.weights()
        for code in weights:
            if code not in COMPONENTS:
                raise ValueError(f"unknown exam component {code!r}")
        places = max((decimal_places(w) for w in weights.values()), default=0)
        resit_min = None if resit_session or scheme.resit_min is None else scheme.resit_min
        scale = 10**policy.decimals
        return cls.for_policy(
            policy,
            resit_units=None if resit_min is None else units_at_least(Decimal(resit_min), scale),
            weights=tuple((code, int(w.scaleb(places))) for code, w in weights.items()),
            weight_scale=10**places,
        )

    def final(self) -> str:
        total = " + ".join(f"a_{code} * {weight}" for code, weight in self.weights)
        return self.divide(total, str(self.weight_scale))

    def outcome_case(self, units: str) -> str:
        resit = (
            f"WHEN {units} >= {self.resit_units} THEN 'resit' "
            if self.resit_units is not None
            else ""
        )
        return (
            f"CASE WHEN {units} IS NULL THEN '' WHEN {units} >= {self.pass_units} "
            f"THEN 'admitted' {resit}ELSE 'failed' END"
        )


def _decimal(units: str, scale: int) -> str:
    """Units of 10^-decimals as the stored decimal."""
    if connection.vendor == "postgresql":
        return f"CAST({units} AS NUMERIC) / {scale}"
    return f"CAST({units} AS REAL) / {scale}"


def _bulletin_join() -> tuple[str, str]:
    """The year bulletin of the candidate's enrolment, when madrasa.bulletins is installed:
    (join clause, SQL for its general average in hundredths or NULL)."""
    try:
        bulletin = apps.get_model("bulletins", "Bulletin")
    except LookupError:
        return "", "NULL"
    table = connection.ops.quote_name(bulletin._meta.db_table)
    return (
        f"LEFT JOIN {table} b ON b.enrolment_id = c.enrolment_id AND b.period = 'Y'",
        "CAST(ROUND(b.general_average * 100) AS BIGINT)",
    )


def _statement(session: ExamSession, group: SchemeGroup, sql: _Sql) -> str:
    scale = sql.scale
    resit = session.session == ExamSession.Session.RESIT
    keeps_best = bool(group.scheme.resit_keeps_best)
    year_id = int(session.scheme.year_id)
    level_id = int(group.scheme.level_id)
    kinds = ", ".join(sql_literal(k) for k in group.kinds)

    def marks(join_column: str, is_resit: int) -> str:
        # S608: only table names, integers and checked codes are formatted in; values are params
        return f"""
        SELECT c.id AS cid, m.component AS component, m.subject_id AS subject_id,
               {is_resit} AS is_resit,
               CASE WHEN m.value IS NOT NULL THEN CAST(ROUND(m.value * 100) AS BIGINT)
                    WHEN {sql.zero_condition("m.absence")} THEN 0 ELSE NULL END AS cv,
               CAST(ROUND(COALESCE(m.coefficient, cs.coefficient, cl.coefficient) * 100)
                    AS BIGINT) AS coef
        FROM {T["mark"]} m
        JOIN {T["candidate"]} c ON c.{join_column} = m.candidate_id
        LEFT JOIN {T["coef"]} cs ON cs.year_id = {year_id} AND cs.level_id = {level_id}
             AND cs.stream_id = c.stream_id AND cs.subject_id = m.subject_id
        LEFT JOIN {T["coef"]} cl ON cl.year_id = {year_id} AND cl.level_id = {level_id}
             AND cl.stream_id IS NULL AND cl.subject_id = m.subject_id
        WHERE c.session_id = %(session)s AND c.kind IN ({kinds})"""  # noqa: S608  # nosec B608: identifiers and integers from code, values bound

    source = marks("id", 1)
    if resit:
        source = marks("previous_id", 0) + "\n        UNION ALL" + source
    if resit and not keeps_best:
        kept_value = (
            "CASE WHEN MAX(is_resit) = 1 THEN MAX(CASE WHEN is_resit = 1 THEN cv END) "
            "ELSE MAX(cv) END"
        )
    else:
        kept_value = "MAX(cv)"
    average = f"CASE WHEN den > 0 THEN {sql.divide(f'num * {scale}', '100 * den')} END"
    pivot = ",\n               ".join(
        f"MAX(CASE WHEN comp.component = '{code}' THEN {average} END) AS w_{code}"
        for code in COMPONENTS
    )
    bulletin_join, bulletin_cents = _bulletin_join()
    given = sql.divide(f"o.cv * {scale}", "100")
    from_bulletin = sql.divide(f"{bulletin_cents} * {scale}", "100")
    # S608: only table names, integers and checked codes are formatted in; values are params
    return f"""
    WITH src AS ({source}
    ),
    kept AS (
        SELECT cid, component, subject_id, {kept_value} AS cv, MAX(coef) AS coef
        FROM src GROUP BY cid, component, subject_id
    ),
    comp AS (
        SELECT cid, component,
               CAST(SUM(CASE WHEN cv IS NOT NULL THEN cv * coef END) AS BIGINT) AS num,
               CAST(SUM(CASE WHEN cv IS NOT NULL THEN coef END) AS BIGINT) AS den
        FROM kept WHERE subject_id IS NOT NULL GROUP BY cid, component
    ),
    given AS (
        SELECT cid, MAX(cv) AS cv FROM kept WHERE subject_id IS NULL
        AND component = 'continuous' GROUP BY cid
    ),
    pivot AS (
        SELECT c.id AS cid, {pivot}
        FROM {T["candidate"]} c LEFT JOIN comp ON comp.cid = c.id
        WHERE c.session_id = %(session)s AND c.kind IN ({kinds})
        GROUP BY c.id
    ),
    avgs AS (
        SELECT p.cid AS cid,
               COALESCE({given}, {from_bulletin}, p.w_continuous) AS a_continuous,
               p.w_local AS a_local, p.w_regional AS a_regional, p.w_national AS a_national
        FROM pivot p
        JOIN {T["candidate"]} c ON c.id = p.cid
        LEFT JOIN given o ON o.cid = p.cid
        {bulletin_join}
    ),
    fin AS (
        SELECT cid, a_continuous, a_local, a_regional, a_national, {sql.final()} AS f FROM avgs
    )
    INSERT INTO {T["result"]} (candidate_id, continuous_average, local_average,
        regional_average, national_average, final_average, mention, outcome, computed_at)
    SELECT cid, {_decimal("a_continuous", scale)}, {_decimal("a_local", scale)},
           {_decimal("a_regional", scale)}, {_decimal("a_national", scale)},
           {_decimal("f", scale)}, {sql.mention_case("f")}, {sql.outcome_case("f")},
           %(now)s
    FROM fin"""  # noqa: S608  # nosec B608: identifiers and integers from code, values bound


def compute_session(session: ExamSession, policy: Policy, now: datetime) -> dict[str, int]:
    """Replace the results of every candidate of the session. Call inside a transaction.
    Returns the number of results by outcome ("" = incomplete)."""
    stamp: Any = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {T['result']} WHERE candidate_id IN "  # noqa: S608  table names only  # nosec B608: identifiers and integers from code, values bound
            f"(SELECT id FROM {T['candidate']} WHERE session_id = %s)",
            [session.pk],
        )
        for group in scheme_groups(session):
            sql = _Sql.build(
                policy, group.scheme, resit_session=session.session == ExamSession.Session.RESIT
            )
            cursor.execute(
                _statement(session, group, sql),  # integers and checked codes only
                {"session": session.pk, "now": stamp},
            )
        cursor.execute(
            f"SELECT r.outcome, COUNT(*) FROM {T['result']} r "  # noqa: S608  table names only  # nosec B608: identifiers and integers from code, values bound
            f"JOIN {T['candidate']} c ON c.id = r.candidate_id "
            "WHERE c.session_id = %s GROUP BY r.outcome",
            [session.pk],
        )
        return {str(outcome): int(count) for outcome, count in cursor.fetchall()}
