"""Labels of exam outcomes and mentions in the reader's language."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

OUTCOMES = {
    "admitted": _("Admitted"),
    "resit": _("Resit (rattrapage)"),
    "failed": _("Not admitted"),
    "": _("Incomplete"),
}
MENTIONS = {
    "passable": _("Passable"),
    "assez_bien": _("Assez bien"),
    "bien": _("Bien"),
    "tres_bien": _("Très bien"),
}


@register.filter
def outcome_label(code: str) -> str:
    return str(OUTCOMES.get(code or "", code))


@register.filter
def mention_label(code: str) -> str:
    return str(MENTIONS.get(code, code))


@register.filter
def decimal_text(value: str) -> Decimal | str:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError):
        return value
