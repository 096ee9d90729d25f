"""Sales ops edit the org in a browser: move a rep to another team from a date (the person
page then shows the new team, the day before still the old), refused with the reason when
the date is impossible; a territory rule checked as it is typed; a manager's forecast call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from attain.org.models import Person, Team
from tests.demo_company import load_small_demo
from tests.e2e.browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(warehouse: str, live_server: Any) -> str:
    load_small_demo(warehouse)
    return str(live_server.url)


def test_sales_ops_move_a_rep_to_another_team_from_a_date(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    rep = Person.objects.get(user__username="rep")
    old = rep.memberships.get(valid_to__isnull=True).team
    new = Team.objects.filter(memberships__isnull=False).exclude(pk=old.pk).distinct()[0]
    since = dt.date.today() - dt.timedelta(days=7)
    sign_in(page, site, "admin")
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Search").fill(rep.employee_id)
    page.get_by_role("link", name=rep.name).click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {rep.name}")
    page.get_by_label("Team", exact=True).select_option(new.code)
    # an impossible day first: before the rep was hired
    page.get_by_label("In this team from").fill("1990-01-01")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert").filter(has_text="cannot start before")).to_be_visible()
    page.get_by_label("In this team from").fill(since.isoformat())
    screenshot(page, "person-edit")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Saved {rep.name}.")).to_be_visible()
    expect(page.locator(".card").filter(has_text="Team on")).to_contain_text(new.name)
    page.goto(f"{site}/people/{rep.employee_id}/?on={(since - dt.timedelta(days=1)).isoformat()}")
    expect(page.locator(".card").filter(has_text="Team on")).to_contain_text(old.name)


def test_sales_ops_read_a_territory_rule_check_as_they_type(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "admin")
    page.get_by_role("link", name="Territories").click()
    page.get_by_role("link", name="New territory").click()
    page.get_by_label("Code").fill("emea-ent")
    page.get_by_label("Name").fill("EMEA enterprise")
    rule = page.get_by_label("Rule")
    rule.fill('account.regoin == "EMEA"')
    expect(page.locator("#rule-check")).to_contain_text("account.regoin")
    rule.fill('account.region == "EMEA"')
    expect(page.locator("#rule-check")).to_contain_text("reads well")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name="EMEA enterprise", exact=True)).to_be_visible()
    screenshot(page, "territories")


def test_a_manager_makes_a_forecast_call(site: str, page: Page,
                                         screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "manager")
    page.get_by_role("link", name="Forecast").click()
    page.get_by_label("Commit").fill("250000")
    page.get_by_label("Best case").fill("310000")
    page.get_by_label("Note").fill("two renewals at legal")
    page.get_by_role("button", name="Submit call").click()
    expect(page.get_by_text("Your call for")).to_be_visible()
    manager = Person.objects.get(user__username="manager")
    row = page.get_by_role("row").filter(has_text=manager.name)
    expect(row).to_contain_text("250,000.00")
    expect(row).to_contain_text("310,000.00")
    screenshot(page, "forecast-calls")
