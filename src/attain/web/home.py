"""What each role's home page shows, gathered from the other domains' services.

Plain functions with keyword-only arguments; no HTTP here. Every figure is read from the
place that owns it: pace from the statement's rule (``payouts.statements.pace_of``), tiers
from the parsed plan the engine compiles (``plans.tiers``), rank from the metric catalog's
benchmark comparison, pipeline from the catalog's ``pipeline_value`` and
``weighted_pipeline``, who is behind from the targets' status records. Money stays
``Decimal`` and is summed with ``sum_money``.

The home is the busiest page, so the catalog readings (the same for everyone on a day) are
cached for five minutes and kept to a few small values: the cache holds ranks and per-team
sums, and each viewer takes only their own part after the access rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Q

from attain import metrics
from attain.core.company import company_calendar
from attain.core.money import HUNDRED, ZERO, round_money, sum_money
from attain.core.periods import Period
from attain.engine.models import CalculationRun, RunStatus
from attain.payouts.statements import pace_of
from attain.plans import tiers
from attain.warehouse import connection
from attain.web import services as web_services

CACHE_SECONDS = 300
LEADERBOARD_METRIC = "revenue"
"""The main bookings metric: bookings quotas are revenue targets (``metrics.compare``)."""
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline")
GAUGE_TOP = Decimal(150)
"""A gauge shows at least 0–150% of quota (the demo plan's top tier starts at 150%)."""


def _cache_key(*parts: str) -> str:
    where = hashlib.sha256(connection.configured_url().encode()).hexdigest()[:12]
    return ":".join(("attain:home", where, *parts))


# --- attainment, pace and the gauge ---------------------------------------------------------


def progress(summary: web_services.ComponentSummary, *, day: dt.date) -> dict[str, Any]:
    """A component's attainment and pace as percentages, and the gauge's positions.

    ``expected_pct`` is where the component should stand on ``day`` to finish at 100%
    (the share of its period gone by); ``pace_pct`` is where it is heading (attainment over
    that share, the statement's rule). Positions are percentages of the gauge's width,
    whose top is 150% of quota or the next 50% above what was reached."""
    row: dict[str, Any] = {}
    if summary.attainment is None or summary.period_start is None \
            or summary.period_end is None:
        return row
    attainment_pct = summary.attainment * HUNDRED
    component_period = company_calendar().custom(summary.period_start, summary.period_end)
    expected_pct = component_period.elapsed_fraction(day) * HUNDRED
    pace = pace_of(attainment=summary.attainment, period_start=summary.period_start,
                   period_end=summary.period_end, day=day, calendar=company_calendar())
    top = GAUGE_TOP
    while top < attainment_pct and top < 300:
        top += 50

    def at(percent: Decimal) -> Decimal:
        return (min(top, max(ZERO, percent)) / top * HUNDRED).quantize(Decimal("0.1"))

    row.update(attainment_pct=attainment_pct, expected_pct=expected_pct,
               pace_pct=None if pace is None else pace * HUNDRED,
               on_pace=pace is not None and pace >= 1, gauge_top=top,
               fill_at=at(attainment_pct), expected_at=at(expected_pct), target_at=at(HUNDRED),
               pace_at=None if pace is None else at(pace * HUNDRED))
    return row


def not_started(*, run: CalculationRun, employee_id: str,
                present: list[web_services.ComponentSummary]
                ) -> list[web_services.ComponentSummary]:
    """Quota-carrying components of ``employee_id``'s plan with nothing credited yet in the
    run's quarter, as 0% rows: the engine writes a measure only where something was
    credited, but a rep three weeks into a quarter with no deal yet still has a quota, a
    pace line and a next tier. Empty when the run already measured a quota for them."""
    from attain.plans.models import PlanAssignment, PlanVersion, VersionStatus
    from attain.targets.models import OwnerType, Quota, QuotaStatus

    if any(row.quota is not None for row in present):
        return []
    quarter = _quarter_of(run)
    quotas: dict[str, Quota] = {}
    for quota in Quota.objects.filter(owner_type=OwnerType.PERSON,
                                      person__employee_id=employee_id,
                                      period=quarter.label, status=QuotaStatus.APPROVED
                                      ).order_by("version"):
        quotas[quota.metric] = quota
    if not quotas:
        return []
    day = min(run.period_end, quarter.end)
    plan_ids = PlanAssignment.objects.as_of(day).filter(
        person__employee_id=employee_id).values_list("plan_id", flat=True)
    version = (PlanVersion.objects.as_of(day).filter(plan_id__in=plan_ids,
                                                     status=VersionStatus.PUBLISHED)
               .select_related("plan").order_by("-number").first())
    if version is None:
        return []
    document = tiers.plan_document(version.plan.code, version.number)
    shown = {row.component for row in present}
    found = []
    for component in document.components if document else []:
        carried = quotas.get(component.quota or "")
        if (carried is None or component.period != "quarter" or component.payout is None
                or component.id in shown):
            continue
        found.append(web_services.ComponentSummary(
            employee_id, component.id, quarter.label, ZERO, carried.amount, ZERO,
            round_money(ZERO), carried.currency, version.plan.code, version.number,
            quarter.start, quarter.end))
    return found


def team_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The team table, a row per person: their quota-carrying component (attainment, pace
    and gauge; the first, if a plan has several) and everything they earned, per currency
    and per component, so a renewals line no longer takes a row of dashes of its own.
    ``rows`` are component rows as the home displays them, ordered by person."""
    people: dict[str, dict[str, Any]] = {}
    for row in rows:
        person = people.setdefault(row["payee_id"], {
            "name": row["name"], "period": row["period"], "quota_row": None, "parts": [],
            "by_currency": defaultdict(list)})
        if row["quota"] is not None and person["quota_row"] is None:
            person["quota_row"] = row
        person["parts"].append((row["component"], row["earned"], row["currency"]))
        person["by_currency"][row["currency"]].append(row["earned"])
    result = []
    for person in people.values():
        by_currency = person.pop("by_currency")
        person["earned"] = sorted((currency, sum_money(amounts))
                                  for currency, amounts in by_currency.items())
        result.append(person)
    return result


# --- earnings to date -----------------------------------------------------------------------


@dataclass(frozen=True)
class YearToDate:
    year: str
    periods: list[str]
    """The periods summed, oldest first (each from its latest successful run)."""
    earned: list[tuple[str, Decimal]]
    """(currency, amount) earned over those periods."""


def plan_year_earnings(*, run: CalculationRun, employee_id: str) -> YearToDate:
    """What ``employee_id`` has earned in the plan year up to the end of ``run``'s period:
    the latest successful run of each period of the year, periods that do not overlap
    (a month run inside a quarter already counted is skipped), summed per currency."""
    year = company_calendar().period_containing(run.period_start, "year")
    candidates = (CalculationRun.objects.filter(
        status=RunStatus.SUCCEEDED, plan="", period_start__gte=year.start,
        period_end__lte=run.period_end).order_by("period_start", "-started_at")
        .only("run_id", "period", "period_start", "period_end"))
    chosen: list[CalculationRun] = [run]
    for candidate in candidates:
        if any(candidate.period_start <= other.period_end
               and other.period_start <= candidate.period_end for other in chosen):
            continue
        chosen.append(candidate)
    chosen.sort(key=lambda r: r.period_start)
    by_currency: dict[str, list[Decimal]] = defaultdict(list)
    for chosen_run in chosen:
        for row in web_services.summaries(chosen_run, {employee_id}):
            by_currency[row.currency].append(row.earned)
    return YearToDate(year=year.label, periods=[r.period for r in chosen],
                      earned=sorted((currency, sum_money(amounts))
                                    for currency, amounts in by_currency.items()))


# --- what the next tier pays ----------------------------------------------------------------


def _percent(fraction: Decimal) -> str:
    text = f"{(fraction * HUNDRED).normalize():f}"
    return f"{text}%"


def _pays(rate: Decimal | None, per_unit: Decimal | None, currency: str) -> str:
    if rate is not None:
        return _percent(rate)
    return f"{per_unit:,.2f} {currency} a unit"


def next_tier(summary: web_services.ComponentSummary) -> str:
    """In words: the tier the component stands in and what the next one pays, e.g. "At 104%
    you're in the 8% tier; from 150% each $ pays 10% (25,000.00 USD more to get there)".
    Empty for components without a rate table (SPIFFs, bonuses) or a single rate."""
    if not summary.plan_code or summary.plan_version is None:
        return ""
    document = tiers.plan_document(summary.plan_code, summary.plan_version)
    table = tiers.component_table(document, summary.component) if document else None
    if table is None or len(table.tiers) < 2:
        return ""
    where = tiers.position(table, attainment=summary.attainment, credited=summary.credited,
                           quota=summary.quota)
    if where is None:
        return ""
    currency = summary.currency
    if where.on == "attainment":
        at = f"At {_percent(where.reached.quantize(Decimal('0.001')))}"
    else:
        at = f"At {where.reached:,.2f} {currency} credited"
    here = f"{at} you're in the {_pays(where.rate, where.per_unit, currency)} tier"
    if where.next_from is None:
        return f"{here}, the top one."
    bound = (_percent(where.next_from) if where.on == "attainment"
             else f"{where.next_from:,.0f} {currency}")
    pays = _pays(where.next_rate, where.next_per_unit, currency)
    if where.method == "retroactive":
        then = f"from {bound} the whole {summary.period} pays {pays}"
    else:
        then = f"from {bound} each {currency} over it pays {pays}"
    more = (f" ({where.to_next:,.2f} {currency} more to get there)"
            if where.to_next is not None and where.to_next > 0 else "")
    return f"{here}; {then}{more}."


# --- leaderboard position -------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    metric: str
    period: str
    rank: int
    of: int
    percentile: Decimal
    """0 worst .. 1 best, from the catalog's benchmark."""


def _quarter_of(run: CalculationRun) -> Period:
    return company_calendar().period_containing(run.period_start, "quarter")


def _revenue_by_person(quarter: Period) -> dict[str, tuple[Decimal, int, int, Decimal]]:
    """person -> (revenue, rank, peers, percentile) in ``quarter``, cached (one catalog
    query for every viewer)."""
    key = _cache_key("revenue-benchmark", quarter.label)
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    table = metrics.get(LEADERBOARD_METRIC).query(
        by=["person"], grain="quarter", start=quarter.start, end=quarter.end,
        compare="benchmark")
    found: dict[str, tuple[Decimal, int, int, Decimal]] = {}
    for row in table.to_pyarrow().to_pylist():
        if row["person"] and row["value"] is not None and row["rank"] is not None:
            found[row["person"]] = (row["value"], int(row["rank"]), int(row["peer_count"]),
                                    row["percentile"])
    cache.set(key, found, CACHE_SECONDS)
    return found


def standing(*, run: CalculationRun, employee_id: str) -> Standing | None:
    """``employee_id``'s rank among everyone with bookings in the run's quarter (1 is the
    most booked), the peer count and percentile; None when they booked nothing. Only their
    own place: no one else's figure leaves this function."""
    quarter = _quarter_of(run)
    mine = _revenue_by_person(quarter).get(employee_id)
    if mine is None:
        return None
    _value, rank, peers, percentile = mine
    return Standing(metrics.get(LEADERBOARD_METRIC).label, quarter.label, rank, peers,
                    percentile)


# --- the manager's forecast roll-up ---------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    period: str
    categories: list[tuple[str, Decimal]]
    """(forecast category as read, open pipeline due in the period), commit first."""
    pipeline: Decimal
    weighted: Decimal
    remaining_quota: list[tuple[str, Decimal]]
    """(currency, bookings quota still to book) of the people below the manager."""
    coverage: Decimal | None
    """Weighted pipeline ÷ remaining quota, when both are in the reporting currency."""
    people: int = 0
    notes: list[str] = field(default_factory=list)


def _pipeline_by_person(quarter: Period) -> dict[str, dict[str, Decimal]]:
    """person -> {forecast category: open pipeline, "_weighted": weighted pipeline} for
    deals expected to close in ``quarter``, cached."""
    key = _cache_key("pipeline", quarter.label)
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    common: dict[str, Any] = {"grain": "quarter", "start": quarter.start, "end": quarter.end}
    found: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in metrics.get("pipeline_value").query(
            by=["person", "forecast_category"], **common).to_pyarrow().to_pylist():
        if row["value"] is not None:
            found[row["person"]][row["forecast_category"] or ""] = row["value"]
    for row in metrics.get("weighted_pipeline").query(
            by=["person"], **common).to_pyarrow().to_pylist():
        if row["value"] is not None:
            found[row["person"]]["_weighted"] = row["value"]
    result = dict(found)
    cache.set(key, result, CACHE_SECONDS)
    return result


def _quota_left(*, run: CalculationRun, quarter: Period, people: set[str]
                ) -> list[tuple[str, Decimal]]:
    """(currency, quota − credited) over ``people``'s approved bookings quotas of
    ``quarter``, never below zero. Credited is what the run counted on their
    quota-carrying components; someone with a quota and nothing credited yet (the engine
    writes no measure row for them) still counts their whole quota."""
    from attain.metrics.org import QUOTA_METRIC
    from attain.targets import services as target_services

    quotas = [quota for quota in target_services.current_quotas(
        period=quarter.label, metric=QUOTA_METRIC)
        if quota.person is not None and quota.person.employee_id in people]
    credited: dict[str, list[Decimal]] = defaultdict(list)
    for row in web_services.summaries(run, people):
        if row.quota is not None and row.period_start == quarter.start:
            credited[row.payee_id].append(row.credited)
    remaining: dict[str, list[Decimal]] = defaultdict(list)
    for quota in quotas:
        assert quota.person is not None
        remaining[quota.currency].append(quota.amount)
        remaining[quota.currency].extend(-value for value in credited.get(
            quota.person.employee_id, []))
    return sorted((currency, max(ZERO, round_money(sum_money(parts))))
                  for currency, parts in remaining.items())


def forecast(*, run: CalculationRun, manager_id: str, team: set[str]) -> Forecast:
    """The team's open pipeline due in the run's quarter by forecast category, weighted
    pipeline, and the bookings quota the team still has to book (the people below the
    manager; the manager's own roll-up quota is left out, it would count the team twice)."""
    quarter = _quarter_of(run)
    pipeline = _pipeline_by_person(quarter)
    members = team | {manager_id}
    per_category: dict[str, list[Decimal]] = defaultdict(list)
    weighted: list[Decimal] = []
    for person in members:
        for category, amount in pipeline.get(person, {}).items():
            if category == "_weighted":
                weighted.append(amount)
            else:
                per_category[category].append(amount)
    order = {name: index for index, name in enumerate(FORECAST_CATEGORIES)}
    ordered = sorted(per_category.items(),
                     key=lambda item: (order.get(item[0], len(order)), item[0]))
    categories = [(name.replace("_", " ").capitalize() or "Uncategorised", sum_money(amounts))
                  for name, amounts in ordered]
    left = _quota_left(run=run, quarter=quarter, people=team - {manager_id})
    weighted_total = sum_money(weighted)
    coverage = None
    if len(left) == 1 and left[0][0] == "USD" and left[0][1] > 0:
        coverage = (weighted_total / left[0][1]).quantize(Decimal("0.01"))
    return Forecast(period=quarter.label, categories=categories,
                    pipeline=sum_money(amount for _name, amount in categories),
                    weighted=weighted_total, remaining_quota=left, coverage=coverage,
                    people=len(team - {manager_id}))


# --- who is behind and why ------------------------------------------------------------------


@dataclass(frozen=True)
class Behind:
    employee_id: str
    name: str
    target: str
    status: str
    status_label: str
    day: dt.date
    """Since when: the day of the change that put the target here."""
    reason: str
    """The latest reading: share of pace, actual against expected."""
    message: str
    """The alert's own message (the targets' wording, kept for the record)."""
    causes: list[dict[str, Any]]
    """The alert's likely causes, each with ``why`` and ``action`` in words."""


def _standing_of(record: Any) -> str:
    """The latest reading in words: "72% of pace: 79,690 against 111,067 expected by
    4 Nov" (whole units: these are metric values, not money to the cent)."""
    pace = (record.pace_attainment * HUNDRED).quantize(Decimal("1"))
    return (f"{pace}% of pace: {record.actual:,.0f} against {record.expected:,.0f} "
            f"expected by {record.day.day} {record.day:%b}")


def behind(*, people: Iterable[str], since: dt.date, limit: int = 12) -> list[Behind]:
    """The targets (quotas and goals) of ``people`` whose latest status since ``since`` is
    at risk or off track, worst first, each with the alert of the change that put it there
    (likely causes and suggested actions). Callers pass the people the viewer may see."""
    from attain.targets.models import StatusRecord, TargetStatus

    wanted = sorted(set(people))
    if not wanted:
        return []
    records = (StatusRecord.objects.filter(day__gte=since)
               .filter(Q(quota__person__employee_id__in=wanted)
                       | Q(goal__person__employee_id__in=wanted))
               .select_related("quota__person", "goal__person").order_by("day", "id"))
    latest: dict[tuple[str, int], Any] = {}
    alerted: dict[tuple[str, int], Any] = {}
    for record in records:
        key = ("quota", record.quota_id) if record.quota_id else ("goal", record.goal_id or 0)
        latest[key] = record
        if record.alert:
            alerted[key] = record
    found = []
    for key, record in latest.items():
        if record.status not in (TargetStatus.AT_RISK, TargetStatus.OFF_TRACK):
            continue
        owner = record.quota.person if record.quota_id else record.goal.person
        target = (f"{record.quota.metric} quota {record.quota.period}" if record.quota_id
                  else record.goal.title or record.goal.key)
        alert = alerted.get(key)
        details = alert.alert if alert is not None else {}
        found.append(Behind(
            employee_id=owner.employee_id, name=owner.name, target=target,
            status=record.status, status_label=record.get_status_display(),
            day=alert.day if alert is not None else record.day,
            reason=_standing_of(record),
            message=details.get("message", ""), causes=list(details.get("causes", []))))
    worst: dict[str, int] = {TargetStatus.OFF_TRACK.value: 0, TargetStatus.AT_RISK.value: 1}
    found.sort(key=lambda b: (worst.get(b.status, 2), b.name, b.target))
    return found[:limit]


# --- the estimator's products ---------------------------------------------------------------


def products() -> list[tuple[str, str]]:
    """(product id, name) for the estimator, by name; cached: the list changes only on an
    import, and reading it from the warehouse costs a compiled query per page view."""
    from attain.web.pages import estimator

    key = _cache_key("products")
    cached = cache.get(key)
    if cached is not None:
        return list(cached)
    found = estimator.products()
    cache.set(key, found, CACHE_SECONDS)
    return found


# --- finance: pay runs and their exports ----------------------------------------------------


@dataclass(frozen=True)
class PayRunStep:
    period: str
    state: str
    state_label: str
    exportable: bool
    """Approved by finance (or later): the payroll export holds only such payouts."""


def pay_runs(*, limit: int = 6) -> list[PayRunStep]:
    """The latest pay runs, newest first, with their approval state (one query)."""
    from attain.payouts.models import PayRun, RunState

    exportable = {RunState.APPROVED, RunState.PAID, RunState.CLOSED}
    return [PayRunStep(run.period, run.state, run.get_state_display(), run.state in exportable)
            for run in PayRun.objects.order_by("-period_start")[:limit]]
