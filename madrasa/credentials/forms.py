"""Forms of the credentials pages: they parse input; the services decide the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind

MAX_VERIFY_BYTES = 100_000


class VerifyForm(forms.Form):
    payload = forms.CharField(
        label=_("Credential (JSON) or the text of its QR code"),
        required=False,
        max_length=MAX_VERIFY_BYTES,
        widget=forms.Textarea(attrs={"rows": 8, "dir": "ltr", "spellcheck": "false"}),
    )
    file = forms.FileField(label=_("…or a file (JSON, badge image)"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None and getattr(upload, "size", 0) > MAX_VERIFY_BYTES:
            raise forms.ValidationError(_("The file is too large to be a credential."))
        if not data.get("payload") and upload is None:
            raise forms.ValidationError(_("Paste a credential or choose a file."))
        return data

    def raw(self) -> bytes | str:
        upload = self.cleaned_data.get("file")
        if upload is not None:
            return bytes(upload.read(MAX_VERIFY_BYTES + 1))
        return str(self.cleaned_data["payload"])


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=Kind.choices)
    period = forms.ChoiceField(
        label=_("Period (transcript)"),
        choices=[
            ("", "—"),
            ("S1", _("First semester")),
            ("S2", _("Second semester")),
            ("Y", _("Year")),
        ],
        required=False,
    )
    year = forms.CharField(
        label=_("School year (e.g. 2025-2026; empty: this year)"), max_length=9, required=False
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Issue the document")), ("reject", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note to the family"), max_length=500, required=False)


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the revocation"), max_length=300)
