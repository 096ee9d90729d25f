"""``attain quotas allocate``: split a parent's quota over its children, to the cent;
``attain quotas approve --period P``: approve the latest draft versions;
``attain quotas check --owner team:T1 --period P``: the bottom-up check of saved quotas."""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from attain.core.company import company_calendar
from attain.core.money import D
from attain.core.periods import PeriodError
from attain.targets import actuals, services
from attain.targets.actuals import ActualsError
from attain.targets.allocation import METHODS, AllocationError, SeasonalityProfile
from attain.targets.management.commands._output import plain


def _numbers(text: str, what: str) -> list[Decimal]:
    try:
        return [D(part) for part in text.split(",") if part.strip()]
    except (TypeError, ValueError):
        raise CommandError(f"{what}: {text!r} is not a list of numbers like 25,50,75") from None


def _values(path: Path) -> dict[str, Decimal]:
    """owner,value rows (a header row first) from a CSV file; errors name the row."""
    if not path.exists():
        raise CommandError(f"no values file {path}")
    values: dict[str, Decimal] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or {"owner", "value"} - set(reader.fieldnames):
            raise CommandError(f"{path.name}: the header must name the columns owner,value")
        for number, row in enumerate(reader, start=2):
            try:
                values[row["owner"].strip()] = D(row["value"])
            except (TypeError, ValueError) as error:
                raise CommandError(f"{path.name}, row {number}, column value: {error}") from None
    return values


class Command(BaseCommand):
    help = "Allocate a parent's quota to its children (equal, historical, potential, manual)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["allocate", "approve", "check"],
                            help="allocate: split a quota; approve: approve the drafts; "
                                 "check: a parent's quota against its children's")
        parser.add_argument("--parent",
                            help="company, region:CODE or team:CODE (children from the org)")
        parser.add_argument("--amount", help="the parent's quota, e.g. 900000")
        parser.add_argument("--period", required=True, help="e.g. FY2026-Q1")
        parser.add_argument("--owner", help="approve: only this owner's quotas")
        parser.add_argument("--metric", default="bookings")
        parser.add_argument("--method", choices=METHODS, default="equal")
        parser.add_argument("--values", type=Path,
                            help="CSV owner,value: history, potential or manual amounts "
                                 "(historical without it: the metric a year earlier; "
                                 "potential without it: the employees of the accounts each "
                                 "child covers on the period's first day, an account with "
                                 "no headcount counting 1)")
        parser.add_argument("--seasonality", default="flat",
                            help="flat, learned (from the parent's last two years of the "
                                 "metric), or twelve monthly weights from January: 1,1,2,…")
        parser.add_argument("--ramp", default="25,50,75",
                            help="percent carried in a new hire's first months (default "
                                 "25,50,75)")
        parser.add_argument("--save", action="store_true", help="save the children's quotas")
        parser.add_argument("--approve", action="store_true", help="save them approved")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "approve":
            self._approve(options)
            return
        if options["action"] == "check":
            self._check(options)
            return
        if not options["parent"] or not options["amount"]:
            raise CommandError("allocate needs --parent and --amount")
        try:
            period = company_calendar().parse(options["period"])
            amount = D(options["amount"])
        except (PeriodError, TypeError, ValueError) as error:
            raise CommandError(str(error)) from None
        ramp = tuple(value / 100 for value in _numbers(options["ramp"], "--ramp"))
        profile = None
        if options["seasonality"] == "learned":
            try:
                profile = services.learned_seasonality(
                    metric=actuals.catalog_name(options["metric"]), owner=options["parent"],
                    before=period.start)
            except (AllocationError, ActualsError) as error:
                raise CommandError(f"--seasonality learned: {error}") from None
        elif options["seasonality"] != "flat":
            weights = _numbers(options["seasonality"], "--seasonality")
            try:
                profile = SeasonalityProfile(tuple(weights))
            except AllocationError as error:
                raise CommandError(f"--seasonality: {error}") from None
        values = _values(options["values"]) if options["values"] else None
        try:
            if values is None and options["method"] == "historical":
                values = services.history_values(
                    metric=options["metric"], period=period,
                    owners=services.children_of(options["parent"], period.start))
            result = services.allocate_quota(parent=options["parent"], amount=amount,
                                             period=period, method=options["method"],
                                             values=values, seasonality=profile, ramp=ramp)
            saved = services.save_allocation(result, metric=options["metric"],
                                             approve=options["approve"]) \
                if options["save"] or options["approve"] else []
        except (AllocationError, ActualsError, ValueError) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps({
                "parent": options["parent"], "period": period.label, "amount": plain(amount),
                "method": result.method,
                "children": [{"owner": child.key, "amount": plain(child.amount),
                              "by_month": {month.label: plain(part)
                                           for month, part in child.by_month}}
                             for child in result.children],
                "check": plain(result.check), "saved": len(saved)}, indent=2))
            return
        table = Table(title=f"{options['parent']} {period.label}: {plain(amount)} by "
                            f"{result.method}")
        table.add_column("owner")
        months = [month for month, _ in result.children[0].by_month]
        for month in months:
            table.add_column(month.label, justify="right")
        table.add_column("total", justify="right")
        for child in result.children:
            table.add_row(child.key, *(plain(part) for _, part in child.by_month),
                          plain(child.amount))
        Console(file=cast("IO[str]", self.stdout), width=200).print(table)
        flag = "GAP " if result.check.flagged else ""
        self.stdout.write(f"{flag}bottom-up check: {result.check.message}")
        if saved:
            self.stdout.write(f"saved {len(saved)} quotas "
                              f"({'approved' if options['approve'] else 'draft'})")

    def _approve(self, options: dict[str, Any]) -> None:
        """Approve the latest version of each quota of the period when it is a draft."""
        try:
            drafts = [quota for quota in services.current_quotas(
                period=options["period"], owner=options["owner"], approved_only=False)
                if quota.status == "draft"]
        except (PeriodError, ValueError) as error:
            raise CommandError(str(error)) from None
        count = services.approve_quotas(quota_ids=[quota.id for quota in drafts])
        self.stdout.write(f"approved {count} quotas")

    def _check(self, options: dict[str, Any]) -> None:
        """The bottom-up check of a parent's saved quota; exits 1 on a flagged gap."""
        if not options["owner"]:
            raise CommandError("check needs --owner (company, region:CODE or team:CODE)")
        try:
            result = services.bottom_up_check(owner=options["owner"], metric=options["metric"],
                                              period=options["period"])
        except (PeriodError, ValueError) as error:
            raise CommandError(str(error)) from None
        for child, amount in sorted(result.children.items()):
            self.stdout.write(f"  {child}: {plain(amount)}")
        for child in result.missing:
            self.stdout.write(f"  {child}: no approved quota")
        self.stdout.write(f"{result.owner} {result.metric} {result.period} "
                          f"({result.currency}): {result.check.message}")
        if result.check.flagged:
            raise CommandError(f"gap of {plain(result.check.gap)} between {result.owner} and "
                               f"its children")
