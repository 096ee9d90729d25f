"""The earnings estimator: "what does this deal pay me?" for one payee and a hypothetical
deal, given their actual plan year to date.

It is the engine's own calculation restricted to one payee (their assignments and quotas
only) over a view of the warehouse that adds the hypothetical deal, run with and without
it: the marginal payout is the difference, so tiers, caps, gates and modifiers apply
exactly as in a real run. Nothing is written. For a payee credited only on deals they own,
split, overlay, engineer or source, the transactions are narrowed to theirs first, which
is what keeps an estimate well under a second on a large warehouse.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
from django.core.exceptions import PermissionDenied
from ibis.backends import BaseBackend

from attain.core.company import company_calendar
from attain.core.money import ONE, ZERO, D, round_money, round_rate, sum_money
from attain.core.periods import Period
from attain.engine import run as engine_run
from attain.engine import small
from attain.engine.calculate import EngineInputs, calculate, payee_small_tables
from attain.engine.errors import EngineError
from attain.payouts.errors import PayoutError
from attain.payouts.statements import OPERATOR, explain
from attain.warehouse import connection
from attain.web import access

DEAL_ID = "ESTIMATE"
OTHERS = "(others)"
TWIN_SUFFIX = "~with-deal"


@dataclass(frozen=True)
class EstimateLine:
    component: str
    tier: int | None
    rate: Decimal | None
    base: Decimal | None
    amount: Decimal
    text: str


@dataclass(frozen=True)
class Estimate:
    employee_id: str
    period: str
    currency: str
    deal_amount: Decimal
    share: Decimal
    marginal_payout: Decimal
    """What the payee's period earnings grow by with the deal."""
    earned_before: Decimal
    earned_after: Decimal
    attainment_before: Decimal | None
    attainment_after: Decimal | None
    lines: list[EstimateLine] = field(default_factory=list)
    """The deal's own earning lines: which tier it lands in, at what rate."""


class _WithDeal:
    """A warehouse seen through: the payee's transactions only, each also copied to a twin
    payee who gets the hypothetical deal too; or (``twin`` None) every transaction plus the
    deal. Everything else is the real backend."""

    narrowed: bool

    def __init__(self, backend: BaseBackend, extra: dict[str, list[dict[str, Any]]], *,
                 payee: str | None, twin: str | None) -> None:
        self._backend = backend
        self._extra = extra
        self._payee = payee
        self._twin = twin
        self.narrowed = payee is not None

    def _is_payee(self, value: ibis.Value) -> ibis.BooleanValue:
        return value == self._payee

    def _twin_of(self, value: ibis.StringValue) -> ibis.Value:
        return ibis.literal(self._twin)

    def _deal_rows(self, name: str, schema: ibis.Schema) -> ibis.Table | None:
        return self._as_sql(schema, self._extra[name]) if name in self._extra else None

    def _theirs(self) -> ibis.Table:
        """The payee's transactions: owned, split, or engineered or sourced by them."""
        table = self._backend.table("transactions")
        splits = self._backend.table("splits")
        theirs = splits.filter(self._is_payee(splits.person_id)).select(s_opp="opportunity_id")
        opportunities = self._backend.table("opportunities")
        helping = opportunities.filter(self._is_payee(opportunities.se_id)
                                       | self._is_payee(opportunities.sdr_id)).select(
            s_opp="opportunity_id")
        deals = theirs.union(helping).distinct()
        # Two filters and a union rather than one filter with OR: DuckDB pushes each
        # semi-join's keys into the scan, so a few hundred rows leave it, not every row.
        owned = table.filter(self._is_payee(table.owner_id))
        dealt = table.filter(table.opportunity_id.isin(deals.s_opp))
        return owned.union(dealt, distinct=True)

    def _as_twin(self, value: ibis.StringValue) -> ibis.Value:
        return ibis.cases((self._is_payee(value), self._twin_of(value)), else_=value)

    def table(self, name: str, **kwargs: Any) -> ibis.Table:
        table = self._backend.table(name, **kwargs)
        if self.narrowed and name in ("transactions", "opportunities", "splits"):
            theirs = self._theirs()
            used = theirs.select(u_opp="opportunity_id").distinct()
            if name == "transactions":
                table = theirs
                copy = theirs.mutate(
                    transaction_id=theirs.transaction_id.concat(TWIN_SUFFIX),
                    order_id=theirs.order_id.concat(TWIN_SUFFIX),
                    opportunity_id=theirs.opportunity_id.concat(TWIN_SUFFIX),
                    reverses_transaction_id=theirs.reverses_transaction_id.concat(TWIN_SUFFIX),
                    owner_id=self._as_twin(theirs.owner_id))
            else:
                table = table.filter(table.opportunity_id.isin(used.u_opp))
                renamed: dict[str, ibis.Value] = {
                    "opportunity_id": table.opportunity_id.concat(TWIN_SUFFIX)}
                for column in ("owner_id", "se_id", "sdr_id", "person_id"):
                    if column in table.columns:
                        renamed[column] = self._as_twin(table[column])
                copy = table.mutate(**renamed)
            table = table.union(copy.cast(table.schema()))
        deal = self._deal_rows(name, table.schema())
        if deal is not None:
            table = table.union(deal)
        return table

    def _as_sql(self, schema: ibis.Schema, rows: list[dict[str, Any]]) -> ibis.Table:
        """The rows as SELECTs of typed literals from a one-row aggregate of a small table.

        Not a memtable: DuckDB may push a join's bloom filter into an Arrow scan, which it
        cannot do yet, and literals compile the same on every backend."""
        products = self._backend.table("products")
        one_row = products.aggregate(rows_=products.count())
        parts = [one_row.select(**{
            column: (ibis.literal(row[column], type=dtype) if row.get(column) is not None
                     else ibis.null().cast(dtype))
            for column, dtype in schema.items()}) for row in rows]
        result = parts[0]
        for part in parts[1:]:
            result = result.union(part)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


