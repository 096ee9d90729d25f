"""A calculation run: gather the inputs, fingerprint them, calculate, write the results.

``run(period="2026-Q1")`` reads plans, assignments, quotas and the hierarchy from the app
database, calculates on the warehouse, and writes the results tagged with a new run id to
the warehouse tables ``results_lines``, ``results_measures``, ``results_earnings`` and
``results_credits``, all or nothing. The same inputs always give the same fingerprint and
the same results to the cent.

This module is the only one in the engine that knows about Django; the stages know only
Ibis tables and plain values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

from attain import __version__
from attain.core.company import company_calendar
from attain.core.periods import FiscalCalendar, Period
from attain.engine.calculate import (
    Assignment,
    Calculation,
    EngineInputs,
    MboScore,
    QuotaRow,
    calculate,
    check_rates,
    earnings_of,
    plan_year,
)
from attain.engine.errors import EngineError
from attain.engine.plans import PlanVersionInput
from attain.plans.language import PlanErrors, load_plan
from attain.warehouse import connection

RESULT_TABLES = ("results_lines", "results_measures", "results_earnings", "results_credits")
ENGINE_SOURCE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class RunResult:
    run_id: str
    period: str
    fingerprint: str
    counts: dict[str, int]
    totals: dict[str, str]
    """Earned per currency, as exact decimal text."""
    seconds: float


def code_version() -> str:
    """Attain's version and a digest of the engine's and plan language's source."""
    digest = hashlib.sha256()
    for folder in (ENGINE_SOURCE, ENGINE_SOURCE.parent / "plans"):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def inputs_from_app(period: Period, *, plan: str | None = None, person: str | None = None,
                    calendar: FiscalCalendar | None = None) -> EngineInputs:
    """Read what a run of ``period`` needs from the app database (on the company's fiscal
    calendar unless another is given).

    ``person``: only what that one employee's pay depends on (their plans, assignments,
    quotas and MBO scores, the reporting lines of people under them, the territories they
    hold), for the estimator, which must not read the whole company for one answer."""
    calendar = calendar or company_calendar()
    from django.db.models import Q

    from attain.org import services as org_services
    from attain.org.models import Person, TeamManager
    from attain.plans.models import PlanAssignment, PlanVersion, VersionStatus
    from attain.targets.models import OwnerType, Quota, QuotaStatus

    year = plan_year(calendar, period)
    start, end = year.start, period.end
    versions = PlanVersion.objects.filter(status=VersionStatus.PUBLISHED,
                                          valid_from__lte=end).select_related("plan")
    versions = versions.exclude(valid_to__lt=start)
    if plan:
        versions = versions.filter(plan__code=plan)
    if person is not None:
        versions = versions.filter(plan__assignments__person__employee_id=person).distinct()
    plans: list[PlanVersionInput] = []
    problems: list[str] = []
    for version in versions:
        try:
            document = load_plan(version.document, source=f"{version.plan.code} v{version.number}")
        except PlanErrors as errors:
            problems.append(errors.report())
            continue
        plans.append(PlanVersionInput(document, version.valid_from, version.valid_to))
    if problems:
        raise EngineError("published plan versions have errors:\n" + "\n".join(problems))
    if not plans:
        if person is not None:
            raise EngineError(f"{person} is on no plan in force in {period.label} (no "
                              "published version of a plan they are assigned to)"
                              + (f" named {plan!r}" if plan else ""))
        raise EngineError(f"no published plan is in force in {period.label}"
                          + (f" named {plan!r}" if plan else ""))
    people = Person.objects.all()
    if person is not None:
        people = people.filter(employee_id=person)
    currencies = dict(people.values_list("employee_id", "currency"))
    by_plan: dict[str, list[PlanVersionInput]] = {}
    for item in plans:
        by_plan.setdefault(item.document.plan, []).append(item)
    assignments: list[Assignment] = []
    assigned = PlanAssignment.objects.filter(plan__code__in=list(by_plan))
    if person is not None:
        assigned = assigned.filter(person__employee_id=person)
    for assignment in assigned.select_related("plan", "person"):
        for item in by_plan[assignment.plan.code]:
            first = max(assignment.valid_from, item.valid_from, start)
            ends = [d for d in (assignment.valid_to, item.valid_to, end) if d is not None]
            last = min(ends)
            if first <= last:
                assignments.append(Assignment(
                    assignment.person.employee_id, item.document.plan, item.document.version,
                    first, last, currencies.get(assignment.person.employee_id, "USD")))
    # Quotas of the whole plan year (a yearly quota counts from the first quarter), the
    # approved version of each in force on the period's last day (the latest one whose
    # valid_from, if any, has come).
    latest: dict[tuple[str, str, str], tuple[int, QuotaRow]] = {}
    approved = Quota.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=end),
        owner_type=OwnerType.PERSON, status=QuotaStatus.APPROVED,
        period_start__gte=year.start, period_end__lte=year.end)
    if person is not None:
        approved = approved.filter(person__employee_id=person)
    for person_id, metric, label, q_start, q_end, amount, number in approved.values_list(
            "person__employee_id", "metric", "period", "period_start", "period_end", "amount",
            "version"):
        key = (person_id, metric, label)
        if key not in latest or latest[key][0] < number:
            latest[key] = (number, QuotaRow(person_id, metric, q_start, q_end, amount))
    quotas = [row for _number, row in latest.values()]
    # Only a team's manager has anyone reporting to them: for anyone else the hierarchy,
    # the costliest read here, is not built at all.
    lines = [(line.person, line.manager, line.depth, line.valid_from, line.valid_to)
             for line in (org_services.reporting_lines()
                          if person is None
                          or TeamManager.objects.filter(person__employee_id=person).exists()
                          else [])
             if person is None or line.manager == person]
    territories = None
    if any("territory" in component.credit or (component.spiff is not None
                                                and "territory" in component.spiff.credit)
           for item in plans for component in item.document.components):
        from attain.territories import services as territory_services

        territories = [row for row in territory_services.account_holders(
            warehouse=connection.connect(), start=start, end=end)
            if person is None or row[1] == person]
    return EngineInputs(calendar=calendar, plans=plans, assignments=assignments,
                        reporting_lines=lines, quotas=quotas,
                        mbo_scores=_mbo_scores(start, end, person), territories=territories)


