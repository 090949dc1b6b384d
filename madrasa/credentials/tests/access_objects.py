"""Objects of the credentials routes for the access-matrix test: "own" belongs to world.student
(world.school), "other" to world.other_student (world.other_school)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from madrasa.accounts.roles import Role
from madrasa.credentials.keys import KeyStore
from madrasa.credentials.models import CredentialRequest, IssuedCredential, Kind
from madrasa.credentials.services import issue_attestation
from madrasa.enrolment.services import current_year


@cache
def _store() -> KeyStore:
    """A key store of this test process, outside the project (never the real keys)."""
    store = KeyStore(Path(tempfile.mkdtemp(prefix="madrasa-test-keys-")))
    store.create(issuer_url="https://madrasa.test")
    return store


def _request(world: Any, *, own: bool) -> str:
    student = world.student if own else world.other_student
    found = CredentialRequest.objects.filter(student=student).first()
    if found is None:
        found = CredentialRequest.objects.create(
            kind=Kind.ATTESTATION,
            student=student,
            school=student.school,
            year=current_year(),
            requested_by=world.users[Role.PARENT] if own else None,
        )
    return str(found.uuid)


def _credential(world: Any, *, own: bool) -> str:
    student = world.student if own else world.other_student
    found = IssuedCredential.objects.filter(student=student).first()
    if found is None:
        found = issue_attestation(actor=None, student=student, store=_store())
    return str(found.uuid)


BUILDERS = {
    "credential_request": _request,
    "credential": _credential,
    "status_list": lambda world, own: "1" if own else "2",
}
