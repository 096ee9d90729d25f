"""``attain estimate --payee P --amount A --date D --product X [--share S]``: what a
hypothetical deal would pay, by the engine's one-payee calculation."""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attain.payouts.errors import PayoutError
from attain.payouts.estimator import estimate
from attain.payouts.statements import OPERATOR
from attain.warehouse.connection import WarehouseError


class Command(BaseCommand):
    help = "Estimate what a hypothetical deal pays a payee, and which tier it lands in."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--payee", required=True)
        parser.add_argument("--amount", required=True)
        parser.add_argument("--date", required=True, help="booking date, YYYY-MM-DD")
        parser.add_argument("--product", required=True)
        parser.add_argument("--share", default="1", help="the payee's split, 0 to 1")
        parser.add_argument("--deal-type", default="new")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            booked_on = dt.date.fromisoformat(options["date"])
        except ValueError as error:
            raise CommandError(f"--date: {options['date']!r} is not YYYY-MM-DD") from error
        try:
            found = estimate(viewer=OPERATOR, employee_id=options["payee"],
                             amount=options["amount"], booked_on=booked_on,
                             product_id=options["product"], share=options["share"],
                             deal_type=options["deal_type"], currency=options["currency"])
        except (PayoutError, WarehouseError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps({
                "payee": found.employee_id, "period": found.period,
                "currency": found.currency, "marginal_payout": str(found.marginal_payout),
                "attainment_before": None if found.attainment_before is None
                else str(found.attainment_before),
                "attainment_after": None if found.attainment_after is None
                else str(found.attainment_after),
                "lines": [{"component": line.component, "tier": line.tier,
                           "rate": None if line.rate is None else str(line.rate),
                           "amount": str(line.amount), "text": line.text}
                          for line in found.lines]}, indent=2))
            return
        self.stdout.write(f"{found.employee_id}, {found.period}: this deal pays "
                          f"{found.marginal_payout:,.2f} {found.currency}")
        for line in found.lines:
            self.stdout.write(f"  {line.text}")
