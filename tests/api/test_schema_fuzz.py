"""Schemathesis against the OpenAPI document: generated requests to every operation never
make a server error, and every response matches the document."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from attain.api import tokens
from attain.org.models import Person
from attain.wsgi import application
from tests.demo_company import load_small_demo

schema = schemathesis.openapi.from_wsgi("/api/schema", application)


@pytest.fixture
def admin_token(warehouse: str) -> str:
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
