"""Contest standings and leaderboards on the configured demo company (``attain demo`` first).

Times, median of ``--repeat`` runs, each against the baseline measured in the same run:

- baseline: the contest's metric by person for the quarter under way through
  ``Metric.query`` (one calendar period, as the home standing asks the catalog), executed;
- a contest's values: ``metrics.query_span`` over the contest's own dates for its entrants;
- a contest's standings computed (entrants refreshed, values, ranks, prizes) and read from
  the cache (what a page view costs within five minutes);
- a leaderboard (company, the quarter).

Never passes or fails on time. ``python -m benchmarks.engage [--repeat 5] [--build]``
(``--build``: build the demo company first in a private var folder, as ``make bench`` does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from benchmarks.common import timed


def _median(action: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with timed() as timing:
            action()
        times.append(timing.seconds)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build", action="store_true",
                        help="build the demo company first in a private var folder")
    args = parser.parse_args()
    repeat = args.repeat
    if args.build:
        folder = tempfile.mkdtemp(prefix="attain-bench-engage-")
        os.environ["ATTAIN_VAR_DIR"] = folder
        for name in ("ATTAIN_DATABASE_URL", "ATTAIN_WAREHOUSE_URL", "ATTAIN_TASKS"):
            os.environ.pop(name, None)
        attain = os.path.join(os.path.dirname(sys.executable), "attain")
        with timed() as build:
            subprocess.run([attain, "demo", "--no-serve"], check=True, stdout=subprocess.DEVNULL)
        print(f"demo company ready in {build.seconds:.1f} s ({folder})")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attain.settings")
    import django

    django.setup()
    from django.core.cache import cache

    from attain import metrics
    from attain.core.company import company_calendar
    from attain.engage import standings
    from attain.engage.models import Contest
    from attain.org.models import Person

    contests = list(Contest.objects.filter(published_at__isnull=False, results__isnull=True))
    if not contests:
        raise SystemExit("no live contest: run `attain demo` first")
    contest = max(contests, key=lambda c: c.entries.count())
    people = list(contest.entries.values_list("person__employee_id", flat=True))
    today = dt.date.today()
    last = min(contest.end, max(contest.start, today))
    quarter = company_calendar().period_containing(today, "quarter")
    metric = metrics.get(contest.metric)
    admin = Person.objects.get(user__username="admin").user

    def baseline() -> None:
        metric.query(by=["person"], grain="quarter", start=quarter.start,
                     end=quarter.end).to_pyarrow()

    def span() -> None:
        metrics.query_span(metric, by=["person"], start=contest.start, end=last,
                           filters={"person": people}).to_pyarrow()

    def computed() -> None:
        cache.clear()
        standings.standings(contest, today=today)

    def cached() -> None:
        standings.standings(contest, today=today)

    def board() -> None:
        cache.clear()
        standings.leaderboard(admin, metric=metric, period=quarter, scope="company",
                              day=min(today, quarter.end))

    base = _median(baseline, repeat)
    rows = [(f"baseline: {metric.name} by person, the quarter (Metric.query)", base),
            (f"contest values over its dates ({len(people)} entrants)", _median(span, repeat)),
            ("contest standings computed", _median(computed, repeat)),
            ("contest standings from the cache", _median(cached, repeat)),
            ("leaderboard, company, the quarter (query_span)", _median(board, repeat))]
    print(f"contest {contest.name!r}: {contest.metric}, {contest.start}..{last}; "
          f"median of {repeat}")
    for label, seconds in rows:
        print(f"{label:<58} {seconds * 1000:9.1f} ms  {seconds / base:6.2f}x baseline")


if __name__ == "__main__":
    main()
