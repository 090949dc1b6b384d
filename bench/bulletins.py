"""Time the national bulletin computation on PostgreSQL against one hand-written SQL statement.

    .venv/bin/python bench/bulletins.py --pupils 20000 [--per-school 400] [--batch 100] [--keep]

Creates a scratch database (`bench_bulletins_<random>`, dropped at the end unless --keep),
migrates it, loads the territory, structure and grading defaults, then generates with
INSERT … SELECT generate_series (no Python loop over rows): schools of --per-school pupils in
classes of 40 (collège 1-3, tronc commun scientifique, 1re bac sciences expérimentales), every
assessment of the first semester that the coefficients call for (2 to 4 per subject: about 25
marks per pupil), marks 0-20 with two decimals, 3 % unjustified and 2 % justified absences.

Then times, in the same run:
1. the national computation as the application runs it (`services.start_bulletin_run` +
   `execute_run`: batches of schools, each one transaction of set-based statements, writing
   bulletins and their subject lines, ranks, mentions, decisions);
2. one hand-written statement computing the same subject averages, coefficient-weighted general
   averages and ranks into an unlogged table (PostgreSQL numeric, round half up),
and checks that both give the same general average and rank for every pupil. Prints both times
and the ratio; writes them to bench/results/bulletins-<N>-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

# (level, stream) of the classes, in turn.
CLASS_KINDS = [("C1", None), ("C2", None), ("C3", None), ("TC", "TCS"), ("1BAC", "SEXP")]


def say(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


GENERATE = """
SELECT setseed(0.42);
INSERT INTO registry_school (uuid, code, name_fr, name_ar, province_id, milieu, sector, is_active)
SELECT gen_random_uuid(), 'B' || lpad(g::text, 5, '0'), 'École ' || g, 'مدرسة ' || g,
       (SELECT id FROM registry_province ORDER BY id OFFSET (g %% 75) LIMIT 1),
       CASE WHEN g %% 3 = 0 THEN 'rural' ELSE 'urban' END, 'public', true
FROM generate_series(1, %(schools)s) g;

CREATE TEMP TABLE kinds (k int, level_id int, stream_id int);
INSERT INTO kinds SELECT k.k - 1, l.id, s.id
FROM (VALUES %(kinds)s) AS k(k, level_code, stream_code)
JOIN registry_level l ON l.code = k.level_code
LEFT JOIN registry_stream s ON s.level_id = l.id AND s.code = k.stream_code;

INSERT INTO enrolment_schoolclass (uuid, school_id, year_id, level_id, stream_id, name, capacity)
SELECT gen_random_uuid(), sch.id, %(year)s, k.level_id, k.stream_id, 'K' || c, 45
FROM registry_school sch
CROSS JOIN generate_series(0, %(classes_per_school)s - 1) c
JOIN kinds k ON k.k = c %% %(kind_count)s
WHERE sch.code LIKE 'B%%';

INSERT INTO registry_student (uuid, national_code, first_name_ar, last_name_ar, first_name_latn,
    last_name_latn, birth_date, birth_place_ar, birth_place_latn, gender, school_id, search_key,
    last_key_latn, last_key_ar)
SELECT gen_random_uuid(), 'Z' || lpad(g::text, 9, '0'), 'تلميذ', 'رقم ' || g, 'Pupil', 'N' || g,
       date '2010-01-01' + (g %% 1500), '', '', CASE WHEN g %% 2 = 0 THEN 'F' ELSE 'M' END,
       NULL, '', '', ''
FROM generate_series(1, %(pupils)s) g;

-- Pupil g goes to the ((g - 1) / 40)-th class (classes ordered by id).
WITH numbered AS (
    SELECT c.*, row_number() OVER (ORDER BY c.id) - 1 AS n FROM enrolment_schoolclass c
    WHERE c.year_id = %(year)s AND c.name LIKE 'K%%'
)
INSERT INTO enrolment_enrolment (uuid, student_id, school_id, year_id, level_id, stream_id,
    school_class_id, status, started_on, decision, decision_note)
