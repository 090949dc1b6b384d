"""Bulk forms of the registry's writes, for imports: set-based, a few queries per chunk of
rows and never one per row. Like the single-row services, they are atomic and audited (one
audit event per chunk, listing the pupils created and updated).

- `find_pupils` looks pupils up by national code and by identity (the same school, birth date,
  gender and normalised names in both scripts) in two queries.
- `upsert_pupils` creates the new ones (with their derived search keys and national codes) and
  updates the known ones, then flags possible duplicates for the chunk.
- `link_guardians` links guardians to pupils, reusing a guardian with the same CIN.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from madrasa.core.audit import Actor, record_event
from madrasa.core.errors import InvalidInput

from .models import Guardian, Guardianship, School, Student
from .rules import normalise_name, student_keys
from .services import allocate_national_codes, find_duplicates, students_born_with_key

__all__ = [
    "GuardianIn",
    "Identity",
    "PupilIn",
    "PupilIndex",
    "PupilOut",
    "find_pupils",
    "identity_of",
    "known_pupil",
    "link_guardians",
    "upsert_pupils",
]

Outcome = Literal["created", "updated", "unchanged"]

DUPLICATE_SEARCH_BATCH = 400

# Names repeat a lot across a file (first names above all): normalise each spelling once.
_normalise = lru_cache(maxsize=1 << 16)(normalise_name)


@dataclass(frozen=True)
class Identity:
    """Who a pupil without a national code is taken to be: identical normalised names in both
    scripts, birth date and gender, in the same school."""

    school_id: int
    birth_date: date
    gender: str
    first_ar: str
    last_ar: str
    first_latn: str
    last_latn: str


def identity_of(
    *,
    school_id: int,
    birth_date: date,
    gender: str,
    first_name_ar: str,
    last_name_ar: str,
    first_name_latn: str,
    last_name_latn: str,
) -> Identity:
    return Identity(
        school_id,
        birth_date,
        gender,
        _normalise(first_name_ar),
        _normalise(last_name_ar),
        _normalise(first_name_latn),
        _normalise(last_name_latn),
    )


def _identity(student: Student) -> Identity | None:
    if student.school_id is None:
        return None
    return identity_of(
        school_id=student.school_id,
        birth_date=student.birth_date,
        gender=student.gender,
        first_name_ar=student.first_name_ar,
        last_name_ar=student.last_name_ar,
        first_name_latn=student.first_name_latn,
        last_name_latn=student.last_name_latn,
    )


@dataclass
class PupilIndex:
    """Known pupils by national code (merged records included) and by identity."""

    by_code: dict[str, Student] = field(default_factory=dict)
    by_identity: dict[Identity, Student] = field(default_factory=dict)


def find_pupils(*, codes: Collection[str], identities: Collection[Identity]) -> PupilIndex:
    """The pupils with these codes, and the unmerged pupils with these identities: two queries.

    Identities are looked up by their exact (birth date, normalised family name) pairs, which
    the `student_dup_latn_idx` index serves, then compared in full. The pairs are a VALUES list
    joined to the table rather than a chain of ORs: the plan stays an index lookup per pair, or
    at worst one pass over the table, even when the table's statistics are stale (a first large
    import into a young registry). When several records share an identity, the one with the
    smallest national code is taken, so the answer does not depend on the engine.
    """
    index = PupilIndex()
    if codes:
        for student in Student.objects.filter(national_code__in=set(codes)).select_related(
            "merged_into"
        ):
            index.by_code[student.national_code] = student
    if identities:
        wanted = set(identities)
        pairs = sorted({(i.birth_date, i.last_latn[:100]) for i in wanted})
        matching = students_born_with_key("last_key_latn", pairs)
        candidates = Student.objects.filter(
            id__in=matching,
            school_id__in={i.school_id for i in wanted},
            merged_into__isnull=True,
        ).order_by("national_code")
        for student in candidates:
            key = _identity(student)
            if key in wanted and key not in index.by_identity:
                index.by_identity[key] = student
    return index


@dataclass(frozen=True)
class PupilIn:
    """One pupil to create or update. `national_code` is the code given by the caller (empty
    when unknown: the pupil is then looked up by identity); `planned_code` and `uuid` are used
    when the pupil turns out to be new."""

    key: int
    national_code: str
    planned_code: str
    uuid: UUID
    first_name_ar: str
    last_name_ar: str
    first_name_latn: str
    last_name_latn: str
    birth_date: date
    gender: str
    school_id: int
    birth_place_ar: str = ""
    birth_place_latn: str = ""

    @property
    def identity(self) -> Identity:
        return identity_of(
            school_id=self.school_id,
            birth_date=self.birth_date,
            gender=self.gender,
            first_name_ar=self.first_name_ar,
            last_name_ar=self.last_name_ar,
            first_name_latn=self.first_name_latn,
            last_name_latn=self.last_name_latn,
        )


@dataclass(frozen=True)
class PupilOut:
    key: int
    student: Student
    outcome: Outcome


def known_pupil(pupil: PupilIn, index: PupilIndex) -> Student | None:
    """The registry's record for `pupil`, if it has one (by code, else by identity)."""
    if pupil.national_code:
        return index.by_code.get(pupil.national_code)
    return index.by_identity.get(pupil.identity)


