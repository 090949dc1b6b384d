"""Forms of the grading pages. They parse what was typed (decimals with a comma or a point, in
Latin or Arabic digits); the services check the values (`validation.py`) and their refusals are
shown next to the field they name (`field_for`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from madrasa.enrolment.templatetags.enrolment_tags import lname
from madrasa.registry.models import Level, SchoolYear

from .models import AbsenceCode, AbsenceTreatment, ExamScheme, GradingPolicy, Subject
from .services import parse_decimal
from .validation import (
    COMPONENT_CODES,
    CoefficientRow,
    PolicyValues,
    SchemeValues,
    decimal_text,
)

SPARE_MENTION_ROWS = 2
MAX_DECIMAL_TEXT = 12
LTR = {"dir": "ltr", "inputmode": "decimal", "autocomplete": "off"}

COMPONENT_LABELS = {
    "continuous": _("Continuous assessment"),
    "local": _("Local exam"),
    "regional": _("Regional exam"),
    "national": _("National exam"),
}


class DecimalText(forms.Field):
    """A decimal typed as text: "12,5", "12.5" or "١٢٫٥"."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={**LTR, "maxlength": MAX_DECIMAL_TEXT}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        try:
            if len(text) > MAX_DECIMAL_TEXT:
                raise InvalidOperation(text)
            return parse_decimal(text)
        except (InvalidOperation, ValueError):
            raise forms.ValidationError(
                gettext("“%(value)s” is not a number.") % {"value": text[:MAX_DECIMAL_TEXT]},
                code="invalid",
            ) from None


def _text(value: Any) -> str:
    return decimal_text(Decimal(str(value))) if value is not None else ""


class PolicyForm(forms.Form):
    scale_max = DecimalText(label=_("Top of the scale"), help_text=_("Marks go from 0 to this."))
    pass_mark = DecimalText(
        label=_("Pass mark"), help_text=_("An average from this mark up passes.")
    )
    decimals = forms.TypedChoiceField(
        label=_("Decimal places of averages"),
        choices=[(n, str(n)) for n in range(5)],
        coerce=int,
    )
    rounding = forms.ChoiceField(label=_("Rounding"), choices=GradingPolicy.Rounding.choices)
    source = forms.CharField(
        label=_("Source"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("The ministerial note or decree these values come from."),
    )

    def __init__(self, *args: Any, policy: GradingPolicy, semesters: int, **kwargs: Any) -> None:
        mentions = list(policy.mentions)
        self.mention_rows = len(mentions) + SPARE_MENTION_ROWS
        self.semesters = semesters
        initial: dict[str, Any] = {
            "scale_max": _text(policy.scale_max),
            "pass_mark": _text(policy.pass_mark),
            "decimals": policy.decimals,
            "rounding": policy.rounding,
            "source": policy.source,
        }
        for i, mention in enumerate(mentions):
            initial[f"mention_code_{i}"] = mention["code"]
            initial[f"mention_min_{i}"] = _text(mention["min"])
        for code in AbsenceCode.values:
            initial[f"absence_{code}"] = policy.absence_rules.get(code, "")
        for n, weight in enumerate(policy.semester_weights, start=1):
            initial[f"weight_{n}"] = _text(weight)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for i in range(self.mention_rows):
            self.fields[f"mention_code_{i}"] = forms.CharField(
                label=gettext("Mention %(n)s: code") % {"n": i + 1},
                required=False,
                max_length=32,
                widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
            )
            self.fields[f"mention_min_{i}"] = DecimalText(
                label=gettext("Mention %(n)s: from") % {"n": i + 1}, required=False
            )
        for value, label in AbsenceCode.choices:
            self.fields[f"absence_{value}"] = forms.ChoiceField(
                label=f"{value} — {label}", choices=AbsenceTreatment.choices
            )
        for n in range(1, semesters + 1):
            self.fields[f"weight_{n}"] = DecimalText(
                label=gettext("Weight of semester %(n)s") % {"n": n}
            )
        # Positions of the filled-in mention rows (service errors say "mention 2").
        self.mention_positions: list[int] = []

    def mention_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"mention_code_{i}"], self[f"mention_min_{i}"]) for i in range(self.mention_rows)
        ]

    def absence_fields(self) -> list[forms.BoundField]:
        return [self[f"absence_{code}"] for code in AbsenceCode.values]

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{n}"] for n in range(1, self.semesters + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(self.mention_rows):
            code = (data.get(f"mention_code_{i}") or "").strip()
            minimum = data.get(f"mention_min_{i}")
            if code and minimum is None and f"mention_min_{i}" not in self.errors:
                self.add_error(
                    f"mention_min_{i}",
                    gettext("Mention %(n)s (%(code)s): give the mark it starts from.")
                    % {"n": i + 1, "code": code},
                )
            elif not code and minimum is not None:
                self.add_error(
                    f"mention_code_{i}",
                    gettext("Mention %(n)s: give its code, or clear its minimum to remove it.")
                    % {"n": i + 1},
                )
        return data

    def values(self) -> PolicyValues:
        data = self.cleaned_data
        mentions = []
        self.mention_positions = []
        for i in range(self.mention_rows):
            code = (data.get(f"mention_code_{i}") or "").strip()
            if code:
                mentions.append((code, data[f"mention_min_{i}"]))
                self.mention_positions.append(i)
        return PolicyValues(
            scale_max=data["scale_max"],
            pass_mark=data["pass_mark"],
            mentions=mentions,
            decimals=data["decimals"],
            rounding=data["rounding"],
            absence_rules={code: data[f"absence_{code}"] for code in AbsenceCode.values},
            semester_weights=[data[f"weight_{n}"] for n in range(1, self.semesters + 1)],
            source=data["source"],
        )

    def field_for(self, path: str) -> str | None:
        """The form field a service refusal names (None: the whole form)."""
        parts = path.split(".")
        if parts[0] == "mentions" and len(parts) == 3:
            position = int(parts[1]) - 1
            if 0 <= position < len(self.mention_positions):
                row = self.mention_positions[position]
                return f"mention_{'code' if parts[2] == 'code' else 'min'}_{row}"
            return None
        if parts[0] == "absence_rules" and len(parts) == 2:
            name = f"absence_{parts[1]}"
            return name if name in self.fields else None
        if parts[0] == "semester_weights" and len(parts) == 2:
            return f"weight_{parts[1]}"
        return path if path in self.fields else None


