"""Verifying a credential: every check a third party makes, with one precise reason on failure.

In order: the payload holds a JSON credential; its JSON-LD contexts are known (shipped cache,
no network) and define every term; it fits the official JSON Schema (Open Badges 3.0
AchievementCredential / EndorsementCredential, CLR 2.0 ClrCredential); it carries an
`eddsa-rdfc-2022` Data Integrity proof made with a key of the trusted key list, in service when
the proof was made, belonging to the credential's issuer; the signature matches; the validity
dates hold; the Bitstring Status List (fetched through `fetch_status`) does not mark it revoked.

No database here: callers pass the key list and the status fetcher, so the same function runs
in the CLI, the public page, the API and the tests. It never raises on bad input: any failure
is a `Verification` with a `code` and a translated `reason`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft201909Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError as SchemaError  # type: ignore[import-untyped]

from .integrity import CRYPTOSUITE, PROOF_TYPE, ProofFailure, proofs_of, verify_signature
from .jsonld import JsonLdFailure, UndefinedTerm, UnknownContext, check_terms
from .keys import KeyEntry, KeyList, parse_time
from .multibase import MultibaseError, decode_public_key
from .payload import PayloadError, parse_payload
from .statuslist import StatusListError, bit_is_set, decode_list

__all__ = [
    "StatusUnavailable",
    "Verification",
    "no_fetch",
    "verify_credential",
    "verify_payload",
]

logger = logging.getLogger(__name__)

SCHEMAS_DIR = Path(__file__).resolve().parent / "jsonschemas"
SCHEMA_FILES = {
    "EndorsementCredential": "ob_v3p0_endorsementcredential_schema.json",
    "ClrCredential": "clr_v2p0_clrcredential_schema.json",
}
DEFAULT_SCHEMA = "ob_v3p0_achievementcredential_schema.json"
VC_CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1")

# Outcomes: "valid"; "unchecked" (everything holds but revocation could not be checked);
# "invalid" (any other failure).
VALID, UNCHECKED, INVALID = "valid", "unchecked", "invalid"


class StatusUnavailable(Exception):
    """The status list could not be obtained (offline, unreachable, not ours)."""


StatusFetcher = Callable[[str], Mapping[str, Any]]


def no_fetch(url: str) -> Mapping[str, Any]:
    raise StatusUnavailable(_("no network access was allowed"))


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Verification:
    outcome: str
    code: str  # "valid" or the failure's stable code
    reason: str  # translated, for people
    credential: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)
    key: KeyEntry | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == VALID

    @property
    def subject_name(self) -> str:
        subject = (self.credential or {}).get("credentialSubject")
        if isinstance(subject, dict):
            identifier = subject.get("identifier")
            name = subject.get("name")
            if isinstance(name, str):
                return name
            if isinstance(identifier, list):
                for item in identifier:
                    if isinstance(item, dict) and item.get("identityType") == "name":
                        return str(item.get("identityHash", ""))
        return ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "code": self.code,
            "reason": self.reason,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
            "credential_id": (self.credential or {}).get("id"),
            "issuer": _issuer_id(self.credential or {}),
            "key": self.key.kid if self.key else None,
        }


class _Failed(Exception):
    def __init__(self, code: str, reason: str, outcome: str = INVALID) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.outcome = outcome


@cache
def _validator(filename: str) -> Draft201909Validator:
    schema = json.loads((SCHEMAS_DIR / filename).read_text(encoding="utf-8"))
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def _types(document: Mapping[str, Any]) -> list[str]:
    value = document.get("type")
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _issuer_id(document: Mapping[str, Any]) -> str:
    issuer = document.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return ""


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _check_jsonld(document: Mapping[str, Any], checks: list[Check]) -> None:
    contexts = document.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first not in VC_CONTEXTS:
        raise _Failed(
            "malformed",
            _("This is not a W3C Verifiable Credential: its first @context must be %(url)s.")
            % {"url": VC_CONTEXTS[0]},
        )
    try:
        check_terms({k: v for k, v in document.items() if k != "proof"})
    except UnknownContext as exc:
        raise _Failed(
            "unknown_context",
            _(
                "The credential uses the JSON-LD context %(url)s, which this verifier does not "
                "know; it can only be checked with the contexts shipped with Madrasa."
            )
            % {"url": exc.url},
        ) from None
    except UndefinedTerm as exc:
        raise _Failed(
            "invalid_jsonld",
            _(
                "The credential contains the property “%(term)s”, which none of its contexts "
                "defines, so the signature could not cover it."
            )
            % {"term": exc.term},
        ) from None
    except JsonLdFailure as exc:
        raise _Failed(
            "invalid_jsonld",
            _("The credential is not valid JSON-LD: %(detail)s") % {"detail": str(exc)},
        ) from None
    checks.append(Check("jsonld", True))


def _check_schema(document: Mapping[str, Any], checks: list[Check]) -> None:
    types = _types(document)
    filename = next((SCHEMA_FILES[t] for t in types if t in SCHEMA_FILES), DEFAULT_SCHEMA)
    errors = sorted(_validator(filename).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        error: SchemaError = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise _Failed(
            "schema",
            _("The credential does not follow the %(standard)s schema at %(where)s: %(detail)s")
            % {
                "standard": "CLR 2.0" if filename.startswith("clr") else "Open Badges 3.0",
                "where": where,
                "detail": error.message[:200],
            },
        )
    checks.append(Check("schema", True, filename))


def _method_key(method: Any, key_list: KeyList) -> KeyEntry:
    """The trusted key a proof's verificationMethod names."""
    bad = _("The signature names an unusable key (%(method)s).") % {"method": str(method)[:120]}
    if not isinstance(method, str) or ":" not in method:
        raise _Failed("bad_verification_method", bad)
    scheme = method.split(":", 1)[0].lower()
    if scheme == "did":
        if not method.startswith("did:key:"):
            raise _Failed(
                "bad_verification_method",
                _("The signature's key uses a DID method this verifier does not support (%(m)s).")
                % {"m": method[:120]},
            )
    elif scheme not in {"https", "http", "urn"}:
        raise _Failed("bad_verification_method", bad)
    entry = key_list.lookup(method)
    if entry is not None:
        return entry
    fragment = method.rsplit("#", 1)[-1] if "#" in method else method.rsplit(":", 1)[-1]
    try:
        decode_public_key(fragment)
    except MultibaseError:
        raise _Failed("bad_verification_method", bad) from None
    raise _Failed(
        "unknown_key",
        _(
            "The credential was signed with a key that is not in the ministry's published key "
            "list: it was not issued by the ministry, or the key list is out of date."
        ),
    )


