"""The JSON of each document: Open Badges 3.0 credentials (unsigned), and the status list
credential. Pure functions of their arguments: no database access, no signing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from .keys import ISSUER_NAMES, format_time

__all__ = [
    "CONTEXTS",
    "EXAM_NAMES",
    "MENTIONS",
    "OB_SCHEMA_URL",
    "AttestationFacts",
    "ExamFacts",
    "PupilFacts",
    "TranscriptFacts",
    "TranscriptLine",
    "attestation_credential",
    "exam_result_credential",
    "status_list_credential",
    "status_list_url",
    "transcript_credential",
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


# The mention codes of the grading policies, as printed (fr, ar).
MENTIONS = {
    "passable": ("Passable", "مقبول"),
    "assez_bien": ("Assez bien", "مستحسن"),
    "bien": ("Bien", "حسن"),
    "tres_bien": ("Très bien", "حسن جدا"),
    "excellent": ("Excellent", "ممتاز"),
}
EXAM_NAMES = {
    "college_certificate": ("Certificat d'études collégiales", "شهادة الدروس الإعدادية"),
    "baccalaureat": ("Baccalauréat", "البكالوريا"),
    "baccalaureat_free": ("Baccalauréat (candidats libres)", "البكالوريا (المترشحون الأحرار)"),
}
PERIOD_NAMES = {"S1": "premier semestre", "S2": "second semestre", "Y": "année"}


@dataclass(frozen=True)
class PupilFacts:
    """Who a document is about, and the school that answers for it."""

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
    year_code: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name_latn} {self.last_name_latn.upper()}"


@dataclass(frozen=True)
class TranscriptLine:
    subject_code: str
    subject_name_fr: str
    coefficient: str
    average: str | None  # "14.50", or None when no mark counted


@dataclass(frozen=True)
class TranscriptFacts:
    """A published bulletin: the period, its subject lines and its totals (decimals as text)."""

    pupil: PupilFacts
    period: str  # S1, S2, Y
    level_code: str
    level_name_fr: str
    scale_max: str
    general_average: str | None
    rank: int | None
    class_size: int
    mention: str
    lines: tuple[TranscriptLine, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ExamFacts:
    """A published, admitted exam result."""

    pupil: PupilFacts
    exam_code: str  # the ExamScheme code (baccalaureat, college_certificate…)
    exam_name_fr: str
    session_name: str
    stream_code: str
    scale_max: str
    average: str
    mention: str


def _subject(pupil: PupilFacts) -> dict[str, Any]:
    return {
        "type": ["AchievementSubject"],
        "identifier": [
            _identity("sisSourcedId", pupil.national_code),
            _identity("name", pupil.full_name),
            _identity("ext:nameAr", f"{pupil.first_name_ar} {pupil.last_name_ar}"),
            _identity("ext:birthDate", pupil.birth_date.isoformat()),
        ],
        "term": pupil.year_code,
    }


def _school(issuer_url: str, pupil: PupilFacts) -> dict[str, Any]:
    return {
        "id": f"{issuer_url}/credentials/schools/{pupil.school_code}",
        "type": ["Profile"],
        "name": pupil.school_name_fr,
    }


def _envelope(
    pupil: PupilFacts,
    *,
    name: str,
    description: str,
    subject: dict[str, Any],
    issuer_url: str,
    issuer_id: str,
    issued_at: datetime,
    list_number: int,
    index: int,
) -> dict[str, Any]:
    """A record of results: no end of validity (the results stay true)."""
    return {
        "@context": list(CONTEXTS),
        "id": f"urn:uuid:{pupil.credential_uuid}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer(issuer_id),
        "validFrom": format_time(issued_at),
        "name": name,
        "description": description,
        "credentialSubject": subject,
        "credentialStatus": _status_entry(issuer_url, list_number, index),
        "credentialSchema": [{"id": OB_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def _scale(description_id: str, name: str, result_type: str, scale_max: str) -> dict[str, Any]:
    return {
        "id": description_id,
        "type": ["ResultDescription"],
        "name": name,
        "resultType": result_type,
        "valueMin": "0",
        "valueMax": scale_max,
    }


def _level(description_id: str, name: str, result_type: str) -> dict[str, Any]:
    return {
        "id": description_id,
        "type": ["ResultDescription"],
        "name": name,
        "resultType": result_type,
    }


def _result(description_id: str, value: str) -> dict[str, Any]:
    return {"type": ["Result"], "resultDescription": description_id, "value": value}


def transcript_credential(
    facts: TranscriptFacts,
    *,
    issuer_url: str,
    issuer_id: str,
    issued_at: datetime,
    list_number: int,
    index: int,
) -> dict[str, Any]:
    """A relevé de notes of a published bulletin: one result per subject average (the
    coefficient is in the result description's name), then the general average, the rank and
    the mention."""
    pupil = facts.pupil
    achievement_id = (
        f"{issuer_url}/credentials/achievements/transcript/"
        f"{pupil.year_code}/{facts.level_code}/{facts.period}"
    )
    period = PERIOD_NAMES.get(facts.period, facts.period)
    description = (
        f"Relevé de notes de {pupil.full_name} (code {pupil.national_code}), {period} de "
        f"l'année scolaire {pupil.year_code}, {facts.level_name_fr}, établissement "
        f"{pupil.school_name_fr} ({pupil.school_code})."
    )
    descriptions: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for line in facts.lines:
        ref = f"{achievement_id}#{line.subject_code}"
        descriptions.append(
            _scale(
                ref,
                f"{line.subject_name_fr} (coefficient {line.coefficient})",
                "ext:SubjectAverage",
                facts.scale_max,
            )
        )
        if line.average is not None:
            results.append(_result(ref, line.average))
    totals: list[tuple[dict[str, Any], str | None]] = [
        (
            _scale(
                f"{achievement_id}#average",
                "Moyenne générale",
                "GradePointAverage",
                facts.scale_max,
            ),
            facts.general_average,
        ),
        (
            _level(f"{achievement_id}#rank", "Rang", "ext:Rank"),
            f"{facts.rank}/{facts.class_size}" if facts.rank is not None else None,
        ),
        (
            _level(f"{achievement_id}#mention", "Mention", "ext:Mention"),
            MENTIONS.get(facts.mention, (facts.mention, ""))[0] or None,
        ),
    ]
    for description_row, value in totals:
        descriptions.append(description_row)
        if value is not None:
            results.append(_result(description_row["id"], value))
    subject = _subject(pupil)
    subject["source"] = _school(issuer_url, pupil)
    subject["achievement"] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "ext:Transcript",
        "name": f"Relevé de notes {facts.period} {pupil.year_code} — {facts.level_name_fr}",
        "description": description,
        "criteria": {
            "narrative": (
                "Moyennes du bulletin publié par l'établissement pour la période, calculées "
                "selon la politique d'évaluation de l'année."
            )
        },
        "humanCode": facts.level_code,
        "inLanguage": "fr",
        "creator": _school(issuer_url, pupil),
        "resultDescription": descriptions,
    }
    subject["result"] = results
    return _envelope(
        pupil,
        name=f"Relevé de notes {facts.period} {pupil.year_code}",
        description=description,
        subject=subject,
        issuer_url=issuer_url,
        issuer_id=issuer_id,
        issued_at=issued_at,
        list_number=list_number,
        index=index,
    )


def exam_result_credential(
    facts: ExamFacts,
    *,
    issuer_url: str,
    issuer_id: str,
    issued_at: datetime,
    list_number: int,
    index: int,
) -> dict[str, Any]:
    """A certificate of success at a national exam, from its published result."""
    pupil = facts.pupil
    stream = facts.stream_code or "-"
    achievement_id = (
        f"{issuer_url}/credentials/achievements/exam/{pupil.year_code}/{facts.exam_code}/{stream}"
    )
    stream_text = f", filière {facts.stream_code}" if facts.stream_code else ""
    description = (
        f"{pupil.full_name} (code {pupil.national_code}) est admis(e) à l'examen "
        f"{facts.exam_name_fr} {pupil.year_code}{stream_text} ({facts.session_name}), "
        f"avec la moyenne {facts.average}/{facts.scale_max}."
    )
    descriptions = [
        _level(f"{achievement_id}#outcome", "Résultat", "Status"),
        _scale(f"{achievement_id}#average", "Moyenne", "GradePointAverage", facts.scale_max),
        _level(f"{achievement_id}#mention", "Mention", "ext:Mention"),
    ]
    results: list[dict[str, Any]] = [
        {"type": ["Result"], "resultDescription": descriptions[0]["id"], "status": "Completed"},
        _result(descriptions[1]["id"], facts.average),
    ]
    mention = MENTIONS.get(facts.mention, (facts.mention, ""))[0]
    if mention:
        results.append(_result(descriptions[2]["id"], mention))
    subject = _subject(pupil)
    subject["achievement"] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "SecondarySchoolDiploma"
        if facts.exam_code.startswith("baccalaureat")
        else "Certificate",
        "name": f"{facts.exam_name_fr} {pupil.year_code}",
        "description": description,
        "criteria": {
            "narrative": (
                "Admission prononcée par la publication officielle des résultats de l'examen."
            )
        },
        "humanCode": f"{facts.exam_code}/{stream}",
        "inLanguage": "fr",
        "resultDescription": descriptions,
    }
    if facts.stream_code:
        subject["achievement"]["fieldOfStudy"] = facts.stream_code
    subject["result"] = results
    return _envelope(
        pupil,
        name=f"Attestation de réussite — {facts.exam_name_fr} {pupil.year_code}",
        description=description,
        subject=subject,
        issuer_url=issuer_url,
        issuer_id=issuer_id,
        issued_at=issued_at,
        list_number=list_number,
        index=index,
    )
