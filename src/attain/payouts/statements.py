"""Statements: per payee per period, the headline and every line explained in words.

``statement(viewer=..., employee_id=..., period=...)`` returns plain dataclasses ready to
render by a page, the API, an export or ``attain explain``; ``statements(...)`` builds many
at once from one query (the payroll-day case). Both take the viewing user and refuse what
the access rule (:mod:`attain.web.access`) does not let them see, so every surface shares
one rule; :data:`OPERATOR` stands for the person at the command line.

A statement reads the pay run's engine run when the period has a pay run, otherwise the
latest successful engine run of the period. Its total is the sum of its lines, always.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow.compute as pc
from django.core.exceptions import PermissionDenied
from ibis.backends import BaseBackend

from attain.core.money import HUNDRED, ZERO, round_money, sum_money
from attain.core.periods import FiscalCalendar, Period
from attain.engine import run as engine_run
from attain.org.models import Person
from attain.payouts import explain_sql
from attain.payouts.errors import PayoutError
from attain.payouts.lifecycle import parse_period
from attain.payouts.models import Payout, PayRun
from attain.warehouse import connection
from attain.web import access


class _Operator:
    """The person at the command line: sees everything, like sales operations."""

    def __repr__(self) -> str:
        return "OPERATOR"


OPERATOR: Any = _Operator()


@dataclass(frozen=True)
class StatementLine:
    number: int
    kind: str
    """commission, spiff, bonus or mbo."""
    component: str
    booked_on: dt.date | None
    transaction_id: str | None
    deal: str | None
    account: str | None
    credit_rule: str | None
    share: Decimal | None
    credited: Decimal | None
    """The credited value in the pay currency."""
    tier: int | None
    rate: Decimal | None
    amount: Decimal
    currency: str
    text: str
    """The line explained in words a rep understands."""


@dataclass(frozen=True)
class ComponentHeadline:
    component: str
    period: str
    credited: Decimal
    quota: Decimal | None
    attainment: Decimal | None
    """Credited over quota, e.g. 1.04 for 104%."""
    pace: Decimal | None
    """Attainment over the share of the component's period gone by (1 = on pace)."""


@dataclass(frozen=True)
class PayoutLine:
    kind: str
    label: str
    amount: Decimal
    description: str


@dataclass(frozen=True)
class Statement:
    employee_id: str
    name: str
    period: str
    currency: str
    run_id: str
    pay_run_state: str
    """The pay run's state, or "not in a pay run" when the period has none yet."""
    earned: Decimal
    """The sum of the lines."""
    payable: Decimal | None
    paid: Decimal | None
    components: list[ComponentHeadline] = field(default_factory=list)
    lines: list[StatementLine] = field(default_factory=list)
    payout: list[PayoutLine] = field(default_factory=list)

    def line(self, number: int) -> StatementLine:
        for line in self.lines:
            if line.number == number:
                return line
        raise PayoutError(f"the statement of {self.employee_id} for {self.period} has no "
                          f"line {number} (it has {len(self.lines)})")


def _percent(value: Decimal) -> str:
    shown = (value * HUNDRED).quantize(Decimal("0.1"))
    return f"{shown.normalize():f}%" if shown == shown.to_integral() else f"{shown:f}%"


def _money(amount: Decimal, currency: str) -> str:
    return f"{round_money(amount):,.2f} {currency}"


RULE_WORDS = {
    "owner": "as the deal's owner",
    "split": "by the split on the opportunity",
    "overlay": "as overlay on {via}'s deal",
    "se": "as the sales engineer on {via}'s deal",
    "sdr": "as the SDR who sourced {via}'s deal",
    "territory": "as holder of the account's territory",
    "rollup": "because {via} reports to you",
}


