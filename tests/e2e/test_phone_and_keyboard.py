"""On a phone and with the keyboard alone: wide pages never widen the screen (their tables
scroll inside themselves), and someone without a mouse can skip to the content, move between
pages and submit a form with Enter."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from attain.engine import run as engine_run
from attain.org.models import Person
from tests.demo_company import load_small_demo
from tests.e2e.browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
"""An iPhone 12–15's CSS viewport."""


@pytest.fixture
def site(warehouse: str, live_server: Any) -> str:
    load_small_demo(warehouse)
    engine_run.run(period="2026-Q3")
    return str(live_server.url)


def _page_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0: no sideways scrolling)."""
    return int(page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def _tables_that_cannot_show_their_last_column(page: Page) -> list[str]:
    """Tables in the content whose last header cell stays off the screen even scrolled to
    their right end (a clipped table), named by their first header's text."""
    return list(page.evaluate("""() => [...document.querySelectorAll('main table')]
        .filter(t => t.offsetParent !== null && t.querySelector('th'))
        .filter(t => {
            t.scrollLeft = t.scrollWidth;
            const last = [...t.querySelectorAll('th')].pop().getBoundingClientRect();
            return last.right > document.documentElement.clientWidth + 1;
        }).map(t => t.querySelector('th').innerText)"""))


def test_wide_pages_scroll_their_tables_not_the_page_on_a_phone(
        site: str, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    sign_in(page, site, "admin")
    rep = Person.objects.get(user__username="rep")
    wide = [f"/statements/{rep.employee_id}/FY2026-Q3/", "/people/", "/audit/", "/runs/",
            "/statements/?period=FY2026-Q3", "/plans/ae-plan/", "/teams/"]
    for path in wide:
        page.goto(f"{site}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert _page_overflow(page) == 0, path
        # a table scrolls inside itself, so its last column can always be brought into view
        assert _tables_that_cannot_show_their_last_column(page) == [], path
    context.close()


def _focused(page: Page) -> str:
    """The focused element as ``tag:text`` (its accessible text, trimmed)."""
    return str(page.evaluate(
        "(() => { const e = document.activeElement;"
        " return e.tagName.toLowerCase() + ':' + (e.innerText || e.value || e.name || '')"
        ".trim().slice(0, 40); })()"))


def _tab_to(page: Page, wanted: str, most: int = 40) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if _focused(page) == wanted:
            return
    raise AssertionError(f"{wanted} is not reachable with Tab (stuck at {_focused(page)})")


def test_the_keyboard_alone_signs_in_moves_between_pages_and_skips_to_content(
        site: str, page: Page) -> None:
    page.goto(f"{site}/login/")
    assert _focused(page) == "input:username"  # the sign-in form asks first
    page.keyboard.type("rep")
    page.keyboard.press("Tab")
    page.keyboard.type("pw-for-tests")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    _tab_to(page, "a:Goals")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/goals/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Goals")
    _tab_to(page, "a:Statements")
    page.keyboard.press("Enter")
    rep = Person.objects.get(user__username="rep")
    expect(page).to_have_url(f"{site}/statements/{rep.employee_id}/FY2026-Q3/")
    page.keyboard.press("Tab")  # the first stop on every page skips the menu
    assert _focused(page) == "a:Skip to content"
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert _focused(page).startswith("main:")
    page.keyboard.press("Tab")  # the next stop is inside the content, past the menu
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.closest('header') === null")
