"""Transcripts (relevé de notes) and exam certificates: issued only from published data,
valid against the OB 3.0 schema, verifiable, tamper-evident and revocable, on both engines."""

from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from jsonschema import Draft201909Validator  # type: ignore[import-untyped]

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.bulletins.models import Bulletin, BulletinLine
from madrasa.core.errors import InvalidInput
from madrasa.credentials.keys import KeyStore
from madrasa.credentials.models import CredentialRequest, IssuedCredential, Kind
from madrasa.credentials.render import qr_payload, render_pdf
from madrasa.credentials.selectors import verify_here
from madrasa.credentials.services import request_credential, revoke_credential
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import current_year
from madrasa.grading.models import ExamScheme, Subject
from madrasa.registry.models import Stream
from madrasa.results.models import ExamCandidate, ExamSession, Publication, PublishedResult

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[1]
        / "jsonschemas"
        / "ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)


def _bulletin(world: World, *, published: bool = True, period: str = "S1") -> Bulletin:
    enrolment = Enrolment.objects.get(student=world.student, year=current_year())
    semester = None if period == "Y" else current_year().semesters.get(number=int(period[1]))
    bulletin = Bulletin.objects.create(
        enrolment=enrolment,
        semester=semester,
        period=period,
        general_average=Decimal("14.37"),
        rank=3,
        class_size=28,
        mention="bien",
        computed_at=timezone.now(),
        published_at=timezone.now() if published else None,
    )
    for code, coefficient, average in (
        ("AR", "4", Decimal("15.25")),
        ("MATH", "4", Decimal("13.50")),
        ("FR", "3", None),
    ):
        BulletinLine.objects.create(
            bulletin=bulletin,
            subject=Subject.objects.get(code=code),
            coefficient=Decimal(coefficient),
            average=average,
            marks_counted=0 if average is None else 3,
        )
    return bulletin


def _exam(world: World, *, outcome: str = "admitted", embargo_passed: bool = True) -> Publication:
    scheme = ExamScheme.objects.get(year=current_year(), code="baccalaureat")
    session = ExamSession.objects.create(year=current_year(), scheme=scheme, name="Bac 2026")
    ExamCandidate.objects.create(session=session, student=world.student, centre=world.school)
    embargo = timezone.now() + timedelta(hours=-1 if embargo_passed else 5)
    publication = Publication.objects.create(
        session=session,
        version=1,
        status=Publication.Status.PUBLISHED if embargo_passed else Publication.Status.SCHEDULED,
        embargo_until=embargo,
        rows=1,
    )
    stream = Stream.objects.order_by("id").first()
    PublishedResult.objects.create(
        publication=publication,
        national_code=world.student.national_code,
        birth_date=world.student.birth_date,
        payload={
            "name_ar": "x",
            "name_latn": "x",
            "stream": stream.code if stream else "",
            "average": "15.82",
            "mention": "bien",
            "outcome": outcome,
        },
    )
    return publication


def _ask(world: World, kind: str, **extra: Any) -> IssuedCredential:
    request = request_credential(
        actor=world.users[Role.PARENT], student=world.student, kind=kind, **extra
    )
    assert request.status == CredentialRequest.Status.ISSUED
    return IssuedCredential.objects.get(request=request)


def _check_lifecycle(world: World, credential: IssuedCredential) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(credential.document)
    Draft201909Validator(SCHEMA).validate(document)
    result = verify_here(credential.document)
    assert result.ok, result.reason
    assert [c.name for c in result.checks] == ["schema", "jsonld", "signature", "dates", "status"]
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["result"][0]["value"] = "19.99"
    assert verify_here(json.dumps(tampered)).code == "tampered"
    revoke_credential(actor=world.users[Role.DIRECTOR], credential=credential, reason="Erreur")
    assert verify_here(credential.document).code == "revoked"
    return document


def test_a_transcript_of_a_published_bulletin_is_issued_and_verifies(
    world: World, store: KeyStore
) -> None:
    bulletin = _bulletin(world)
    credential = _ask(world, Kind.TRANSCRIPT, period="S1")
    assert credential.kind == Kind.TRANSCRIPT
    document = json.loads(credential.document)
    subject = document["credentialSubject"]
    values = {r["resultDescription"].rsplit("#", 1)[1]: r["value"] for r in subject["result"]}
    assert values == {
        "AR": "15.25",
        "MATH": "13.50",
        "average": "14.37",
        "rank": "3/28",
        "mention": "Bien",
    }
    names = [d["name"] for d in subject["achievement"]["resultDescription"]]
    assert any("(coefficient 4)" in name for name in names)
    assert subject["achievement"]["id"].endswith(f"/{bulletin.enrolment.level.code}/S1")
    assert "validUntil" not in document
    _check_lifecycle(world, credential)


