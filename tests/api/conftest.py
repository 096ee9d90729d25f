"""The API tests' calculated demo: the small demo company with FY2026-Q3 run."""

from __future__ import annotations

import pytest

from tests.demo_company import load_small_demo


@pytest.fixture
def calculated(warehouse: str) -> str:
    from attain.engine import run as engine_run

    load_small_demo(warehouse)
    return engine_run.run(period="2026-Q3").run_id
