"""Registry pages: territory dashboards, pupil search, and the ministry's structure of schooling
(school years, cycles, levels, streams). Access is decided in access.py.

The school page and the pupil profile show enrolment data, so they live in madrasa.enrolment.views
(this layer may not import that one) under the same URL names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from madrasa.accounts.http import page
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import InvalidInput

from .access import access_province, access_region, visible_regions
from .models import Cycle, Level, SchoolYear, Stream
from .selectors import count_by_province, list_province_schools, list_school_years, search_students
from .services import create_school_year, create_stream, set_current_year


@require_GET
@page(roles=frozenset({Role.MINISTRY, Role.ACADEMY}))
def region_list(request: HttpRequest, actor: Actor) -> HttpResponse:
    regions = visible_regions(actor)
    return render(request, "registry/region_list.html", {"regions": regions})


@require_GET
@page()
def region_detail(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    region = access_region(actor, code)
    rows = count_by_province(actor, region)
    return render(request, "registry/region_detail.html", {"region": region, "rows": rows})


@require_GET
@page()
def province_detail(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    province = access_province(actor, code)
    schools = list_province_schools(actor, province)
    return render(
        request, "registry/province_detail.html", {"province": province, "schools": schools}
    )


@require_GET
@page()
def student_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    students = search_students(actor, query)
    page_obj = Paginator(students, 50).get_page(request.GET.get("page"))
    return render(request, "registry/student_search.html", {"page_obj": page_obj, "q": query})


# The structure of schooling (ministry) ---------------------------------------------------------

STRUCTURE_READERS = frozenset(
    {Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.TEACHER}
)
MINISTRY = frozenset({Role.MINISTRY})
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class SchoolYearForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("School year"),
        max_length=9,
        help_text=gettext_lazy("Written like 2027-2028."),
        widget=forms.TextInput(attrs={"dir": "ltr", "placeholder": "2027-2028"}),
    )
    starts_on = forms.DateField(label=gettext_lazy("First day"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=gettext_lazy("Last day"), widget=DATE_INPUT)
    semester_split = forms.DateField(
        label=gettext_lazy("First day of the second semester"), widget=DATE_INPUT
    )


class CurrentYearForm(forms.Form):
    year = forms.ModelChoiceField(
        label=gettext_lazy("Current school year"),
        queryset=SchoolYear.objects.order_by("-starts_on"),
        to_field_name="code",
    )


class LevelChoiceField(forms.ModelChoiceField[Level]):
    def label_from_instance(self, obj: Level) -> str:
        language = (get_language() or "ar").split("-")[0]
        name = {"ar": obj.name_ar, "en": obj.name_en}.get(language) or obj.name_fr
        return f"{obj.code} — {name}"


class StreamForm(forms.Form):
    level = LevelChoiceField(
        label=gettext_lazy("Level"),
        queryset=Level.objects.order_by("rank"),
        to_field_name="code",
    )
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("Capital letters and digits, for example SEXP."),
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    name_fr = forms.CharField(
        label=gettext_lazy("Name in French"),
        max_length=150,
        widget=forms.TextInput(attrs={"dir": "ltr", "lang": "fr"}),
    )
    name_ar = forms.CharField(
        label=gettext_lazy("Name in Arabic"),
        max_length=150,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name in English"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}),
    )


def _structure_page(
    request: HttpRequest, actor: Actor, status: int = 200, **forms_in: forms.Form
) -> HttpResponse:
    cycles = Cycle.objects.prefetch_related(
        Prefetch(
            "levels",
            queryset=Level.objects.order_by("rank").prefetch_related(
                Prefetch("streams", queryset=Stream.objects.order_by("code"))
            ),
        )
    ).order_by("rank")
    context: dict[str, Any] = {
        "years": list_school_years(),
        "cycles": cycles,
        "can_edit": actor.has(Role.MINISTRY),
    }
    if context["can_edit"]:
        current = SchoolYear.objects.filter(is_current=True).first()
        context |= {
            "year_form": SchoolYearForm(),
            "current_form": CurrentYearForm(initial={"year": current.code if current else None}),
            "stream_form": StreamForm(),
        } | forms_in
    return render(request, "registry/structure.html", context, status=status)


@require_GET
@page(roles=STRUCTURE_READERS)
def structure(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _structure_page(request, actor)


@require_POST
@page(roles=MINISTRY)
def structure_year_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = SchoolYearForm(request.POST)
    if form.is_valid():
        try:
            year = create_school_year(actor=actor.user, **form.cleaned_data)
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request, _("The school year %(code)s is created.") % {"code": year.code}
            )
            return redirect("registry:structure")
    return _structure_page(request, actor, status=422, year_form=form)


@require_POST
@page(roles=MINISTRY)
def structure_current_year(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CurrentYearForm(request.POST)
    if form.is_valid():
        year = set_current_year(actor=actor.user, year=form.cleaned_data["year"])
        messages.success(
            request, _("%(code)s is now the current school year.") % {"code": year.code}
        )
        return redirect("registry:structure")
    return _structure_page(request, actor, status=422, current_form=form)


@require_POST
@page(roles=MINISTRY)
def structure_stream_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = StreamForm(request.POST)
    if form.is_valid():
        try:
            stream = create_stream(actor=actor.user, **form.cleaned_data)
        except InvalidInput as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The stream %(code)s is added to %(level)s.")
                % {"code": stream.code, "level": stream.level.code},
            )
            return redirect("registry:structure")
    return _structure_page(request, actor, status=422, stream_form=form)
