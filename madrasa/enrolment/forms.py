"""Forms of the enrolment pages. They parse and check input; the services decide the rules.

Choices are built per request from what the actor may pick (the school's classes, its teachers,
the levels of its cycle), so a posted value outside them is refused as invalid.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from madrasa.accounts.models import User
from madrasa.registry.models import Level, SchoolYear, Stream, Student

from .models import Enrolment, SchoolClass
from .templatetags.enrolment_tags import lname

NAME_MAX = 100


def level_stream_choices(levels: list[Level]) -> list[tuple[str, Any]]:
    """One option per level without streams, one per stream of a level that has some, grouped
    by cycle: "P5", "TC/TCS" → values "L<level id>" and "L<level id>-S<stream id>"."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for level in levels:
        streams = [s for s in level.streams.all() if s.is_active]
        options = groups.setdefault(lname(level.cycle), [])
        if not streams:
            options.append((f"L{level.pk}", lname(level)))
        for stream in streams:
            options.append((f"L{level.pk}-S{stream.pk}", f"{lname(level)} — {lname(stream)}"))
    return list(groups.items())


def parse_level_stream(value: str, levels: list[Level]) -> tuple[Level, Stream | None]:
    """The level and stream of a value from level_stream_choices (validated by the field)."""
    level_part, _sep, stream_part = value.partition("-S")
    level = next(level for level in levels if f"L{level.pk}" == level_part)
    if not stream_part:
        return level, None
    return level, next(s for s in level.streams.all() if str(s.pk) == stream_part)


def class_label(school_class: SchoolClass) -> str:
    stream = f" — {lname(school_class.stream)}" if school_class.stream else ""
    return f"{school_class.name} ({lname(school_class.level)}{stream})"


class YearChoiceField(forms.ModelChoiceField[SchoolYear]):
    def label_from_instance(self, obj: SchoolYear) -> str:
        return obj.code


class TeacherChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class ClassForm(forms.Form):
    year = YearChoiceField(label=_("School year"), queryset=SchoolYear.objects.none())
    level = forms.ChoiceField(label=_("Level (and stream)"))
    name = forms.CharField(
        label=_("Class name"), max_length=40, help_text=_("For example 5A, TCS-2, 1BAC SEXP 1.")
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=60, initial=45)

    def __init__(self, *args: Any, levels: list[Level], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.levels = levels
        year_field = cast("forms.ModelChoiceField[SchoolYear]", self.fields["year"])
        year_field.queryset = SchoolYear.objects.order_by("-starts_on")
        level_field = cast(forms.ChoiceField, self.fields["level"])
        level_field.choices = [("", "—"), *level_stream_choices(levels)]

    def level_and_stream(self) -> tuple[Level, Stream | None]:
        return parse_level_stream(self.cleaned_data["level"], self.levels)


class AssignTeacherForm(forms.Form):
    teacher = TeacherChoiceField(label=_("Teacher"), queryset=User.objects.none())
    subject = forms.CharField(label=_("Subject"), max_length=100, required=False)

    def __init__(self, *args: Any, teachers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[User]", self.fields["teacher"])
        field.queryset = teachers


class MoveForm(forms.Form):
    """Put an enrolled pupil in another class (or in a first class)."""

    school_class = forms.ChoiceField(label=_("Move to class"))

    def __init__(self, *args: Any, classes: list[SchoolClass], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.classes = {str(c.uuid): c for c in classes}
        field = cast(forms.ChoiceField, self.fields["school_class"])
        field.choices = [(key, c.name) for key, c in self.classes.items()]

    def target(self) -> SchoolClass:
        return self.classes[self.cleaned_data["school_class"]]


class PlacementForm(forms.Form):
    """Where an enrolled pupil goes: a class of the year (which gives the level and stream), or a
    level and stream without a class yet."""

    school_class = forms.ChoiceField(label=_("Class"), required=False)
    level = forms.ChoiceField(
        label=_("Level (and stream)"),
        required=False,
        help_text=_("Not needed when you choose a class."),
    )

    def __init__(
        self, *args: Any, levels: list[Level], classes: list[SchoolClass], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.levels = levels
        self.classes = {str(c.uuid): c for c in classes}
        class_field = cast(forms.ChoiceField, self.fields["school_class"])
        class_field.choices = [
            ("", _("No class yet")),
            *((key, class_label(c)) for key, c in self.classes.items()),
        ]
        level_field = cast(forms.ChoiceField, self.fields["level"])
        level_field.choices = [("", "—"), *level_stream_choices(levels)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen_class = self.classes.get(data.get("school_class") or "")
        if chosen_class is None and not data.get("level"):
            if "level" not in self.errors:
                self.add_error("level", _("Choose a class, or a level without a class."))
            return data
        if chosen_class is not None and data.get("level"):
            level, stream = parse_level_stream(data["level"], self.levels)
            if level.pk != chosen_class.level_id or (stream and stream.pk) != (
                chosen_class.stream_id
            ):
                self.add_error(
                    "school_class", _("This class is of another level or stream than chosen.")
                )
        return data

    def placement(self) -> tuple[Level, Stream | None, SchoolClass | None]:
        chosen_class = self.classes.get(self.cleaned_data.get("school_class") or "")
        if chosen_class is not None:
            return chosen_class.level, chosen_class.stream, chosen_class
        level, stream = parse_level_stream(self.cleaned_data["level"], self.levels)
        return level, stream, None


class EnrolExistingForm(PlacementForm):
    national_code = forms.CharField(
        label=_("National code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "ltr"}),
    )

    field_order = ("national_code", "school_class", "level")

    def clean_national_code(self) -> str:
        return str(self.cleaned_data["national_code"]).strip().upper()


class NewPupilForm(PlacementForm):
    first_name_ar = forms.CharField(
        label=_("First name (Arabic)"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar", "autocomplete": "off"}),
    )
    last_name_ar = forms.CharField(
        label=_("Family name (Arabic)"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar", "autocomplete": "off"}),
    )
    first_name_latn = forms.CharField(
        label=_("First name (Latin script)"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"dir": "ltr", "lang": "fr", "autocomplete": "off"}),
    )
    last_name_latn = forms.CharField(
        label=_("Family name (Latin script)"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"dir": "ltr", "lang": "fr", "autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_place_ar = forms.CharField(
        label=_("Place of birth (Arabic)"),
        max_length=NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
    )
    birth_place_latn = forms.CharField(
        label=_("Place of birth (Latin script)"),
        max_length=NAME_MAX,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "lang": "fr"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=Student.Gender.choices, widget=forms.RadioSelect
    )

    field_order = (
        "first_name_ar",
        "last_name_ar",
        "first_name_latn",
        "last_name_latn",
        "birth_date",
        "birth_place_ar",
        "birth_place_latn",
        "gender",
        "school_class",
        "level",
    )


class TransferRequestForm(forms.Form):
    to_school = forms.UUIDField(
        label=_("Receiving school"),
        error_messages={"required": _("Choose the receiving school.")},
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason for the transfer"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TransferDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("refuse", _("Refuse"))], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note (the reason, when you refuse)"), max_length=500, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and len((data.get("note") or "").strip()) < 3:
            self.add_error("note", _("Give the reason for the refusal."))
        return data


class MergeForm(forms.Form):
    keep = forms.ChoiceField(label=_("Record to keep"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, records: list[Student], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.records = {str(s.uuid): s for s in records}
        field = cast(forms.ChoiceField, self.fields["keep"])
        field.choices = [(key, s.national_code) for key, s in self.records.items()]

    def kept_and_dropped(self) -> tuple[Student, Student]:
        keep = self.records[self.cleaned_data["keep"]]
        drop = next(s for key, s in self.records.items() if key != self.cleaned_data["keep"])
        return keep, drop


# The year-end decisions grid: one select per pupil, "oriented" carries the stream.
NO_DECISION = ""


def decision_value(enrolment: Enrolment) -> str:
    if enrolment.decision == Enrolment.Decision.ORIENTED and enrolment.decision_stream_id:
        return f"oriented:{enrolment.decision_stream_id}"
    return str(enrolment.decision)


def decision_choices(
    next_streams: list[Stream], *, has_next_level: bool, ends_cycle: bool
) -> list[tuple[str, str]]:
    """The decisions that make sense for the pupils of a level: admitted (when a next level
    exists), repeats, oriented to each stream of the next level, dropped out, excluded, and
    completed (in the last level of a cycle)."""
    choices: list[tuple[str, str]] = []
    if has_next_level:
        choices.append(("promoted", str(Enrolment.Decision.PROMOTED.label)))
    choices.append(("repeat", str(Enrolment.Decision.REPEAT.label)))
    for stream in next_streams:
        label = gettext("Oriented to %(stream)s") % {"stream": lname(stream)}
        choices.append((f"oriented:{stream.pk}", label))
    choices.append(("dropped_out", str(Enrolment.Decision.DROPPED_OUT.label)))
    choices.append(("excluded", str(Enrolment.Decision.EXCLUDED.label)))
    if ends_cycle:
        choices.append(("graduated", str(Enrolment.Decision.GRADUATED.label)))
    return choices
