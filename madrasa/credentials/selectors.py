"""Reads: the request queue, a pupil's documents, and what the verifier needs here (the key
list, the status lists this platform publishes)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from madrasa.accounts.selectors import Actor

from .access import visible_credentials, visible_requests
from .keys import KeyList, KeyStore, KeyStoreError, key_store
from .models import CredentialRequest, IssuedCredential, StatusList
from .verification import StatusFetcher, StatusUnavailable, Verification, verify_payload

__all__ = [
    "LocalStatusFetcher",
    "fetch_over_http",
    "local_key_list",
    "pupil_credentials",
    "request_queue",
    "verify_here",
]

FETCH_TIMEOUT_SECONDS = 5
FETCH_MAX_BYTES = 2 * 1024 * 1024


def request_queue(actor: Actor) -> QuerySet[CredentialRequest]:
    """Requests waiting for a decision of the actor's schools, oldest first."""
    return (
        visible_requests(actor)
        .filter(status=CredentialRequest.Status.PENDING, school_id__in=actor.director_school_ids)
        .order_by("requested_at", "id")
    )


def pupil_credentials(actor: Actor, student_id: int) -> QuerySet[IssuedCredential]:
    return visible_credentials(actor).filter(student_id=student_id)


def local_key_list(store: KeyStore | None = None) -> KeyList:
    try:
        return (store or key_store()).key_list()
    except KeyStoreError:
        return KeyList([])


class LocalStatusFetcher:
    """Serves the status lists this platform publishes, from the database; any other address
    goes to `fallback` (by default: not fetched)."""

    def __init__(self, store: KeyStore | None = None, fallback: StatusFetcher | None = None):
        self.store = store or key_store()
        self.fallback = fallback

    def __call__(self, url: str) -> Mapping[str, Any]:
        prefix = f"{self.store.issuer_url}/credentials/status/"
        if url.startswith(prefix) and url[len(prefix) :].isdigit():
            found = StatusList.objects.filter(number=int(url[len(prefix) :])).first()
            if found is None or not found.published:
                raise StatusUnavailable(_("the status list %(url)s does not exist.") % {"url": url})
            return dict(json.loads(found.published))
        if self.fallback is not None:
            return self.fallback(url)
        raise StatusUnavailable(
            _("the status list is published elsewhere (%(url)s) and was not fetched.")
            % {"url": url[:200]}
        )


def fetch_over_http(url: str) -> Mapping[str, Any]:
    """Fetch a status list credential over HTTP(S), with a timeout and a size limit."""
    if urlsplit(url).scheme not in {"https", "http"}:
        raise StatusUnavailable(_("the status list address is not a web address."))
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310  scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310  scheme checked above  # nosec B310: scheme checked above
            body = response.read(FETCH_MAX_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise StatusUnavailable(
            _("the status list could not be fetched (%(error)s).") % {"error": str(exc)[:120]}
        ) from None
    if len(body) > FETCH_MAX_BYTES:
        raise StatusUnavailable(_("the status list is too large."))
    try:
        document = json.loads(body)
    except ValueError:
        raise StatusUnavailable(_("the status list is not JSON.")) from None
    if not isinstance(document, dict):
        raise StatusUnavailable(_("the status list is not JSON."))
    return document


def verify_here(
    raw: bytes | str,
    *,
    key_list: KeyList | None = None,
    fetch: StatusFetcher | None = None,
    now: datetime | None = None,
) -> Verification:
    """Verify against this installation's key list; status lists of this platform are read
    from the database, others only through `fetch` when given."""
    store = key_store()
    return verify_payload(
        raw,
        key_list=key_list if key_list is not None else local_key_list(store),
        fetch_status=LocalStatusFetcher(store, fallback=fetch),
        now=now,
    )
