"""`madrasa users ...`: create people, give and take roles, disable accounts (for operators).

    madrasa users create USERNAME [--first-name ..] [--last-name ..] [--email ..]
    madrasa users assign USERNAME ROLE [--region 04 | --province 421 | --school CODE | --pupil CODE]
    madrasa users revoke USERNAME ROLE [scope as above]
    madrasa users disable USERNAME
    madrasa users list [USERNAME]

The password of a new account is read from the terminal (twice), or from the environment
variable named by --password-env for scripted set-ups; it is never a command-line argument.
"""

from __future__ import annotations

import getpass
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Model

from madrasa.accounts.models import RoleAssignment, User
from madrasa.accounts.roles import Role
from madrasa.accounts.services import assign_role, create_user, disable_user, revoke_role
from madrasa.core.errors import DomainError
from madrasa.registry.models import Province, Region, School, Student

SCOPE_OPTIONS: dict[str, tuple[str, type[Model], str]] = {
    # option -> (scope field, model, lookup field)
    "region": ("region", Region, "code"),
    "province": ("province", Province, "code"),
    "school": ("school", School, "code"),
    "pupil": ("student", Student, "national_code"),
}


class Command(BaseCommand):
    help = "Manage accounts and their scoped roles."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an account")
        create.add_argument("username")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        create.add_argument("--email", default="")
        create.add_argument(
            "--password-env", help="read the password from this environment variable"
        )
        for name in ("assign", "revoke"):
            action = sub.add_parser(name, help=f"{name} a role")
            action.add_argument("username")
            action.add_argument("role", choices=[r.value for r in Role])
            for option, (_field, _model, lookup) in SCOPE_OPTIONS.items():
                action.add_argument(f"--{option}", help=f"scope: the {option}'s {lookup}")
        disable = sub.add_parser("disable", help="disable an account and end its sessions")
        disable.add_argument("username")
        listing = sub.add_parser("list", help="list accounts and their roles")
        listing.add_argument("username", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"do_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account named {username!r}")
        return user

    def _scope(self, options: dict[str, Any]) -> dict[str, Model]:
        scope: dict[str, Model] = {}
        for option, (field, model, lookup) in SCOPE_OPTIONS.items():
            value = options.get(option)
            if value:
                found = model._default_manager.filter(**{lookup: value}).first()
                if found is None:
                    raise CommandError(f"--{option}: no {option} with {lookup} {value!r}")
                scope[field] = found
        return scope

    def do_create(self, options: dict[str, Any]) -> None:
        if options["password_env"]:
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(f"the environment variable {options['password_env']} is empty")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the two passwords differ")
        user = create_user(
            actor=None,
            username=options["username"],
            password=password,
            first_name=options["first_name"],
            last_name=options["last_name"],
            email=options["email"],
        )
        self.stdout.write(f"created {user.username} ({user.uuid})")

    def do_assign(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        role = Role(options["role"])
        assign_role(actor=None, user=user, role=role, **self._scope(options))
        self.stdout.write(f"{user.username}: {role.value} assigned")

    def do_revoke(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        scope_ids = {f"{k}_id": v.pk for k, v in self._scope(options).items()}
        assignment = RoleAssignment.objects.filter(
            user=user, role=options["role"], is_active=True, **scope_ids
        ).first()
        if assignment is None:
            raise CommandError(f"{user.username} holds no such active role")
        revoke_role(actor=None, assignment=assignment)
        self.stdout.write(f"{user.username}: {options['role']} revoked")

    def do_disable(self, options: dict[str, Any]) -> None:
        user = disable_user(actor=None, user=self._user(options["username"]))
        self.stdout.write(f"{user.username} disabled; every session ended")

    def do_list(self, options: dict[str, Any]) -> None:
        users = User.objects.order_by("username")
        if options.get("username"):
            users = users.filter(username=options["username"])
        for user in users.prefetch_related("assignments"):
            roles = ", ".join(
                f"{a.role}:{a.region_id or a.province_id or a.school_id or a.student_id or '*'}"
                for a in user.assignments.all()
                if a.is_active
            )
            state = "" if user.is_active else " (disabled)"
            self.stdout.write(f"{user.username}{state}  {roles or '-'}")
