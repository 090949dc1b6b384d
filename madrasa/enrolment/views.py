"""Enrolment pages: a school and its classes, a class list, enrolling a pupil, year-end decisions,
a pupil's profile and journey, transfer requests and their queue, possible duplicates.

Thin: access.py decides who may see or change what, services.py writes, selectors.py reads.
The school page and the pupil profile keep their registry URL names (`registry:school_detail`,
`registry:student_detail`) but live here, because they show enrolment data and the registry
layer may not import this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madrasa.accounts.http import page
from madrasa.accounts.models import User
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput, PermissionDenied
from madrasa.registry.access import (
    access_school,
    access_student,
    visible_schools,
    visible_students,
)
from madrasa.registry.models import (
    DuplicateCandidate,
    Guardianship,
    Level,
    School,
    SchoolYear,
    Stream,
    Student,
)
from madrasa.registry.services import dismiss_duplicate

from .access import (
    access_class,
    access_duplicate,
    access_enrolment,
    access_student_for_merge,
    access_transfer,
    can_decide_as_directorate,
    can_decide_as_school,
    can_merge,
    can_request_transfer,
    manageable_school,
    transfer_step_for,
    visible_classes,
    visible_transfers,
)
from .forms import (
    NO_DECISION,
    AssignTeacherForm,
    ClassForm,
    EnrolExistingForm,
    MergeForm,
    MoveForm,
    NewPupilForm,
    TransferDecisionForm,
    TransferRequestForm,
    decision_choices,
    decision_value,
)
from .models import Enrolment, JourneyEvent, SchoolClass, Transfer
from .selectors import (
    class_pupils,
    current_enrolment,
    open_duplicates,
    pupil_duplicates,
    pupil_enrolments,
    pupil_journey,
    pupil_transfers,
    school_classes,
    school_enrolments,
    transfer_queue,
)
from .services import (
    assign_teacher,
    cancel_transfer,
    create_class,
    decide_transfer_as_directorate,
    decide_transfer_as_school,
    enrol_new_pupil,
    enrol_student,
    merge_pupils,
    move_to_class,
    record_decision,
    request_transfer,
)
from .templatetags.enrolment_tags import lname

MERGE_ROLES = frozenset({Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE})
TRANSFER_ROLES = frozenset(
    {Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.PARENT}
)
INVALID = 422  # a form shown again with its errors
SCHOOL_SEARCH_LIMIT = 20

DUPLICATE_REASONS = {
    "same_birth_date": gettext_lazy("Same date of birth"),
    "birth_day_month_swapped": gettext_lazy("Day and month of birth swapped"),
    "similar_latin_name": gettext_lazy("Similar name in Latin script"),
    "similar_arabic_name": gettext_lazy("Similar name in Arabic script"),
    "different_gender": gettext_lazy("Different gender"),
    "same_birth_place": gettext_lazy("Same place of birth"),
}


# Small reads that only these pages need -----------------------------------------------------


def _open_year() -> SchoolYear | None:
    return SchoolYear.objects.filter(is_current=True).first()


def _levels_for(school: School) -> list[Level]:
    """The levels a school teaches (its cycle's, or all when no cycle is set), with streams."""
    levels = Level.objects.select_related("cycle").prefetch_related("streams").order_by("rank")
    if school.cycle_id is not None:
        levels = levels.filter(cycle_id=school.cycle_id)
    return list(levels)


def _year_classes(school: School, year: SchoolYear) -> list[SchoolClass]:
    return list(
        SchoolClass.objects.filter(school=school, year=year)
        .select_related("level", "stream")
        .order_by("level__rank", "name")
    )


def _school_teachers(school: School) -> QuerySet[User]:
    return (
        User.objects.filter(
            assignments__role=Role.TEACHER,
            assignments__school=school,
            assignments__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _sibling_classes(enrolment: Enrolment) -> list[SchoolClass]:
    """Classes an enrolled pupil may move to: same school, year, level and stream."""
    return list(
        SchoolClass.objects.filter(
            school_id=enrolment.school_id,
            year_id=enrolment.year_id,
            level_id=enrolment.level_id,
            stream=enrolment.stream,
        )
        .exclude(pk=enrolment.school_class_id or 0)
        .order_by("name")
    )


def _user_label(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# The school page and a class list -------------------------------------------------------------


@require_GET
@page()
def school_detail(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = access_school(actor, school_uuid)
    is_director = school.pk in actor.director_school_ids
    # A teacher sees only the classes they teach; the other roles that see the school see all
    # of its pupils.
    sees_all_pupils = (
        actor.is_national
        or is_director
        or school.province_id in actor.directorate_province_ids
        or school.province.region_id in actor.academy_region_ids
    )
    year = _open_year()
    context: dict[str, Any] = {
        "school": school,
        "is_director": is_director,
        "sees_all_pupils": sees_all_pupils,
        "year": year,
        "main_school": school.main_school,
        "satellites": list(school.satellites.filter(is_active=True).order_by("code")),
    }
    if year is not None:
        classes = list(
            school_classes(actor, school, year).prefetch_related("teaching_assignments__teacher")
        )
        context["classes"] = classes
        if sees_all_pupils:
            context["pupil_count"] = Enrolment.objects.filter(
                school=school, year=year, status=Enrolment.Status.ACTIVE
            ).count()
            # Each pupil without a class, with the classes the director may put them in.
            by_group: dict[tuple[int, int | None], list[SchoolClass]] = {}
            if is_director:
                for school_class in _year_classes(school, year):
                    key = (school_class.level_id, school_class.stream_id)
                    by_group.setdefault(key, []).append(school_class)
            context["unassigned"] = [
                (e, by_group.get((e.level_id, e.stream_id), []))
                for e in school_enrolments(school, year, without_class=True)
            ]
    if is_director:
        context["incoming_waiting"] = Transfer.objects.filter(
            to_school=school, status=Transfer.Status.PENDING_SCHOOL
        ).count()
    return render(request, "enrolment/school_detail.html", context)


@require_http_methods(["GET", "POST"])
@page()
def class_create(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = manageable_school(actor, school_uuid)
    levels = _levels_for(school)
    year = _open_year()
    form = ClassForm(
        request.POST if request.method == "POST" else None, levels=levels, initial={"year": year}
    )
    if request.method == "POST" and form.is_valid():
        level, stream = form.level_and_stream()
        try:
            school_class = create_class(
                actor=actor.user,
                school=school,
                year=form.cleaned_data["year"],
                level=level,
                stream=stream,
                name=form.cleaned_data["name"],
                capacity=form.cleaned_data["capacity"],
            )
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request, _("The class %(name)s is created.") % {"name": school_class.name}
            )
            return redirect("enrolment:class_detail", school_class.uuid)
    status = INVALID if request.method == "POST" else 200
    return render(
        request, "enrolment/class_form.html", {"school": school, "form": form}, status=status
    )


@require_GET
@page()
def class_detail(request: HttpRequest, actor: Actor, class_uuid: UUID) -> HttpResponse:
    school_class = access_class(actor, class_uuid)
    is_director = school_class.school_id in actor.director_school_ids
    pupils = list(class_pupils(school_class))
    context: dict[str, Any] = {
        "school_class": school_class,
        "pupils": pupils,
        "is_director": is_director,
        "assignments": list(
            school_class.teaching_assignments.select_related("teacher").order_by(
                "teacher__last_name", "subject"
            )
        ),
        "over_capacity": len(pupils) > school_class.capacity,
    }
    if is_director:
        context["siblings"] = list(
            SchoolClass.objects.filter(
                school_id=school_class.school_id,
                year_id=school_class.year_id,
                level_id=school_class.level_id,
                stream=school_class.stream,
            )
            .exclude(pk=school_class.pk)
            .order_by("name")
        )
        context["teacher_form"] = AssignTeacherForm(teachers=_school_teachers(school_class.school))
    return render(request, "enrolment/class_detail.html", context)


@require_POST
@page()
def class_assign_teacher(request: HttpRequest, actor: Actor, class_uuid: UUID) -> HttpResponse:
    school_class = access_class(actor, class_uuid)
    school = manageable_school(actor, school_class.school.uuid)
    form = AssignTeacherForm(request.POST, teachers=_school_teachers(school))
    if form.is_valid():
        try:
            assign_teacher(
                actor=actor.user,
                teacher=form.cleaned_data["teacher"],
                school_class=school_class,
                subject=form.cleaned_data["subject"],
            )
        except InvalidInput as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("%(teacher)s teaches this class.")
                % {"teacher": _user_label(form.cleaned_data["teacher"])},
            )
    else:
        messages.error(request, _("Choose a teacher of the school."))
    return redirect("enrolment:class_detail", school_class.uuid)


@require_POST
@page()
def enrolment_move(request: HttpRequest, actor: Actor, enrolment_uuid: UUID) -> HttpResponse:
    enrolment = access_enrolment(actor, enrolment_uuid)
    origin = enrolment.school_class
    back = (
        reverse("enrolment:class_detail", args=[origin.uuid])
        if origin is not None
        else reverse("registry:school_detail", args=[enrolment.school.uuid])
    )
    form = MoveForm(request.POST, classes=_sibling_classes(enrolment))
    if not form.is_valid():
        messages.error(request, _("Choose a class of the same level and stream."))
        return HttpResponseRedirect(back)
    target = form.target()
    try:
        move_to_class(actor=actor.user, enrolment=enrolment, school_class=target)
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(code)s is now in class %(name)s.")
            % {"code": enrolment.student.national_code, "name": target.name},
        )
    return HttpResponseRedirect(back)


# Enrolling a pupil ----------------------------------------------------------------------------


def _enrol_page(
    request: HttpRequest,
    school: School,
    year: SchoolYear | None,
    *,
    existing: EnrolExistingForm | None = None,
    new: NewPupilForm | None = None,
    status: int = 200,
) -> HttpResponse:
    levels = _levels_for(school)
    classes = _year_classes(school, year) if year else []
    context = {
        "school": school,
        "year": year,
        "existing_form": existing or EnrolExistingForm(levels=levels, classes=classes),
        "new_form": new or NewPupilForm(levels=levels, classes=classes, prefix="new"),
    }
    return render(request, "enrolment/enrol.html", context, status=status)


@require_http_methods(["GET", "POST"])
@page()
def enrol_existing(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = manageable_school(actor, school_uuid)
    year = _open_year()
    if request.method == "GET" or year is None:
        return _enrol_page(request, school, year)
    form = EnrolExistingForm(
        request.POST, levels=_levels_for(school), classes=_year_classes(school, year)
    )
    if form.is_valid():
        code = form.cleaned_data["national_code"]
        # A pupil from another school (last year's primary school, say) is not in the director's
        # view yet: the national code is what the family hands over.
        student = Student.objects.filter(national_code=code).first()
        if student is None:
            form.add_error("national_code", _("No pupil has the national code %s.") % code)
        else:
            level, stream, school_class = form.placement()
            try:
                enrol_student(
                    actor=actor.user,
                    student=student,
                    school=school,
                    level=level,
                    year=year,
                    stream=stream,
                    school_class=school_class,
                )
            except InvalidInput as exc:
                form.add_error("national_code", str(exc.message))
            else:
                messages.success(
                    request,
                    _("%(code)s is enrolled for %(year)s.") % {"code": code, "year": year.code},
                )
                return redirect("registry:student_detail", student.uuid)
    return _enrol_page(request, school, year, existing=form, status=INVALID)


@require_http_methods(["GET", "POST"])
@page()
def enrol_new(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = manageable_school(actor, school_uuid)
    year = _open_year()
    if request.method == "GET" or year is None:
        return _enrol_page(request, school, year)
    form = NewPupilForm(
        request.POST,
        levels=_levels_for(school),
        classes=_year_classes(school, year),
        prefix="new",
    )
    if form.is_valid():
        data = form.cleaned_data
        level, stream, school_class = form.placement()
        try:
            enrolment = enrol_new_pupil(
                actor=actor.user,
                school=school,
                level=level,
                stream=stream,
                school_class=school_class,
                year=year,
                first_name_ar=data["first_name_ar"],
                last_name_ar=data["last_name_ar"],
                first_name_latn=data["first_name_latn"],
                last_name_latn=data["last_name_latn"],
                birth_date=data["birth_date"],
                gender=data["gender"],
                birth_place_ar=data["birth_place_ar"],
                birth_place_latn=data["birth_place_latn"],
            )
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            student = enrolment.student
            messages.success(
                request,
                _("The pupil is enrolled. National code allocated: %(code)s.")
                % {"code": student.national_code},
            )
            flagged = DuplicateCandidate.objects.filter(
                student=student, status=DuplicateCandidate.Status.OPEN
            ).count()
            if flagged:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d record already in the registry may be the same pupil: "
                        "the provincial directorate will review it.",
                        "%(count)d records already in the registry may be the same pupil: "
                        "the provincial directorate will review them.",
                        flagged,
                    )
                    % {"count": flagged},
                )
            return redirect("registry:student_detail", student.uuid)
    return _enrol_page(request, school, year, new=form, status=INVALID)


# Year-end decisions ---------------------------------------------------------------------------


@require_GET
@page()
def school_decisions(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = manageable_school(actor, school_uuid)
    year = _open_year()
    context: dict[str, Any] = {"school": school, "year": year}
    if year is not None:
        context["classes"] = list(
            school_classes(actor, school, year).annotate(
                decided=Count(
                    "enrolments",
                    filter=~Q(enrolments__decision="")
                    & ~Q(enrolments__status=Enrolment.Status.TRANSFERRED),
                )
            )
        )
        context["unassigned_count"] = school_enrolments(school, year, without_class=True).count()
    return render(request, "enrolment/school_decisions.html", context)


@dataclass
class DecisionRow:
    enrolment: Enrolment
    value: str
    note: str
    error: str = ""


@require_http_methods(["GET", "POST"])
@page()
def class_decisions(request: HttpRequest, actor: Actor, class_uuid: UUID) -> HttpResponse:
    school_class = access_class(actor, class_uuid)
    manageable_school(actor, school_class.school.uuid)
    level = school_class.level
    next_level = Level.objects.filter(rank=level.rank + 1).first()
    next_streams = (
        list(next_level.streams.filter(is_active=True).order_by("code")) if next_level else []
    )
    choices = decision_choices(
        next_streams,
        has_next_level=next_level is not None,
        ends_cycle=not Level.objects.filter(cycle_id=level.cycle_id, rank__gt=level.rank).exists(),
    )
    allowed = {value for value, _label in choices}
    enrolments = list(
        school_enrolments(school_class.school, school_class.year).filter(school_class=school_class)
    )
    rows = [DecisionRow(e, decision_value(e), e.decision_note) for e in enrolments]
    status = 200
    if request.method == "POST":
        saved = 0
        with transaction.atomic():
            for row in rows:
                e = row.enrolment
                value = request.POST.get(f"d-{e.uuid}")
                if value is None:
                    continue
                note = request.POST.get(f"n-{e.uuid}", "").strip()[:300]
                if value == row.value and note == e.decision_note:
                    continue
                row.value, row.note = value, note
                if value == NO_DECISION:
                    row.error = _("Choose a decision.")
                    continue
                if value not in allowed:
                    row.error = _("This decision is not possible for this level.")
                    continue
                decision, _sep, stream_id = value.partition(":")
                stream = next((s for s in next_streams if str(s.pk) == stream_id), None)
                try:
                    record_decision(
                        actor=actor.user, enrolment=e, decision=decision, stream=stream, note=note
                    )
                except InvalidInput as exc:
                    row.error = str(exc.message)
                else:
                    saved += 1
            errors = [row for row in rows if row.error]
            if errors:
                transaction.set_rollback(True)
        if not errors:
            if saved:
                messages.success(
                    request,
                    ngettext("%(count)d decision saved.", "%(count)d decisions saved.", saved)
                    % {"count": saved},
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("enrolment:class_decisions", school_class.uuid)
        messages.error(
            request,
            ngettext(
                "%(count)d row needs fixing; nothing was saved.",
                "%(count)d rows need fixing; nothing was saved.",
                len(errors),
            )
            % {"count": len(errors)},
        )
        status = INVALID
    return render(
        request,
        "enrolment/class_decisions.html",
        {"school_class": school_class, "rows": rows, "choices": choices},
        status=status,
    )


# The pupil profile and journey ----------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of the journey, ready to show."""

    kind: str
    title: str
    at: datetime
    year: str
    school: School | None
    level: Level | None
    lines: list[str] = field(default_factory=list)
    by: str = ""

    @property
    def day(self) -> date:
        return timezone.localtime(self.at).date()


def _decision_label(value: str) -> str:
    if value in Enrolment.Decision.values:
        return str(Enrolment.Decision(value).label)
    return value


def _journey_steps(events: list[JourneyEvent], *, show_actor: bool) -> list[Step]:
    codes = {
        str(e.detail[key])
        for e in events
        for key in ("to_school", "from_school")
        if e.detail.get(key)
    }
    schools = {s.code: s for s in School.objects.filter(code__in=codes)} if codes else {}
    # Stream codes are unique per level: an enrolment names a stream of its level, an
    # orientation one of the next level.
    ranks = {e.level.rank for e in events if e.level is not None and e.detail.get("stream")}
    streams = {
        (s.level.rank, s.code): s
        for s in Stream.objects.filter(
            level__rank__in=ranks | {rank + 1 for rank in ranks}
        ).select_related("level")
    }

    def school_name(code: str) -> str:
        found = schools.get(code)
        return f"{lname(found)} ({code})" if found else code

    def stream_name(event: JourneyEvent, code: str, *, next_level: bool = False) -> str:
        rank = event.level.rank + (1 if next_level else 0) if event.level else -1
        found = streams.get((rank, code))
        return lname(found) if found else code

    steps = []
    for event in events:
        d = event.detail
        lines: list[str] = []
        kind = event.kind
        if kind == JourneyEvent.Kind.ENROLLED:
            if d.get("stream"):
                lines.append(_("Stream: %(name)s") % {"name": stream_name(event, d["stream"])})
            if d.get("school_class"):
                lines.append(_("Class %(name)s") % {"name": d["school_class"]})
        elif kind == JourneyEvent.Kind.CLASS_CHANGED:
            if d.get("before"):
                lines.append(
                    _("From class %(before)s to class %(after)s")
                    % {"before": d["before"], "after": d.get("after", "")}
                )
            else:
                lines.append(_("Placed in class %(name)s") % {"name": d.get("after", "")})
        elif kind == JourneyEvent.Kind.TRANSFER_REQUESTED:
            if d.get("to_school"):
                lines.append(_("To %(school)s") % {"school": school_name(d["to_school"])})
            if d.get("reason"):
                lines.append(_("Reason: %(text)s") % {"text": d["reason"]})
        elif kind == JourneyEvent.Kind.TRANSFER_APPROVED:
            if d.get("from_school"):
                lines.append(_("From %(school)s") % {"school": school_name(d["from_school"])})
        elif kind == JourneyEvent.Kind.TRANSFER_REFUSED:
            if d.get("by") == "directorate":
                lines.append(_("Refused by the provincial directorate"))
            elif d.get("by") == "school":
                lines.append(_("Refused by the receiving school"))
            if d.get("note"):
                lines.append(_("Reason: %(text)s") % {"text": d["note"]})
        elif kind == JourneyEvent.Kind.TRANSFER_ACCEPTED_BY_SCHOOL:
            if d.get("note"):
                lines.append(_("Note: %(text)s") % {"text": d["note"]})
        elif kind == JourneyEvent.Kind.DECISION:
            label = _decision_label(str(d.get("decision", "")))
            if d.get("stream"):
                label = f"{label}: {stream_name(event, d['stream'], next_level=True)}"
            lines.append(label)
            if d.get("previous"):
                lines.append(
                    _("Replaces: %(decision)s") % {"decision": _decision_label(d["previous"])}
                )
            if d.get("note"):
                lines.append(_("Note: %(text)s") % {"text": d["note"]})
        elif kind == JourneyEvent.Kind.MERGED and d.get("merged_code"):
            lines.append(
                _("The record %(code)s was merged into this one.") % {"code": d["merged_code"]}
            )
        steps.append(
            Step(
                kind=kind,
                title=str(JourneyEvent.Kind(kind).label)
                if kind in JourneyEvent.Kind.values
                else kind,
                at=event.at,
                year=event.year.code if event.year else "",
                school=event.school,
                level=event.level,
                lines=lines,
                by=_user_label(event.actor) if show_actor else "",
            )
        )
    return steps


@require_GET
@page()
def student_detail(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_student(actor, student_uuid)
    enrolments = list(pupil_enrolments(student))
    current = next((e for e in reversed(enrolments) if e.status == Enrolment.Status.ACTIVE), None)
    transfers = list(pupil_transfers(student))
    visible_transfer_ids = set(
        visible_transfers(actor).filter(student=student).values_list("id", flat=True)
    )
    has_open_transfer = any(t.status in Transfer.OPEN_STATUSES for t in transfers)
    guardianships = list(Guardianship.objects.filter(student=student).select_related("guardian"))
    duplicates = list(pupil_duplicates(actor, student))
    context = {
        "student": student,
        "current": current,
        "enrolments": enrolments,
        "steps": _journey_steps(list(pupil_journey(student)), show_actor=actor.is_staff_role),
        "transfers": transfers,
        "visible_transfer_ids": visible_transfer_ids,
        "guardianships": guardianships,
        "show_phone": actor.is_staff_role,
        "show_cin": bool(actor.roles & {Role.DIRECTOR, Role.DIRECTORATE}),
        "duplicates": [
            (d, d.other if d.student_id == student.pk else d.student) for d in duplicates
        ],
        "can_merge": can_merge(actor),
        "can_request_transfer": can_request_transfer(actor, student)
        and current is not None
        and not has_open_transfer,
        "merged_records": list(student.merged_records.order_by("national_code")),
        "sees_school": current is not None
        and visible_schools(actor).filter(pk=current.school_id).exists(),
        "sees_class": current is not None
        and current.school_class_id is not None
        and visible_classes(actor).filter(pk=current.school_class_id).exists(),
    }
    return render(request, "enrolment/student_detail.html", context)


# Transfers ------------------------------------------------------------------------------------


def _search_schools(query: str, exclude: int | None, cycle_id: int | None) -> list[School]:
    """Active schools by code or by words of their French or Arabic name (public data, so a
    parent may search every school, not only the ones in their view) that teach the pupil's
    cycle (or whose cycle is not recorded)."""
    query = " ".join(query.split())[:100]
    if len(query) < 2:
        return []
    by_name = Q()
    for word in query.split()[:6]:
        by_name &= Q(name_fr__icontains=word) | Q(name_ar__icontains=word)
    schools = School.objects.filter(Q(code__iexact=query) | by_name, is_active=True)
    if exclude is not None:
        schools = schools.exclude(pk=exclude)
    if cycle_id is not None:
        schools = schools.filter(Q(cycle_id=cycle_id) | Q(cycle__isnull=True))
    return list(schools.select_related("province").order_by("code")[:SCHOOL_SEARCH_LIMIT])


@require_http_methods(["GET", "POST"])
@page()
def transfer_request(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_student(actor, student_uuid)
    if not can_request_transfer(actor, student):
        raise PermissionDenied(_("Only a parent or the pupil's director asks for a transfer."))
    query = request.GET.get("q", "")[:100]
    current = current_enrolment(student)
    results = _search_schools(
        query, student.school_id, current.level.cycle_id if current is not None else None
    )
    form = TransferRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            to_school = School.objects.filter(
                uuid=form.cleaned_data["to_school"], is_active=True
            ).first()
            if to_school is None:
                form.add_error("to_school", _("Choose the receiving school."))
            else:
                try:
                    transfer = request_transfer(
                        actor=actor.user,
                        student=student,
                        to_school=to_school,
                        reason=form.cleaned_data["reason"],
                    )
                except InvalidInput as exc:
                    form.add_error(None, str(exc.message))
                else:
                    messages.success(
                        request,
                        _("The request is sent to %(school)s.") % {"school": lname(to_school)},
                    )
                    return redirect("enrolment:transfer_detail", transfer.uuid)
    chosen = str(form["to_school"].value() or "")
    return render(
        request,
        "enrolment/transfer_request.html",
        {
            "student": student,
            "current": current,
            "form": form,
            "q": query,
            "results": results,
            "chosen": chosen,
        },
        status=status,
    )


def _current_levels(transfers: list[Transfer]) -> dict[int, Enrolment]:
    """The enrolment of each pupil in the year of their request (for the level shown)."""
    if not transfers:
        return {}
    condition = Q(pk__in=[])
    for t in transfers:
        condition |= Q(student_id=t.student_id, year_id=t.year_id)
    enrolments = (
        Enrolment.objects.filter(condition)
        .exclude(status=Enrolment.Status.ENDED)
        .select_related("level", "stream")
        .order_by("started_on", "id")
    )
    return {e.student_id: e for e in enrolments}


@require_GET
@page(roles=TRANSFER_ROLES)
def transfer_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    show_closed = request.GET.get("closed") == "1" or actor.roles <= {Role.PARENT}
    transfers = list(transfer_queue(actor, open_only=not show_closed)[:500])
    levels = _current_levels(transfers)
    waiting: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for t in transfers:
        row = {
            "t": t,
            "waiting": transfer_step_for(actor, t),
            "enrolment": levels.get(t.student_id),
        }
        (waiting if row["waiting"] else others).append(row)
    others.sort(key=lambda row: row["t"].requested_at, reverse=True)
    return render(
        request,
        "enrolment/transfer_list.html",
        {
            "waiting": waiting,
            "decision_form": TransferDecisionForm(),
            "page_obj": Paginator(others, 50).get_page(request.GET.get("page")),
            "show_closed": show_closed,
            "is_parent_only": actor.roles <= {Role.PARENT},
        },
    )


@dataclass(frozen=True)
class TransferStep:
    title: str
    at: datetime | None
    by: str
    note: str
    state: str  # "done", "refused", "waiting"

    @property
    def day(self) -> date | None:
        return timezone.localtime(self.at).date() if self.at else None


def _transfer_steps(t: Transfer) -> list[TransferStep]:
    steps = [
        TransferStep(_("Requested"), t.requested_at, _user_label(t.requested_by), t.reason, "done")
    ]
    if t.school_decided_at is not None:
        refused_here = t.status == Transfer.Status.REFUSED and t.directorate_decided_at is None
        steps.append(
            TransferStep(
                _("Refused by the receiving school")
                if refused_here
                else _("Accepted by the receiving school"),
                t.school_decided_at,
                _user_label(t.school_decided_by),
                t.school_note,
                "refused" if refused_here else "done",
            )
        )
    elif t.status == Transfer.Status.PENDING_SCHOOL:
        steps.append(TransferStep(_("Waiting for the receiving school"), None, "", "", "waiting"))
    if t.directorate_decided_at is not None:
        approved = t.status == Transfer.Status.APPROVED
        steps.append(
            TransferStep(
                _("Approved by the provincial directorate")
                if approved
                else _("Refused by the provincial directorate"),
                t.directorate_decided_at,
                _user_label(t.directorate_decided_by),
                t.directorate_note,
                "done" if approved else "refused",
            )
        )
    elif t.status == Transfer.Status.PENDING_DIRECTORATE:
        steps.append(
            TransferStep(_("Waiting for the provincial directorate"), None, "", "", "waiting")
        )
    if t.status == Transfer.Status.CANCELLED:
        steps.append(TransferStep(_("Cancelled"), None, "", "", "refused"))
    return steps


def _transfer_page(
    request: HttpRequest,
    actor: Actor,
    transfer: Transfer,
    *,
    form: TransferDecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    waiting = transfer_step_for(actor, transfer)
    context = {
        "t": transfer,
        "steps": _transfer_steps(transfer),
        "waiting": waiting,
        "form": form or TransferDecisionForm(),
        "enrolment": _current_levels([transfer]).get(transfer.student_id),
        "can_see_pupil": visible_students(actor).filter(pk=transfer.student_id).exists(),
        "can_cancel": transfer.status in Transfer.OPEN_STATUSES
        and can_request_transfer(actor, transfer.student),
    }
    return render(request, "enrolment/transfer_detail.html", context, status=status)


@require_GET
@page(roles=TRANSFER_ROLES)
def transfer_detail(request: HttpRequest, actor: Actor, transfer_uuid: UUID) -> HttpResponse:
    return _transfer_page(request, actor, access_transfer(actor, transfer_uuid))


@require_POST
@page(roles=TRANSFER_ROLES)
def transfer_decide(request: HttpRequest, actor: Actor, transfer_uuid: UUID) -> HttpResponse:
    transfer = access_transfer(actor, transfer_uuid)
    as_school = can_decide_as_school(actor, transfer)
    as_directorate = can_decide_as_directorate(actor, transfer)
    if not (as_school or as_directorate):
        raise PermissionDenied(_("You do not decide on this request."))
    form = TransferDecisionForm(request.POST)
    if form.is_valid():
        yes = form.cleaned_data["decision"] == "accept"
        note = form.cleaned_data["note"]
        try:
            if as_directorate and (
                transfer.status == Transfer.Status.PENDING_DIRECTORATE or not as_school
            ):
                transfer = decide_transfer_as_directorate(
                    actor=actor.user, transfer=transfer, approve=yes, note=note
                )
                done = _("The transfer is approved.") if yes else _("The transfer is refused.")
            else:
                transfer = decide_transfer_as_school(
                    actor=actor.user, transfer=transfer, accept=yes, note=note
                )
                done = (
                    _("The request is accepted: the provincial directorate decides next.")
                    if yes
                    else _("The transfer is refused.")
                )
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, done)
            if request.POST.get("next") == "queue":
                return redirect("enrolment:transfer_list")
            return redirect("enrolment:transfer_detail", transfer.uuid)
    return _transfer_page(request, actor, transfer, form=form, status=INVALID)


@require_POST
@page(roles=TRANSFER_ROLES)
def transfer_cancel(request: HttpRequest, actor: Actor, transfer_uuid: UUID) -> HttpResponse:
    transfer = access_transfer(actor, transfer_uuid)
    if not can_request_transfer(actor, transfer.student):
        raise PermissionDenied(_("Only the family or the pupil's director cancels a request."))
    try:
        cancel_transfer(actor=actor.user, transfer=transfer)
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The request is cancelled."))
    return redirect("enrolment:transfer_detail", transfer.uuid)


# Possible duplicates --------------------------------------------------------------------------


@require_GET
@page(roles=MERGE_ROLES)
def duplicate_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    pairs = open_duplicates(actor)
    page_obj = Paginator(pairs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enrolment/duplicate_list.html",
        {"page_obj": page_obj, "reasons": DUPLICATE_REASONS},
    )


@dataclass(frozen=True)
class Record:
    student: Student
    current: Enrolment | None
    enrolment_count: int
    guardians: list[Guardianship]


def _duplicate_page(
    request: HttpRequest,
    candidate: DuplicateCandidate,
    *,
    form: MergeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    records = []
    for student in (candidate.student, candidate.other):
        enrolments = list(pupil_enrolments(student))
        records.append(
            Record(
                student=student,
                current=next(
                    (e for e in reversed(enrolments) if e.status == Enrolment.Status.ACTIVE), None
                ),
                enrolment_count=len(enrolments),
                guardians=list(
                    Guardianship.objects.filter(student=student).select_related("guardian")
                ),
            )
        )
    context = {
        "candidate": candidate,
        "records": records,
        "reasons": [str(DUPLICATE_REASONS.get(r, r)) for r in candidate.reasons],
        "form": form
        or MergeForm(
            records=[candidate.student, candidate.other],
            initial={"keep": str(candidate.other.uuid)},
        ),
    }
    return render(request, "enrolment/duplicate_detail.html", context, status=status)


@require_GET
@page(roles=MERGE_ROLES)
def duplicate_detail(request: HttpRequest, actor: Actor, candidate_id: int) -> HttpResponse:
    return _duplicate_page(request, access_duplicate(actor, candidate_id, open_only=False))


@require_POST
@page(roles=MERGE_ROLES)
def duplicate_merge(request: HttpRequest, actor: Actor, candidate_id: int) -> HttpResponse:
    candidate = access_duplicate(actor, candidate_id, open_only=False)
    form = MergeForm(request.POST, records=[candidate.student, candidate.other])
    if form.is_valid():
        keep, drop = form.kept_and_dropped()
        keep = access_student_for_merge(actor, keep.uuid)
        drop = access_student_for_merge(actor, drop.uuid)
        try:
            kept = merge_pupils(actor=actor.user, keep=keep, drop=drop)
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("%(drop)s is merged into %(keep)s.")
                % {"drop": drop.national_code, "keep": kept.national_code},
            )
            return redirect("registry:student_detail", kept.uuid)
    return _duplicate_page(request, candidate, form=form, status=INVALID)


@require_POST
@page(roles=MERGE_ROLES)
def duplicate_dismiss(request: HttpRequest, actor: Actor, candidate_id: int) -> HttpResponse:
    candidate = access_duplicate(actor, candidate_id, open_only=False)
    try:
        dismiss_duplicate(actor=actor.user, candidate=candidate)
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        return redirect("enrolment:duplicate_detail", candidate.pk)
    messages.success(
        request,
        _("%(a)s and %(b)s are recorded as different pupils.")
        % {"a": candidate.student.national_code, "b": candidate.other.national_code},
    )
    return redirect("enrolment:duplicate_list")
