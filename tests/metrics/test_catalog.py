"""The catalog as a whole: every metric is fully described and runs on the demo company,
by every dimension it claims, on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from attain import metrics
from tests.demo_company import load_small_demo

pytestmark = pytest.mark.django_db

YEAR = (dt.date(2026, 1, 1), dt.date(2026, 11, 24))


def test_every_metric_is_described_once() -> None:
    names = [metric.name for metric in metrics.catalog()]
    assert len(names) == len(set(names))
    for metric in metrics.catalog():
        assert metric.label and metric.description and metric.formula, metric.name
        assert metric.time_column.count(".") == 1, metric.name
        assert metrics.get(metric.name) is metric


def test_every_metric_runs_on_the_demo_company_by_team_and_month(warehouse: str) -> None:
    load_small_demo(warehouse)
    empty_everywhere = []
    for metric in metrics.catalog():
        by = ["team"] if "team" in metric.dimensions else []
        table = metric.query(by=by, grain="month", start=YEAR[0], end=YEAR[1]).to_pyarrow()
        expected = {*by, "period", "period_start", "period_end", "value", "reason"}
        assert expected <= set(table.column_names), metric.name
        if table.column("value").null_count == table.num_rows:
            empty_everywhere.append(metric.name)
    # Every metric finds something in eleven months of the demo company.
    assert empty_everywhere == []


def test_every_dimension_a_metric_claims_can_be_used(warehouse: str) -> None:
    load_small_demo(warehouse)
    quarter = {"grain": "quarter", "start": dt.date(2026, 4, 1), "end": dt.date(2026, 6, 30)}
    for metric in metrics.catalog():
        # All of a metric's dimensions at once (one query per metric keeps this quick).
        table = metric.query(by=list(metric.dimensions), **quarter).to_pyarrow()  # type: ignore[arg-type]
        assert set(metric.dimensions) <= set(table.column_names), metric.name
