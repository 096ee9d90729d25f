"""``attain goals check GOAL.yaml``: the SMART verdicts on a goal, each with its reasons;
``attain goals checkin KEY --confidence 70 --comment …``: an owner's review of a goal."""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attain.org.models import Person
from attain.targets import services
from attain.targets.actuals import ActualsError
from attain.targets.goals import GoalErrors
from attain.targets.management.commands._output import plain
from attain.targets.models import Goal
from attain.warehouse.connection import WarehouseError


class Command(BaseCommand):
    help = "Check a goal document against the SMART criteria (and optionally save it)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["check", "checkin"],
                            help="check: give the SMART verdicts; checkin: record a review")
        parser.add_argument("file", type=Path,
                            help="check: the goal YAML file; checkin: the goal's key")
        parser.add_argument("--confidence", type=int, help="checkin: 0-100")
        parser.add_argument("--comment", help="checkin: what the owner says")
        parser.add_argument("--author", help="checkin: the author's employee id "
                                             "(default: the goal's owner when a person)")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="the day to judge deadlines from (default: today)")
        parser.add_argument("--save", action="store_true",
                            help="save the goal when no criterion fails")
        parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkin":
            self._check_in(str(options["file"]), options)
            return
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"no goal file {path}")
        today = options["today"] or dt.date.today()
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from None
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

    def _check_in(self, key: str, options: dict[str, Any]) -> None:
        goal = Goal.objects.filter(key=key).select_related("person").first()
        if goal is None:
            raise CommandError(f"no goal {key!r}")
        if options["confidence"] is None or not options["comment"]:
            raise CommandError("a check-in needs --confidence (0-100) and --comment")
        day = options["today"] or dt.date.today()
        author = goal.person
        if options["author"]:
            author = Person.objects.filter(employee_id=options["author"]).first()
            if author is None:
                raise CommandError(f"no person has employee id {options['author']!r}")
        statuses = [status for status in services.target_status(as_of=day)
                    if status.kind == "goal" and status.target_id == goal.id]
        status = statuses[-1].assessment.status if statuses else ""
        try:
            services.record_check_in(goal=goal, author=author, day=day,
                                     comment=options["comment"],
                                     confidence=options["confidence"], status=status)
        except ValueError as error:
            raise CommandError(str(error)) from None
        shown = f", status {status.replace('_', ' ')}" if status else ""
        self.stdout.write(f"checked in on {goal.key} ({day}): confidence "
                          f"{options['confidence']}%{shown}")
