"""Stage 2, credit: who is credited with each transaction, by which rule, for what share.

Rules (a plan component says which it pays on, docs/plan-language.md "Crediting"):

- ``owner``: the seller of record gets 100%, unless the deal has revenue splits;
- ``split``: each person on a revenue split gets their share (revenue splits of a deal must
  total exactly 100%; otherwise the run stops with an error naming the deal);
- ``overlay``: overlay splits, credited on top (they need not total anything);
- ``se`` and ``sdr``: the deal's sales engineer and the SDR who sourced it, 100% each;
- ``territory``: whoever holds the territory the account falls in on the booking date;
- ``rollup``: every manager above a person credited by owner or split, as of the booking
  date (a rep who changed team mid-year credits each manager for their own months).

``owner`` and ``split`` together are the credit type ``direct``. Every row says which rule
made it and, for a roll-up or a split, through whom.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.datatypes as dt_
import pyarrow as pa

from attain.engine import small
from attain.engine.errors import EngineError
from attain.engine.prepare import RATE

FOREVER = dt.date(9999, 12, 31)
CREDIT_TYPES = {"owner": "direct", "split": "direct", "overlay": "overlay", "se": "se",
                "sdr": "sdr", "territory": "territory", "rollup": "rollup"}


def check_splits(warehouse: ibis.BaseBackend, opportunities: ibis.Table) -> None:
    """Refuse revenue splits that do not total 100% on a deal that is being credited."""
    small.check(split_problems(warehouse, opportunities), refuse_split_problems)


def split_problems(warehouse: ibis.BaseBackend, opportunities: ibis.Table) -> ibis.Table:
    """Up to five credited deals whose revenue splits do not total 100%: a query of its
    own, so that a compiled calculation can carry it and run it each time."""
    splits = warehouse.table("splits")
    used = opportunities.select(used_id="opportunity_id").distinct()
    # The credited deals' splits first, then their totals: one payee's estimate adds up
    # the splits of their few deals, not of every deal in the warehouse.
    revenue = splits.filter((splits.split_type == "revenue")
                            & splits.opportunity_id.isin(used.used_id))
    totals = revenue.group_by("opportunity_id").aggregate(total=revenue.share.sum())
    bad = totals.filter(totals.total != ibis.literal(1, type=RATE))
    return bad.select("opportunity_id", "total").order_by("opportunity_id").limit(5)


def refuse_split_problems(rows: list[dict[str, Any]]) -> None:
    """Raise the split check's error when :func:`split_problems` found any deal."""
    if rows:
        shown = ", ".join(f"{r['opportunity_id']} ({float(r['total']) * 100:g}%)"
                          for r in rows)
        raise EngineError(
            f"revenue splits must add up to 100% on each deal; they do not on {shown}. "
            "Correct the splits, or mark the extra people as overlay splits.")


def reporting_table(lines: Iterable[tuple[str, str, int, dt.date, dt.date | None]]
                    ) -> ibis.Table:
    rows = list(lines)
    return small.small_table("reporting", pa.table({
        "rl_person": pa.array([r[0] for r in rows], pa.string()),
        "rl_manager": pa.array([r[1] for r in rows], pa.string()),
        "rl_depth": pa.array([r[2] for r in rows], pa.int32()),
        "rl_from": pa.array([r[3] for r in rows], pa.date32()),
        "rl_to": pa.array([r[4] or FOREVER for r in rows], pa.date32()),
    }))


def credits(
    warehouse: ibis.BaseBackend,
    tx: ibis.Table,
    *,
    types: set[str],
    reporting: ibis.Table | None,
    territories: ibis.Table | None = None,
    carry: tuple[str, ...] = (),
) -> ibis.Table:
    """Credit rows: transaction_id, payee_id, credit_rule, credit_type, share, via_person,
    depth and the transaction's columns named in ``carry``; only the credit types in
    ``types`` are produced.

    Carrying the transaction's fields through the credit joins is cheaper than joining the
    credited rows (several per transaction) back to the transactions afterwards."""
    splits = warehouse.table("splits")
    revenue = splits.filter(splits.split_type == "revenue")
    split_deals = revenue.select(split_opp="opportunity_id").distinct()
    parts: list[ibis.Table] = []
    one = ibis.literal(1, type=RATE)
    null_person = ibis.null().cast(dt_.string)
    own = ("transaction_id", "opportunity_id", "owner_id", "booked_on", "sdr_id", "se_id",
           "account_id")
    carried = [c for c in carry if c not in own]
    base = tx.select(*own, *carried)

    def shaped(table: ibis.Table, *, payee: ibis.Value, rule: str, share: ibis.Value,
               via: ibis.Value, depth: ibis.Value | int = 0) -> ibis.Table:
        return table.select(
            transaction_id=table.transaction_id, booked_on=table.booked_on, payee_id=payee,
            credit_rule=ibis.literal(rule), credit_type=ibis.literal(CREDIT_TYPES[rule]),
            share=share.cast(RATE), via_person=via,
            depth=ibis.literal(depth, type=dt_.int32) if isinstance(depth, int)
            else depth.cast(dt_.int32),
            **{name: table[name] for name in carry if name not in ("transaction_id",
                                                                    "booked_on")},
        )

    direct: ibis.Table | None = None
    if types & {"direct", "rollup"}:
        unsplit = base.left_join(split_deals, base.opportunity_id == split_deals.split_opp)
        unsplit = unsplit.filter(unsplit.split_opp.isnull())
        owner = shaped(unsplit, payee=unsplit.owner_id, rule="owner", share=one,
                       via=null_person)
        split = base.join(revenue, base.opportunity_id == revenue.opportunity_id)
        split_rows = shaped(split, payee=split.person_id, rule="split", share=split.share,
                            via=split.owner_id)
        direct = owner.union(split_rows)
        if "direct" in types:
            parts.append(direct)
    if "overlay" in types:
        overlay = splits.filter(splits.split_type == "overlay")
        joined = base.join(overlay, base.opportunity_id == overlay.opportunity_id)
        parts.append(shaped(joined, payee=joined.person_id, rule="overlay", share=joined.share,
                            via=joined.owner_id))
    for rule, column in (("se", "se_id"), ("sdr", "sdr_id")):
        if rule in types:
            having = base.filter(base[column].notnull())
            parts.append(shaped(having, payee=having[column], rule=rule, share=one,
                                via=having.owner_id))
    if "territory" in types and territories is not None:
        joined = base.join(territories, (base.account_id == territories.t_account)
                           & (territories.t_from <= base.booked_on)
                           & (territories.t_to >= base.booked_on))
        parts.append(shaped(joined, payee=joined.t_person, rule="territory", share=one,
                            via=null_person))
    if "rollup" in types and reporting is not None and direct is not None:
        joined = direct.join(reporting, (direct.payee_id == reporting.rl_person)
                             & (reporting.rl_from <= direct.booked_on)
                             & (reporting.rl_to >= direct.booked_on))
        parts.append(shaped(joined, payee=joined.rl_manager, rule="rollup", share=joined.share,
                            via=joined.payee_id, depth=joined.rl_depth))
    if not parts:
        raise EngineError("no plan component asks for any credit")
    result = parts[0]
    for part in parts[1:]:
        result = result.union(part)
    return result
