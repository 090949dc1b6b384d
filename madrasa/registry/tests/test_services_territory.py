"""Loading Morocco's territory: 12 regions, 75 prefectures/provinces, idempotent, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from madrasa.core.audit import verify_chain
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.registry.models import Province, Region
from madrasa.registry.services import DATA_DIR, load_territory

pytestmark = pytest.mark.django_db


def test_it_loads_12_regions_and_75_prefectures_and_provinces() -> None:
    result = load_territory(actor=None)
    assert (result.regions_created, result.provinces_created) == (12, 75)
    assert Region.objects.count() == 12
    assert Province.objects.count() == 75
    assert Province.objects.filter(kind="prefecture").count() == 13
    casa = Province.objects.select_related("region").get(code="141")
    assert (casa.name_fr, casa.name_ar, casa.region.code) == ("Casablanca", "الدار البيضاء", "06")
    assert Region.objects.get(code="12").name_ar == "الداخلة وادي الذهب"
    counts = [r.provinces.count() for r in Region.objects.order_by("code")]
    assert counts == [8, 8, 9, 7, 5, 9, 8, 5, 6, 4, 4, 2]


def test_loading_twice_changes_nothing() -> None:
    load_territory(actor=None)
    before = list(Province.objects.values_list("id", "code", "name_ar").order_by("id"))
    result = load_territory(actor=None)
    assert (result.regions_created, result.provinces_created) == (0, 0)
    assert list(Province.objects.values_list("id", "code", "name_ar").order_by("id")) == before
    assert AuditEvent.objects.filter(action="territory.load").count() == 2
    assert verify_chain().ok


def test_a_broken_file_names_the_row_and_column_and_writes_nothing(tmp_path: Path) -> None:
    for name in ("regions.csv", "prefectures_provinces.csv"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    path = tmp_path / "prefectures_provinces.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("Ouezzane", "").replace(",province,", ",province,")
    cells = lines[5].split(",")
    cells[4] = ""
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (
        translation.override("en"),
        pytest.raises(InvalidInput, match=r"row 6, column division_name_fr"),
    ):
        load_territory(actor=None, data_dir=tmp_path)
    assert Region.objects.count() == 0


def test_the_command_loads_the_territory(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_territory")
    assert "12 regions created" in capsys.readouterr().out