SELECT gen_random_uuid(), st.id, c.school_id, c.year_id, c.level_id, c.stream_id, c.id,
       'active', date '2025-09-01', '', ''
FROM registry_student st
JOIN numbered c ON c.n = (substr(st.national_code, 2)::int - 1) / 40
WHERE st.national_code LIKE 'Z%%';

UPDATE registry_student st SET school_id = e.school_id
FROM enrolment_enrolment e WHERE e.student_id = st.id AND st.national_code LIKE 'Z%%';

INSERT INTO marks_assessment (uuid, school_class_id, subject_id, semester_id, kind, number,
    created_at)
SELECT gen_random_uuid(), c.id, sc.subject_id, %(semester)s, 'continuous', n, now()
FROM enrolment_schoolclass c
JOIN grading_subjectcoefficient sc ON sc.year_id = c.year_id AND sc.level_id = c.level_id
     AND sc.stream_id IS NOT DISTINCT FROM c.stream_id
CROSS JOIN LATERAL generate_series(1, sc.assessments_per_semester) n
WHERE c.name LIKE 'K%%';

INSERT INTO marks_mark (assessment_id, enrolment_id, value, absence, updated_at)
SELECT a.id, e.id,
       CASE WHEN r < 0.05 THEN NULL ELSE round((random() * 2000)::numeric) / 100 END,
       CASE WHEN r < 0.03 THEN 'ABN' WHEN r < 0.05 THEN 'ABJ' ELSE '' END,
       now()
FROM enrolment_enrolment e
JOIN marks_assessment a ON a.school_class_id = e.school_class_id
CROSS JOIN LATERAL (SELECT random() + e.id * 0 + a.id * 0 AS r) x
WHERE e.year_id = %(year)s;
ANALYZE;
"""

# The same averages and ranks in one statement: subject averages (ABN counts 0, ABJ/DIS left
# out), coefficient-weighted general averages over the subjects that have one, RANK() per class.
HAND_WRITTEN = """
CREATE UNLOGGED TABLE bench_hand AS
WITH pupils AS (
    SELECT e.id, e.school_class_id, c.year_id, c.level_id, c.stream_id
    FROM enrolment_enrolment e JOIN enrolment_schoolclass c ON c.id = e.school_class_id
    WHERE e.year_id = %(year)s AND e.status = 'active'
), subjects AS (
    SELECT p.id AS enrolment_id, p.school_class_id, sc.subject_id, sc.coefficient
    FROM pupils p JOIN grading_subjectcoefficient sc
      ON sc.year_id = p.year_id AND sc.level_id = p.level_id
     AND (sc.stream_id = p.stream_id OR (sc.stream_id IS NULL AND (p.stream_id IS NULL
          OR NOT EXISTS (SELECT 1 FROM grading_subjectcoefficient s2 WHERE s2.year_id = p.year_id
                         AND s2.level_id = p.level_id AND s2.stream_id = p.stream_id))))
), averages AS (
    SELECT m.enrolment_id, a.subject_id, round(avg(coalesce(m.value, 0)), 2) AS average
    FROM marks_mark m JOIN marks_assessment a ON a.id = m.assessment_id
    WHERE a.semester_id = %(semester)s AND a.kind = 'continuous'
      AND (m.value IS NOT NULL OR m.absence = 'ABN')
    GROUP BY m.enrolment_id, a.subject_id
), generals AS (
    SELECT s.enrolment_id, s.school_class_id,
           round(sum(av.average * s.coefficient)
                 / nullif(sum(s.coefficient) FILTER (WHERE av.average IS NOT NULL), 0), 2)
           AS general
    FROM subjects s LEFT JOIN averages av USING (enrolment_id, subject_id)
    GROUP BY s.enrolment_id, s.school_class_id
)
SELECT enrolment_id, general,
       CASE WHEN general IS NULL THEN NULL ELSE rank() OVER (
           PARTITION BY school_class_id, general IS NULL ORDER BY general DESC) END AS rank
FROM generals
"""

COMPARE = """
SELECT count(*) FILTER (WHERE b.general_average IS DISTINCT FROM h.general
                         OR b.rank IS DISTINCT FROM h.rank),
       count(*)
