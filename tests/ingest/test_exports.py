"""Exports follow the pages' access rule and keep money exact in every format."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from attain.engine import run as engine_run
from attain.ingest import exports
from attain.org.models import Person
from attain.web import access
from tests.demo_company import load_small_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def calculated(warehouse: str) -> str:
    load_small_demo(warehouse)
    return engine_run.run(period="2026-Q1").run_id


def _user(username: str) -> object:
    return Person.objects.get(user__username=username).user


def test_each_role_exports_only_the_earnings_it_may_see(calculated: str, tmp_path: Path) -> None:
    everyone = pq.read_table(_export("earnings", tmp_path / "all.parquet", unrestricted=True))
    payees = set(everyone.column("payee_id").to_pylist())
    assert len(payees) > 3
    rep = Person.objects.get(user__username="rep")
    mine = pq.read_table(_export("earnings", tmp_path / "rep.parquet", user=_user("rep")))
    assert set(mine.column("payee_id").to_pylist()) == {rep.employee_id}
    manager = _export("earnings", tmp_path / "manager.parquet", user=_user("manager"))
    team = set(pq.read_table(manager).column("payee_id").to_pylist())
    # the people below the manager on the run's last day (31 March), and the manager
    below = access.visible_people(_user("manager"), dt.date(2026, 3, 31))
    assert below is not None and team == payees & below
    assert 1 < len(team) < len(payees)
    finance = pq.read_table(_export("earnings", tmp_path / "f.parquet", user=_user("finance")))
    assert finance.num_rows == everyone.num_rows
    executive = _export("earnings", tmp_path / "x.parquet", user=_user("executive"))
    assert pq.read_table(executive).num_rows == 0


def test_csv_excel_and_parquet_hold_the_same_exact_amounts(calculated: str,
                                                           tmp_path: Path) -> None:
    parquet = pq.read_table(_export("statements", tmp_path / "s.parquet", unrestricted=True))
    total = sum(parquet.column("amount").to_pylist(), Decimal(0))
    csv_rows = pa_csv.read_csv(_export("statements", tmp_path / "s.csv", unrestricted=True),
                               convert_options=pa_csv.ConvertOptions(
                                   column_types={"amount": parquet.schema.field("amount").type}))
    assert sum(csv_rows.column("amount").to_pylist(), Decimal(0)) == total
    book = openpyxl.load_workbook(_export("statements", tmp_path / "s.xlsx", unrestricted=True))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    column = header.index("amount")
    # Excel keeps numbers as doubles: each cell equals its decimal to the cent
    cells = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(cells) == parquet.num_rows
    assert sum(Decimal(str(value)).quantize(Decimal("0.01")) for value in cells) == total


def test_metrics_are_the_measures_of_the_run(calculated: str, tmp_path: Path) -> None:
    metrics = pq.read_table(_export("metrics", tmp_path / "m.parquet", unrestricted=True))
    measures = pq.read_table(_export("measures", tmp_path / "s.parquet", unrestricted=True))
    assert metrics.num_rows > 0 and metrics.equals(measures)
    assert {"payee_id", "attainment"} <= set(metrics.column_names)


def test_targets_of_a_rep_are_their_own_quotas(calculated: str, tmp_path: Path) -> None:
    rep = Person.objects.get(user__username="rep")
    data = pq.read_table(_export("targets", tmp_path / "t.parquet", user=_user("rep")))
    assert data.num_rows > 0 and set(data.column("owner").to_pylist()) == {rep.employee_id}


def test_attain_export_writes_the_file_and_refuses_unknown_users(
        calculated: str, tmp_path: Path) -> None:
    target = tmp_path / "earnings.csv"
    call_command("export", "earnings", str(target), "--user", "rep")
    assert target.read_text().splitlines()[0].startswith('"')
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="there is no user 'ghost'"):
        call_command("export", "earnings", str(target), "--user", "ghost")
    with pytest.raises(CommandError, match="unknown export format 'txt'"):
        call_command("export", "earnings", str(tmp_path / "x.txt"))


def _export(what: str, path: Path, **options: object) -> Path:
    exports.export(what, path, **options)  # type: ignore[arg-type]
    return path
