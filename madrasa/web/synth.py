"""A synthetic nation for demos, tests and measurements (`madrasa synth`).

For the provinces asked (all 75 by default) it writes, in one transaction:

- schools in proportion to each province's population (`PROVINCE_WEIGHTS`), with codes
  `S<province code><serial>`: primary schools (with their préscolaire classes), collèges and
  lycées, urban and rural (rural schools are smaller, and rural primary schools are main schools
  with satellite units), about one urban school in six private;
- classes for the current school year: 25 to 45 pupils each, streams from tronc commun on;
- pupils with realistic Moroccan names in Arabic and Latin script (`data/names_*.csv`), about half
  of them girls, born the year their level expects (repeaters one or two years earlier), with a
  birth place, a national code of their region and their family: father and/or mother
  (or a legal guardian) with a CIN and a phone, brothers and sisters sharing them;
- one active enrolment in the current year, in a class, and an "enrolled" journey event per
  pupil; repeaters have last year's enrolment (decision "repeat", ended by the roll-over) and a
  few of last year's pupils dropped out (decision "dropped_out", no enrolment this year, so no
  `Student.school`); these dropouts come on top of the N pupils asked;
- a few planted duplicates (the same child enrolled again in another school, the Latin spelling
  changed: Yassine/Yacine), flagged by `find_duplicates` as duplicate detection would.

Every derived column is filled as the services fill it (`rules.student_keys`, the national-code
format and counter, `Student.school`). Generation is deterministic for a seed: each province has
its own random streams, so the same seed gives the same pupils, names and codes on a fresh
database. A province that already holds synthetic schools is refused, never filled twice.

Writes are set-based and run in one transaction. The rows are made in a thread while the
previous batch is written: COPY on PostgreSQL (the big tables' secondary indexes and foreign keys
are dropped first and re-created as they were when the load is big compared with the tables),
one prepared INSERT per batch (executemany) on SQLite.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import itertools
import json
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import DateTimeField, JSONField, Max, Model
from django.utils import timezone

from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.enrolment.models import Enrolment, JourneyEvent, SchoolClass
from madrasa.grading.services import load_grading
from madrasa.registry.models import (
    Cycle,
    Guardian,
    Guardianship,
    Level,
    NationalCodeCounter,
    Province,
    Region,
    School,
    SchoolYear,
    Stream,
    Student,
)
from madrasa.registry.rules import NationalCodeFormat, luhn_check_digit, student_keys
from madrasa.registry.services import (
    find_duplicates,
    load_structure,
    load_territory,
    national_code_format,
)

__all__ = [
    "SYNTH_CODE_PREFIX",
    "Progress",
    "SynthResult",
    "generate_synth",
    "guardian_cin",
    "synth_provinces_present",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
SYNTH_CODE_PREFIX = "S"
IndexMode = Literal["auto", "keep", "rebuild"]
Progress = Callable[[str, int, int], None]
Row = tuple[Any, ...]

# Share of the country's pupils per prefecture or province: roughly the population (2024 census)
# in units of ~350,000 inhabitants. Provinces not listed weigh 1.
PROVINCE_WEIGHTS: dict[str, float] = {
    "141": 9.0,  # Casablanca
    "351": 3.7,  # Marrakech
    "511": 3.6,  # Tanger-Assilah
    "231": 3.6,  # Fès
    "281": 3.4,  # Kénitra
    "441": 2.9,  # Salé
    "061": 2.4,  # Meknès
    "541": 2.4,  # Taroudannt
    "181": 2.3,  # El Jadida
    "431": 2.0,  # Safi
    "531": 1.9,  # Taounate
    "001": 1.7,  # Agadir Ida-Outanane
    "273": 1.7,  # Inezgane-Aït Melloul
    "501": 1.7,  # Skhirate-Témara
    "461": 1.7,  # Settat
    "041": 1.7,  # Al Haouz
    "571": 1.7,  # Tétouan
    "411": 1.6,  # Oujda-Angad
    "381": 1.6,  # Nador
    "091": 1.6,  # Béni Mellal
    "117": 1.6,  # Berrechid
    "081": 1.6,  # Azilal
    "421": 1.5,  # Rabat
    "291": 1.5,  # Khémisset
    "191": 1.5,  # El Kelâa des Sraghna
    "561": 1.5,  # Taza
    "311": 1.5,  # Khouribga
    "481": 1.5,  # Sidi Kacem
    "255": 1.4,  # Fquih Ben Salah
    "371": 1.3,  # Mohammedia
    "385": 1.3,  # Nouaceur
    "201": 1.2,  # Errachidia
    "321": 0.6,  # Laâyoune
    "391": 0.5,  # Oued Ed-Dahab
    "261": 0.5,  # Guelmim
    "271": 0.45,  # Ifrane
    "251": 0.4,  # Figuig
    "551": 0.35,  # Tata
    "473": 0.3,  # Sidi Ifni
    "521": 0.25,  # Tan-Tan
    "221": 0.2,  # Es-Semara
    "071": 0.15,  # Assa-Zag
    "121": 0.15,  # Boujdour
    "537": 0.1,  # Tarfaya
    "066": 0.1,  # Aousserd
}
# Share of a province's pupils in rural schools; prefectures are mostly urban.
RURAL_SHARE = {"prefecture": 0.08, "province": 0.55}
RURAL_SHARE_BY_PROVINCE = {"421": 0.0, "141": 0.0, "441": 0.03, "371": 0.05, "411": 0.05}
# Fewer rural collèges and lycées: many rural pupils go on to schools in town.
RURAL_FACTOR = {"primaire": 1.0, "college": 0.6, "lycee": 0.4}
GIRL_SHARE = 0.49
SIBLING_SHARE = 0.35  # a new pupil is a brother or sister of a pupil already made
FAMILY_POOL = 4000  # families per province a new pupil may join
BIRTH_PLACE_AT_HOME = 0.85
DUPLICATE_EVERY = 1000  # one planted duplicate per this many pupils
MIN_CLASS, MAX_CLASS = 25, 45
SIZES = {"urban": (30, 45), "rural": (25, 38), "satellite": (25, 32)}
# Cycle groups: the school's cycle, the share of pupils, and the levels it teaches.
GROUPS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("primaire", 0.58, ("PS1", "PS2", "P1", "P2", "P3", "P4", "P5", "P6")),
    ("college", 0.25, ("C1", "C2", "C3")),
    ("lycee", 0.17, ("TC", "1BAC", "2BAC")),
)
PRIVATE_SHARE = {"primaire": 0.2, "college": 0.1, "lycee": 0.1}  # of urban schools
# Classes per level (about; one more or less at random), by cycle.
URBAN_CLASSES_PER_LEVEL = {
    "primaire": (2, 3, 3, 4),
    "college": (4, 5, 6, 7, 8),
    "lycee": (3, 4, 5, 6, 7),
}
RURAL_CLASSES_PER_LEVEL = {"primaire": (1,), "college": (2, 3, 4), "lycee": (2, 3)}
REPEAT_RATE = {"P1": 0.04, "P2": 0.06, "P3": 0.07, "P4": 0.07, "P5": 0.07, "P6": 0.06}
REPEAT_RATE |= {"C1": 0.16, "C2": 0.12, "C3": 0.14, "TC": 0.12, "1BAC": 0.10, "2BAC": 0.18}
DROPOUT_RATE = {"P4": 0.005, "P5": 0.008, "P6": 0.01, "C1": 0.06, "C2": 0.05, "C3": 0.05}
DROPOUT_RATE |= {"TC": 0.04, "1BAC": 0.03, "2BAC": 0.02}
STREAM_WEIGHTS = {
    "TC": {"TCS": 45, "TCLSH": 35, "TCT": 12, "TCO": 8},
    "1BAC": {"SEXP": 45, "LSH": 25, "SEG": 10, "SMATH": 7, "STI": 6, "ORIG": 5, "ART": 2},
    "2BAC": {"SVT": 25, "PC": 22, "LET": 12, "SH": 12, "SE": 5, "SGC": 5, "SMA": 4, "SMB": 2}
    | {"STE": 3, "STM": 2, "SAGRO": 3, "CHAR": 4, "ART": 1},
}
RURAL_STREAMS = {"TCS", "TCLSH", "SEXP", "LSH", "SVT", "PC", "LET", "SH"}
SCHOOL_NAMES = {
    # (cycle, kind): French and Arabic patterns
    ("primaire", "urban"): ("École primaire {}", "مدرسة {} الابتدائية"),
    ("primaire", "private"): ("École privée {}", "مدرسة {} الخصوصية"),
    ("primaire", "rural"): ("Groupe scolaire {}", "مجموعة مدارس {}"),
    ("primaire", "satellite"): ("Unité satellite {}", "فرعية {}"),
    ("college", "urban"): ("Collège {}", "الثانوية الإعدادية {}"),
    ("college", "private"): ("Collège privé {}", "الثانوية الإعدادية الخصوصية {}"),
    ("college", "rural"): ("Collège {}", "الثانوية الإعدادية {}"),
    ("lycee", "urban"): ("Lycée {}", "الثانوية التأهيلية {}"),
    ("lycee", "private"): ("Lycée privé {}", "الثانوية التأهيلية الخصوصية {}"),
    ("lycee", "rural"): ("Lycée {}", "الثانوية التأهيلية {}"),
}
# Guardians' CINs ("AB123456") come from their row id through a bijection of the 676 million
# two-letter, six-digit numbers, so they are unique and look random.
CIN_SPACE = 26 * 26 * 10**6
CIN_MULTIPLIER = 387_420_489  # 3**18, coprime with the space
CIN_OFFSET = 271_828_182
# The tables synth loads in bulk; on PostgreSQL their secondary indexes may be rebuilt.
BIG_MODELS: tuple[type[Model], ...] = (Student, Guardian, Guardianship, Enrolment, JourneyEvent)
# The columns of each table synth writes, in the order of the rows it makes.
COLUMNS: dict[type[Model], tuple[str, ...]] = {
    model: tuple(names.split())
    for model, names in (
        (School, "id uuid code name_fr name_ar province_id milieu sector cycle_id main_school_id "
         "is_active"),
        (SchoolClass, "id uuid school_id year_id level_id stream_id name capacity"),
        (Student, "id uuid national_code first_name_ar last_name_ar first_name_latn last_name_latn "
         "birth_date birth_place_ar birth_place_latn gender school_id merged_into_id created_at "
         "search_key last_key_latn last_key_ar"),
        (Guardian, "id uuid first_name_ar last_name_ar first_name_latn last_name_latn national_id "
         "phone user_id"),
        (Guardianship, "id student_id guardian_id relation is_primary"),
        (Enrolment, "id uuid student_id school_id year_id level_id stream_id school_class_id "
         "status started_on ended_on decision decision_stream_id decision_note decided_at "
         "decided_by_id"),
        (JourneyEvent, "id student_id kind at year_id school_id level_id detail actor_id"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class SynthResult:
    """What a run made: rows per table, how the indexes were handled, seconds per phase."""

    provinces: list[str]
    schools: int
    satellites: int
    classes: int
    pupils: int
    dropouts: int
    guardians: int
    guardianships: int
    enrolments: int
    journey_events: int
    planted_duplicates: int
    duplicate_candidates: int
    indexes: str
    seconds: dict[str, float]

    @property
    def rows(self) -> int:
        return (
            self.schools
            + self.classes
            + self.pupils
            + self.dropouts
            + self.guardians
            + self.guardianships
            + self.enrolments
            + self.journey_events
        )


# --- Reference data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    latn: str
    ar: str
    variants: tuple[str, ...]


@dataclass
class _Names:
    male: list[_Name]
    male_cum: list[float]
    female: list[_Name]
    female_cum: list[float]
    family: list[_Name]
    family_cum: list[float]
    places: dict[str, tuple[str, str]]  # province code -> (latn, ar)
    eponyms: list[tuple[str, str]]
    douars: list[tuple[str, str]]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _cumulative(weights: Iterable[float]) -> list[float]:
    total = 0.0
    cum = []
    for weight in weights:
        total += weight
        cum.append(total)
    return cum


def _load_names(data_dir: Path = DATA_DIR) -> _Names:
    def name(row: dict[str, str], variants: str) -> _Name:
        return _Name(row["latn"], row["ar"], tuple(v for v in variants.split("|") if v))

    firsts = _rows(data_dir / "names_first.csv")
    male = [r for r in firsts if r["gender"] == "M"]
    female = [r for r in firsts if r["gender"] == "F"]
    family = _rows(data_dir / "names_family.csv")
    schools = _rows(data_dir / "names_schools.csv")
    return _Names(
        male=[name(r, r["variants_latn"]) for r in male],
        male_cum=_cumulative(float(r["weight"]) for r in male),
        female=[name(r, r["variants_latn"]) for r in female],
        female_cum=_cumulative(float(r["weight"]) for r in female),
        family=[name(r, r["variants_latn"]) for r in family],
        family_cum=_cumulative(float(r["weight"]) for r in family),
        places={
            r["province_code"]: (r["latn"], r["ar"]) for r in _rows(data_dir / "names_places.csv")
        },
        eponyms=[(r["latn"], r["ar"]) for r in schools if r["kind"] == "eponym"],
        douars=[(r["latn"], r["ar"]) for r in schools if r["kind"] == "douar"],
    )


def guardian_cin(guardian_id: int) -> str:
    """The synthetic CIN of guardian row `guardian_id`: unique per id, like "AB123456".

    >>> guardian_cin(1), guardian_cin(2)
    ('ZJ248671', 'OG669160')
    """
    number = (guardian_id * CIN_MULTIPLIER + CIN_OFFSET) % CIN_SPACE
    letters, digits = divmod(number, 10**6)
    return f"{chr(65 + letters // 26)}{chr(65 + letters % 26)}{digits:06d}"


def _cin_owner(cin: str) -> int | None:
    """The guardian id whose synthetic CIN is `cin` (None if `cin` has another shape)."""
    if (
        len(cin) != 8
        or not ("A" <= cin[0] <= "Z" and "A" <= cin[1] <= "Z")
        or not cin[2:].isdigit()
    ):
        return None
    number = ((ord(cin[0]) - 65) * 26 + ord(cin[1]) - 65) * 10**6 + int(cin[2:])
    return (number - CIN_OFFSET) * pow(CIN_MULTIPLIER, -1, CIN_SPACE) % CIN_SPACE


def _uuid(rng: random.Random) -> str:
    """A random (version 4) UUID as 32 hex digits, the form Django stores on SQLite."""
    bits = rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)
    return f"{bits | (0x4000 << 64) | (0x8000 << 48):032x}"


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, largest remainders first (sums to `total`)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def synth_provinces_present(provinces: Iterable[Province]) -> list[str]:
    """Codes of the provinces that already hold synthetic schools."""
    return sorted(
        set(
            School.objects.filter(province__in=list(provinces), code__startswith=SYNTH_CODE_PREFIX)
            .values_list("province__code", flat=True)
            .distinct()
        )
    )


# --- Plan: schools and classes ------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    id: int
    code: str
    typical_age: int
    repeat_rate: float
    dropout_rate: float
    streams: tuple[tuple[int, str, float], ...]  # (id, code, weight) of active streams


@dataclass(slots=True)
class _ProvincePlan:
    province: Province
    letter: str
    place: tuple[str, str]
    rng: random.Random
    schools: list[_School] = field(default_factory=list)
    classes: list[_Class] = field(default_factory=list)
    names_used: dict[str, int] = field(default_factory=dict)
    decks: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class _School:
    code: str
    name_fr: str
    name_ar: str
    milieu: str
    sector: str
    cycle: str
    main: _School | None
    id: int = 0
    uuid: str = ""


@dataclass(slots=True, eq=False)
class _Class:
    school: _School
    level: _Level
    stream: tuple[int, str, float] | None
    size: int
    name: str = ""
    detail: str = "{}"  # JSON of its pupils' "enrolled" journey events
    dropouts: int = 0
    id: int = 0
    uuid: str = ""


class _Planner:
    def __init__(self, names: _Names, levels: dict[str, _Level]) -> None:
        self.names = names
        self.levels = levels

    def plan(self, plan: _ProvincePlan, pupils: int) -> None:
        kind = plan.province.kind
        rural_share = RURAL_SHARE_BY_PROVINCE.get(plan.province.code, RURAL_SHARE[kind])
        quotas = _split(pupils, [share for _cycle, share, _levels in GROUPS])
        for (cycle, _share, _levels), quota in zip(GROUPS, quotas, strict=True):
            rural = round(quota * rural_share * RURAL_FACTOR[cycle])
            if min(rural, quota - rural) < MIN_CLASS:  # too few for a class: one milieu
                rural = quota if rural > quota - rural else 0
            for milieu, milieu_quota in (("urban", quota - rural), ("rural", rural)):
                if milieu_quota > 0:
                    self._fill(plan, cycle, milieu, milieu_quota)
        rng = plan.rng
        for cls in plan.classes:
            rate = cls.level.dropout_rate
            cls.dropouts = sum(1 for _ in range(cls.size) if rng.random() < rate) if rate else 0

    def _fill(self, plan: _ProvincePlan, cycle: str, milieu: str, quota: int) -> None:
        """Schools and classes of one cycle and milieu until they hold `quota` pupils.

        Every class holds 25 to 45 pupils: the pupils left over at the end go to classes that
        have room. Only a quota under 25 pupils makes one smaller class.
        """
        classes: list[_Class] = []
        total = 0
        while total < quota:
            for school, specs in self._unit(plan, cycle, milieu):
                if total >= quota:
                    break
                plan.schools.append(school)
                for level_code, size in specs:
                    if total >= quota:
                        break
                    size = min(size, quota - total)
                    level = self.levels[level_code]
                    classes.append(_Class(school, level, self._stream(plan, level, milieu), size))
                    total += size
        last = classes[-1]
        room = sum(MAX_CLASS - c.size for c in classes[:-1])
        if last.size < MIN_CLASS and room >= last.size:
            classes.pop()
            left = last.size
            for cls in reversed(classes):
                extra = min(MAX_CLASS - cls.size, left)
                cls.size += extra
                left -= extra
                if not left:
                    break
            if not any(c.school is last.school for c in classes):
                plan.schools.remove(last.school)
        counters: dict[tuple[int, str], int] = {}
        for cls in classes:
            label = cls.level.code if cls.stream is None else f"{cls.level.code} {cls.stream[1]}"
            key = (id(cls.school), label)
            counters[key] = counters.get(key, 0) + 1
            cls.name = f"{label}-{counters[key]}"
            stream = {"stream": cls.stream[1]} if cls.stream is not None else {}
            cls.detail = json.dumps({**stream, "school_class": cls.name})
        plan.classes.extend(classes)

    def _unit(
        self, plan: _ProvincePlan, cycle: str, milieu: str
    ) -> list[tuple[_School, list[tuple[str, int]]]]:
        """One school (with its satellite units for a rural primary school) and its classes."""
        rng = plan.rng
        low, high = SIZES[milieu]
        levels = next(lv for c, _s, lv in GROUPS if c == cycle)
        if milieu == "urban":
            sector = "private" if rng.random() < PRIVATE_SHARE[cycle] else "public"
            base = rng.choice(URBAN_CLASSES_PER_LEVEL[cycle])
        else:
            sector = "public"
            base = rng.choice(RURAL_CLASSES_PER_LEVEL[cycle])
        by_level: list[list[tuple[str, int]]] = []
        for code in levels:
            if code == "PS1" and rng.random() < (0.4 if milieu == "urban" else 0.8):
                continue
            if code.startswith("PS"):  # préscolaire: fewer classes than the primary levels
                count = max(1, base - 1)
            else:
                count = max(1, base + rng.choice((-1, 0, 0, 0, 1)))
            by_level.append([(code, rng.randint(low, high)) for _ in range(count)])
        # Level by level in turn (first classes of every level, then second classes…, each turn
        # in random order), so that a school cut short at the end of a quota still teaches many
        # levels, and not always the first ones.
        specs: list[tuple[str, int]] = []
        for turn in itertools.zip_longest(*by_level):
            classes = [spec for spec in turn if spec]
            rng.shuffle(classes)
            specs.extend(classes)
        kind = milieu if sector == "public" else "private"
        main = self._school(plan, cycle, kind, milieu, sector, None)
        unit = [(main, specs)]
        if cycle == "primaire" and milieu == "rural":
            low, high = SIZES["satellite"]
            for _ in range(rng.choices(range(7), (1, 2, 3, 3, 2, 1, 1))[0]):
                span = rng.randint(3, 6)
                satellite = self._school(plan, cycle, "satellite", "rural", "public", main)
                unit.append(
                    (satellite, [(f"P{n}", rng.randint(low, high)) for n in range(1, span + 1)])
                )
        return unit

    def _school(
        self,
        plan: _ProvincePlan,
        cycle: str,
        kind: str,
        milieu: str,
        sector: str,
        main: _School | None,
    ) -> _School:
        # Names are dealt from a shuffled deck per kind of school: no name comes twice in a
        # province before every name has come once.
        deck = plan.decks.setdefault((cycle, kind), [])
        if not deck:
            deck.extend(self.names.douars if kind == "satellite" else self.names.eponyms)
            plan.rng.shuffle(deck)
        latn, ar = deck.pop()
        pattern_fr, pattern_ar = SCHOOL_NAMES[(cycle, kind)]
        name_fr, name_ar = pattern_fr.format(latn), pattern_ar.format(ar)
        seen = plan.names_used.get(name_fr, 0) + 1
        plan.names_used[name_fr] = seen
        if seen > 1:
            name_fr, name_ar = f"{name_fr} {seen}", f"{name_ar} {seen}"
        return _School(
            code="",  # numbered once the province's plan is final
            name_fr=name_fr,
            name_ar=name_ar,
            milieu=milieu,
            sector=sector,
            cycle=cycle,
            main=main,
        )

    @staticmethod
    def _stream(plan: _ProvincePlan, level: _Level, milieu: str) -> tuple[int, str, float] | None:
        streams = level.streams
        if milieu == "rural":
            streams = tuple(s for s in streams if s[1] in RURAL_STREAMS) or streams
        if not streams:
            return None
        return plan.rng.choices(streams, [s[2] for s in streams])[0]


# --- Writers ------------------------------------------------------------------------------------


class _Writer:
    """Writes rows (tuples in `COLUMNS` order; JSON columns hold JSON text, as json.dumps and
    Django write it) and times each table."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def write(self, model: type[Model], rows: list[Row]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        self._write(model, COLUMNS[model], rows)
        table = model._meta.db_table
        self.seconds[table] = self.seconds.get(table, 0.0) + time.perf_counter() - started

    def _write(self, model: type[Model], columns: tuple[str, ...], rows: list[Row]) -> None:
        raise NotImplementedError

    def flush_checks(self) -> None:
        """Run the deferred foreign-key checks of what was written so far."""