class CoefficientTableForm(forms.Form):
    """The subject table of one level or stream: each row's coefficient and contrôles, a box to
    remove it, and one row to add a subject."""

    def __init__(self, *args: Any, rows: list[Any], subjects: list[Subject], **kwargs: Any) -> None:
        initial: dict[str, Any] = {}
        for row in rows:
            initial[f"coef_{row.subject.code}"] = _text(row.coefficient)
            initial[f"n_{row.subject.code}"] = row.assessments_per_semester
        initial["new_assessments"] = 2
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.codes = [row.subject.code for row in rows]
        for row in rows:
            code = row.subject.code
            name = lname(row.subject)
            self.fields[f"coef_{code}"] = DecimalText(
                label=gettext("Coefficient of %(subject)s") % {"subject": name}
            )
            self.fields[f"n_{code}"] = forms.IntegerField(
                label=gettext("Contrôles per semester in %(subject)s") % {"subject": name},
                widget=forms.NumberInput(attrs={"dir": "ltr"}),
            )
            self.fields[f"remove_{code}"] = forms.BooleanField(
                label=gettext("Remove %(subject)s") % {"subject": name}, required=False
            )
        taken = set(self.codes)
        self.fields["new_subject"] = forms.ChoiceField(
            label=_("Subject"),
            required=False,
            choices=[("", "—")] + [(s.code, lname(s)) for s in subjects if s.code not in taken],
        )
        self.fields["new_coefficient"] = DecimalText(label=_("Its coefficient"), required=False)
        self.fields["new_assessments"] = forms.IntegerField(
            label=_("Its contrôles per semester"),
            required=False,
            widget=forms.NumberInput(attrs={"dir": "ltr"}),
        )

    def row_fields(self) -> list[tuple[Any, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (
                row,
                self[f"coef_{row.subject.code}"],
                self[f"n_{row.subject.code}"],
                self[f"remove_{row.subject.code}"],
            )
            for row in self.rows
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_subject"):
            if data.get("new_coefficient") is None and "new_coefficient" not in self.errors:
                self.add_error("new_coefficient", gettext("Give the new subject's coefficient."))
            if data.get("new_assessments") is None and "new_assessments" not in self.errors:
                self.add_error(
                    "new_assessments", gettext("Give the new subject's contrôles per semester.")
                )
        return data

    def table(self) -> list[CoefficientRow]:
        data = self.cleaned_data
        rows = [
            CoefficientRow(
                subject=code,
                coefficient=data[f"coef_{code}"],
                assessments_per_semester=data[f"n_{code}"],
            )
            for code in self.codes
            if not data.get(f"remove_{code}")
        ]
        if data.get("new_subject"):
            rows.append(
                CoefficientRow(
                    subject=data["new_subject"],
                    coefficient=data["new_coefficient"],
                    assessments_per_semester=data["new_assessments"],
                )
            )
        return rows

    def field_for(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] != "coefficients" or len(parts) != 3:
            return None
        code, attribute = parts[1], parts[2]
        if code in self.codes:
            name = {"coefficient": "coef", "assessments_per_semester": "n"}.get(attribute)
            return f"{name}_{code}" if name else None
        return {
            "subject": "new_subject",
            "coefficient": "new_coefficient",
            "assessments_per_semester": "new_assessments",
        }.get(attribute)


class LevelField(forms.ModelChoiceField[Level]):
    def label_from_instance(self, obj: Level) -> str:
        return f"{obj.code} — {lname(obj)}"


class SchemeForm(forms.Form):
    """One exam scheme: level, the weight of each component (empty: not part of it), resit
    band, best-of rule, source."""

    level = LevelField(
        label=_("Level of the exam"), queryset=Level.objects.order_by("rank"), to_field_name="code"
    )
    resit_min = DecimalText(
        label=_("Resit from"),
        required=False,
        help_text=_(
            "Averages from this mark up to just below the pass mark may resit; empty: no resit."
        ),
    )
    resit_keeps_best = forms.BooleanField(
        label=_("After the resit, keep the best mark of each subject"), required=False
    )
    source = forms.CharField(
        label=_("Source"), max_length=500, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )

    def __init__(self, *args: Any, scheme: ExamScheme | None, **kwargs: Any) -> None:
        initial: dict[str, Any] = {}
        if scheme is not None:
            initial = {
                "level": scheme.level.code,
                "resit_min": _text(scheme.resit_min),
                "resit_keeps_best": scheme.resit_keeps_best,
                "source": scheme.source,
            }
            for component in scheme.components:
                initial[f"weight_{component['code']}"] = _text(component["weight"])
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for code in COMPONENT_CODES:
            self.fields[f"weight_{code}"] = DecimalText(
                label=COMPONENT_LABELS[code], required=False
            )

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{code}"] for code in COMPONENT_CODES]

    def values(self) -> SchemeValues:
        data = self.cleaned_data
        return SchemeValues(
            level=cast(Level, data["level"]).code,
            components=[
                (code, data[f"weight_{code}"])
                for code in COMPONENT_CODES
                if data.get(f"weight_{code}") is not None
            ],
            resit_min=data.get("resit_min"),
            resit_keeps_best=bool(data.get("resit_keeps_best")),
            source=data["source"],
        )

    def field_for(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] == "components" and len(parts) == 3:
            name = f"weight_{parts[1]}"
            return name if name in self.fields else None
        if path == "components":
            return None
        return path if path in self.fields else None


class YearField(forms.ModelChoiceField[SchoolYear]):
    def label_from_instance(self, obj: SchoolYear) -> str:
        return obj.code


class CopyForm(forms.Form):
    source = YearField(
        label=_("Start from the year"), queryset=SchoolYear.objects.none(), to_field_name="code"
    )
    replace = forms.BooleanField(
        label=_("Replace this year's current policy, coefficients and exam schemes"),
        required=False,
    )

    def __init__(self, *args: Any, year: SchoolYear, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = cast("forms.ModelChoiceField[SchoolYear]", self.fields["source"])
        source.queryset = (
            SchoolYear.objects.filter(policy__isnull=False)
            .exclude(pk=year.pk)
            .order_by("-starts_on")
        )
