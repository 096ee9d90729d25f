"""attain targets status, attain goals check and attain quotas allocate on the hand-made
company of conftest.py: one rep, one month, every number worked out there and below."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from attain.targets import services
from attain.targets.models import Goal, StatusRecord

pytestmark = pytest.mark.django_db

def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_status_json_gives_pace_history_and_an_alert_with_its_cause(company: str) -> None:
    [status] = json.loads(_run("targets", "status", "--owner", "person:E1", "--as-of",
                               "2026-01-31", "--json", "--record"))
    # Pace 100 a day. 31 Jan: actual 2,900 against 3,100 -> 0.935484, at risk (85-95%).
    assert (status["actual"], status["expected"]) == ("2900.00", "3100.00")
    assert status["attainment"] == "0.935484"
    assert status["status"] == "at_risk"
    # Reviews 7, 14, 21, 28 and 31 Jan: 700/700 on track, then 1,200/1,400 = 85.7% at risk.
    assert [point["status"] for point in status["history"]] == [
        "on_track", "at_risk", "at_risk", "at_risk", "at_risk"]
    [alert] = status["alerts"]
    assert (alert["day"], alert["from"], alert["to"]) == ("2026-01-14", "on_track", "at_risk")
    # The drivers are read up to the day of the change, 14 Jan, not the as-of day: win rate
    # 1-14 Jan is O-5 won, O-6 lost = 1/2 = 0.5, against 1-14 Dec O-1, O-2 both won = 1:
    # (0.5-1)/1 = -50.00%. (Read to 31 Jan it would be 1/4 against 3/4, -66.67%.)
    causes = {cause["driver"]: cause for cause in alert["causes"]}
    assert causes["win_rate"]["why"] == "win rate 50.0% against 100.0% before (-50.00%)"
    assert causes["win_rate"]["action"].startswith("Coaching on the stage")
    assert "average_deal_size" not in causes and "sales_cycle_days" not in causes
    # --record wrote the five review days, the alert on the 14th.
    records = list(StatusRecord.objects.order_by("day"))
    assert [record.status for record in records] == [
        "on_track", "at_risk", "at_risk", "at_risk", "at_risk"]
    assert records[1].alert is not None and records[1].previous == "on_track"
    assert records[1].actual == Decimal(1200) and records[1].expected == Decimal(1400)


def test_status_table_prints_the_alert_and_the_suggested_action(company: str) -> None:
    out = _run("targets", "status", "--as-of", "2026-01-31")
    assert "quota bookings 2026-01" in out
    assert "at risk" in out
    assert "ALERT bookings for person:E1 2026-01: on track → at risk on 2026-01-14" in out
    assert "suggested: Coaching on the stage where deals are lost" in out


def test_goals_check_prints_every_verdict_and_saves(company: str, tmp_path: Path) -> None:
    path = tmp_path / "jan.yaml"
    path.write_text("goal: jan\nmetric: revenue\nowner: person:E1\ntarget: 3000\n"
                    "period: 2026-01\nobjective: Plan\ncheck_ins: weekly\n")
    out = _run("goals", "check", str(path), "--today", "2026-01-01", "--save")
    assert "Specific: PASS — one metric (revenue); one owner (person:E1)" in out
    # Weekly check-ins fit 31 days 4 times.
    assert "Time-bound: PASS — runs 2026-01-01 to 2026-01-31 (31 days); weekly check-ins " \
           "(about 4)" in out
    assert "saved as goal jan" in out
    # No January 2025 for E1, so the period before (December 2025: 2,000) is the baseline:
    # 3,000 / 2,000 - 1 = +50%, above every past month-on-month change (+33.33%): a warning.
    assert "Achievable: WARN — needs 50.00% growth (2000 in 2025-12 → 3000), above the 90th " \
           "percentile of past growth" in out
    assert Goal.objects.get(key="jan").target_value == Decimal(3000)


def test_goals_check_reports_errors_at_line_and_column(company: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("goal: bad\nmetric: revenue\nowner: person:E1\ntarget: 3000\n"
                    "deadlin: 2026-01-31\n")
    with pytest.raises(CommandError, match=r"bad.yaml, line 5, column 1 \(deadlin\): unknown "
                                           r"key 'deadlin'"):
        _run("goals", "check", str(path))


def test_goals_check_fails_a_goal_that_is_not_smart(company: str, tmp_path: Path) -> None:
    path = tmp_path / "vague.yaml"
    path.write_text("goal: vague\nmetric: revenue\nowner: person:E1\ntarget: 3000\n")
    out = StringIO()
    with pytest.raises(CommandError, match=r"vague\.yaml is not SMART yet"):
        call_command("goals", "check", str(path), "--json", stdout=out)
    verdicts = {item["criterion"]: item["outcome"]
                for item in json.loads(out.getvalue())["verdicts"]}
    assert verdicts["relevant"] == "fail" and verdicts["time_bound"] == "fail"


def test_quotas_allocate_splits_a_team_by_ramp_and_saves(company: str) -> None:
    # January 100,000 for T1: E1 full (1), E2 in their first month (0.25): 1/1.25 = 80%
    # -> 80,000.00 and 20,000.00.
    result = json.loads(_run("quotas", "allocate", "--parent", "team:T1", "--amount", "100000",
                             "--period", "2026-01", "--json", "--approve"))
    assert [(child["owner"], child["amount"]) for child in result["children"]] == [
        ("person:E1", "80000.00"), ("person:E2", "20000.00")]
    assert result["check"]["flagged"] is False and result["saved"] == 2
    # E1's approved quota is now version 2 (the fixture's 3,100 was version 1).
    [quota] = services.current_quotas(owner="person:E1", period="2026-01")
    assert (quota.version, quota.amount) == (2, Decimal("80000.00"))


def test_quotas_allocate_manual_amounts_show_the_gap(company: str, tmp_path: Path) -> None:
    values = tmp_path / "manual.csv"
    values.write_text("owner,value\nperson:E1,50000\nperson:E2,40000\n")
    out = _run("quotas", "allocate", "--parent", "team:T1", "--amount", "100000", "--period",
               "2026-01", "--method", "manual", "--values", str(values))
    # 50,000 + 40,000 = 90,000: 10,000 short of the parent.
    assert "GAP bottom-up check: children carry 90000.00, 10000.00 less than the parent's " \
           "100000" in out


def test_quotas_allocate_refuses_a_bad_values_file(company: str, tmp_path: Path) -> None:
    values = tmp_path / "bad.csv"
    values.write_text("owner,value\nperson:E1,lots\n")
    with pytest.raises(CommandError, match=r"bad\.csv, row 2, column value: 'lots' is not a "
                                           "number"):
        _run("quotas", "allocate", "--parent", "team:T1", "--amount", "1", "--period",
             "2026-01", "--method", "historical", "--values", str(values))


def test_actuals_are_read_for_the_day_asked_not_after(company: str) -> None:
    # On 10 Jan the rep has sold 10 x 100 = 1,000 against 1,000 expected: on track.
    [status] = services.target_status(as_of=dt.date(2026, 1, 10), owner="person:E1")
    assert status.assessment.actual == Decimal(1000)
    assert status.assessment.status == "on_track"


def test_historical_allocation_reads_last_years_actuals_from_the_catalog(company: str) -> None:
    # Q4 2025: E1 sold 1,500 + 2,000 = 3,500, E2 nothing: E1 carries all of Q4 2026.
    result = json.loads(_run("quotas", "allocate", "--parent", "team:T1", "--amount",
                             "100000", "--period", "FY2026-Q4", "--method", "historical",
                             "--json"))
    assert [(child["owner"], child["amount"]) for child in result["children"]] == [
        ("person:E1", "100000.00"), ("person:E2", "0.00")]


def test_learned_seasonality_follows_the_teams_past_months(company: str) -> None:
    # T1's 2025: November 1,500 and December 2,000 of 3,500, two months seen: weights
    # 1500/3500 x 2 = 0.857143 and 1.142857; October, never seen, the mean 1.
    # 100,000 over Q4 by 1 : 0.857143 : 1.142857 (sum 3): 3,333,333.33 / 2,857,143.33 /
    # 3,809,523.33 cents; the odd cent to October: 33,333.34 / 28,571.43 / 38,095.23.
    # Each month halved between E1 and E2, odd cents to E1: E1 16,666.67 + 14,285.72 +
    # 19,047.62 = 50,000.01; E2 16,666.67 + 14,285.71 + 19,047.61 = 49,999.99.
    result = json.loads(_run("quotas", "allocate", "--parent", "team:T1", "--amount",
                             "100000", "--period", "FY2026-Q4", "--seasonality", "learned",
                             "--json"))
    e1, e2 = result["children"]
    assert e1["by_month"] == {"2026-10": "16666.67", "2026-11": "14285.72",
                              "2026-12": "19047.62"}
    assert (e1["amount"], e2["amount"]) == ("50000.01", "49999.99")


def test_a_check_in_on_a_goal_records_confidence_and_the_status_of_the_day(
        company: str, tmp_path: Path) -> None:
    path = tmp_path / "jan.yaml"
    path.write_text("goal: jan\nmetric: revenue\nowner: person:E1\ntarget: 3100\n"
                    "period: 2026-01\nobjective: Plan\ncheck_ins: weekly\n")
    _run("goals", "check", str(path), "--today", "2026-01-01", "--save")
    # On 14 Jan: 1,200 against 1,400 expected -> 85.7% of pace, at risk.
    out = _run("goals", "checkin", "jan", "--confidence", "60", "--comment",
               "Two quiet days; deals lined up for next week", "--today", "2026-01-14")
    assert out.strip() == "checked in on jan (2026-01-14): confidence 60%, status at risk"
    check_in = Goal.objects.get(key="jan").check_ins.get()
    assert (check_in.confidence, check_in.status, check_in.author.employee_id) == (
        60, "at_risk", "E1")


def test_approve_turns_the_latest_drafts_of_a_period_into_the_current_quotas(
        company: str) -> None:
    _run("quotas", "allocate", "--parent", "team:T1", "--amount", "100000", "--period",
         "2026-01", "--save")
    # Still the fixture's approved 3,100 until the drafts are approved.
    [before] = services.current_quotas(owner="person:E1", period="2026-01")
    assert before.amount == Decimal(3100)
    assert _run("quotas", "approve", "--period", "2026-01").strip() == "approved 2 quotas"
    amounts = {services.owner_of(q): q.amount for q in services.current_quotas(period="2026-01")}
    assert amounts == {"person:E1": Decimal("80000.00"), "person:E2": Decimal("20000.00")}


def test_a_rerun_gives_the_same_figures_and_replaces_the_recorded_history(
        company: str) -> None:
    args = ("targets", "status", "--owner", "person:E1", "--as-of", "2026-01-31", "--json",
            "--record")
    first, second = _run(*args), _run(*args)
    assert first == second
    assert StatusRecord.objects.count() == 5


def test_a_person_has_no_children_to_allocate_to(company: str) -> None:
    with pytest.raises(CommandError, match="person:E1 is a person: only the company, a region "
                                           "or a team"):
        _run("quotas", "allocate", "--parent", "person:E1", "--amount", "1", "--period",
             "2026-01")


def test_the_bottom_up_check_compares_saved_quotas_and_flags_the_gap(company: str) -> None:
    # T1 carries 5,000 for January; E1 has 3,100 and E2 none: children 3,100, gap 1,900.
    services.save_quotas([services.QuotaRow("bookings", "team:T1", "2026-01", "5000")],
                         approve=True)
    out = StringIO()
    with pytest.raises(CommandError, match=r"gap of 1900\.00 between team:T1"):
        call_command("quotas", "check", "--owner", "team:T1", "--period", "2026-01",
                     stdout=out)
    assert out.getvalue().splitlines() == [
        "  person:E1: 3100.00", "  person:E2: no approved quota",
        "team:T1 bookings 2026-01 (USD): children carry 3100.00, 1900.00 less than the "
        "parent's 5000.00"]
    # E2's 1,900 closes the gap.
    services.save_quotas([services.QuotaRow("bookings", "person:E2", "2026-01", "1900")],
                         approve=True)
    assert _run("quotas", "check", "--owner", "team:T1", "--period", "2026-01").endswith(
        "children sum to the parent exactly (5000.00)\n")


def test_the_python_api_gives_the_same_status_and_allocation(company: str) -> None:
    from attain import targets

    [status] = targets.status(as_of=dt.date(2026, 1, 31), owner="person:E1")
    assert (status.assessment.actual, status.assessment.status) == (Decimal("2900.00"),
                                                                     "at_risk")
    result = targets.allocate(parent="team:T1", amount=Decimal(100000), period="2026-01")
    assert result.amounts() == {"person:E1": Decimal("80000.00"),
                                "person:E2": Decimal("20000.00")}


def test_status_for_a_period_shows_the_targets_of_that_period_only(company: str) -> None:
    # E1's quota is for January 2026. Asked for January on 14 Jan: pace 3,100 × 14/31 =
    # 1,400.00 expected; sold 1–10 and 13–14 Jan, 12 days × 100 = 1,200.00 actual.
    [status] = json.loads(_run("targets", "status", "--period", "2026-01", "--as-of",
                               "2026-01-14", "--json"))
    assert (status["label"], status["actual"], status["expected"]) == (
        "quota bookings 2026-01", "1200.00", "1400.00")
    # February has no quota and no goal.
    assert json.loads(_run("targets", "status", "--period", "2026-02", "--as-of",
                           "2026-01-14", "--json")) == []
