"""Quota files in and out: through the importer every bad owner, period label or metric is a
row error (file, row, column, value, reason) and nothing is saved; good files arrive as
drafts to approve unless imported with ``--approve``; the quotas in force export to CSV,
Excel and Parquet in the columns the importer reads back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from attain.ingest import exports
from attain.ingest import services as ingest
from attain.org.models import Person, Region, Team
from attain.targets import services
from attain.targets.models import Quota, QuotaStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def org() -> None:
    """Rep E1 in team T1 of region EMEA."""
    region = Region.objects.create(code="EMEA", name="EMEA")
    Team.objects.create(code="T1", name="Team one", region=region)
    Person.objects.create(employee_id="E1", name="Ann", email="ann@example.com", role="rep",
                          access_role="rep", hire_date=dt.date(2020, 1, 1))


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "quotas.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_owners_period_labels_and_metrics_are_row_errors_and_nothing_is_saved(
        org: None, tmp_path: Path) -> None:
    # Row 2 is good; rows 3-6 each have one problem only the quota service can see. Row 1
    # is the header, so the file's rows are numbered as a spreadsheet numbers them.
    path = _file(tmp_path, "metric,owner_type,owner,period,amount,currency\n"
                           "bookings,person,E1,2026-Q1,1000.00,USD\n"
                           "bookings,person,E9,2026-Q1,1000.00,USD\n"
                           "bookings,team,T9,2026-Q1,1000.00,USD\n"
                           "bookings,region,EMEA,2026-Q5,1000.00,USD\n"
                           "bookingz,company,,2026-Q1,1000.00,USD\n")
    report = ingest.import_file("quotas", path)
    assert not report.ok and not report.loaded
    assert [(issue.file, issue.row, issue.column, issue.value) for issue in report.errors] == [
        ("quotas.csv", 3, "owner", "E9"), ("quotas.csv", 4, "owner", "T9"),
        ("quotas.csv", 5, "period", "2026-Q5"), ("quotas.csv", 6, "metric", "bookingz")]
    assert "no person has employee id 'E9'" in report.errors[0].reason
    assert "no team has code 'T9'" in report.errors[1].reason
    assert report.rejected == 4
    assert Quota.objects.count() == 0


def test_an_imported_quota_is_a_draft_unless_approved_on_import(org: None,
                                                                 tmp_path: Path) -> None:
    path = _file(tmp_path, "metric,owner_type,owner,period,amount,currency\n"
                           "bookings,person,E1,2026-Q1,1000.00,USD\n")
    report = ingest.import_file("quotas", path)
    assert (report.added, report.updated, report.unchanged) == (1, 0, 0)
    [draft] = Quota.objects.all()
    assert (draft.status, draft.version, draft.amount) == (QuotaStatus.DRAFT, 1,
                                                           Decimal("1000.00"))
    # The same file again changes nothing; with --approve it becomes approved version 2.
    assert ingest.import_file("quotas", path).unchanged == 1
    call_command("import", "quotas", str(path), "--approve")
    latest = Quota.objects.order_by("-version").first()
    assert latest is not None
    assert (latest.status, latest.version) == (QuotaStatus.APPROVED, 2)


def test_a_metric_a_plan_names_as_its_quota_can_be_imported(org: None, tmp_path: Path) -> None:
    # new-business is not a catalog metric; once a plan's component measures attainment
    # against it, quotas on it are accepted.
    from attain.plans.models import Plan, PlanVersion

    path = _file(tmp_path, "metric,owner_type,owner,period,amount,currency\n"
                           "new-business,person,E1,2026-Q1,500.00,USD\n")
    assert [issue.column for issue in ingest.import_file("quotas", path).errors] == ["metric"]
    plan = Plan.objects.create(code="nb", name="New business")
    PlanVersion.objects.create(plan=plan, number=1, valid_from=dt.date(2026, 1, 1),
                               document="components:\n- id: nb\n  quota: new-business\n")
    assert ingest.import_file("quotas", path).added == 1


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "parquet"])
def test_the_quotas_in_force_export_and_import_back_unchanged(org: None, tmp_path: Path,
                                                               suffix: str) -> None:
    # E1's Q1 quota has two approved versions (1,000.00 then 1,250.50) and a later draft
    # (9,999.00); T1 has 5,000.25 EUR; the company 20,000.00. In force: 1,250.50 for E1
    # (the draft is not), 5,000.25 EUR for T1, 20,000.00 for the company: three rows.
    [first] = services.save_quotas([services.QuotaRow("bookings", "person:E1", "2026-Q1",
                                                      "1000.00")], approve=True)
    services.save_quotas([services.QuotaRow("bookings", "person:E1", "2026-Q1", "1250.50"),
                          services.QuotaRow("bookings", "team:T1", "2026-Q1", "5000.25",
                                            "EUR"),
                          services.QuotaRow("bookings", "company", "2026-Q1", "20000.00")],
                         approve=True)
    services.save_quotas([services.QuotaRow("bookings", "person:E1", "2026-Q1", "9999.00")])
    path = tmp_path / f"quotas.{suffix}"
    assert exports.export("quotas", path, unrestricted=True) == 3
    in_force = [(q.owner_type, q.amount, q.currency) for q in services.current_quotas()]
    assert in_force == [("company", Decimal("20000.00"), "USD"),
                        ("person", Decimal("1250.50"), "USD"),
                        ("team", Decimal("5000.25"), "EUR")]
    # Read back into the same database: T1's and the company's are unchanged; E1's latest
    # version is the 9,999.00 draft, so the file's approved 1,250.50 is the next version.
    report = ingest.import_file("quotas", path)
    assert report.ok, [str(issue) for issue in report.errors]
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    assert [q.amount for q in services.current_quotas(owner="person:E1")] == [
        Decimal("1250.50")]
    # Into an empty one: the same quotas in force, each approved as version 1.
    Quota.objects.all().delete()
    assert ingest.import_file("quotas", path).added == 3
    assert [(q.owner_type, q.amount, q.currency, q.version)
            for q in services.current_quotas()] == [(*row, 1) for row in in_force]
    assert first.version == 1


def test_a_rep_exports_only_their_own_quotas_in_force(org: None, tmp_path: Path) -> None:
    # With the pages' access rule a rep sees their own quota, not the team's or company's.
    import pyarrow.parquet as pq
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="ann", password="pw")
    Person.objects.filter(employee_id="E1").update(user=user)
    services.save_quotas([services.QuotaRow("bookings", "person:E1", "2026-Q1", "100.00"),
                          services.QuotaRow("bookings", "team:T1", "2026-Q1", "300.00")],
                         approve=True)
    path = tmp_path / "mine.parquet"
    assert exports.export("quotas", path, user=user) == 1
    assert pq.read_table(path).column("owner").to_pylist() == ["E1"]
