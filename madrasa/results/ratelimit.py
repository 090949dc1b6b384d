"""Rate limits of results day, counted in the Django cache (shared by every worker when the
cache is Redis, `MADRASA_CACHE_URL`): fixed windows per client address and per national code.

- per address: every lookup counts (`MADRASA_RESULTS_RATE_PER_ADDRESS` per
  `MADRASA_RESULTS_RATE_ADDRESS_WINDOW` seconds);
- per national code: every lookup of a published session counts while it is in flight and a
  successful one is given back, so a pupil who reloads their result is never locked out, while
  at most `MADRASA_RESULTS_RATE_PER_CODE` wrong birth dates (or PINs) are tried per
  `MADRASA_RESULTS_RATE_CODE_WINDOW` seconds, whatever the number of addresses used.

Over the limit the answer is 429 with Retry-After, the same for a code that exists and one that
does not.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

__all__ = ["Limit", "address_limit", "code_limit", "give_back", "hit"]


@dataclass(frozen=True)
class Limit:
    name: str
    allowed: int
    window: int


@dataclass(frozen=True)
class Hit:
    key: str
    allowed: bool
    retry_after: int


def address_limit() -> Limit:
    return Limit(
        "a",
        int(getattr(settings, "MADRASA_RESULTS_RATE_PER_ADDRESS", 60)),
        int(getattr(settings, "MADRASA_RESULTS_RATE_ADDRESS_WINDOW", 60)),
    )


def code_limit() -> Limit:
    return Limit(
        "c",
        int(getattr(settings, "MADRASA_RESULTS_RATE_PER_CODE", 10)),
        int(getattr(settings, "MADRASA_RESULTS_RATE_CODE_WINDOW", 3600)),
    )


def _digest(value: str) -> str:
    # Keys carry no national code or address in clear (a cache dump is not a list of pupils).
    return hashlib.blake2b(value.encode(), digest_size=12).hexdigest()


def hit(limit: Limit, value: str) -> Hit:
    """Count one attempt for `value` in the current window; allowed while within the limit."""
    now = time.time()
    window = int(now // limit.window)
    key = f"rl:{limit.name}:{window}:{_digest(value)}"
    cache.add(key, 0, timeout=limit.window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.window + 1)
        count = 1
    retry_after = max(1, int((window + 1) * limit.window - now) + 1)
    return Hit(key, count <= limit.allowed, retry_after)


def give_back(attempt: Hit) -> None:
    """Return an attempt that succeeded (per-code limit)."""
    with contextlib.suppress(ValueError):
        cache.decr(attempt.key)
