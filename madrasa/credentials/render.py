"""The printed form of a document: one A4 page in Arabic or in French, with a QR code carrying
the signed credential itself (`VC1:` payload), so it can be checked offline by scanning.

The wording of the official document is fixed per language here (it is the form's text, not
interface text), so both versions exist whatever the interface catalogues hold.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import segno

from madrasa.core.pdf import Document

from .documents import EXAM_NAMES, MENTIONS
from .models import IssuedCredential
from .payload import encode_qr

__all__ = ["qr_payload", "render_pdf"]

TEXT = {
    "fr": {
        "country": "Royaume du Maroc",
        "ministry": "Ministère de l'Éducation nationale",
        "title": "Attestation de scolarité",
        "intro": "Le directeur de l'établissement soussigné atteste que l'élève :",
        "name": "Nom et prénom",
        "code": "Code national (Massar)",
        "born": "Né(e) le",
        "school": "Établissement",
        "level": "Niveau",
        "year": "Année scolaire",
        "body": "est inscrit(e) dans cet établissement pour l'année scolaire {year}.",
        "purpose": "La présente attestation est délivrée pour servir et valoir ce que de droit.",
        "issued": "Délivrée le {date}",
        "valid": "Valable jusqu'au {date}",
        "number": "Document n° {uuid}",
        "revoked": "DOCUMENT RÉVOQUÉ le {date}",
        "transcript": "Relevé de notes",
        "transcript_intro": "Le directeur de l'établissement soussigné certifie que l'élève :",
        "period": "Période",
        "S1": "Premier semestre",
        "S2": "Second semestre",
        "Y": "Année scolaire complète",
        "transcript_body": "a obtenu les résultats suivants, publiés par l'établissement :",
        "subject": "Matière",
        "coefficient": "Coefficient",
        "average": "Moyenne",
        "general_average": "Moyenne générale",
        "rank": "Rang",
        "mention": "Mention",
        "exam_result": "Attestation de réussite",
        "exam_intro": "Il est attesté que le (la) candidat(e) :",
        "exam": "Examen",
        "session": "Session",
        "stream": "Filière",
        "exam_body": "a été déclaré(e) admis(e) à l'examen {exam} de l'année scolaire {year}.",
        "no_mark": "—",
        "verify": (
            "Document signé électroniquement (Ed25519, eddsa-rdfc-2022). Pour le vérifier, "
            "scannez le code QR sur la page /verify ou avec « madrasa verify ». Empreinte SHA-256 :"
        ),
    },
    "ar": {
        "country": "المملكة المغربية",
        "ministry": "وزارة التربية الوطنية",
        "title": "شهادة مدرسية",
        "intro": "يشهد مدير المؤسسة الموقع أسفله أن التلميذ(ة):",
        "name": "الاسم الكامل",
        "code": "الرمز الوطني (مسار)",
        "born": "تاريخ الازدياد",
        "school": "المؤسسة",
        "level": "المستوى",
        "year": "السنة الدراسية",
        "body": "مسجل(ة) بهذه المؤسسة برسم السنة الدراسية {year}.",
        "purpose": "سلمت هذه الشهادة للإدلاء بها عند الحاجة.",
        "issued": "سلمت بتاريخ {date}",
        "valid": "صالحة إلى غاية {date}",
        "number": "رقم الوثيقة {uuid}",
        "revoked": "وثيقة ملغاة بتاريخ {date}",
        "transcript": "كشف النقط",
        "transcript_intro": "يشهد مدير المؤسسة الموقع أسفله أن التلميذ(ة):",
        "period": "الفترة",
        "S1": "الدورة الأولى",
        "S2": "الدورة الثانية",
        "Y": "السنة الدراسية كاملة",
        "transcript_body": "حصل(ت) على النتائج التالية كما نشرتها المؤسسة:",
        "subject": "المادة",
        "coefficient": "المعامل",
        "average": "المعدل",
        "general_average": "المعدل العام",
        "rank": "الرتبة",
        "mention": "الميزة",
        "exam_result": "شهادة النجاح",
        "exam_intro": "يشهد أن المترشح(ة):",
        "exam": "الامتحان",
        "session": "الدورة",
        "stream": "الشعبة",
        "exam_body": "قد نجح(ت) في امتحان {exam} برسم السنة الدراسية {year}.",
        "no_mark": "—",
        "verify": (
            "وثيقة موقعة إلكترونيا (Ed25519). للتحقق منها، امسح رمز الاستجابة السريعة في "
            "صفحة التحقق من الوثائق. البصمة SHA-256:"
        ),
    },
}


def qr_payload(credential: IssuedCredential) -> str:
    return encode_qr(json.loads(credential.document))


def _draw_qr(pdf: Document, payload: str, *, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (no image library needed)."""
    qr = segno.make(payload, error="l", micro=False)
    rows = list(qr.matrix)
    modules = len(rows)
    cell = size / modules
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        start: int | None = None
        for c, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                pdf.rect(x + start * cell, y + r * cell, (c - start) * cell, cell, style="F")
                start = None