class _CopyWriter(_Writer):
    """PostgreSQL: one COPY per table and batch."""

    def __init__(self) -> None:
        super().__init__()
        connection.ensure_connection()
        self.cursor = connection.connection.cursor()

    def _write(self, model: type[Model], columns: tuple[str, ...], rows: list[Row]) -> None:
        qn = connection.ops.quote_name
        statement = (
            f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        )
        with self.cursor.copy(statement) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)

    def flush_checks(self) -> None:
        _run_deferred_checks()


class _BulkWriter(_Writer):
    """Any other engine: bulk_create in batches."""

    def _write(self, model: type[Model], columns: tuple[str, ...], rows: list[Row]) -> None:
        by_column = {f.column: f for f in model._meta.concrete_fields}
        json_columns = {c for c in columns if isinstance(by_column[c], JSONField)}
        objects = [
            model(**{c: json.loads(v) if c in json_columns else v for c, v in pairs})
            for pairs in (zip(columns, row, strict=True) for row in rows)
        ]
        model._default_manager.bulk_create(objects, batch_size=2000)


class _SqliteWriter(_Writer):
    """SQLite: one prepared INSERT run over each batch (executemany), ten times faster than
    bulk_create here. Date-times are converted as Django converts them; the other values (ids,
    text, JSON text, dates, booleans, UUIDs as 32 hex digits) are already what Django stores."""

    def _write(self, model: type[Model], columns: tuple[str, ...], rows: list[Row]) -> None:
        by_column = {f.column: f for f in model._meta.concrete_fields}
        fields = [by_column[c] for c in columns]
        convert = [(i, f) for i, f in enumerate(fields) if isinstance(f, DateTimeField)]
        data: list[Sequence[Any]] = list(rows)
        if convert:
            data = []
            for row in rows:
                values = list(row)
                for i, f in convert:
                    if values[i] is not None:
                        values[i] = f.get_db_prep_value(values[i], connection)
                data.append(values)
        qn = connection.ops.quote_name
        statement = (
            f"INSERT INTO {qn(model._meta.db_table)} "  # noqa: S608  # nosec B608: model names
            f"({', '.join(qn(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        )
        with connection.cursor() as cursor:
            cursor.executemany(statement, data)


def _run_deferred_checks() -> None:
    """Check the deferred constraints now (PostgreSQL), so that tables may be altered, then
    defer them again (Django makes every foreign key DEFERRABLE INITIALLY DEFERRED)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@dataclass
class _Ddl:
    """The secondary indexes and constraints of the big tables, to drop and re-create as is."""

    # (table, name, definition, type "u" or "f") and (name, definition), from the catalogue
    constraints: list[tuple[str, str, str, str]] = field(default_factory=list)
    indexes: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls) -> _Ddl:
        ddl = cls()
        with connection.cursor() as cursor:
            for model in BIG_MODELS:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
                    [table],
                )
                ddl.constraints.extend((table, *row) for row in cursor.fetchall())
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                    "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
                    "i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('u', 'p', 'x')) "
                    "ORDER BY 1",
                    [table],
                )
                ddl.indexes.extend(cursor.fetchall())
        return ddl

    def drop(self) -> None:
        qn = connection.ops.quote_name
        _run_deferred_checks()
        with connection.cursor() as cursor:
            for table, name, _definition, _type in self.constraints:
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
            for name, _definition in self.indexes:
                cursor.execute(f"DROP INDEX {name}")

    def create(self, progress: Progress | None) -> None:
        qn = connection.ops.quote_name
        _run_deferred_checks()
        steps = len(self.indexes) + len(self.constraints)
        done = 0
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            ordered = [c for c in self.constraints if c[3] == "u"]
            for table, name, definition, _type in ordered:
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
                done += 1
                if progress:
                    progress("indexes", done, steps)
            for _name, definition in self.indexes:
                cursor.execute(definition)
                done += 1
                if progress:
                    progress("indexes", done, steps)
            by_table: dict[str, list[str]] = {}
            for table, name, definition, kind in self.constraints:
                if kind == "f":
                    by_table.setdefault(table, []).append(f"ADD CONSTRAINT {qn(name)} {definition}")
            for table, clauses in by_table.items():
                cursor.execute(f"ALTER TABLE {qn(table)} {', '.join(clauses)}")
                done += len(clauses)
                if progress:
                    progress("indexes", done, steps)


# --- Identifiers --------------------------------------------------------------------------------


def _next_id(model: type[Model]) -> int:
    """The first free id of `model`'s table (past its sequence on PostgreSQL)."""
    highest = model._default_manager.aggregate(m=Max("id"))["m"] or 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)",
                [model._meta.db_table],
            )
            highest = max(highest, cursor.fetchone()[0] or 0)
    return int(highest) + 1