def explain(row: dict[str, Any], *, account_name: str | None = None) -> str:
    """One earning line in words: deal, account, amount, credit, tier, rate, amount."""
    currency = row["currency"]
    amount = _money(row["amount"], currency)
    kind = row["line_kind"]
    deal = row.get("opportunity_id") or row.get("transaction_id")
    where = ", ".join(part for part in (f"Deal {deal}" if deal else None, account_name)
                      if part)
    if kind in ("bonus", "mbo"):
        what = row.get("note") or kind
        return f"{row['component_id']}: {what}: {amount}"
    if kind == "spiff":
        text = f"{where}: SPIFF {row['component_id']}"
        note = row.get("note")
        return f"{text} ({note}): {amount}" if note else f"{text}: {amount}"
    source = _money(row["source_amount"], row["source_currency"])
    if row["source_currency"] != currency and row.get("fx_factor") is not None:
        converted = round_money(row["source_amount"] * row["fx_factor"])
        source += f" ({_money(converted, currency)} at {row['fx_factor'].normalize():f})"
    rule = RULE_WORDS.get(row.get("credit_rule") or "", "by rule {rule}").format(
        via=row.get("via_person") or "someone", rule=row.get("credit_rule"))
    text = f"{where}, {source} credited {_percent(row['share'])} to you {rule}"
    rate, quota = row.get("rate"), row.get("quota")
    base, value = row.get("base"), row.get("value")
    part = ""
    if base is not None and value is not None and base != value:
        part = f" to {_money(base, currency)} of it"
    if row.get("note"):
        text += f"; {row['note']}"
    elif rate is not None and quota:
        start = max(row.get("cum_before") or ZERO, row.get("tier_lower") or ZERO)
        text += (f"; you were at {_percent(start / quota)} of quota, so the "
                 f"{_percent(rate)} tier applied{part}")
    elif rate is not None:
        text += f"; the {_percent(rate)} rate applied{part}"
    modifier = row.get("modifier")
    if modifier is not None and modifier != 1:
        text += f", times a modifier of {modifier.normalize():f}"
    return f"{text}: {amount}"


def run_for(period: Period) -> tuple[str, PayRun | None]:
    """The engine run a period's statements read, and its pay run if it has one."""
    pay_run = PayRun.objects.filter(period=period.label).first()
    if pay_run is not None and pay_run.calculation_run_id:
        return pay_run.calculation_run_id, pay_run
    run_id = engine_run.latest_run(period.label)
    if run_id is None:
        raise PayoutError(f"{period.label} has not been calculated: run `attain run --period "
                          f"{period.label}` or calculate its pay run")
    return run_id, None


def _check_access(viewer: Any, employee_ids: Iterable[str], day: dt.date) -> None:
    if viewer is OPERATOR:
        return
    visible = access.visible_people(viewer, day)
    if visible is access.ALL:
        return
    refused = sorted(set(employee_ids) - visible)
    if refused:
        raise PermissionDenied(f"you may not see the earnings of {', '.join(refused[:5])}")


def statement(*, viewer: Any, employee_id: str, period: str | Period,
              url: str | None = None, as_of: dt.date | None = None) -> Statement:
    """One payee's statement; refuses a viewer who may not see their money."""
    the_period = parse_period(period)
    _check_access(viewer, [employee_id], the_period.end)
    found = statements(viewer=viewer, period=the_period, employee_ids=[employee_id], url=url,
                       as_of=as_of)
    return found[0]


def statements(*, viewer: Any, period: str | Period, employee_ids: Iterable[str] | None = None,
               url: str | None = None, as_of: dt.date | None = None) -> list[Statement]:
    """The statements of ``employee_ids`` (default: everyone ``viewer`` may see who has
    lines or a payout), in employee id order."""
    found = iter_statements(viewer=viewer, period=period, employee_ids=employee_ids, url=url,
                            as_of=as_of)
    return sorted(found, key=lambda item: item.employee_id)


LINE_COLUMNS = ("payee_id", "line_kind", "component_id", "booked_on", "transaction_id",
                "opportunity_id", "credit_rule", "via_person", "share", "value", "tier_no",
                "tier_lower", "rate", "base", "modifier", "quota", "cum_before", "note",
                "source_amount", "source_currency", "fx_factor", "amount", "currency")
BATCH_ROWS = 200_000


