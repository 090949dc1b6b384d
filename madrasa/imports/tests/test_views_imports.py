"""The import pages: upload, progress, report, errors CSV; who may see which import."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.imports.models import ImportBatch
from madrasa.imports.services import apply_batch, receive_batch
from madrasa.imports.tests.factories import csv_bytes, pupil_row
from madrasa.registry.models import Student

MATRIX = yaml.safe_load(
    (Path(__file__).resolve().parents[3] / "security" / "access_matrix.yaml").read_text("utf-8")
)
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = IMMEDIATE


def _upload(client: Client, data: bytes, name: str = "eleves.csv") -> Any:
    return client.post(
        "/imports/",
        {"file": SimpleUploadedFile(name, data, "text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_director_uploads_a_file_and_reads_the_report(
    world: World, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    client = world.client(Role.DIRECTOR)
    data = csv_bytes([pupil_row(0), pupil_row(1, date_naissance="31/02/2010"), pupil_row(2)])
    # when: the upload schedules the task, which runs once the request's transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, data)
    # then
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{batch.uuid}/"
    assert (batch.status, batch.created_count, batch.error_count) == ("done", 2, 1)
    assert batch.created_by == world.users[Role.DIRECTOR]
    assert 'dir="rtl"' in client.get(response["Location"]).content.decode()  # Arabic first
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "&quot;31/02/2010&quot; is not a date" in html
    assert f"/imports/{batch.uuid}/errors.csv" in html
    assert "<progress" not in html  # finished: the report, no progress bar
    progress = client.get(f"/imports/{batch.uuid}/progress/").json()
    assert progress | {"label": ""} == progress | {
        "status": "done",
        "finished": True,
        "total": 3,
        "processed": 3,
        "percent": 100,
        "created": 2,
        "errors": 1,
        "label": "",
    }
    errors = client.get(f"/imports/{batch.uuid}/errors.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert errors["Content-Type"] == "text/csv; charset=utf-8"
    text = errors.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert 'row 3, column date_naissance: ""31/02/2010"" is not a date' in text
    assert Student.objects.filter(birth_date__year=2017).count() == 2


def test_sending_the_same_file_again_changes_nothing_and_says_so(
    world: World, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client(Role.DIRECTOR)
    data = csv_bytes([pupil_row(0)])
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, data)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _upload(client, data, name="copie.csv")
    assert callbacks == []  # nothing scheduled
    assert ImportBatch.objects.count() == 1
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "This file was already imported: nothing changed." in page.content.decode()


def test_an_unfinished_import_shows_a_progress_bar_polled_by_a_script(world: World) -> None:
    # given: received, not yet run (no worker)
    client = world.client(Role.DIRECTOR)
    _upload(client, csv_bytes([pupil_row(0)]))
    batch = ImportBatch.objects.get()
    # when
    html = client.get(f"/imports/{batch.uuid}/").content.decode()
    # then
    assert f'data-progress-url="/imports/{batch.uuid}/progress/"' in html
    assert re.search(r'<script src="[^"]*imports/progress\.js" defer></script>', html)
    assert client.get(f"/imports/{batch.uuid}/progress/").json()["finished"] is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"x", "Choose a .csv or .xlsx file."),
        (b"%PDF", "This is not an XLSX workbook."),
    ],
)
def test_the_upload_form_refuses_other_files(world: World, data: bytes, message: str) -> None:
    name = "eleves.pdf" if data == b"x" else "eleves.xlsx"
    client = world.client(Role.DIRECTOR)
    response = client.post(
        "/imports/",
        {"file": SimpleUploadedFile(name, data, "text/csv")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_index_lists_the_columns_and_links_the_template(world: World) -> None:
    html = (
        world.client(Role.DIRECTORATE).get("/imports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "imports/modele_eleves.csv" in html
    assert "<code>date_naissance</code>" in html
    assert 'enctype="multipart/form-data"' in html


# --- Who sees which import -----------------------------------------------------------------


def _system_batch(world: World, *schools: str) -> ImportBatch:
    rows = [pupil_row(i, code_etablissement=code) for i, code in enumerate(schools)]
    batch, _created = receive_batch(
        actor=None, kind="pupils", filename="x.csv", data=csv_bytes(rows)
    )
    return apply_batch(batch=batch, actor=None)


@pytest.mark.parametrize(
    ("schools", "visible_to"),
    [
        (("T0001",), {Role.MINISTRY, Role.DIRECTORATE, Role.DIRECTOR}),
        (("T0002",), {Role.MINISTRY}),
        (("T0001", "T0002"), {Role.MINISTRY}),  # the report shows a row of another school
        (("T0001", "Z9999"), {Role.MINISTRY}),  # a row naming no known school
    ],
)
def test_an_import_is_seen_by_those_whose_scope_covers_every_row(
    world: World, schools: tuple[str, ...], visible_to: set[Role]
) -> None:
    batch = _system_batch(world, *schools)
    for role in (Role.MINISTRY, Role.DIRECTORATE, Role.DIRECTOR):
        response = world.client(role).get(f"/imports/{batch.uuid}/")
        assert response.status_code == (200 if role in visible_to else 404), role
        if role not in visible_to:
            assert b"Yassine" not in response.content


def test_the_sender_sees_their_import_even_with_rows_outside_their_scope(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    _upload(client, csv_bytes([pupil_row(0, code_etablissement="T0002")]))
    batch = ImportBatch.objects.get()
    apply_batch(batch=batch, actor=world.actor(Role.DIRECTOR))
    assert client.get(f"/imports/{batch.uuid}/").status_code == 200
    assert world.client(Role.DIRECTORATE).get(f"/imports/{batch.uuid}/").status_code == 404


BATCH_ROUTES = {
    route: spec for route, spec in MATRIX["routes"].items() if spec.get("object") == "import_batch"
}


@pytest.mark.parametrize(
    ("route", "method"),
    [
        (route, method)
        for route, spec in BATCH_ROUTES.items()
        for method in ("GET", "POST")
        if method in spec
    ],
)
def test_the_access_matrix_holds_for_import_routes(world: World, route: str, method: str) -> None:
    """The cells of security/access_matrix.yaml for the routes about one import, with an import
    into the actor's school ("own") and one into another school ("other")."""
    own = _system_batch(world, "T0001")
    other = _system_batch(world, "T0002")
    for who, rule in BATCH_ROUTES[route][method].items():
        client = Client() if who == "anonymous" else world.client(Role(who))
        call = client.get if method == "GET" else client.post
        urls = ["/" + route.replace("<uuid:batch_uuid>", str(b.uuid)) for b in (own, other)]
        codes = [call(url).status_code for url in urls]
        if rule == "all":
            assert codes == [200, 200], who
        elif rule == "own":
            assert codes == [200, 404], who
        else:
            assert rule == "deny", who
            assert all(not 200 <= code < 300 for code in codes), who