WHO = f"{small.PREFIX}who"
THEIRS = f"{small.PREFIX}theirs"
DEAL_TABLES = ("transactions", "opportunities", "splits")


def _who() -> ibis.Table:
    return ibis.table({"payee": "string", "twin": "string"}, name=WHO)


class _Named(_WithDeal):
    """The narrowed view with the payee and the deal in named tables (``attain_est_who``,
    ``attain_est_deal_<table>``) rather than literals: its SQL is the same for every payee
    and deal on the same plans and period, so it is compiled once and run many times."""

    def __init__(self, backend: BaseBackend) -> None:
        super().__init__(backend, {}, payee=None, twin=None)
        self.narrowed = True

    def _is_payee(self, value: ibis.Value) -> ibis.BooleanValue:
        return value.isin(_who().payee)

    def _theirs(self) -> ibis.Table:
        """The payee's transactions, written once per call by :meth:`theirs_query` (the
        split check and the calculation both read them; each would scan every
        transaction to find them)."""
        return ibis.table(self._backend.table("transactions").schema(), name=THEIRS)

    def theirs_query(self) -> ibis.Table:
        return super()._theirs()

    def _twin_of(self, value: ibis.StringValue) -> ibis.Value:
        return value.concat(TWIN_SUFFIX)

    def _deal_rows(self, name: str, schema: ibis.Schema) -> ibis.Table | None:
        if name not in DEAL_TABLES:
            return None
        return ibis.table(schema, name=f"{small.PREFIX}deal_{name}")


def _one_payee(inputs: EngineInputs, employee_id: str, twin: str | None = None
               ) -> EngineInputs:
    """The inputs of one payee only, and of their twin (the same plans and quotas)."""
    def copies(rows: list[Any]) -> list[Any]:
        mine = [row for row in rows if row.person_id == employee_id]
        return mine + ([dataclasses.replace(row, person_id=twin) for row in mine]
                       if twin is not None else [])

    return EngineInputs(calendar=inputs.calendar, plans=inputs.plans,
                        assignments=copies(inputs.assignments),
                        reporting_lines=inputs.reporting_lines,
                        quotas=copies(inputs.quotas), mbo_scores=copies(inputs.mbo_scores),
                        territories=inputs.territories)


def _alone(inputs: EngineInputs, employee_id: str, twin: str) -> EngineInputs:
    """The inputs of a payee nobody reports to, and of their twin: only their own plan
    versions, and no reporting lines or territories (in a calculation of these two they
    would credit nobody who is paid in it)."""
    mine = _one_payee(inputs, employee_id, twin)
    used = {(row.plan_code, row.plan_version) for row in mine.assignments}
    plans = [item for item in inputs.plans
             if (item.document.plan, item.document.version) in used]
    return dataclasses.replace(mine, plans=plans, reporting_lines=[], territories=None)


