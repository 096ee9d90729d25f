"""Statement pages: a rep reads their own with every line explained and downloads it; nobody
opens a statement that is not theirs to see, by link or by a guessed URL; disputes flow
from a line to the manager and back."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.utils.html import escape

from attain.org.models import Person
from attain.payouts import statements as statement_services
from attain.payouts.models import Dispute
from attain.web import access

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]
PERIOD = "FY2026-Q3"
END = dt.date(2026, 9, 30)


def _rep() -> Person:
    return Person.objects.get(user__username="rep")


def _outsider() -> Person:
    manager = Person.objects.get(user__username="manager")
    team = access.visible_people(manager.user, END) or set()
    found = (Person.objects.filter(role="rep").exclude(employee_id__in=team)
             .exclude(user__username="rep").first())
    assert found is not None
    return found


def test_a_rep_reads_their_statement_with_lines_that_add_up(calculated: str,
                                                            signed_in: SignIn) -> None:
    rep = _rep()
    response = signed_in("rep").get(f"/statements/{rep.employee_id}/{PERIOD}/")
    assert response.status_code == 200
    page = response.content.decode()
    found = statement_services.statement(viewer=rep.user, employee_id=rep.employee_id,
                                         period=PERIOD)
    assert found.lines, "the demo rep earns something in Q3"
    assert sum((line.amount for line in found.lines), Decimal(0)) == found.earned
    assert f"{found.earned:,.2f}" in page
    assert escape(found.lines[0].text) in page  # the explanation in words
    assert "Dispute" in page


def test_a_rep_going_to_statements_lands_on_their_own(calculated: str,
                                                      signed_in: SignIn) -> None:
    response = signed_in("rep").get(f"/statements/?period={PERIOD}")
    assert response.status_code == 302
    assert f"/statements/{_rep().employee_id}/{PERIOD}/" == response["Location"]


def test_a_rep_cannot_open_another_reps_statement(calculated: str, signed_in: SignIn) -> None:
    rep = signed_in("rep")
    other = _outsider()
    for suffix in ("", "?format=csv", "?format=xlsx", "?format=pdf"):
        assert rep.get(f"/statements/{other.employee_id}/{PERIOD}/{suffix}").status_code == 404
    assert rep.post(f"/statements/{other.employee_id}/{PERIOD}/lines/1/dispute/",
                    {"comment": "mine?"}).status_code == 404
    assert not Dispute.objects.exists()


def test_a_manager_cannot_open_another_teams_statement(calculated: str,
                                                       signed_in: SignIn) -> None:
    manager = signed_in("manager")
    assert manager.get(f"/statements/{_outsider().employee_id}/{PERIOD}/").status_code == 404
    listed = manager.get(f"/statements/?period={PERIOD}").content.decode()
    assert _outsider().name not in listed and _rep().name in listed


def test_the_downloads_carry_the_same_lines(calculated: str, signed_in: SignIn) -> None:
    rep = _rep()
    client = signed_in("rep")
    base = f"/statements/{rep.employee_id}/{PERIOD}/"
    found = statement_services.statement(viewer=rep.user, employee_id=rep.employee_id,
                                         period=PERIOD)
    csv_text = client.get(base + "?format=csv").content.decode()
    assert found.lines[0].text.split(",")[0] in csv_text
    book = openpyxl.load_workbook(io.BytesIO(client.get(base + "?format=xlsx").content))
    assert any(sheet.max_row > len(found.lines) for sheet in book.worksheets)  # header + lines
    pdf = client.get(base + "?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_dispute_goes_from_a_line_to_the_manager_and_back(calculated: str,
                                                            signed_in: SignIn) -> None:
    rep = _rep()
    client = signed_in("rep")
    response = client.post(f"/statements/{rep.employee_id}/{PERIOD}/lines/1/dispute/",
                           {"comment": "The split on this deal should be 100% mine"})
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.employee_id == rep.employee_id and dispute.line_number == 1
    assert "should be 100% mine" in client.get("/disputes/").content.decode()
    manager = signed_in("manager")
    assert "should be 100% mine" in manager.get("/disputes/").content.decode()
    manager.post(f"/disputes/{dispute.pk}/", {"action": "adjust", "amount": "25.00",
                                              "text": "Checked the opportunity: agreed"})
    dispute.refresh_from_db()
    assert dispute.state == "adjusted"
    page = signed_in("rep").get("/disputes/").content.decode()
    assert "Checked the opportunity" in page and "25.00" in page


def test_an_empty_dispute_comment_is_refused_with_a_reason(calculated: str,
                                                           signed_in: SignIn) -> None:
    rep = _rep()
    client = signed_in("rep")
    response = client.post(f"/statements/{rep.employee_id}/{PERIOD}/lines/1/dispute/",
                           {"comment": "  "}, follow=True)
    assert "needs a comment" in response.content.decode()
    assert not Dispute.objects.exists()


def test_another_teams_manager_cannot_resolve_a_dispute(calculated: str,
                                                        signed_in: SignIn) -> None:
    rep = _rep()
    signed_in("rep").post(f"/statements/{rep.employee_id}/{PERIOD}/lines/1/dispute/",
                          {"comment": "wrong rate"})
    dispute = Dispute.objects.get()
    other_manager = (Person.objects.filter(access_role="manager", role="manager")
                     .exclude(user__username="manager").exclude(user__isnull=True).first())
    if other_manager is None or access.can_see_money_of(other_manager.user, rep.employee_id,
                                                        END):
        pytest.fail("the demo company needs a second manager outside the rep's line")
    client = Client()
    client.force_login(other_manager.user)
    client.post(f"/disputes/{dispute.pk}/", {"action": "reject", "text": "no"})
    dispute.refresh_from_db()
    assert dispute.state == "open"
