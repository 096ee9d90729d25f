"""``attain metrics list [--json]``: the metric catalog, for people and for scripts."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from attain import metrics


def describe(metric: metrics.Metric) -> dict[str, Any]:
    """One metric as plain values (what ``--json`` prints for it)."""
    return {
        "name": metric.name, "label": metric.label, "description": metric.description,
        "formula": metric.formula, "unit": metric.unit, "direction": metric.direction,
        "additivity": metric.additivity, "time_column": metric.time_column,
        "ratio": metric.is_ratio, "dimensions": list(metric.dimensions),
        "grains": list(metric.grains),
    }


class Command(BaseCommand):
    help = "List the metric catalog: attain metrics list [--json]."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["list"], help="list: every metric")
        parser.add_argument("--json", action="store_true", help="print the catalog as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        catalog = metrics.catalog()
        if options["json"]:
            self.stdout.write(json.dumps([describe(m) for m in catalog], indent=2,
                                         ensure_ascii=False))
            return
        table = Table(title=f"{len(catalog)} metrics (attain metric NAME --by … to query one)")
        for column in ("name", "label", "unit", "good", "dimensions"):
            table.add_column(column)
        for metric in catalog:
            table.add_row(metric.name, metric.label, metric.unit, metric.direction,
                          ", ".join(metric.dimensions) or "company only")
        console = Console(file=self.stdout, width=160)  # type: ignore[arg-type]
        console.print(table)