@dataclass(frozen=True)
class _Compiled:
    """The one-payee calculation of some plans and period, compiled once."""

    sql: str
    theirs: str
    """The payee's transactions, run first into a temporary table."""
    checks: list[tuple[str, Callable[[list[dict[str, Any]]], None]]]
    """The split check's SQL and what raises on its rows."""
    data: dict[str, pa.Table]
    """Every small table of the build that compiled it, by name; the payee's own ones are
    replaced at each call."""


CACHE_SIZE = 64
_cache: OrderedDict[tuple[Any, ...], _Compiled] = OrderedDict()
_cache_lock = threading.Lock()


@functools.cache
def _code_version() -> str:
    return engine_run.code_version()


def _plans_digest(inputs: EngineInputs) -> str:
    text = json.dumps([[item.document.model_dump(mode="json", by_alias=True),
                        str(item.valid_from), str(item.valid_to)] for item in inputs.plans],
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _compile(backend: BaseBackend, inputs: EngineInputs, period: Period) -> _Compiled:
    """Build and compile the calculation with every payee-, deal- and plan-specific table
    named, so that the SQL holds no payee and no deal."""
    warehouse = _Named(backend)
    with small.named() as recorded:
        calculation = calculate(warehouse, inputs, period)
        lines = calculation.derive(calculation.rows).lines
        who = _who()
        lines = lines.filter(lines.payee_id.isin(who.payee) | lines.payee_id.isin(who.twin))
    return _Compiled(sql=str(backend.compile(lines)),
                     theirs=str(backend.compile(warehouse.theirs_query())),
                     checks=[(str(backend.compile(query)), complain)
                             for query, complain in recorded.checks],
                     data=dict(recorded.data))


def _temp_table(database: Any, name: str, data: pa.Table) -> None:
    """``data`` as the connection's temporary table ``name``, replacing the previous one.

    A table rather than a registered Arrow view: the big tables are filtered by it, and
    DuckDB cannot push a join's filter into an Arrow scan."""
    database.register("attain_est_incoming", data)
    try:
        database.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS "
                         "SELECT * FROM attain_est_incoming")
    finally:
        database.unregister("attain_est_incoming")


def _compiled_lines(*, backend: BaseBackend, url: str, inputs: EngineInputs, period: Period,
                    extra: dict[str, list[dict[str, Any]]], employee_id: str, twin: str
                    ) -> list[dict[str, Any]]:
    """The payee's and the twin's lines from SQL compiled once per process for the same
    plans, period and warehouse (DuckDB): each call supplies the payee's small tables and
    the deal, and runs the SQL as it is.

    Building and compiling the calculation costs seconds, running it a tenth of one."""
    with small.named() as theirs:
        payee_small_tables(inputs, period)
    database = backend.con
    # The deal tables' columns as DuckDB has them (asking Ibis costs a parse per column).
    schemas = {name: database.execute(f"SELECT * FROM {name} LIMIT 0").to_arrow_table().schema
               for name in DEAL_TABLES}
    key = (url, period.label, inputs.calendar.start_month, _plans_digest(inputs),
           tuple(sorted(theirs.data)),
           tuple((name, str(schema)) for name, schema in schemas.items()),
           _code_version())
    with _cache_lock:
        compiled = _cache.get(key)
        if compiled is not None:
            _cache.move_to_end(key)
    if compiled is None:
        compiled = _compile(backend, inputs, period)
        with _cache_lock:
            _cache[key] = compiled
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    # Registering under the same names replaces the previous call's data: nothing piles up
    # on the connection from one estimate to the next.
    for name, data in {**compiled.data, **theirs.data}.items():
        database.register(name, data)
    _temp_table(database, WHO, pa.table({"payee": pa.array([employee_id], pa.string()),
                                         "twin": pa.array([twin], pa.string())}))
    for name, schema in schemas.items():
        rows = [{column: row.get(column) for column in schema.names}
                for row in extra.get(name, [])]
        _temp_table(database, f"{small.PREFIX}deal_{name}",
                    pa.Table.from_pylist(rows, schema=schema))
    database.execute(f"CREATE OR REPLACE TEMP TABLE {THEIRS} AS {compiled.theirs}")
    for sql, complain in compiled.checks:
        complain(database.execute(sql).to_arrow_table().to_pylist())
    result: list[dict[str, Any]] = database.execute(compiled.sql).to_arrow_table().to_pylist()
    return result


