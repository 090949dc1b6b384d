"""eddsa-rdfc-2022: the W3C test vector byte for byte, and sign/verify round trips."""

from __future__ import annotations

import copy

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from madrasa.credentials.integrity import ProofFailure, hash_data, sign, verify_signature
from madrasa.credentials.jsonld import UndefinedTerm, UnknownContext, canonize, check_terms
from madrasa.credentials.multibase import (
    b58decode,
    b58encode,
    decode_private_key,
    decode_public_key,
    encode_public_key,
)

from .standards import EXAMPLES_CONTEXT, VECTORS, load, needs_standards, text

RDFC = VECTORS / "eddsa-rdfc-2022"


@needs_standards
def test_the_w3c_test_vector_is_reproduced_byte_for_byte() -> None:
    keys = load(VECTORS / "keyPair.json")
    unsigned = load(VECTORS / "unsigned.json")
    config = load(RDFC / "proofConfigDataInt.json")
    private_key = Ed25519PrivateKey.from_private_bytes(
        decode_private_key(keys["privateKeyMultibase"])
    )
    public_raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert encode_public_key(public_raw) == keys["publicKeyMultibase"]

    data = hash_data(unsigned, config, extra_contexts=EXAMPLES_CONTEXT)
    assert data.canonical_document == text(RDFC / "canonDocDataInt.txt")
    assert data.canonical_proof == text(RDFC / "proofCanonDataInt.txt")
    assert data.document_hash.hex() == text(RDFC / "docHashDataInt.txt").strip()
    assert data.proof_hash.hex() == text(RDFC / "proofHashDataInt.txt").strip()
    assert data.combined.hex() == text(RDFC / "combinedHashDataInt.txt").strip()

    signed = sign(
        unsigned,
        private_key=private_key,
        verification_method=config["verificationMethod"],
        created=config["created"],
        extra_contexts=EXAMPLES_CONTEXT,
    )
    assert b58decode(signed["proof"]["proofValue"][1:]).hex() == text(RDFC / "sigHexDataInt.txt")
    assert signed["proof"]["proofValue"] == text(RDFC / "sigBTC58DataInt.txt").strip()
    assert signed == load(RDFC / "signedDataInt.json")


@needs_standards
def test_the_w3c_signed_vector_verifies_and_a_changed_copy_does_not() -> None:
    signed = load(RDFC / "signedDataInt.json")
    public = decode_public_key(load(VECTORS / "keyPair.json")["publicKeyMultibase"])
    verify_signature(signed, signed["proof"], public, extra_contexts=EXAMPLES_CONTEXT)

    changed = copy.deepcopy(signed)
    changed["credentialSubject"]["alumniOf"] = "Another School"
    with pytest.raises(ProofFailure) as failure:
        verify_signature(changed, changed["proof"], public, extra_contexts=EXAMPLES_CONTEXT)
    assert failure.value.code == "tampered"


@needs_standards
def test_an_unknown_context_is_a_clear_error_and_never_fetched() -> None:
    unsigned = load(VECTORS / "unsigned.json")  # names the examples context, not shipped
    with pytest.raises(UnknownContext) as failure:
        canonize(unsigned)
    assert failure.value.url == "https://www.w3.org/ns/credentials/examples/v2"


def test_a_term_outside_every_context_is_refused() -> None:
    document = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "sneaky": "not signed",
    }
    with pytest.raises(UndefinedTerm):
        check_terms(document)


def test_sign_then_verify_and_a_wrong_key_or_value_fails() -> None:
    key = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    other_raw = other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "https://madrasa.test/credentials/issuer",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "urn:uuid:0c9e1c1e-5b51-4b0a-9f59-8f2b7d1b2a10"},
    }
    signed = sign(
        document,
        private_key=key,
        verification_method="https://madrasa.test/credentials/issuer#k",
        created="2026-01-01T00:00:00Z",
    )
    verify_signature(signed, signed["proof"], raw)
    with pytest.raises(ProofFailure) as failure:
        verify_signature(signed, signed["proof"], other_raw)
    assert failure.value.code == "tampered"
    broken = copy.deepcopy(signed)
    broken["proof"]["proofValue"] = "z" + b58encode(b"short")
    with pytest.raises(ProofFailure) as failure:
        verify_signature(broken, broken["proof"], raw)
    assert failure.value.code == "malformed_proof"
