"""Grading pages: the school years and their grading policy, coefficient tables and exam schemes;
the ministry edits them, starts a year from another one or from the shipped defaults.

Thin: access.py decides who, services.py checks (validation.py) and writes, selectors.py reads.
A service's refusal is shown next to the field it names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madrasa.accounts.http import page
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput
from madrasa.registry.models import Level, SchoolYear, Stream

from .access import (
    GRADING_EDITORS,
    GRADING_READERS,
    access_year_for_edit,
    access_year_for_read,
    can_edit_grading,
)
from .forms import COMPONENT_LABELS, CoefficientTableForm, CopyForm, PolicyForm, SchemeForm
from .models import AbsenceCode, AbsenceTreatment, ExamScheme, Subject, SubjectCoefficient
from .selectors import year_grading, years_overview
from .services import (
    copy_year_policy,
    load_year_defaults,
    policy_for,
    replace_coefficients,
    update_exam_scheme,
    update_policy,
    year_lock,
)
from .validation import GradingInvalid

INVALID = 422

MENTION_LABELS = {
    "passable": gettext_lazy("Passable"),
    "assez_bien": gettext_lazy("Assez bien (fairly good)"),
    "bien": gettext_lazy("Bien (good)"),
    "tres_bien": gettext_lazy("Très bien (very good)"),
}


def mention_label(code: str) -> str:
    return str(MENTION_LABELS.get(code, code))


def _refuse_into(form: PolicyForm | CoefficientTableForm | SchemeForm, exc: InvalidInput) -> None:
    """Show a service's refusal next to the field it names, else above the form."""
    field = form.field_for(exc.field) if isinstance(exc, GradingInvalid) else None
    form.add_error(field, str(exc.message))


def _editable_year(actor: Actor, year_code: str) -> SchoolYear:
    """A year the ministry may still change; a closed year sends the ministry back to the
    year's page, which says why."""
    return access_year_for_edit(actor, year_code)


def _closed_redirect(request: HttpRequest, year: SchoolYear) -> HttpResponse | None:
    if year_lock(year).locked:
        messages.error(
            request,
            _(
                "The school year %(year)s is closed: all its semesters are closed, so its "
                "report cards were computed with this grading policy. It can no longer be "
                "changed."
            )
            % {"year": year.code},
        )
        return redirect("grading:year", year.code)
    return None


