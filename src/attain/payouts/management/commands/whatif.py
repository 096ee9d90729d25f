"""``attain whatif --plan DRAFT.yaml --period P [--quotas Q.csv] [--json]``: a draft plan
(and draft quotas) against the published run of the period, payee by payee."""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from attain.core.company import company_calendar
from attain.core.periods import PeriodError
from attain.engine.calculate import QuotaRow
from attain.payouts.errors import PayoutError
from attain.payouts.statements import OPERATOR
from attain.payouts.whatif import whatif
from attain.warehouse.connection import WarehouseError

QUOTA_COLUMNS = ("employee_id", "period", "amount")


def read_quotas(path: Path) -> list[QuotaRow]:
    """Draft quotas from CSV (employee_id, period, amount[, metric]); errors name the row
    and column."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from error
    if not rows:
        raise CommandError(f"{path}: no quota rows")
    missing = [c for c in QUOTA_COLUMNS if c not in rows[0]]
    if missing:
        raise CommandError(f"{path}: missing column(s) {', '.join(missing)}")
    quotas = []
    for number, row in enumerate(rows, 2):
        try:
            period = company_calendar().parse(row["period"])
        except PeriodError as error:
            raise CommandError(f"{path}, row {number}, column period: {error}") from error
        try:
            amount = Decimal(row["amount"].replace(",", ""))
        except InvalidOperation:
            raise CommandError(f"{path}, row {number}, column amount: {row['amount']!r} is "
                               "not a number") from None
        quotas.append(QuotaRow(row["employee_id"].strip(), (row.get("metric") or
                                                            "bookings").strip(),
                               period.start, period.end, amount))
    return quotas


class Command(BaseCommand):
    help = "Compare a draft plan (and draft quotas) with the published run of a period."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--plan", required=True, help="the draft plan document (YAML)")
        parser.add_argument("--period", required=True, help="e.g. 2026-Q1")
        parser.add_argument("--quotas", default=None, help="draft quotas (CSV)")
        parser.add_argument("--json", action="store_true", help="print the comparison as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["plan"])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        quotas = read_quotas(Path(options["quotas"])) if options["quotas"] else []
        try:
            result = whatif(viewer=OPERATOR, plan_text=text, period=options["period"],
                            quotas=quotas)
        except (PayoutError, WarehouseError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), indent=2))
            return
        console = Console()
        summary = Table(title=f"What if {result.plan} (draft) in {result.period}")
        for column in ("currency", "cost now", "cost with draft", "revenue", "share now",
                       "share with draft"):
            summary.add_column(column, justify="right")
        for total in result.totals:
            summary.add_row(total.currency, f"{total.old_cost:,.2f}", f"{total.new_cost:,.2f}",
                            f"{total.revenue:,.2f}",
                            f"{total.old_share:.2%}" if total.old_share is not None else "-",
                            f"{total.new_share:.2%}" if total.new_share is not None else "-")
        console.print(summary)
        console.print(f"{result.gainers} gain, {result.losers} lose, {result.unchanged} "
                      "unchanged")
        top = Table(title="Largest changes")
        for column in ("payee", "now", "with draft", "change"):
            top.add_column(column, justify="right")
        for change in result.top_changes:
            top.add_row(change.employee_id, f"{change.old:,.2f}", f"{change.new:,.2f}",
                        f"{change.delta:+,.2f}")
        console.print(top)
