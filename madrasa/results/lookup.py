"""Results day: answer one lookup (national code + birth date, or PIN) from the current
publication, for the API and the public page alike.

Per request: a rate-limit count per address, the current publication from the process memo
(no query most of the time), a rate-limit count per national code, one indexed read of the
snapshot. Nothing is computed. A wrong code, a wrong birth date and a code that does not exist
get the same status, body and headers; before the embargo every code gets "not yet published".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from madrasa.core.routers import on_replica

from . import ratelimit
from .selectors import current_publication, lookup_published

__all__ = ["Answer", "answer_lookup", "normalise_code"]

_CODE = re.compile(r"^[A-Z0-9]{1,16}$")
SUCCESS_MAX_AGE = 60
ERROR_CACHE = "no-store"


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def normalise_code(raw: str) -> str:
    return "".join(raw.split()).upper()


def _error(status: int, code: str, detail: str, **headers: str) -> Answer:
    return Answer(
        status, {"code": code, "detail": detail}, {"Cache-Control": ERROR_CACHE, **headers}
    )


def _not_found() -> Answer:
    return _error(
        404,
        "no_result",
        _("No result matches this national code and birth date (or PIN)."),
    )


def answer_lookup(
    *,
    session_key: str,
    raw_code: str,
    birth_date: date | None,
    pin: str,
    client_address: str | None,
    if_none_match: str = "",
) -> Answer:
    # Results day's reads (the publication, the published line) go to a read replica when one
    # is configured (docs/scale.md): the published snapshot is immutable, so a replica's few
    # milliseconds of lag cannot show a wrong result.
    with on_replica():
        return _answer(
            session_key=session_key,
            raw_code=raw_code,
            birth_date=birth_date,
            pin=pin,
            client_address=client_address,
            if_none_match=if_none_match,
        )


def _answer(
    *,
    session_key: str,
    raw_code: str,
    birth_date: date | None,
    pin: str,
    client_address: str | None,
    if_none_match: str,
) -> Answer:
    address = ratelimit.hit(ratelimit.address_limit(), client_address or "-")
    if not address.allowed:
        return _too_many(address.retry_after)
    publication = current_publication(session_key)
    if publication is None or not publication.is_visible():
        # Identical for every code (and every session that is not out): no count per code.
        return _error(404, "not_published", _("The results of this exam are not published yet."))
    code = normalise_code(raw_code)
    if not _CODE.match(code) or (birth_date is None and not pin):
        return _not_found()
    attempt = ratelimit.hit(ratelimit.code_limit(), f"{publication.id}:{code}")
    if not attempt.allowed:
        return _too_many(attempt.retry_after)
    payload = lookup_published(publication.id, code, birth_date=birth_date, pin=pin.strip())
    if payload is None:
        return _not_found()
    ratelimit.give_back(attempt)
    etag = f'"{publication.etag_base}"'
    headers = {
        "Cache-Control": f"private, max-age={SUCCESS_MAX_AGE}",
        "ETag": etag,
    }
    if if_none_match and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Answer(304, {}, headers)
    body = {
        "session": publication.session_name,
        "publication": publication.version,
        "national_code": code,
        **payload,
    }
    return Answer(200, body, headers)


def _too_many(retry_after: int) -> Answer:
    return _error(
        429,
        "rate_limited",
        _("Too many attempts: try again later."),
        **{"Retry-After": str(retry_after)},
    )
