# ruff: noqa: T201, S311, S603  a benchmark script: it prints, draws fake names, runs `madrasa`
"""Time `madrasa import pupils` on PostgreSQL, and compare with a raw COPY of the same rows.

    .venv/bin/python bench/import_pupils.py --rows 100000

Creates a scratch database (`madrasa_bench`, dropped at the end unless --keep), migrates it,
loads the territory and structure, creates 40 schools, writes a CSV of N generated pupils
(new pupils without a code, a guardian each, classes per level), then times:

1. `madrasa import pupils FILE` (a subprocess, as an operator would run it);
2. `COPY` of the same CSV into a bare table of text columns, the floor for "getting the rows
   into PostgreSQL".

Prints rows/s for both and their ratio. Needs PostgreSQL at --server (default
postgresql://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from madrasa.imports.columns import PUPIL_COLUMN_NAMES  # noqa: E402  after the path is set

# Common Moroccan first names (girls, then boys) and family names, in both scripts.
GIRLS = [
    ("سلمى", "Salma"), ("فاطمة", "Fatima"), ("مريم", "Maryam"), ("هدى", "Houda"),
    ("إيمان", "Imane"), ("خديجة", "Khadija"), ("نورة", "Noura"), ("سارة", "Sara"),
    ("زينب", "Zineb"), ("هاجر", "Hajar"), ("أسماء", "Asmae"), ("ياسمين", "Yasmine"),
    ("آية", "Aya"), ("رانية", "Rania"), ("غيثة", "Ghita"), ("لينا", "Lina"),
    ("نهى", "Nouha"), ("كوثر", "Kaoutar"), ("وئام", "Wiam"), ("شيماء", "Chaimae"),
]  # fmt: skip
BOYS = [
    ("ياسين", "Yassine"), ("أمين", "Amine"), ("يوسف", "Youssef"), ("عمر", "Omar"),
    ("آدم", "Adam"), ("حمزة", "Hamza"), ("مهدي", "Mehdi"), ("زكرياء", "Zakaria"),
    ("أيوب", "Ayoub"), ("إلياس", "Ilyas"), ("أنس", "Anas"), ("بلال", "Bilal"),
    ("إدريس", "Driss"), ("سعد", "Saad"), ("طه", "Taha"), ("ريان", "Rayane"),
    ("نبيل", "Nabil"), ("كريم", "Karim"), ("وليد", "Walid"), ("معاذ", "Mouad"),
]  # fmt: skip
FAMILIES = [
    ("العلوي", "Alaoui"), ("بناني", "Bennani"), ("الإدريسي", "Idrissi"), ("التازي", "Tazi"),
    ("الفاسي", "Fassi"), ("برادة", "Berrada"), ("الصقلي", "Sqalli"), ("بنجلون", "Benjelloun"),
    ("الشرقاوي", "Cherkaoui"), ("الحسني", "Hassani"), ("العمراني", "Amrani"),
    ("الوزاني", "Ouazzani"), ("الكتاني", "Kettani"), ("المريني", "Merini"), ("الطاهري", "Taheri"),
    ("بوزيد", "Bouzid"), ("الزياني", "Ziani"), ("الرحموني", "Rahmouni"), ("الخطيب", "Khatib"),
    ("السباعي", "Sbai"), ("الحداد", "Haddad"), ("الأنصاري", "Ansari"), ("بنعلي", "Benali"),
    ("المنصوري", "Mansouri"), ("الغزالي", "Ghazali"), ("القادري", "Kadiri"), ("البقالي", "Bekkali"),
    ("الدكالي", "Doukkali"), ("الصنهاجي", "Sanhaji"), ("الريفي", "Rifi"), ("الحمداوي", "Hamdaoui"),
    ("بنموسى", "Benmoussa"), ("الجيراري", "Jirari"), ("النجار", "Najjar"), ("العثماني", "Othmani"),
    ("الحلوي", "Helwi"), ("بنسعيد", "Bensaid"), ("الكبير", "Kabir"), ("الصغير", "Seghir"),
    ("العبدلاوي", "Abdellaoui"),
]  # fmt: skip
LEVELS = ["P1", "P2", "P3", "P4", "P5", "P6"]
SCHOOLS = 40


def write_csv(path: Path, rows: int, seed: int = 2026) -> None:
    """N pupils spread over the schools and the six primary levels, each with a father who
    has a CIN. Names and birthdays are drawn as in life, so a few rows name the same pupil
    twice (refused, as they should be) and a few pairs are flagged as possible duplicates."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PUPIL_COLUMN_NAMES)
        for n in range(rows):
            gender = rng.choice("FM")
            first_ar, first_fr = rng.choice(GIRLS if gender == "F" else BOYS)
            last_ar, last_fr = rng.choice(FAMILIES)
            father_ar, father_fr = rng.choice(BOYS)
            level = LEVELS[n % len(LEVELS)]
            birth_year = 2020 - LEVELS.index(level)
            writer.writerow(
                [
                    "",
                    last_ar,
                    first_ar,
                    last_fr,
                    first_fr,
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{birth_year}",
                    "الرباط",
                    "Rabat",
                    gender,
                    f"B{n % SCHOOLS:04d}",
                    "",
                    level,
                    "",
                    f"{level}-{'ABCD'[n % 4]}",
                    "pere",
                    last_ar,
                    father_ar,
                    last_fr,
                    father_fr,
                    f"BE{n:07d}",
                    f"06{n % 100_000_000:08d}",
                ]
            )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="madrasa_bench")
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()

    admin = psycopg.connect(f"{options.server}/postgres", autocommit=True)
    name = sql.Identifier(options.database)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    url = f"{options.server}/{options.database}"
    scratch = Path(tempfile.mkdtemp(prefix="madrasa-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MADRASA_", "DJANGO_"))}
    env |= {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "madrasa.settings",
        "MADRASA_VAR_DIR": str(scratch),
        "MADRASA_LOG_LEVEL": "WARNING",
        "MADRASA_DEBUG": "false",  # as in production: no query log kept in memory
    }

    def madrasa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "madrasa.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    try:
        print(f"setting up {options.database}…", flush=True)
        for step in (("migrate", "--verbosity", "0"), ("load_territory",), ("load_structure",)):
            done = madrasa(*step)
            if done.returncode != 0:
                print(done.stdout, done.stderr)
                return 1
        setup = (
            "from madrasa.registry.models import Province; "
            "from madrasa.registry.services import create_school; "
            "provinces = list(Province.objects.order_by('code')); "
            f"[create_school(actor=None, code=f'B{{i:04d}}', name_fr=f'Ecole {{i}}', "
            f"name_ar=f'مدرسة {{i}}', province=provinces[i % len(provinces)], milieu='urban') "
            f"for i in range({SCHOOLS})]"
        )
        done = madrasa("shell", "-c", setup)
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            return 1
        path = scratch / "eleves.csv"
        write_csv(path, options.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"{options.rows:,} rows, {size_mb:.1f} MB", flush=True)

        started = time.monotonic()
        done = madrasa(
            "import", "pupils", str(path), "--no-progress", "--lang", "en",
            "--chunk-size", str(options.chunk_size),
        )  # fmt: skip
        import_seconds = time.monotonic() - started
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr)
        if done.returncode not in (0, 4):  # 4: some rows refused (the same pupil twice)
            print(done.stderr)
            return 1

        with psycopg.connect(url, autocommit=True) as conn:
            columns = sql.SQL(", ").join(
                sql.SQL("{} text").format(sql.Identifier(c)) for c in PUPIL_COLUMN_NAMES
            )
            conn.execute(sql.SQL("CREATE TABLE bench_copy ({})").format(columns))
            started = time.monotonic()
            with (
                conn.cursor() as cursor,
                cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
                path.open("rb") as handle,
            ):
                while block := handle.read(1 << 20):
                    copy.write(block)
            copy_seconds = time.monotonic() - started
            stamps = conn.execute(
                "SELECT staged_at - created_at, finished_at - staged_at FROM imports_importbatch"
            ).fetchone()
            counts = {
                table: conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                ).fetchone()
                for table in (
                    "registry_student",
                    "registry_duplicatecandidate",
                    "enrolment_enrolment",
                    "registry_guardian",
                    "enrolment_journeyevent",
                    "imports_importrow",
                    "core_auditevent",
                )
            }
        print(f"import: {import_seconds:.1f} s, {options.rows / import_seconds:,.0f} rows/s")
        if stamps:
            staging, applying = (stamp.total_seconds() for stamp in stamps)
            print(f"        staging {staging:.1f} s, applying {applying:.1f} s")
        print(f"COPY:   {copy_seconds:.2f} s, {options.rows / copy_seconds:,.0f} rows/s")
        print(f"ratio:  the import takes {import_seconds / copy_seconds:.0f}x a raw COPY")
        print("rows: " + ", ".join(f"{t} {c[0] if c else 0:,}" for t, c in counts.items()))
        return 0
    finally:
        if not options.keep:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(name))
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