def _results(document: dict[str, Any]) -> dict[str, str]:
    """The credential's results by the fragment of their description id (#MATH, #average…)."""
    found: dict[str, str] = {}
    for result in document["credentialSubject"].get("result", []):
        ref = str(result.get("resultDescription", ""))
        found[ref.rsplit("#", 1)[-1]] = str(result.get("value", result.get("status", "")))
    return found


def _number(value: str, arabic: bool) -> str:
    return value if arabic else value.replace(".", ",")


def _mention(value: str, arabic: bool) -> str:
    for fr, ar in MENTIONS.values():
        if value == fr:
            return ar if arabic else fr
    return value


def _identity_rows(
    text: dict[str, str], credential: IssuedCredential, arabic: bool
) -> list[tuple[str, str]]:
    student = credential.student
    school = credential.school
    name = (
        f"{student.first_name_ar} {student.last_name_ar}"
        if arabic
        else f"{student.first_name_latn} {student.last_name_latn.upper()}"
    )
    return [
        (text["name"], name),
        (text["code"], student.national_code),
        (text["born"], student.birth_date.strftime("%d/%m/%Y")),
        (text["school"], f"{school.name_ar if arabic else school.name_fr} ({school.code})"),
    ]


def _attestation_body(
    pdf: Document, text: dict[str, str], credential: IssuedCredential, document: dict[str, Any]
) -> None:
    arabic = pdf.rtl
    level = _level_names(document["credentialSubject"]["achievement"].get("humanCode", ""))
    pdf.text_line(text["intro"])
    pdf.ln(2)
    pdf.pairs(
        [
            *_identity_rows(text, credential, arabic),
            (text["level"], level[1] if arabic else level[0]),
            (text["year"], credential.year.code),
        ]
    )
    pdf.ln(3)
    pdf.text_line(text["body"].format(year=credential.year.code))
    pdf.text_line(text["purpose"])


def _transcript_body(
    pdf: Document, text: dict[str, str], credential: IssuedCredential, document: dict[str, Any]
) -> None:
    from madrasa.grading.models import Subject

    arabic = pdf.rtl
    achievement = document["credentialSubject"]["achievement"]
    level = _level_names(achievement.get("humanCode", ""))
    period = str(achievement["id"]).rsplit("/", 1)[-1]
    results = _results(document)
    pdf.text_line(text["transcript_intro"])
    pdf.ln(1)
    pdf.pairs(
        [
            *_identity_rows(text, credential, arabic),
            (text["level"], level[1] if arabic else level[0]),
            (text["year"], credential.year.code),
            (text["period"], text.get(period, period)),
        ]
    )
    pdf.ln(2)
    pdf.text_line(text["transcript_body"])
    pdf.ln(1)
    names = {s.code: (s.name_fr, s.name_ar) for s in Subject.objects.all()}
    rows = []
    for description in achievement.get("resultDescription", []):
        if description.get("resultType") != "ext:SubjectAverage":
            continue
        code = str(description["id"]).rsplit("#", 1)[-1]
        name = names.get(code, (code, code))[1 if arabic else 0]
        coefficient = str(description["name"]).rsplit("coefficient ", 1)[-1].rstrip(")")
        average = results.get(code)
        rows.append(
            [
                name,
                _number(coefficient, arabic),
                _number(average, arabic) if average else text["no_mark"],
            ]
        )
    if rows:
        pdf.grid(
            [text["subject"], text["coefficient"], text["average"]],
            rows,
            widths=[100, 40, 40],
        )
        pdf.ln(2)
    totals = [(text["general_average"], _number(results.get("average", text["no_mark"]), arabic))]
    if "rank" in results:
        totals.append((text["rank"], results["rank"]))
    if "mention" in results:
        totals.append((text["mention"], _mention(results["mention"], arabic)))
    pdf.pairs(totals)


