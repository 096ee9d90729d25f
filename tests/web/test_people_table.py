"""The people page's rows, written in Python (web/tables.py) rather than a row template:
the same cells, escaped, dates in each reader's own format, only the people one may see."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client

from attain.org.models import Person, TeamMembership
from attain.web import access
from tests.demo_company import load_small_demo

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]
TODAY = dt.date.today()


@pytest.fixture
def company(warehouse: str) -> None:
    load_small_demo(warehouse)


def _row_of(page: str, employee_id: str) -> str:
    found = re.search(rf'<tr><td><a href="/people/{employee_id}/">.*?</tr>', page)
    assert found, f"no row for {employee_id}"
    return found.group(0)


def test_a_row_holds_link_role_team_region_and_hire_date(company: None,
                                                         signed_in: SignIn) -> None:
    rep = Person.objects.select_related("region").get(user__username="rep")
    rep.hire_date = dt.date(2024, 3, 4)
    rep.save()
    team = (TeamMembership.objects.filter(person=rep, valid_from__lte=TODAY)
            .select_related("team").order_by("-valid_from").first())
    assert team is not None
    page = signed_in("admin").get("/people/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    row = _row_of(page, rep.employee_id)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells == [f'<a href="/people/{rep.employee_id}/">{rep.name}</a>', rep.employee_id,
                     rep.get_role_display(), team.team.name,
                     rep.region.name if rep.region else "—", "4 Mar 2024"]


def test_each_reader_gets_dates_in_their_own_format(company: None, signed_in: SignIn) -> None:
    # The written date is kept per (date, format): a British reader first, then an American
    # and an ISO reader, each must still read their own format of the same day.
    rep = Person.objects.get(user__username="rep")
    rep.hire_date, rep.termination_date = dt.date(2024, 3, 4), dt.date(2025, 1, 31)
    rep.save()
    admin = signed_in("admin")
    rows = {language: _row_of(admin.get("/people/", HTTP_ACCEPT_LANGUAGE=language)
                              .content.decode(), rep.employee_id)
            for language in ("en-GB", "en-US", "sv-SE", "en-GB")}
    assert rows["en-GB"].endswith("<td>4 Mar 2024 – left 31 Jan 2025</td></tr>")
    assert rows["en-US"].endswith("<td>Mar 4, 2024 – left Jan 31, 2025</td></tr>")
    assert rows["sv-SE"].endswith("<td>2024-03-04 – left 2025-01-31</td></tr>")


def test_names_are_escaped(company: None, signed_in: SignIn) -> None:
    rep = Person.objects.get(user__username="rep")
    rep.name = '<script>alert("x")</script> & Co'
    rep.save()
    page = signed_in("admin").get("/people/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in _row_of(
        page, rep.employee_id)


def test_a_manager_lists_exactly_the_people_they_may_see(company: None,
                                                         signed_in: SignIn) -> None:
    manager = Person.objects.get(user__username="manager")
    page = signed_in("manager").get("/people/").content.decode()
    listed = set(re.findall(r'<tr><td><a href="/people/([^/]+)/">', page))
    assert listed == access.visible_people(manager.user, TODAY)
    assert len(listed) > 1


def test_a_search_matching_no_one_says_so(company: None, signed_in: SignIn) -> None:
    fragment = signed_in("admin").get("/people/?q=nobody-by-this-name",
                                      HTTP_HX_REQUEST="true").content.decode()
    assert fragment.strip() == ('<tr><td colspan="6" class="empty-cell">No one matches.'
                                "</td></tr>")
