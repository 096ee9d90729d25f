"""The estimator on the home page answers with the payout services' figure, or a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from attain.org.models import Person
from attain.payouts import estimator
from attain.web.pages.estimator import products

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]


def test_a_rep_estimates_a_deal_from_the_home_page(calculated: str, signed_in: SignIn) -> None:
    rep = signed_in("rep")
    home = rep.get("/").content.decode()
    assert "What would a deal pay you?" in home
    product = products()[0][0]
    response = rep.post("/estimate/", {"amount": "25,000.00", "product": product,
                                       "booked_on": "2026-09-15", "share_pct": "100"},
                        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    me = Person.objects.get(user__username="rep")
    expected = estimator.estimate(viewer=me.user, employee_id=me.employee_id,
                                  amount="25000.00", booked_on=dt.date(2026, 9, 15),
                                  product_id=product, share="1.0")
    assert f"{expected.marginal_payout:,.2f} {expected.currency}" in response.content.decode()
    assert expected.marginal_payout > 0


def test_a_bad_amount_gets_a_reason_not_an_error_page(calculated: str,
                                                      signed_in: SignIn) -> None:
    response = signed_in("rep").post("/estimate/", {
        "amount": "12.345", "product": products()[0][0], "booked_on": "2026-09-15"})
    assert response.status_code == 422
    assert "whole number of cents" in response.content.decode()


def test_someone_with_no_plan_is_told_so(calculated: str, signed_in: SignIn) -> None:
    response = signed_in("finance").post("/estimate/", {
        "amount": "100.00", "product": products()[0][0], "booked_on": "2026-09-15"})
    assert response.status_code == 422
    assert "no plan" in response.content.decode()