def _exam_body(
    pdf: Document, text: dict[str, str], credential: IssuedCredential, document: dict[str, Any]
) -> None:
    arabic = pdf.rtl
    achievement = document["credentialSubject"]["achievement"]
    exam_code, _, stream = str(achievement.get("humanCode", "")).partition("/")
    exam = EXAM_NAMES.get(exam_code, (exam_code, exam_code))[1 if arabic else 0]
    results = _results(document)
    pdf.text_line(text["exam_intro"])
    pdf.ln(2)
    rows = [
        *_identity_rows(text, credential, arabic),
        (text["exam"], f"{exam} {credential.year.code}"),
    ]
    if stream and stream != "-":
        rows.append((text["stream"], stream))
    rows.append((text["average"], _number(results.get("average", ""), arabic)))
    if "mention" in results:
        rows.append((text["mention"], _mention(results["mention"], arabic)))
    pdf.pairs(rows)
    pdf.ln(3)
    pdf.text_line(text["exam_body"].format(exam=exam, year=credential.year.code))
    pdf.text_line(text["purpose"])


BODIES = {
    "attestation": ("title", _attestation_body),
    "transcript": ("transcript", _transcript_body),
    "exam_result": ("exam_result", _exam_body),
}


def render_pdf(credential: IssuedCredential, lang: str) -> bytes:
    """The one-page PDF of a document in "ar" or "fr"."""
    text = TEXT["ar" if lang.startswith("ar") else "fr"]
    arabic = lang.startswith("ar")
    document: dict[str, Any] = json.loads(credential.document)
    school = credential.school
    title_key, body = BODIES.get(credential.kind, BODIES["attestation"])
    pdf = Document("ar" if arabic else "fr", title=text[title_key])
    pdf.add_page()
    pdf.text_line(text["country"], bold=True, align="C")
    pdf.text_line(text["ministry"], align="C")
    pdf.text_line(school.name_ar if arabic else school.name_fr, align="C")
    pdf.ln(4)
    pdf.heading(text[title_key], size=20)
    pdf.ln(3)
    body(pdf, text, credential, document)
    pdf.ln(3)
    issued = credential.issued_at.strftime("%d/%m/%Y")
    pdf.text_line(text["issued"].format(date=issued), align="E")
    valid_until = str(document.get("validUntil", ""))[:10]
    if valid_until:
        day = "/".join(reversed(valid_until.split("-")))
        pdf.text_line(text["valid"].format(date=day), align="E")
    if credential.revoked_at is not None:
        pdf.set_text_color(180, 0, 0)
        pdf.text_line(
            text["revoked"].format(date=credential.revoked_at.strftime("%d/%m/%Y")),
            bold=True,
            align="C",
        )
        pdf.set_text_color(0, 0, 0)
    # The QR code and the verification note at the foot of the page.
    size = 72.0
    top = 297 - 15 - size - 4
    left = 15.0 if not arabic else 210 - 15 - size
    _draw_qr(pdf, qr_payload(credential), x=left, y=top, size=size)
    note_x = 15 + size + 6 if not arabic else 15.0
    pdf.set_xy(note_x, top + 4)
    digest = hashlib.sha256(credential.document.encode("utf-8")).hexdigest()
    pdf.set_font(pdf.main_font, size=9)
    width = 210 - 30 - size - 6
    pdf.multi_cell(width, 5, pdf.bidi(text["verify"]), align=pdf.start)
    pdf.set_x(note_x)
    pdf.set_font("sans", size=8)
    pdf.multi_cell(width, 4, f"{digest[:32]}\n{digest[32:]}", align=pdf.start)
    pdf.set_x(note_x)
    pdf.set_font(pdf.main_font, size=9)
    pdf.multi_cell(width, 5, pdf.bidi(text["number"].format(uuid=credential.uuid)), align=pdf.start)
    return pdf.render()


def _level_names(code: str) -> tuple[str, str]:
    from madrasa.registry.models import Level

    level = Level.objects.filter(code=code).first()
    return (level.name_fr, level.name_ar) if level is not None else (code, code)
