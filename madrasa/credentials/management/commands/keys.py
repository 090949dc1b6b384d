"""`madrasa keys create|rotate|list|export`: the signing keys of verifiable documents."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.core.audit import record_event
from madrasa.credentials.keys import KeyStoreError, format_time, key_store


class Command(BaseCommand):
    help = (
        "Signing keys (files in MADRASA_KEYS_DIR). `create` makes the first key; `rotate` "
        "retires the active key (kept for verifying older documents) and makes a new one; "
        "`list` shows them; `export` prints the public key list served at /credentials/keys.json."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["create", "rotate", "list", "export"])
        parser.add_argument(
            "--issuer-url",
            help="public address of this platform, e.g. https://massar.example.ma (create only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store = key_store()
        action = options["action"]
        try:
            if action == "create":
                entry = store.create(issuer_url=options.get("issuer_url"))
                record_event(
                    actor=None,
                    action="credentials.key_create",
                    object_type="signing_key",
                    object_id=entry.kid,
                    data={"public": entry.public_key_multibase},
                )
                self.stdout.write(self.style.SUCCESS(f"created key {entry.kid}"))
                self.stdout.write(f"verification method: {entry.id}")
                self.stdout.write(f"private key: {store.directory / (entry.kid + '.pem')}")
            elif action == "rotate":
                old, new = store.rotate()
                record_event(
                    actor=None,
                    action="credentials.key_rotate",
                    object_type="signing_key",
                    object_id=new.kid,
                    data={"retired": old.kid, "public": new.public_key_multibase},
                )
                self.stdout.write(
                    self.style.SUCCESS(f"retired {old.kid}; new signing key {new.kid}")
                )
            elif action == "list":
                entries = store.entries()
                if not entries:
                    self.stdout.write("no keys yet: run `madrasa keys create`")
                for entry in entries:
                    until = format_time(entry.valid_until) if entry.valid_until else "-"
                    state = "active" if entry.active else "retired"
                    self.stdout.write(
                        f"{entry.kid}  {state:8}  from {format_time(entry.valid_from)}  "
                        f"until {until}  {entry.public_key_multibase}"
                    )
            else:
                self.stdout.write(json.dumps(store.published(), indent=2, ensure_ascii=False))
        except KeyStoreError as exc:
            raise CommandError(str(exc)) from None
