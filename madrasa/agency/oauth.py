"""django-oauth-toolkit hooks (named in settings.OAUTH2_PROVIDER): an agency's scopes are its
granted purposes, and a suspended agency cannot obtain a token."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings

from .models import AgencyClient


def _agency(application: Any) -> AgencyClient | None:
    if application is None:
        return None
    return AgencyClient.objects.filter(application_id=application.pk).first()


class PurposeScopes(BaseScopes):  # type: ignore[misc]  # untyped base class
    """Scopes are purposes: a client may ask only for the purposes granted to it; without a
    `scope` parameter its token carries all of them."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(oauth2_settings.SCOPES)

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        agency = _agency(application)
        if agency is None or agency.is_suspended:
            return []
        return [p for p in agency.purposes if p in oauth2_settings.SCOPES]

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return self.get_available_scopes(application, request)


class AgencyValidator(OAuth2Validator):  # type: ignore[misc]  # untyped base class
    """Client authentication fails for an application that is not an active agency."""

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        agency = _agency(getattr(request, "client", None))
        return agency is not None and not agency.is_suspended