def _set_sequence(model: type[Model], last_id: int) -> None:
    """Move the id sequence past the rows written with explicit ids (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [model._meta.db_table, last_id],
            )


# Luhn sums (mod 10) of every 4-digit group, from rules.luhn_check_digit: a serial's check digit
# is then one table look-up per 4 digits instead of a loop over each digit.
_LUHN4 = [(10 - int(luhn_check_digit(f"{n:04d}"))) % 10 for n in range(10_000)]


class _Codes:
    """National codes for one region's letter, from serials the counter handed out."""

    def __init__(self, fmt: NationalCodeFormat, letter: str, count: int) -> None:
        self.fmt = fmt
        self.letter = letter
        self.ranges: list[tuple[int, int]] = []
        self.taken: set[int] = set()
        self.serials: Iterator[int] = iter(())
        if count:
            self._take(count)
            self.serials = (
                s for start, end in self.ranges for s in range(start, end) if s not in self.taken
            )
        self.fast = fmt.check == "luhn"
        self.width = fmt.serial_digits

    def _take(self, count: int) -> None:
        """Advance the counter by `count` in one UPDATE, again for codes already in use."""
        NationalCodeCounter.objects.bulk_create(
            [NationalCodeCounter(letter=self.letter)], ignore_conflicts=True
        )
        table = connection.ops.quote_name(NationalCodeCounter._meta.db_table)
        while count:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET next_serial = next_serial + %s "  # noqa: S608  # nosec B608
                    "WHERE letter = %s RETURNING next_serial",
                    [count, self.letter],
                )
                end = int(cursor.fetchone()[0])
            start = end - count
            self.ranges.append((start, end))
            # Codes brought from an earlier system are skipped, as allocate_national_codes does:
            # one range query (codes of one letter and length sort like their serials).
            width = 1 + self.fmt.serial_digits
            in_use = Student.objects.filter(
                national_code__gte=self.fmt.format(self.letter, start)[:width],
                national_code__lt=self.fmt.format(self.letter, end)[:width],
            ).values_list("national_code", flat=True)
            taken = {
                int(code[1:width])
                for code in in_use
                if code[1:width].isdigit()
                and code == self.fmt.format(self.letter, int(code[1:width]))
            }
            self.taken |= taken
            count = len(taken)

    def next(self) -> str:
        serial = next(self.serials)
        if self.fast:
            return _luhn_code(self.letter, serial, self.width)
        return self.fmt.format(self.letter, serial)


