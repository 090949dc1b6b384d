"""Writes of the agency domain: clients (create, suspend, reinstate, purposes) and the log of
their requests. Atomic and audited."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model, get_application_model

from madrasa.accounts.models import User
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput

from .models import AgencyAccess, AgencyClient, AgencyRequest
from .purposes import PURPOSES

__all__ = [
    "CreatedClient",
    "create_agency_client",
    "record_agency_request",
    "reinstate_agency_client",
    "set_agency_purposes",
    "suspend_agency_client",
]


@dataclass(frozen=True)
class CreatedClient:
    client: AgencyClient
    client_id: str
    client_secret: str  # shown once; only its hash is stored


def _check_purposes(purposes: Sequence[str]) -> list[str]:
    unknown = sorted(set(purposes) - set(PURPOSES))
    if unknown:
        raise InvalidInput(
            _("Unknown purpose: %(purposes)s (known: %(known)s).")
            % {"purposes": ", ".join(unknown), "known": ", ".join(sorted(PURPOSES))},
            code="unknown_purpose",
        )
    return sorted(set(purposes))


@transaction.atomic
def create_agency_client(
    *, actor: User | None, name: str, purposes: Sequence[str]
) -> CreatedClient:
    """Register an agency as an OAuth client (client-credentials grant) with its purposes. The
    secret is returned once; the database keeps only its hash."""
    name = " ".join(name.split())
    if not 2 <= len(name) <= 200:
        raise InvalidInput(_("An agency's name has 2 to 200 characters."), code="invalid_name")
    granted = _check_purposes(purposes)
    if AgencyClient.objects.filter(name=name).exists():
        raise InvalidInput(_("An agency with this name exists."), code="duplicate_name")
    application_model = get_application_model()
    secret = secrets.token_urlsafe(40)
    application = application_model(
        name=name,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    application.save()
    client = AgencyClient.objects.create(application=application, name=name, purposes=granted)
    record_event(
        actor=actor,
        action="agency.create",
        object_type="agency",
        object_id=client.uuid,
        data={"name": name, "purposes": granted, "client_id": application.client_id},
    )
    return CreatedClient(client=client, client_id=application.client_id, client_secret=secret)


def _revoke_tokens(client: AgencyClient) -> int:
    deleted, _rows = (
        get_access_token_model().objects.filter(application_id=client.application_id).delete()
    )
    return int(deleted)


@transaction.atomic
def suspend_agency_client(
    *, actor: User | None, client: AgencyClient, reason: str = ""
) -> AgencyClient:
    """Suspend at once: every request is refused from now on (the flag is checked at each
    request, so tokens already issued stop working too) and no new token is issued."""
    client = AgencyClient.objects.select_for_update().get(pk=client.pk)
    client.is_suspended = True
    client.suspended_at = timezone.now()
    client.save(update_fields=["is_suspended", "suspended_at"])
    record_event(
        actor=actor,
        action="agency.suspend",
        object_type="agency",
        object_id=client.uuid,
        data={"name": client.name, "reason": reason[:300]},
    )
    return client


@transaction.atomic
def reinstate_agency_client(*, actor: User | None, client: AgencyClient) -> AgencyClient:
    client = AgencyClient.objects.select_for_update().get(pk=client.pk)
    client.is_suspended = False
    client.suspended_at = None
    client.save(update_fields=["is_suspended", "suspended_at"])
    record_event(
        actor=actor,
        action="agency.reinstate",
        object_type="agency",
        object_id=client.uuid,
        data={"name": client.name},
    )
    return client


@transaction.atomic
def set_agency_purposes(
    *, actor: User | None, client: AgencyClient, purposes: Sequence[str]
) -> AgencyClient:
    """Change the purposes granted; tokens issued before are revoked (they may carry a purpose
    withdrawn now)."""
    granted = _check_purposes(purposes)
    client = AgencyClient.objects.select_for_update().get(pk=client.pk)
    before = list(client.purposes)
    client.purposes = granted
    client.save(update_fields=["purposes"])
    _revoke_tokens(client)
    record_event(
        actor=actor,
        action="agency.purposes",
        object_type="agency",
        object_id=client.uuid,
        data={"name": client.name, "before": before, "after": granted},
    )
    return client


def _insert_accesses(request: AgencyRequest, student_ids: Sequence[int]) -> None:
    """One INSERT ... SELECT for every pupil shared, whatever their number: the ids travel as
    one JSON array parameter."""
    table = AgencyAccess._meta.db_table
    payload = json.dumps(sorted(set(student_ids)))
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} (request_id, student_id) "  # noqa: S608  table name from the model  # nosec B608: identifiers and integers from code, values bound
            "SELECT %s, value::bigint FROM jsonb_array_elements_text(%s::jsonb)"
        )
    else:
        sql = (
            f"INSERT INTO {table} (request_id, student_id) "  # noqa: S608  table name from the model  # nosec B608: identifiers and integers from code, values bound
            "SELECT %s, value FROM json_each(%s)"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [request.pk, payload])


@transaction.atomic
def record_agency_request(
    *,
    client: AgencyClient,
    purpose: str,
    endpoint: str,
    status_code: int,
    identifiers: int = 0,
    shared_student_ids: Sequence[int] = (),
    fields: Sequence[str] = (),
    error_code: str = "",
) -> AgencyRequest:
    """Log one agency request. Only pupils whose data is in the answer are logged as shared,
    with the fields of the purpose; a refused request shares nothing."""
    shared = sorted(set(shared_student_ids)) if status_code < 400 else []
    request = AgencyRequest.objects.create(
        client=client,
        purpose=purpose,
        endpoint=endpoint,
        fields=list(fields) if shared else [],
        identifiers=identifiers,
        shared=len(shared),
        status_code=status_code,
        error_code=error_code,
        at=timezone.now(),
    )
    if shared:
        _insert_accesses(request, shared)
    record_event(
        actor=None,
        action="agency.request",
        object_type="agency_request",
        object_id=request.uuid,
        data={
            "client": client.name,
            "purpose": purpose,
            "endpoint": endpoint,
            "status": status_code,
            "error": error_code,
            "identifiers": identifiers,
            "shared": len(shared),
        },
        actor_role="agency",
    )
    return request
