"""Run by tests/scale/test_replica_standby.py in a fresh process whose settings come from the
environment, as in production: DATABASE_URL = the primary, MADRASA_REPLICA_URLS = its hot
standby. Writes through Django, waits for the standby to replay, reads through the router, and
prints what each read saw as JSON (`pg_is_in_recovery()` and the server's port, asked in the
same SQL statement as the rows)."""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def main() -> int:
    import django

    django.setup()
    from django.core.signals import request_started
    from django.db import connections, router, transaction
    from django.db.models.expressions import RawSQL

    from madrasa.core.routers import on_replica
    from madrasa.registry.models import Region

    def new_request() -> None:
        request_started.send(sender=None)

    def read(code: str) -> dict[str, Any]:
        queryset = Region.objects.filter(code=code).annotate(
            in_recovery=RawSQL("pg_is_in_recovery()", ()),
            port=RawSQL("inet_server_port()", ()),
        )
        row = queryset.values("name_fr", "in_recovery", "port").first()
        return {"alias": queryset.db, "row": row}

    with connections["default"].schema_editor() as editor:
        editor.create_model(Region)

    report: dict[str, Any] = {"aliases": sorted(connections.settings)}
    report["migrate_on_replica"] = router.allow_migrate("replica_0", "registry")

    # A request writes, then reads inside on_replica(): pinned to the primary.
    new_request()
    Region.objects.create(code="99", name_fr="Probe", name_ar="مسبار")
    with on_replica():
        report["after_own_write"] = read("99")

    # The next request waits for the standby to replay the write, then reads it there.
    new_request()
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + 20
    with connections["replica_0"].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() > deadline:
                print(json.dumps({"error": "the standby did not replay in 20 s"}))  # noqa: T201
                return 1
            time.sleep(0.05)
    report["outside_on_replica"] = read("99")
    with on_replica():
        report["on_replica"] = read("99")
        with transaction.atomic():
            report["in_transaction"] = read("99")
    # A write inside on_replica() still goes to the primary (a standby refuses writes).
    new_request()
    with on_replica():
        Region.objects.create(code="98", name_fr="Second", name_ar="ثان")
        report["write_in_block_read"] = read("98")
    print(json.dumps(report))  # noqa: T201  the test reads this
    return 0


if __name__ == "__main__":
    sys.exit(main())
