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
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied

from attain.core.money import HUNDRED, ZERO, round_money, sum_money
from attain.core.periods import FiscalCalendar, Period
from attain.engine import run as engine_run
from attain.org.models import Person
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
    measures = backend.table("results_measures")
    measures = measures.filter((measures.run_id == run_id)
                               & (measures.period_start <= the_period.end)
                               & (measures.period_end >= the_period.start))
    if wanted is not None:
        measures = measures.filter(measures.payee_id.isin(sorted(wanted)))
    measures_by_payee: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in measures.order_by(["payee_id", "comp_key", "period_start"]).to_pyarrow(
    ).to_pylist():
        measures_by_payee[row["payee_id"]].append(row)
    payouts: dict[str, Payout] = {}
    if pay_run is not None:
        query = pay_run.payouts.prefetch_related("items")
        if wanted is not None:
            query = query.filter(employee_id__in=wanted)
        payouts = {payout.employee_id: payout for payout in query}
    people = dict(Person.objects.values_list("employee_id", "name"))
    currencies = dict(Person.objects.values_list("employee_id", "currency"))
    day = as_of or min(dt.date.today(), the_period.end)
    state = pay_run.get_state_display() if pay_run else "not in a pay run"

    def build(employee_id: str, rows: list[dict[str, Any]]) -> Statement:
        currency = rows[0]["currency"] if rows else currencies.get(employee_id, "USD")
        statement_lines = [StatementLine(
            number=number, kind=row["line_kind"], component=row["component_id"],
            booked_on=row["booked_on"], transaction_id=row["transaction_id"],
            deal=row["opportunity_id"], account=row["account_name"],
            credit_rule=row["credit_rule"], share=row["share"], credited=row["value"],
            tier=row["tier_no"], rate=row["rate"], amount=row["amount"],
            currency=row["currency"], text=explain(row, account_name=row["account_name"]),
        ) for number, row in enumerate(rows, 1)]
        payout = payouts.get(employee_id)
        return Statement(
            employee_id=employee_id, name=people.get(employee_id, employee_id),
            period=the_period.label, currency=currency, run_id=run_id, pay_run_state=state,
            earned=sum_money(line.amount for line in statement_lines),
            payable=payout.payable if payout else None,
            paid=payout.paid if payout else None,
            components=[_headline(row, day, the_period) for row in
                        measures_by_payee.get(employee_id, [])],
            lines=statement_lines,
            payout=[PayoutLine(item.kind, item.get_kind_display(), item.amount,
                               item.description) for item in payout.items.all()]
            if payout else [],
        )

    stored = backend.table("results_lines")
    lines = stored.filter(stored.run_id == run_id).select(*LINE_COLUMNS, "account_id",
                                                           "comp_key")
    if wanted is not None:
        lines = lines.filter(lines.payee_id.isin(sorted(wanted)))
    accounts = backend.table("accounts").select(a_id="account_id", account_name="name")
    lines = lines.left_join(accounts, lines.account_id == accounts.a_id).select(
        *LINE_COLUMNS, "comp_key", "account_name")
    lines = lines.order_by(["payee_id", "booked_on", "transaction_id", "comp_key",
                            "credit_rule", "via_person", "tier_no", "line_kind"])
    done: set[str] = set()
    current: str | None = None
    rows: list[dict[str, Any]] = []
    for batch in lines.to_pyarrow_batches(chunk_size=BATCH_ROWS):
        names = batch.schema.names
        # Column by column, then zipped: much cheaper than Arrow's row-wise to_pylist.
        columns = [batch.column(index).to_pylist() for index in range(len(names))]
        for values in zip(*columns, strict=True):
            row = dict(zip(names, values, strict=True))
            if row["payee_id"] != current:
                if current is not None:
                    done.add(current)
                    yield build(current, rows)
                current, rows = row["payee_id"], []
            rows.append(row)
    if current is not None:
        done.add(current)
        yield build(current, rows)
    rest = (wanted if wanted is not None else set(payouts)) - done
    for employee_id in sorted(rest):
        yield build(employee_id, [])


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
