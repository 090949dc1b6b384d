"""W3C Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite (pure, no database).

Signing (W3C vc-di-eddsa §3.3): canonicalise the document without its proof and the proof
options (with the document's @context) with RDFC-1.0; hash both with SHA-256; sign
`sha256(proof options) || sha256(document)` with Ed25519; the proof value is the signature in
base58btc multibase. Verifying does the same and checks the signature. The W3C test vectors
are reproduced byte for byte in tests/test_integrity.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .jsonld import canonize
from .multibase import MultibaseError, decode_signature, encode_signature

__all__ = [
    "CRYPTOSUITE",
    "PROOF_TYPE",
    "HashData",
    "ProofFailure",
    "hash_data",
    "proofs_of",
    "sign",
    "verify_signature",
]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


class ProofFailure(Exception):
    """The proof does not hold. `code`: "malformed_proof" (unusable proof object) or
    "tampered" (the signature does not match the content)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


@dataclass(frozen=True)
class HashData:
    canonical_document: str
    canonical_proof: str
    document_hash: bytes
    proof_hash: bytes

    @property
    def combined(self) -> bytes:
        """What is signed: the proof options' hash, then the document's hash."""
        return self.proof_hash + self.document_hash


def _unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _proof_config(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    return config


def hash_data(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    *,
    extra_contexts: Mapping[str, Any] | None = None,
) -> HashData:
    """Canonical forms and hashes of `document` (its proof left out) and of `proof`'s options."""
    canonical_document = canonize(_unsecured(document), extra=extra_contexts)
    canonical_proof = canonize(_proof_config(document, proof), extra=extra_contexts)
    return HashData(
        canonical_document=canonical_document,
        canonical_proof=canonical_proof,
        document_hash=hashlib.sha256(canonical_document.encode("utf-8")).digest(),
        proof_hash=hashlib.sha256(canonical_proof.encode("utf-8")).digest(),
    )


def sign(
    document: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    extra_contexts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`document` with a new `eddsa-rdfc-2022` proof (a copy; the input is not changed)."""
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    data = hash_data(document, proof, extra_contexts=extra_contexts)
    proof["proofValue"] = encode_signature(private_key.sign(data.combined))
    signed = _unsecured(document)
    signed["proof"] = proof
    return signed


def proofs_of(document: Mapping[str, Any]) -> list[Any]:
    """The document's proofs as a list (a single proof object or a proof set)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def verify_signature(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: bytes,
    *,
    extra_contexts: Mapping[str, Any] | None = None,
) -> None:
    """Raise `ProofFailure` unless `proof` is a valid eddsa-rdfc-2022 signature of `document`
    by `public_key` (32 raw bytes)."""
    value = proof.get("proofValue")
    try:
        signature = decode_signature(value) if isinstance(value, str) else b""
    except MultibaseError:
        signature = b""
    if len(signature) != 64:
        raise ProofFailure("malformed_proof", "the proof value is not an Ed25519 signature")
    data = hash_data(document, proof, extra_contexts=extra_contexts)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data.combined)
    except (InvalidSignature, ValueError):
        raise ProofFailure("tampered", "the signature does not match the content") from None
