"""Loading: upserts by natural key, dry runs, the audit log, app-database kinds through
their services, and nothing half-loaded."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError

from attain.core.models import AuditEntry
from attain.ingest import kinds, services
from attain.org.models import Person, Team, TeamManager, TeamMembership
from attain.targets.models import Quota
from attain.territories import services as territory_services
from attain.territories.models import TerritoryHolder
from attain.warehouse import connection, load
from tests.ingest.helpers import load_examples, run, write

pytestmark = pytest.mark.django_db

PRODUCTS = kinds.get("products").example


def _prices(warehouse: str) -> dict[str, Decimal]:
    rows = connection.connect(warehouse).table("products").to_pyarrow().to_pylist()
    return {row["product_id"]: row["list_price"] for row in rows}


def test_a_corrected_file_updates_only_what_changed(warehouse: str, tmp_path: Path) -> None:
    assert run("products", tmp_path, PRODUCTS).added == 2
    corrected = PRODUCTS.replace("P2,Onboarding,Services,2500.00", "P2,Onboarding,Services,2750.00")
    corrected += "P3,Support,Services,900.00,300.00,USD,true\n"
    report = run("products", tmp_path, corrected)
    # P1 as before, P2's price changed, P3 is new
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    assert _prices(warehouse) == {"P1": Decimal("12000.00"), "P2": Decimal("2750.00"),
                                  "P3": Decimal("900.00")}
    # a file with fewer rows never deletes: P3 stays
    assert run("products", tmp_path, PRODUCTS).updated == 1
    assert set(_prices(warehouse)) == {"P1", "P2", "P3"}


def test_an_audit_log_failure_after_the_load_does_not_say_nothing_was_loaded(
        warehouse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The audit table cannot be broken for real inside the test's transaction (PostgreSQL
    # would abort the whole transaction), so the audit write is made to fail as a full
    # disk or a lost connection would make it fail: with a DatabaseError.
    def audit_fails(**_kwargs: object) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(services.audit, "record", audit_fails)
    report = run("products", tmp_path, PRODUCTS)
    assert report.ok and report.loaded and report.added == 2
    assert "nothing was loaded" not in report.summary()
    assert any("loaded, but the import could not be written to the audit log: disk full"
               in note for note in report.notes)
    assert set(_prices(warehouse)) == {"P1", "P2"}


def test_a_dry_run_checks_and_counts_but_writes_nothing(warehouse: str, tmp_path: Path) -> None:
    report = run("products", tmp_path, PRODUCTS, dry_run=True)
    assert report.ok and report.added == 2 and not report.loaded
    assert "products" not in load.table_counts(url=warehouse)  # not even created
    people = run("people", tmp_path, kinds.get("people").example, dry_run=True)
    assert people.added == 3 and Person.objects.count() == 0
    assert not AuditEntry.objects.filter(action="import").exists()


def test_each_import_that_writes_is_in_the_audit_log(warehouse: str, tmp_path: Path) -> None:
    run("products", tmp_path, PRODUCTS)
    run("products", tmp_path, PRODUCTS)
    entries = AuditEntry.objects.filter(object_type="ingest.products").order_by("id")
    assert [entry.after["added"] for entry in entries] == [2, 0]
    assert entries[1].after == {"kind": "products", "file": "products.csv", "rows": 2,
                                "added": 0, "updated": 0, "unchanged": 2, "skipped": 0,
                                "rejected": 0}
    run("products", tmp_path, PRODUCTS.replace("12000.00", "lots"), name="bad.csv")
    rejected = AuditEntry.objects.get(action="import_rejected")
    assert rejected.after == {"kind": "products", "file": "bad.csv", "rows": 2, "rejected": 1,
                              "errors": 1}
    assert rejected.reason.startswith("bad.csv, row 2, column list_price: 'lots':")


def test_a_failure_while_writing_leaves_the_warehouse_as_it_was(
        warehouse: str, tmp_path: Path) -> None:
    run("products", tmp_path, PRODUCTS)
    before = load.fingerprint(url=warehouse, tables=["products"])

    def interrupt(stage: str, _done: float) -> None:
        if stage == "loading":
            raise KeyboardInterrupt

    changed = PRODUCTS.replace("12000.00", "1.00")
    with pytest.raises(KeyboardInterrupt):
        run("products", tmp_path, changed, progress=interrupt)
    assert load.fingerprint(url=warehouse, tables=["products"]) == before


def test_people_teams_and_a_move_between_teams(warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="teams")
    assert TeamManager.objects.get(team__code="na-east").person.employee_id == "E101"
    assert Team.objects.get(code="na-east").parent.code == "sales"
    moved = kinds.get("people").example.replace(
        "E102,Omar Haddad,omar@example.com,rep,2024-02-05,,,", "E102,Omar Haddad,"
        "omar@example.com,rep,2024-02-05,,na-east,")
    report = run("people", tmp_path, moved)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    membership = TeamMembership.objects.get(person__employee_id="E102")
    # a person's first team starts on their hire date
    assert (membership.team.code, membership.valid_from) == ("na-east", dt.date(2024, 2, 5))
    assert run("people", tmp_path, moved).unchanged == 3


def test_people_errors_are_found_before_anything_is_written(tmp_path: Path) -> None:
    text = ("employee_id,name,email,role,hire_date,team\n"
            "E1,Ann,ann@example.com,rep,2024-01-01,nowhere\n"
            "E2,Bob,not-an-email,wizard,2024-01-01,\n"
            "E3,Cy,ANN@example.com,rep,2024-01-01,\n")
    report = run("people", tmp_path, text)
    assert [(issue.row, issue.column, issue.value, issue.reason[:20])
            for issue in report.errors] == [
        (2, "team", "nowhere", "no team has this cod"),
        (3, "email", "not-an-email", "must be an email add"),
        (3, "role", "wizard", "not one of rep, sdr,"),
        (4, "email", "ANN@example.com", "the same email as ro")]
    assert Person.objects.count() == 0


def test_quotas_make_a_new_version_when_the_amount_changes(
        warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="quotas")
    changed = kinds.get("quotas").example.replace("250000.00", "260000.00")
    report = run("quotas", tmp_path, changed)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    versions = Quota.objects.filter(person__employee_id="E102").order_by("version")
    assert [(q.version, q.amount) for q in versions] == [(1, Decimal("250000.00")),
                                                          (2, Decimal("260000.00"))]


def test_territory_assignments_name_an_existing_territory(
        warehouse: str, tmp_path: Path) -> None:
    load_examples(tmp_path, upto="people")
    example = kinds.get("territory_assignments").example
    report = run("territory_assignments", tmp_path, example)
    assert [(issue.column, issue.reason) for issue in report.errors] == [
        ("territory", "no territory has this code (import territories first)")]
    territory_services.save_territory(code="emea-enterprise", name="EMEA enterprise",
                                      rule='account.region == "EMEA"',
                                      valid_from=dt.date(2026, 1, 1))
    assert run("territory_assignments", tmp_path, example).added == 1
    assert TerritoryHolder.objects.get().person.employee_id == "E102"


def test_attain_import_prints_json_and_exits_non_zero_on_errors(
        warehouse: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "products.csv", PRODUCTS)
    call_command("import", "products", str(good), "--json")
    assert json.loads(capsys.readouterr().out)["added"] == 2
    bad = write(tmp_path, "bad.csv", PRODUCTS.replace("12000.00", "twelve"))
    out_csv = tmp_path / "errors.csv"
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "products", str(bad), "--json", "--errors-csv", str(out_csv))
    assert exit_info.value.code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["errors"][0] == {"file": "bad.csv", "row": 2, "column": "list_price",
                                 "value": "twelve", "reason": "not a number with at most 2 "
                                 "decimal places (written like 1234.50)"}
    assert out_csv.read_text().splitlines()[1].startswith("bad.csv,2,list_price,twelve,")
