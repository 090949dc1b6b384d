"""Bulletin pages: the director's school page per period (compute with progress, publish), a
class's bulletins, a pupil's bulletins, one bulletin (with remarks), its PDF in Arabic or French,
and "explain my average".

Thin: access.py decides, services.py writes, selectors.py reads.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from madrasa.accounts.http import page
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput, PermissionDenied
from madrasa.enrolment.access import access_class, manageable_school
from madrasa.enrolment.services import current_year
from madrasa.registry.access import access_student
from madrasa.registry.models import SchoolYear

from .access import (
    SCHOOL_PAGE_ROLES,
    access_bulletin,
    access_run,
    bulletins_school,
    can_remark_as_director,
    can_remark_on_line,
    publishing_school,
    visible_bulletins,
)
from .documents import LANGUAGES, bulletin_pdf
from .models import Bulletin, BulletinRun, Period
from .selectors import (
    bulletin_lines,
    class_bulletins,
    explain_bulletin,
    latest_run,
    pupil_bulletins,
    run_progress,
    school_summary,
    semester_bulletins_of,
    term_closed,
)
from .services import (
    BulletinTarget,
    publish_bulletins,
    record_director_remark,
    record_teacher_remark,
    start_bulletin_run,
)

MENTIONS = {
    "passable": gettext_lazy("Passable"),
    "assez_bien": gettext_lazy("Fairly good"),
    "bien": gettext_lazy("Good"),
    "tres_bien": gettext_lazy("Very good"),
}
DECISIONS = {
    "promoted": gettext_lazy("Promoted"),
    "repeat": gettext_lazy("Repeats the year"),
}
PERIODS = [(p.value, p.label) for p in Period]


def _period(request: HttpRequest) -> str:
    value = request.GET.get("period") or request.POST.get("period") or Period.S1
    return value if value in dict(PERIODS) else Period.S1


def _year(request: HttpRequest) -> SchoolYear:
    code = request.GET.get("year") or request.POST.get("year")
    if code:
        year = SchoolYear.objects.filter(code=code).first()
        if year is not None:
            return year
    return current_year()


def _labels(bulletin: Bulletin) -> dict[str, str]:
    return {
        "mention": str(MENTIONS.get(bulletin.mention, bulletin.mention)),
        "decision": str(DECISIONS.get(bulletin.decision_proposal, bulletin.decision_proposal)),
    }


def _school_url(school_uuid: UUID, period: str, run: BulletinRun | None = None) -> str:
    url = reverse("bulletins:school", args=[school_uuid]) + f"?period={period}"
    return url + (f"&run={run.uuid}" if run is not None else "")


@require_GET
@page(roles=SCHOOL_PAGE_ROLES)
def school_bulletins(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = bulletins_school(actor, school_uuid)
    year = _year(request)
    period = _period(request)
    run = latest_run(BulletinRun.ScopeKind.SCHOOL, school.code, year, period)
    summary = school_summary(school, year, period)
    computed = sum(s.computed for s in summary)
    published = sum(s.published for s in summary)
    context: dict[str, Any] = {
        "school": school,
        "year": year,
        "period": period,
        "periods": PERIODS,
        "summary": summary,
        "run": run,
        "progress": run_progress(run) if run is not None else None,
        "is_director": school.pk in actor.director_school_ids,
        "computed": computed,
        "published": published,
        "term_closed": term_closed(school, year, period),
    }
    return render(request, "bulletins/school.html", context)


@require_POST
@page(roles=SCHOOL_PAGE_ROLES)
def school_compute(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = manageable_school(actor, school_uuid)
    period = _period(request)
    try:
        run = start_bulletin_run(
            actor=actor,
            scope_kind=BulletinRun.ScopeKind.SCHOOL,
            scope_code=school.code,
            target=BulletinTarget.of(_year(request), period),
            correction=request.POST.get("correction") == "yes",
        )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        return redirect(_school_url(school.uuid, period))
    messages.info(request, _("The bulletins are being computed."))
    return redirect(_school_url(school.uuid, period, run))


@require_POST
@page(roles=SCHOOL_PAGE_ROLES)
def school_publish(request: HttpRequest, actor: Actor, school_uuid: UUID) -> HttpResponse:
    school = publishing_school(actor, school_uuid)
    period = _period(request)
    try:
        count = publish_bulletins(
            actor=actor, school=school, target=BulletinTarget.of(_year(request), period)
        )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(count)s bulletins are signed and published to families.") % {"count": count},
        )
    return redirect(_school_url(school.uuid, period))


@require_GET
@never_cache
@page(roles=SCHOOL_PAGE_ROLES)
def run_progress_json(request: HttpRequest, actor: Actor, run_uuid: UUID) -> HttpResponse:
    return JsonResponse(run_progress(access_run(actor, run_uuid)))


@require_GET
@page()
def class_bulletins_page(request: HttpRequest, actor: Actor, class_uuid: UUID) -> HttpResponse:
    school_class = access_class(actor, class_uuid)
    period = _period(request)
    bulletins = [(b, _labels(b)) for b in class_bulletins(school_class, period)]
    return render(
        request,
        "bulletins/class.html",
        {
            "school_class": school_class,
            "period": period,
            "periods": PERIODS,
            "bulletins": bulletins,
            "is_director": school_class.school_id in actor.director_school_ids,
        },
    )


@require_GET
@page()
def pupil_bulletins_page(request: HttpRequest, actor: Actor, student_uuid: UUID) -> HttpResponse:
    student = access_student(actor, student_uuid)
    bulletins = [(b, _labels(b)) for b in pupil_bulletins(visible_bulletins(actor), student.pk)]
    return render(request, "bulletins/pupil.html", {"student": student, "bulletins": bulletins})


@require_GET
@page()
def bulletin_detail(request: HttpRequest, actor: Actor, bulletin_uuid: UUID) -> HttpResponse:
    bulletin = access_bulletin(actor, bulletin_uuid)
    lines = list(bulletin_lines(bulletin))
    editable = bulletin.published_at is None
    rows = [(line, editable and can_remark_on_line(actor, line)) for line in lines]
    director_may_remark = editable and can_remark_as_director(actor, bulletin)
    context = {
        "bulletin": bulletin,
        "labels": _labels(bulletin),
        "lines": rows,
        "semesters": semester_bulletins_of(bulletin) if bulletin.period == Period.YEAR else [],
        "director_may_remark": director_may_remark,
        "may_remark": director_may_remark or any(m for _l, m in rows),
        "languages": LANGUAGES,
    }
    return render(request, "bulletins/bulletin.html", context)


@require_POST
@page()
def bulletin_remarks(request: HttpRequest, actor: Actor, bulletin_uuid: UUID) -> HttpResponse:
    bulletin = access_bulletin(actor, bulletin_uuid)
    lines = [line for line in bulletin_lines(bulletin) if can_remark_on_line(actor, line)]
    as_director = can_remark_as_director(actor, bulletin)
    if not lines and not as_director:
        raise PermissionDenied(_("Only the subject teachers and the director write remarks."))
    try:
        for line in lines:
            field = f"remark-{line.subject.code}"
            if field in request.POST:
                record_teacher_remark(actor=actor, line=line, text=request.POST[field])
        if as_director and "director_remark" in request.POST:
            record_director_remark(
                actor=actor, bulletin=bulletin, text=request.POST["director_remark"]
            )
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The remarks are saved."))
    return redirect("bulletins:bulletin", bulletin.uuid)


@require_GET
@page()
def bulletin_pdf_view(request: HttpRequest, actor: Actor, bulletin_uuid: UUID) -> HttpResponse:
    bulletin = access_bulletin(actor, bulletin_uuid)
    lang = request.GET.get("lang", "ar")
    if lang not in LANGUAGES:
        lang = "ar"
    response = HttpResponse(bulletin_pdf(bulletin, lang), content_type="application/pdf")
    name = f"bulletin-{bulletin.enrolment.student.national_code}-{bulletin.period}-{lang}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_GET
@page()
def bulletin_explain(request: HttpRequest, actor: Actor, bulletin_uuid: UUID) -> HttpResponse:
    bulletin = access_bulletin(actor, bulletin_uuid)
    return render(
        request,
        "bulletins/explain.html",
        {"bulletin": bulletin, "labels": _labels(bulletin), "x": explain_bulletin(bulletin)},
    )
