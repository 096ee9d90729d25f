"""Dimensions: the ways a metric can be cut, and how each is found from a fact's keys.

A dimension needs one key column on the fact rows (``person_id`` for team, ``account_id``
for segment, …); a metric can be cut by a dimension when every one of its parts' sources
carries that key. Teams come from the app database and are taken **as of the fact's own
date**: a rep who moved team mid-quarter counts for each team for the days they were in
it. ``team_rollup`` also counts each fact for every team above the rep's team on the same
day (team parents are effective-dated too), so a region's top team shows its whole
organisation, and a team moved to another area mid-year leaves its earlier results with
the old area.

This module must never execute a query: it only adds columns to lazy tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ibis.expr.types as ir

from attain.metrics import org, sources
from attain.metrics.model import MetricError

if TYPE_CHECKING:
    from attain.metrics.model import Metric


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    description: str
    keys: tuple[str, ...]
    """Fact columns it can be found from, in order of preference."""


ACCOUNT_ATTRIBUTES = ("region", "segment", "industry", "country", "channel")

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("person", "Person", "The person credited (deal owner, seller of record, the "
              "person who logged the activity), by employee id.", ("person_id",)),
    Dimension("team", "Team", "The person's team on the day of the fact (team code).",
              ("person_id",)),
    Dimension("team_rollup", "Team (with roll-up)", "The person's team on the day and every "
              "team above it on that day: each fact counts once for each.", ("person_id",)),
    Dimension("region", "Region", "The account's sales region.", ("account_id",)),
    Dimension("segment", "Segment", "The account's size segment.", ("account_id",)),
    Dimension("industry", "Industry", "The account's industry.", ("account_id",)),
    Dimension("country", "Country", "The account's country.", ("account_id",)),
    Dimension("channel", "Channel", "How the account is served (direct, partner, online).",
              ("account_id",)),
    Dimension("territory", "Territory", "The territory whose rule the account matched on the "
              "day of the fact (an account two rules match counts in both).",
              ("account_id",)),
    Dimension("account", "Account", "The customer (account id).", ("account_id",)),
    Dimension("product", "Product", "The product (SKU).", ("product_id",)),
    Dimension("product_family", "Product family", "The product's family.", ("product_id",)),
    Dimension("deal_type", "Deal type", "New business, expansion or renewal.",
              ("deal_type",)),
    Dimension("lead_source", "Lead source", "Where the lead or deal came from.",
              ("lead_source", "opportunity_id")),
    Dimension("campaign", "Campaign", "The campaign that sourced the lead or deal.",
              ("campaign_id", "opportunity_id")),
    Dimension("stage", "Stage", "The deal's stage.", ("stage",)),
    Dimension("forecast_category", "Forecast category", "The deal's forecast category.",
              ("forecast_category",)),
    Dimension("activity_type", "Activity type", "Call, email, meeting or demo.",
              ("activity_type",)),
)
DIMENSIONS_BY_NAME = {dimension.name: dimension for dimension in DIMENSIONS}


def get(name: str) -> Dimension:
    try:
        return DIMENSIONS_BY_NAME[name]
    except KeyError:
        known = ", ".join(DIMENSIONS_BY_NAME)
        raise MetricError(f"unknown dimension {name!r}; dimensions are: {known}") from None


def source_dimensions(source: str) -> tuple[str, ...]:
    """The dimensions a fact source can be cut by."""
    keys = sources.KEYS[source]
    return tuple(d.name for d in DIMENSIONS if any(key in keys for key in d.keys))


def available_for(metric: Metric) -> tuple[str, ...]:
    """Dimensions every part of ``metric`` can be cut by, in catalog order."""
    shared = [set(source_dimensions(part.source)) for part in metric.parts.values()]
    common = set.intersection(*shared) if shared else set()
    return tuple(d.name for d in DIMENSIONS if d.name in common)


def check(metric: Metric, names: Sequence[str]) -> None:
    """Refuse a dimension the metric cannot be cut by, naming the ones it can."""
    allowed = available_for(metric)
    for name in names:
        get(name)
        if name not in allowed:
            can = ", ".join(allowed) or "none (company totals only)"
            raise MetricError(f"{metric.name} cannot be cut by {name}; it can be cut by: {can}")


def resolve(table: ir.Table, names: Sequence[str], ctx: sources.Context) -> ir.Table:
    """``table`` with one column per dimension in ``names`` (named as the dimension)."""
    names = list(dict.fromkeys(names))
    columns = set(table.columns)
    wanted_account = [n for n in names if n in ACCOUNT_ATTRIBUTES]
    if wanted_account:
        accounts = ctx.table("accounts").select(
            d_account="account_id", **{f"d_{n}": n for n in wanted_account})
        table = table.left_join(accounts, table.account_id == accounts.d_account).drop(
            "d_account")
        table = table.rename({n: f"d_{n}" for n in wanted_account})
    needs_deal = [n for n in names if n in ("lead_source", "campaign")
                  and (n if n == "lead_source" else "campaign_id") not in columns]
    if needs_deal:
        opp = ctx.table("opportunities").select(
            d_opp="opportunity_id", d_lead_source="lead_source", d_campaign="campaign_id")
        table = table.left_join(opp, table.opportunity_id == opp.d_opp)
        table = table.drop(*[c for c in ("d_opp", "d_lead_source", "d_campaign")
                             if c.removeprefix("d_") not in needs_deal])
        table = table.rename({n: f"d_{n}" for n in needs_deal})
    if "territory" in names:
        matched = ctx.cached("territories", lambda: org.territories(ctx.warehouse))
        table = table.left_join(
            matched, (table.account_id == matched.tr_account) & (matched.tr_from <= table.at)
            & (table.at <= matched.tr_to)).drop("tr_account", "tr_from", "tr_to")
    if "product_family" in names:
        products = ctx.table("products").select(d_product="product_id", product_family="family")
        table = table.left_join(products, table.product_id == products.d_product).drop(
            "d_product")
    simple = {"person": "person_id", "account": "account_id", "product": "product_id",
              "lead_source": "lead_source", "campaign": "campaign_id"}
    for name, column in simple.items():
        if name in names and name not in table.columns:
            table = table.mutate(**{name: table[column]})
    if "team" in names or "team_rollup" in names:
        members = ctx.cached("memberships", org.memberships)
        table = table.left_join(
            members, (table.person_id == members.m_person) & (members.m_from <= table.at)
            & (table.at <= members.m_to))
        table = table.drop("m_person", "m_from", "m_to").rename(team="m_team")
        if "team_rollup" in names:
            ancestors = ctx.cached("team_ancestors", org.team_ancestors)
            table = table.left_join(
                ancestors, (table.team == ancestors.a_team) & (ancestors.a_from <= table.at)
                & (table.at <= ancestors.a_to))
            table = table.drop("a_team", "a_from", "a_to").rename(team_rollup="a_ancestor")
            if "team" not in names:
                table = table.drop("team")
    return table
