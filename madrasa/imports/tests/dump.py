"""The business content of the database, without surrogate ids or timestamps, to compare two
runs of an import (interrupted and resumed against uninterrupted, or before and after a re-run).

Plain SQL, so that it reads Django's connection and a separate psycopg connection alike.
"""

from __future__ import annotations

from typing import Any, Protocol

QUERIES = {
    "students": """
        SELECT s.uuid, s.national_code, s.first_name_ar, s.last_name_ar, s.first_name_latn,
               s.last_name_latn, s.birth_date, s.birth_place_ar, s.birth_place_latn, s.gender,
               sc.code, s.search_key, s.last_key_latn, s.last_key_ar, m.national_code
        FROM registry_student s
        LEFT JOIN registry_school sc ON sc.id = s.school_id
        LEFT JOIN registry_student m ON m.id = s.merged_into_id
    """,
    "guardians": """
        SELECT first_name_ar, last_name_ar, first_name_latn, last_name_latn, national_id, phone
        FROM registry_guardian
    """,
    "guardianships": """
        SELECT st.national_code, g.national_id, g.first_name_latn, g.last_name_latn,
               gs.relation, gs.is_primary
        FROM registry_guardianship gs
        JOIN registry_student st ON st.id = gs.student_id
        JOIN registry_guardian g ON g.id = gs.guardian_id
    """,
    "classes": """
        SELECT sc.code, y.code, l.code, str.code, c.name, c.capacity
        FROM enrolment_schoolclass c
        JOIN registry_school sc ON sc.id = c.school_id
        JOIN registry_schoolyear y ON y.id = c.year_id
        JOIN registry_level l ON l.id = c.level_id
        LEFT JOIN registry_stream str ON str.id = c.stream_id
    """,
    "enrolments": """
        SELECT st.national_code, sc.code, y.code, l.code, str.code, c.name, e.status,
               e.started_on, e.ended_on, e.decision
        FROM enrolment_enrolment e
        JOIN registry_student st ON st.id = e.student_id
        JOIN registry_school sc ON sc.id = e.school_id
        JOIN registry_schoolyear y ON y.id = e.year_id
        JOIN registry_level l ON l.id = e.level_id
        LEFT JOIN registry_stream str ON str.id = e.stream_id
        LEFT JOIN enrolment_schoolclass c ON c.id = e.school_class_id
    """,
    "journey": """
        SELECT st.national_code, j.kind, y.code, sc.code, l.code, j.detail, j.actor_id
        FROM enrolment_journeyevent j
        JOIN registry_student st ON st.id = j.student_id
        LEFT JOIN registry_schoolyear y ON y.id = j.year_id
        LEFT JOIN registry_school sc ON sc.id = j.school_id
        LEFT JOIN registry_level l ON l.id = j.level_id
    """,
    "duplicates": """
        SELECT a.national_code, b.national_code, d.score, d.reasons, d.status
        FROM registry_duplicatecandidate d
        JOIN registry_student a ON a.id = d.student_id
        JOIN registry_student b ON b.id = d.other_id
    """,
    "code_counters": "SELECT letter, next_serial FROM registry_nationalcodecounter",
}


class Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def dump(cursor: Cursor) -> dict[str, list[str]]:
    """Every business table as sorted row texts (the order rows were written in is not part of
    the content)."""
    content = {}
    for name, query in QUERIES.items():
        cursor.execute(query)
        content[name] = sorted(repr(tuple(row)) for row in cursor.fetchall())
    return content
