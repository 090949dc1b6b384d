"""`madrasa bulletins compute`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import World
from madrasa.bulletins.models import Bulletin
from madrasa.enrolment.services import current_year


def test_it_computes_a_region_then_the_year(world: World, computed: Bulletin) -> None:
    code = current_year().code
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "bulletins",
        "compute",
        "--semester",
        f"{code}/1",
        "--region",
        world.region.code,
        stdout=out,
        stderr=err,
    )
    assert f"S1 {code}: 2 bulletins in 1 schools" in out.getvalue()
    assert "1/1 schools" in err.getvalue()
    call_command(
        "bulletins",
        "compute",
        "--semester",
        code,
        "--all",
        "--year-average",
        stdout=out,
        stderr=err,
    )
    assert Bulletin.objects.filter(period="Y").count() == 3
    assert (
        Bulletin.objects.get(enrolment=computed.enrolment, period="Y").general_average
        == computed.general_average
    )


def test_it_explains_a_bad_semester(world: World) -> None:
    with pytest.raises(CommandError, match="YEAR/1"):
        call_command("bulletins", "compute", "--semester", current_year().code, "--all")
    with pytest.raises(CommandError, match="unknown school year"):
        call_command("bulletins", "compute", "--semester", "1999-2000/1", "--all")
