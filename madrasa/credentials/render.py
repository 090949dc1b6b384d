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


def render_pdf(credential: IssuedCredential, lang: str) -> bytes:
    """The one-page PDF of an attestation in "ar" or "fr"."""
    text = TEXT["ar" if lang.startswith("ar") else "fr"]
    arabic = lang.startswith("ar")
    document: dict[str, Any] = json.loads(credential.document)
    student = credential.student
    school = credential.school
    enrolment_level = document["credentialSubject"]["achievement"].get("humanCode", "")
    level = _level_names(enrolment_level)
    pdf = Document("ar" if arabic else "fr", title=text["title"])
    pdf.add_page()
    pdf.text_line(text["country"], bold=True, align="C")
    pdf.text_line(text["ministry"], align="C")
    pdf.text_line(school.name_ar if arabic else school.name_fr, align="C")
    pdf.ln(6)
    pdf.heading(text["title"], size=20)
    pdf.ln(4)
    pdf.text_line(text["intro"])
    pdf.ln(2)
    name = (
        f"{student.first_name_ar} {student.last_name_ar}"
        if arabic
        else f"{student.first_name_latn} {student.last_name_latn.upper()}"
    )
    pdf.pairs(
        [
            (text["name"], name),
            (text["code"], student.national_code),
            (text["born"], student.birth_date.strftime("%d/%m/%Y")),
            (text["school"], f"{school.name_ar if arabic else school.name_fr} ({school.code})"),
            (text["level"], level[1] if arabic else level[0]),
            (text["year"], credential.year.code),
        ]
    )
    pdf.ln(3)
    pdf.text_line(text["body"].format(year=credential.year.code))
    pdf.text_line(text["purpose"])
    pdf.ln(4)
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