def _luhn_code(letter: str, serial: int, width: int) -> str:
    """`NationalCodeFormat.format` for Luhn codes, by table look-ups (the same code)."""
    total, rest = 0, serial
    while rest:
        total += _LUHN4[rest % 10_000]
        rest //= 10_000
    return f"{letter}{serial:0{width}d}{(10 - total % 10) % 10}"


# --- Pupils -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Family:
    last: _Name
    guardians: list[tuple[int, str, bool]]  # (guardian id, relation, is primary)
    place: tuple[str, str]
    years: list[int]


@dataclass
class _Rows:
    pupils: int = 0  # pupils made up to and including these rows
    students: list[Row] = field(default_factory=list)
    guardians: list[Row] = field(default_factory=list)
    guardianships: list[Row] = field(default_factory=list)
    enrolments: list[Row] = field(default_factory=list)
    journey: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    """A pupil whose record a planted duplicate copies."""

    first: _Name
    female: bool
    birth: date
    family: _Family
    school_id: int


class _PupilMaker:
    """Makes the pupils of each class with their families, enrolments and journey events.

    Pure Python on values prepared beforehand (ids, national codes): it runs in its own thread
    while the rows it made before are written.
    """

    def __init__(
        self,
        *,
        names: _Names,
        year: SchoolYear,
        previous: SchoolYear | None,
        codes: dict[str, _Codes],
        first_ids: dict[type[Model], int],
        forbidden_guardian_ids: set[int],
        places: list[tuple[str, str]],
        place_cum: list[float],
    ) -> None:
        self.names = names
        self.codes = codes
        self.year_id, self.year_start = year.pk, year.starts_on
        self.base_year = year.starts_on.year
        self.previous = previous
        tz = timezone.get_current_timezone()
        self.now = timezone.now()
        self.at_start = datetime.combine(year.starts_on, clock(8), tzinfo=tz)
        if previous is not None:
            self.prev_start = datetime.combine(previous.starts_on, clock(8), tzinfo=tz)
            self.prev_end = datetime.combine(previous.ends_on, clock(12), tzinfo=tz)
        self.places = places
        self.place_cum = place_cum
        self.first_ids = first_ids
        self.student_id = first_ids[Student]
        self.guardian_id = first_ids[Guardian]
        self.link_id = first_ids[Guardianship]
        self.enrolment_id = first_ids[Enrolment]
        self.journey_id = first_ids[JourneyEvent]
        self.forbidden = forbidden_guardian_ids
        self.keys: dict[tuple[str, str, str, str], tuple[str, str, str]] = {}
        self.dates: dict[int, list[date]] = {}
        self.rows = _Rows()
        self.pupils = self.dropouts = self.guardians = self.seat = 0
        self.planted: list[int] = []
        self.rng = random.Random()  # noqa: S311  replaced per province
        self.plan: _ProvincePlan | None = None
        self.families: list[_Family] = []
        self.candidates: dict[str, _Candidate] = {}
        self.want_duplicate = False

    def start_province(self, plan: _ProvincePlan, seed: int) -> None:
        self.rng = random.Random(f"{seed}:{plan.province.code}:pupils")  # noqa: S311  synthetic
        self.plan = plan
        self.code = self.codes[plan.letter]
        self.families = []

    def take_rows(self) -> _Rows:
        rows, self.rows = self.rows, _Rows()
        rows.pupils = self.pupils
        return rows

    def last_ids(self) -> dict[type[Model], int]:
        """The last id used in each table (the first id less one when none was)."""
        return {
            Student: self.student_id - 1,
            Guardian: self.guardian_id - 1,
            Guardianship: self.link_id - 1,
            Enrolment: self.enrolment_id - 1,
            JourneyEvent: self.journey_id - 1,
        }

    # Pieces -----------------------------------------------------------------------------
    def _birth(self, year: int) -> date:
        days = self.dates.get(year)
        if days is None:
            first = date(year, 1, 1)
            days = [first + timedelta(n) for n in range((date(year + 1, 1, 1) - first).days)]
            self.dates[year] = days
        return days[int(self.rng.random() * len(days))]

    def _keys(self, first: _Name, last: _Name, first_latn: str, last_latn: str) -> tuple[str, ...]:
        key = (first.ar, last.ar, first_latn, last_latn)
        found = self.keys.get(key)
        if found is None:
            k = student_keys(*key)
            found = self.keys[key] = (k["search_key"], k["last_key_latn"], k["last_key_ar"])
        return found

    def _first(self, female: bool) -> _Name:
        names = self.names
        pool, cum = (names.female, names.female_cum) if female else (names.male, names.male_cum)
        return pool[min(bisect.bisect(cum, self.rng.random() * cum[-1]), len(pool) - 1)]

    def _guardian(self, female: bool, last: _Name, phone_share: float) -> int:
        gid = self.guardian_id
        while gid in self.forbidden:
            gid += 1
        self.guardian_id = gid + 1
        self.guardians += 1
        rng = self.rng
        first = self._first(female)
        phone = f"0{6 + (rng.random() < 0.4)}{int(rng.random() * 1e8):08d}"
        if rng.random() >= phone_share:
            phone = ""
        # fmt: off
        self.rows.guardians.append((
            gid, _uuid(rng), first.ar, last.ar, first.latn, last.latn, guardian_cin(gid), phone,
            None,
        ))
        # fmt: on
        return gid

    def _family(self, birth_year: int) -> _Family:
        """A family for a new pupil: often one already made (brothers and sisters)."""
        rng = self.rng
        families = self.families
        if families and rng.random() < SIBLING_SHARE:
            family = families[int(rng.random() * len(families))]
            if birth_year not in family.years and len(family.years) < 5:
                family.years.append(birth_year)
                return family
        names = self.names
        cum = names.family_cum
        family_name = names.family[min(bisect.bisect(cum, rng.random() * cum[-1]), len(cum) - 1)]
        guardians: list[tuple[int, str, bool]] = []
        shape = rng.random()
        if shape < 0.88:  # the father: 82% both parents, 6% the father alone
            guardians.append((self._guardian(False, family_name, 0.9), "father", True))
        if shape < 0.82 or 0.88 <= shape < 0.98:  # the mother, with her own family name
            mother_name = names.family[int(rng.random() * len(names.family))]
            guardians.append((self._guardian(True, mother_name, 0.7), "mother", not guardians))
        if shape >= 0.98:  # a legal guardian from the family
            guardians.append((self._guardian(rng.random() < 0.5, family_name, 0.9), "tutor", True))
        place = self.plan.place if self.plan is not None else self.places[0]
        if rng.random() >= BIRTH_PLACE_AT_HOME:
            place = self.places[bisect.bisect(self.place_cum, rng.random() * self.place_cum[-1])]
        family = _Family(family_name, guardians, place, [birth_year])
        if len(families) < FAMILY_POOL:
            families.append(family)
        else:
            families[int(rng.random() * FAMILY_POOL)] = family
        return family

    def _student(
        self,
        school_id: int | None,
        first: _Name,
        first_latn: str,
        last_latn: str,
        female: bool,
        birth: date,
        family: _Family,
    ) -> int:
        """A pupil row and its links to the family's guardians."""
        sid = self.student_id
        self.student_id = sid + 1
        last = family.last
        place = family.place
        search_key, key_latn, key_ar = self._keys(first, last, first_latn, last_latn)
        # fmt: off
        self.rows.students.append((
            sid, _uuid(self.rng), self.code.next(), first.ar, last.ar, first_latn, last_latn,
            birth, place[1], place[0], "F" if female else "M", school_id, None, self.now,
            search_key, key_latn, key_ar,
        ))
        # fmt: on
        links = self.rows.guardianships
        link_id = self.link_id
        for gid, relation, primary in family.guardians:
            links.append((link_id, sid, gid, relation, primary))
            link_id += 1
        self.link_id = link_id
        return sid

    def _enrol(self, sid: int, cls: _Class) -> None:
        """This year's active enrolment in `cls` and its journey event (as enrol_student)."""
        school_id, level_id = cls.school.id, cls.level.id
        stream_id = cls.stream[0] if cls.stream is not None else None
        # fmt: off
        self.rows.enrolments.append((
            self.enrolment_id, _uuid(self.rng), sid, school_id, self.year_id, level_id,
            stream_id, cls.id, "active", self.year_start, None, "", None, "", None, None,
        ))
        self.enrolment_id += 1
        self.rows.journey.append((
            self.journey_id, sid, "enrolled", self.at_start, self.year_id, school_id, level_id,
            cls.detail, None,
        ))
        # fmt: on
        self.journey_id += 1

    def _last_year(self, sid: int, cls: _Class, decision: str) -> None:
        """Last year's enrolment in the same school and level, ended by `decision`, with its
        journey (as after record_decision and the year's roll-over)."""
        previous = self.previous
        assert previous is not None  # noqa: S101  only called when there was a last year
        school_id, level_id = cls.school.id, cls.level.id
        stream = cls.stream
        # fmt: off
        self.rows.enrolments.append((
            self.enrolment_id, _uuid(self.rng), sid, school_id, previous.pk, level_id,
            stream[0] if stream else None, None, "ended", previous.starts_on, previous.ends_on,
            decision, None, "", self.prev_end, None,
        ))
        # fmt: on
        self.enrolment_id += 1
        enrolled = {"stream": stream[1]} if stream else {}
        journey = self.rows.journey
        for kind, at, detail in (
            ("enrolled", self.prev_start, json.dumps(enrolled)),
            ("decision", self.prev_end, json.dumps({"decision": decision, **enrolled})),
        ):
            journey.append(
                (self.journey_id, sid, kind, at, previous.pk, school_id, level_id, detail, None)
            )
            self.journey_id += 1

    # A class ----------------------------------------------------------------------------
    def make_class(self, cls: _Class) -> None:
        rng = self.rng
        random_ = rng.random
        school_id, level = cls.school.id, cls.level
        base_year = self.base_year - level.typical_age
        repeat_rate = level.repeat_rate
        has_history = self.previous is not None
        for _ in range(cls.size):
            self.seat += 1
            if self.seat % DUPLICATE_EVERY == DUPLICATE_EVERY // 2:
                self.want_duplicate = True
            if self.want_duplicate and self._plant_duplicate(cls):
                continue
            female = random_() < GIRL_SHARE
            first = self._first(female)
            behind = 0
            if random_() < repeat_rate:
                behind = 2 if random_() < 0.2 else 1
            birth = self._birth(base_year - behind)
            family = self._family(birth.year)
            sid = self._student(
                school_id, first, first.latn, family.last.latn, female, birth, family
            )
            self._enrol(sid, cls)
            if behind and has_history:
                self._last_year(sid, cls, "repeat")
            elif not behind and (first.variants or family.last.variants):
                self.candidates[level.code] = _Candidate(first, female, birth, family, school_id)
        self.pupils += cls.size
        if not has_history:
            return
        for _ in range(cls.dropouts):
            female = random_() < GIRL_SHARE
            first = self._first(female)
            birth = self._birth(base_year - 1 - (random_() < 0.4))
            family = self._family(birth.year)
            sid = self._student(None, first, first.latn, family.last.latn, female, birth, family)
            self._last_year(sid, cls, "dropped_out")
        self.dropouts += cls.dropouts

    def _plant_duplicate(self, cls: _Class) -> bool:
        """Enrol a pupil of another school again, here, with the Latin spelling changed."""
        candidate = self.candidates.get(cls.level.code)
        if candidate is None or candidate.school_id == cls.school.id:
            return False
        first, last = candidate.first, candidate.family.last
        first_latn, last_latn = first.latn, last.latn
        if first.variants and (not last.variants or self.rng.random() < 0.7):
            first_latn = self.rng.choice(first.variants)
        else:
            last_latn = self.rng.choice(last.variants)
        sid = self._student(
            cls.school.id, first, first_latn, last_latn, candidate.female, candidate.birth,
            candidate.family,
        )  # fmt: skip
        self._enrol(sid, cls)
        self.planted.append(sid)
        self.want_duplicate = False
        del self.candidates[cls.level.code]
        return True


