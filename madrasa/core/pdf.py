"""Printed documents (bulletins, attestations, certificates) as PDF, in Arabic or French.

Built on fpdf2 with HarfBuzz shaping (uharfbuzz) and the Unicode bidi algorithm, so Arabic
letters join and run right to left, while numbers and Latin names inside Arabic text keep their
order. The fonts are shipped in `fonts/` (Noto Naskh Arabic, Noto Sans), so no system font is
needed. Use `Document(lang)`: it sets the page direction and the fonts; `text()`, `heading()`
and `table()` align to the reading direction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONTS = Path(__file__).resolve().parent / "fonts"

# A left-to-right run inside right-to-left text: numbers, dates, codes, Latin names. fpdf2's bidi
# algorithm does not join "2025-2026" into one run (rule W4), so such runs are wrapped in Unicode
# isolates (LRI … PDI), which it honours.
_LTR_RUN = re.compile(
    r"[0-9A-Za-z\u00C0-\u024F][0-9A-Za-z\u00C0-\u024F.,:/+\- ]*[0-9A-Za-z\u00C0-\u024F]|[0-9A-Za-z]"
)


def isolate_ltr(text: str) -> str:
    """Wrap each left-to-right run of `text` in LRI … PDI, for right-to-left documents."""
    return _LTR_RUN.sub(lambda m: "\u2066" + m.group(0) + "\u2069", text)


class Document(FPDF):
    """An A4 page in the language's direction. `lang` is "ar", "fr" or "en"."""

    def __init__(self, lang: str, *, title: str = "") -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.lang = lang
        self.rtl = lang.startswith("ar")
        self.add_font("naskh", "", str(FONTS / "NotoNaskhArabic-Regular.ttf"))
        self.add_font("naskh", "B", str(FONTS / "NotoNaskhArabic-Bold.ttf"))
        self.add_font("sans", "", str(FONTS / "NotoSans-Regular.ttf"))
        self.add_font("sans", "B", str(FONTS / "NotoSans-Bold.ttf"))
        self.main_font = "naskh" if self.rtl else "sans"
        # A Latin name in an Arabic document (and the reverse) takes the other font.
        self.set_fallback_fonts(["sans" if self.rtl else "naskh"], exact_match=False)
        self.set_text_shaping(
            use_shaping_engine=True,
            direction="rtl" if self.rtl else "ltr",
            script="arab" if self.rtl else "latn",
            language="ara" if self.rtl else "fra",
        )
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=15)
        if title:
            self.set_title(title)
        self.set_creator("Madrasa")
        self.set_font(self.main_font, size=11)

    def bidi(self, text: str) -> str:
        return isolate_ltr(text) if self.rtl else text

    @property
    def start(self) -> Align:
        return Align.R if self.rtl else Align.L

    @property
    def end(self) -> Align:
        return Align.L if self.rtl else Align.R

    def heading(self, text: str, *, size: int = 15) -> None:
        self.set_font(self.main_font, "B", size)
        self.cell(
            0, size * 0.6, self.bidi(text), align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(2)
        self.set_font(self.main_font, size=11)

    def text_line(self, text: str, *, bold: bool = False, size: int = 11, align: str = "") -> None:
        """One line of text, aligned to the reading direction's start (or `align`: "C", "E")."""
        self.set_font(self.main_font, "B" if bold else "", size)
        where = {"C": Align.C, "E": self.end}.get(align, self.start)
        self.multi_cell(
            0, size * 0.55, self.bidi(text), align=where, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_font(self.main_font, size=11)

    def pairs(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label: value lines (identity block)."""
        for label, value in rows:
            self.text_line(f"{label} : {value}" if not self.rtl else f"{label}: {value}")

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[int] | None = None,
        size: int = 10,
    ) -> None:
        """A bordered table; in Arabic its columns run from the right."""
        header = list(header)
        rows = [list(r) for r in rows]
        col_widths: list[int] | None = list(widths) if widths is not None else None
        if self.rtl:
            header.reverse()
            rows = [list(reversed(r)) for r in rows]
            if col_widths is not None:
                col_widths.reverse()
        self.set_font(self.main_font, size=size)
        options: dict[str, Any] = {
            "text_align": "CENTER",
            "line_height": size * 0.6,
            "first_row_as_headings": True,
        }
        if col_widths is not None:
            options["col_widths"] = tuple(col_widths)
        with self.table(**options) as table:
            for line in [header, *rows]:
                row = table.row()
                for value in line:
                    row.cell(self.bidi(str(value)))
        self.ln(2)

    def render(self) -> bytes:
        return bytes(self.output())
