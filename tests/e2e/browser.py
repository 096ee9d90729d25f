"""What the browser journeys share: signing in through the real login page."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def sign_in(page: Page, site: str, username: str) -> None:
    """Sign in as a demo user (the test demo's password) and wait for the home page."""
    page.goto(f"{site}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
