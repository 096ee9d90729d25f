"""``attain metric NAME --by team --grain quarter --from 2026-01-01 --to 2026-12-31``.

Prints the metric as a table, or ``--json`` / ``--csv`` for scripts; ``--compare prior|yoy|
benchmark`` adds the comparison columns and ``--filter segment=enterprise`` narrows the
rows. Errors (an unknown metric or dimension, bad dates) are one line, never a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from argparse import ArgumentParser
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from attain import metrics
from attain.metrics.model import GRAINS
from attain.metrics.query import COMPARE_CHOICES
from attain.warehouse.connection import WarehouseError


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _filters(pairs: list[str]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--filter {pair!r}: write DIMENSION=VALUE, e.g. segment=smb")
        filters.setdefault(name.strip(), []).extend(v.strip() for v in value.split(","))
    return filters


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Command(BaseCommand):
    help = "Query one metric by dimensions and periods (attain metrics list shows them all)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="metric name, e.g. win_rate")
        parser.add_argument("--by", default="", help="dimensions, comma separated, e.g. team")
        parser.add_argument("--grain", default="month", choices=GRAINS)
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--compare", choices=COMPARE_CHOICES, default=None)
        parser.add_argument("--filter", action="append", default=[],
                            help="DIMENSION=VALUE[,VALUE…]; may be repeated")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help="rows as JSON")
        output.add_argument("--csv", action="store_true", help="rows as CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        by = [name.strip() for name in options["by"].split(",") if name.strip()]
        start = _date(options["start"], "--from")
        end = _date(options["end"], "--to")
        try:
            metric = metrics.get(options["name"])
            table = metric.query(by=by, grain=options["grain"], start=start, end=end,
                                 filters=_filters(options["filter"]),
                                 compare=options["compare"])
            result = table.to_pyarrow()
        except (metrics.MetricError, WarehouseError) as error:
            raise CommandError(str(error)) from error
        rows = [{k: _plain(v) for k, v in row.items()} for row in result.to_pylist()]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        if options["csv"]:
            writer = csv.DictWriter(self.stdout, fieldnames=result.column_names,
                                    lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            return
        shown = Table(title=f"{metric.label} ({metric.unit}, {metric.direction} is better)")
        for column in result.column_names:
            shown.add_column(column, justify="right" if column not in (*by, "period", "reason")
                             else "left")
        for row in rows:
            shown.add_row(*["" if row[c] is None else str(row[c]) for c in result.column_names])
        console = Console(file=self.stdout, width=200)  # type: ignore[arg-type]
        console.print(shown)
