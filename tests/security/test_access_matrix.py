"""T4: every route x method x role, with an object inside and outside the actor's scope."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import Enrolment, Transfer
from madrasa.enrolment.services import request_transfer
from madrasa.registry.models import DuplicateCandidate
from madrasa.registry.services import create_school, create_student

MATRIX_PATH = Path(__file__).resolve().parents[2] / "security" / "access_matrix.yaml"
MATRIX: dict[str, Any] = yaml.safe_load(MATRIX_PATH.read_text(encoding="utf-8"))
ROUTES: dict[str, dict[str, Any]] = MATRIX["routes"]
# Each domain app may keep its routes in security/access_matrix.d/<app>.yaml (same format).
for _part in sorted((MATRIX_PATH.parent / "access_matrix.d").glob("*.yaml")):
    _routes = yaml.safe_load(_part.read_text(encoding="utf-8"))["routes"]
    _twice = set(_routes) & set(ROUTES)
    assert not _twice, f"{_part.name} repeats routes already listed: {sorted(_twice)}"
    ROUTES.update(_routes)
# Object kinds of later apps: madrasa/<app>/tests/access_objects.py defines
# BUILDERS = {"kind": build(world, own=...) -> str (the URL parameter's value)}.
OBJECT_BUILDERS: dict[str, Any] = {}
for _app in (
    "grading",
    "marks",
    "bulletins",
    "results",
    "credentials",
    "attendance",
    "health",
    "agency",
):
    try:
        _module = importlib.import_module(f"madrasa.{_app}.tests.access_objects")
    except ModuleNotFoundError:
        continue
    OBJECT_BUILDERS.update(_module.BUILDERS)
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def walk(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            found.extend(walk(pattern, prefix + str(pattern.pattern)))
        else:
            found.append((prefix + str(pattern.pattern), pattern))
    return found


def test_every_route_is_in_the_access_matrix() -> None:
    routes = {route for route, _ in walk(get_resolver())}
    missing = sorted(routes - set(ROUTES))
    stale = sorted(set(ROUTES) - routes)
    assert not missing, f"add these routes to {MATRIX_PATH.name}: {missing}"
    assert not stale, f"these routes in {MATRIX_PATH.name} no longer exist: {stale}"


def _object_value(world: World, kind: str | None, *, own: bool) -> str:
    if kind == "region":
        return (world.region if own else world.other_region).code
    if kind == "province":
        return (world.province if own else world.other_province).code
    if kind == "school":
        return str((world.school if own else world.other_school).uuid)
    if kind == "student":
        return str((world.student if own else world.other_student).uuid)
    if kind == "class":
        return str(world.classes[0 if own else 1].uuid)
    if kind == "enrolment":
        student = world.student if own else world.other_student
        return str(Enrolment.objects.get(student=student, status="active").uuid)
    if kind == "transfer":
        return str(_transfer(world, own=own).uuid)
    if kind == "duplicate":
        return str(_duplicate(world, own=own).pk)
    if kind == "import_batch":
        return str(_import_batch(world, own=own).uuid)
    if kind in OBJECT_BUILDERS:
        return str(OBJECT_BUILDERS[kind](world, own=own))
    raise AssertionError(f"unknown object kind {kind}")


def _import_batch(world: World, *, own: bool) -> Any:
    """An import run by the system into the world's school ("own": its directorate and
    director see it) or into the other school."""
    from madrasa.imports.services import apply_batch, receive_batch
    from madrasa.imports.tests.factories import csv_bytes, pupil_row

    school = (world.school if own else world.other_school).code
    data = csv_bytes([pupil_row(0, code_etablissement=school)])
    batch, _created = receive_batch(actor=None, kind="pupils", filename="x.csv", data=data)
    return apply_batch(batch=batch, actor=None)


def _transfer(world: World, *, own: bool) -> Transfer:
    """A request to move world.student (own) or world.other_student (other) to a third school of
    the same province: the pupil's own director, directorate, academy and parent see it."""
    student = world.student if own else world.other_student
    existing = Transfer.objects.filter(student=student).first()
    if existing is not None:
        return existing
    province = world.province if own else world.other_province
    target = create_school(
        actor=None,
        code="T0003" if own else "T0004",
        name_fr="École cible",
        name_ar="المدرسة المستقبلة",
        province=province,
        milieu="urban",
    )
    return request_transfer(
        actor=world.users[Role.PARENT] if own else None,
        student=student,
        to_school=target,
        reason="Déménagement",
    )


