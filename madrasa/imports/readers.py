"""Reading an uploaded file (CSV or XLSX, UTF-8, Arabic welcome) as a header and rows of text.

Rows are numbered as a spreadsheet shows them (the header is row 1) and streamed, so a file of
100,000 rows is never held as Python objects all at once. Entirely empty rows are skipped but
keep their number.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from madrasa.core.text import normalise_header

MAX_ROWS = 200_000
MAX_COLUMNS = 60


class UnreadableFile(Exception):
    """The file as a whole cannot be read: `code` and `params` say why (see messages.py)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Table:
    header: list[str]  # normalised column names, in file order
    rows: Iterator[tuple[int, dict[str, str]]]  # (row number, column -> text)


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def open_table(data: bytes, filename: str) -> Table:
    """The file's header and an iterator over its rows. Raises UnreadableFile."""
    name = filename.lower()
    if is_xlsx(data) or name.endswith(".xlsx"):
        return _open_xlsx(data)
    if name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        return _open_csv(data)
    raise UnreadableFile("unknown_format")


def _header(cells: list[str]) -> list[str]:
    if len(cells) > MAX_COLUMNS:
        raise UnreadableFile("too_many_columns", max=MAX_COLUMNS)
    header = [normalise_header(c) for c in cells]
    seen: set[str] = set()
    for column in header:
        if column and column in seen:
            raise UnreadableFile("duplicate_column", column=column)
        seen.add(column)
    return header


def _as_row(header: list[str], cells: list[str]) -> dict[str, str] | None:
    row = {
        column: value.strip()
        for column, value in zip(header, cells, strict=False)
        if column and value and value.strip()
    }
    return row or None


def _open_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("not_utf8") from None
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in French save CSV with semicolons; tabs come from copy-paste.
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        first = next(reader)
    except StopIteration:
        raise UnreadableFile("no_rows") from None
    except csv.Error:
        raise UnreadableFile("not_utf8") from None
    header = _header(first)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in enumerate(reader, start=2):
            if number > MAX_ROWS + 1:
                raise UnreadableFile("too_many_rows", max=MAX_ROWS)
            row = _as_row(header, cells)
            if row is not None:
                yield number, row

    return Table(header, rows())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _open_xlsx(data: bytes) -> Table:
    # Imported here: only XLSX uploads pay for it. openpyxl ships no type information.
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        first = next(values, None)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError):
        raise UnreadableFile("not_xlsx") from None
    if first is None:
        workbook.close()
        raise UnreadableFile("no_rows")
    header_cells = [_cell_text(v) for v in first]
    while header_cells and not header_cells[-1]:
        header_cells.pop()
    header = _header(header_cells)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for number, cells in enumerate(values, start=2):
                if number > MAX_ROWS + 1:
                    raise UnreadableFile("too_many_rows", max=MAX_ROWS)
                row = _as_row(header, [_cell_text(v) for v in cells[: len(header)]])
                if row is not None:
                    yield number, row
        finally:
            workbook.close()

    return Table(header, rows())
