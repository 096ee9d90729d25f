"""``attain engage``: freeze the contests that finished and award the badges the rules give.

Meant for a daily schedule (pages freeze a finished contest when first read, too). Badge
rules look back ``--days`` (default 120) to today; nothing is awarded twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attain.engage import recognition, standings
from attain.engage.models import Contest
from attain.metrics import MetricError


class Command(BaseCommand):
    help = "Freeze finished contests and award badges by their rules."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=120,
                            help="how far back the badge rules look (default 120)")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="the day to act as of, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today: dt.date = options["today"] or dt.date.today()
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        frozen = []
        for contest in Contest.objects.filter(published_at__isnull=False, results__isnull=True,
                                              end__lt=today):
            try:
                if standings.freeze(contest, today=today):
                    frozen.append(contest.name)
            except MetricError as error:
                raise CommandError(f"contest {contest.slug}: {error}") from None
        awarded = recognition.award_badges(
            since=today - dt.timedelta(days=options["days"]), until=today)
        self.stdout.write(f"froze {len(frozen)} contest(s)"
                          + (f": {', '.join(frozen)}" if frozen else ""))
        self.stdout.write("badges awarded: " + ", ".join(
            f"{kind.replace('_', ' ')} {count}" for kind, count in awarded.items()))