@require_GET
@page(roles=GRADING_READERS)
def index(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(
        request,
        "grading/index.html",
        {"years": years_overview(), "can_edit": can_edit_grading(actor)},
    )


@require_GET
@page(roles=GRADING_READERS)
def year_detail(request: HttpRequest, actor: Actor, year_code: str) -> HttpResponse:
    year = access_year_for_read(actor, year_code)
    grading = year_grading(year)
    can_edit = can_edit_grading(actor) and not grading.lock.locked
    context: dict[str, Any] = {
        "year": year,
        "grading": grading,
        "can_edit": can_edit,
        "mentions": _mention_rows(grading.policy) if grading.policy else [],
        "absences": _absence_rows(grading.policy) if grading.policy else [],
        "schemes": [_scheme_view(s) for s in grading.schemes],
    }
    if can_edit:
        context["copy_form"] = CopyForm(year=year)
        context["levels"] = Level.objects.prefetch_related("streams").order_by("rank")
    return render(request, "grading/year.html", context)


def _mention_rows(policy: Any) -> list[dict[str, Any]]:
    mentions = list(policy.mentions)
    rows = []
    for i, mention in enumerate(mentions):
        upper = mentions[i + 1]["min"] if i + 1 < len(mentions) else None
        rows.append(
            {
                "label": mention_label(mention["code"]),
                "code": mention["code"],
                "min": mention["min"],
                "below": upper,
            }
        )
    return rows


def _absence_rows(policy: Any) -> list[dict[str, str]]:
    treatments = dict(AbsenceTreatment.choices)
    return [
        {
            "code": code,
            "label": str(label),
            "treatment": str(treatments.get(policy.absence_rules.get(code, ""), "—")),
        }
        for code, label in AbsenceCode.choices
    ]


def _scheme_view(scheme: ExamScheme) -> dict[str, Any]:
    return {
        "scheme": scheme,
        "components": [
            {
                "label": COMPONENT_LABELS.get(c["code"], c["code"]),
                "weight": c["weight"],
                "percent": Decimal(str(c["weight"])) * 100,
            }
            for c in scheme.components
        ],
    }


@require_http_methods(["GET", "POST"])
@page(roles=GRADING_EDITORS)
def policy_edit(request: HttpRequest, actor: Actor, year_code: str) -> HttpResponse:
    year = _editable_year(actor, year_code)
    closed = _closed_redirect(request, year)
    if closed is not None:
        return closed
    policy = policy_for(year)
    lock = year_lock(year)
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        policy=policy,
        semesters=max(lock.semesters, len(policy.semester_weights)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_policy(actor=actor.user, year=year, values=form.values())
        except InvalidInput as exc:
            _refuse_into(form, exc)
        else:
            messages.success(
                request, _("The grading policy of %(year)s is saved.") % {"year": year.code}
            )
            return redirect("grading:year", year.code)
    return render(
        request,
        "grading/policy_form.html",
        {"year": year, "form": form, "lock": lock},
        status=INVALID if request.method == "POST" else 200,
    )


def _group(request: HttpRequest) -> tuple[Level, Stream | None] | None:
    """The level (and stream) whose table is edited, from ?level=2BAC&stream=PC."""
    level = Level.objects.filter(code=request.GET.get("level", "")).first()
    if level is None:
        return None
    stream_code = request.GET.get("stream", "")
    if not stream_code:
        return level, None
    stream = Stream.objects.filter(level=level, code=stream_code).first()
    return None if stream is None else (level, stream)


@require_http_methods(["GET", "POST"])
@page(roles=GRADING_EDITORS)
def coefficients_edit(request: HttpRequest, actor: Actor, year_code: str) -> HttpResponse:
    year = _editable_year(actor, year_code)
    closed = _closed_redirect(request, year)
    if closed is not None:
        return closed
    policy_for(year)
    group = _group(request)
    if group is None:
        # No table chosen (or an unknown one): the chooser.
        return render(
            request,
            "grading/coefficients_choose.html",
            {
                "year": year,
                "levels": Level.objects.prefetch_related("streams").order_by("rank"),
                "unknown": bool(request.GET.get("level")),
            },
            status=INVALID if request.method == "POST" else 200,
        )
    level, stream = group
    rows = list(
        SubjectCoefficient.objects.filter(year=year, level=level, stream=stream)
        .select_related("subject")
        .order_by("subject__rank", "subject__code")
    )
    form = CoefficientTableForm(
        request.POST if request.method == "POST" else None,
        rows=rows,
        subjects=list(Subject.objects.all()),
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = replace_coefficients(
                actor=actor.user, year=year, level=level, stream=stream, rows=form.table()
            )
        except InvalidInput as exc:
            _refuse_into(form, exc)
        else:
            if change:
                messages.success(request, _("The coefficient table is saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(request.get_full_path())
    fallback = stream is not None and not rows
    return render(
        request,
        "grading/coefficients_form.html",
        {
            "year": year,
            "level": level,
            "stream": stream,
            "form": form,
            "lock": year_lock(year),
            "fallback": fallback,
        },
        status=INVALID if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@page(roles=GRADING_EDITORS)
def schemes_edit(request: HttpRequest, actor: Actor, year_code: str) -> HttpResponse:
    year = _editable_year(actor, year_code)
    closed = _closed_redirect(request, year)
    if closed is not None:
        return closed
    policy_for(year)
    existing = {s.code: s for s in ExamScheme.objects.filter(year=year).select_related("level")}
    posted = request.POST.get("scheme") if request.method == "POST" else None
    forms_by_code: dict[str, SchemeForm] = {}
    for code in ExamScheme.Code.values:
        bound = request.POST if posted == code else None
        forms_by_code[code] = SchemeForm(bound, scheme=existing.get(code), prefix=code)
    if posted in forms_by_code:
        form = forms_by_code[posted]
        if form.is_valid():
            try:
                update_exam_scheme(actor=actor.user, year=year, code=posted, values=form.values())
            except InvalidInput as exc:
                _refuse_into(form, exc)
            else:
                messages.success(request, _("The exam scheme is saved."))
                return redirect("grading:year", year.code)
    labels = dict(ExamScheme.Code.choices)
    return render(
        request,
        "grading/schemes_form.html",
        {
            "year": year,
            "lock": year_lock(year),
            "forms": [(code, labels[code], f) for code, f in forms_by_code.items()],
        },
        status=INVALID if request.method == "POST" else 200,
    )


@require_POST
@page(roles=GRADING_EDITORS)
def year_copy(request: HttpRequest, actor: Actor, year_code: str) -> HttpResponse:
    year = _editable_year(actor, year_code)
    form = CopyForm(request.POST, year=year)
    if form.is_valid():
        try:
            copy_year_policy(
                actor=actor.user,
                source=form.cleaned_data["source"],
                target=year,
                replace=form.cleaned_data["replace"],
            )
        except InvalidInput as exc:
            if exc.code == "policy_exists":
                form.add_error(
                    "replace",
                    _("The year %(year)s already has a grading policy: tick the box to replace it.")
                    % {"year": year.code},
                )
            else:
                form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The year %(year)s now starts from the grading of %(source)s.")
                % {"year": year.code, "source": form.cleaned_data["source"].code},
            )
            return redirect("grading:year", year.code)
    return render(request, "grading/copy_form.html", {"year": year, "form": form}, status=INVALID)


@require_POST
@page(roles=GRADING_EDITORS)
def year_defaults(request: HttpRequest, actor: Actor, year_code: str) -> HttpResponse:
    year = _editable_year(actor, year_code)
    try:
        load_year_defaults(actor=actor.user, year=year)
    except InvalidInput as exc:
        messages.error(request, str(exc.message))
        return redirect("grading:year", year.code)
    messages.success(
        request, _("The year %(year)s now has the shipped defaults.") % {"year": year.code}
    )
    return redirect("grading:year", year.code)
