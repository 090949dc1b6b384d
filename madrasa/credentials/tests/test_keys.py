"""Key files, the published key list, rotation, and the `madrasa keys` command."""

from __future__ import annotations

import io
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from madrasa.credentials.integrity import sign, verify_signature
from madrasa.credentials.keys import KeyList, KeyStore, KeyStoreError

from .conftest import ISSUER_URL

DOC = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": f"{ISSUER_URL}/credentials/issuer",
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "urn:uuid:0c9e1c1e-5b51-4b0a-9f59-8f2b7d1b2a10"},
}


def test_create_writes_a_private_key_readable_only_by_its_owner(keys_dir: Path) -> None:
    store = KeyStore(keys_dir)
    entry = store.create(issuer_url=ISSUER_URL + "/")
    pem = keys_dir / f"{entry.kid}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in pem.read_bytes()
    assert "PRIVATE" not in (keys_dir / "keys.json").read_text()
    assert entry.id == f"{ISSUER_URL}/credentials/issuer#{entry.public_key_multibase}"
    assert entry.public_key_multibase.startswith("z6Mk")
    with pytest.raises(KeyStoreError):
        store.create()  # one active key at a time: rotate instead


def test_rotation_keeps_the_old_key_for_older_documents(store: KeyStore) -> None:
    old, old_private = store.signing_key()
    signed_before = sign(
        DOC, private_key=old_private, verification_method=old.id, created="2026-01-01T00:00:00Z"
    )
    retired, new = store.rotate(now=datetime.now(tz=UTC))
    assert retired.kid == old.kid
    assert not retired.active
    assert new.active
    active, _private = store.signing_key()
    assert active.kid == new.kid

    published = store.published()
    listed = KeyList.from_document(json.loads(json.dumps(published)))
    assert {e.kid for e in listed.entries} == {old.kid, new.kid}
    assert published["assertionMethod"] == [new.id]
    kept = listed.lookup(old.id)
    assert kept is not None
    assert kept.valid_until is not None
    verify_signature(signed_before, signed_before["proof"], kept.public_bytes)


def test_a_missing_key_store_cannot_sign(keys_dir: Path) -> None:
    with pytest.raises(KeyStoreError):
        KeyStore(keys_dir).signing_key()
    assert KeyStore(keys_dir).published()["verificationMethod"] == []


def test_a_key_list_document_is_checked() -> None:
    with pytest.raises(ValueError, match="verificationMethod list"):
        KeyList.from_document({"verificationMethod": "nope"})
    with pytest.raises(ValueError, match="multibase"):
        KeyList.from_document(
            {"verificationMethod": [{"id": "x", "validFrom": "2026-01-01T00:00:00Z"}]}
        )


@pytest.mark.django_db
def test_the_keys_command_creates_rotates_and_lists(keys_dir: Path) -> None:
    out = io.StringIO()
    call_command("keys", "create", "--issuer-url", ISSUER_URL, stdout=out)
    assert "created key" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("keys", "create", stdout=io.StringIO())
    call_command("keys", "rotate", stdout=out)
    assert "retired" in out.getvalue()
    listing = io.StringIO()
    call_command("keys", "list", stdout=listing)
    assert listing.getvalue().count("retired") == 1
    assert listing.getvalue().count("active") == 1
    exported = io.StringIO()
    call_command("keys", "export", stdout=exported)
    assert len(json.loads(exported.getvalue())["verificationMethod"]) == 2


def test_a_retired_key_does_not_cover_documents_made_after_its_retirement(
    store: KeyStore,
) -> None:
    old, _ = store.signing_key()
    store.rotate(now=datetime.now(tz=UTC) - timedelta(days=1))
    kept = store.key_list().lookup(old.id)
    assert kept is not None
    assert kept.valid_until is not None
    assert kept.valid_until < datetime.now(tz=UTC)
