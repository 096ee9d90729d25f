"""``attain demo --no-serve``: the main job builds the company, calculates it, and a second
run reuses what is there."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from attain import demo
from attain.engine.models import CalculationRun, RunStatus
from attain.org.models import Person


@pytest.mark.django_db
def test_demo_builds_calculates_and_then_reuses(warehouse: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTAIN_VAR_DIR", str(tmp_path))
    out = StringIO()
    options = {"no_serve": True, "people": 40, "as_of": None, "stdout": out}
    call_command("demo", **options)
    marker = json.loads((tmp_path / "demo.json").read_text())
    assert marker["counts"]["transactions"] > 1000
    # every quarter from the first plan's start (2024-10-01) to today is calculated
    assert len(marker["runs"]) >= 9
    assert CalculationRun.objects.filter(status=RunStatus.SUCCEEDED).count() == len(
        marker["runs"])
    assert Person.objects.filter(user__username="rep").exists()

    again = demo.build(demo.DemoOptions(people=40), reset=False)
    assert again.reused
    assert CalculationRun.objects.count() == len(marker["runs"])  # nothing recalculated
    assert [login for login, _role, _name in again.logins] == [
        "admin", "finance", "executive", "manager", "rep"]
