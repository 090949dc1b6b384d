"""Demo marks, bulletins and exam results, made through the same services a school uses.

- The demo school: contrôles 1 and 2 of semester 1 in every subject of every class, with marks
  (a few absences), and the semester-1 bulletins computed (not yet published: the director
  closes the term and publishes them from the school's bulletins page).
- The province: a baccalauréat session of the current year for its 2e année bac pupils (exam
  marks imported as a CSV file, computed and published), so the public results page answers.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from madrasa.accounts.models import User
from madrasa.bulletins.models import Bulletin
from madrasa.bulletins.services import BulletinTarget, execute_run, start_bulletin_run
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.grading.models import ExamScheme, SubjectCoefficient
from madrasa.grading.services import subjects_for
from madrasa.marks.models import Assessment
from madrasa.marks.services import create_assessment, save_marks
from madrasa.registry.models import Province, School, SchoolYear
from madrasa.results.models import ExamSession, PublishedResult
from madrasa.results.services import (
    compute_results,
    create_session,
    import_marks,
    publish_results,
)


@dataclass
class DemoResults:
    marks: int = 0
    bulletins: int = 0
    candidates: int = 0
    sample_code: str = ""
    sample_birth_date: str = ""


def _mark(rng: random.Random, level: float) -> str:
    roll = rng.random()
    if roll < 0.02:
        return "ABJ"
    if roll < 0.03:
        return "ABN"
    value = max(0.0, min(20.0, rng.gauss(level, 3.0)))
    return f"{value:.2f}".replace(".", ",") if rng.random() < 0.5 else f"{value:.2f}"


def seed_school_marks(*, school: School, year: SchoolYear, director: User, seed: int) -> int:
    """Contrôles 1 and 2 of semester 1 in every subject of every class of the school."""
    rng = random.Random(seed)  # noqa: S311  reproducible demo data, not security
    semester = year.semesters.get(number=1)
    if Assessment.objects.filter(school_class__school=school, semester=semester).exists():
        return 0
    written = 0
    for school_class in SchoolClass.objects.filter(school=school, year=year).order_by("name"):
        pupils = list(
            Enrolment.objects.filter(
                school_class=school_class, status=Enrolment.Status.ACTIVE
            ).values_list("uuid", flat=True)
        )
        if not pupils:
            continue
        ability = {pupil: rng.gauss(12.0, 2.5) for pupil in pupils}
        rows = subjects_for(
            year_id=year.pk, level_id=school_class.level_id, stream_id=school_class.stream_id
        )
        for row in rows:
            for number in (1, 2):
                assessment, _created = create_assessment(
                    actor=director,
                    school_class=school_class,
                    subject=row.subject,
                    semester=semester,
                    number=number,
                )
                result = save_marks(
                    actor=director,
                    assessment=assessment,
                    entries=[(pupil, _mark(rng, ability[pupil])) for pupil in pupils],
                )
                written += result.created
    return written


def compute_school_bulletins(*, school: School, year: SchoolYear, director: User) -> int:
    """The school's semester-1 bulletins, unless already computed."""
    target = BulletinTarget(year=year, semester=year.semesters.get(number=1))
    if Bulletin.objects.filter(enrolment__school=school, semester=target.semester).exists():
        return 0
    run = start_bulletin_run(
        actor=director, scope_kind="school", scope_code=school.code, target=target, schedule=False
    )
    finished = execute_run(run_uuid=run.uuid)
    return int(finished.bulletins) if finished is not None else 0


def seed_baccalaureate(*, province: Province, year: SchoolYear, seed: int) -> DemoResults:
    """A published baccalauréat session for the province's 2e année bac pupils."""
    outcome = DemoResults()
    scheme = ExamScheme.objects.filter(year=year, code="baccalaureat").first()
    if scheme is None or ExamSession.objects.filter(scheme=scheme).exists():
        return outcome
    enrolments = list(
        Enrolment.objects.filter(
            year=year,
            level=scheme.level,
            status=Enrolment.Status.ACTIVE,
            school__province=province,
            stream__isnull=False,
        ).values_list("student__national_code", "stream_id")
    )
    if not enrolments:
        return outcome
    national: dict[int, list[str]] = {}
    for row in SubjectCoefficient.objects.filter(
        year=year, level=scheme.level, stream__isnull=False
    ).select_related("subject"):
        if row.stream_id is not None:
            national.setdefault(row.stream_id, []).append(row.subject.code)
    rng = random.Random(seed)  # noqa: S311  reproducible demo data, not security
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["national_code", "component", "subject", "mark", "coefficient"])
    for code, stream_id in enrolments:
        level = rng.gauss(11.0, 3.0)
        continuous = max(0.0, min(20.0, rng.gauss(level + 1, 2.0)))
        writer.writerow([code, "continuous", "", f"{continuous:.2f}", ""])
        for subject in ("AR", "FR", "HG", "EI"):  # the 1re année bac regional exam
            writer.writerow([code, "regional", subject, _mark(rng, level), "2"])
        for subject in national.get(stream_id or 0, ["MATH"]):
            writer.writerow([code, "national", subject, _mark(rng, level - 0.5), ""])
    session = create_session(
        actor=None, scheme=scheme, name=f"Baccalauréat {year.code} — session normale"
    )
    imported = import_marks(
        actor=None, session=session, data=out.getvalue().encode(), filename="demo.csv"
    )
    if not imported.ok:
        raise RuntimeError(f"demo exam marks refused: {imported.problems[:3]}")
    compute_results(actor=None, session=session)
    publication = publish_results(
        actor=None, session=session, embargo_until=timezone.now() - timedelta(minutes=1)
    )
    outcome.candidates = imported.candidates_created
    sample = (
        PublishedResult.objects.filter(publication=publication)
        .order_by("national_code")
        .values_list("national_code", "birth_date")
        .first()
    )
    if sample is not None:
        outcome.sample_code, outcome.sample_birth_date = sample[0], sample[1].isoformat()
    return outcome
