"""``attain calc --plan PLAN.yaml --data DIR``: a plan tried on CSV files, nothing to set up."""

from __future__ import annotations

import csv
import json
from argparse import ArgumentParser
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from attain.core.periods import PeriodError
from attain.engine.errors import EngineError
from attain.engine.standalone import calculate_folder
from attain.plans.language import PlanErrors
from attain.warehouse.connection import WarehouseError

LINE_FIELDS = ("line_kind", "component_id", "period_label", "transaction_id", "opportunity_id",
               "booked_on", "credit_rule", "via_person", "share", "value", "tier_no", "rate",
               "base", "modifier", "amount", "currency", "note")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class Command(BaseCommand):
    help = "Calculate a plan on CSV files (people.csv, transactions.csv, quotas.csv, …)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--plan", required=True, type=Path, help="the plan YAML file")
        parser.add_argument("--data", required=True, type=Path, help="folder of CSV files")
        parser.add_argument("--period", default=None,
                            help="e.g. 2026-Q1 (default: the quarter of the latest booking)")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help="print the results as JSON")
        output.add_argument("--out", type=Path, help="write lines, measures and earnings CSVs")

    def handle(self, *args: Any, **options: Any) -> None:
        plan_path: Path = options["plan"]
        if not plan_path.exists():
            raise CommandError(f"no plan file {plan_path}")
        try:
            _document, period, calculation = calculate_folder(
                plan_path.read_text(), options["data"], options["period"],
                plan_source=plan_path.name)
            lines = calculation.lines.to_pyarrow().to_pylist()
            measures = calculation.measures.to_pyarrow().to_pylist()
        except (EngineError, PlanErrors, PeriodError, WarehouseError) as error:
            raise CommandError(str(error)) from error
        lines.sort(key=lambda r: (r["payee_id"], r["ordinal"], r["booked_on"],
                                  r["transaction_id"] or "", r["tier_no"] or 0))
        if options["out"]:
            self._write(options["out"], lines, measures)
            return
        report = self._report(period.label, lines, measures)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        console = Console()
        table = Table(title=f"{plan_path.name} on {options['data']} · {period.label}")
        for column in ("payee", "component", "period", "credited", "attainment", "earned"):
            table.add_column(column, justify="right" if column in (
                "credited", "attainment", "earned") else "left")
        for payee in report["payees"]:
            for component in payee["components"]:
                attainment = component["attainment"]
                table.add_row(payee["payee_id"], component["component"], component["period"],
                              f"{Decimal(component['credited']):,.2f}",
                              f"{Decimal(attainment) * 100:.1f}%" if attainment else "",
                              f"{Decimal(component['earned']):,.2f} {component['currency']}")
        console.print(table)

    def _report(self, period: str, lines: list[dict[str, Any]],
                measures: list[dict[str, Any]]) -> dict[str, Any]:
        payees: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        for measure in measures:
            entry = payees.setdefault(measure["payee_id"], {}).setdefault(
                (measure["component_id"], measure["period_label"]), {
                    "component": measure["component_id"], "period": measure["period_label"],
                    "credited": "0", "quota": None, "attainment": None, "earned": "0",
                    "currency": measure["currency"], "lines": []})
            entry.update(credited=_plain(measure["credited_value"]),
                         quota=_plain(measure["quota"]),
                         attainment=_plain(measure["attainment"]))
        for line in lines:
            entry = payees.setdefault(line["payee_id"], {}).setdefault(
                (line["component_id"], line["period_label"]), {
                    "component": line["component_id"], "period": line["period_label"],
                    "credited": "0", "quota": None, "attainment": None, "earned": "0",
                    "currency": line["currency"], "lines": []})
            entry["earned"] = _plain(Decimal(entry["earned"]) + line["amount"])
            entry["lines"].append({field: _plain(line[field]) for field in LINE_FIELDS})
        return {"period": period, "payees": [
            {"payee_id": payee, "components": list(components.values())}
            for payee, components in sorted(payees.items())]}

    def _write(self, folder: Path, lines: list[dict[str, Any]],
               measures: list[dict[str, Any]]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in (("lines", lines), ("measures", measures)):
            with (folder / f"{name}.csv").open("w", newline="") as handle:
                if not rows:
                    continue
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                for row in rows:
                    writer.writerow({k: _plain(v) for k, v in row.items()})
        self.stdout.write(f"wrote {len(lines)} lines and {len(measures)} measures to {folder}")
