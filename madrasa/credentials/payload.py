"""What a verifier may be handed, turned into a credential (a JSON object), or a reason why not.

Accepted: the credential's JSON; the QR payload of a Madrasa document (`VC1:` then the
credential's JSON, raw DEFLATE-compressed, in base64url); an Open Badges "baked" image (PNG with
an `openbadgecredential` iTXt chunk, SVG with an `<openbadges:credential>` element).
A VC-JWT (compact JWS) is recognised and refused as unsupported.
"""

from __future__ import annotations

import base64
import json
import re
import struct
import zlib
from typing import Any

from django.utils.translation import gettext_noop

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "QR_PREFIX",
    "PayloadError",
    "decode_qr",
    "encode_qr",
    "parse_payload",
]

QR_PREFIX = "VC1:"
MAX_PAYLOAD_BYTES = 512 * 1024
_JWT = re.compile(r"^[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$")
_SVG_CREDENTIAL = re.compile(
    r"<openbadges:credential(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</openbadges:credential>)",
    re.DOTALL,
)
_CDATA = re.compile(r"^\s*<!\[CDATA\[(.*)\]\]>\s*$", re.DOTALL)
_VERIFY_ATTR = re.compile(r'verify\s*=\s*"([^"]*)"')


class PayloadError(Exception):
    """The input holds no credential. `code` is "malformed" or "jwt"."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def encode_qr(credential: dict[str, Any]) -> str:
    """The QR payload of a credential: compact JSON, DEFLATE (level 9), base64url."""
    raw = json.dumps(credential, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed = compressor.compress(raw) + compressor.flush()
    return QR_PREFIX + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_qr(text: str) -> str:
    body = text.strip()[len(QR_PREFIX) :]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
        raw = decompressor.decompress(packed, MAX_PAYLOAD_BYTES + 1)
    except (ValueError, zlib.error):
        raise PayloadError(
            "malformed", gettext_noop("the QR payload is damaged or incomplete")
        ) from None
    if len(raw) > MAX_PAYLOAD_BYTES or not decompressor.eof:
        raise PayloadError("malformed", gettext_noop("the QR payload is damaged or incomplete"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError(
            "malformed", gettext_noop("the QR payload is damaged or incomplete")
        ) from None


def _from_png(data: bytes) -> str:
    position = 8
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"iTXt" and chunk.startswith(b"openbadgecredential\0"):
            # keyword \0 compression-flag compression-method language \0 translated \0 text
            rest = chunk[len(b"openbadgecredential\0") :]
            compressed, rest = rest[0], rest[2:]
            _language, _, rest = rest.partition(b"\0")
            _translated, _, text = rest.partition(b"\0")
            if compressed:
                text = zlib.decompressobj().decompress(text, MAX_PAYLOAD_BYTES)
            return text.decode("utf-8", errors="strict")
        position += 12 + length
    raise PayloadError("malformed", gettext_noop("the image carries no Open Badges credential"))


def _from_svg(text: str) -> str:
    found = _SVG_CREDENTIAL.search(text)
    if found is None:
        raise PayloadError("malformed", gettext_noop("the image carries no Open Badges credential"))
    body = found.group("body") or ""
    cdata = _CDATA.match(body)
    if cdata:
        return cdata.group(1)
    if body.strip():
        return body
    attribute = _VERIFY_ATTR.search(found.group("attrs") or "")
    if attribute:
        return attribute.group(1)
    raise PayloadError("malformed", gettext_noop("the image carries no Open Badges credential"))


def parse_payload(raw: bytes | str) -> dict[str, Any]:
    """The credential in `raw` (text or file bytes). Raise `PayloadError` with a reason."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_PAYLOAD_BYTES * 4:
            raise PayloadError(
                "malformed", gettext_noop("the file is too large to be a credential")
            )
        if raw.startswith(b"\x89PNG\r\n\x1a\n"):
            try:
                raw = _from_png(raw)
            except (UnicodeDecodeError, zlib.error, IndexError, struct.error):
                raise PayloadError("malformed", gettext_noop("the image is damaged")) from None
        else:
            try:
                raw = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise PayloadError(
                    "malformed", gettext_noop("the file is not text, JSON or a badge")
                ) from None
    text = raw.strip()
    if not text:
        raise PayloadError("malformed", gettext_noop("nothing to verify"))
    if len(text) > MAX_PAYLOAD_BYTES:
        raise PayloadError("malformed", gettext_noop("the payload is too large to be a credential"))
    if text.startswith(("<?xml", "<svg")):
        text = _from_svg(text).strip()
    if text[: len(QR_PREFIX)].upper() == QR_PREFIX:
        text = decode_qr(text)
    if _JWT.match(text):
        raise PayloadError("jwt", gettext_noop("a VC-JWT (JOSE) credential"))
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise PayloadError("malformed", gettext_noop("the payload is not JSON")) from None
    if not isinstance(document, dict):
        raise PayloadError("malformed", gettext_noop("the payload is not a JSON object"))
    return document
