"""`madrasa agency create NAME --purpose social_aid [--purpose health]`: register an agency (an
OAuth client, client-credentials grant) and print its client id and secret ONCE (only a hash of
the secret is kept).

`madrasa agency suspend NAME [--reason ...]` (at once: every request refused),
`madrasa agency reinstate NAME`, `madrasa agency purposes NAME --purpose ...`,
`madrasa agency list`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.agency.models import AgencyClient
from madrasa.agency.purposes import PURPOSES
from madrasa.agency.services import (
    create_agency_client,
    reinstate_agency_client,
    set_agency_purposes,
    suspend_agency_client,
)
from madrasa.core.errors import DomainError


def _client(name: str) -> AgencyClient:
    client = (
        AgencyClient.objects.filter(name=name).first()
        or AgencyClient.objects.filter(application__client_id=name).first()
    )
    if client is None:
        raise CommandError(f"no agency named {name!r} (or with that client id)")
    return client


class Command(BaseCommand):
    help = "Agencies (OAuth clients of other public services): create, suspend, list."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        purposes = ", ".join(sorted(PURPOSES))
        create = actions.add_parser("create", help="register an agency and print its secret once")
        create.add_argument("name")
        create.add_argument(
            "--purpose", action="append", required=True, help=f"one of: {purposes} (repeat)"
        )
        suspend = actions.add_parser("suspend", help="suspend an agency at once")
        suspend.add_argument("name", help="the agency's name or client id")
        suspend.add_argument("--reason", default="")
        reinstate = actions.add_parser("reinstate", help="lift a suspension")
        reinstate.add_argument("name")
        change = actions.add_parser("purposes", help="replace the purposes granted")
        change.add_argument("name")
        change.add_argument("--purpose", action="append", required=True)
        actions.add_parser("list", help="list the agencies")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                created = create_agency_client(
                    actor=None, name=options["name"], purposes=options["purpose"]
                )
                self.stdout.write(f"agency:        {created.client.name}")
                self.stdout.write(f"purposes:      {', '.join(created.client.purposes)}")
                self.stdout.write(f"client_id:     {created.client_id}")
                self.stdout.write(f"client_secret: {created.client_secret}")
                self.stdout.write("The secret is shown only now: store it safely.")
            elif action == "suspend":
                client = suspend_agency_client(
                    actor=None, client=_client(options["name"]), reason=options["reason"]
                )
                self.stdout.write(f"suspended: {client.name}")
            elif action == "reinstate":
                client = reinstate_agency_client(actor=None, client=_client(options["name"]))
                self.stdout.write(f"reinstated: {client.name}")
            elif action == "purposes":
                client = set_agency_purposes(
                    actor=None, client=_client(options["name"]), purposes=options["purpose"]
                )
                self.stdout.write(f"{client.name}: {', '.join(client.purposes)}")
            else:
                for client in AgencyClient.objects.select_related("application"):
                    state = "suspended" if client.is_suspended else "active"
                    self.stdout.write(
                        f"{client.name}\t{client.application.client_id}\t"
                        f"{','.join(client.purposes)}\t{state}"
                    )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