def iter_statements(*, viewer: Any, period: str | Period,
                    employee_ids: Iterable[str] | None = None, url: str | None = None,
                    as_of: dt.date | None = None) -> Iterator[Statement]:
    """Statements one payee at a time, streaming the lines in batches, so a payroll day of
    ten thousand statements never holds every line in memory."""
    the_period = parse_period(period)
    run_id, pay_run = run_for(the_period)
    visible = (None if viewer is OPERATOR
               else access.visible_people(viewer, the_period.end))
    wanted: set[str] | None = None
    if employee_ids is not None:
        wanted = set(employee_ids)
        _check_access(viewer, wanted, the_period.end)
    elif visible is not access.ALL:
        wanted = set(visible)
    backend = connection.connect(url)
    single = next(iter(wanted)) if wanted is not None and len(wanted) == 1 else None
    cached = (_cached_payee(backend, url, run_id, the_period, single)
              if single is not None else None)
    measures_by_payee: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if cached is not None:
        measures_by_payee[single or ""] = cached[0]
    else:
        measures_by_payee.update(_measures(backend, run_id, the_period, wanted))
    payouts: dict[str, Payout] = {}
    if pay_run is not None:
        query = pay_run.payouts.prefetch_related("items")
        if wanted is not None:
            query = query.filter(employee_id__in=wanted)
        payouts = {payout.employee_id: payout for payout in query}
    found_people = Person.objects.all()
    if wanted is not None and len(wanted) <= 1000:
        found_people = found_people.filter(employee_id__in=wanted)
    people: dict[str, str] = {}
    currencies: dict[str, str] = {}
    for employee_id, name, currency in found_people.values_list("employee_id", "name",
                                                                "currency"):
        people[employee_id] = name
        currencies[employee_id] = currency
    day = as_of or min(dt.date.today(), the_period.end)
    state = pay_run.get_state_display() if pay_run else "not in a pay run"

    def build(employee_id: str, lines: list[StatementLine]) -> Statement:
        currency = lines[0].currency if lines else currencies.get(employee_id, "USD")
        payout = payouts.get(employee_id)
        return Statement(
            employee_id=employee_id, name=people.get(employee_id, employee_id),
            period=the_period.label, currency=currency, run_id=run_id, pay_run_state=state,
            earned=sum_money(line.amount for line in lines),
            payable=payout.payable if payout else None,
            paid=payout.paid if payout else None,
            components=[_headline(row, day, the_period) for row in
                        measures_by_payee.get(employee_id, [])],
            lines=list(lines),
            payout=[PayoutLine(item.kind, item.get_kind_display(), item.amount,
                               item.description) for item in payout.items.all()]
            if payout else [],
        )

    done: set[str] = set()
    streamed: Iterable[tuple[str, list[StatementLine]]]
    if cached is not None:
        streamed = [(single or "", cached[1])] if cached[1] else []
    else:
        streamed = _payees_lines(backend, run_id, wanted)
    for employee_id, lines in streamed:
        done.add(employee_id)
        yield build(employee_id, lines)
    rest = (wanted if wanted is not None else set(payouts)) - done
    for employee_id in sorted(rest):
        yield build(employee_id, [])


def _measures_expr(backend: BaseBackend, run_id: str, wanted: set[str] | None) -> Any:
    measures = backend.table("results_measures")
    measures = measures.filter(measures.run_id == run_id)
    if wanted is not None:
        measures = measures.filter(measures.payee_id.isin(sorted(wanted)))
    return measures.order_by(["payee_id", "comp_key", "period_start"])


def _in_period(rows: Iterable[dict[str, Any]], period: Period
               ) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["period_start"] <= period.end and row["period_end"] >= period.start:
            found[row["payee_id"]].append(row)
    return found


def _measures(backend: BaseBackend, run_id: str, period: Period, wanted: set[str] | None
              ) -> dict[str, list[dict[str, Any]]]:
    """Each payee's component results for the headline, in component and period order."""
    return _in_period(_measures_expr(backend, run_id, wanted).to_pyarrow().to_pylist(), period)