FROM bulletins_bulletin b JOIN bench_hand h ON h.enrolment_id = b.enrolment_id
WHERE b.period = 'S1'
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument("--per-school", type=int, default=400)
    parser.add_argument("--batch", type=int, default=100, help="schools per batch")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()

    database = f"bench_bulletins_{secrets.token_hex(4)}"
    admin = psycopg.connect(f"{options.server}/postgres", autocommit=True)
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    url = f"{options.server}/{database}"
    os.environ |= {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "madrasa.settings",
        "MADRASA_DEBUG": "false",
        "MADRASA_LOG_LEVEL": os.environ.get("MADRASA_LOG_LEVEL", "WARNING"),
    }
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from madrasa.bulletins.services import BulletinTarget, execute_run, start_bulletin_run
        from madrasa.enrolment.services import current_year
        from madrasa.grading.services import load_grading
        from madrasa.registry.services import load_structure, load_territory

        say(f"setting up {database}…")
        call_command("migrate", verbosity=0)
        load_territory(actor=None)
        load_structure(actor=None)
        load_grading(actor=None)
        year = current_year()
        semester = year.semesters.get(number=1)
        schools = -(-options.pupils // options.per_school)
        classes_per_school = -(-options.per_school // 40)
        kinds = ", ".join(
            f"({i + 1}, '{level}', " + (f"'{stream}')" if stream else "NULL)")
            for i, (level, stream) in enumerate(CLASS_KINDS)
        )
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                GENERATE.replace("%(kinds)s", kinds)  # literal VALUES built above
                % {
                    "schools": schools,
                    "classes_per_school": classes_per_school,
                    "kind_count": len(CLASS_KINDS),
                    "pupils": options.pupils,
                    "year": year.pk,
                    "semester": semester.pk,
                }
            )
            marks = conn.execute("SELECT count(*) FROM marks_mark").fetchone()
            pupils = conn.execute("SELECT count(*) FROM enrolment_enrolment").fetchone()
        generated = time.perf_counter() - started
        n_marks = int(marks[0]) if marks else 0
        n_pupils = int(pupils[0]) if pupils else 0
        say(
            f"generated {n_pupils:,} pupils in {schools:,} schools, {n_marks:,} marks "
            f"({n_marks / max(n_pupils, 1):.1f} per pupil) in {generated:.1f} s"
        )

        started = time.perf_counter()
        run = start_bulletin_run(
            actor=None,
            scope_kind="nation",
            target=BulletinTarget(year=year, semester=semester),
            schedule=False,
        )
        finished = execute_run(run_uuid=run.uuid, batch_size=options.batch)
        madrasa_seconds = time.perf_counter() - started
        if finished is None or finished.status != "done":
            say("the computation failed:", finished.error if finished else "no run")
            return 1
        say(f"madrasa (national run, {finished.total} schools): {madrasa_seconds:.2f} s")

        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN % {"year": year.pk, "semester": semester.pk})
        hand_seconds = time.perf_counter() - started
        say(f"one hand-written statement: {hand_seconds:.2f} s")
        with connection.cursor() as cursor:
            cursor.execute(COMPARE)
            different, compared = cursor.fetchone()
        say(f"compared {compared:,} pupils: {different} differ in general average or rank")
        ratio = madrasa_seconds / hand_seconds if hand_seconds else float("inf")
        say(f"ratio madrasa / hand-written: {ratio:.2f}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S")
        (RESULTS / f"bulletins-{options.pupils}-{stamp}.json").write_text(
            json.dumps(
                {
                    "pupils": n_pupils,
                    "schools": schools,
                    "marks": n_marks,
                    "bulletins": finished.bulletins,
                    "batch": options.batch,
                    "madrasa_seconds": madrasa_seconds,
                    "hand_written_seconds": hand_seconds,
                    "ratio": ratio,
                    "differences": different,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        connection.close()
        return 0 if different == 0 else 1
    finally:
        if not options.keep:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
        admin.close()


if __name__ == "__main__":
    raise SystemExit(main())
