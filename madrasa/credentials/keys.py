"""Signing keys: Ed25519 key pairs kept as files in `settings.MADRASA_KEYS_DIR`, never in the
database, and the ministry's published key list built from them.

Layout of the directory (mode 0700):
  keys.json     the manifest: the issuer's public address and every key's public half, creation
                and retirement times (public information only);
  <kid>.pem     one private key per key id, PKCS#8 PEM, mode 0600.

Exactly one key is active: it signs. `rotate` makes a new active key and retires the old one,
which stays in the published list so documents it signed before its retirement still verify.
A proof is accepted only if its key is listed and it was created while that key was active
(`KeyList.check`).
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from .multibase import MultibaseError, decode_public_key, encode_public_key

__all__ = [
    "DEFAULT_ISSUER_URL",
    "KeyEntry",
    "KeyList",
    "KeyStore",
    "KeyStoreError",
    "format_time",
    "key_store",
    "parse_time",
]

DEFAULT_ISSUER_URL = "https://madrasa.example"
ISSUER_NAMES = {"ar": "وزارة التربية الوطنية", "fr": "Ministère de l'Éducation nationale"}
MANIFEST = "keys.json"


class KeyStoreError(Exception):
    """The key directory is missing, unreadable or has no key to sign with."""


def format_time(moment: datetime) -> str:
    """XML Schema dateTime in UTC, to the second: "2026-11-24T10:00:00Z"."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: object) -> datetime | None:
    """A dateTime string as an aware datetime (naive ones are taken as UTC), or None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class KeyEntry:
    """One key of the list. `valid_until` is set when the key was retired."""

    id: str  # the verification method id: "<issuer>#<publicKeyMultibase>"
    kid: str
    controller: str
    public_key_multibase: str
    valid_from: datetime
    valid_until: datetime | None

    @property
    def active(self) -> bool:
        return self.valid_until is None

    @property
    def public_bytes(self) -> bytes:
        return decode_public_key(self.public_key_multibase)

    def as_method(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "Multikey",
            "controller": self.controller,
            "publicKeyMultibase": self.public_key_multibase,
            "keyId": self.kid,
            "status": "active" if self.active else "retired",
            "validFrom": format_time(self.valid_from),
            "validUntil": format_time(self.valid_until) if self.valid_until else None,
        }


class KeyList:
    """The keys a verifier trusts, read from a published key list document."""

    def __init__(self, entries: list[KeyEntry]) -> None:
        self.entries = entries
        self._by_id = {entry.id: entry for entry in entries}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> KeyList:
        """Parse a key list document (`/credentials/keys.json`); raise ValueError if malformed."""
        methods = document.get("verificationMethod")
        if not isinstance(methods, list):
            raise ValueError("a key list has a verificationMethod list")
        entries = []
        for method in methods:
            if not isinstance(method, dict):
                raise ValueError("each verification method is an object")
            valid_from = parse_time(method.get("validFrom"))
            multibase = method.get("publicKeyMultibase")
            if not isinstance(method.get("id"), str) or valid_from is None:
                raise ValueError("each verification method has an id and a validFrom time")
            try:
                decode_public_key(str(multibase))
            except MultibaseError as exc:
                raise ValueError(f"{method['id']}: {exc}") from None
            entries.append(
                KeyEntry(
                    id=method["id"],
                    kid=str(method.get("keyId", "")),
                    controller=str(method.get("controller", "")),
                    public_key_multibase=str(multibase),
                    valid_from=valid_from,
                    valid_until=parse_time(method.get("validUntil")),
                )
            )
        return cls(entries)

    def lookup(self, verification_method: str) -> KeyEntry | None:
        return self._by_id.get(verification_method)

    def active(self) -> KeyEntry | None:
        return next((e for e in self.entries if e.active), None)


class KeyStore:
    """The key directory of this installation."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    # Reading -------------------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        path = self.directory / MANIFEST
        if not path.exists():
            return {"issuer": {"url": DEFAULT_ISSUER_URL}, "keys": []}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"cannot read {path}: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise KeyStoreError(f"{path} is not a Madrasa key manifest")
        return data

    @property
    def issuer_url(self) -> str:
        return str(self._manifest().get("issuer", {}).get("url") or DEFAULT_ISSUER_URL).rstrip("/")

    @property
    def issuer_id(self) -> str:
        return f"{self.issuer_url}/credentials/issuer"

    def entries(self) -> list[KeyEntry]:
        issuer = self.issuer_id
        entries = []
        for row in self._manifest()["keys"]:
            valid_from = parse_time(row.get("created"))
            if valid_from is None:
                raise KeyStoreError(f"key {row.get('kid')!r} has no creation time")
            entries.append(
                KeyEntry(
                    id=f"{issuer}#{row['public']}",
                    kid=row["kid"],
                    controller=issuer,
                    public_key_multibase=row["public"],
                    valid_from=valid_from,
                    valid_until=parse_time(row.get("retired")),
                )
            )
        return entries

    def key_list(self) -> KeyList:
        return KeyList(self.entries())

    def published(self) -> dict[str, Any]:
        """The public key list document served at /credentials/keys.json."""
        entries = self.entries()
        return {
            "id": self.issuer_id,
            "type": ["Profile"],
            "name": ISSUER_NAMES["fr"],
            "nameAr": ISSUER_NAMES["ar"],
            "verificationMethod": [entry.as_method() for entry in entries],
            "assertionMethod": [entry.id for entry in entries if entry.active],
        }

    def signing_key(self) -> tuple[KeyEntry, Ed25519PrivateKey]:
        """The active key and its private half."""
        active = next((e for e in self.entries() if e.active), None)
        if active is None:
            raise KeyStoreError("no active signing key: run `madrasa keys create`")
        path = self.directory / f"{active.kid}.pem"
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"cannot read the private key {path}: {exc}") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise KeyStoreError(f"{path} is not an Ed25519 key")
        if encode_public_key(private.public_key().public_bytes_raw()) != (
            active.public_key_multibase
        ):
            raise KeyStoreError(f"{path} does not match the public key of {active.kid}")
        return active, private

    # Writing -------------------------------------------------------------------------------

    def _write_manifest(self, data: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, tmp = tempfile.mkstemp(dir=self.directory, prefix=".keys-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.directory / MANIFEST)

    def _new_key(self, now: datetime) -> dict[str, Any]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = Ed25519PrivateKey.generate()
        kid = f"{now:%Y%m%d}-{secrets.token_hex(3)}"
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path = self.directory / f"{kid}.pem"
        # Created with mode 0600 from the start: never readable by others, even briefly.
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
        public = encode_public_key(private.public_key().public_bytes_raw())
        return {"kid": kid, "public": public, "created": format_time(now), "retired": None}

    def create(self, *, issuer_url: str | None = None, now: datetime | None = None) -> KeyEntry:
        """Make the first key (refused when a key is already active: use `rotate`)."""
        now = now or datetime.now(tz=UTC)
        data = self._manifest()
        if any(row.get("retired") is None for row in data["keys"]):
            raise KeyStoreError("a signing key is already active: use `madrasa keys rotate`")
        if issuer_url:
            data["issuer"] = {"url": issuer_url.rstrip("/")}
        data["keys"].append(self._new_key(now))
        self._write_manifest(data)
        return self.entries()[-1]

    def rotate(self, *, now: datetime | None = None) -> tuple[KeyEntry, KeyEntry]:
        """Retire the active key (kept for verification) and make a new active one."""
        now = now or datetime.now(tz=UTC)
        data = self._manifest()
        active = [row for row in data["keys"] if row.get("retired") is None]
        if not active:
            raise KeyStoreError("no active key to rotate: run `madrasa keys create`")
        for row in active:
            row["retired"] = format_time(now)
        data["keys"].append(self._new_key(now))
        self._write_manifest(data)
        entries = {e.kid: e for e in self.entries()}
        return entries[active[-1]["kid"]], self.entries()[-1]


def key_store() -> KeyStore:
    return KeyStore(Path(settings.MADRASA_KEYS_DIR))
