"""Publication: snapshot, embargo, the public lookup (API), rate limits, withdrawal and
replacement."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.results.models import ExamMark, ExamSession, Publication, PublishedResult
from madrasa.results.services import compute_results, publish_results, withdraw_publication

from .factories import BIRTH, candidate, marks, session_for, students

D = Decimal
EMBARGO = datetime(2031, 7, 1, 10, 0, tzinfo=timezone.get_fixed_timezone(0))


def _college(world: World, count: int = 3) -> ExamSession:
    """A computed collège session: candidate i has regional MATH 9 + i (final rises with i)."""
    session = session_for("college_certificate", name="Certificat 2031")
    for i, pupil in enumerate(students(count, world.school)):
        row = candidate(session, pupil, centre=world.school)
        marks(
            row,
            [
                ("continuous", None, D("12")),
                ("local", "MATH", D("11")),
                ("regional", "MATH", D(9 + i)),
            ],
        )
    compute_results(actor=None, session=session)
    return session


def _url(session: ExamSession, code: str, birth: str = BIRTH.isoformat(), **extra: str) -> str:
    params = {"code": code, "birth_date": birth, **extra}
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return f"/api/v1/results/{session.uuid}/lookup?{query}"


def _get(url: str, *, address: str = "10.0.0.1", **headers: Any) -> Any:
    return Client(REMOTE_ADDR=address).get(url, HTTP_ACCEPT_LANGUAGE="en", **headers)


def _same(a: Any, b: Any) -> None:
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert a.get("Cache-Control") == b.get("Cache-Control")
    assert a.get("ETag") == b.get("ETag")


@pytest.fixture
def published(world: World) -> ExamSession:
    session = _college(world)
    publish_results(actor=world.actor(Role.MINISTRY), session=session, embargo_until=EMBARGO)
    return session


def test_it_snapshots_the_complete_results_into_the_publication(
    world: World, published: ExamSession
) -> None:
    # then: one row per candidate, with the small payload results day shows
    publication = Publication.objects.get(session=published)
    assert (publication.version, publication.status, publication.rows) == (1, "scheduled", 3)
    row = PublishedResult.objects.get(publication=publication, national_code="R000000000")
    # 0.3 * 12 + 0.3 * 11 + 0.4 * 9 = 10.50
    assert row.payload == {
        "name_ar": "سارة الإدريسي",
        "name_latn": "Sara Idrissi0",
        "stream": "",
        "average": "10.50",
        "mention": "passable",
        "outcome": "admitted",
    }
    assert row.birth_date == BIRTH
    event = AuditEvent.objects.get(action="results.publish")
    assert event.data["rows"] == 3
    assert event.actor_username == "ministry.user"


def test_before_the_embargo_every_code_gets_the_same_not_published(
    published: ExamSession,
) -> None:
    # when: a real code with its birth date, a wrong birth date and a code that does not exist
    with time_machine.travel(EMBARGO - timedelta(seconds=1), tick=False):
        right = _get(_url(published, "R000000000"))
        wrong = _get(_url(published, "R000000000", "2008-01-01"))
        unknown = _get(_url(published, "Z999999999"))

    # then
    assert right.status_code == 404
    assert right.json()["code"] == "not_published"
    _same(right, wrong)
    _same(right, unknown)
    assert b"R000000000" not in right.content


def test_at_the_embargo_the_pupil_sees_the_result_with_cache_headers(
    published: ExamSession, django_assert_num_queries: Any
) -> None:
    with time_machine.travel(EMBARGO, tick=False):
        first = _get(_url(published, "r000000002"))  # case and spaces do not matter
        # when: the publication is remembered, a lookup is one indexed read
        with django_assert_num_queries(1):
            again = _get(_url(published, "R000000002"))
        cached = _get(_url(published, "R000000002"), HTTP_IF_NONE_MATCH=first["ETag"])

    # then: 0.3 * 12 + 0.3 * 11 + 0.4 * 11 = 11.30
    assert first.status_code == 200
    body = first.json()
    assert body["average"] == "11.30"
    assert (body["mention"], body["outcome"], body["national_code"]) == (
        "passable",
        "admitted",
        "R000000002",
    )
    assert body["session"] == "Certificat 2031"
    assert first["Cache-Control"] == "private, max-age=60"
    assert first["ETag"] == again["ETag"]
    assert cached.status_code == 304
    assert cached.content == b""


def test_a_wrong_birth_date_and_an_unknown_code_get_the_same_answer(
    published: ExamSession,
) -> None:
    with time_machine.travel(EMBARGO + timedelta(hours=1), tick=False):
        wrong_birth = _get(_url(published, "R000000001", "2008-04-18"))
        unknown = _get(_url(published, "R000000099"))
        malformed = _get(_url(published, "R-1"))
        etag_probe = _get(_url(published, "R000000001", "2008-04-18"), HTTP_IF_NONE_MATCH='"*"')

    assert wrong_birth.status_code == 404
    assert wrong_birth.json()["code"] == "no_result"
    _same(wrong_birth, unknown)
    _same(wrong_birth, malformed)
    _same(wrong_birth, etag_probe)


def test_brute_forcing_the_birth_dates_of_one_code_fails(
    published: ExamSession, settings: Any
) -> None:
    # given: 10 attempts per code per hour, from as many addresses as the attacker likes
    settings.MADRASA_RESULTS_RATE_PER_CODE = 10
    start = BIRTH - timedelta(days=400)
    answers = []
    with time_machine.travel(EMBARGO + timedelta(minutes=5), tick=False):
        for day in range(800):  # every birth date over two years, the right one included
            birth = (start + timedelta(days=day)).isoformat()
            answers.append(
                _get(_url(published, "R000000001", birth), address=f"10.1.{day // 250}.{day % 250}")
            )
        later_same_hour = _get(_url(published, "R000000001"), address="10.9.9.9")
        other_code = _get(_url(published, "R000000002"), address="10.9.9.9")

    # then: the first 10 wrong dates get "no result", everything after is 429 (the right date
    # too), so the birth date is never found
    statuses = [a.status_code for a in answers]
    assert statuses[:10] == [404] * 10
    assert set(statuses[10:]) == {429}
    assert all(a.status_code != 200 for a in answers)
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1].json()["code"] == "rate_limited"
    assert later_same_hour.status_code == 429
    # other pupils are not affected
    assert other_code.status_code == 200
    # an unknown code is limited the same way (no oracle in the limit either)
    with time_machine.travel(EMBARGO + timedelta(minutes=6), tick=False):
        unknown = [_get(_url(published, "Q000000001"), address=f"10.2.0.{i}") for i in range(11)]
    assert [a.status_code for a in unknown] == [404] * 10 + [429]


def test_the_next_window_allows_new_attempts(published: ExamSession) -> None:
    with time_machine.travel(EMBARGO + timedelta(minutes=1), tick=False):
        for i in range(11):
            _get(_url(published, "R000000001", "2001-01-01"), address=f"10.3.0.{i}")
        assert _get(_url(published, "R000000001"), address="10.3.1.1").status_code == 429
    with time_machine.travel(EMBARGO + timedelta(hours=1, minutes=1), tick=False):
        assert _get(_url(published, "R000000001"), address="10.3.1.1").status_code == 200


def test_a_pupil_who_reloads_the_result_is_not_locked_out(published: ExamSession) -> None:
    with time_machine.travel(EMBARGO + timedelta(minutes=5), tick=False):
        answers = [_get(_url(published, "R000000001"), address=f"10.4.0.{i}") for i in range(25)]
    assert {a.status_code for a in answers} == {200}


def test_one_address_is_limited_per_minute(published: ExamSession, settings: Any) -> None:
    settings.MADRASA_RESULTS_RATE_PER_ADDRESS = 60
    with time_machine.travel(EMBARGO + timedelta(minutes=5), tick=False):
        answers = [_get(_url(published, f"R00000{i:04d}")) for i in range(70)]
    statuses = [a.status_code for a in answers]
    assert 429 not in statuses[:60]
    assert set(statuses[60:]) == {429}
    assert 0 < int(answers[-1]["Retry-After"]) <= 61


def test_a_published_pin_replaces_the_birth_date(world: World) -> None:
    from madrasa.results.models import ExamCandidate
    from madrasa.results.pins import hash_pin

    session = _college(world, count=1)
    ExamCandidate.objects.filter(session=session).update(
        pin_hash=hash_pin("R000000000", "48213907")
    )
    publish_results(actor=None, session=session)

    right = _get(_url(session, "R000000000", "", pin="48213907"))
    wrong = _get(_url(session, "R000000000", "", pin="48213906"))

    assert right.status_code == 200
    assert right.json()["average"] == "10.50"
    assert wrong.status_code == 404


def test_a_published_result_is_never_changed(published: ExamSession) -> None:
    row = PublishedResult.objects.filter(publication__session=published).first()
    assert row is not None
    with pytest.raises(ValueError, match="never changed"):
        row.save()
    # the database refuses it too, on both engines
    with pytest.raises(DatabaseError), transaction.atomic():
        PublishedResult.objects.filter(pk=row.pk).update(birth_date=BIRTH + timedelta(days=1))


def test_a_session_is_published_once(world: World, published: ExamSession) -> None:
    with pytest.raises(InvalidInput) as refused:
        publish_results(actor=None, session=published)
    assert refused.value.code == "already_published"
    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(session=published, version=9, embargo_until=EMBARGO)


def test_stale_results_are_not_published(world: World) -> None:
    session = _college(world, count=1)
    ExamSession.objects.filter(pk=session.pk).update(
        marks_imported_at=timezone.now() + timedelta(seconds=5)
    )
    session.refresh_from_db()
    with pytest.raises(InvalidInput) as refused:
        publish_results(actor=None, session=session)
    assert refused.value.code == "stale_results"


def test_a_withdrawn_publication_is_no_longer_served(world: World) -> None:
    session = _college(world)
    publication = publish_results(actor=None, session=session)
    assert _get(_url(session, "R000000000")).status_code == 200

    replacement = withdraw_publication(
        actor=world.actor(Role.MINISTRY), publication=publication, reason="Erreur de saisie"
    )

    assert replacement is None
    answer = _get(_url(session, "R000000000"))
    assert (answer.status_code, answer.json()["code"]) == (404, "not_published")
    publication.refresh_from_db()
    assert (publication.status, publication.reason) == ("withdrawn", "Erreur de saisie")
    assert AuditEvent.objects.filter(action="results.withdraw").count() == 1


def test_a_correction_replaces_the_publication_and_records_what_changed(world: World) -> None:
    # given: a publication, then a corrected mark (R000000000 goes from 10.50 to 10.90) and a
    # candidate who becomes incomplete (removed)
    session = _college(world, count=4)
    first = publish_results(actor=None, session=session)
    ExamMark.objects.filter(
        candidate__session=session,
        candidate__student__national_code="R000000000",
        component="regional",
    ).update(value=D("10"))
    ExamMark.objects.filter(
        candidate__session=session,
        candidate__student__national_code="R000000003",
        component="regional",
    ).delete()
    compute_results(actor=None, session=session)

    # when
    second = withdraw_publication(
        actor=None, publication=first, reason="Correction MATH", replace=True
    )

    # then
    assert second is not None
    assert (second.version, second.status, second.replaces_id) == (2, "published", first.pk)
    assert second.changes == {
        "replaces_version": 1,
        "rows": 3,
        "added": 0,
        "removed": 1,
        "average_changed": 1,
        "outcome_changed": 0,
        "codes": ["R000000000"],
        "removed_codes": ["R000000003"],
    }
    answer = _get(_url(session, "R000000000"))
    assert (answer.json()["average"], answer.json()["publication"]) == ("10.90", 2)
    assert _get(_url(session, "R000000003")).status_code == 404
    event = AuditEvent.objects.get(action="results.withdraw")
    assert event.data["changes"]["average_changed"] == 1
    assert event.data["replacement"] == str(second.uuid)


def test_the_lookup_uses_the_index(published: ExamSession) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the plan is checked on PostgreSQL")
    publication = Publication.objects.get(session=published)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT payload FROM results_publishedresult "
            "WHERE publication_id = %s AND national_code = %s AND birth_date = %s",
            [publication.pk, "R000000000", BIRTH],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "publishedresult_lookup" in plan
