"""The API's remaining thin spots: the statements list, starting a run and following it,
resolving a dispute, the import history and forecast calls; each with the pages' rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attain.core.company import company_calendar
from attain.engine.models import CalculationRun
from attain.forecast import services as forecast_services
from attain.forecast.models import ForecastCall
from attain.org.models import Person
from attain.payouts.models import Adjustment
from attain.web import access
from attain.web import services as web_services
from tests.api.helpers import outsider as outsider_of
from tests.api.helpers import token_client

pytestmark = pytest.mark.django_db
PERIOD = "FY2026-Q3"
END = dt.date(2026, 9, 30)
QUARTER = company_calendar().period_containing(dt.date.today(), "quarter")


def test_the_statements_list_shows_only_whom_the_caller_may_see(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    mine = token_client("rep").get(f"/api/statements?period={PERIOD}").json()
    assert [row["employee_id"] for row in mine] == [rep.employee_id]
    run = CalculationRun.objects.get(run_id=calculated)
    # the rep's earnings: the sum of their summary rows in the run
    expected = sum((s.earned for s in web_services.summaries(run, {rep.employee_id})),
                   Decimal(0))
    assert Decimal(mine[0]["earned"]) == expected and mine[0]["run_id"] == calculated
    outsider = outsider_of(END)
    assert token_client("rep").get(
        f"/api/statements?period={PERIOD}&payee={outsider.employee_id}").status_code == 404
    team = token_client("manager").get(f"/api/statements?period={PERIOD}").json()
    manager = Person.objects.get(user__username="manager")
    visible = access.visible_people(manager.user, END) or set()
    assert {row["employee_id"] for row in team} <= visible
    assert rep.employee_id in {row["employee_id"] for row in team}
    assert outsider.employee_id not in {row["employee_id"] for row in team}
    everyone = token_client("finance").get(f"/api/statements?payee={outsider.employee_id}").json()
    assert [row["employee_id"] for row in everyone] == [outsider.employee_id]
    assert token_client("rep").get("/api/statements?period=Q9").status_code == 422


def test_sales_ops_start_a_run_and_follow_its_job(calculated: str) -> None:
    started = token_client("admin").post("/api/runs", {"period": PERIOD},
                                    content_type="application/json")
    assert started.status_code == 200
    job = started.json()
    # the tests run jobs at once (ATTAIN_TASKS=immediate): it has finished already
    progress = token_client("admin").get(f"/api/jobs/{job['job_id']}").json()
    assert progress["status"] == "succeeded" and progress["fraction"] == 1.0
    assert CalculationRun.objects.filter(period=PERIOD).count() == 2
    assert token_client("finance").get(f"/api/jobs/{job['job_id']}").status_code == 200
    for username in ("finance", "manager", "rep"):
        assert token_client(username).post("/api/runs", {"period": PERIOD},
                                      content_type="application/json").status_code == 403
    assert token_client("rep").get(f"/api/jobs/{job['job_id']}").status_code == 404
    bad = token_client("admin").post("/api/runs", {"period": "someday"},
                                content_type="application/json")
    assert bad.status_code == 422 and "someday" in bad.json()["detail"]


def _dispute(comment: str = "wrong split") -> int:
    rep = Person.objects.get(user__username="rep")
    raised = token_client("rep").post("/api/disputes", {
        "employee_id": rep.employee_id, "period": PERIOD, "line_number": 1,
        "comment": comment}, content_type="application/json")
    assert raised.status_code == 200
    return int(raised.json()["dispute_id"])


def test_a_manager_resolves_a_dispute_by_adjustment_or_rejection(calculated: str) -> None:
    first, second = _dispute(), _dispute("second")
    for username in ("rep", "finance"):
        refused = token_client(username).post(f"/api/disputes/{first}/resolve",
                                         {"action": "reject", "reason": "no"},
                                         content_type="application/json")
        assert refused.status_code == 403, username
    adjusted = token_client("manager").post(f"/api/disputes/{first}/resolve", {
        "action": "adjust", "amount": "125.50", "reason": "split corrected"},
        content_type="application/json")
    assert adjusted.status_code == 200 and adjusted.json()["state"] == "adjusted"
    assert Adjustment.objects.get(dispute_id=first).amount == Decimal("125.50")
    again = token_client("manager").post(f"/api/disputes/{first}/resolve",
                                    {"action": "reject", "reason": "late"},
                                    content_type="application/json")
    assert again.status_code == 422 and "already" in again.json()["detail"]
    no_reason = token_client("admin").post(f"/api/disputes/{second}/resolve",
                                      {"action": "reject", "reason": " "},
                                      content_type="application/json")
    assert no_reason.status_code == 422
    rejected = token_client("admin").post(f"/api/disputes/{second}/resolve",
                                     {"action": "reject", "reason": "as agreed"},
                                     content_type="application/json")
    assert rejected.json()["state"] == "rejected"
    assert token_client("manager").post("/api/disputes/999999/resolve",
                                   {"action": "reject", "reason": "x"},
                                   content_type="application/json").status_code == 404


def test_the_import_history_says_who_imported_what(calculated: str) -> None:
    good = ("product_id,name,family,list_price,unit_cost,currency,is_recurring\n"
            "PX1,Thing,Cloud,10.00,1.00,USD,true\n")
    bad = good.replace("10.00", "ten")
    admin = token_client("admin")
    assert admin.post("/api/imports", {"kind": "products", "file": SimpleUploadedFile(
        "good.csv", good.encode())}).json()["ok"]
    assert not admin.post("/api/imports", {"kind": "products", "file": SimpleUploadedFile(
        "bad.csv", bad.encode())}).json()["ok"]
    history = admin.get("/api/imports/history?kind=products").json()
    assert [(h["file"], h["outcome"], h["user"]) for h in history] == [
        ("bad.csv", "rejected", "admin"), ("good.csv", "imported", "admin")]
    assert history[0]["errors"] == 1 and "list_price" in history[0]["first_error"]
    assert history[1]["rows"] == 1 and history[1]["added"] == 1
    for username in ("finance", "manager", "rep"):
        assert token_client(username).get("/api/imports/history").status_code == 403


def test_forecast_calls_by_api_follow_the_pages_rule(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    manager = Person.objects.get(user__username="manager")
    outsider = outsider_of(END)
    forecast_services.submit_call(person=outsider, period=QUARTER, commit="999",
                                  best_case="999")
    made = token_client("rep").post("/api/forecast/calls", {
        "period": QUARTER.label, "commit": "100.005", "best_case": "150"},
        content_type="application/json")
    assert made.status_code == 200
    assert Decimal(made.json()["commit"]) == Decimal("100.01")  # half away from zero
    assert [c["employee_id"] for c in token_client("rep").get("/api/forecast/calls").json()] == [
        rep.employee_id]
    token_client("manager").post("/api/forecast/calls", {
        "period": QUARTER.label, "commit": "90", "best_case": "200"},
        content_type="application/json")
    calls = {c["employee_id"]: c for c in token_client("manager").get(
        f"/api/forecast/calls?period={QUARTER.label}").json()}
    assert outsider.employee_id not in calls
    mine = calls[manager.employee_id]
    assert (mine["level"], Decimal(mine["commit"]), Decimal(mine["reports_commit"])) == (
        0, Decimal("90.00"), Decimal("100.01"))
    assert calls[rep.employee_id]["manager"] == manager.employee_id
    assert token_client("admin").post("/api/forecast/calls", {
        "period": QUARTER.label, "commit": "1", "best_case": "1"},
        content_type="application/json").status_code == 403
    wrong = token_client("rep").post("/api/forecast/calls", {
        "period": QUARTER.label, "commit": "10", "best_case": "1"},
        content_type="application/json")
    assert wrong.status_code == 422 and "below the commit" in wrong.json()["detail"]
    weeks = token_client("manager").get("/api/forecast/history").json()
    assert weeks and Decimal(weeks[-1]["commit"]) == Decimal("90.00")
    assert ForecastCall.objects.count() == 3


def test_the_new_lists_cost_a_fixed_number_of_queries(
        calculated: str, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    manager = Person.objects.get(user__username="manager")
    team = forecast_services.direct_reports(day=dt.date.today())[manager.employee_id]
    for number, person in enumerate(Person.objects.filter(employee_id__in=team)):
        forecast_services.submit_call(person=person, period=QUARTER, commit=str(10 + number),
                                      best_case="100")
    admin = token_client("admin")
    text = ("product_id,name,family,list_price,unit_cost,currency,is_recurring\n"
            "PX1,Thing,Cloud,10.00,1.00,USD,true\n")
    for number in range(6):
        admin.post("/api/imports", {"kind": "products", "file": SimpleUploadedFile(
            f"p{number}.csv", text.encode())})
    assert len(admin.get("/api/imports/history").json()) == 6
    assert len(team) >= 5
    clients = {"admin": admin, "manager": token_client("manager")}
    # measured 2026-12-05 (4, 5, 8, 11, 8) and bounded with two to spare; a query per
    # row (6 imports, 5+ calls, 30+ payees) would add at least 5
    for who, url, most in [("admin", "/api/imports/history", 6),
                           ("admin", f"/api/statements?period={PERIOD}", 7),
                           ("manager", f"/api/statements?period={PERIOD}", 10),
                           ("manager", "/api/forecast/calls", 13),
                           ("admin", "/api/forecast/calls", 10)]:
        with django_assert_max_num_queries(most):
            assert clients[who].get(url).status_code == 200, url