def _mbo_scores(start: dt.date, end: dt.date, person: str | None = None) -> list[MboScore]:
    from attain.plans.models import MboScoreRecord

    records = MboScoreRecord.objects.all()
    if person is not None:
        records = records.filter(person__employee_id=person)
    return [MboScore(someone, f"{plan}:{version}:{component}", period, score)
            for someone, plan, version, component, period, score in
            records.values_list("person__employee_id", "plan__code",
                                               "plan_version", "component_id", "period",
                                               "score")]


def fingerprint_inputs(inputs: EngineInputs, period: Period,
                       data: dict[str, str]) -> tuple[str, dict[str, str]]:
    """A digest of everything the results depend on, and the digest of each part."""

    def digest(value: Any) -> str:
        text = json.dumps(value, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    parts = {
        "period": period.label,
        "calendar": str(inputs.calendar.start_month),
        "plans": digest([item.document.model_dump(mode="json", by_alias=True)
                         for item in inputs.plans]),
        "assignments": digest(sorted(inputs.assignments, key=str)),
        "quotas": digest(sorted(inputs.quotas, key=str)),
        "hierarchy": digest(sorted(inputs.reporting_lines, key=str)),
        "mbo": digest(sorted(inputs.mbo_scores, key=str)),
        "territories": digest(sorted(inputs.territories or [], key=str)),
        "code": code_version(),
        **{f"data.{name}": value for name, value in sorted(data.items())},
    }
    return digest(parts), parts


INPUT_TABLES = ("transactions", "opportunities", "accounts", "products", "splits", "fx_rates")


def data_fingerprint(backend: BaseBackend, start: dt.date, end: dt.date) -> dict[str, str]:
    """A digest per input table of the rows a run of [start, end] reads.

    Computed in the database as order-independent aggregates (row count and sums over the
    columns that matter), so it costs one scan, not a transfer of the data.
    """
    tx = backend.table("transactions")
    tx = tx.filter((tx.booked_on >= start) & (tx.booked_on <= end))
    aggregates = {
        "transactions": tx.aggregate(
            n=tx.count(), amount=tx.amount.sum(), quantity=tx.quantity.sum(),
            cost=tx.cost.sum(), owners=tx.owner_id.nunique(), deals=tx.opportunity_id.nunique(),
            first=tx.transaction_id.min(), last=tx.transaction_id.max(),
            days=tx.booked_on.nunique(), kinds=tx.kind.nunique(),
            owner_len=tx.owner_id.length().sum(), product_len=tx.product_id.length().sum()),
    }
    for name in INPUT_TABLES[1:]:
        table = backend.table(name)
        aggregates[name] = table.aggregate(n=table.count())
    splits = backend.table("splits")
    aggregates["splits"] = splits.aggregate(n=splits.count(), share=splits.share.sum(),
                                            people=splits.person_id.length().sum())
    fx = backend.table("fx_rates")
    aggregates["fx_rates"] = fx.aggregate(n=fx.count(), rate=fx.rate.sum())
    result = {}
    for name, expression in aggregates.items():
        values = expression.to_pyarrow().to_pylist()[0]
        result[name] = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()
                                      ).hexdigest()[:16]
    return result


