"""The five SMART verdicts on a goal, each saying why it passes, warns or fails.

- **Specific**: one metric, one owner, a scope whose filters are dimensions of the metric.
- **Measurable**: the metric is in the catalog and has data for the owner; a relative
  target has a baseline value to be relative to.
- **Achievable**: the change the goal needs (target against the baseline) is set against
  the distribution of past changes of the same metric over periods of the same length,
  each against the period as far back as the baseline is (year on year for last year's),
  for the owner and their peers: above the 90th percentile warns, with the evidence shown.
  The 90th percentile is the nearest-rank one (the smallest past change with at least 90%
  of changes at or below it). For a lower-is-better metric, a fall is the improvement.
- **Relevant**: linked to a parent goal that exists, or to a company objective.
- **Time-bound**: has a deadline, and a check-in cadence that fits within the time frame.

The verdicts are a pure function of the goal and :class:`Evidence` (what the metric
catalog and the history say), which :mod:`attain.targets.services` gathers; so every
verdict can be shown with its numbers and tested by hand.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Literal

from attain.core.company import company_calendar
from attain.core.money import ZERO, round_money, round_rate
from attain.core.periods import FiscalCalendar, Period
from attain.targets.allocation import SeasonalityProfile
from attain.targets.goals import CADENCE_DAYS, GoalDocument
from attain.targets.monitoring import Direction, TargetSpec

Criterion = Literal["specific", "measurable", "achievable", "relevant", "time_bound"]
Outcome = Literal["pass", "warn", "fail"]
CRITERIA: tuple[Criterion, ...] = ("specific", "measurable", "achievable", "relevant",
                                   "time_bound")
ACHIEVABLE_PERCENTILE = Decimal("0.9")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the catalog and history say about a goal's metric and owner."""

    known_metrics: tuple[str, ...] | None = None
    """Every catalog metric name; None when the catalog could not be read."""
    dimensions: tuple[str, ...] | None = None
    """The metric's dimensions (what filters may name); None when unknown."""
    direction: Direction = "higher"
    accumulates: bool = True
    """True for metrics that add up over time (revenue, leads); False for rates, averages."""
    owner_found: bool = True
    owner_left_on: dt.date | None = None
    """The owner's last day at the company, when they have left."""
    data_points: int | None = None
    """Periods with a value for the owner in the history read; None when not read."""
    baseline_value: Decimal | None = None
    """The metric for the owner over the baseline period (per month for ``per: month``)."""
    baseline_label: str = ""
    """Which period the baseline value is for, to show with it."""
    past_changes: tuple[Decimal, ...] = ()
    """Relative changes (0.1 = +10%) of past windows of the goal's length against the
    window as far back as the baseline is, for the owner and their peers."""
    parent_found: bool | None = None
    """Whether the parent goal exists; None when not looked up."""
    today: dt.date | None = None
    seasonality: SeasonalityProfile | None = None
    """How the target is paced (entered or learned); None: flat."""
    seasonality_problem: str = ""
    """Why a learned profile could not be had (the goal is then paced flat)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    criterion: Criterion
    outcome: Outcome
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        name = "Time-bound" if self.criterion == "time_bound" else self.criterion.capitalize()
        return f"{name}: {self.outcome.upper()} — {'; '.join(self.reasons)}"


@dataclass(frozen=True, slots=True)
class SmartReport:
    """The verdicts on one goal, with the target it resolves to."""

    goal: GoalDocument
    verdicts: tuple[Verdict, ...]
    target: Decimal | None
    """The absolute target (per month for ``per: month``); None if it cannot be resolved."""
    baseline: Decimal | None
    needed_change: Decimal | None = None
    """(target − baseline) ÷ |baseline|."""
    percentile_90: Decimal | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """No criterion fails (warnings are advice)."""
        return all(verdict.outcome != "fail" for verdict in self.verdicts)

    def verdict(self, criterion: Criterion) -> Verdict:
        return next(verdict for verdict in self.verdicts if verdict.criterion == criterion)


def check(goal: GoalDocument, evidence: Evidence,
          calendar: FiscalCalendar | None = None) -> SmartReport:
    """The five verdicts on ``goal`` given ``evidence`` (periods on the company's fiscal
    calendar unless another is given)."""
    calendar = calendar or company_calendar()
    baseline = goal.from_ if goal.from_ is not None else evidence.baseline_value
    target = goal.target.resolve(baseline)
    achievable, needed, p90 = _achievable(goal, evidence, baseline, target)
    verdicts = (_specific(goal, evidence), _measurable(goal, evidence, baseline, target),
                achievable, _relevant(goal, evidence), _time_bound(goal, evidence, calendar))
    return SmartReport(goal, verdicts, target, baseline, needed, p90)


def _verdict(criterion: Criterion, failures: list[str], warnings: list[str],
             passes: list[str]) -> Verdict:
    if failures:
        return Verdict(criterion, "fail", tuple(failures + warnings))
    if warnings:
        return Verdict(criterion, "warn", tuple(warnings + passes))
    return Verdict(criterion, "pass", tuple(passes))


def _specific(goal: GoalDocument, evidence: Evidence) -> Verdict:
    failures, passes = [], []
    if isinstance(goal.metric, list):
        failures.append(f"{len(goal.metric)} metrics ({', '.join(goal.metric)}): a goal "
                        f"tracks one; split it into one goal per metric")
    else:
        passes.append(f"one metric ({goal.metric})")
    if isinstance(goal.owner, list):
        failures.append(f"{len(goal.owner)} owners: a goal has one owner; give each their own")
    else:
        passes.append(f"one owner ({goal.owner})")
    if evidence.dimensions is not None:
        unknown = sorted(set(goal.filters) - set(evidence.dimensions))
        if unknown:
            failures.append(f"the scope filters on {', '.join(unknown)}, which "
                            f"{goal.metric} cannot be cut by (it can by: "
                            f"{', '.join(evidence.dimensions)})")
    if goal.filters:
        passes.append("scope: " + ", ".join(f"{key} = {value}"
                                            for key, value in goal.filters.items()))
    else:
        passes.append(f"scope: all of the owner's {goal.metric}")
    return _verdict("specific", failures, [], passes)


def _measurable(goal: GoalDocument, evidence: Evidence, baseline: Decimal | None,
                target: Decimal | None) -> Verdict:
    failures: list[str] = []
    warnings: list[str] = []
    passes: list[str] = []
    metrics = goal.metric if isinstance(goal.metric, list) else [goal.metric]
    if evidence.known_metrics is None:
        warnings.append("the metric catalog could not be read, so the metric is unchecked")
    else:
        for metric in metrics:
            if metric in evidence.known_metrics:
                passes.append(f"{metric} is in the metric catalog")
            else:
                close = difflib.get_close_matches(metric, evidence.known_metrics, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                failures.append(f"{metric} is not in the metric catalog{hint}")
    frame = goal.time_frame()
    if not evidence.owner_found:
        failures.append(f"the owner {goal.owner} is not known")
    elif evidence.owner_left_on is not None and frame is not None \
            and evidence.owner_left_on < frame.start:
        failures.append(f"{goal.owner} left on {evidence.owner_left_on}, before the goal "
                        f"starts on {frame.start}")
    elif evidence.data_points == 0:
        failures.append(f"{goal.metric} has no data for {goal.owner} yet")
    elif evidence.data_points is not None:
        passes.append(f"{evidence.data_points} past periods of data for {goal.owner}")
    if evidence.seasonality_problem:
        warnings.append(f"seasonality: learned: {evidence.seasonality_problem}; it will be "
                        f"paced flat")
    if target is None:
        failures.append(f"the target {goal.target.text} is relative, and the baseline period "
                        f"has no value for {goal.owner} to be relative to")
    elif baseline is not None and goal.target.kind != "absolute":
        passes.append(f"target {_show(target)} = baseline {_show(baseline)} "
                      f"{goal.target.text}")
    return _verdict("measurable", failures, warnings, passes)


def nearest_rank(values: Sequence[Decimal], fraction: Decimal) -> Decimal:
    """The nearest-rank percentile: the smallest value with ``fraction`` of values at or
    below it."""
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


def _achievable(goal: GoalDocument, evidence: Evidence, baseline: Decimal | None,
                target: Decimal | None) -> tuple[Verdict, Decimal | None, Decimal | None]:
    if target is None or baseline is None or baseline == 0:
        why = ("no baseline value for the owner" if baseline is None
               else "the baseline is 0, so no growth rate can be read")
        return (_verdict("achievable", [], [f"cannot be compared with history: {why}"], []),
                None, None)
    with localcontext() as context:
        context.prec = 38
        needed = round_rate((target - baseline) / abs(baseline))
    sign = 1 if evidence.direction == "higher" else -1
    improvement = sign * needed
    word = "growth" if evidence.direction == "higher" else "reduction"
    where = f" in {evidence.baseline_label}" if evidence.baseline_label and \
        goal.from_ is None else ""
    needs = f"needs {_percent(improvement)} {word} ({_show(baseline)}{where} → {_show(target)})"
    if improvement < 0:
        return (_verdict("achievable", [], [f"{needs}: the target is worse than the baseline, "
                                            f"so it asks for no improvement"], []),
                needed, None)
    past = [sign * change for change in evidence.past_changes]
    if not past:
        return (_verdict("achievable", [], [f"{needs}; no past periods to compare with"], []),
                needed, None)
    p90 = nearest_rank(past, ACHIEVABLE_PERCENTILE)
    beaten = sum(1 for change in past if change >= improvement)
    evidence_text = (f"{beaten} of {len(past)} past periods (owner and peers) improved as "
                     f"much; 90th percentile {_percent(p90)}, best {_percent(max(past))}")
    if improvement > p90:
        return (_verdict("achievable", [], [f"{needs}, above the 90th percentile of past "
                                            f"{word}: {evidence_text}"], []), needed, sign * p90)
    return (_verdict("achievable", [], [], [f"{needs}, within past {word}: {evidence_text}"]),
            needed, sign * p90)


def _relevant(goal: GoalDocument, evidence: Evidence) -> Verdict:
    if goal.parent:
        if evidence.parent_found is False:
            return _verdict("relevant", [f"the parent goal {goal.parent!r} does not exist"],
                            [], [])
        return _verdict("relevant", [], [], [f"contributes to the parent goal {goal.parent}"])
    if goal.objective.strip():
        return _verdict("relevant", [], [], [f"serves the objective: {goal.objective.strip()}"])
    return _verdict("relevant", ["linked to nothing: add parent: (a goal id) or objective: "
                                 "(the company objective it serves)"], [], [])


def _time_bound(goal: GoalDocument, evidence: Evidence, calendar: FiscalCalendar) -> Verdict:
    frame = goal.time_frame(calendar)
    if frame is None:
        return _verdict("time_bound", ["no deadline: add period: (e.g. FY2026-Q1) or "
                                       "deadline: (a date)"], [], [])
    failures: list[str] = []
    warnings: list[str] = []
    passes = [f"runs {frame.start} to {frame.end} ({frame.days} days)"]
    if goal.start is None and goal.period is None:
        warnings.append("no start date: the goal starts on its deadline; add start:")
    if evidence.today is not None and frame.end < evidence.today:
        warnings.append(f"the deadline {frame.end} has passed")
    if goal.check_ins is None:
        warnings.append("no check-in cadence: add check_ins: weekly, fortnightly, monthly or "
                        "quarterly")
    elif CADENCE_DAYS[goal.check_ins] > frame.days:
        warnings.append(f"{goal.check_ins} check-ins do not fit in {frame.days} days")
    else:
        count = frame.days // CADENCE_DAYS[goal.check_ins]
        passes.append(f"{goal.check_ins} check-ins (about {count})")
    return _verdict("time_bound", failures, warnings, passes)


def target_specs(goal: GoalDocument, report: SmartReport, evidence: Evidence,
                 calendar: FiscalCalendar | None = None) -> list[TargetSpec]:
    """What monitoring watches: one spec for the time frame, or one per month/quarter for a
    repeating target (300 leads per month). Empty when the target cannot be resolved."""
    calendar = calendar or company_calendar()
    frame = goal.time_frame(calendar)
    if frame is None or report.target is None or isinstance(goal.metric, list):
        return []
    periods: list[Period] = [frame]
    if goal.per == "month":
        periods = frame.months()
    elif goal.per == "quarter":
        periods = frame.quarters()
    owner = goal.owner if isinstance(goal.owner, str) else goal.owner[0]
    level_baseline = report.baseline if not evidence.accumulates else None
    return [TargetSpec(goal.metric, period, report.target, direction=evidence.direction,
                       accumulates=evidence.accumulates, baseline=level_baseline,
                       seasonality=evidence.seasonality, owner=owner)
            for period in periods]


def _percent(fraction: Decimal) -> str:
    return f"{round_money(fraction * 100)}%"


def _show(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if value != ZERO else "0"
