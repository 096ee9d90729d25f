"""Dates in the reader's format: until a user chooses, the browser's language decides (a US
browser reads "Mar 4, 2024", a British one "4 Mar 2024"); the account page saves a date
format and a time zone that every page then follows, for that user only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from attain.api import tokens
from attain.api.models import ApiToken
from attain.org.models import Person
from attain.web import display
from attain.web.models import DisplayPreference

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]


@pytest.mark.parametrize(("accept_language", "expected"), [
    ("en-US,en;q=0.9", "month-day-year"),
    ("en-GB,en;q=0.8", "day-month-year"),
    ("fr-FR,fr;q=0.9,en;q=0.5", "day-month-year"),
    ("ja,en-US;q=0.7", "iso"),
    ("sv-SE", "iso"),
    ("*", "day-month-year"),
    ("", "day-month-year"),
])
def test_the_browsers_first_language_picks_the_date_format(accept_language: str,
                                                           expected: str) -> None:
    assert display.format_from_language(accept_language) == expected


def _hire_date_written(client: Client, **headers: str) -> tuple[str, dt.date]:
    rep = Person.objects.get(user__username="rep")
    page = client.get(f"/people/{rep.employee_id}/", **headers).content.decode()
    return page, rep.hire_date


def _us(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"  # e.g. "Mar 4, 2024"


def _british(day: dt.date) -> str:
    return f"{day.day} {day:%b} {day.year}"  # e.g. "4 Mar 2024"


def test_before_choosing_dates_follow_the_browsers_language(calculated: str,
                                                            signed_in: SignIn) -> None:
    client = signed_in("rep")
    page, hired = _hire_date_written(client, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert _us(hired) in page and _british(hired) not in page
    page, hired = _hire_date_written(client, HTTP_ACCEPT_LANGUAGE="en-GB")
    assert _british(hired) in page and _us(hired) not in page


def test_a_saved_date_format_wins_over_the_browser_and_outlives_the_session(
        calculated: str, signed_in: SignIn) -> None:
    client = signed_in("rep")
    account = client.get("/account/tokens/").content.decode()
    assert "2026-12-05" in account and "Dec 5, 2026" in account  # the choices, by example
    response = client.post("/account/preferences/", {"date_format": "iso", "time_zone": ""})
    assert response.status_code == 302
    page, hired = _hire_date_written(client, HTTP_ACCEPT_LANGUAGE="en-US")
    assert hired.isoformat() in page and _us(hired) not in page
    again = signed_in("rep")  # signed out and in: read back from the database
    page, hired = _hire_date_written(again, HTTP_ACCEPT_LANGUAGE="en-US")
    assert hired.isoformat() in page
    saved = DisplayPreference.objects.get(user__username="rep")
    assert (saved.date_format, saved.time_zone) == ("iso", "")


def test_times_are_shown_in_the_chosen_time_zone(calculated: str, signed_in: SignIn) -> None:
    client = signed_in("rep")
    user = Person.objects.get(user__username="rep").user
    tokens.issue(user, "nightly export")
    # 23:30 UTC on 5 Dec is 08:30 on 6 Dec in Tokyo (UTC+9, no daylight saving)
    ApiToken.objects.filter(user=user).update(
        last_used_at=dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC))
    client.post("/account/preferences/", {"date_format": "iso", "time_zone": "Asia/Tokyo"})
    page = client.get("/account/tokens/").content.decode()
    assert "2026-12-06 08:30" in page
    client.post("/account/preferences/", {"date_format": "iso", "time_zone": ""})
    assert "2026-12-05 23:30" in client.get("/account/tokens/").content.decode()  # UTC


def test_an_unknown_format_or_zone_is_refused_with_a_reason(calculated: str,
                                                            signed_in: SignIn) -> None:
    client = signed_in("rep")
    answer = client.post("/account/preferences/", {"date_format": "dd.mm.yy",
                                                   "time_zone": ""}, follow=True)
    assert "Not saved: unknown date format" in answer.content.decode()
    answer = client.post("/account/preferences/", {"date_format": "",
                                                   "time_zone": "Mars/Olympus"}, follow=True)
    assert "Not saved: unknown time zone" in answer.content.decode()
    assert not DisplayPreference.objects.exists()


def test_one_users_choice_does_not_reach_another(calculated: str, signed_in: SignIn) -> None:
    chooser = signed_in("rep")
    chooser.post("/account/preferences/", {"date_format": "iso", "time_zone": "Asia/Tokyo"})
    assert chooser.get("/goals/").status_code == 200  # a request under the choice
    other = Client()
    other.force_login(Person.objects.get(user__username="admin").user)
    page, hired = _hire_date_written(other, HTTP_ACCEPT_LANGUAGE="en-GB")
    assert _british(hired) in page and hired.isoformat() not in page
    assert timezone.get_current_timezone_name() == "UTC"  # nothing left active after