def estimate(*, viewer: Any, employee_id: str, amount: str | Decimal, booked_on: dt.date,
             product_id: str, share: str | Decimal = "1", deal_type: str = "new",
             account_id: str | None = None, currency: str = "USD", url: str | None = None,
             inputs: EngineInputs | None = None) -> Estimate:
    """The marginal payout of a hypothetical deal for ``employee_id``."""
    if viewer is not OPERATOR and not access.can_see_money_of(viewer, employee_id, booked_on):
        raise PermissionDenied(f"you may not see the earnings of {employee_id}")
    try:
        deal_amount, deal_share = D(amount), D(share)
    except (TypeError, ValueError) as error:
        raise PayoutError(str(error)) from error
    if deal_amount <= 0 or deal_amount != round_money(deal_amount):
        raise PayoutError(f"amount: {amount} is not a positive whole number of cents")
    if not ZERO < deal_share <= ONE:
        raise PayoutError(f"share: {share} is not between 0 (excluded) and 1")
    period = company_calendar().period_containing(booked_on, "quarter")
    try:
        everyone = inputs or engine_run.inputs_from_app(period, person=employee_id)
    except EngineError as error:
        raise PayoutError(str(error)) from error
    mine = _one_payee(everyone, employee_id)
    if not any(a.valid_from <= booked_on and (a.valid_to is None or booked_on <= a.valid_to)
               for a in mine.assignments):
        raise PayoutError(f"{employee_id} is on no plan in force on {booked_on}")
    backend = connection.connect(url)
    products = backend.table("products")
    if not products.filter(products.product_id == product_id).count().execute():
        raise PayoutError(f"product: no product {product_id!r} in the warehouse")
    # A payee paid on others' deals (a manager's roll-up, anyone on a plan crediting
    # territories) needs every transaction and two calculations; anyone else gets one
    # calculation of two payees: themselves as they are, and a twin with the same deals
    # plus the hypothetical one.
    alone = not (any(line[1] == employee_id for line in mine.reporting_lines)
                 or mine.territories is not None)
    twin = f"{employee_id}{TWIN_SUFFIX}"
    holder = twin if alone else employee_id
    deal = {
        "transaction_id": DEAL_ID, "order_id": DEAL_ID, "opportunity_id": DEAL_ID,
        "account_id": account_id or DEAL_ID, "product_id": product_id,
        "owner_id": holder, "deal_type": deal_type, "quantity": Decimal(1),
        "unit_price": deal_amount, "discount": ZERO, "cost": ZERO, "currency": currency,
        "booked_on": booked_on, "kind": "order", "amount": deal_amount,
    }
    opportunity = {
        "opportunity_id": DEAL_ID, "name": "Hypothetical deal",
        "account_id": account_id or DEAL_ID, "owner_id": holder,
        "product_id": product_id, "amount": deal_amount, "currency": currency,
        "stage": "Closed Won", "deal_type": deal_type, "is_closed": True, "is_won": True,
        "close_date": booked_on, "created_on": booked_on,
    }
    extra = {"transactions": [deal], "opportunities": [opportunity]}
    if deal_share != ONE:
        extra["splits"] = [
            {"opportunity_id": DEAL_ID, "person_id": holder, "share": deal_share,
             "split_type": "revenue"},
            {"opportunity_id": DEAL_ID, "person_id": OTHERS, "share": ONE - deal_share,
             "split_type": "revenue"}]
    try:
        if alone:
            inputs_alone = _alone(everyone, employee_id, twin)
            if connection.backend_name(url) == "duckdb":
                both = _compiled_lines(backend=backend, url=url or connection.configured_url(),
                                       inputs=inputs_alone, period=period, extra=extra,
                                       employee_id=employee_id, twin=twin)
            else:
                both = _lines(_WithDeal(backend, extra, payee=employee_id, twin=twin),
                              inputs_alone, period, [employee_id, twin])
            before = [row for row in both if row["payee_id"] == employee_id]
            after = [row for row in both if row["payee_id"] == twin]
        else:
            before = _lines(_WithDeal(backend, {}, payee=None, twin=None), mine, period,
                            [employee_id])
            after = _lines(_WithDeal(backend, extra, payee=None, twin=None), mine, period,
                           [employee_id])
    except EngineError as error:
        raise PayoutError(str(error)) from error
    if any(row["amount"] is None for row in after):
        raise PayoutError(f"no exchange rate from {currency} on {booked_on} into the payee's "
                          "pay currency")
    earned_before = sum_money(row["amount"] for row in before)
    earned_after = sum_money(row["amount"] for row in after)
    pay_currency = after[0]["currency"] if after else currency
    own = [row for row in after if row["transaction_id"] == DEAL_ID]
    own.sort(key=lambda row: (row["component_id"], row["tier_no"] or 0))
    return Estimate(
        employee_id=employee_id, period=period.label, currency=pay_currency,
        deal_amount=deal_amount, share=deal_share,
        marginal_payout=earned_after - earned_before, earned_before=earned_before,
        earned_after=earned_after, attainment_before=_attainment(before, booked_on),
        attainment_after=_attainment(after, booked_on),
        lines=[EstimateLine(row["component_id"], row["tier_no"], row["rate"], row["base"],
                            row["amount"], explain(row, account_name="hypothetical deal"))
               for row in own])


