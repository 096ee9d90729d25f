"""``attain whatif [--plan DRAFT.yaml] [--quotas Q.csv|draft] --period P [--json]``: a draft
plan, draft quotas or both against the published run of the period, payee by payee.

With ``--quotas`` alone the published plans are calculated against the draft quotas."""

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
from attain.org.models import Person
from attain.payouts.errors import PayoutError
from attain.payouts.statements import OPERATOR
from attain.payouts.whatif import draft_quotas, whatif
from attain.warehouse.connection import WarehouseError

SIMPLE_COLUMNS = ("employee_id", "period", "amount")
"""The short form: ``employee_id, period, amount[, metric]``."""
IMPORT_COLUMNS = ("metric", "owner_type", "owner", "period", "amount")
"""The quota import format (docs/import-formats.md, quotas); currency and status are read
past, and only person quotas (the ones that pay) are used."""
DRAFT = "draft"


def read_quotas(path: Path) -> list[QuotaRow]:
    """Draft quotas from CSV, in the quota import format or the short form; errors name the
    row and column."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from error
    if not rows:
        raise CommandError(f"{path}: no quota rows")
    header = [name.strip() for name in rows[0]]
    rows = [{(key or "").strip(): (value or "").strip() for key, value in row.items()}
            for row in rows]
    wanted: tuple[str, ...]
    if "owner_type" in header:
        wanted, owner = IMPORT_COLUMNS, "owner"
    else:
        wanted, owner = SIMPLE_COLUMNS, "employee_id"
    missing = [c for c in wanted if c not in header]
    if missing:
        raise CommandError(f"{path}: missing column(s) {', '.join(missing)} (the quota import "
                           "format: metric, owner_type, owner, period, amount, currency; or "
                           "employee_id, period, amount[, metric])")
    people = set(Person.objects.values_list("employee_id", flat=True))
    quotas = []
    for number, row in enumerate(rows, 2):
        def problem(column: str, reason: str, number: int = number) -> CommandError:
            return CommandError(f"{path}, row {number}, column {column}: {reason}")

        if owner == "owner" and row["owner_type"] != "person":
            continue  # a team's, region's or company's quota pays nobody
        if row[owner] not in people:
            raise problem(owner, f"no person has employee id {row[owner]!r}")
        try:
            period = company_calendar().parse(row["period"])
        except PeriodError as error:
            raise problem("period", str(error)) from error
        try:
            amount = Decimal(row["amount"].replace(",", ""))
        except InvalidOperation:
            raise problem("amount", f"{row['amount']!r} is not a number") from None
        if not amount.is_finite() or amount < 0:
            raise problem("amount", f"{row['amount']!r} is not an amount of 0 or more")
        quotas.append(QuotaRow(row[owner], row.get("metric") or "bookings", period.start,
                               period.end, amount))
    if not quotas:
        raise CommandError(f"{path}: no person quotas (only they pay)")
    return quotas


class Command(BaseCommand):
    help = ("Compare a draft plan, draft quotas or both with the published run of a period.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--plan", default=None, help="the draft plan document (YAML)")
        parser.add_argument("--period", required=True, help="e.g. 2026-Q1")
        parser.add_argument("--quotas", default=None,
                            help="draft quotas: a CSV file (the quota import format) or "
                                 "'draft' for the quota versions in draft in the app")
        parser.add_argument("--json", action="store_true", help="print the comparison as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["plan"] and not options["quotas"]:
            raise CommandError("give a draft plan (--plan), draft quotas (--quotas) or both")
        text = None
        if options["plan"]:
            path = Path(options["plan"])
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"{path}: {error.strerror}") from error
        quotas: list[QuotaRow] = []
        try:
            if options["quotas"] == DRAFT:
                quotas = draft_quotas(options["period"])
                if not quotas:
                    raise CommandError("no quota is in draft for the plan year of "
                                       f"{options['period']}")
            elif options["quotas"]:
                quotas = read_quotas(Path(options["quotas"]))
            result = whatif(viewer=OPERATOR, plan_text=text, period=options["period"],
                            quotas=quotas)
        except (PayoutError, WarehouseError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), indent=2))
            return
        console = Console()
        what = (f"{result.plan} (draft)" if result.plan else "the published plans")
        if result.draft_quotas:
            what += f" with {result.draft_quotas} draft quota(s)"
        summary = Table(title=f"What if {what} in {result.period}")
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
