"""The statements list's rows (web/tables.py): payee, employee id, earned to the cent with
thousands separators, and the statement's link; names escaped; only whom one may see."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from attain.core.money import sum_money
from attain.engine.models import CalculationRun
from attain.org.models import Person
from attain.web import access
from attain.web import services as web_services
from attain.web.tables import statement_rows

SignIn = Callable[[str], Client]
PERIOD = "FY2026-Q3"


def test_a_row_reads_payee_id_amount_and_link() -> None:
    html = statement_rows([
        {"employee_id": "E00042", "name": "Ana <b>Ruiz</b>", "currency": "USD",
         "earned": Decimal("1234567.50")},
        # half a cent: the one rounding rule, half away from zero -> -0.01
        {"employee_id": "E 7", "name": "Bo", "currency": "EUR", "earned": Decimal("-0.005")},
    ], PERIOD)
    assert html == (
        "<tr><td>Ana &lt;b&gt;Ruiz&lt;/b&gt;</td><td>E00042</td>"
        '<td class="num">1,234,567.50 USD</td>'
        f'<td><a href="/statements/E00042/{PERIOD}/">Statement</a></td></tr>'
        "<tr><td>Bo</td><td>E 7</td>"
        '<td class="num">-0.01 EUR</td>'
        f'<td><a href="/statements/E%207/{PERIOD}/">Statement</a></td></tr>')


@pytest.mark.django_db
def test_finance_lists_everyone_with_their_earned_total(calculated: str,
                                                        signed_in: SignIn) -> None:
    page = signed_in("finance").get(f"/statements/?period={PERIOD}").content.decode()
    run = CalculationRun.objects.get(run_id=calculated)
    summaries = web_services.summaries(run, None)
    payees = {row.payee_id for row in summaries}
    listed = re.findall(r'<tr><td>[^<]*</td><td>([^<]+)</td><td class="num">([^<]+)</td>',
                        page)
    assert {employee_id for employee_id, _ in listed} == payees
    rep = Person.objects.get(user__username="rep")
    theirs = sum_money(row.earned for row in summaries if row.payee_id == rep.employee_id)
    assert (rep.employee_id, f"{theirs:,.2f} USD") in listed


@pytest.mark.django_db
def test_a_managers_list_holds_only_their_team(calculated: str, signed_in: SignIn) -> None:
    manager = Person.objects.get(user__username="manager")
    page = signed_in("manager").get(f"/statements/?period={PERIOD}").content.decode()
    linked = set(re.findall(rf'href="/statements/([^/]+)/{PERIOD}/"', page))
    run = CalculationRun.objects.get(run_id=calculated)
    visible = access.visible_people(manager.user, run.period_end) or set()
    assert linked and linked <= visible
    assert linked == {row.payee_id for row in web_services.summaries(run, visible)}
