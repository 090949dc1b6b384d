"""Forms of the results pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from madrasa.grading.models import ExamScheme

from .models import ExamSession

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class SessionForm(forms.Form):
    scheme = forms.ModelChoiceField(queryset=ExamScheme.objects.none(), label=_("Exam"))
    session = forms.ChoiceField(choices=ExamSession.Session.choices, label=_("Session"))
    name = forms.CharField(max_length=120, label=_("Name"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = ExamScheme.objects.select_related("year").order_by(  # type: ignore[attr-defined]  # ModelChoiceField
            "-year__starts_on", "code"
        )


class MarksFileForm(forms.Form):
    file = forms.FileField(label=_("File of exam marks (CSV, UTF-8)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB: split it."))
        return upload


class PublishForm(forms.Form):
    embargo_until = forms.DateTimeField(
        label=_("Visible to the public from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: at once."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=500, label=_("Reason"))
    replace = forms.BooleanField(
        required=False, label=_("Publish the corrected results in its place")
    )
    embargo_until = forms.DateTimeField(
        label=_("Correction visible from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: at once."),
    )


class LookupForm(forms.Form):
    code = forms.CharField(max_length=32, label=_("National code (Massar)"))
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