# --- The whole run ------------------------------------------------------------------------------


def _levels() -> dict[str, _Level]:
    streams: dict[int, list[tuple[int, str, float]]] = {}
    for stream in Stream.objects.filter(is_active=True).select_related("level"):
        weights = STREAM_WEIGHTS.get(stream.level.code, {})
        weight = float(weights.get(stream.code, 1))
        streams.setdefault(stream.level_id, []).append((stream.pk, stream.code, weight))
    levels = {
        level.code: _Level(
            id=level.pk,
            code=level.code,
            typical_age=level.typical_age,
            repeat_rate=REPEAT_RATE.get(level.code, 0.0),
            dropout_rate=DROPOUT_RATE.get(level.code, 0.0),
            streams=tuple(streams.get(level.pk, ())),
        )
        for level in Level.objects.all()
    }
    missing = [code for _c, _s, codes in GROUPS for code in codes if code not in levels]
    if missing:
        raise InvalidInput(f"synth needs the levels {', '.join(missing)}; load the structure first")
    return levels


def _provinces(region_code: str | None, province_code: str | None) -> list[Province]:
    provinces = Province.objects.select_related("region").order_by("code")
    if region_code:
        if not Region.objects.filter(code=region_code).exists():
            raise InvalidInput(f"no region with code {region_code!r}")
        provinces = provinces.filter(region__code=region_code)
    if province_code:
        provinces = provinces.filter(code=province_code)
        if not provinces.exists():
            where = f" in region {region_code}" if region_code else ""
            raise InvalidInput(f"no prefecture or province with code {province_code!r}{where}")
    return list(provinces)


