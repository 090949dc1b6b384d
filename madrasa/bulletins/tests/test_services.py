"""Computation runs (refusals, corrections), remarks and publication."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.bulletins.access import can_remark_on_line, visible_bulletins
from madrasa.bulletins.models import Bulletin, BulletinRun
from madrasa.bulletins.services import (
    BulletinTarget,
    execute_run,
    publish_bulletins,
    record_director_remark,
    record_teacher_remark,
    start_bulletin_run,
)
from madrasa.core.errors import InvalidInput, NotFound
from madrasa.core.models import AuditEvent
from madrasa.enrolment.services import current_year
from madrasa.marks.models import Mark
from madrasa.registry.models import Semester

from .conftest import compute_school
from .factories import close_term


def _target(period: str = "S1") -> BulletinTarget:
    return BulletinTarget.of(current_year(), period)


def test_a_run_is_queued_then_done_with_progress(world: World, computed: Bulletin) -> None:
    # given
    seen: list[tuple[str, int, int]] = []
    run = start_bulletin_run(
        actor=world.users[Role.MINISTRY], scope_kind="nation", target=_target(), schedule=False
    )
    assert run.status == "queued"
    # when
    finished = execute_run(
        run_uuid=run.uuid, progress=lambda r: seen.append((r.status, r.done, r.total)), batch_size=1
    )
    # then: two schools with pupils, one batch each
    assert finished is not None
    assert finished.status == "done"
    assert (finished.done, finished.total, finished.bulletins) == (2, 2, 3)
    assert seen == [("running", 0, 2), ("running", 1, 2), ("running", 2, 2), ("done", 2, 2)]
    assert AuditEvent.objects.filter(action="bulletins.compute", object_id=str(run.uuid)).exists()


def test_running_a_finished_run_again_changes_nothing(world: World, computed: Bulletin) -> None:
    run = BulletinRun.objects.get()
    before = Bulletin.objects.get(pk=computed.pk).computed_at
    assert execute_run(run_uuid=run.uuid) is not None
    assert Bulletin.objects.get(pk=computed.pk).computed_at == before


def test_a_failed_run_records_its_error(world: World, computed: Bulletin) -> None:
    run = start_bulletin_run(
        actor=None,
        scope_kind="school",
        scope_code=world.school.code,
        target=_target(),
        schedule=False,
    )
    from madrasa.grading.models import GradingPolicy

    GradingPolicy.objects.filter(year=current_year()).update(decimals=3)
    finished = execute_run(run_uuid=run.uuid)
    assert finished is not None
    assert finished.status == "failed"
    assert "two decimals" in finished.error


def test_it_refuses_unknown_scopes(world: World) -> None:
    with pytest.raises(NotFound):
        start_bulletin_run(actor=None, scope_kind="province", scope_code="999", target=_target())
    with pytest.raises(InvalidInput):
        BulletinTarget.of(current_year(), "S3")


def _publish(world: World, s1: Semester) -> int:
    close_term(world.school, s1)
    return publish_bulletins(
        actor=world.users[Role.DIRECTOR], school=world.school, target=_target()
    )


def test_publishing_needs_a_closed_term(world: World, computed: Bulletin) -> None:
    with pytest.raises(InvalidInput) as refused:
        publish_bulletins(actor=None, school=world.school, target=_target())
    assert refused.value.code == "term_open"


def test_publishing_signs_and_shows_the_bulletins_to_families(
    world: World, computed: Bulletin, s1: Semester
) -> None:
    parent = world.actor(Role.PARENT)
    assert not visible_bulletins(parent).filter(pk=computed.pk).exists()
    # when
    assert _publish(world, s1) == 2
    # then
    computed.refresh_from_db()
    assert computed.signed_by == world.users[Role.DIRECTOR]
    assert computed.published_at is not None
    assert visible_bulletins(parent).filter(pk=computed.pk).exists()
    assert AuditEvent.objects.filter(
        action="bulletins.publish", object_id=world.school.code
    ).exists()
    assert _publish(world, s1) == 0  # again: nothing to do


def test_publishing_refuses_marks_changed_after_the_computation(
    world: World, computed: Bulletin, s1: Semester
) -> None:
    Mark.objects.filter(enrolment=computed.enrolment).update(updated_at=timezone.now())
    with pytest.raises(InvalidInput) as refused:
        _publish(world, s1)
    assert refused.value.code == "stale"


def test_publishing_refuses_bulletins_never_computed(world: World, s1: Semester) -> None:
    with pytest.raises(InvalidInput) as refused:
        _publish(world, s1)
    assert refused.value.code == "not_computed"


def test_published_bulletins_are_recomputed_only_as_a_correction(
    world: World, computed: Bulletin, s1: Semester
) -> None:
    _publish(world, s1)
    Mark.objects.filter(enrolment=computed.enrolment, value=Decimal(12)).update(value=Decimal(20))
    # a plain recomputation is refused for the school
    with pytest.raises(InvalidInput) as refused:
        compute_school(world)
    assert refused.value.code == "published"
    # a national run leaves the published school as it is
    run = start_bulletin_run(actor=None, scope_kind="nation", target=_target(), schedule=False)
    finished = execute_run(run_uuid=run.uuid)
    assert finished is not None
    assert finished.skipped == 1
    assert Bulletin.objects.get(pk=computed.pk).lines.get(subject__code="MATH").average == Decimal(
        "13.50"
    )
    # when: a correction
    compute_school(world, correction=True)
    # then: recomputed, withdrawn from families, audited
    computed.refresh_from_db()
    assert computed.published_at is None
    assert computed.signed_by is None
    assert computed.lines.get(subject__code="MATH").average == Decimal("17.50")
    assert AuditEvent.objects.filter(action="bulletins.correct").exists()


def test_remarks_are_written_until_publication(
    world: World, computed: Bulletin, s1: Semester
) -> None:
    line = computed.lines.select_related("bulletin__enrolment", "subject").get(subject__code="MATH")
    other = computed.lines.select_related("bulletin__enrolment", "subject").get(subject__code="FR")
    teacher = world.actor(Role.TEACHER)
    assert can_remark_on_line(teacher, line)
    assert not can_remark_on_line(teacher, other)  # the teacher teaches MATH only
    record_teacher_remark(actor=teacher, line=line, text="  Très bien  ")
    record_director_remark(actor=world.actor(Role.DIRECTOR), bulletin=computed, text="Continue")
    line.refresh_from_db()
    computed.refresh_from_db()
    assert (line.teacher_remark, computed.director_remark) == ("Très bien", "Continue")
    assert AuditEvent.objects.filter(action="bulletins.teacher_remark").count() == 1
    _publish(world, s1)
    computed.refresh_from_db()
    with pytest.raises(InvalidInput):
        record_director_remark(actor=None, bulletin=computed, text="Changed")
