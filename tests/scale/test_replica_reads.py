"""Results-day lookups, agency batches and the dashboard read from a replica when one is
configured (issue 8); the rest stays on the primary. tests/scale/test_replica_standby.py proves the
router with a real standby; here a spying router records, for every ORM read and every raw read,
where the router *would* send it with one replica configured, and answers from the primary (the
test database), so the same rows are read. The tests commit (`flushable_db`): inside a test's
transaction every read stays on the primary, as the router promises."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client, override_settings
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.agency.services import CreatedClient
from madrasa.agency.tests.conftest import (  # fixtures used here
    bearer,
    get_token,
    month,  # noqa: F401  a fixture
    social_aid,  # noqa: F401  a fixture
)
from madrasa.core import routers
from madrasa.enrolment.services import current_year
from madrasa.results.models import ExamSession
from madrasa.results.services import compute_results, publish_results
from madrasa.results.tests.factories import BIRTH, candidate, marks, session_for, students
from madrasa.web.dashboard import request_refresh

REPLICA = "replica_0"
SEEN: list[tuple[str, str]] = []


class SpyRouter:
    """Asks the real rule (`read_alias`, one replica configured) and records its answer, then
    reads the primary: the test database is the only one there is."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        SEEN.append((model._meta.label, routers.read_alias()))
        return routers.PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        routers.pin_primary()
        return routers.PRIMARY


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    real = routers.read_alias

    def raw_alias(replicas: list[str] | None = None) -> str:
        SEEN.append(("raw SQL", real()))
        return routers.PRIMARY

    import madrasa.results.selectors as results_selectors
    import madrasa.web.dashboard as dashboard

    # one replica configured, as MADRASA_REPLICA_URLS would; raw reads recorded the same way
    monkeypatch.setattr(routers, "replica_aliases", lambda: [REPLICA])
    monkeypatch.setattr(results_selectors, "read_alias", raw_alias)
    monkeypatch.setattr(dashboard, "read_alias", raw_alias)
    routers.reset_pin()
    SEEN.clear()
    with override_settings(DATABASE_ROUTERS=["tests.scale.test_replica_reads.SpyRouter"]):
        yield SEEN
    SEEN.clear()
    routers.reset_pin()


def _published(world: World) -> ExamSession:
    session = session_for("college_certificate")
    [pupil] = students(1, world.school)
    row = candidate(session, pupil, centre=world.school)
    marks(
        row,
        [
            ("continuous", None, Decimal(12)),
            ("local", "MATH", Decimal(13)),
            ("regional", "MATH", Decimal(14)),
        ],
    )
    compute_results(actor=None, session=session)
    publish_results(actor=None, session=session, embargo_until=timezone.now() - timedelta(1))
    return session


def test_a_results_day_lookup_reads_only_from_the_replica(
    flushable_db: None, world: World, spy: list[tuple[str, str]]
) -> None:
    session = _published(world)
    from django.core.cache import cache

    cache.clear()
    from madrasa.results.selectors import forget_publications

    forget_publications()
    SEEN.clear()
    response = Client(REMOTE_ADDR="10.9.0.1").get(
        f"/api/v1/results/{session.uuid}/lookup?code=R000000000&birth_date={BIRTH.isoformat()}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200, response.content
    assert ("raw SQL", REPLICA) in spy  # the published line
    assert ("results.Publication", REPLICA) in spy  # the current publication
    assert all(alias == REPLICA for _, alias in spy), spy


def test_a_schooling_status_batch_reads_from_the_replica_and_logs_on_the_primary(
    flushable_db: None,
    world: World,
    social_aid: CreatedClient,  # noqa: F811  the fixture imported above
    month: date,  # noqa: F811  the fixture imported above
    spy: list[tuple[str, str]],
) -> None:
    token = get_token(social_aid)
    SEEN.clear()
    response = Client().post(
        "/api/v1/agency/schooling-status",
        {"month": f"{month:%Y-%m}", "identifiers": [{"national_code": "A100000001"}]},
        content_type="application/json",
        headers=bearer(token),
    )
    assert response.status_code == 200, response.content
    on_replica = {label for label, alias in spy if alias == REPLICA}
    assert {"attendance.StatusRun", "attendance.SchoolingStatus"} <= on_replica
    # the token is checked on the primary (a token just issued may not be replayed yet)
    assert ("oauth2_provider.AccessToken", routers.PRIMARY) in spy


def test_the_dashboard_and_its_refresh_read_from_the_replica(
    flushable_db: None, world: World, spy: list[tuple[str, str]]
) -> None:
    # the refresh (a background task; run at once here) counts the base tables on the replica
    refresh = request_refresh(actor=None, year=current_year())
    assert refresh.state == "done"
    assert ("enrolment.Enrolment", REPLICA) in spy
    # the page reads the stored figures there too (they are fresh: it writes nothing)
    client = world.client(Role.MINISTRY)
    SEEN.clear()
    response = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert ("web.IndicatorCell", REPLICA) in spy


def test_nothing_else_reads_from_the_replica(
    flushable_db: None, world: World, spy: list[tuple[str, str]]
) -> None:
    response = world.client(Role.DIRECTOR).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert spy
    assert all(alias == routers.PRIMARY for _, alias in spy), spy