def _forbidden_guardian_ids(start: int) -> set[int]:
    """Ids whose synthetic CIN a guardian from elsewhere already holds (skipped when numbering)."""
    forbidden: set[int] = set()
    existing = Guardian.objects.exclude(national_id="").values_list("national_id", flat=True)
    for cin in existing.iterator(chunk_size=20_000):
        owner = _cin_owner(cin)
        if owner is not None and owner >= start:
            forbidden.add(owner)
    return forbidden


def _plan(
    provinces: list[Province], pupils: int, seed: int, names: _Names, fmt: NationalCodeFormat
) -> list[_ProvincePlan]:
    """Schools and classes of every province, numbered from the tables' next free ids."""
    planner = _Planner(names, _levels())
    weights = [PROVINCE_WEIGHTS.get(p.code, 1.0) for p in provinces]
    plans = []
    school_id, class_id = _next_id(School), _next_id(SchoolClass)
    for province, quota in zip(provinces, _split(pupils, weights), strict=True):
        plan = _ProvincePlan(
            province=province,
            letter=fmt.letter_for_region(province.region.code),
            place=names.places.get(province.code, (province.name_fr, province.name_ar)),
            rng=random.Random(f"{seed}:{province.code}:plan"),  # noqa: S311  synthetic data
        )
        if quota:
            planner.plan(plan, quota)
        for serial, school in enumerate(plan.schools, start=1):
            school.id, school.uuid = school_id, _uuid(plan.rng)
            school.code = f"{SYNTH_CODE_PREFIX}{province.code}{serial:05d}"
            school_id += 1
        for cls in plan.classes:
            cls.id, cls.uuid = class_id, _uuid(plan.rng)
            class_id += 1
        plans.append(plan)
    return plans


