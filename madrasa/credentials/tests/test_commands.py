"""`madrasa verify`: a file, a QR payload, exit codes and reasons."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.credentials.keys import KeyStore
from madrasa.credentials.models import IssuedCredential
from madrasa.credentials.render import qr_payload
from madrasa.credentials.services import request_credential


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_verify_a_file_a_qr_payload_and_a_tampered_copy(
    world: World, store: KeyStore, tmp_path: Path
) -> None:
    request = request_credential(
        actor=world.users[Role.PARENT], student=world.student, kind="attestation"
    )
    credential = IssuedCredential.objects.get(request=request)
    path = tmp_path / "attestation.json"
    path.write_text(credential.document, encoding="utf-8")
    code, out = _run(str(path), "--offline")
    assert code == 0
    assert "VALID" in out

    code, out = _run(qr_payload(credential), "--json", "--offline")
    assert code == 0
    assert json.loads(out)["outcome"] == "valid"

    path.write_text(credential.document.replace("2012-03-01", "2010-03-01"), encoding="utf-8")
    code, out = _run(str(path), "--offline")
    assert code == 1
    assert "changed after it was signed" in out

    # A third party with the published key list only (no database keys): same verdict.
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(store.published()), encoding="utf-8")
    path.write_text(credential.document, encoding="utf-8")
    code, out = _run(str(path), "--keys", str(keys), "--offline")
    assert code == 0


@pytest.mark.django_db
def test_verify_garbage_is_a_reason_with_exit_status_one(store: KeyStore) -> None:
    code, out = _run("VC1:@@@", "--offline")
    assert code == 1
    assert "QR payload is damaged" in out
