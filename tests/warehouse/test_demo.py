"""The demo company: deterministic, loadable on every backend, and realistic enough that the
patterns a sales leader expects are really in the data (each checked with numbers)."""

from __future__ import annotations

import datetime as dt
import uuid

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from attain.warehouse import load, schema
from attain.warehouse.demo import DemoOptions, generate, history_start
from tests.conftest import pg_schema_url
from tests.demo_company import AS_OF, SMALL, small_company, standard_company


def _sql(company_tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB over the generated Arrow tables, to ask questions in SQL."""
    con = duckdb.connect()
    for name, table in company_tables.items():
        con.register(name, table)
    return con


def test_the_same_seed_gives_byte_identical_tables() -> None:
    first = load.fingerprint_arrow(generate(SMALL).tables)
    second = load.fingerprint_arrow(generate(SMALL).tables)
    assert first == second
    assert set(first) == {table.name for table in schema.TABLES}


def test_another_seed_gives_another_company() -> None:
    other = generate(DemoOptions(seed=SMALL.seed + 1, as_of=AS_OF, people=SMALL.people))
    assert load.fingerprint_arrow(other.tables)["transactions"] != load.fingerprint_arrow(
        small_company().tables)["transactions"]


def test_every_table_matches_its_schema_columns() -> None:
    for table in schema.TABLES:
        assert small_company().tables[table.name].column_names == table.column_names


def test_history_is_nine_quarters_ending_today() -> None:
    # 2026-11-24 is in 2026-Q4; eight quarters earlier is 2024-Q4, which starts 2024-10-01.
    assert history_start(AS_OF) == dt.date(2024, 10, 1)
    con = _sql(small_company().tables)
    first, last = con.sql("select min(booked_on), max(booked_on) from transactions").fetchone()
    assert first >= dt.date(2024, 10, 1)
    assert last <= AS_OF


def test_demo_loads_into_the_warehouse_with_every_constraint_checked(warehouse_url: str) -> None:
    company = small_company()
    load.create_tables(url=warehouse_url, replace=True)
    counts = load.load_tables(company.tables, url=warehouse_url)
    assert counts == {name: table.num_rows for name, table in company.tables.items()}
    assert load.table_counts(url=warehouse_url) == counts


def _sums(url: str) -> dict[str, object]:
    from attain.warehouse import connection

    backend = connection.connect(url)
    tx = backend.table("transactions")
    opp = backend.table("opportunities")
    subs = backend.table("subscriptions")
    return {
        "transactions.amount": tx.amount.sum().execute(),
        "transactions.cost": tx.cost.sum().execute(),
        "opportunities.amount": opp.amount.sum().execute(),
        "subscriptions.mrr": subs.mrr.sum().execute(),
        "won": opp.is_won.sum().execute(),
    }


def test_duckdb_and_postgresql_hold_identical_counts_and_sums(
    tmp_path: object, pg_warehouse_database: str
) -> None:
    company = small_company()
    duck = f"duckdb:///{tmp_path}/demo.duckdb"
    pg = pg_schema_url(pg_warehouse_database, f"demo_{uuid.uuid4().hex[:8]}")
    for url in (duck, pg):
        load.create_tables(url=url, replace=True)
        load.load_tables(company.tables, url=url)
    assert load.table_counts(url=duck) == load.table_counts(url=pg)
    duck_sums, pg_sums = _sums(duck), _sums(pg)
    assert {k: str(v) for k, v in duck_sums.items()} == {k: str(v) for k, v in pg_sums.items()}
    from attain.warehouse import connection

    connection.disconnect(duck)
    connection.disconnect(pg)


def test_org_is_a_real_hierarchy_with_overlays() -> None:
    org = standard_company().org
    roles = [person.role for person in org.people]
    assert 140 <= len(org.people) <= 160
    assert roles.count("vp") == 1
    assert roles.count("director") == 3  # one per region at this size
    assert 11 <= roles.count("manager") <= 14  # about 12 teams (plus one replacement)
    assert roles.count("se") >= 10 and roles.count("sdr") >= 15
    leaf_teams = [t for t in org.teams if t.parent not in (None, "SALES")]
    assert 11 <= len(leaf_teams) <= 13
    assert {t.region for t in leaf_teams} == {"AMER", "EMEA", "APAC"}


def test_new_hires_leavers_and_a_team_move_are_present() -> None:
    org = standard_company().org
    start = history_start(AS_OF)
    reps = org.by_role("rep")
    assert sum(p.hire_date > start for p in reps) >= 5  # ramping new hires
    assert sum(p.termination_date is not None for p in reps) >= 3  # leavers
    spans_by_person: dict[str, int] = {}
    for span in org.memberships:
        spans_by_person[span.person] = spans_by_person.get(span.person, 0) + 1
    assert any(count >= 2 for count in spans_by_person.values())  # someone changed team


def test_q4_is_the_strongest_quarter() -> None:
    con = _sql(standard_company().tables)
    rows = dict(con.sql("""
        select quarter(booked_on), sum(amount * coalesce(r.rate, 1))
        from transactions t left join fx_rates r
          on r.rate_date = t.booked_on and r.from_currency = t.currency and r.to_currency = 'USD'
        where year(booked_on) = 2025 group by 1
    """).fetchall())
    assert rows[4] > max(rows[1], rows[2], rows[3])


def test_rep_skill_persists_win_rates_of_the_two_years_correlate() -> None:
    con = _sql(standard_company().tables)
    rows = con.sql("""
        select owner_id,
          avg(is_won::int) filter (where close_date < date '2025-11-01') as early,
          avg(is_won::int) filter (where close_date >= date '2025-11-01') as late
        from opportunities where is_closed group by 1
        having count(*) filter (where close_date < date '2025-11-01') >= 20
           and count(*) filter (where close_date >= date '2025-11-01') >= 20
    """).fetchall()
    early = np.array([r[1] for r in rows])
    late = np.array([r[2] for r in rows])
    assert len(rows) >= 40
    assert np.corrcoef(early, late)[0, 1] > 0.3
    assert late.max() - late.min() > 0.15  # reps really differ


def test_lead_sources_convert_differently() -> None:
    con = _sql(standard_company().tables)
    rates = dict(con.sql("""
        select source, avg((converted_on is not null)::int) from leads group by 1
    """).fetchall())
    assert rates["Referral"] > 3 * rates["Paid Search"]


def test_trained_reps_win_more_after_their_course() -> None:
    con = _sql(standard_company().tables)
    before, after = con.sql("""
        with trained as (
          select person_id, completed_on from training where course_id = 'NEG-201')
        select avg(is_won::int) filter (where o.created_on < t.completed_on),
               avg(is_won::int) filter (where o.created_on >= t.completed_on)
        from opportunities o join trained t on t.person_id = o.owner_id
        where o.is_closed
    """).fetchone()
    assert after > before + 0.03


def test_low_nps_accounts_churn_more() -> None:
    con = _sql(standard_company().tables)
    low, high = con.sql("""
        with nps as (
          select account_id, avg(score) s from customer_feedback where survey = 'nps' group by 1),
        churned as (select distinct account_id from subscriptions where movement = 'churn')
        select avg((c.account_id is not null)::int) filter (where s < 7),
               avg((c.account_id is not null)::int) filter (where s >= 9)
        from nps left join churned c using (account_id)
    """).fetchone()
    assert low > 2 * high


def test_reversals_name_an_original_order_line_of_the_same_deal() -> None:
    con = _sql(small_company().tables)
    bad, reversals = con.sql("""
        select count(*) filter (where o.transaction_id is null or o.kind <> 'order'
                                or o.opportunity_id <> r.opportunity_id
                                or r.amount <> -o.amount),
               count(*)
        from transactions r left join transactions o
          on o.transaction_id = r.reverses_transaction_id
        where r.kind <> 'order'
    """).fetchone()
    assert reversals > 0
    assert bad == 0


def test_won_deal_amount_is_the_sum_of_its_order_lines() -> None:
    con = _sql(small_company().tables)
    mismatched = con.sql("""
        select count(*) from opportunities o join (
          select opportunity_id, sum(amount) total from transactions where kind = 'order'
          group by 1) t using (opportunity_id)
        where o.amount <> t.total
    """).fetchone()[0]
    assert mismatched == 0


def test_splits_of_a_deal_sum_to_one() -> None:
    con = _sql(small_company().tables)
    totals = con.sql("select sum(share) from splits group by opportunity_id").fetchall()
    assert totals and all(str(total[0]) == "1.000000" for total in totals)


def test_subscriptions_show_every_movement() -> None:
    con = _sql(standard_company().tables)
    movements = {row[0] for row in con.sql("select distinct movement from subscriptions")
                 .fetchall()}
    assert {"new", "expansion", "contraction", "churn", "flat"} <= movements


def test_quotas_ramp_for_new_hires_and_peak_in_q4() -> None:
    company = standard_company()
    hires = {p.employee_id: p for p in company.org.by_role("rep")
             if p.hire_date > history_start(AS_OF) and p.termination_date is None}
    by_person: dict[str, dict[str, int]] = {}
    for quota in company.quotas:
        by_person.setdefault(quota.person_id, {})[quota.period] = quota.amount_cents
    veteran = next(p for p in company.org.by_role("rep")
                   if p.hire_date < dt.date(2023, 1, 1) and p.termination_date is None
                   and p.employee_id not in company.org.part_time)
    quarters = by_person[veteran.employee_id]
    assert quarters["2025-Q4"] > quarters["2025-Q3"]
    ramped = 0
    for person_id in hires:
        ordered = [by_person[person_id][q] for q in sorted(by_person.get(person_id, {}))]
        if len(ordered) >= 4:
            ramped += ordered[0] < ordered[3]
    assert ramped >= 1


@pytest.mark.slow
def test_transactions_option_fixes_the_number_of_rows() -> None:
    company = generate(DemoOptions(seed=3, as_of=AS_OF, people=400, transactions=250_000))
    lines = company.tables["transactions"]
    orders = pa.compute.sum(pa.compute.equal(lines["kind"], "order")).as_py()
    # the generator asks for round(250000 / 1.03) = 242718 order lines; reversals come on top
    assert orders == 242_718
