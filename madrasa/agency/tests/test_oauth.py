"""Agencies as OAuth 2.0 clients: client credentials, hashed secrets, purposes as scopes,
expiry, suspension; the CLI that creates and suspends them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from oauth2_provider.models import get_application_model

from madrasa.agency.models import AgencyClient, AgencyRequest
from madrasa.agency.services import CreatedClient, create_agency_client, suspend_agency_client
from madrasa.core.errors import InvalidInput

from .conftest import bearer, get_token, token_response

URL = "/api/v1/agency/schooling-status"


def _ask(token: str, month: str) -> object:
    from django.test import Client

    return Client().post(
        URL,
        {"month": month, "identifiers": [{"national_code": "A100000001"}]},
        content_type="application/json",
        headers=bearer(token),
    )


def test_a_client_gets_a_token_for_its_purposes_and_its_secret_is_hashed(
    social_aid: CreatedClient,
) -> None:
    response = token_response(social_aid)
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["scope"] == "social_aid"
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 3600
    assert "refresh_token" not in body
    application = get_application_model().objects.get(client_id=social_aid.client_id)
    assert application.client_secret != social_aid.client_secret
    assert application.client_secret.startswith(("pbkdf2", "argon2", "md5"))


def test_a_wrong_secret_an_unknown_purpose_or_another_grant_get_no_token(
    social_aid: CreatedClient,
) -> None:
    wrong = CreatedClient(social_aid.client, social_aid.client_id, "not-the-secret")
    assert token_response(wrong).status_code == 401  # type: ignore[attr-defined]
    unknown = token_response(social_aid, scope="marks")
    assert unknown.status_code == 400  # type: ignore[attr-defined]
    assert unknown.json()["error"] == "invalid_scope"  # type: ignore[attr-defined]
    # a purpose that exists but was not granted to this client
    other = token_response(social_aid, scope="health")
    assert other.json()["error"] == "invalid_scope"  # type: ignore[attr-defined]


def test_an_expired_token_is_refused_and_logged(social_aid: CreatedClient, month: object) -> None:
    token = get_token(social_aid)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        response = _ask(token, f"{month:%Y-%m}")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response.json()["code"] == "token_expired"  # type: ignore[attr-defined]
    logged = AgencyRequest.objects.get()
    assert (logged.error_code, logged.shared, logged.accesses.count()) == ("token_expired", 0, 0)


def test_an_invalid_or_missing_token_is_refused(world: object) -> None:
    from django.test import Client

    response = _ask("made-up", "2026-11")
    assert (response.status_code, response.json()["code"]) == (401, "invalid_token")  # type: ignore[attr-defined]
    missing = Client().post(URL, {}, content_type="application/json")
    assert (missing.status_code, missing.json()["code"]) == (401, "missing_token")
    assert not AgencyRequest.objects.exists()


def test_suspension_works_at_once_and_blocks_new_tokens(
    social_aid: CreatedClient, month: object
) -> None:
    token = get_token(social_aid)
    assert _ask(token, f"{month:%Y-%m}").status_code == 200  # type: ignore[attr-defined]
    suspend_agency_client(actor=None, client=social_aid.client, reason="audit")
    response = _ask(token, f"{month:%Y-%m}")
    assert (response.status_code, response.json()["code"]) == (403, "client_suspended")  # type: ignore[attr-defined]
    assert token_response(social_aid).status_code == 401  # type: ignore[attr-defined]
    refused = AgencyRequest.objects.get(error_code="client_suspended")
    assert refused.accesses.count() == 0


def test_a_token_for_another_purpose_sees_nothing(world: object, month: object) -> None:
    both = create_agency_client(actor=None, name="Both", purposes=["social_aid", "health"])
    token = get_token(both, scope="health")
    response = _ask(token, f"{month:%Y-%m}")
    assert (response.status_code, response.json()["code"]) == (403, "purpose_not_in_token")  # type: ignore[attr-defined]
    assert AgencyRequest.objects.get().shared == 0


def test_a_client_without_the_purpose_sees_nothing(world: object, month: object) -> None:
    recruiter = create_agency_client(actor=None, name="Concours", purposes=["recruitment"])
    token = get_token(recruiter)
    response = _ask(token, f"{month:%Y-%m}")
    assert (response.status_code, response.json()["code"]) == (403, "purpose_not_in_token")  # type: ignore[attr-defined]
    # even a token naming the purpose cannot be obtained
    assert token_response(recruiter, scope="social_aid").status_code == 400  # type: ignore[attr-defined]


def test_the_service_refuses_unknown_purposes_and_duplicate_names(world: object) -> None:
    with pytest.raises(InvalidInput) as unknown:
        create_agency_client(actor=None, name="X agency", purposes=["marketing"])
    assert unknown.value.code == "unknown_purpose"
    create_agency_client(actor=None, name="X agency", purposes=["health"])
    with pytest.raises(InvalidInput):
        create_agency_client(actor=None, name="X agency", purposes=["health"])


def test_the_cli_creates_prints_the_secret_once_and_suspends(
    world: object, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("agency", "create", "CNSS", "--purpose", "social_aid")
    out = capsys.readouterr().out
    secret = next(line.split()[-1] for line in out.splitlines() if line.startswith("client_secret"))
    client_id = next(line.split()[-1] for line in out.splitlines() if line.startswith("client_id"))
    client = AgencyClient.objects.get(name="CNSS")
    assert client.application.client_id == client_id
    assert get_token(CreatedClient(client, client_id, secret))
    call_command("agency", "suspend", "CNSS", "--reason", "contrat échu")
    assert AgencyClient.objects.get(name="CNSS").is_suspended
    call_command("agency", "list")
    assert "CNSS" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("agency", "create", "Other", "--purpose", "marketing")
