"""Fiscal calendars and periods: the "when" of every target, measure and statement.

A quota is for a quarter, a statement is for a month, a leaderboard is year to date: every
part of Attain names spans of time, and they must all agree on where those spans begin and
end. This module is the one place that decides it.

Conventions (docs and plan documents rely on them):

- A :class:`FiscalCalendar` has a fiscal year that may start in any month. **Fiscal year N
  is named for the calendar year in which it ends**: with ``start_month=2``, FY2027 runs
  2026-02-01..2027-01-31; with ``start_month=1``, FY2026 is calendar 2026.
- Halves and quarters are six and three months counted from the fiscal year's start.
- Months are calendar months; weeks are ISO weeks (Monday to Sunday, numbered within the
  ISO year). Neither depends on the fiscal calendar, but they carry it so that
  :meth:`Period.quarters` and friends know which quarters to give.
- Every :class:`Period` has an **inclusive** ``end``, like the effective dates in
  :mod:`attain.core.dating`.
- Labels are canonical and round-trip through :meth:`FiscalCalendar.parse`: ``FY2026``,
  ``FY2026-H1``, ``FY2026-Q1``, ``2026-03``, ``2026-W05`` and ``2026-01-15..2026-02-20``.

This module is pure: it must never import Django, Ibis or a warehouse backend, and never
read the clock (callers pass "today" in, so runs are reproducible).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Literal, get_args

from attain.core.money import ONE, ZERO, round_rate

PeriodKind = Literal["month", "quarter", "half", "year", "week", "custom"]
"""The kinds of period; every kind but ``custom`` tiles time with no gaps or overlaps."""

PERIOD_KINDS: tuple[PeriodKind, ...] = get_args(PeriodKind)
"""Every period kind, as a tuple for validation and iteration."""

_MONTHS_IN: dict[str, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}
"""Length in months of the kinds that are made of whole months."""

_ONE_DAY = dt.timedelta(days=1)

ACCEPTED_FORMS = (
    "FY2026 or 2026 (fiscal year), FY2026-H1 or 2026-H1 (fiscal half), "
    "FY2026-Q1 or 2026-Q1 (fiscal quarter), 2026-03 (calendar month), "
    "2026-W05 (ISO week), 2026-01-15..2026-02-20 (custom, both days included)"
)
"""The label forms :meth:`FiscalCalendar.parse` accepts, for error messages and help text."""

_FISCAL_YEAR = re.compile(r"(?:FY)?(\d{4})")
_FISCAL_PART = re.compile(r"(?:FY)?(\d{4})-([QH])(\d{1,2})")
_MONTH = re.compile(r"(FY)?(\d{4})-(\d{1,2})")
_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")
_CUSTOM = re.compile(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})")


class PeriodError(ValueError):
    """A period that cannot exist, or a label that names none."""


def _month_index(day: dt.date) -> int:
    """Months since year 0, so month arithmetic is integer arithmetic."""
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> dt.date:
    """First day of the month numbered by :func:`_month_index`."""
    year, month0 = divmod(index, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise PeriodError(f"year {year} is outside the supported range 1..9999")
    return dt.date(year, month0 + 1, 1)


def _month_end(day: dt.date) -> dt.date:
    """Last day of ``day``'s month (worked out by hand: this module uses no calendar module)."""
    if day.month == 12:
        return dt.date(day.year, 12, 31)
    return dt.date(day.year, day.month + 1, 1) - _ONE_DAY


