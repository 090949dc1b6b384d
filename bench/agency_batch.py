"""Scenario `agency_batch` of `madrasa bench`: a 10,000-identifier schooling-status request of
a social-aid agency through the API, against the same lookups as one SQL query.

    .venv/bin/madrasa bench --only agency_batch [--scale small|province|national]

On a scratch database: `madrasa synth --pupils N`, then the schooling status of the current
month for the whole country (`attendance.services.compute_schooling_status`, as `madrasa
attendance status` does), an agency registered with the purpose social_aid
(`agency.services.create_agency_client`) and its OAuth 2.0 access token from POST /oauth/token/
(client-credentials grant, HTTP Basic with the client's id and secret).

The batch: 10,000 identifiers in random order, 9,000 national codes of pupils, 500 guardian
national IDs (CNIE) with a child's birth date, 500 well-formed national codes of no pupil.

Madrasa figure: POST /api/v1/agency/schooling-status with the bearer token, in this process
through Django's test client (the whole request path: middleware, URL resolver, ninja, token
check, parsing of every identifier, the selector's queries, the log of the request and of every
pupil shared, JSON rendering; no socket), median of 5 after a warm-up. Raw figure: the same
lookups as one SQL statement through psycopg, the identifiers as three array parameters (codes,
guardian IDs, birth dates) unnested with their position and joined to registry_student,
registry_guardian / registry_guardianship and attendance_schoolingstatus (the month's status
of each pupil, which is what the API answers), median of 5 after a warm-up. Both give the same
answer for every identifier and share the same pupils (checked). Goal: time ≤ 2 x raw.
"""

from __future__ import annotations

import base64
import json
import random
import statistics
from datetime import date
from typing import Any

from benchkit import (
    Progress,
    migrate,
    no_progress,
    postgres_settings,
    pupils_for,
    scratch,
    setup_django,
    synth,
    timed,
)

GOAL = 2.0  # Madrasa's time at most GOAL x raw
URL = "/api/v1/agency/schooling-status"
CODES, PAIRS, UNKNOWN = 9_000, 500, 500

# The same answers as agency.selectors.schooling_statuses, in one statement: by national code,
# or by guardian + child's birth date (children of one guardian born the same day whose
# statuses differ: ambiguous); unknown when no pupil with a status that month matches. Each
# identifier is looked up through the unique indexes (LATERAL: a nested loop of index probes,
# whose cost grows with the batch, not with the country).
RAW = """
SELECT i.ord,
       CASE WHEN count(f.student_id) = 0 THEN 'unknown'
            WHEN count(DISTINCT f.status) > 1 THEN 'ambiguous'
            ELSE min(f.status) END AS status,
       CASE WHEN count(DISTINCT f.status) = 1 THEN array_agg(DISTINCT f.student_id) END
FROM unnest(%(codes)s::text[], %(guardians)s::text[], %(births)s::date[])
     WITH ORDINALITY AS i(code, guardian, born, ord)
LEFT JOIN LATERAL (
    SELECT ss.student_id, ss.status
    FROM registry_student st
    JOIN attendance_schoolingstatus ss ON ss.student_id = st.id AND ss.month = %(month)s
    WHERE st.national_code = i.code
    UNION ALL
    SELECT ss.student_id, ss.status
    FROM registry_guardian g
    JOIN registry_guardianship gs ON gs.guardian_id = g.id
    JOIN registry_student st ON st.id = gs.student_id AND st.birth_date = i.born
    JOIN attendance_schoolingstatus ss ON ss.student_id = st.id AND ss.month = %(month)s
    WHERE g.national_id = i.guardian
) f ON true
GROUP BY i.ord
ORDER BY i.ord
"""


def _batch(conn: Any) -> list[dict[str, str]]:
    """The 10,000 identifiers, shuffled (seeded: the same batch for the same data)."""
    conn.execute("SELECT setseed(0.8)")
    codes = [
        row[0]
        for row in conn.execute(
            "SELECT national_code FROM registry_student WHERE merged_into_id IS NULL "
            "ORDER BY random() LIMIT %s",
            [CODES],
        )
    ]
    pairs = conn.execute(
        "SELECT g.national_id, st.birth_date FROM registry_guardianship gs "
        "JOIN registry_guardian g ON g.id = gs.guardian_id "
        "JOIN registry_student st ON st.id = gs.student_id "
        "WHERE g.national_id <> '' ORDER BY random() LIMIT %s",
        [PAIRS],
    ).fetchall()
    # Well-formed codes of no pupil: a letter and a range synth does not use.
    unknown = [f"Y9{n:08d}" for n in random.Random(3).sample(range(10**8), UNKNOWN)]  # noqa: S311  not a secret
    batch: list[dict[str, str]] = [{"national_code": c} for c in codes + unknown]
    batch += [{"guardian_national_id": g, "birth_date": b.isoformat()} for g, b in pairs]
    random.Random(5).shuffle(batch)  # noqa: S311  not a secret
    return batch


