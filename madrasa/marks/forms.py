"""Forms of the marks pages (the grid itself is read field by field in views.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madrasa.grading.models import Subject
from madrasa.registry.models import Semester

from .models import Assessment


class AssessmentForm(forms.Form):
    subject = forms.ModelChoiceField(
        queryset=Subject.objects.all(), to_field_name="code", label=_("Subject")
    )
    semester = forms.ModelChoiceField(
        queryset=Semester.objects.none(), to_field_name="number", label=_("Semester")
    )
    kind = forms.ChoiceField(
        choices=Assessment.Kind.choices, initial=Assessment.Kind.CONTINUOUS, required=False
    )

    def __init__(self, *args: Any, semesters: list[Semester], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["semester"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  narrowing for mypy
        field.queryset = Semester.objects.filter(pk__in=[s.pk for s in semesters])

    def clean_kind(self) -> str:
        return str(self.cleaned_data.get("kind") or Assessment.Kind.CONTINUOUS)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], label=_("Decision")
    )
    note = forms.CharField(max_length=500, required=False, label=_("Note"))
