"""Authentication of agency API calls: an OAuth 2.0 bearer token of an active agency, carrying
the purpose the endpoint serves. Each refusal has its own status and machine code; a refusal of
a known client is logged (as sharing nothing)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from oauth2_provider.models import get_access_token_model

from .errors import AgencyError
from .models import AgencyClient
from .services import record_agency_request

__all__ = ["AgencyCaller", "AgencyTokenAuth"]


@dataclass(frozen=True)
class AgencyCaller:
    client: AgencyClient
    purpose: str


class AgencyTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for one purpose. Checked at every request, so that a
    suspension or a withdrawn purpose takes effect at once."""

    openapi_scheme = "bearer"

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AgencyError(
                _("Send an access token: Authorization: Bearer <token> (POST /oauth/token/)."),
                code="missing_token",
                status=401,
            )
        return self.authenticate(request, token.strip())

    def _refuse(
        self, request: HttpRequest, client: AgencyClient, message: str, code: str, status: int
    ) -> AgencyError:
        record_agency_request(
            client=client,
            purpose=self.purpose,
            endpoint=request.path[:64],
            status_code=status,
            error_code=code,
        )
        return AgencyError(message, code=code, status=status)

    def authenticate(self, request: HttpRequest, token: str) -> AgencyCaller:
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        access = (
            get_access_token_model()
            .objects.select_related("application__agency")
            .filter(token_checksum=checksum)
            .first()
        )
        client: AgencyClient | None = None
        if access is not None and access.application is not None:
            client = getattr(access.application, "agency", None)
        if access is None or client is None:
            raise AgencyError(
                _("This access token is not valid."), code="invalid_token", status=401
            )
        if client.is_suspended:
            raise self._refuse(
                request, client, _("This agency's access is suspended."), "client_suspended", 403
            )
        if access.expires <= timezone.now():
            raise self._refuse(
                request,
                client,
                _("This access token has expired: ask for a new one."),
                "token_expired",
                401,
            )
        if self.purpose not in access.scope.split():
            raise self._refuse(
                request,
                client,
                _("This token was not issued for the purpose %(purpose)s.")
                % {"purpose": self.purpose},
                "purpose_not_in_token",
                403,
            )
        if self.purpose not in client.purposes:
            raise self._refuse(
                request,
                client,
                _("This agency is not granted the purpose %(purpose)s.")
                % {"purpose": self.purpose},
                "purpose_not_granted",
                403,
            )
        return AgencyCaller(client=client, purpose=self.purpose)