def _params(month: date, batch: list[dict[str, str]]) -> dict[str, Any]:
    """The identifiers as three arrays of the same length (NULL where a kind is absent)."""
    return {
        "codes": [i.get("national_code") for i in batch],
        "guardians": [i.get("guardian_national_id") for i in batch],
        "births": [i.get("birth_date") for i in batch],
        "month": month,
    }


def _raw(conn: Any, month: date, batch: list[dict[str, str]]) -> list[tuple[int, str, Any]]:
    return list(conn.execute(RAW, _params(month, batch)).fetchall())


def run(scale: str, progress: Progress = no_progress) -> dict[str, Any]:
    pupils = pupils_for(scale)
    with scratch("bench_agency") as where:
        progress(0.0, "migrate")
        migrate(where)
        synth(where, pupils, progress, start=0.05, end=0.7)
        setup_django(where)
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from madrasa.agency.models import AgencyRequest
        from madrasa.agency.services import create_agency_client
        from madrasa.attendance.services import compute_schooling_status

        progress(0.7, "schooling status of the month")
        month = timezone.localdate().replace(day=1)
        status_run = compute_schooling_status(actor=None, month=month)
        with where.connect() as conn:
            conn.execute("ANALYZE")  # what autovacuum does soon after: both sides planned alike
        progress(0.8, "agency and token")
        agency = create_agency_client(actor=None, name="Bench social aid", purposes=["social_aid"])
        client = Client(HTTP_HOST="localhost")
        basic = base64.b64encode(f"{agency.client_id}:{agency.client_secret}".encode()).decode()
        answer = client.post(
            "/oauth/token/",
            {"grant_type": "client_credentials", "scope": "social_aid"},
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )
        if answer.status_code != 200:
            raise RuntimeError(f"no token: {answer.status_code} {answer.content[:300]!r}")
        token = answer.json()["access_token"]

        with where.connect() as conn:
            batch = _batch(conn)
            unknown_present = conn.execute(
                "SELECT count(*) FROM registry_student WHERE national_code LIKE 'Y9%%'"
            ).fetchone()
            body = json.dumps({"month": f"{month:%Y-%m}", "identifiers": batch})
            headers = {"Authorization": f"Bearer {token}"}
            replies: list[Any] = []

            def ours() -> None:
                reply = client.post(URL, body, content_type="application/json", headers=headers)
                if reply.status_code != 200:
                    raise RuntimeError(
                        f"the API answered {reply.status_code}: {reply.content[:300]!r}"
                    )
                replies.append(reply)

            progress(0.82, "API: 10,000 identifiers")
            madrasa, madrasa_times = timed(ours)
            with CaptureQueriesContext(connection) as queries:
                ours()
            reply = replies[-1]
            answers = [item["status"] for item in reply.json()["results"]]
            logged = AgencyRequest.objects.get(uuid=reply.json()["request_id"])

            progress(0.92, "one SQL query")
            raw, raw_times = timed(lambda: _raw(conn, month, batch))
            rows = _raw(conn, month, batch)
            plan = "\n".join(
                str(row[0]) for row in conn.execute("EXPLAIN " + RAW, _params(month, batch))
            )
            settings = postgres_settings(conn)
        connection.close()
        progress(1.0, "done")

    raw_answers = [row[1] for row in rows]
    raw_shared = {student for row in rows for student in (row[2] or [])}
    differ = [i for i, (a, b) in enumerate(zip(answers, raw_answers, strict=True)) if a != b]
    if differ or logged.shared != len(raw_shared):
        raise RuntimeError(
            f"the API and the SQL query disagree: {len(differ)} answers differ "
            f"(first {differ[:5]}), {logged.shared} pupils shared against {len(raw_shared)}"
        )
    counts: dict[str, int] = {}
    for status in answers:
        counts[status] = counts.get(status, 0) + 1
    return {
        "madrasa": madrasa,
        "raw": raw,
        "unit": "s",
        "goal": f"time ≤ {GOAL:g} x raw",
        "met": madrasa <= GOAL * raw,
        "rows": len(batch),
        "notes": (
            f"{pupils:,} pupils; {len(batch):,} identifiers ({CODES:,} codes, {PAIRS} guardian "
            f"+ birth date, {UNKNOWN} unknown) over HTTP in-process (test client, OAuth token), "
            f"{len(queries)} queries, {len(reply.content) / 1000:.0f} kB; same answers; "
            f"median of 5"
        ),
        "details": {
            "pupils": pupils,
            "month": f"{month:%Y-%m}",
            "statuses_computed": status_run.rows,
            "answers": counts,
            "shared": logged.shared,
            "queries": len(queries),
            "response_bytes": len(reply.content),
            "madrasa_times": madrasa_times,
            "raw_times": raw_times,
            "madrasa_mean": statistics.fmean(madrasa_times),
            "unknown_codes_in_registry": int(unknown_present[0]) if unknown_present else None,
            "path": "POST /api/v1/agency/schooling-status via django.test.Client, bearer token "
            "from POST /oauth/token/",
            "raw_plan": plan,
            "postgres": settings,
        },
    }