def _duplicate(world: World, *, own: bool) -> DuplicateCandidate:
    """A possible duplicate of world.student (own) or world.other_student (other), in the same
    school."""
    student = world.student if own else world.other_student
    existing = DuplicateCandidate.objects.filter(other=student).first()
    if existing is not None:
        return existing
    twin = create_student(
        actor=None,
        first_name_ar=student.first_name_ar,
        last_name_ar=student.last_name_ar,
        first_name_latn=student.first_name_latn + "e",
        last_name_latn=student.last_name_latn,
        birth_date=student.birth_date,
        gender=student.gender,
        school=student.school,
    )
    return DuplicateCandidate.objects.get(student=twin, other=student)


def _url(route: str, value: str | None) -> str:
    return "/" + (PARAM.sub(value, route) if value is not None else route)


def _cells() -> list[tuple[str, str, str]]:
    cells = []
    for route, spec in ROUTES.items():
        for method in HTTP_METHODS:
            for who in spec.get(method, {}):
                cells.append((route, method, who))
    return cells


def _client(world: World, who: str) -> Client:
    if who == "anonymous":
        return Client()
    return world.client(Role(who))


def _call(client: Client, method: str, url: str) -> Any:
    return getattr(client, method.lower())(url)


@pytest.mark.parametrize(("route", "method", "who"), _cells())
def test_access_matrix_cell(world: World, route: str, method: str, who: str) -> None:
    spec = ROUTES[route]
    rule = spec[method][who]
    kind = spec.get("object")
    client = _client(world, who)
    has_param = bool(PARAM.search(route))
    own_url = _url(route, _object_value(world, kind, own=True) if has_param else None)
    other_url = _url(route, _object_value(world, kind, own=False) if has_param else None)

    if rule == "open":
        response = _call(client, method, own_url)
        assert response.status_code < 500
        return
    own = _call(client, method, own_url)
    other = _call(client, method, other_url) if has_param else own
    # A write sent with an empty body gets past access and is refused as invalid input (or a
    # form shown again); what matters here is that it was not refused for access.
    granted = {200} if method == "GET" else {200, 201, 302, 400, 409, 422}
    if rule in {"all", "allow"}:
        assert own.status_code in granted, (own_url, own.status_code)
        assert other.status_code in granted, (other_url, other.status_code)
    elif rule == "own":
        assert own.status_code in granted, (own_url, own.status_code)
        refused = {403, 404}
        if method != "GET" and route.startswith("api/"):
            # ninja validates a body before the endpoint runs: an empty one is refused (400/422)
            # invalid for everyone. The endpoints' own tests send real bodies across scopes.
            refused |= {400, 422}
        assert other.status_code in refused, (other_url, other.status_code)
    elif rule == "deny":
        for response, url in ((own, own_url), (other, other_url)):
            assert not 200 <= response.status_code < 300, (url, response.status_code)
            if who == "anonymous" and route.startswith("api/"):
                assert response.status_code in {401, 404}
            elif who == "anonymous":
                assert response.status_code == 302
                assert "/accounts/login/" in response["Location"]
    else:
        raise AssertionError(f"unknown rule {rule!r} for {route} {method} {who}")
    # A refused answer never carries the other pupil's national code.
    if rule != "all" and not 200 <= other.status_code < 300:
        assert world.other_student.national_code.encode() not in other.content


def test_no_page_or_api_leaks_the_other_pupil_to_a_parent(world: World) -> None:
    client = world.client(Role.PARENT)
    for route, spec in ROUTES.items():
        if "GET" not in spec:
            continue
        has_param = bool(PARAM.search(route))
        kind = spec.get("object")
        url = _url(route, _object_value(world, kind, own=False) if has_param else None)
        body = client.get(url).content
        assert world.other_student.national_code.encode() not in body, url
