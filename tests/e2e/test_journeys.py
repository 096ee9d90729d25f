"""The main journeys of each role, in a real browser against a live server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from attain.engine import run as engine_run
from attain.org.models import Person
from tests.demo_company import load_small_demo
from tests.e2e.browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(warehouse: str, live_server: Any) -> str:
    load_small_demo(warehouse)
    engine_run.run(period="2026-Q3")
    return str(live_server.url)


def test_a_rep_signs_in_and_reads_their_own_figures(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "rep")
    rep = Person.objects.get(user__username="rep")
    expect(page.get_by_role("heading", level=1)).to_contain_text(rep.name)
    expect(page.get_by_role("heading", name="Your FY2026-Q3")).to_be_visible()
    expect(page.get_by_text("Your team")).to_have_count(0)
    expect(page.locator(".gauge").first).to_be_visible()
    expect(page.get_by_text("Leaderboard ·")).to_be_visible(timeout=60_000)  # an htmx partial
    screenshot(page, "home-rep")


def test_a_wrong_password_is_refused_with_a_message(site: str, page: Page) -> None:
    page.goto(f"{site}/login/")
    page.get_by_label("Username").fill("rep")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()


def test_a_manager_sees_their_team(site: str, page: Page,
                                   screenshot: Callable[[Page, str], None]) -> None:
    from attain.targets import services as target_services

    # The quarter under way: its open pipeline is still open, and the statuses recorded on
    # the demo's last day say who is behind.
    engine_run.run(period="2026-Q4")
    target_services.target_status(as_of=dt.date(2026, 11, 24), record=True)
    sign_in(page, site, "manager")
    expect(page.get_by_role("heading", name="Your team")).to_be_visible()
    expect(page.get_by_role("heading", name="Who is behind, and why")).to_be_visible()
    expect(page.get_by_text("Weighted pipeline", exact=True)).to_be_visible(timeout=60_000)
    screenshot(page, "home-manager")


def test_finance_sees_totals_and_runs(site: str, page: Page,
                                      screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "finance")
    expect(page.get_by_role("heading", name="Calculation runs")).to_be_visible()
    screenshot(page, "home-finance")


def test_a_rep_drills_into_a_statement_and_disputes_a_line(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "rep")
    page.get_by_role("link", name="Statements").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Statement of")
    expect(page.get_by_text("credited").first).to_be_visible()
    screenshot(page, "statement-rep")
    page.locator("#line-1 summary", has_text="Dispute").click()
    page.get_by_label("What is wrong with line 1?").fill("The split should be 100% mine")
    page.get_by_role("button", name="Send dispute").click()
    expect(page.get_by_role("status").first).to_contain_text("dispute on line 1")
    page.get_by_role("link", name="Disputes").click()
    expect(page.get_by_text("The split should be 100% mine").first).to_be_visible()


def test_finance_approves_a_pay_run_and_exports_payroll(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "admin")
    page.goto(f"{site}/payruns/")
    page.get_by_label("Calculate the pay run of").select_option("FY2026-Q3")
    page.get_by_role("button", name="Calculate").click()
    expect(page.get_by_role("status").first).to_contain_text("Succeeded")
    page.goto(f"{site}/payruns/?period=FY2026-Q3")
    page.get_by_role("button", name="Approve as manager").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, site, "finance")
    page.goto(f"{site}/payruns/?period=FY2026-Q3")
    page.get_by_role("button", name="Approve (finance)").click()
    expect(page.get_by_role("status").first).to_contain_text("Approved")
    screenshot(page, "payruns-finance")
    with page.expect_download() as download:
        page.get_by_role("link", name="Payroll CSV").click()
    content = Path(download.value.path()).read_text()
    assert content.splitlines()[0] == "employee_id,name,period,amount,currency,cost_centre"
    assert len(content.splitlines()) > 5


def test_a_rep_creates_a_goal_and_sees_the_verdicts_as_they_type(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "rep")
    page.get_by_role("link", name="Goals").click()
    page.get_by_role("link", name="New SMART goal").click()
    page.get_by_label("Short id").fill("e2e-goal")
    page.get_by_label("Title").fill("Grow my bookings this quarter")
    page.get_by_label("Target").fill("+10%")
    page.get_by_label("Or the company objective it serves").fill("Grow revenue")
    expect(page.locator("#verdicts")).to_contain_text("Time-bound")
    expect(page.locator("#verdicts")).to_contain_text("Measurable")
    screenshot(page, "goal-builder")
    page.get_by_role("button", name="Save goal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grow my bookings")


def test_sales_ops_import_a_file_with_an_error_and_read_it(
        site: str, page: Page, screenshot: Callable[[Page, str], None], tmp_path: Any) -> None:
    bad = tmp_path / "products.csv"
    bad.write_text("product_id,name,family,list_price,unit_cost,currency,is_recurring\n"
                   "PX1,Cloud Suite XL,Cloud,12000.00,1800.00,USD,true\n"
                   "PX2,Onboarding Plus,Services,lots,1500.00,USD,false\n")
    sign_in(page, site, "admin")
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("What the file holds").select_option("products")
    page.get_by_label("File", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("nothing was loaded")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="list_price")
    expect(row).to_contain_text("3")
    expect(row).to_contain_text("lots")
    screenshot(page, "import-errors")


def test_sales_ops_edit_a_plan_and_the_editor_points_at_the_line(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "admin")
    page.goto(f"{site}/plans/ae-plan/edit/")
    editor = page.get_by_label("Plan document (YAML)")
    text = editor.input_value().replace("components:", "componnts:")
    editor.fill(text)
    expect(page.locator("#problems")).to_contain_text("componnts")
    line = 1 + text.splitlines().index("componnts:")
    expect(page.locator("#problems")).to_contain_text(f"Line {line}")
    screenshot(page, "plan-editor")


def test_an_executive_reads_the_kpi_dashboard(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "executive")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_text("Win rate").first).to_be_visible(timeout=60_000)
    expect(page.locator(".chart.spark svg").first).to_be_visible()
    screenshot(page, "dashboard-executive")
