"""Finance's home: pay runs with their approval state, the payroll export once finance has
approved, and the way to accruals and cost against revenue. The executive's home: the
company KPI tiles, and no one's earnings."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.test import Client

from attain.engine.models import CalculationRun
from attain.org.models import Person
from attain.payouts import lifecycle
from attain.web import services as web_services

pytestmark = pytest.mark.django_db


def _page(client: Client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _user(username: str):  # type: ignore[no-untyped-def]
    return Person.objects.get(user__username=username).user


def test_finance_follows_a_pay_run_from_calculated_to_its_payroll_export(
        calculated: str, client: Client) -> None:
    client.login(username="finance", password="pw-for-tests")
    assert "No pay run yet" in _page(client)
    lifecycle.calculate(period="2026-Q3")
    page = _page(client)
    row = page.split("<td>FY2026-Q3</td>", 1)[1].split("</tr>", 1)[0]
    assert "Calculated" in row and "after finance approval" in row
    assert "/payruns/FY2026-Q3/payroll/" not in row
    assert '<a href="/payruns/?period=FY2026-Q3">Accruals, cost vs revenue</a>' in row
    lifecycle.approve(period="2026-Q3", actor=_user("admin"), level="manager")
    lifecycle.approve(period="2026-Q3", actor=_user("finance"), level="finance")
    row = _page(client).split("<td>FY2026-Q3</td>", 1)[1].split("</tr>", 1)[0]
    assert "Approved by finance" in row
    assert '<a href="/payruns/FY2026-Q3/payroll/">CSV</a>' in row
    assert '<a href="/payruns/FY2026-Q3/payroll/?format=xlsx">Excel</a>' in row


def test_finance_sees_the_run_totals(calculated: str, client: Client) -> None:
    run = CalculationRun.objects.get(run_id=calculated)
    client.login(username="finance", password="pw-for-tests")
    page = _page(client)
    for currency, total in run.totals.items():
        assert f"Total earned, {currency}" in page
        assert f"{Decimal(total):,.2f}" in page


def test_the_executive_home_loads_the_kpi_tiles_and_shows_no_earnings(
        calculated: str, client: Client) -> None:
    run = CalculationRun.objects.get(run_id=calculated)
    earned = {f"{row.earned:,.2f}" for row in web_services.summaries(run, None)
              if row.earned > 0}
    client.login(username="executive", password="pw-for-tests")
    page = _page(client)
    assert 'hx-get="/dashboard/tiles/"' in page and "Company KPIs" in page
    assert "plotly.min.js" in page  # the sparklines need it
    assert "Total earned" not in page and "Your team" not in page
    assert not [amount for amount in earned if amount in page]
    assert client.get("/home/forecast/").status_code == 403


@pytest.mark.parametrize(("username", "bound"), [("finance", 9), ("executive", 7),
                                                  ("admin", 10)])
def test_each_office_home_reads_a_bounded_number_of_queries(
        calculated: str, client: Client, django_assert_max_num_queries,  # type: ignore[no-untyped-def]
        username: str, bound: int) -> None:
    client.login(username=username, password="pw-for-tests")
    client.get("/")
    # session, user, person, runs (2: none contains today), latest runs, pay runs, goals,
    # disputes and approvals waiting where the role has them.
    with django_assert_max_num_queries(bound):
        assert client.get("/").status_code == 200
