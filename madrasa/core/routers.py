"""Read replicas: a Django database router and the `on_replica()` opt-in (issue 8, docs/scale.md).

`MADRASA_REPLICA_URLS` (settings) names PostgreSQL streaming replicas; they become the database
aliases `replica_0`, `replica_1`, … Everything goes to `default` (the primary) unless the code
explicitly opts in:

    from madrasa.core.routers import on_replica

    with on_replica():                      # a block …
        rows = list(Result.objects.filter(...))

    @on_replica()                           # … or a whole function (fresh state at every call)
    def national_indicators(...): ...

Inside an `on_replica()` block, ORM reads go to one replica (chosen at random on the block's
first read and kept for the whole block, so its queries see one consistent replay point), except:

- after a write in the same request (or, outside requests, in the same thread / task since the
  last `reset_pin()`): the request is *pinned* to the primary, so it reads its own writes;
- inside a transaction on the primary (`transaction.atomic`): a transaction reads what it writes;
- when no replica is configured.

Writes always go to the primary, even inside `on_replica()`. Migrations never run on a replica.
Raw SQL does not pass through the router: use `connections[read_alias()]` to follow the same rule.
The pin is per thread and per asyncio task (a context variable), cleared when a request starts
and ends; a background worker calls `reset_pin()` between two jobs.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import ContextDecorator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connections
from django.db.models import Model

PRIMARY = "default"
REPLICA_PREFIX = "replica_"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class _Block:
    """The state of the outermost `on_replica()` block: the replica it reads from, once chosen."""

    alias: str | None = None


_pinned: ContextVar[bool] = ContextVar("madrasa_db_pinned_to_primary", default=False)
_block: ContextVar[_Block | None] = ContextVar("madrasa_db_replica_block", default=None)


def replica_aliases() -> list[str]:
    """The configured replicas' aliases (`replica_0`, …), in order; empty without replicas."""
    return sorted(alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX))


def pin_primary() -> None:
    """Send every read of this request (thread, task) to the primary from now on. The router
    calls it on every write; call it yourself after a write made with raw SQL."""
    _pinned.set(True)


def reset_pin() -> None:
    """Forget earlier writes: reads may go to a replica again (at the start of a request or a
    background job)."""
    _pinned.set(False)


def is_pinned() -> bool:
    return _pinned.get()


def _reset_on_signal(**_: Any) -> None:
    reset_pin()


request_started.connect(_reset_on_signal, dispatch_uid="madrasa_replica_reset_pin_start")
request_finished.connect(_reset_on_signal, dispatch_uid="madrasa_replica_reset_pin_finish")


def read_alias(replicas: list[str] | None = None) -> str:
    """The alias a read made here should use: a replica inside `on_replica()` when nothing
    pins the primary, else `default`. For raw SQL: `connections[read_alias()].cursor()`."""
    block = _block.get()
    if block is None or _pinned.get() or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if block.alias is None:
        choices = replica_aliases() if replicas is None else replicas
        block.alias = random.choice(choices) if choices else PRIMARY  # noqa: S311  load spreading
    return block.alias


class ReplicaBlock(ContextDecorator):
    """`with on_replica():` or `@on_replica()`. Nested blocks keep the outer block's replica."""

    def __init__(self) -> None:
        self._token: Token[_Block | None] | None = None

    def _recreate_cm(self) -> ReplicaBlock:
        return ReplicaBlock()  # a decorated function gets a fresh block at every call

    def __enter__(self) -> None:
        if _block.get() is None:
            self._token = _block.set(_Block())

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _block.reset(self._token)
            self._token = None


@overload
def on_replica(func: F) -> F: ...
@overload
def on_replica(func: None = None) -> ReplicaBlock: ...
def on_replica(func: F | None = None) -> F | ReplicaBlock:
    """Let the reads of a block (`with on_replica():`) or of a function (`@on_replica()` or
    `@on_replica`) go to a replica. See the module's docstring for what still stays on the
    primary."""
    if func is None:
        return ReplicaBlock()
    return ReplicaBlock()(func)


def in_replica_block() -> bool:
    return _block.get() is not None


class ReplicaRouter:
    """`DATABASE_ROUTERS = ["madrasa.core.routers.ReplicaRouter"]` (settings). `replicas` is for
    tests; by default the aliases starting with `replica_` in `settings.DATABASES`."""

    def __init__(self, replicas: list[str] | None = None) -> None:
        self.replicas = replicas

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return read_alias(self.replicas)

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        pin_primary()
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The primary and its replicas hold the same rows.
        ours = [alias for alias in (obj1._state.db, obj2._state.db) if alias is not None]
        if all(alias == PRIMARY or alias.startswith(REPLICA_PREFIX) for alias in ours):
            return True
        return None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if db.startswith(REPLICA_PREFIX):
            return False  # a streaming replica replays the primary's schema; it cannot write
        return None


__all__ = [
    "PRIMARY",
    "ReplicaBlock",
    "ReplicaRouter",
    "in_replica_block",
    "is_pinned",
    "on_replica",
    "pin_primary",
    "read_alias",
    "replica_aliases",
    "reset_pin",
]
