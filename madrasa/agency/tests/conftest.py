"""Agency test helpers: a registered agency and its access tokens."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from conftest import World
from madrasa.agency.services import CreatedClient, create_agency_client
from madrasa.attendance.services import compute_schooling_status
from madrasa.health.tests.conftest import full_record, guardian

__all__ = ["full_record", "guardian"]  # the health record fixtures, for the health API tests

TokenFor = Callable[..., str]


def token_response(created: CreatedClient, scope: str | None = None) -> object:
    basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return Client().post("/oauth/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")


def get_token(created: CreatedClient, scope: str | None = None) -> str:
    response = token_response(created, scope)
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return str(response.json()["access_token"])  # type: ignore[attr-defined]


@pytest.fixture
def social_aid(world: World) -> CreatedClient:
    return create_agency_client(actor=None, name="Caisse d'aide sociale", purposes=["social_aid"])


@pytest.fixture
def month(world: World) -> date:
    """A month whose statuses are computed (the current month: the world's pupils are
    enrolled today)."""
    from django.utils import timezone

    first = timezone.localdate().replace(day=1)
    compute_schooling_status(actor=None, month=first)
    return first


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
