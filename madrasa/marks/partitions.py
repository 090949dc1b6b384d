"""School-year partitions of the big tables on PostgreSQL: marks (marks_mark) and absences
(attendance_mark) are partitioned by LIST (year_id), one partition per school year plus a DEFAULT
partition (migrations marks 0006 and attendance 0005). SQLite keeps plain tables.

A new school year gets its partitions from a trigger on registry_schoolyear, whichever path
creates the year. This module is what `madrasa partitions` runs: list the partitions, create a
year's partitions (idempotent; rows of that year waiting in the DEFAULT partition move in),
detach an old year for archive (the partition stays as a plain table, e.g.
marks_mark_y2019_2020, ready for pg_dump) and attach it again.

The tables are found in the catalogue (every table of the schema partitioned by LIST on
year_id), so this module needs no import of the apps above it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from madrasa.core.audit import Actor, record_event
from madrasa.core.errors import DomainError, InvalidInput
from madrasa.core.partitions import (
    PartitioningError,
    attach_partition,
    detach_partition,
    find_partition,
    list_partitions,
    partitioned_tables,
    supports_partitioning,
)
from madrasa.registry.models import SchoolYear

__all__ = [
    "YEAR_KEY",
    "PartitioningUnsupported",
    "YearPartition",
    "attach_year",
    "create_year_partitions",
    "detach_year",
    "list_year_partitions",
    "year_partition_name",
    "year_partitioned_tables",
]

YEAR_KEY = "year_id"


class PartitioningUnsupported(DomainError):
    code = "partitioning_unsupported"


@dataclass(frozen=True)
class YearPartition:
    """One partition of a table partitioned by year (or a detached one)."""

    table: str
    name: str
    year: str  # the school year's code; "" for the DEFAULT partition or an unknown year
    is_default: bool
    attached: bool
    rows: int  # estimate from the statistics
    bytes: int


def year_partition_name(table: str, code: str) -> str:
    """marks_mark + 2025-2026 → marks_mark_y2025_2026 (as the SQL function of marks 0006)."""
    return f"{table}_y{re.sub('[^a-z0-9]+', '_', code.lower())}"


def _require_postgresql() -> None:
    if not supports_partitioning(connection):
        raise PartitioningUnsupported(_("Partitioning is PostgreSQL only; nothing to do."))


def year_partitioned_tables() -> list[str]:
    """The tables partitioned by school year (empty on SQLite)."""
    if not supports_partitioning(connection):
        return []
    with connection.cursor() as cursor:
        return partitioned_tables(cursor, key=YEAR_KEY)


def _tables(only: Sequence[str] | None) -> list[str]:
    known = year_partitioned_tables()
    if not only:
        return known
    unknown = [t for t in only if t not in known]
    if unknown:
        raise InvalidInput(
            _("%(table)s is not partitioned by school year (these are: %(known)s).")
            % {"table": ", ".join(unknown), "known": ", ".join(known) or "-"},
            code="unknown_table",
        )
    return list(only)


def list_year_partitions(*, tables: Sequence[str] | None = None) -> list[YearPartition]:
    """Every partition of the tables partitioned by year, and the tables detached from them."""
    _require_postgresql()
    codes = dict(SchoolYear.objects.values_list("pk", "code"))
    by_name: dict[str, str] = {}
    for table in year_partitioned_tables():
        for pk, code in codes.items():
            base = year_partition_name(table, code)
            by_name[base] = by_name[f"{base}_{pk}"] = code
    out: list[YearPartition] = []
    with connection.cursor() as cursor:
        for table in _tables(tables):
            for part in list_partitions(cursor, table, detached_prefix=f"{table}_y"):
                if part.value is not None:
                    code = codes.get(part.value, "")
                else:
                    code = by_name.get(part.name, "")
                out.append(
                    YearPartition(
                        table=table,
                        name=part.name,
                        year=code,
                        is_default=part.is_default,
                        attached=part.attached,
                        rows=part.rows,
                        bytes=part.bytes,
                    )
                )
    return out


@transaction.atomic
def create_year_partitions(*, actor: Actor | None, year: SchoolYear) -> list[str]:
    """Give the year its partition in every table partitioned by year where it has none (rows
    of the year in the DEFAULT partition move in). Returns the partitions created; none when
    they all exist (running it again is harmless)."""
    _require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT madrasa_ensure_year_partitions(%s, %s)", [int(year.pk), str(year.code)]
        )
        created = [str(row[0]) for row in cursor.fetchall()]
    if created:
        record_event(
            actor=actor,
            action="partitions.create",
            object_type="school_year",
            object_id=year.code,
            data={"partitions": created},
        )
    return created


@dataclass(frozen=True)
class PartitionMove:
    table: str
    name: str
    done: bool  # False: it was already so (nothing changed)
    rows: int = 0  # detach: estimated rows; attach: rows moved in from the DEFAULT partition


def _find_detached(cursor: Any, table: str, year: SchoolYear) -> str | None:
    base = year_partition_name(table, str(year.code))
    for name in (base, f"{base}_{int(year.pk)}"):
        cursor.execute(
            "SELECT 1 FROM pg_class WHERE oid = to_regclass(%s) AND relkind = 'r' "
            "AND NOT relispartition",
            ['"' + name + '"'],
        )
        if cursor.fetchone():
            return name
    return None


@transaction.atomic
def detach_year(
    *, actor: Actor | None, year: SchoolYear, tables: Sequence[str] | None = None
) -> list[PartitionMove]:
    """Detach the year's partitions (all tables, or `tables`): each stays as a plain table of
    the same name, out of the application's reads, to dump and archive. Rows of that year
    written afterwards land in the DEFAULT partition (attach moves them back in). A year
    already detached is left as it is."""
    _require_postgresql()
    moves: list[PartitionMove] = []
    with connection.cursor() as cursor:
        for table in _tables(tables):
            name = find_partition(cursor, table, int(year.pk))
            if name is None:
                detached = _find_detached(cursor, table, year)
                if detached is None:
                    raise InvalidInput(
                        _("%(table)s has no partition for the school year %(year)s.")
                        % {"table": table, "year": year.code},
                        code="no_partition",
                    )
                moves.append(PartitionMove(table, detached, done=False))
                continue
            rows = next(
                (p.rows for p in list_partitions(cursor, table) if p.name == name),
                0,
            )
            detach_partition(cursor, table=table, value=int(year.pk))
            moves.append(PartitionMove(table, name, done=True, rows=rows))
    done = [m for m in moves if m.done]
    if done:
        record_event(
            actor=actor,
            action="partitions.detach",
            object_type="school_year",
            object_id=year.code,
            data={"tables": {m.table: {"partition": m.name, "rows": m.rows} for m in done}},
        )
    return moves


@transaction.atomic
def attach_year(
    *, actor: Actor | None, year: SchoolYear, tables: Sequence[str] | None = None
) -> list[PartitionMove]:
    """Attach again the year's detached tables (all tables, or `tables`), after moving into
    them the rows of the year written to the DEFAULT partition meanwhile. A year whose
    partition is attached is left as it is. Nothing changes if one table cannot be attached."""
    _require_postgresql()
    moves: list[PartitionMove] = []
    with connection.cursor() as cursor:
        for table in _tables(tables):
            attached = find_partition(cursor, table, int(year.pk))
            if attached is not None:
                moves.append(PartitionMove(table, attached, done=False))
                continue
            name = _find_detached(cursor, table, year)
            if name is None:
                raise InvalidInput(
                    _(
                        "There is no detached table of %(table)s for the school year %(year)s"
                        " (expected %(name)s)."
                    )
                    % {
                        "table": table,
                        "year": year.code,
                        "name": year_partition_name(table, str(year.code)),
                    },
                    code="no_detached_table",
                )
            try:
                with transaction.atomic():
                    moved = attach_partition(
                        cursor, table=table, key=YEAR_KEY, value=int(year.pk), name=name
                    )
            except PartitioningError as exc:
                raise InvalidInput(
                    _("%(name)s cannot be attached: %(why)s") % {"name": name, "why": str(exc)},
                    code="cannot_attach",
                ) from None
            except DatabaseError as exc:
                raise InvalidInput(
                    _("%(name)s cannot be attached: %(why)s")
                    % {"name": name, "why": str(exc).strip().splitlines()[0]},
                    code="cannot_attach",
                ) from None
            moves.append(PartitionMove(table, name, done=True, rows=moved))
    done = [m for m in moves if m.done]
    if done:
        record_event(
            actor=actor,
            action="partitions.attach",
            object_type="school_year",
            object_id=year.code,
            data={"tables": {m.table: {"partition": m.name, "moved_rows": m.rows} for m in done}},
        )
    return moves