def test_a_transcript_needs_a_published_bulletin_and_a_period(
    world: World, store: KeyStore
) -> None:
    _bulletin(world, published=False)
    for period, code in (("S1", "not_published"), ("S2", "not_published"), ("", "bad_period")):
        with pytest.raises(InvalidInput) as failure:
            request_credential(
                actor=world.users[Role.PARENT],
                student=world.student,
                kind=Kind.TRANSCRIPT,
                period=period,
            )
        assert failure.value.code == code
    with pytest.raises(InvalidInput) as failure:
        request_credential(
            actor=world.users[Role.PARENT],
            student=world.student,
            kind=Kind.TRANSCRIPT,
            period="S1",
            year="1999-2000",
        )
    assert failure.value.code == "unknown_year"
    assert not CredentialRequest.objects.exists()
    assert not IssuedCredential.objects.exists()


def test_a_year_transcript_without_lines_still_validates(world: World, store: KeyStore) -> None:
    bulletin = _bulletin(world, period="Y")
    bulletin.lines.all().delete()
    credential = _ask(world, Kind.TRANSCRIPT, period="y")
    document = json.loads(credential.document)
    Draft201909Validator(SCHEMA).validate(document)
    assert verify_here(credential.document).ok


def test_an_admitted_exam_result_gives_a_certificate(world: World, store: KeyStore) -> None:
    _exam(world)
    credential = _ask(world, Kind.EXAM_RESULT)
    document = _check_lifecycle(world, credential)
    subject = document["credentialSubject"]
    assert subject["achievement"]["achievementType"] == "SecondarySchoolDiploma"
    values = {r["resultDescription"].rsplit("#", 1)[1]: r for r in subject["result"]}
    assert values["outcome"]["status"] == "Completed"
    assert values["average"]["value"] == "15.82"
    assert values["mention"]["value"] == "Bien"
    assert credential.school_id == world.school.pk


@pytest.mark.parametrize(
    ("outcome", "embargo_passed", "code"),
    [
        ("failed", True, "not_admitted"),
        ("resit", True, "not_admitted"),
        ("admitted", False, "not_published"),
    ],
)
def test_no_exam_certificate_unless_admitted_and_released(
    world: World, store: KeyStore, outcome: str, embargo_passed: bool, code: str
) -> None:
    _exam(world, outcome=outcome, embargo_passed=embargo_passed)
    with pytest.raises(InvalidInput) as failure:
        request_credential(
            actor=world.users[Role.PARENT], student=world.student, kind=Kind.EXAM_RESULT
        )
    assert failure.value.code == code
    assert not IssuedCredential.objects.exists()


def test_a_withdrawn_publication_gives_no_certificate(world: World, store: KeyStore) -> None:
    publication = _exam(world)
    Publication.objects.filter(pk=publication.pk).update(status=Publication.Status.WITHDRAWN)
    with pytest.raises(InvalidInput) as failure:
        request_credential(
            actor=world.users[Role.PARENT], student=world.student, kind=Kind.EXAM_RESULT
        )
    assert failure.value.code == "not_published"


def test_the_transcript_pdf_in_both_languages_and_the_api(
    world: World, store: KeyStore, tmp_path: Path
) -> None:
    _bulletin(world)
    response = world.client(Role.PARENT).post(
        "/api/v1/credential-requests",
        {"student_uuid": str(world.student.uuid), "kind": "transcript", "period": "S1"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["period"] == "S1"
    credential = IssuedCredential.objects.get(kind=Kind.TRANSCRIPT)
    for lang in ("ar", "fr"):
        pdf = render_pdf(credential, lang)
        assert pdf.startswith(b"%PDF")
        (tmp_path / f"transcript-{lang}.pdf").write_bytes(pdf)
    pdftotext = shutil.which("pdftotext")  # Debian's poppler-utils (make test installs it)
    text = (
        subprocess.run(  # noqa: S603  a fixed program on a file this test wrote
            [pdftotext, str(tmp_path / "transcript-fr.pdf"), "-"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        if pdftotext
        else ""
    )
    if pdftotext:
        assert "Relevé de notes" in text
        assert "13,50" in text


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_both_kinds_verify_with_the_cli_and_the_public_page(
    world: World, store: KeyStore, tmp_path: Path
) -> None:
    _bulletin(world, period="S2")
    _exam(world)
    transcript = _ask(world, Kind.TRANSCRIPT, period="S2")
    exam = _ask(world, Kind.EXAM_RESULT)
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(store.published()), encoding="utf-8")
    path = tmp_path / "transcript.json"
    path.write_text(transcript.document, encoding="utf-8")
    code, out = _cli(str(path), "--keys", str(keys), "--offline")
    assert (code, "VALID" in out) == (0, True)
    code, out = _cli(qr_payload(exam), "--json", "--offline")
    assert (code, json.loads(out)["outcome"]) == (0, "valid")
    path.write_text(transcript.document.replace('"15.25"', '"18.25"'), encoding="utf-8")
    code, out = _cli(str(path), "--offline")
    assert code == 1
    assert "changed after it was signed" in out

    page = Client().post("/verify/", {"payload": qr_payload(transcript)}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Authentic document" in page.content.decode()
    revoke_credential(actor=None, credential=exam, reason="Fraude")
    page = Client().post("/verify/", {"payload": exam.document}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Authentic document" not in page.content.decode()
    assert verify_here(exam.document).code == "revoked"
