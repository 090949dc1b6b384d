"""Every fixture of the 1EdTech validator (Open Badges 3.0 and CLR 2.0): the valid ones are
accepted, each broken one is rejected with the expected reason (SOURCES.md of the corpus).

The fixtures are signed by example issuers, so the verifier is given a key list that trusts the
keys of the valid fixtures (as a verifier trusting those issuers would be). Our own ministry's
key list is tested in test_verification.py.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from madrasa.credentials.keys import KeyEntry, KeyList
from madrasa.credentials.payload import parse_payload
from madrasa.credentials.verification import StatusUnavailable, verify_payload

from .standards import CLR_CASES, OB_CASES, STANDARDS, load, needs_standards

VALID = "valid"
# file -> the failure code (or VALID). "unchecked" outcomes are listed in UNCHECKED.
EXPECTED: dict[str, str] = {
    # Valid credentials (some carried in baked images or a .1ob file).
    "openbadges-3.0/validator-cases/simple.json": VALID,
    "openbadges-3.0/validator-cases/simple.1ob": VALID,
    "openbadges-3.0/validator-cases/simple-json.png": VALID,
    "openbadges-3.0/validator-cases/simple-json.svg": VALID,
    "openbadges-3.0/validator-cases/simple-context-alias.json": VALID,
    "openbadges-3.0/validator-cases/simple-context-version.json": VALID,
    "openbadges-3.0/validator-cases/simple-did-key-method.json": VALID,
    "openbadges-3.0/validator-cases/simple-did-web-method.json": VALID,
    "openbadges-3.0/validator-cases/simple-multiple-proofs.json": VALID,
    "openbadges-3.0/validator-cases/endorsement-valid.json": VALID,
    "clr-2.0/validator-cases/simple.json": VALID,
    # Valid, but its 1EdTechRevocationList status cannot be checked: said so, not accepted.
    "openbadges-3.0/validator-cases/complete.json": "status_unavailable",
    # Revoked in the Bitstring Status List `testlist` (index 23).
    "openbadges-3.0/validator-cases/bit-string-list/credential-status-revoked.json": "revoked",
    "openbadges-3.0/validator-cases/bit-string-list/credential-status-revoked-blank-nodes.json": (
        "revoked"
    ),
    # The status list credential itself is not an Open Badge.
    "openbadges-3.0/validator-cases/bit-string-list/testlist": "schema",
    # Signed correctly but not in force.
    "openbadges-3.0/validator-cases/simple-err-expired.json": "expired",
    # Structure: the official JSON Schema (VC 1.1 context, missing issuer, wrong types...).
    "openbadges-3.0/validator-cases/simple-err-issued.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-issuer.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-context.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-type.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-issuer-type.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-issuer-parentorg-type.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-issuer-otheridentifier-type.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-credential-subject-type.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-credential-subject-identifier-type.json": "schema",
    "openbadges-3.0/validator-cases/simple-err-credential-subject-result-type.json": "schema",
    "openbadges-3.0/validator-cases/simple-eddsa-2022.json": "schema",
    "openbadges-3.0/validator-cases/simple-noproof.json": "schema",
    "openbadges-3.0/validator-cases/simple_v1.json": "schema",
    "openbadges-3.0/validator-cases/complete_v1.json": "schema",
    "openbadges-3.0/validator-cases/credential-status-revoked.json": "schema",
    "openbadges-3.0/validator-cases/endorsement-err-schema-status-refresh.json": "schema",
    "clr-2.0/validator-cases/complex.json": "schema",
    "clr-2.0/validator-cases/simple-noproof.json": "schema",
    "clr-2.0/validator-cases/simple_old_safesigned.json": "schema",
    "clr-2.0/validator-cases/simple_v1.json": "schema",
    # Edited after signing, where a changed type leaves a property outside every context (so
    # it would escape the signature): refused before the signature is even computed.
    "openbadges-3.0/validator-cases/simple-err-credential-subject-achievement-result-description-type.json": (  # noqa: E501
        "invalid_jsonld"
    ),
    "openbadges-3.0/validator-cases/simple-err-evidence-type.json": "invalid_jsonld",
    # Edited after signing.
    "openbadges-3.0/validator-cases/simple-err-credential-subject-profile-type.json": "tampered",
    "openbadges-3.0/validator-cases/simple-err-proof-value.json": "tampered",
    # Unusable verification methods.
    "openbadges-3.0/validator-cases/simple-err-proof-method.json": "bad_verification_method",
    "openbadges-3.0/validator-cases/simple-err-proof-method-no-scheme.json": (
        "bad_verification_method"
    ),
    "openbadges-3.0/validator-cases/simple-err-proof-method-unknown-did-method.json": (
        "bad_verification_method"
    ),
    "openbadges-3.0/validator-cases/simple-err-proof-method-unknown-scheme.json": (
        "bad_verification_method"
    ),
    # Other proof formats: recognised and refused as unsupported.
    "openbadges-3.0/validator-cases/sd/derivedcredential.json": "unsupported_proof",
    "openbadges-3.0/validator-cases/simple.jwt": "unsupported_proof",
    "openbadges-3.0/validator-cases/velocity.jwt": "unsupported_proof",
    "openbadges-3.0/validator-cases/simple-jwt.png": "unsupported_proof",
    "openbadges-3.0/validator-cases/simple-jwt.svg": "unsupported_proof",
    "openbadges-3.0/validator-cases/simple-jwt_v1.png": "unsupported_proof",
    "openbadges-3.0/validator-cases/simple-jwt_v1.svg": "unsupported_proof",
    "clr-2.0/validator-cases/simple.jwt": "unsupported_proof",
}
TRUSTED_ISSUERS = [
    "openbadges-3.0/validator-cases/" + name
    for name in (
        "simple.json",
        "simple-json.svg",
        "complete.json",
        "endorsement-valid.json",
        "simple-context-alias.json",
        "simple-context-version.json",
        "simple-did-key-method.json",
        "simple-did-web-method.json",
        "simple-multiple-proofs.json",
        "bit-string-list/testlist",
    )
] + ["clr-2.0/validator-cases/simple.json"]
STATUS_LIST = "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"


def _all_fixtures() -> list[str]:
    if not STANDARDS.is_dir():
        return []
    found = [p for root in (OB_CASES, CLR_CASES) for p in root.rglob("*") if p.is_file()]
    return sorted(str(p.relative_to(STANDARDS)) for p in found)


def _trusted_keys() -> KeyList:
    entries: dict[str, KeyEntry] = {}
    for name in TRUSTED_ISSUERS:
        document = parse_payload((STANDARDS / name).read_bytes())
        issuer = document["issuer"]
        controller = issuer if isinstance(issuer, str) else issuer["id"]
        proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
        for proof in proofs:
            method = proof.get("verificationMethod")
            if method is None:
                continue
            # "<issuer>#z6Mk…" or "did:key:z6Mk…": the key's multibase is the last part.
            multibase = method.rsplit("#", 1)[-1] if "#" in method else method.rsplit(":", 1)[-1]
            entries[method] = KeyEntry(
                id=method,
                kid=multibase[:12],
                controller=controller,
                public_key_multibase=multibase,
                valid_from=datetime(2000, 1, 1, tzinfo=UTC),
                valid_until=None,
            )
    return KeyList(list(entries.values()))


def _fetch(url: str) -> Any:
    if url == STATUS_LIST:
        return load(OB_CASES / "bit-string-list" / "testlist")
    raise StatusUnavailable("offline")


@needs_standards
def test_every_fixture_has_an_expectation() -> None:
    assert sorted(EXPECTED) == _all_fixtures()


@needs_standards
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validator_case(name: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        result = verify_payload(
            Path(STANDARDS / name).read_bytes(), key_list=_trusted_keys(), fetch_status=_fetch
        )
    assert not caplog.records, "a fixture reached the catch-all: " + caplog.text
    assert result.code == EXPECTED[name], result.reason
    assert result.reason  # a sentence for people, every time
    if EXPECTED[name] == VALID:
        assert result.ok
    else:
        assert not result.ok


@needs_standards
def test_a_revoked_fixture_without_network_says_revocation_was_not_checked() -> None:
    name = "openbadges-3.0/validator-cases/bit-string-list/credential-status-revoked.json"
    result = verify_payload((STANDARDS / name).read_bytes(), key_list=_trusted_keys())
    assert (result.outcome, result.code) == ("unchecked", "status_unavailable")
    assert "Could not check whether the credential was revoked" in result.reason


@needs_standards
def test_a_valid_fixture_signed_by_an_untrusted_key_is_refused() -> None:
    result = verify_payload((OB_CASES / "simple.json").read_bytes(), key_list=KeyList([]))
    assert result.code == "unknown_key"
