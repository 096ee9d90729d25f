"""Shared fixtures of the page tests: the small demo company, calculated for 2026-Q3."""

from __future__ import annotations

import pytest
from django.test import Client

from attain.engine import run as engine_run
from tests.demo_company import load_small_demo


@pytest.fixture
def calculated(warehouse: str) -> str:
    load_small_demo(warehouse)
    return engine_run.run(period="2026-Q3").run_id


@pytest.fixture
def signed_in(client: Client):  # type: ignore[no-untyped-def]
    """``signed_in("rep")`` returns the client signed in as that demo login."""
    def sign_in(username: str) -> Client:
        client.logout()
        assert client.login(username=username, password="pw-for-tests")
        return client
    return sign_in