@contextmanager
def _transaction(backend: BaseBackend) -> Iterator[None]:
    backend.raw_sql("BEGIN")
    try:
        yield
    except BaseException:
        backend.raw_sql("ROLLBACK")
        raise
    backend.raw_sql("COMMIT")


def _write(backend: BaseBackend, name: str, expression: ibis.Table, run_id: str) -> int:
    tagged = expression.mutate(run_id=ibis.literal(run_id)).relocate("run_id")
    if name not in backend.list_tables():
        backend.create_table(name, schema=tagged.schema())
    backend.insert(name, tagged)
    stored = backend.table(name)
    return int(stored.filter(stored.run_id == run_id).count().execute())


def run(
    *,
    period: str | Period,
    plan: str | None = None,
    url: str | None = None,
    calendar: FiscalCalendar | None = None,
    actor: Any = None,
    progress: Callable[[str], None] | None = None,
    inputs: EngineInputs | None = None,
) -> RunResult:
    """Calculate ``period`` (on the company's fiscal calendar unless another is given) and
    store the results under a new run id."""
    calendar = calendar or company_calendar()
    from django.utils import timezone

    from attain.engine.models import CalculationRun, RunStatus

    tell = progress or (lambda _text: None)
    the_period = period if isinstance(period, Period) else calendar.parse(period)
    started = time.perf_counter()
    run_id = uuid.uuid4().hex[:16]
    record = CalculationRun.objects.create(
        run_id=run_id, period=the_period.label, period_start=the_period.start,
        period_end=the_period.end, plan=plan or "",
        created_by=actor if getattr(actor, "is_authenticated", False) else None)
    try:
        tell("reading plans, people and quotas")
        engine_inputs = inputs or inputs_from_app(the_period, plan=plan, calendar=calendar)
        with _memory_explained():
            backend = connection.connect(url)
            year = plan_year(calendar, the_period)
            tell("fingerprinting the inputs")
            fingerprint, parts = fingerprint_inputs(
                engine_inputs, the_period, data_fingerprint(backend, year.start, the_period.end))
            tell("building the calculation")
            calculation = calculate(backend, engine_inputs, the_period)
            counts = write_results(calculation, run_id, url=url, progress=tell)
            totals = _totals(backend, run_id)
    except Exception as error:
        record.status = RunStatus.FAILED
        record.error = str(error)
        record.finished_at = timezone.now()
        record.seconds = time.perf_counter() - started
        record.save()
        raise
    seconds = time.perf_counter() - started
    record.status = RunStatus.SUCCEEDED
    record.fingerprint = fingerprint
    record.inputs = parts
    record.counts = counts
    record.totals = totals
    record.finished_at = timezone.now()
    record.seconds = seconds
    record.save()
    return RunResult(run_id, the_period.label, fingerprint, counts, totals, seconds)


