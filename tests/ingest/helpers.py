"""Small helpers for the import tests: files written from text, and importing them."""

from __future__ import annotations

from pathlib import Path

from attain.ingest import kinds, services
from attain.ingest.report import ImportReport

ORDER = ("people", "teams", "accounts", "products", "campaigns", "leads", "opportunities",
         "opportunity_stage_history", "splits", "transactions", "activities", "campaign_spend",
         "sales_marketing_costs", "subscriptions", "customer_feedback", "fx_rates",
         "training_courses", "training", "quotas")
"""Kinds in an order where each one's references are already there (territory assignments
need a territory, made by the test that imports them)."""


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def run(kind: str, folder: Path, text: str, *, name: str | None = None,
        **options: object) -> ImportReport:
    path = write(folder, name or f"{kind}.csv", text)
    return services.import_file(kind, path, **options)  # type: ignore[arg-type]


def load_examples(folder: Path, *, upto: str | None = None) -> None:
    """Import every kind's documented example, in dependency order, stopping after ``upto``."""
    for name in ORDER:
        report = run(name, folder, kinds.get(name).example)
        assert report.ok, [str(issue) for issue in report.errors]
        if name == upto:
            return
