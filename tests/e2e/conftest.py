"""Browser tests: Playwright driving Debian's Chromium, headless, against a live server.

``scripts/ensure-chromium`` (run by ``make test``) installs the browser through the system
package manager; when it is missing these tests fail, they never skip. Screenshots of each
journey go to ``ATTAIN_SCREENSHOTS`` when it is set (``make screenshots`` sets it to
docs/screenshots/).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
CHROMIUM = os.environ.get("ATTAIN_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run scripts/ensure-chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 860},
            "locale": "en-US"}


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    """Save a full-page screenshot as docs/screenshots/NAME.png when asked to."""
    folder = os.environ.get("ATTAIN_SCREENSHOTS")

    def take(page: Any, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    return take