@contextmanager
def _memory_explained() -> Iterator[None]:
    """DuckDB's out-of-memory error said as what to do about it (it names SQL settings)."""
    try:
        yield
    except Exception as error:
        if type(error).__name__ != "OutOfMemoryException":
            raise
        import os

        limit = os.environ.get("ATTAIN_WAREHOUSE_MEMORY") or "DuckDB's default (80% of RAM)"
        raise EngineError(
            f"the warehouse ran out of memory during the run (memory limit: {limit}); set "
            "ATTAIN_WAREHOUSE_MEMORY higher (docs/deployment.md) or run fewer plans or a "
            f"shorter period at once. DuckDB said: {str(error).splitlines()[0]}") from error


def write_results(calculation: Calculation, run_id: str, *, url: str | None = None,
                  progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write the four result tables for ``run_id`` in one transaction, holding the writer
    lock; on any failure nothing of the run is left behind.

    The credited rows are stored once in a temporary table and every result is derived from
    it, so the large expression is compiled and executed once, not once per result table.
    That table is made and committed before the results' transaction opens: in DuckDB a
    table created inside the transaction that reads it is scanned from the transaction's
    own storage, which made writing the earning lines about twice as costly (1M
    transactions: 57-64 s of CPU against 29-32 s, docs/benchmarks.md). It is temporary and
    dropped in any case, so the results stay all or nothing.
    """
    tell = progress or (lambda _text: None)
    counts: dict[str, int] = {}
    stage = f"_attain_rows_{run_id}"
    with connection.writing(url) as backend, _memory_explained():
        tell("crediting")
        backend.create_table(stage, calculation.rows, temp=True)
        try:
            staged = backend.table(stage)
            check_rates(staged)
            outputs = calculation.derive(staged)
            with _transaction(backend):
                tell("calculating earning lines")
                counts["results_lines"] = _write(backend, "results_lines", outputs.lines,
                                                 run_id)
                stored = backend.table("results_lines")
                tell("writing measures, earnings and credits")
                counts["results_earnings"] = _write(
                    backend, "results_earnings",
                    earnings_of(stored.filter(stored.run_id == run_id).drop("run_id")), run_id)
                counts["results_measures"] = _write(backend, "results_measures",
                                                    outputs.measures, run_id)
                counts["results_credits"] = _write(backend, "results_credits",
                                                   outputs.credits, run_id)
        finally:
            backend.drop_table(stage, force=True)
    return counts


def _totals(backend: BaseBackend, run_id: str) -> dict[str, str]:
    earnings = backend.table("results_earnings")
    mine = earnings.filter(earnings.run_id == run_id)
    frame = mine.group_by("currency").aggregate(total=mine.amount.sum()).to_pyarrow()
    return {row["currency"]: str(row["total"]) for row in frame.to_pylist()}


def results(name: str, run_id: str, *, url: str | None = None) -> ibis.Table:
    """One result table of one run, as an Ibis table (for notebooks and statements)."""
    if name not in RESULT_TABLES:
        raise EngineError(f"no result table {name!r}; there are {', '.join(RESULT_TABLES)}")
    backend = connection.connect(url)
    table = backend.table(name)
    return table.filter(table.run_id == run_id)


def latest_run(period: str | None = None) -> str | None:
    from attain.engine.models import CalculationRun, RunStatus

    runs = CalculationRun.objects.filter(status=RunStatus.SUCCEEDED)
    if period:
        runs = runs.filter(period=period)
    found = runs.order_by("-started_at", "-id").first()
    return found.run_id if found else None


__all__ = ["RunResult", "data_fingerprint", "inputs_from_app", "latest_run", "results", "run",
           "write_results"]
