"""Helpers of the management commands that act as a user (`--as USERNAME`)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from .models import User
from .selectors import Actor, get_actor

__all__ = ["command_actor"]


def command_actor(username: str, *, allowed: Callable[[Actor], bool], refusal: str) -> Actor | None:
    """The actor a command runs as: None (the system) without a username; otherwise the active
    user of that name if `allowed(actor)`, else a CommandError saying `refusal` (translated,
    `%(name)s` filled in)."""
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("no active user %(name)s") % {"name": username})
    actor = get_actor(user)
    if not allowed(actor):
        raise CommandError(refusal % {"name": username})
    return actor
