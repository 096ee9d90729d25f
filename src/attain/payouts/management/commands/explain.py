"""``attain explain --payee P --period P [--line N]``: a statement in words, or one line."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attain.payouts.errors import PayoutError
from attain.payouts.statements import OPERATOR, statement
from attain.warehouse.connection import WarehouseError


class Command(BaseCommand):
    help = "Explain a payee's statement for a period, every line in words (or one line)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--payee", required=True, help="employee id")
        parser.add_argument("--period", required=True, help="e.g. 2026-Q1")
        parser.add_argument("--line", type=int, default=None, help="only this line number")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            found = statement(viewer=OPERATOR, employee_id=options["payee"],
                              period=options["period"])
            lines = [found.line(options["line"])] if options["line"] else found.lines
        except (PayoutError, WarehouseError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps({
                "payee": found.employee_id, "period": found.period, "run_id": found.run_id,
                "earned": str(found.earned), "currency": found.currency,
                "lines": [{"line": line.number, "amount": str(line.amount),
                           "text": line.text} for line in lines]}, indent=2))
            return
        if options["line"] is None:
            self.stdout.write(f"{found.name} ({found.employee_id}), {found.period}: earned "
                              f"{found.earned:,.2f} {found.currency} "
                              f"({found.pay_run_state.lower()})")
            for headline in found.components:
                if headline.attainment is not None:
                    self.stdout.write(f"  {headline.component}: {headline.attainment:.2%} of "
                                      f"quota {headline.quota:,.2f}")
        for line in lines:
            self.stdout.write(f"{line.number:>4}. {line.text}")
        if options["line"] is None:
            self.stdout.write(f"Total {found.earned:,.2f} {found.currency} = the sum of "
                              f"{len(lines)} lines")
            for item in found.payout:
                self.stdout.write(f"  {item.label}: {item.amount:,.2f} — {item.description}")
            if found.payable is not None:
                self.stdout.write(f"Payable {found.payable:,.2f} {found.currency}")