def _lines(warehouse: _WithDeal, inputs: EngineInputs, period: Period, payees: list[str]
           ) -> list[dict[str, Any]]:
    """The payees' earning lines of one calculation, in one query (the credited rows are
    not staged and the rate check is left to the amounts: one compile, not three).

    On DuckDB the small tables are named and registered under fixed names, replacing the
    previous call's: as memtables Ibis would leave each registered on the connection, and
    every estimate would pile up more."""
    backend = warehouse._backend
    if backend.name != "duckdb":
        calculation = calculate(warehouse, inputs, period)
        lines = calculation.derive(calculation.rows).lines
        return lines.filter(lines.payee_id.isin(payees)).to_pyarrow().to_pylist()
    with small.named() as recorded:
        calculation = calculate(warehouse, inputs, period)
        lines = calculation.derive(calculation.rows).lines
        lines = lines.filter(lines.payee_id.isin(payees))
    database = backend.con
    for name, data in recorded.data.items():
        database.register(name, data)
    for query, complain in recorded.checks:
        complain(database.execute(str(backend.compile(query))).to_arrow_table().to_pylist())
    result: list[dict[str, Any]] = database.execute(
        str(backend.compile(lines))).to_arrow_table().to_pylist()
    return result


def _attainment(lines: list[dict[str, Any]], day: dt.date) -> Decimal | None:
    """The highest attainment the lines reach in a component period holding ``day``."""
    values = [row["cum_after"] / row["quota"] for row in lines
              if row["quota"] and row["cum_after"] is not None
              and row["period_start"] <= day <= row["period_end"]]
    return round_rate(max(values)) if values else None


def warm(*, day: dt.date | None = None, url: str | None = None,
         per_plan: int = 1) -> list[str]:
    """Estimate a small deal once for a rep on each published plan in force on ``day``
    (default today), so that the server's first real estimate of the plan finds its
    calculation compiled (the first costs seconds, the rest a fraction of one). Only payees
    nobody reports to, on plans not crediting territories, on DuckDB, use the compiled
    path; others gain nothing from warming and are skipped. Returns the plan codes warmed.

    Called in a background thread by ``attain serve``: it must never stop the server, so a
    plan that cannot be estimated (no product, no quota, an empty warehouse) is passed."""
    from django.db.models import Q

    from attain.org.models import TeamManager
    from attain.plans.models import PlanAssignment, PlanVersion, VersionStatus

    if connection.backend_name(url) != "duckdb":
        return []
    on = day or dt.date.today()
    backend = connection.connect(url)
    products = backend.table("products")
    if not int(products.count().execute()):
        return []
    product = products.order_by("product_id").limit(1).execute()["product_id"].iloc[0]
    managers = set(TeamManager.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on),
                                              valid_from__lte=on)
                   .values_list("person__employee_id", flat=True))
    warmed = []
    for code in (PlanVersion.objects.filter(status=VersionStatus.PUBLISHED, valid_from__lte=on)
                 .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
                 .values_list("plan__code", flat=True).distinct().order_by("plan__code")):
        people = (PlanAssignment.objects.filter(plan__code=code, valid_from__lte=on)
                  .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
                  .exclude(person__employee_id__in=managers)
                  .values_list("person__employee_id", flat=True).order_by("person__employee_id"))
        for employee_id in list(people)[:per_plan]:
            try:
                estimate(viewer=OPERATOR, employee_id=employee_id, amount="1000",
                         booked_on=on, product_id=str(product), url=url)
            except Exception:  # warming must never stop the server
                continue
            warmed.append(code)
            break
    return warmed