def _shift_days(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, with a PeriodError rather than an OverflowError at the edges."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        raise PeriodError(f"{day} moved by {days} days is outside the supported dates") from None


def _one_year_earlier(day: dt.date) -> dt.date:
    """The same calendar date a year earlier; 29 February becomes 28 February.

    This is the rule for dates that do not exist last year: stay in the same month rather
    than spill into March, so "February last year" stays February.
    """
    if day.year == dt.MINYEAR:
        raise PeriodError(f"there is no year before {day.year}")
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def _iso_week_monday(iso_year: int, week: int) -> dt.date:
    """Monday of ISO week ``week`` of ``iso_year``; PeriodError if the year has no such week."""
    try:
        return dt.date.fromisocalendar(iso_year, week, 1)
    except ValueError:
        raise PeriodError(f"ISO year {iso_year} has no week {week}") from None


@dataclass(frozen=True, slots=True)
class FiscalCalendar:
    """Where a company's fiscal year starts, and the periods that follow from it.

    Fiscal year N is named for the calendar year in which it **ends**: with
    ``start_month=2`` (February), FY2027 runs 2026-02-01..2027-01-31. With the default
    ``start_month=1``, fiscal years are calendar years. This matches how most US companies
    name their fiscal years (e.g. a February start makes the year ending in January "FY2027").
    """

    start_month: int = 1
    """Calendar month (1-12) in which every fiscal year starts."""

    def __post_init__(self) -> None:
        if isinstance(self.start_month, bool) or not isinstance(self.start_month, int):
            raise PeriodError(f"start_month must be an int 1-12, got {self.start_month!r}")
        if not 1 <= self.start_month <= 12:
            raise PeriodError(f"start_month must be 1-12, got {self.start_month}")

    # --- fiscal years and their parts -------------------------------------------------------

    def fiscal_year_of(self, day: dt.date) -> int:
        """The fiscal year that ``day`` falls in (named for the calendar year it ends in)."""
        if self.start_month == 1 or day.month < self.start_month:
            return day.year
        return day.year + 1

    def _fiscal_year_start(self, fiscal_year: int) -> dt.date:
        """First day of fiscal year ``fiscal_year``."""
        first_year = fiscal_year if self.start_month == 1 else fiscal_year - 1
        if first_year < dt.MINYEAR or fiscal_year > dt.MAXYEAR:
            raise PeriodError(f"fiscal year {fiscal_year} falls outside the years 1..9999")
        return dt.date(first_year, self.start_month, 1)

    def _months_into_fiscal_year(self, day: dt.date) -> int:
        """Whole months between the start of ``day``'s fiscal year and ``day``'s month (0-11)."""
        return (day.month - self.start_month) % 12

    def _whole_months(self, kind: PeriodKind, first_month: dt.date) -> Period:
        """The period of ``kind`` that starts on ``first_month``, which must be aligned."""
        last_month = _month_start(_month_index(first_month) + _MONTHS_IN[kind] - 1)
        return Period(kind, first_month, _month_end(last_month), self)

    def _bounds_containing(self, day: dt.date, kind: PeriodKind) -> tuple[dt.date, dt.date]:
        """First and last day of the ``kind`` period containing ``day``, without building it.

        Kept apart from :meth:`period_containing` because :class:`Period` uses it to check
        itself, and building a Period there would recurse.
        """
        if kind == "week":
            monday = _shift_days(day, -day.weekday())
            return monday, _shift_days(monday, 6)
        if kind not in _MONTHS_IN:
            raise PeriodError(f"no period of kind {kind!r} contains a day: {kind!r} has no grid")
        months = _MONTHS_IN[kind]
        first = _month_index(day) - self._months_into_fiscal_year(day) % months
        return _month_start(first), _month_end(_month_start(first + months - 1))

    def year(self, fiscal_year: int) -> Period:
        """Fiscal year ``fiscal_year``: ``year(2027)`` is Feb 2026..Jan 2027 for a Feb start."""
        return self._whole_months("year", self._fiscal_year_start(fiscal_year))

    def half(self, fiscal_year: int, half: int) -> Period:
        """Half ``half`` (1 or 2) of fiscal year ``fiscal_year``: six months each."""
        if half not in (1, 2):
            raise PeriodError(f"a fiscal year has halves 1 and 2, not {half}")
        start = self._fiscal_year_start(fiscal_year)
        return self._whole_months("half", _month_start(_month_index(start) + 6 * (half - 1)))

    def quarter(self, fiscal_year: int, quarter: int) -> Period:
        """Quarter ``quarter`` (1-4) of fiscal year ``fiscal_year``: three months each."""
        if quarter not in (1, 2, 3, 4):
            raise PeriodError(f"a fiscal year has quarters 1-4, not {quarter}")
        start = self._fiscal_year_start(fiscal_year)
        return self._whole_months("quarter", _month_start(_month_index(start) + 3 * (quarter - 1)))

    def month(self, year: int, month: int) -> Period:
        """Calendar month ``month`` of calendar ``year`` (not a fiscal month number)."""
        if not 1 <= month <= 12:
            raise PeriodError(f"months are 1-12, not {month}")
        return self._whole_months("month", _month_start(year * 12 + month - 1))

    def week(self, day: dt.date) -> Period:
        """The ISO week (Monday to Sunday) that contains ``day``."""
        return self.period_containing(day, "week")

    def custom(self, start: dt.date, end: dt.date) -> Period:
        """Any span from ``start`` to ``end``, both included (e.g. a SPIFF window)."""
        return Period("custom", start, end, self)

    # --- finding periods ----------------------------------------------------------------------

    def period_containing(self, day: dt.date, kind: PeriodKind) -> Period:
        """The period of ``kind`` that contains ``day`` (not for ``custom``, which has no grid)."""
        start, end = self._bounds_containing(day, kind)
        return Period(kind, start, end, self)

    def periods_between(self, start: dt.date, end: dt.date, kind: PeriodKind) -> list[Period]:
        """Every period of ``kind`` that overlaps ``start``..``end`` (inclusive), in order.

        The first and last periods may stick out beyond ``start`` and ``end``: a report for
        15 Jan..15 Feb by month shows January and February whole.
        """
        if end < start:
            raise PeriodError(f"the span {start}..{end} ends before it starts")
        periods = [self.period_containing(start, kind)]
        while periods[-1].end < end:
            periods.append(periods[-1].next())
        return periods

    def year_to_date(self, day: dt.date) -> Period:
        """Plan year to date: the start of ``day``'s fiscal year up to and including ``day``."""
        return self.year(self.fiscal_year_of(day)).to_date(day)

    # --- labels -------------------------------------------------------------------------------

    def label_of(self, kind: PeriodKind, start: dt.date, end: dt.date) -> str:
        """The canonical label of a period; :meth:`parse` reads it back to the same period."""
        if kind == "year":
            return f"FY{self.fiscal_year_of(start):04d}"
        if kind in ("half", "quarter"):
            months = _MONTHS_IN[kind]
            number = self._months_into_fiscal_year(start) // months + 1
            letter = "H" if kind == "half" else "Q"
            return f"FY{self.fiscal_year_of(start):04d}-{letter}{number}"
        if kind == "month":
            return f"{start.year:04d}-{start.month:02d}"
        if kind == "week":
            iso = start.isocalendar()
            return f"{iso.year:04d}-W{iso.week:02d}"
        return f"{start.isoformat()}..{end.isoformat()}"

    def parse(self, label: str) -> Period:
        """Read a period label as written by a user or a plan document.

        Accepts ``FY2026``/``2026``, ``FY2026-H1``/``2026-H1``, ``FY2026-Q1``/``2026-Q1``,
        ``2026-03``, ``2026-W05`` and ``2026-01-15..2026-02-20``, in any letter case and with
        surrounding spaces. Raises :class:`PeriodError` saying what was wrong and which forms
        are accepted.
        """
        if not isinstance(label, str):
            raise PeriodError(f"a period label must be text, got {type(label).__name__}")
        text = label.strip().upper()
        try:
            return self._parse(text)
        except PeriodError as error:
            raise PeriodError(f"{label!r}: {error}; accepted forms: {ACCEPTED_FORMS}") from None

    def _parse(self, text: str) -> Period:
        """:meth:`parse` without the list of accepted forms in its errors."""
        if match := _FISCAL_YEAR.fullmatch(text):
            return self.year(int(match[1]))
        if match := _FISCAL_PART.fullmatch(text):
            fiscal_year, letter, number = int(match[1]), match[2], int(match[3])
            if letter == "Q":
                return self.quarter(fiscal_year, number)
            return self.half(fiscal_year, number)
        if match := _MONTH.fullmatch(text):
            if match[1]:
                raise PeriodError("a calendar month is written without FY, e.g. 2026-03")
            return self.month(int(match[2]), int(match[3]))
        if match := _WEEK.fullmatch(text):
            monday = _iso_week_monday(int(match[1]), int(match[2]))
            return self.week(monday)
        if match := _CUSTOM.fullmatch(text):
            start, end = (_parse_day(match[1]), _parse_day(match[2]))
            return self.custom(start, end)
        raise PeriodError("not a period label")


def _parse_day(text: str) -> dt.date:
    """An ISO date (YYYY-MM-DD), with a PeriodError naming it if no such day exists."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{text} is not a day that exists") from None


DEFAULT_CALENDAR = FiscalCalendar(1)
"""Fiscal years are calendar years, unless the company's settings say otherwise."""


@dataclass(frozen=True, slots=True)
class Period:
    """A span of days of one kind, from ``start`` to ``end`` inclusive, on a fiscal calendar.

    Build periods through a :class:`FiscalCalendar` (``calendar.quarter(2026, 1)``,
    ``calendar.parse("2026-03")``). Constructing one directly checks that it is a real
    period of its kind (a quarter must start on a fiscal quarter boundary and last three
    months), so a Period in hand is always well-formed; its label is derived, never given.
    """

    kind: PeriodKind
    """What sort of span this is; all kinds but ``custom`` sit on a fixed grid."""
    start: dt.date
    """First day of the period."""
    end: dt.date
    """Last day of the period (inclusive)."""
    calendar: FiscalCalendar = DEFAULT_CALENDAR
    """The fiscal calendar the period belongs to; it decides quarters, halves and years."""
    label: str = field(init=False, compare=False)
    """Canonical label, e.g. ``FY2026-Q1``; ``calendar.parse(label)`` gives the period back."""

    def __post_init__(self) -> None:
        self._check_shape()
        object.__setattr__(self, "label", self.calendar.label_of(self.kind, self.start, self.end))

    def _check_shape(self) -> None:
        """Refuse a period that is not a real period of its kind."""
        if self.kind not in PERIOD_KINDS:
            raise PeriodError(f"unknown period kind {self.kind!r}; kinds are {PERIOD_KINDS}")
        if self.end < self.start:
            raise PeriodError(f"a period cannot end ({self.end}) before it starts ({self.start})")
        if self.kind == "custom":
            return
        start, end = self.calendar._bounds_containing(self.start, self.kind)
        if (start, end) != (self.start, self.end):
            raise PeriodError(
                f"{self.start}..{self.end} is not a {self.kind} of this calendar "
                f"(the {self.kind} containing {self.start} is {start}..{end})"
            )

    def __str__(self) -> str:
        return self.label

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` is one of the period's days."""
        return self.start <= day <= self.end

    def to_date(self, day: dt.date) -> Period:
        """The period so far, up to and including ``day`` (quarter to date and so on).

        Gives a ``custom`` period from ``start`` to ``day``; once ``day`` reaches the end it
        is the whole period itself, so "quarter to date" on the last day is the quarter.
        """
        if day < self.start:
            raise PeriodError(f"{self.label} has not started on {day} (it starts {self.start})")
        if day >= self.end:
            return self
        return self.calendar.custom(self.start, day)

    def elapsed_fraction(self, day: dt.date) -> Decimal:
        """Share of the period gone by at the end of ``day``, from 0 to 1, for pace.

        Counts ``day`` itself as elapsed (on the first day of a 90-day quarter, 1/90 has
        gone). Before the period it is 0 and after it 1. Rounded to six places by the rate
        rule, so the same day gives the same fraction in Python and in the warehouse.
        """
        if day < self.start:
            return ZERO
        if day >= self.end:
            return ONE
        with localcontext() as context:
            context.prec = 38
            fraction = Decimal((day - self.start).days + 1) / Decimal(self.days)
        return round_rate(fraction)

    def _shifted(self, steps: int) -> Period:
        """The period ``steps`` periods of the same kind away (negative is earlier)."""
        if self.kind in _MONTHS_IN:
            months = _MONTHS_IN[self.kind]
            first = _month_start(_month_index(self.start) + steps * months)
            return self.calendar._whole_months(self.kind, first)
        length = 7 if self.kind == "week" else self.days
        return Period(
            self.kind,
            _shift_days(self.start, steps * length),
            _shift_days(self.end, steps * length),
            self.calendar,
        )

    def prior(self) -> Period:
        """The period of the same kind just before; a custom period gives the same length."""
        return self._shifted(-1)

    def next(self) -> Period:
        """The period of the same kind just after; a custom period gives the same length."""
        return self._shifted(1)

    def same_period_last_year(self) -> Period:
        """The matching period one year earlier, for year-over-year comparison.

        - month, quarter, half, year: the period of the same kind twelve months earlier.
        - week: the same ISO week number in the previous ISO year; week 53 becomes the last
          week (52) of a year that has no week 53.
        - custom: the same calendar dates a year earlier, with 29 February read as 28
          February. So its length can differ by a day across a leap day
          (2024-02-01..2024-02-29 becomes 2023-02-01..2023-02-28), but "to date" comparisons
          stay aligned on the calendar.
        """
        if self.kind in _MONTHS_IN:
            return self._shifted(-12 // _MONTHS_IN[self.kind])
        if self.kind == "week":
            iso = self.start.isocalendar()
            last_year = iso.year - 1
            if last_year < dt.MINYEAR:
                raise PeriodError(f"there is no ISO year before {iso.year}")
            # 28 December is always in the last ISO week of its year.
            weeks_last_year = dt.date(last_year, 12, 28).isocalendar().week
            return self.calendar.week(_iso_week_monday(last_year, min(iso.week, weeks_last_year)))
        return self.calendar.custom(_one_year_earlier(self.start), _one_year_earlier(self.end))

    def months(self) -> list[Period]:
        """Every calendar month that overlaps the period, in order (whole months)."""
        return self.calendar.periods_between(self.start, self.end, "month")

    def quarters(self) -> list[Period]:
        """Every fiscal quarter that overlaps the period, in order (whole quarters)."""
        return self.calendar.periods_between(self.start, self.end, "quarter")
