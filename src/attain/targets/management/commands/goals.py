"""``attain goals check GOAL.yaml``: the SMART verdicts on a goal, each with its reasons."""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attain.targets import services
from attain.targets.actuals import ActualsError
from attain.targets.goals import GoalErrors
from attain.targets.management.commands._output import plain
from attain.warehouse.connection import WarehouseError


class Command(BaseCommand):
    help = "Check a goal document against the SMART criteria (and optionally save it)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["check"], help="check: give the SMART verdicts")
        parser.add_argument("file", type=Path, help="the goal YAML file")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="the day to judge deadlines from (default: today)")
        parser.add_argument("--save", action="store_true",
                            help="save the goal when no criterion fails")
        parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"no goal file {path}")
        today = options["today"] or dt.date.today()
        text = path.read_text()
        try:
            report = services.check_goal(text, source=path.name, today=today)
            goal = services.save_goal(text, today=today) if options["save"] and \
                report.passed else None
        except GoalErrors as error:
            raise CommandError(error.report()) from None
        except (ActualsError, WarehouseError) as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps({
                "goal": report.goal.goal, "passed": report.passed,
                "target": plain(report.target), "baseline": plain(report.baseline),
                "needed_change": plain(report.needed_change),
                "verdicts": [{"criterion": verdict.criterion, "outcome": verdict.outcome,
                              "reasons": list(verdict.reasons)} for verdict in report.verdicts],
                "saved": goal is not None}, indent=2))
        else:
            title = report.goal.title or report.goal.goal
            self.stdout.write(f"{path.name}: {title}")
            for verdict in report.verdicts:
                self.stdout.write(f"  {verdict}")
            if report.target is not None:
                self.stdout.write(f"  target: {plain(report.target)}")
            if goal is not None:
                self.stdout.write(f"  saved as goal {goal.key}")
        if not report.passed:
            raise CommandError(f"{path.name} is not SMART yet: fix the criteria that fail")
