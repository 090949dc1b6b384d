"""The WSGI fast path answers results-day lookups exactly as the API endpoint does."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from conftest import World
from madrasa.results.fastpath import ResultsFastPath
from madrasa.results.models import ExamSession
from madrasa.results.services import compute_results, publish_results

from .factories import BIRTH, candidate, marks, session_for, students

COMPARED = ("Content-Type", "Cache-Control", "ETag", "Retry-After")


def _session(world: World, *, embargo_hours: int = 0) -> ExamSession:
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
    publish_results(
        actor=None,
        session=session,
        embargo_until=timezone.now() + timedelta(hours=embargo_hours),
    )
    return session


def _fast(path: str, query: str, **extra: str) -> tuple[int, dict[str, str], bytes]:
    passed: list[str] = []

    def django_app(environ: dict[str, Any], start_response: Any) -> Any:
        passed.append(environ["PATH_INFO"])
        return get_wsgi_application()(environ, start_response)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "10.7.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "HTTP_ACCEPT_LANGUAGE": "en",
        **extra,
    }
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    # As Django's test client does: a request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(ResultsFastPath(django_app)(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert not passed, "answered by Django, not by the fast path"
    return seen["status"], seen["headers"], body


def _both(session: ExamSession, query: str, **extra: str) -> None:
    path = f"/api/v1/results/{session.uuid}/lookup"
    status, headers, body = _fast(path, query, **extra)
    from django.core.cache import cache

    cache.clear()  # the same attempt again, through Django
    sent: dict[str, Any] = {k: v for k, v in extra.items() if k.startswith("HTTP_")}
    django = Client(REMOTE_ADDR="10.7.0.1").get(
        f"{path}?{query}", HTTP_ACCEPT_LANGUAGE="en", **sent
    )
    assert status == django.status_code
    assert body == django.content
    for name in COMPARED:
        assert headers.get(name) == django.headers.get(name), name
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "X-Request-Id" in headers


@pytest.mark.parametrize(
    "query",
    [
        f"code=R000000000&birth_date={BIRTH.isoformat()}",
        "code=R000000000&birth_date=2001-01-01",
        "code=Z000000000&birth_date=2001-01-01",
        "code=R000000000",
    ],
)
def test_the_fast_path_answers_as_the_api(world: World, query: str) -> None:
    _both(_session(world), query)


def test_the_fast_path_answers_not_published_as_the_api(world: World) -> None:
    _both(_session(world, embargo_hours=2), f"code=R000000000&birth_date={BIRTH.isoformat()}")


def test_the_fast_path_answers_304_and_429_as_the_api(world: World, settings: Any) -> None:
    session = _session(world)
    query = f"code=R000000000&birth_date={BIRTH.isoformat()}"
    _status, headers, _body = _fast(f"/api/v1/results/{session.uuid}/lookup", query)
    _both(session, query, HTTP_IF_NONE_MATCH=headers["ETag"])
    settings.MADRASA_RESULTS_RATE_PER_ADDRESS = 0
    _both(session, query)


def test_anything_else_goes_to_django(world: World) -> None:
    called: list[str] = []

    def django_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        called.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        start_response("200 OK", [])
        return [b""]

    app = ResultsFastPath(django_app)
    base = {
        "REQUEST_METHOD": "GET",
        "HTTP_HOST": "testserver",
        "QUERY_STRING": "",
        "wsgi.url_scheme": "http",
    }
    for environ in (
        {**base, "PATH_INFO": "/results/"},
        {**base, "PATH_INFO": "/api/v1/results/x/lookup", "QUERY_STRING": "birth_date=nope"},
        {**base, "PATH_INFO": "/api/v1/results/x/lookup", "REQUEST_METHOD": "POST"},
        {**base, "PATH_INFO": "/api/v1/results/x/lookup", "HTTP_HOST": "evil.example"},
    ):
        app(environ, lambda *a: None)
    assert len(called) == 4