def _school_rows(plans: list[_ProvincePlan], cycles: dict[str, int]) -> list[Row]:
    # fmt: off
    return [
        (
            s.id, s.uuid, s.code, s.name_fr, s.name_ar, plan.province.pk, s.milieu, s.sector,
            cycles[s.cycle], s.main.id if s.main else None, True,
        )
        for plan in plans
        for s in plan.schools
    ]
    # fmt: on


def _class_rows(plans: list[_ProvincePlan], year: SchoolYear) -> list[Row]:
    # fmt: off
    return [
        (
            c.id, c.uuid, c.school.id, year.pk, c.level.id, c.stream[0] if c.stream else None,
            c.name, MAX_CLASS,
        )
        for plan in plans
        for c in plan.classes
    ]
    # fmt: on


class _Stop(Exception):
    """The writer failed: the thread making rows stops."""


def _make_rows(
    maker: _PupilMaker,
    plans: list[_ProvincePlan],
    seed: int,
    batch: int,
    out: queue.Queue[_Rows | BaseException | None],
    stop: threading.Event,
    seconds: dict[str, float],
) -> None:
    """Make every pupil, a batch at a time, into `out` (None at the end, or the error)."""

    def put(item: _Rows | BaseException | None) -> None:
        while True:
            try:
                out.put(item, timeout=0.2)
                return
            except queue.Full:
                if stop.is_set():
                    raise _Stop from None

    started = time.thread_time()
    try:
        pending = 0
        for plan in plans:
            maker.start_province(plan, seed)
            for cls in plan.classes:
                maker.make_class(cls)
                pending += cls.size
                if pending >= batch:
                    seconds["generate"] = time.thread_time() - started
                    put(maker.take_rows())
                    pending = 0
        seconds["generate"] = time.thread_time() - started
        put(maker.take_rows())
        put(None)
    except _Stop:
        return
    except BaseException as exc:  # handed to the writing thread, which raises it
        with contextlib.suppress(_Stop):
            put(exc)


