"""``attain targets status``: every target's actual, pace, attainment, projection and status."""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from attain.core.periods import PeriodError
from attain.targets import services
from attain.targets.actuals import ActualsError
from attain.targets.management.commands._output import percent, plain
from attain.warehouse.connection import WarehouseError


class Command(BaseCommand):
    help = "Status of quotas and goals as of a day: pace, attainment, projections, alerts."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["status"], help="status: monitor the targets")
        parser.add_argument("--owner", help="company, person:ID, team:CODE, region:CODE or "
                                            "territory:CODE")
        parser.add_argument("--period", help="e.g. FY2026-Q4 (default: targets running on "
                                             "the as-of day)")
        parser.add_argument("--as-of", dest="as_of", type=dt.date.fromisoformat,
                            default=None, help="the day to monitor on (default: today)")
        parser.add_argument("--record", action="store_true",
                            help="write the status history and alerts to the app database")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"] or dt.date.today()
        try:
            statuses = services.target_status(as_of=as_of, owner=options["owner"],
                                              period=options["period"],
                                              record=options["record"])
        except (ValueError, PeriodError, ActualsError, WarehouseError) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps([_as_json(status) for status in statuses], indent=2))
            return
        if not statuses:
            self.stdout.write(f"no targets running on {as_of}")
            return
        table = Table(title=f"Targets as of {as_of}")
        for column in ("target", "owner", "actual", "expected", "variance", "attainment",
                       "pace", "run rate", "trend (80%)", "status"):
            table.add_column(column)
        for status in statuses:
            result = status.assessment
            trend = result.trend
            table.add_row(
                status.label, status.owner, plain(result.actual), plain(result.expected),
                plain(result.variance), percent(result.attainment),
                percent(result.pace_attainment),
                plain(result.run_rate.value) if result.run_rate else "",
                f"{plain(trend.value)} ({plain(trend.low)}..{plain(trend.high)})" if trend
                else "", result.status.replace("_", " "))
        Console(file=cast("IO[str]", self.stdout), width=200).print(table)
        for status in statuses:
            for alert in status.alerts:
                if alert.worsened:
                    self.stdout.write(f"ALERT {alert.message}")
                    for cause in alert.causes:
                        self.stdout.write(f"  suggested: {cause.action}")


def _as_json(status: services.TargetStatus) -> dict[str, Any]:
    result = status.assessment
    return {
        "kind": status.kind, "id": status.target_id, "label": status.label,
        "owner": status.owner, "metric": result.spec.metric,
        "period": result.spec.period.label, "target": plain(result.spec.value),
        "direction": result.spec.direction, "as_of": plain(result.as_of),
        "actual": plain(result.actual), "expected": plain(result.expected),
        "variance": plain(result.variance), "variance_ratio": plain(result.variance_ratio),
        "attainment": plain(result.attainment), "pace_attainment": plain(result.pace_attainment),
        "progress": plain(result.progress),
        "run_rate": plain(result.run_rate), "trend": plain(result.trend),
        "status": result.status, "reason": result.reason,
        "history": [{"day": plain(point.day), "status": point.status,
                     "pace_attainment": plain(point.pace_attainment)}
                    for point in status.history],
        "alerts": [{"day": plain(alert.change.day), "from": alert.change.previous,
                    "to": alert.change.status, "message": alert.message,
                    "causes": [{"driver": cause.driver.metric, "why": cause.why,
                                "action": cause.action} for cause in alert.causes]}
                   for alert in status.alerts],
    }
