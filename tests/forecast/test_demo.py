"""The demo company's forecast calls: both quarters called, weekly, each manager a little
under their people's sum."""

from __future__ import annotations

from decimal import Decimal

import pytest

from attain.core.company import company_calendar
from attain.core.money import round_money
from attain.forecast import demo, services
from attain.forecast.models import ForecastCall
from attain.org.models import Person
from tests.demo_company import AS_OF, load_small_demo

pytestmark = pytest.mark.django_db


def test_the_demo_calls_both_quarters_with_the_managers_judgement(warehouse: str) -> None:
    load_small_demo(warehouse)
    made = demo.seed(as_of=AS_OF)
    assert made == ForecastCall.objects.count() > 0
    current = company_calendar().period_containing(AS_OF, "quarter")
    assert set(ForecastCall.objects.values_list("period", flat=True)) == {
        current.label, current.prior().label}
    manager = Person.objects.get(user__username="manager")
    (root,) = services.rollup(period=current, people=None, day=AS_OF)
    node = next(n for n in root.walk() if n.employee_id == manager.employee_id)
    assert node.call is not None and node.reports
    # the manager's latest call is 95% of their people's commits of the same week
    assert node.call.commit == round_money(node.reports_commit * Decimal("0.95"))
    assert node.judgement_commit is not None and node.judgement_commit < 0
    assert len(services.weekly_history(period=current, employee_id=manager.employee_id,
                                       people=None, today=AS_OF)) >= 2
    assert demo.seed(as_of=AS_OF) == made  # run again: the same calls, not twice as many
    assert ForecastCall.objects.count() == made