def generate_synth(
    *,
    pupils: int,
    seed: int = 1,
    region_code: str | None = None,
    province_code: str | None = None,
    indexes: IndexMode = "auto",
    progress: Progress | None = None,
    batch_pupils: int | None = None,
) -> SynthResult:
    """Generate `pupils` enrolled pupils (plus last year's dropouts) into the database.

    Refuses (InvalidInput) when one of the provinces already holds synthetic schools.
    `indexes` (PostgreSQL): "rebuild" drops the big tables' secondary indexes and foreign keys
    and re-creates them at the end, "keep" loads with them in place, "auto" rebuilds unless the
    pupil table already holds more than twice the pupils added.
    """
    if pupils <= 0:
        raise InvalidInput("--pupils must be a positive number")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    load_territory(actor=None)
    load_structure(actor=None)
    load_grading(actor=None)
    provinces = _provinces(region_code, province_code)
    present = synth_provinces_present(provinces)
    if present:
        raise InvalidInput(
            f"synthetic data already exists for {', '.join(present)}: synth never fills a "
            "province twice; use a fresh database or other provinces"
        )
    year = SchoolYear.objects.filter(is_current=True).first()
    if year is None:
        raise InvalidInput("there is no current school year; load the structure first")
    previous = (
        SchoolYear.objects.filter(starts_on__lt=year.starts_on).order_by("-starts_on").first()
    )
    names = _load_names()
    fmt = national_code_format()
    postgres = connection.vendor == "postgresql"
    qn = connection.ops.quote_name
    with transaction.atomic():
        if postgres:
            tables = ", ".join(qn(m._meta.db_table) for m in COLUMNS)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")

        # 1. Schools and classes, province by province, in proportion to population.
        plans = _plan(provinces, pupils, seed, names, fmt)
        school_rows = _school_rows(plans, dict(Cycle.objects.values_list("code", "id")))
        class_rows = _class_rows(plans, year)

        # 2. National codes: each region letter's counter advances once for all its pupils.
        needed: dict[str, int] = {}
        for plan in plans:
            count = sum(c.size + (c.dropouts if previous else 0) for c in plan.classes)
            needed[plan.letter] = needed.get(plan.letter, 0) + count
        codes = {letter: _Codes(fmt, letter, count) for letter, count in needed.items()}
        first_ids = {model: _next_id(model) for model in BIG_MODELS}
        if first_ids[Guardian] + 4 * pupils >= CIN_SPACE:
            raise InvalidInput("guardian ids would outgrow the synthetic CIN numbers")
        everywhere = list(Province.objects.order_by("code"))
        maker = _PupilMaker(
            names=names,
            year=year,
            previous=previous,
            codes=codes,
            first_ids=first_ids,
            forbidden_guardian_ids=_forbidden_guardian_ids(first_ids[Guardian]),
            places=[names.places.get(p.code, (p.name_fr, p.name_ar)) for p in everywhere],
            place_cum=_cumulative(PROVINCE_WEIGHTS.get(p.code, 1.0) for p in everywhere),
        )
        seconds["plan"] = time.perf_counter() - started

        # 3. Indexes: dropped and re-created at the end when the load outgrows the table.
        existing = Student.objects.count()
        # Measured (bench/README.md): loading with the indexes in place costs about three times
        # as much per row as building them afterwards, so rebuild unless the table is big.
        rebuild = postgres and (
            indexes == "rebuild" or (indexes == "auto" and existing < 2 * pupils)
        )
        ddl = _Ddl.read() if rebuild else None
        if ddl is not None:
            ddl.drop()
        writer: _Writer = (
            _CopyWriter()
            if postgres
            else _SqliteWriter()
            if connection.vendor == "sqlite"
            else _BulkWriter()
        )
        writer.write(School, school_rows)
        writer.write(SchoolClass, class_rows)

        # 4. Pupils, made in a thread while the previous batch is written.
        out: queue.Queue[_Rows | BaseException | None] = queue.Queue(maxsize=2)
        stop = threading.Event()
        batch = batch_pupils or (50_000 if postgres else 5_000)
        thread = threading.Thread(
            target=_make_rows, args=(maker, plans, seed, batch, out, stop, seconds), daemon=True
        )
        if progress:
            progress("pupils", 0, pupils)
        thread.start()
        try:
            while (item := out.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                _write_rows(writer, item, flush_checks=not rebuild)
                if progress:
                    progress("pupils", item.pupils, pupils)
        finally:
            stop.set()
            thread.join()
        seconds |= {f"write {t}": s for t, s in writer.seconds.items()}
        for model, last_id in maker.last_ids().items():
            if last_id >= first_ids[model]:
                _set_sequence(model, last_id)
        if school_rows:
            _set_sequence(School, school_rows[-1][0])
            _set_sequence(SchoolClass, class_rows[-1][0])
        seconds["load"] = time.perf_counter() - started - seconds["plan"]

        # 5. Indexes back exactly as they were, statistics, and the planted duplicates flagged.
        tick = time.perf_counter()
        if ddl is not None:
            ddl.create(progress)
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {', '.join(qn(m._meta.db_table) for m in COLUMNS)}")
        seconds["indexes"] = time.perf_counter() - tick
        tick = time.perf_counter()
        flagged = 0
        for start in range(0, len(maker.planted), 200):
            chunk = maker.planted[start : start + 200]
            flagged += len(find_duplicates(list(Student.objects.filter(pk__in=chunk))))
        seconds["duplicates"] = time.perf_counter() - tick
        last = maker.last_ids()
        result = SynthResult(
            provinces=[p.province.code for p in plans],
            schools=len(school_rows),
            satellites=sum(1 for row in school_rows if row[9] is not None),
            classes=len(class_rows),
            pupils=maker.pupils,
            dropouts=maker.dropouts,
            guardians=maker.guardians,
            guardianships=last[Guardianship] + 1 - first_ids[Guardianship],
            enrolments=last[Enrolment] + 1 - first_ids[Enrolment],
            journey_events=last[JourneyEvent] + 1 - first_ids[JourneyEvent],
            planted_duplicates=len(maker.planted),
            duplicate_candidates=flagged,
            indexes="rebuilt" if ddl is not None else "kept",
            seconds=seconds,
        )
        record_event(
            actor=None,
            action="synth.generate",
            object_type="synth",
            object_id=str(seed),
            data={
                "seed": seed,
                "pupils": result.pupils,
                "dropouts": result.dropouts,
                "schools": result.schools,
                "provinces": result.provinces,
            },
        )
    seconds["total"] = time.perf_counter() - started
    return result


def _write_rows(writer: _Writer, rows: _Rows, *, flush_checks: bool) -> None:
    writer.write(Student, rows.students)
    writer.write(Guardian, rows.guardians)
    writer.write(Guardianship, rows.guardianships)
    writer.write(Enrolment, rows.enrolments)
    writer.write(JourneyEvent, rows.journey)
    if flush_checks:
        writer.flush_checks()
