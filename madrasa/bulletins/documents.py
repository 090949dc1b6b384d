"""A bulletin as a one-page A4 PDF, in Arabic or in French (madrasa.core.pdf.Document).

The printed bulletin is an official document in the two languages of Moroccan report cards, so
its wording is fixed here for both (not taken from the interface's translation catalogues,
which follow the reader's interface language and may lag behind).
"""

from __future__ import annotations

import re
from decimal import Decimal

from madrasa.core.pdf import Document, isolate_ltr

from .models import Bulletin, Period
from .selectors import bulletin_lines, semester_bulletins_of

__all__ = ["LANGUAGES", "bulletin_pdf"]

LANGUAGES = ("ar", "fr")

LABELS: dict[str, dict[str, str]] = {
    "ar": {
        "kingdom": "المملكة المغربية — وزارة التربية الوطنية",
        "title": "بيان النقط",
        "title_year": "بيان النقط السنوي",
        "school": "المؤسسة",
        "year": "السنة الدراسية",
        "period": "الفترة",
        "S1": "الأسدس الأول",
        "S2": "الأسدس الثاني",
        "Y": "السنة",
        "pupil": "التلميذ(ة)",
        "code": "رمز مسار",
        "birth": "تاريخ الازدياد",
        "class": "القسم",
        "subject": "المادة",
        "coefficient": "المعامل",
        "average": "المعدل",
        "remark": "ملاحظة الأستاذ(ة)",
        "semester_average": "معدل الأسدس",
        "weight": "الوزن",
        "general": "المعدل العام",
        "rank": "الرتبة",
        "of": "من",
        "mention": "الميزة",
        "decision": "مقترح القرار",
        "director_remark": "ملاحظة المدير(ة)",
        "signature": "توقيع المدير(ة)",
        "signed": "وقعه",
        "provisional": "نسخة غير منشورة",
        "none": "—",
        "passable": "مقبول",
        "assez_bien": "مستحسن",
        "bien": "حسن",
        "tres_bien": "حسن جدا",
        "promoted": "ينتقل",
        "repeat": "يكرر",
    },
    "fr": {
        "kingdom": "Royaume du Maroc — Ministère de l'Éducation nationale",
        "title": "Bulletin de notes",
        "title_year": "Bulletin annuel",
        "school": "Établissement",
        "year": "Année scolaire",
        "period": "Période",
        "S1": "Premier semestre",
        "S2": "Second semestre",
        "Y": "Année",
        "pupil": "Élève",
        "code": "Code Massar",
        "birth": "Date de naissance",
        "class": "Classe",
        "subject": "Matière",
        "coefficient": "Coefficient",
        "average": "Moyenne",
        "remark": "Appréciation du professeur",
        "semester_average": "Moyenne du semestre",
        "weight": "Poids",
        "general": "Moyenne générale",
        "rank": "Rang",
        "of": "sur",
        "mention": "Mention",
        "decision": "Proposition de décision",
        "director_remark": "Observation du directeur",
        "signature": "Signature du directeur",
        "signed": "Signé par",
        "provisional": "Version non publiée",
        "none": "—",
        "passable": "Passable",
        "assez_bien": "Assez bien",
        "bien": "Bien",
        "tres_bien": "Très bien",
        "promoted": "Admis(e)",
        "repeat": "Redouble",
    },
}


def _number(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return f"{value:.{places}f}"


def _coefficient(value: Decimal) -> str:
    return f"{value.normalize():f}"


_ARABIC = re.compile("[\u0600-\u06ff]")


def _free_text(text: str, *, arabic_document: bool) -> str:
    """A remark as typed. In the French bulletin an Arabic remark runs right to left; its numbers
    and Latin words are isolated so that "2025-2026" keeps its order (the Arabic document does
    this for every text)."""
    if not arabic_document and _ARABIC.search(text):
        return isolate_ltr(text)
    return text


def bulletin_pdf(bulletin: Bulletin, lang: str) -> bytes:
    """The bulletin on one A4 page. `lang` is "ar" or "fr"."""
    words = LABELS[lang if lang in LABELS else "fr"]
    arabic = lang == "ar"
    enrolment = bulletin.enrolment
    student = enrolment.student
    school = enrolment.school
    school_class = enrolment.school_class
    year_bulletin = bulletin.period == Period.YEAR
    doc = Document(lang, title=f"{words['title']} {student.national_code}")
    if not arabic:
        # Remarks may be written in Arabic: let each paragraph take its own direction (the
        # bidi algorithm) so Arabic words join and run right to left in the French bulletin.
        doc.set_text_shaping(use_shaping_engine=True)
    doc.add_page()
    doc.text_line(words["kingdom"], size=9, align="C")
    doc.heading(words["title_year"] if year_bulletin else words["title"])
    if bulletin.published_at is None:
        doc.text_line(words["provisional"], bold=True, size=9, align="C")
    name = (
        f"{student.first_name_ar} {student.last_name_ar}"
        if arabic
        else f"{student.last_name_latn.upper()} {student.first_name_latn}"
    )
    doc.pairs(
        [
            (words["school"], (school.name_ar if arabic else school.name_fr) + f" ({school.code})"),
            (words["year"], enrolment.year.code),
            (words["period"], words[bulletin.period]),
            (words["pupil"], name),
            (words["code"], student.national_code),
            (words["birth"], student.birth_date.strftime("%d/%m/%Y")),
            (words["class"], school_class.name if school_class is not None else ""),
        ]
    )
    doc.ln(2)
    if year_bulletin:
        rows = [
            [words[f"S{b.semester.number}"], _number(b.general_average)]
            for b in semester_bulletins_of(bulletin)
            if b.semester is not None
        ]
        doc.grid([words["period"], words["semester_average"]], rows, widths=[90, 90])
    else:
        rows = [
            [
                line.subject.name_ar if arabic else line.subject.name_fr,
                _coefficient(line.coefficient),
                _number(line.average),
                _free_text(line.teacher_remark, arabic_document=arabic),
            ]
            for line in bulletin_lines(bulletin)
        ]
        doc.grid(
            [words["subject"], words["coefficient"], words["average"], words["remark"]],
            rows,
            widths=[55, 22, 25, 78],
            size=9,
        )
    rank = (
        f"{bulletin.rank} {words['of']} {bulletin.class_size}" if bulletin.rank is not None else "—"
    )
    doc.pairs(
        [
            (words["general"], _number(bulletin.general_average)),
            (words["rank"], rank),
            (words["mention"], words.get(bulletin.mention, "—") if bulletin.mention else "—"),
            (
                words["decision"],
                words.get(bulletin.decision_proposal, "—") if bulletin.decision_proposal else "—",
            ),
        ]
    )
    doc.ln(2)
    doc.text_line(words["director_remark"], bold=True)
    doc.text_line(_free_text(bulletin.director_remark, arabic_document=arabic) or "—")
    doc.ln(8)
    signed = ""
    if bulletin.signed_by is not None and bulletin.signed_at is not None:
        who = bulletin.signed_by.get_full_name() or bulletin.signed_by.get_username()
        signed = f" — {words['signed']} {who}, {bulletin.signed_at.strftime('%d/%m/%Y')}"
    doc.text_line(f"{words['signature']}{signed}", align="E")
    doc.text_line("_______________________", align="E")
    return doc.render()