def _check_proof(document: Mapping[str, Any], key_list: KeyList, checks: list[Check]) -> KeyEntry:
    proofs = proofs_of(document)
    if not proofs:
        raise _Failed("no_proof", _("The credential carries no signature."))
    ours = [
        p
        for p in proofs
        if isinstance(p, dict)
        and p.get("type") == PROOF_TYPE
        and p.get("cryptosuite") == CRYPTOSUITE
    ]
    if not ours:
        kinds = ", ".join(
            str(p.get("cryptosuite") or p.get("type")) if isinstance(p, dict) else "?"
            for p in proofs
        )
        raise _Failed(
            "unsupported_proof",
            _(
                "The signature type (%(kind)s) is not supported: only Data Integrity proofs "
                "with the eddsa-rdfc-2022 cryptosuite are."
            )
            % {"kind": kinds[:120]},
        )
    entry: KeyEntry | None = None
    for proof in ours:
        if proof.get("proofPurpose") != "assertionMethod":
            raise _Failed(
                "malformed_proof", _("The signature was not made for issuing (proofPurpose).")
            )
        entry = _method_key(proof.get("verificationMethod"), key_list)
        created = parse_time(proof.get("created"))
        if created is None:
            raise _Failed("malformed_proof", _("The signature has no valid creation time."))
        if created < entry.valid_from or (
            entry.valid_until is not None and created > entry.valid_until
        ):
            raise _Failed(
                "key_not_valid",
                _(
                    "The signing key was not in service on %(date)s, when the signature says it "
                    "was made."
                )
                % {"date": _format(created)},
            )
        try:
            verify_signature(document, proof, entry.public_bytes)
        except ProofFailure as exc:
            if exc.code == "tampered":
                raise _Failed(
                    "tampered",
                    _(
                        "The credential was changed after it was signed: the signature does not "
                        "match its content."
                    ),
                ) from None
            raise _Failed("malformed_proof", _("The signature value is malformed.")) from None
        except JsonLdFailure as exc:
            raise _Failed(
                "invalid_jsonld",
                _("The credential is not valid JSON-LD: %(detail)s") % {"detail": str(exc)},
            ) from None
    if entry is None:  # unreachable: `ours` is not empty
        raise _Failed("no_proof", _("The credential carries no signature."))
    if entry.controller and _issuer_id(document) != entry.controller:
        raise _Failed(
            "issuer_mismatch",
            _("The signing key does not belong to the credential's issuer."),
        )
    checks.append(Check("signature", True, entry.kid or entry.id))
    return entry