CACHE_SIZE = 512
CACHE_SECONDS = 600.0
_payee_cache: OrderedDict[tuple[str, str, str, str], tuple[float, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def _cached_payee(backend: BaseBackend, url: str | None, run_id: str, period: Period,
                  employee_id: str) -> tuple[list[dict[str, Any]], list[StatementLine]]:
    """One payee's measures and explained lines of a run, kept for ten minutes.

    A run's results are written once, all or nothing, under a new run id, so what a run id
    and payee give cannot change: a rerun is a new run id, hence a new key. What can change
    without a rerun is never kept here: the payout and its items (adjustments, approvals,
    payment), the pay run's state, people's names, and disputes are read at every call.
    Only an account renamed in the warehouse shows late, by at most ``CACHE_SECONDS``."""
    key = (url or connection.configured_url(), run_id, period.label, employee_id)
    now = time.monotonic()
    with _cache_lock:
        hit = _payee_cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            _payee_cache.move_to_end(key)
            return hit[1]
    if backend.name == "duckdb":
        measures_sql, lines_sql = _compiled_payee_queries(backend, key[0])
        database = backend.con
        given = {"run_id": run_id, "payee": employee_id}
        measures = _in_period(database.execute(measures_sql, given).to_arrow_table().to_pylist(),
                              period).get(employee_id, [])
        batches: Iterable[Any] = database.execute(lines_sql, given).to_arrow_reader(BATCH_ROWS)
    else:
        measures = _measures(backend, run_id, period, {employee_id}).get(employee_id, [])
        batches = _lines_expr(backend, run_id, {employee_id}).order_by(
            LINE_ORDER).to_pyarrow_batches(chunk_size=BATCH_ROWS)
    lines = next((found for _payee, found in _lines_from(batches)), [])
    value = (measures, lines)
    with _cache_lock:
        _payee_cache[key] = (now, value)
        _payee_cache.move_to_end(key)
        while len(_payee_cache) > CACHE_SIZE:
            _payee_cache.popitem(last=False)
    return value


RUN_SLOT = "attain-statement-run"
PAYEE_SLOT = "attain-statement-payee"
_compiled: dict[str, tuple[str, str]] = {}


def _compiled_payee_queries(backend: BaseBackend, url: str) -> tuple[str, str]:
    """One payee's measures and lines queries for DuckDB, compiled once per warehouse with
    the run and the payee as parameters ``$run_id`` and ``$payee``: building and compiling
    the Ibis expressions cost more than running them."""
    found = _compiled.get(url)
    if found is None:
        def slotted(expression: Any) -> str:
            sql = str(backend.compile(expression))
            for slot, parameter in ((RUN_SLOT, "$run_id"), (PAYEE_SLOT, "$payee")):
                if sql.count(f"'{slot}'") != 1:
                    raise PayoutError(f"the statement query names {slot!r} "
                                      f"{sql.count(slot)} times, not once")
                sql = sql.replace(f"'{slot}'", parameter)
            return sql

        found = (slotted(_measures_expr(backend, RUN_SLOT, {PAYEE_SLOT})),
                 slotted(_lines_expr(backend, RUN_SLOT, {PAYEE_SLOT}).order_by(LINE_ORDER)))
        _compiled[url] = found
    return found


SQL_WORDS_FROM = 20
"""Statements of more payees than this have their lines worded by the warehouse."""
LINE_ORDER = ["payee_id", "booked_on", "transaction_id", "comp_key", "credit_rule",
              "via_person", "tier_no", "line_kind"]
LINE_FIELDS = ("line_kind", "component_id", "booked_on", "transaction_id", "opportunity_id",
               "account_name", "credit_rule", "share", "value", "tier_no", "rate", "amount",
               "currency")
"""The columns a ``StatementLine`` is made of, in its order (after its number)."""
LOW_CARDINALITY = frozenset({"line_kind", "component_id", "booked_on", "credit_rule", "share",
                             "tier_no", "rate", "currency"})
"""Columns with few distinct values in a batch: turned into Python objects once per value."""


def _column(batch: Any, name: str) -> list[Any]:
    """A batch's column as Python objects; a column of few distinct values (shares, rates,
    days, kinds) makes each distinct value once and repeats it, which saves most of the
    cost of making a ``Decimal`` or ``date`` per line."""
    column = batch.column(name)
    if name not in LOW_CARDINALITY or len(column) < 64:
        return list(column.to_pylist())
    encoded = pc.dictionary_encode(column)
    values = encoded.dictionary.to_pylist()
    return [None if index is None else values[index] for index in encoded.indices.to_pylist()]


def _payees_lines(backend: BaseBackend, run_id: str, wanted: set[str] | None
                  ) -> Iterator[tuple[str, list[StatementLine]]]:
    """(payee, their lines) in payee order, from one ordered query streamed in batches.

    For many payees on DuckDB the warehouse words each plain commission line
    (``explain_sql``); any line it leaves NULL, and every line of a few payees or on other
    warehouses, is worded by :func:`explain` (for one payee's few hundred lines, planning
    the long SQL costs more than Python's words)."""
    lines = _lines_expr(backend, run_id, wanted)
    if backend.name == "duckdb" and (wanted is None or len(wanted) > SQL_WORDS_FROM):
        sql = explain_sql.explained(str(backend.compile(lines)), LINE_ORDER)
        batches: Iterable[Any] = backend.con.execute(sql).to_arrow_reader(BATCH_ROWS)
    else:
        batches = lines.order_by(LINE_ORDER).to_pyarrow_batches(chunk_size=BATCH_ROWS)
    return _lines_from(batches)


def _lines_expr(backend: BaseBackend, run_id: str, wanted: set[str] | None) -> Any:
    stored = backend.table("results_lines")
    lines = stored.filter(stored.run_id == run_id).select(*LINE_COLUMNS, "account_id",
                                                           "comp_key")
    if wanted is not None:
        lines = lines.filter(lines.payee_id.isin(sorted(wanted)))
    accounts = backend.table("accounts").select(a_id="account_id", account_name="name")
    return lines.left_join(accounts, lines.account_id == accounts.a_id).select(
        *LINE_COLUMNS, "comp_key", "account_name")


def _lines_from(batches: Iterable[Any]) -> Iterator[tuple[str, list[StatementLine]]]:
    """(payee, their numbered, explained lines) from record batches ordered by payee."""
    current: str | None = None
    found: list[StatementLine] = []
    for batch in batches:
        payees = batch.column("payee_id").to_pylist()
        fields = [_column(batch, name) for name in LINE_FIELDS]
        texts = (batch.column("explanation").to_pylist()
                 if "explanation" in batch.schema.names else [None] * len(payees))
        rows: list[dict[str, Any]] | None = None
        for index, (payee, values, text) in enumerate(zip(payees, zip(*fields, strict=True),
                                                          texts, strict=True)):
            if payee != current:
                if current is not None:
                    yield current, found
                current, found = payee, []
            if text is None:
                if rows is None:
                    rows = batch.to_pylist()
                row = rows[index]
                text = explain(row, account_name=row["account_name"])
            (kind, component, booked_on, transaction_id, deal, account, rule, share, credited,
             tier, rate, amount, currency) = values
            found.append(StatementLine(
                len(found) + 1, kind, component, booked_on, transaction_id, deal, account,
                rule, share, credited, tier, rate, amount, currency, text))
    if current is not None:
        yield current, found


def pace_of(*, attainment: Decimal | None, period_start: dt.date, period_end: dt.date,
            day: dt.date, calendar: FiscalCalendar) -> Decimal | None:
    """Attainment over the share of the component's period gone by at the end of ``day``
    (1 = on pace; 1.2 = heading for 120% if the rest of the period goes the same way).
    None without a quota or before the period starts. The statement and the home page
    both read pace from here, so the two never disagree."""
    if attainment is None:
        return None
    elapsed = calendar.custom(period_start, period_end).elapsed_fraction(day)
    if elapsed <= 0:
        return None
    return (attainment / elapsed).quantize(Decimal("0.0001"))


def _headline(row: dict[str, Any], day: dt.date, period: Period) -> ComponentHeadline:
    return ComponentHeadline(component=row["component_id"], period=row["period_label"],
                             credited=row["credited_value"], quota=row["quota"],
                             attainment=row["attainment"],
                             pace=pace_of(attainment=row["attainment"],
                                          period_start=row["period_start"],
                                          period_end=row["period_end"], day=day,
                                          calendar=period.calendar))
