"""The command-line faces of the engine: ``attain calc`` on CSV files and ``attain run``."""

from __future__ import annotations

import json
import textwrap
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.demo_company import load_small_demo

PLAN = """\
plan: ae
name: AE plan
version: 1
effective_from: 2026-01-01
payees: {roles: [rep]}
components:
  - id: bookings
    name: Bookings
    measure: {sum: amount}
    period: quarter
    quota: bookings
    payout:
      rate_table:
        on: attainment
        tiers:
          - {from: 0%, rate: 5%}
          - {from: 100%, rate: 10%}
  - id: team
    name: Team bookings
    measure: {sum: amount}
    credit: rollup
    period: quarter
    payout: {rate: 1%}
"""


def _folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(textwrap.dedent(text).strip() + "\n")
    (tmp_path / "plan.yaml").write_text(PLAN)
    return tmp_path


PEOPLE = """
    person_id,name,role,currency,manager_id
    boss,Bo Boss,rep,USD,
    ann,Ann Seller,rep,USD,boss
"""
TRANSACTIONS = """
    transaction_id,owner_id,booked_on,amount
    T1,ann,2026-01-10,80000
    T2,ann,2026-02-10,40000
    T3,boss,2026-02-11,1000
"""
QUOTAS = """
    person_id,period,amount
    ann,2026-Q1,100000
    boss,2026-Q1,50000
"""


def test_calc_prints_credited_attainment_and_earned_as_json(tmp_path: Path) -> None:
    folder = _folder(tmp_path, people=PEOPLE, transactions=TRANSACTIONS, quotas=QUOTAS)
    out = StringIO()
    call_command("calc", plan=folder / "plan.yaml", data=folder, period="2026-Q1", json=True,
                 stdout=out)
    report = json.loads(out.getvalue())
    by_payee = {p["payee_id"]: {c["component"]: c for c in p["components"]}
                for p in report["payees"]}
    ann = by_payee["ann"]["bookings"]
    # ann: 120,000 of 100,000 = 120%; 100,000 × 5% + 20,000 × 10% = 5,000 + 2,000 = 7,000
    assert (ann["credited"], ann["attainment"], ann["earned"]) == ("120000", "1.2", "7000")
    # boss is ann's manager: 1% of her 120,000 by roll-up = 1,200
    assert by_payee["boss"]["team"]["earned"] == "1200"
    assert [line["transaction_id"] for line in ann["lines"]] == ["T1", "T2", "T2"]


def test_calc_names_the_file_row_and_column_of_bad_data(tmp_path: Path) -> None:
    folder = _folder(tmp_path, people=PEOPLE, quotas=QUOTAS, transactions="""
        transaction_id,owner_id,booked_on,amount
        T1,ann,2026-01-10,80000
        T2,nobody,2026-02-10,40000
    """)
    with pytest.raises(CommandError, match=r"transactions.csv, row 3, column owner_id: "
                                           r"'nobody' is not a person_id"):
        call_command("calc", plan=folder / "plan.yaml", data=folder, period="2026-Q1")


def test_calc_reports_a_bad_plan_at_its_line(tmp_path: Path) -> None:
    folder = _folder(tmp_path, people=PEOPLE, transactions=TRANSACTIONS, quotas=QUOTAS)
    (folder / "plan.yaml").write_text(PLAN.replace("rate: 10%", "rate: ten"))
    with pytest.raises(CommandError, match=r"plan.yaml, line 17"):
        call_command("calc", plan=folder / "plan.yaml", data=folder, period="2026-Q1")


def test_calc_writes_csv_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path, people=PEOPLE, transactions=TRANSACTIONS, quotas=QUOTAS)
    call_command("calc", plan=folder / "plan.yaml", data=folder, period="2026-Q1",
                 out=tmp_path / "out", stdout=StringIO())
    lines = (tmp_path / "out" / "lines.csv").read_text().splitlines()
    assert lines[0].startswith("line_kind,payee_id")
    # ann's bookings: T1, and T2 twice (it crosses quota: one line per tier);
    # boss: T3 on bookings, and T1 and T2 by roll-up from ann on the team component
    assert len(lines) == 1 + 6


@pytest.mark.django_db
def test_run_command_prints_the_run_as_json(warehouse: str) -> None:
    load_small_demo(warehouse)
    out = StringIO()
    call_command("run", period="2026-Q1", json=True, stdout=out)
    result = json.loads(out.getvalue())
    assert result["period"] == "FY2026-Q1"
    assert result["counts"]["results_lines"] > 0
    assert set(result["totals"]) <= {"USD", "EUR", "AUD"}


@pytest.mark.django_db
def test_run_command_explains_a_bad_period(warehouse: str) -> None:
    with pytest.raises(CommandError, match="2026-Q5"):
        call_command("run", period="2026-Q5")
