"""W3C Bitstring Status List v1.0, the encoding (pure functions).

The list is a bitstring of at least 131,072 bits (16 KB) so one credential cannot be told from
its neighbours; it travels GZIP-compressed and base64url-encoded with the multibase prefix "u".
Index 0 is the left-most (most significant) bit of the first byte.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

from .multibase import MultibaseError, decode_base64url, encode_base64url

__all__ = ["MIN_BITS", "StatusListError", "bit_is_set", "decode_list", "encode_list"]

MIN_BITS = 131_072
# A list bigger than this (1 MB, 8 million credentials) is refused when decoding: a guard
# against compression bombs in a list fetched from elsewhere.
MAX_BYTES = 1 << 20


class StatusListError(ValueError):
    """The encoded list cannot be decoded."""


def encode_list(set_indexes: Iterable[int], *, size: int = MIN_BITS) -> str:
    """The `encodedList` of a bitstring of `size` bits with `set_indexes` set to 1."""
    if size < MIN_BITS or size % 8:
        raise ValueError(f"a status list has at least {MIN_BITS} bits, a multiple of 8")
    bits = bytearray(size // 8)
    for index in set_indexes:
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside the list")
        bits[index // 8] |= 0x80 >> (index % 8)
    return encode_base64url(gzip.compress(bytes(bits), mtime=0))


def decode_list(encoded: str) -> bytes:
    """The bitstring of an `encodedList` value."""
    try:
        compressed = decode_base64url(encoded)
    except MultibaseError as exc:
        raise StatusListError(str(exc)) from None
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = decompressor.decompress(compressed, MAX_BYTES + 1)
    except zlib.error as exc:
        raise StatusListError(f"not GZIP data: {exc}") from None
    if len(bits) > MAX_BYTES:
        raise StatusListError("the list is too large")
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"index {index} is outside the list of {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