_NAME_FIELDS = ("first_name_ar", "last_name_ar", "first_name_latn", "last_name_latn")


def _changes(student: Student, pupil: PupilIn) -> list[str]:
    """The fields of a known pupil that the input changes. Matched by code, the input is the
    reference for names, birth date and gender; matched by identity, those are equal already.
    Birth places are only ever filled in or corrected, never emptied."""
    wanted: dict[str, Any] = {}
    if pupil.national_code:
        wanted |= {name: getattr(pupil, name) for name in _NAME_FIELDS}
        wanted |= {"birth_date": pupil.birth_date, "gender": pupil.gender}
    if pupil.birth_place_ar:
        wanted["birth_place_ar"] = pupil.birth_place_ar
    if pupil.birth_place_latn:
        wanted["birth_place_latn"] = pupil.birth_place_latn
    changed = [name for name, value in wanted.items() if getattr(student, name) != value]
    for name in changed:
        setattr(student, name, wanted[name])
    if any(name in _NAME_FIELDS for name in changed):
        keys = student_keys(*(getattr(student, name) for name in _NAME_FIELDS))
        for name, value in keys.items():
            setattr(student, name, value)
        changed += list(keys)
    return changed


@transaction.atomic
def upsert_pupils(
    *,
    actor: Actor | None,
    pupils: Sequence[PupilIn],
    index: PupilIndex | None = None,
    audit: Mapping[str, Any] | None = None,
) -> dict[int, PupilOut]:
    """Create the new pupils and update the known ones; flag possible duplicates of the new.

    `index` is `find_pupils` for these pupils when the caller already has it. A merged record,
    or one pupil given twice, is refused (InvalidInput): callers check for both beforehand.
    A planned code that someone else took in the meantime is replaced by a fresh one.
    """
    if index is None:
        index = find_pupils(
            codes=[p.national_code for p in pupils if p.national_code],
            identities=[p.identity for p in pupils if not p.national_code],
        )
    results: dict[int, PupilOut] = {}
    seen: set[int] = set()
    to_create: list[tuple[PupilIn, Student]] = []
    to_update: list[Student] = []
    update_fields: set[str] = set()
    for pupil in pupils:
        student = known_pupil(pupil, index)
        if student is None:
            code = pupil.national_code or pupil.planned_code
            to_create.append((pupil, _new_student(pupil, code)))
            continue
        if student.merged_into_id is not None:
            raise InvalidInput(
                _("The pupil %(code)s was merged.") % {"code": student.national_code}
            )
        if student.pk in seen:
            raise InvalidInput(_("A pupil is given twice."))
        seen.add(student.pk)
        changed = _changes(student, pupil)
        if changed:
            to_update.append(student)
            update_fields.update(changed)
        results[pupil.key] = PupilOut(pupil.key, student, "updated" if changed else "unchanged")
    _replace_taken_codes(to_create)
    created = Student.objects.bulk_create([student for _pupil, student in to_create])
    for (pupil, _student), student in zip(to_create, created, strict=True):
        results[pupil.key] = PupilOut(pupil.key, student, "created")
    if to_update:
        Student.objects.bulk_update(to_update, sorted(update_fields))
    # find_duplicates builds one OR branch per name key: SQLite refuses an expression deeper than
    # 1,000, so it is given at most DUPLICATE_SEARCH_BATCH pupils at a time.
    for start in range(0, len(created), DUPLICATE_SEARCH_BATCH):
        find_duplicates(created[start : start + DUPLICATE_SEARCH_BATCH])
    if created or to_update:
        record_event(
            actor=actor,
            action="student.bulk_upsert",
            object_type="student",
            data={
                **(audit or {}),
                "created": [str(s.uuid) for s in created],
                "updated": [str(s.uuid) for s in to_update],
            },
        )
    return results


def _new_student(pupil: PupilIn, code: str) -> Student:
    names = {name: getattr(pupil, name) for name in _NAME_FIELDS}
    return Student(
        uuid=pupil.uuid,
        national_code=code,
        birth_date=pupil.birth_date,
        gender=pupil.gender,
        school_id=pupil.school_id,
        birth_place_ar=pupil.birth_place_ar,
        birth_place_latn=pupil.birth_place_latn,
        **names,
        **student_keys(**names),
    )


