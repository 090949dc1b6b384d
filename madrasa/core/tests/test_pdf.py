"""Printed documents: Arabic runs right to left with numbers, dates and Latin names kept whole."""

from __future__ import annotations

from madrasa.core.pdf import Document, isolate_ltr

LRI, PDI = "\u2066", "\u2069"


def test_numbers_dates_codes_and_latin_names_are_isolated_in_arabic_text() -> None:
    assert isolate_ltr("السنة 2025-2026") == f"السنة {LRI}2025-2026{PDI}"
    assert isolate_ltr("المعدل: 14.25 / 20") == f"المعدل: {LRI}14.25 / 20{PDI}"
    assert isolate_ltr("ياسين (Yassine Alaoui)") == f"ياسين ({LRI}Yassine Alaoui{PDI})"
    assert isolate_ltr("الرمز A100000001") == f"الرمز {LRI}A100000001{PDI}"
    assert isolate_ltr("بدون أرقام") == "بدون أرقام"


def test_an_arabic_document_is_right_to_left_and_a_french_one_is_not() -> None:
    arabic, french = Document("ar"), Document("fr")
    assert arabic.rtl
    assert arabic.main_font == "naskh"
    assert not french.rtl
    assert french.main_font == "sans"
    assert arabic.bidi("2025-2026") == f"{LRI}2025-2026{PDI}"
    assert french.bidi("2025-2026") == "2025-2026"


def test_a_document_with_arabic_and_latin_text_renders_a_pdf_with_both_fonts() -> None:
    document = Document("ar", title="كشف النقط")
    document.add_page()
    document.heading("كشف النقط - الدورة الأولى 2025-2026")
    document.pairs([("التلميذ", "ياسين العلوي (Yassine Alaoui)"), ("المعدل العام", "14.25 / 20")])
    document.grid(
        ["المادة", "المعامل", "المعدل"], [["الرياضيات", "4", "15.50"]], widths=[80, 30, 40]
    )
    pdf = document.render()
    assert pdf.startswith(b"%PDF-")
    assert b"NotoNaskhArabic" in pdf  # the Arabic font is embedded (subset)
    assert b"NotoSans" in pdf  # and the Latin one, for the name in Latin letters
