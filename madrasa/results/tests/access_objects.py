"""Objects of the results app for the access-matrix test (tests/security)."""

from __future__ import annotations

from typing import Any

from madrasa.grading.models import ExamScheme
from madrasa.results.models import ExamSession, Publication
from madrasa.results.services import create_session


def _session(world: Any, *, own: bool) -> ExamSession:
    code = "college_certificate" if own else "baccalaureat"
    scheme = ExamScheme.objects.get(year__is_current=True, code=code)
    found = ExamSession.objects.filter(scheme=scheme, session="normal").first()
    return found or create_session(actor=None, scheme=scheme, name=code)


def _publication(world: Any, *, own: bool) -> Publication:
    from django.utils import timezone

    session = _session(world, own=own)
    found = Publication.objects.filter(session=session).first()
    if found is not None:
        return found
    return Publication.objects.create(
        session=session, version=1, status="published", embargo_until=timezone.now()
    )


BUILDERS = {
    "exam_session": lambda world, own: _session(world, own=own).uuid,
    "publication": lambda world, own: _publication(world, own=own).uuid,
}
