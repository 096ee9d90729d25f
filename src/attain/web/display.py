"""How dates and times are written for the user reading the page: their chosen date format
and time zone (account page), or until they choose, a date format that follows the
browser's Accept-Language and the server's time zone.

The middleware works out the choice once per request, keeps it for the template filters
``day`` and ``moment`` (templatetags/attain.py: the one way pages write a date) and
activates the time zone, so a timestamp shows in the reader's zone. It costs no query on a
normal request: the choice is remembered in the session and read from the database only
for a session's first request. It never changes a stored date or a period's boundaries;
only how they are shown.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import dateformat, timezone
from django.utils.translation import trans_real


@dataclass(frozen=True)
class DateFormat:
    day: str
    """Django date format of a full date."""
    short: str
    """The same without the year (for day-and-month lists within one year)."""
    time: str
    """The time of day written after the date."""


DATE_FORMATS: dict[str, DateFormat] = {
    "day-month-year": DateFormat("j M Y", "j M", "H:i"),
    "month-day-year": DateFormat("M j, Y", "M j", "g:i a"),
    "iso": DateFormat("Y-m-d", "m-d", "H:i"),
    "numeric-day-first": DateFormat("d/m/Y", "d/m", "H:i"),
    "numeric-month-first": DateFormat("m/d/Y", "m/d", "g:i a"),
}
DEFAULT_FORMAT = "day-month-year"
SESSION_KEY = "attain_display"

_YEAR_FIRST_LANGUAGES = {"zh", "ja", "ko", "hu", "lt", "sv", "mn"}
_MONTH_FIRST_REGIONS = {"us", "ph", "fm", "mh", "pw", "as", "gu", "mp", "pr", "vi", "um"}


@dataclass(frozen=True)
class Display:
    date_format: str
    time_zone: str

    @property
    def formats(self) -> DateFormat:
        return DATE_FORMATS.get(self.date_format, DATE_FORMATS[DEFAULT_FORMAT])


_current: ContextVar[Display | None] = ContextVar("attain_display", default=None)


def current() -> Display:
    """The display of the request being answered (the defaults outside a request)."""
    return _current.get() or Display(DEFAULT_FORMAT, settings.TIME_ZONE)


def format_from_language(accept_language: str) -> str:
    """The date format a browser's first language usually writes: month first in the US
    and a few others, year first in East Asia, Hungary, Lithuania and Sweden, else day
    first ("5 Dec 2026")."""
    for language, _quality in trans_real.parse_accept_lang_header(accept_language):
        if language == "*":
            continue
        base, _, region = language.lower().partition("-")
        if base == "en" and region in _MONTH_FIRST_REGIONS:
            return "month-day-year"
        if base in _YEAR_FIRST_LANGUAGES:
            return "iso"
        return DEFAULT_FORMAT
    return DEFAULT_FORMAT


@cache
def time_zones() -> list[str]:
    """Every IANA time zone name this machine knows, sorted (for the account page)."""
    return sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone or zone == "UTC")


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(time_zones())


def is_time_zone(name: str) -> bool:
    return bool(name) and name in _zone_names()


def example(key: str, day: dt.date = dt.date(2026, 12, 5)) -> str:
    """How a date looks in format ``key`` (for the choices on the account page)."""
    return dateformat.format(day, DATE_FORMATS[key].day)


def _chosen(request: HttpRequest) -> dict[str, str]:
    """The user's saved choice (blank values where none), from the session if it is there."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    remembered = request.session.get(SESSION_KEY)
    if isinstance(remembered, dict):
        return remembered
    from attain.web.models import DisplayPreference

    saved = DisplayPreference.objects.filter(user=user).first()
    chosen = ({"date_format": saved.date_format, "time_zone": saved.time_zone}
              if saved else {"date_format": "", "time_zone": ""})
    request.session[SESSION_KEY] = chosen
    return chosen


def for_request(request: HttpRequest) -> Display:
    chosen = _chosen(request)
    date_format = chosen.get("date_format") or ""
    if date_format not in DATE_FORMATS:
        date_format = format_from_language(request.headers.get("Accept-Language", ""))
    zone = chosen.get("time_zone") or ""
    return Display(date_format, zone if is_time_zone(zone) else settings.TIME_ZONE)


def remember(request: HttpRequest, *, date_format: str, time_zone: str) -> None:
    """Save a user's choice (blank: follow the browser / the server) and use it at once."""
    from attain.web.models import DisplayPreference

    if date_format and date_format not in DATE_FORMATS:
        raise ValueError(f"unknown date format {date_format!r}")
    if time_zone and not is_time_zone(time_zone):
        raise ValueError(f"unknown time zone {time_zone!r}")
    DisplayPreference.objects.update_or_create(
        user=request.user, defaults={"date_format": date_format, "time_zone": time_zone})
    request.session[SESSION_KEY] = {"date_format": date_format, "time_zone": time_zone}


class DisplayMiddleware:
    """Works out the request's display and activates its time zone for the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        display = for_request(request)
        token = _current.set(display)
        timezone.activate(zoneinfo.ZoneInfo(display.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            _current.reset(token)
