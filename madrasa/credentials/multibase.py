"""Multibase and Multikey encodings used by Data Integrity proofs (pure functions, no I/O).

- base58btc (multibase prefix "z"): proof values and Ed25519 public keys;
- base64url without padding (multibase prefix "u"): the Bitstring Status List;
- Multikey: a multicodec prefix (0xed01 for an Ed25519 public key, 0x8026 for a private key
  seed) then the 32 key bytes, in base58btc.
"""

from __future__ import annotations

import base64

__all__ = [
    "MultibaseError",
    "b58decode",
    "b58encode",
    "decode_base64url",
    "decode_private_key",
    "decode_public_key",
    "decode_signature",
    "encode_base64url",
    "encode_private_key",
    "encode_public_key",
    "encode_signature",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"


class MultibaseError(ValueError):
    """The text is not a well-formed multibase value of the expected kind."""


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _INDEX:
            raise MultibaseError(f"{char!r} is not a base58 character")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def _decode_z(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise MultibaseError("not a base58btc multibase value (it must start with 'z')")
    return b58decode(value[1:])


def encode_public_key(raw: bytes) -> str:
    """The Multikey `publicKeyMultibase` of a 32-byte Ed25519 public key: "z6Mk…"."""
    return "z" + b58encode(ED25519_PUB + raw)


def decode_public_key(value: str) -> bytes:
    data = _decode_z(value)
    if not data.startswith(ED25519_PUB) or len(data) != 34:
        raise MultibaseError("not an Ed25519 public key in Multikey form")
    return data[2:]


def encode_private_key(seed: bytes) -> str:
    return "z" + b58encode(ED25519_PRIV + seed)


def decode_private_key(value: str) -> bytes:
    data = _decode_z(value)
    if not data.startswith(ED25519_PRIV) or len(data) != 34:
        raise MultibaseError("not an Ed25519 private key in Multikey form")
    return data[2:]


def decode_signature(value: str) -> bytes:
    """A base58btc proof value ("z…") as bytes."""
    return _decode_z(value)


def encode_signature(data: bytes) -> str:
    return "z" + b58encode(data)


def encode_base64url(data: bytes) -> str:
    """Multibase base64url without padding ("u…")."""
    return "u" + base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode_base64url(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("u"):
        raise MultibaseError("not a base64url multibase value (it must start with 'u')")
    body = value[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError) as exc:
        raise MultibaseError("not valid base64url") from exc
