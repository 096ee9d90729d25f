"""docs/metrics.md is generated from the catalog and committed as generated."""

from __future__ import annotations

from attain import metrics
from attain.metrics import docs


def test_the_committed_page_is_the_generated_one() -> None:
    committed = docs.default_path().read_text(encoding="utf-8")
    assert committed == docs.render_metrics_markdown(), "run `attain docs` and commit"


def test_every_metric_and_its_formula_is_on_the_page() -> None:
    page = docs.render_metrics_markdown()
    for metric in metrics.catalog():
        assert f"`{metric.name}`" in page
        assert metric.formula.replace("|", "\\|") in page or metric.formula in page