def _replace_taken_codes(to_create: list[tuple[PupilIn, Student]]) -> None:
    """Planned codes are allocated when rows are staged. A pupil gets a fresh code from its
    school's region when its planned code was taken since (another import brought it), or when
    it has none (it was a known pupil when staged, merged away since)."""
    planned = {s.national_code: s for p, s in to_create if not p.national_code and s.national_code}
    taken = (
        set(
            Student.objects.filter(national_code__in=list(planned)).values_list(
                "national_code", flat=True
            )
        )
        if planned
        else set()
    )
    students = [planned[code] for code in sorted(taken)]
    students += [s for p, s in to_create if not p.national_code and not s.national_code]
    if not students:
        return
    regions = dict(
        School.objects.filter(id__in={s.school_id for s in students}).values_list(
            "id", "province__region__code"
        )
    )
    by_region: dict[str, list[Student]] = {}
    for student in students:
        by_region.setdefault(regions[student.school_id or 0], []).append(student)
    for region_code, group in sorted(by_region.items()):
        codes = allocate_national_codes(region_code=region_code, count=len(group))
        for student, code in zip(group, codes, strict=True):
            student.national_code = code


@dataclass(frozen=True)
class GuardianIn:
    key: int
    student_id: int
    relation: str
    first_name_ar: str = ""
    last_name_ar: str = ""
    first_name_latn: str = ""
    last_name_latn: str = ""
    national_id: str = ""
    phone: str = ""


def _guardian_names(g: Guardian | GuardianIn) -> tuple[str, str, str, str]:
    return (
        _normalise(g.first_name_ar),
        _normalise(g.last_name_ar),
        _normalise(g.first_name_latn),
        _normalise(g.last_name_latn),
    )


@transaction.atomic
def link_guardians(
    *, actor: Actor | None, guardians: Sequence[GuardianIn], audit: Mapping[str, Any] | None = None
) -> dict[int, Literal["linked", "unchanged"]]:
    """Link each guardian to its pupil, as `add_guardian` does one at a time.

    A guardian with the same CIN is reused (siblings share their father); without a CIN, a
    guardian already linked to the pupil with the same relation and normalised names is reused.
    A pupil's first guardian becomes the primary one. Existing links are left as they are.
    """
    if not guardians:
        return {}
    by_cin = {
        g.national_id: g
        for g in Guardian.objects.filter(
            national_id__in={g.national_id for g in guardians if g.national_id}
        )
    }
    links = list(
        Guardianship.objects.filter(
            student_id__in={g.student_id for g in guardians}
        ).select_related("guardian")
    )
    pairs = {(link.student_id, link.guardian_id) for link in links}
    has_primary = {link.student_id for link in links if link.is_primary}
    by_names = {
        (link.student_id, link.relation, _guardian_names(link.guardian)): link.guardian
        for link in links
    }
    new_guardians: list[Guardian] = []
    wanted: list[tuple[GuardianIn, Guardian]] = []
    results: dict[int, Literal["linked", "unchanged"]] = {}
    for item in guardians:
        guardian = (
            by_cin.get(item.national_id)
            if item.national_id
            else by_names.get((item.student_id, item.relation, _guardian_names(item)))
        )
        if guardian is None:
            guardian = Guardian(
                first_name_ar=item.first_name_ar,
                last_name_ar=item.last_name_ar,
                first_name_latn=item.first_name_latn,
                last_name_latn=item.last_name_latn,
                national_id=item.national_id,
                phone=item.phone,
            )
            new_guardians.append(guardian)
            if item.national_id:
                by_cin[item.national_id] = guardian
            else:
                by_names[(item.student_id, item.relation, _guardian_names(item))] = guardian
        wanted.append((item, guardian))
    Guardian.objects.bulk_create(new_guardians)
    new_links: list[Guardianship] = []
    for item, guardian in wanted:
        if (item.student_id, guardian.pk) in pairs:
            results[item.key] = "unchanged"
            continue
        pairs.add((item.student_id, guardian.pk))
        new_links.append(
            Guardianship(
                student_id=item.student_id,
                guardian=guardian,
                relation=item.relation,
                is_primary=item.student_id not in has_primary,
            )
        )
        has_primary.add(item.student_id)
        results[item.key] = "linked"
    Guardianship.objects.bulk_create(new_links)
    if new_links:
        record_event(
            actor=actor,
            action="guardian.bulk_link",
            object_type="guardian",
            data={
                **(audit or {}),
                "guardians_created": [str(g.uuid) for g in new_guardians],
                "links_created": len(new_links),
            },
        )
    return results
