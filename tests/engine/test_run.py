"""A run on the app database and the warehouse: fingerprinted, reproducible to the cent,
all or nothing, and recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from attain.core.periods import DEFAULT_CALENDAR
from attain.engine import run as engine_run
from attain.engine.errors import EngineError
from attain.engine.models import CalculationRun, RunStatus
from attain.plans.models import PlanVersion
from tests.demo_company import load_small_demo

pytestmark = pytest.mark.django_db


def _content(name: str, run_id: str, url: str) -> list[dict[str, object]]:
    rows = engine_run.results(name, run_id, url=url).drop("run_id").to_pyarrow().to_pylist()
    return sorted(rows, key=repr)


def test_a_rerun_on_the_same_inputs_has_the_same_fingerprint_and_results(warehouse: str) -> None:
    load_small_demo(warehouse)
    first = engine_run.run(period="2026-Q1")
    second = engine_run.run(period="2026-Q1")
    assert first.run_id != second.run_id
    assert first.fingerprint == second.fingerprint
    assert first.totals == second.totals
    for name in engine_run.RESULT_TABLES:
        assert _content(name, first.run_id, warehouse) == _content(name, second.run_id,
                                                                    warehouse), name


def test_earnings_are_the_sum_of_their_lines(warehouse: str) -> None:
    load_small_demo(warehouse)
    result = engine_run.run(period="2026-Q2")
    lines = _content("results_lines", result.run_id, warehouse)
    earnings = _content("results_earnings", result.run_id, warehouse)
    assert lines and earnings
    by_key: dict[tuple[object, ...], Decimal] = {}
    for line in lines:
        key = (line["payee_id"], line["comp_key"], line["period_label"], line["line_kind"])
        by_key[key] = by_key.get(key, Decimal(0)) + line["amount"]  # type: ignore[operator]
    assert {(e["payee_id"], e["comp_key"], e["period_label"], e["line_kind"]): e["amount"]
            for e in earnings} == by_key
    assert sum(Decimal(v) for v in result.totals.values()) == sum(by_key.values())


def test_a_run_is_recorded_with_its_inputs_and_counts(warehouse: str) -> None:
    load_small_demo(warehouse)
    result = engine_run.run(period="2026-Q1")
    record = CalculationRun.objects.get(run_id=result.run_id)
    assert record.status == RunStatus.SUCCEEDED
    assert record.fingerprint == result.fingerprint
    assert record.counts["results_lines"] == result.counts["results_lines"] > 0
    assert {"plans", "quotas", "hierarchy", "data.transactions", "code"} <= set(record.inputs)


def test_a_change_in_the_data_changes_the_fingerprint(warehouse: str) -> None:
    load_small_demo(warehouse)
    before = engine_run.run(period="2026-Q1").fingerprint
    from attain.warehouse import connection

    backend = connection.connect(warehouse)
    backend.raw_sql("UPDATE transactions SET amount = amount + 1 WHERE transaction_id = "
                    "(SELECT min(transaction_id) FROM transactions WHERE kind = 'order' "
                    "AND booked_on BETWEEN DATE '2026-01-01' AND DATE '2026-03-31')")
    after = engine_run.run(period="2026-Q1").fingerprint
    assert before != after


def test_a_broken_published_plan_fails_the_run_with_its_line(warehouse: str) -> None:
    load_small_demo(warehouse)
    version = PlanVersion.objects.filter(plan__code="ae-plan", number=2).get()
    version.document = version.document.replace("rate: 8%", "rate: eight")
    version.save()
    with pytest.raises(EngineError, match=r"ae-plan v2.*line \d+.*percentage"):
        engine_run.run(period="2026-Q1")
    failed = CalculationRun.objects.get(status=RunStatus.FAILED)
    assert "percentage" in failed.error


def test_managers_are_paid_on_their_teams_bookings(warehouse: str) -> None:
    load_small_demo(warehouse)
    result = engine_run.run(period="2026-Q1")
    lines = _content("results_lines", result.run_id, warehouse)
    rollup = [line for line in lines if line["credit_rule"] == "rollup"]
    assert rollup, "the manager plan pays on roll-up credit"
    assert all(line["via_person"] for line in rollup)
    assert {line["plan_code"] for line in rollup} == {"manager-plan"}


def test_the_inputs_of_one_person_are_the_companys_narrowed_to_them(warehouse: str) -> None:
    load_small_demo(warehouse)
    period = DEFAULT_CALENDAR.parse("2026-Q1")
    everyone = engine_run.inputs_from_app(period)
    managers = {line[1] for line in everyone.reporting_lines}
    manager = sorted(managers & {a.person_id for a in everyone.assignments})[0]
    rep = sorted({a.person_id for a in everyone.assignments} - managers)[0]
    for person in (rep, manager):
        mine = engine_run.inputs_from_app(period, person=person)
        assert mine.assignments == [a for a in everyone.assignments if a.person_id == person]
        assert sorted(mine.quotas, key=str) == sorted(
            [q for q in everyone.quotas if q.person_id == person], key=str)
        assert {p.document.plan for p in mine.plans} == {a.plan_code for a in mine.assignments}
        assert mine.mbo_scores == [s for s in everyone.mbo_scores if s.person_id == person]
        # only the lines of people under them: what a roll-up pays them on
        assert mine.reporting_lines == [line for line in everyone.reporting_lines
                                        if line[1] == person]
    assert engine_run.inputs_from_app(period, person=rep).reporting_lines == []
    assert engine_run.inputs_from_app(period, person=manager).reporting_lines
    with pytest.raises(EngineError, match="nobody-here is on no plan in force in FY2026-Q1"):
        engine_run.inputs_from_app(period, person="nobody-here")


def test_a_run_failing_while_writing_leaves_no_results_and_no_staged_rows(warehouse: str
                                                                          ) -> None:
    """The credited rows are staged before the results' transaction opens (which halves the
    cost of writing the lines in DuckDB); a failure in the last write still leaves nothing
    of the run behind. Here the credits table already exists without the columns the run
    writes, so its insert fails after the lines, earnings and measures were inserted."""
    load_small_demo(warehouse)
    from attain.warehouse import connection

    backend = connection.connect(warehouse)
    backend.raw_sql("CREATE TABLE results_credits (run_id VARCHAR)")
    with pytest.raises(Exception):  # noqa: B017 - the database's own error, any backend's
        engine_run.run(period="2026-Q1")
    failed = CalculationRun.objects.get(status=RunStatus.FAILED)
    assert "results_credits" in failed.error or "column" in failed.error.lower(), failed.error
    tables = set(backend.list_tables())
    assert not any(name.startswith("_attain_rows_") for name in tables)
    for name in ("results_lines", "results_earnings", "results_measures"):
        if name in tables:  # created inside the rolled-back transaction: gone, or empty
            assert _content(name, failed.run_id, warehouse) == [], name
    assert "results_credits" in tables


def test_a_run_under_a_warehouse_memory_limit_gives_the_same_results(
        warehouse: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """ATTAIN_WAREHOUSE_MEMORY bounds a DuckDB warehouse's memory (what keeps a 10M run
    under 2 GiB, spilling to disk); the results do not depend on it. A value that is not a
    size is refused with the variable's name. PostgreSQL manages its own memory: there the
    setting is not read and the run is simply the same."""
    from attain.warehouse import connection

    load_small_demo(warehouse)
    free = engine_run.run(period="2026-Q1")
    connection.disconnect(warehouse)
    # 256MB, not less: at 64MB the small demo's run itself ran out of memory in one of
    # two suite runs (how much DuckDB holds at once varies with its threads' timing).
    monkeypatch.setenv("ATTAIN_WAREHOUSE_MEMORY", "256MB")
    bounded = engine_run.run(period="2026-Q1")
    assert bounded.totals == free.totals
    assert bounded.fingerprint == free.fingerprint
    for name in engine_run.RESULT_TABLES:
        assert _content(name, bounded.run_id, warehouse) == _content(name, free.run_id,
                                                                      warehouse), name
    if connection.backend_name(warehouse) == "duckdb":
        limit = connection.connect(warehouse).raw_sql(
            "SELECT current_setting('memory_limit')").fetchall()[0][0]
        assert limit.replace(" ", "") in ("244.1MiB", "256.0MB", "244.1MB"), limit
        connection.disconnect(warehouse)
        monkeypatch.setenv("ATTAIN_WAREHOUSE_MEMORY", "lots")
        with pytest.raises(connection.WarehouseError,
                           match="ATTAIN_WAREHOUSE_MEMORY='lots' is not a size"):
            connection.connect(warehouse)


def test_a_run_out_of_warehouse_memory_says_what_to_set(warehouse: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB stops with an out-of-memory error when the limit is too small for the run
    (10M transactions under 1GB did); the run fails saying which setting to raise."""
    from attain.warehouse import connection

    if connection.backend_name(warehouse) != "duckdb":
        pytest.skip("ATTAIN_WAREHOUSE_MEMORY bounds a DuckDB warehouse only")
    load_small_demo(warehouse)
    connection.disconnect(warehouse)
    monkeypatch.setenv("ATTAIN_WAREHOUSE_MEMORY", "1MB")
    with pytest.raises(EngineError, match=r"ran out of memory .*memory limit: 1MB.*"
                                          r"ATTAIN_WAREHOUSE_MEMORY higher"):
        engine_run.run(period="2026-Q1")
    assert "ran out of memory" in CalculationRun.objects.get(status=RunStatus.FAILED).error
