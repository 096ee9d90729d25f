"""A manager starts a contest for their team and a rep finds their rank, in a real browser.

The small demo's data ends on 2026-11-24; the contest runs from 1 October to the end of the
year, so it is live whatever day the test runs in December 2026 and its standings count the
deals won since October.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.demo_company import load_small_demo
from tests.e2e.browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(warehouse: str, live_server: Any) -> str:
    load_small_demo(warehouse)  # contests read the catalog: no calculation run needed
    return str(live_server.url)


def test_a_manager_creates_a_contest_and_a_rep_sees_their_rank(
        site: str, page: Page, screenshot: Callable[[Page, str], None]) -> None:
    sign_in(page, site, "manager")
    page.get_by_role("link", name="Contests").first.click()
    page.get_by_role("link", name="New contest").click()
    page.get_by_label("Name", exact=True).fill("Year-end sprint")
    page.get_by_label("Ranked by").select_option("deals_won")
    page.get_by_label("First day").fill("2026-10-01")
    page.get_by_label("Last day").fill("2026-12-31")
    page.get_by_label("Team (with the teams below it)").select_option("AMER-01")
    page.get_by_label("Rank of prize 1").fill("1")
    page.get_by_label("Prize 1", exact=True).fill("Team dinner")
    page.get_by_label("Rules").fill("Deals closed won in the dates count.")
    screenshot(page, "contest-new")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Year-end sprint")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Live")
    expect(page.locator("table.standings tbody tr")).to_have_count(11)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, site, "rep")
    tile = page.locator("#engage")
    expect(tile.get_by_role("heading", name="Your contests")).to_be_visible(timeout=60_000)
    expect(tile).to_contain_text("Year-end sprint")
    expect(tile).to_contain_text("of 11")
    screenshot(page, "home-rep-contests")
    tile.get_by_role("link", name="Year-end sprint").focus()
    page.keyboard.press("Enter")  # the tile is a link: the keyboard opens it
    expect(page.get_by_role("heading", level=1)).to_contain_text("Year-end sprint")
    mine = page.locator("tr[aria-current=true]")
    expect(mine).to_contain_text("(you)")
    expect(page.get_by_text("Your place")).to_be_visible()
    screenshot(page, "contest-rep")