def _check_dates(document: Mapping[str, Any], now: datetime, checks: list[Check]) -> None:
    starts_raw = document.get("validFrom", document.get("issuanceDate"))
    ends_raw = document.get("validUntil", document.get("expirationDate"))
    starts, ends = parse_time(starts_raw), parse_time(ends_raw)
    if (starts_raw is not None and starts is None) or (ends_raw is not None and ends is None):
        raise _Failed("malformed", _("The credential's validity dates are not valid dates."))
    if starts is not None and starts > now:
        raise _Failed(
            "not_yet_valid",
            _("The credential is not valid before %(date)s.") % {"date": _format(starts)},
        )
    if ends is not None and ends <= now:
        raise _Failed("expired", _("The credential expired on %(date)s.") % {"date": _format(ends)})
    checks.append(Check("dates", True))


def _unavailable(detail: str) -> _Failed:
    return _Failed(
        "status_unavailable",
        _("Could not check whether the credential was revoked: %(detail)s") % {"detail": detail},
        outcome=UNCHECKED,
    )


def _check_status(
    document: Mapping[str, Any],
    key_list: KeyList,
    fetch_status: StatusFetcher,
    now: datetime,
    checks: list[Check],
) -> None:
    status = document.get("credentialStatus")
    if status is None:
        checks.append(Check("status", True, "none"))
        return
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            kind = entry.get("type") if isinstance(entry, dict) else "?"
            raise _unavailable(
                _("its status method (%(kind)s) is not supported.") % {"kind": str(kind)[:80]}
            )
        url = entry.get("statusListCredential")
        try:
            index = int(str(entry.get("statusListIndex")))  # a string in the spec, a number in some
        except (TypeError, ValueError):
            raise _Failed(
                "malformed", _("The credential's status entry has no valid index.")
            ) from None
        purpose = entry.get("statusPurpose")
        if not isinstance(url, str):
            raise _Failed("malformed", _("The credential's status entry names no status list."))
        try:
            listing = dict(fetch_status(url))
        except StatusUnavailable as exc:
            raise _unavailable(str(exc)) from None
        # The list is itself a credential: same issuer, signed with a trusted key, in force.
        try:
            list_key = _check_proof(listing, key_list, [])
            _check_dates(listing, now, [])
        except _Failed as exc:
            raise _unavailable(
                _("the status list is not trustworthy (%(reason)s)") % {"reason": exc.reason}
            ) from None
        subject = listing.get("credentialSubject")
        if (
            not isinstance(subject, dict)
            or _issuer_id(listing) != _issuer_id(document)
            or subject.get("statusPurpose") != purpose
        ):
            raise _unavailable(_("the status list does not match the credential."))
        try:
            revoked = bit_is_set(decode_list(str(subject.get("encodedList"))), index)
        except StatusListError as exc:
            raise _unavailable(str(exc)) from None
        if revoked and purpose == "suspension":
            raise _Failed("suspended", _("The credential is suspended by its issuer."))
        if revoked:
            raise _Failed("revoked", _("The credential was revoked by its issuer."))
        checks.append(Check("status", True, f"{purpose} {index} ({list_key.kid})"))


def verify_credential(
    document: dict[str, Any],
    *,
    key_list: KeyList,
    fetch_status: StatusFetcher = no_fetch,
    now: datetime | None = None,
) -> Verification:
    now = now or datetime.now(tz=UTC)
    checks: list[Check] = []
    key: KeyEntry | None = None
    try:
        _check_schema(document, checks)
        _check_jsonld(document, checks)
        key = _check_proof(document, key_list, checks)
        _check_dates(document, now, checks)
        _check_status(document, key_list, fetch_status, now, checks)
    except _Failed as failure:
        checks.append(Check(failure.code, False, failure.reason))
        return Verification(failure.outcome, failure.code, failure.reason, document, checks, key)
    except RecursionError:
        reason = _("The credential is nested too deeply to be checked.")
        return Verification(INVALID, "malformed", reason, document, checks, key)
    except Exception:  # a reason, never a stack trace, for any input; logged for us
        logger.exception("unexpected failure while verifying a credential")
        reason = _("The credential could not be checked: it is malformed.")
        return Verification(INVALID, "malformed", reason, document, checks, key)
    return Verification(
        VALID, "valid", _("The credential is authentic and in force."), document, checks, key
    )


def verify_payload(
    raw: bytes | str,
    *,
    key_list: KeyList,
    fetch_status: StatusFetcher = no_fetch,
    now: datetime | None = None,
) -> Verification:
    """Verify whatever a person pasted, uploaded or scanned."""
    try:
        document = parse_payload(raw)
    except PayloadError as exc:
        if exc.code == "jwt":
            reason = _(
                "This is a VC-JWT credential; this verifier checks Data Integrity "
                "(eddsa-rdfc-2022) credentials only."
            )
            return Verification(INVALID, "unsupported_proof", reason)
        reason = _("The payload is not a readable credential: %(detail)s.") % {
            "detail": _(exc.detail)
        }
        return Verification(INVALID, "malformed", reason)
    return verify_credential(document, key_list=key_list, fetch_status=fetch_status, now=now)
