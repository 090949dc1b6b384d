"""`madrasa verify FILE-or-QR-payload`: check a credential (signature, issuer key, validity
dates, revocation). Exit status: 0 valid, 1 invalid, 2 valid but revocation not checked."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from madrasa.credentials.keys import KeyList
from madrasa.credentials.selectors import fetch_over_http, verify_here


def _is_file(source: str) -> bool:
    try:
        return Path(source).is_file()
    except (OSError, ValueError):  # a long QR payload is no file name
        return False


class Command(BaseCommand):
    help = (
        "Verify a credential: a JSON file, a baked badge image, the text of a QR code (VC1:…), "
        "or - for standard input. Uses this installation's key list unless --keys is given."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("source", help="a file, a QR payload, or - for standard input")
        parser.add_argument("--keys", help="a published key list (keys.json) to trust instead")
        parser.add_argument(
            "--offline",
            action="store_true",
            help="never fetch a status list from the network",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["source"]
        raw: bytes | str
        if source == "-":
            raw = sys.stdin.buffer.read()
        elif source.lstrip().startswith(("{", "VC1:", "vc1:")) or not _is_file(source):
            raw = source
        else:
            raw = Path(source).read_bytes()
        key_list = None
        if options.get("keys"):
            try:
                key_list = KeyList.from_document(
                    json.loads(Path(options["keys"]).read_text(encoding="utf-8"))
                )
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the key list {options['keys']}: {exc}") from None
        result = verify_here(
            raw, key_list=key_list, fetch=None if options["offline"] else fetch_over_http
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        else:
            for check in result.checks:
                mark = "ok  " if check.ok else "FAIL"
                self.stdout.write(f"{mark} {check.name} {check.detail}".rstrip())
            label = {"valid": "VALID", "unchecked": "NOT FULLY CHECKED", "invalid": "INVALID"}
            self.stdout.write(f"{label[result.outcome]}: {result.reason}")
        if result.outcome == "invalid":
            raise SystemExit(1)
        if result.outcome == "unchecked":
            raise SystemExit(2)
