"""`madrasa partitions list|create|detach|attach`: the school-year partitions of marks and
absences on PostgreSQL (docs/scale.md, "Partitioning").

    madrasa partitions list [--table marks_mark]
    madrasa partitions create [--year 2027-2028]        every year without its partitions
    madrasa partitions detach --year 2019-2020 [--table marks_mark]
    madrasa partitions attach --year 2019-2020 [--table marks_mark]

A detached year stays in the database as plain tables (marks_mark_y2019_2020, ...) that the
application no longer reads: dump them (pg_dump -t), then drop them, or attach them again.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from madrasa.core.errors import DomainError
from madrasa.core.partitions import supports_partitioning
from madrasa.marks.partitions import (
    PartitioningUnsupported,
    attach_year,
    create_year_partitions,
    detach_year,
    list_year_partitions,
)
from madrasa.registry.models import SchoolYear


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class Command(BaseCommand):
    help = (
        "School-year partitions of marks and absences (PostgreSQL): list, create, detach, attach."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="the partitions, their rows and size")
        listing.add_argument("--table", action="append", help="only this table (repeatable)")
        create = actions.add_parser("create", help="give school years their partitions")
        create.add_argument("--year", help="only this school year (e.g. 2027-2028)")
        for name, text in (
            ("detach", "detach a year's partitions, kept as plain tables for archive"),
            ("attach", "attach a detached year again"),
        ):
            sub = actions.add_parser(name, help=text)
            sub.add_argument("--year", required=True, help="the school year, e.g. 2019-2020")
            sub.add_argument("--table", action="append", help="only this table (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if not supports_partitioning(connection):
            self.stdout.write(_("Partitioning is PostgreSQL only; nothing to do."))
            return
        try:
            if action == "list":
                self._list(options["table"])
            elif action == "create":
                self._create(options["year"])
            else:
                year = self._year(options["year"])
                move = detach_year if action == "detach" else attach_year
                for done in move(actor=None, year=year, tables=options["table"]):
                    if not done.done:
                        self.stdout.write(
                            (
                                _("%(table)s: %(year)s is already detached (%(name)s).")
                                if action == "detach"
                                else _("%(table)s: %(year)s is already attached (%(name)s).")
                            )
                            % {"table": done.table, "year": year.code, "name": done.name}
                        )
                    elif action == "detach":
                        self.stdout.write(
                            _(
                                "%(table)s: %(year)s detached, kept as the table %(name)s "
                                "(about %(rows)s rows)."
                            )
                            % {
                                "table": done.table,
                                "year": year.code,
                                "name": done.name,
                                "rows": done.rows,
                            }
                        )
                    else:
                        self.stdout.write(
                            _(
                                "%(table)s: %(year)s attached from %(name)s "
                                "(%(rows)s rows moved in from the default partition)."
                            )
                            % {
                                "table": done.table,
                                "year": year.code,
                                "name": done.name,
                                "rows": done.rows,
                            }
                        )
        except PartitioningUnsupported as exc:
            self.stdout.write(str(exc.message))
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None

    def _year(self, code: str) -> SchoolYear:
        year = SchoolYear.objects.filter(code=code).first()
        if year is None:
            raise CommandError(
                _("There is no school year %(code)s (write it as 2019-2020).") % {"code": code}
            )
        return year

    def _list(self, tables: list[str] | None) -> None:
        rows = list_year_partitions(tables=tables)
        header = (_("table"), _("partition"), _("year"), _("state"), _("rows (est.)"), _("size"))
        lines = [header]
        for part in rows:
            if part.is_default:
                state = _("default")
            elif part.attached:
                state = _("attached")
            else:
                state = _("detached")
            lines.append(
                (
                    part.table,
                    part.name,
                    part.year or "-",
                    state,
                    f"{part.rows:,}",
                    _size(part.bytes),
                )
            )
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
        for line in lines:
            self.stdout.write(
                "  ".join(
                    str(cell).rjust(w) if i >= 4 else str(cell).ljust(w)
                    for i, (cell, w) in enumerate(zip(line, widths, strict=True))
                ).rstrip()
            )

    def _create(self, code: str | None) -> None:
        years = [self._year(code)] if code else list(SchoolYear.objects.order_by("starts_on"))
        created: list[str] = []
        for year in years:
            created += create_year_partitions(actor=None, year=year)
        for name in created:
            self.stdout.write(_("created %(name)s") % {"name": name})
        if not created:
            self.stdout.write(_("Every school year already has its partitions."))
