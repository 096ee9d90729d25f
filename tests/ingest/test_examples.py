"""Every kind's documented example loads, and loading it again changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from attain.ingest import kinds, services
from attain.warehouse import load
from tests.ingest.helpers import ORDER, run

pytestmark = pytest.mark.django_db


def test_every_documented_example_loads_in_order_then_reloads_unchanged(
        warehouse: str, tmp_path: Path) -> None:
    for name in ORDER:
        report = run(name, tmp_path, kinds.get(name).example)
        assert report.ok, [str(issue) for issue in report.errors]
        # each example's data rows: lines after the header
        expected = kinds.get(name).example.count("\n") - 1
        assert (report.rows, report.added) == (expected, expected), name
    counts = load.table_counts(url=warehouse)
    assert counts["transactions"] == 2 and counts["opportunities"] == 2
    for name in ORDER:
        again = run(name, tmp_path, kinds.get(name).example)
        assert again.ok and (again.added, again.updated) == (0, 0), name
        assert again.unchanged == again.rows, name


def test_every_kind_but_territory_assignments_is_in_the_test_order() -> None:
    assert set(ORDER) | {"territory_assignments"} == {kind.name for kind in kinds.KINDS}
    assert services.import_file  # the entry point the upload page calls
