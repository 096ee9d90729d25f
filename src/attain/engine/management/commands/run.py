"""``attain run --period 2026-Q1``: calculate a period on the warehouse."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from attain.core.periods import PeriodError
from attain.engine import run as engine_run
from attain.engine.errors import EngineError
from attain.warehouse.connection import WarehouseError


class Command(BaseCommand):
    help = "Calculate a period: credits, measures, earnings and earning lines."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--period", required=True, help="e.g. 2026-Q1, 2026-03, FY2026")
        parser.add_argument("--plan", default=None, help="only this plan (its code)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(stderr=options["json"])
        try:
            with console.status("Calculating…") as status:
                result = engine_run.run(period=options["period"], plan=options["plan"],
                                        progress=lambda text: status.update(f"Run: {text}…"))
        except (EngineError, PeriodError, WarehouseError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps({
                "run_id": result.run_id, "period": result.period,
                "fingerprint": result.fingerprint, "counts": result.counts,
                "totals": result.totals, "seconds": round(result.seconds, 3)}, indent=2))
            return
        table = Table(title=f"Run {result.run_id} · {result.period} · "
                            f"{result.seconds:.1f} s · fingerprint {result.fingerprint[:12]}")
        table.add_column("result")
        table.add_column("rows", justify="right")
        for name, count in result.counts.items():
            table.add_row(name.removeprefix("results_"), f"{count:,}")
        for currency, total in sorted(result.totals.items()):
            table.add_row(f"earned ({currency})", f"{float(total):,.2f}")
        console.print(table)
