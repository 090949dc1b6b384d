"""Reads of the imports app: a batch's progress and its error report (callers decide access)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .messages import describe, error_line, format_count
from .models import ImportBatch, ImportRow

__all__ = [
    "ErrorLine",
    "batch_progress",
    "error_csv_lines",
    "error_lines",
    "list_error_rows",
]


@dataclass(frozen=True)
class ErrorLine:
    row: int | None  # None for the file as a whole
    column: str
    value: str
    message: str  # what is wrong: "31/02/2010" is not a date
    sentence: str  # with where: row 1,204, column date_naissance: "31/02/2010" is not a date


def _line(row: int | None, value: str, error: dict[str, Any]) -> ErrorLine:
    column = error.get("column", "")
    params = error.get("params") or {}
    return ErrorLine(
        row,
        column,
        value,
        describe(error["code"], params),
        error_line(row, column, error["code"], params),
    )


def _lines_of_row(row: ImportRow) -> Iterator[ErrorLine]:
    for error in row.errors:
        column = error.get("column", "")
        yield _line(row.number, str(row.raw.get(column, "")) if column else "", error)


def _file_lines(batch: ImportBatch) -> Iterator[ErrorLine]:
    for error in batch.file_errors:
        yield _line(None, "", error)


def list_error_rows(batch: ImportBatch) -> QuerySet[ImportRow]:
    """The refused rows, in file order (an index serves it)."""
    return batch.rows.filter(outcome=ImportRow.Outcome.ERROR).order_by("number")


def error_lines(batch: ImportBatch, rows: list[ImportRow] | None = None) -> list[ErrorLine]:
    """The file's errors and those of `rows` (a page of `list_error_rows`), in the active
    language, one line per problem."""
    lines = list(_file_lines(batch))
    for row in rows or []:
        lines.extend(_lines_of_row(row))
    return lines


def error_csv_lines(batch: ImportBatch) -> Iterator[str]:
    """The error report as CSV text, streamed: a UTF-8 BOM and a header, then one line per
    problem (row, column, value, message; and the full sentence)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([_("row"), _("column"), _("value"), _("message"), _("report line")])
    yield "\ufeff" + flush()
    for line in _file_lines(batch):
        writer.writerow(["", line.column, "", line.message, line.sentence])
    for number, row in enumerate(list_error_rows(batch).iterator(chunk_size=2000), start=1):
        for line in _lines_of_row(row):
            writer.writerow([line.row, line.column, line.value, line.message, line.sentence])
        if number % 500 == 0:
            yield flush()
    yield flush()


def batch_progress(batch: ImportBatch) -> dict[str, Any]:
    """What the progress bar shows, as JSON."""
    total = batch.total_rows
    done = batch.applied_rows
    if batch.status == ImportBatch.Status.RECEIVED:
        label = _("Checking the file…")
    elif batch.is_finished:
        label = _("Finished.")
    else:
        label = _("%(done)s of %(total)s rows applied") % {
            "done": format_count(done),
            "total": format_count(total),
        }
    return {
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "finished": batch.is_finished,
        "total": total,
        "processed": done,
        "percent": round(100 * done / total) if total else (100 if batch.is_finished else 0),
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "errors": batch.error_count,
        "label": label,
    }
