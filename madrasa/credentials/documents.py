"""The JSON of each document: Open Badges 3.0 credentials (unsigned), and the status list
credential. Pure functions of their arguments: no database access, no signing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from .keys import ISSUER_NAMES, format_time

__all__ = [
    "CONTEXTS",
    "OB_SCHEMA_URL",
    "AttestationFacts",
    "attestation_credential",
    "status_list_credential",
    "status_list_url",
]

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
OB_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)


@dataclass(frozen=True)
class AttestationFacts:
    """What an attestation de scolarité states."""

    credential_uuid: str
    national_code: str
    first_name_latn: str
    last_name_latn: str
    first_name_ar: str
    last_name_ar: str
    birth_date: date
    school_code: str
    school_name_fr: str
    school_name_ar: str
    level_code: str
    level_name_fr: str
    level_name_ar: str
    year_code: str
    year_ends_on: date


def status_list_url(issuer_url: str, number: int) -> str:
    return f"{issuer_url}/credentials/status/{number}"


def _identity(kind: str, value: str) -> dict[str, Any]:
    return {"type": "IdentityObject", "identityType": kind, "hashed": False, "identityHash": value}


def _status_entry(issuer_url: str, list_number: int, index: int) -> dict[str, Any]:
    url = status_list_url(issuer_url, list_number)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def _issuer(issuer_id: str) -> dict[str, Any]:
    return {"id": issuer_id, "type": ["Profile"], "name": ISSUER_NAMES["fr"]}


def attestation_credential(
    facts: AttestationFacts,
    *,
    issuer_url: str,
    issuer_id: str,
    issued_at: datetime,
    list_number: int,
    index: int,
) -> dict[str, Any]:
    """An attestation de scolarité: the pupil is enrolled this school year in a school, at a
    level. Valid until the end of the school year."""
    school = {
        "id": f"{issuer_url}/credentials/schools/{facts.school_code}",
        "type": ["Profile"],
        "name": facts.school_name_fr,
    }
    full_name = f"{facts.first_name_latn} {facts.last_name_latn.upper()}"
    description = (
        f"{full_name} (code {facts.national_code}) est inscrit(e) pour l'année scolaire "
        f"{facts.year_code} à l'établissement {facts.school_name_fr} ({facts.school_code}), "
        f"en {facts.level_name_fr}."
    )
    return {
        "@context": list(CONTEXTS),
        "id": f"urn:uuid:{facts.credential_uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer(issuer_id),
        "validFrom": format_time(issued_at),
        "validUntil": format_time(datetime.combine(facts.year_ends_on, time(23, 59, 59))),
        "name": f"Attestation de scolarité {facts.year_code}",
        "description": description,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                _identity("sisSourcedId", facts.national_code),
                _identity("name", full_name),
                _identity("ext:nameAr", f"{facts.first_name_ar} {facts.last_name_ar}"),
                _identity("ext:birthDate", facts.birth_date.isoformat()),
            ],
            "term": facts.year_code,
            "source": school,
            "achievement": {
                "id": (
                    f"{issuer_url}/credentials/achievements/attestation/"
                    f"{facts.year_code}/{facts.level_code}"
                ),
                "type": ["Achievement"],
                "achievementType": "ext:SchoolEnrolment",
                "name": f"Scolarité {facts.year_code} — {facts.level_name_fr}",
                "description": description,
                "criteria": {
                    "narrative": (
                        "Inscription active dans un établissement scolaire pour l'année "
                        f"{facts.year_code}, selon le registre national des élèves."
                    )
                },
                "humanCode": facts.level_code,
                "inLanguage": "fr",
                "creator": school,
            },
        },
        "credentialStatus": _status_entry(issuer_url, list_number, index),
        "credentialSchema": [{"id": OB_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def status_list_credential(
    *, issuer_url: str, issuer_id: str, number: int, encoded_list: str, issued_at: datetime
) -> dict[str, Any]:
    """The Bitstring Status List credential (unsigned)."""
    url = status_list_url(issuer_url, number)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": _issuer(issuer_id),
        "validFrom": format_time(issued_at),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }
