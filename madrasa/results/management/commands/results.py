"""`madrasa results …`: exam sessions from the command line (the exam administration's tools).

    madrasa results sessions
    madrasa results create-session --scheme baccalaureat [--year 2025-2026] [--resit] --name …
    madrasa results import-marks FILE --session ID [--lang fr]
    madrasa results compute --session ID
    madrasa results publish --session ID [--embargo 2026-06-14T10:00]
    madrasa results withdraw --publication UUID --reason "…" [--replace] [--embargo …]

ID is a session's uuid or number. `--as USERNAME` acts as that ministry account (default: the
system). Exit status: 0 done; 4 the import file has problems (listed, nothing written);
1 refused (unknown session, not computed…).
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from madrasa.accounts.cli import command_actor
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import DomainError
from madrasa.grading.models import ExamScheme
from madrasa.registry.models import SchoolYear
from madrasa.results.access import can_run_exams
from madrasa.results.models import ExamSession, Publication
from madrasa.results.services import (
    compute_results,
    create_session,
    import_marks,
    publish_results,
    withdraw_publication,
)

EXIT_FILE_PROBLEMS = 4


def _when(raw: str | None) -> datetime | None:
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        raise CommandError(
            _("%(value)s is not a date and time (2026-06-14T10:00)") % {"value": raw}
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _session(key: str) -> ExamSession:
    rows = ExamSession.objects.select_related("scheme", "year")
    try:
        found = rows.filter(uuid=UUID(key)).first()
    except ValueError:
        found = rows.filter(pk=int(key)).first() if key.isdigit() else None
    if found is None:
        raise CommandError(_("no exam session %(key)s") % {"key": key})
    return found


class Command(BaseCommand):
    help = "Exam sessions: create, import marks, compute, publish, withdraw (docs/results.md)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as", dest="username", default="", help="act as this user")
        parser.add_argument(
            "--lang",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="language of the messages (default: %(default)s)",
        )
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("sessions", help="list the exam sessions")
        create = actions.add_parser("create-session", help="create a session of a year's exam")
        create.add_argument("--scheme", required=True, choices=ExamScheme.Code.values)
        create.add_argument("--year", default="", help="school year code (default: current)")
        create.add_argument("--name", required=True)
        create.add_argument("--resit", action="store_true", help="the resit session")
        create.add_argument("--embargo", default="", help="planned release time")
        marks = actions.add_parser("import-marks", help="import a CSV file of exam marks")
        marks.add_argument("file", type=Path)
        marks.add_argument("--session", required=True)
        marks.add_argument("--max-errors", type=int, default=100)
        compute = actions.add_parser("compute", help="compute the session's results")
        compute.add_argument("--session", required=True)
        publish = actions.add_parser("publish", help="publish the results at a set time")
        publish.add_argument("--session", required=True)
        publish.add_argument("--embargo", default="", help="release time (default: now)")
        withdraw = actions.add_parser("withdraw", help="withdraw (and replace) a publication")
        withdraw.add_argument("--publication", required=True, type=UUID)
        withdraw.add_argument("--reason", required=True)
        withdraw.add_argument("--replace", action="store_true", help="publish the correction")
        withdraw.add_argument("--embargo", default="", help="release time of the correction")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["lang"]):
            try:
                self._handle(options)
            except DomainError as exc:
                raise CommandError(str(exc.message)) from None

    def _actor(self, username: str) -> Actor | None:
        return command_actor(
            username,
            allowed=can_run_exams,
            refusal=_("%(name)s is not the exam administration"),
        )

    def _handle(self, options: dict[str, Any]) -> None:
        actor = self._actor(options["username"])
        action = options["action"]
        if action == "sessions":
            for session in ExamSession.objects.select_related("year", "scheme"):
                self.stdout.write(
                    f"{session.pk}\t{session.uuid}\t{session.year.code}\t{session.scheme.code}\t"
                    f"{session.session}\t{session.compute_state}\t{session.name}"
                )
        elif action == "create-session":
            year = (
                SchoolYear.objects.filter(code=options["year"]).first()
                if options["year"]
                else SchoolYear.objects.filter(is_current=True).first()
            )
            scheme = ExamScheme.objects.filter(year=year, code=options["scheme"]).first()
            if scheme is None:
                raise CommandError(_("that year has no such exam"))
            session = create_session(
                actor=actor,
                scheme=scheme,
                name=options["name"],
                session="resit" if options["resit"] else "normal",
                embargo_until=_when(options["embargo"]),
            )
            self.stdout.write(f"{session.pk}\t{session.uuid}")
        elif action == "import-marks":
            self._import(actor, options)
        elif action == "compute":
            counts = compute_results(actor=actor, session=_session(options["session"]))
            for outcome, count in sorted(counts.items()):
                self.stdout.write(f"{outcome or 'incomplete'}\t{count}")
        elif action == "publish":
            publication = publish_results(
                actor=actor,
                session=_session(options["session"]),
                embargo_until=_when(options["embargo"]),
            )
            self.stdout.write(
                f"{publication.uuid}\tv{publication.version}\t{publication.rows}\t"
                f"{publication.embargo_until.isoformat()}"
            )
        elif action == "withdraw":
            found = Publication.objects.filter(uuid=options["publication"]).first()
            if found is None:
                raise CommandError(_("no publication %(key)s") % {"key": options["publication"]})
            publication = found
            replacement = withdraw_publication(
                actor=actor,
                publication=publication,
                reason=options["reason"],
                replace=options["replace"],
                embargo_until=_when(options["embargo"]),
            )
            self.stdout.write(f"withdrawn\t{publication.uuid}")
            if replacement is not None:
                changes = replacement.changes
                self.stdout.write(
                    f"replaced by\t{replacement.uuid}\tv{replacement.version}\t"
                    f"rows {changes.get('rows')}\tadded {changes.get('added')}\t"
                    f"removed {changes.get('removed')}\t"
                    f"average changed {changes.get('average_changed')}\t"
                    f"outcome changed {changes.get('outcome_changed')}"
                )

    def _import(self, actor: Actor | None, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}
            ) from None
        outcome = import_marks(
            actor=actor, session=_session(options["session"]), data=data, filename=path.name
        )
        if outcome.ok:
            self.stdout.write(
                _("%(rows)s rows: %(marks)s marks written, %(new)s new candidates")
                % {
                    "rows": outcome.rows,
                    "marks": outcome.marks_written,
                    "new": outcome.candidates_created,
                }
            )
            return
        for problem in outcome.problems[: options["max_errors"]]:
            self.stderr.write(
                _("row %(row)s, column %(column)s, value “%(value)s”: %(message)s")
                % {
                    "row": problem.row,
                    "column": problem.column or "-",
                    "value": problem.value,
                    "message": problem.message,
                }
            )
        self.stderr.write(
            _("%(count)s problem(s): nothing was written") % {"count": len(outcome.problems)}
        )
        sys.exit(EXIT_FILE_PROBLEMS)
