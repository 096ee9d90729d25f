"""The main journeys of each role, in a real browser against a live server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from attain.engine import run as engine_run
from attain.org.models import Person
from tests.demo_company import load_small_demo

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(warehouse: str, live_server: Any) -> str:
    load_small_demo(warehouse)
    engine_run.run(period="2026-Q3")
    return str(live_server.url)


def sign_in(page: Page, site: str, username: str) -> None:
    page.goto(f"{site}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def test_a_rep_signs_in_and_reads_their_own_figures(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "rep")
    rep = Person.objects.get(user__username="rep")
    expect(page.get_by_role("heading", level=1)).to_contain_text(rep.name)
    expect(page.get_by_role("heading", name="Your FY2026-Q3")).to_be_visible()
    expect(page.get_by_text("Your team")).to_have_count(0)
    screenshot(page, "home-rep")


def test_a_wrong_password_is_refused_with_a_message(site: str, page: Page) -> None:
    page.goto(f"{site}/login/")
    page.get_by_label("Username").fill("rep")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()


def test_a_manager_sees_their_team(site: str, page: Page,
                                   screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "manager")
    expect(page.get_by_role("heading", name="Your team")).to_be_visible()
    screenshot(page, "home-manager")


def test_finance_sees_totals_and_runs(site: str, page: Page,
                                      screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "finance")
    expect(page.get_by_role("heading", name="Calculation runs")).to_be_visible()
    screenshot(page, "home-finance")
