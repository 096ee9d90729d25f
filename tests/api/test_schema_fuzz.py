"""Schemathesis against the OpenAPI document: generated requests to every operation never
make a server error, and every response matches the document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from attain.api import tokens
from attain.org.models import Person
from attain.wsgi import application
from tests.demo_company import load_small_demo

schema = schemathesis.openapi.from_wsgi("/api/schema", application)


@pytest.fixture
def connections_kept_open() -> Iterator[None]:
    """Calls go through the real WSGI application, whose request signals close "old" database
    connections; inside the test's transaction that closes it on PostgreSQL ("the connection
    is closed"). Django's own test client stops the same handler around each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(warehouse: str, connections_kept_open: None) -> str:
    load_small_demo(warehouse)
    return tokens.issue(Person.objects.get(user__username="admin").user, "fuzz")


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_answers_without_error_and_as_documented(case: Any,
                                                                 admin_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[schemathesis.checks.not_a_server_error, response_schema_conformance])
