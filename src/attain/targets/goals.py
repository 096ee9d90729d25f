"""SMART goals as YAML documents: parsed, located errors, and the target they resolve to.

A goal names a metric, an owner, a target and a time frame::

    goal: q1-sales
    title: $500,000 in sales by the end of Q1
    metric: revenue
    owner: company                 # or person:E00042, team:T-EMEA-1, region:EMEA
    target: 500000                 # absolute; or "+20%" / "-10%" against a baseline
    period: FY2026-Q1              # or start: 2026-01-01 and deadline: 2026-03-31
    filters: {product: X}          # optional scope
    parent: company-growth         # or objective: "Grow revenue 20% this year"
    reason: Fund the new region
    check_ins: monthly             # weekly, fortnightly, monthly, quarterly
    seasonality: learned           # or twelve monthly weights [1, 1, 2, …]; default flat

"From 15% to 25%" is ``from: 15%`` with ``target: 25%``; "300 qualified leads per month"
is ``target: 300`` with ``per: month``. A relative target ("+20%") is measured against the
``baseline`` period (by default the same period a year earlier; ``prior`` for the period
just before). ``+10pp`` adds percentage points to a rate.

:func:`load_goal` returns a :class:`GoalDocument` or raises :class:`GoalErrors` with every
problem at once, each at its line and column. This module never touches a database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import yaml
import yaml.reader
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from attain.core.company import company_calendar
from attain.core.money import HUNDRED
from attain.core.periods import FiscalCalendar, Period, PeriodError
from attain.plans.language import line_and_column

_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(%|pp)\s*$")
_SIGNED = re.compile(r"^\s*[+-]")

Cadence = Literal["weekly", "fortnightly", "monthly", "quarterly"]
CADENCE_DAYS: dict[str, int] = {"weekly": 7, "fortnightly": 14, "monthly": 30, "quarterly": 91}
"""Roughly how many days apart check-ins of each cadence are (for the Time-bound check)."""


@dataclass(frozen=True, slots=True)
class TargetValue:
    """A target as written: an absolute value, or a change against a baseline."""

    amount: Decimal
    """Absolute value (rates as fractions: 25% is 0.25), or the change itself."""
    kind: Literal["absolute", "relative", "points"]
    """absolute: the value; relative: a change by a fraction of the baseline (+20% = 0.2);
    points: a change in percentage points (+10pp = 0.10)."""
    text: str

    def resolve(self, baseline: Decimal | None) -> Decimal | None:
        """The absolute target, given the baseline's value (None if it needs one and has none)."""
        if self.kind == "absolute":
            return self.amount
        if baseline is None:
            return None
        if self.kind == "points":
            return baseline + self.amount
        return baseline * (1 + self.amount)


def _target(value: Any) -> TargetValue:
    text = str(value).strip() if not isinstance(value, Decimal) else format(value, "f")
    if isinstance(value, bool) or text == "":
        raise ValueError("a target is a number (500000), a percentage (25%) or a change "
                         "(+20%, -10%, +10pp)")
    signed = bool(_SIGNED.match(text))
    match = _PERCENT.match(text)
    if match:
        number = Decimal(match[1]) / HUNDRED
        if match[2] == "pp":
            if not signed:
                raise ValueError(f"{text!r}: percentage points are a change; write +{text} "
                                 f"or -{text}")
            return TargetValue(number, "points", text)
        return TargetValue(number, "relative" if signed else "absolute", text)
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a target: write a number (500000), a percentage "
                         f"(25%) or a change (+20%, -10%, +10pp)") from None
    if signed:
        raise ValueError(f"{text!r}: a change is written as a percentage (+20%) or in "
                         f"percentage points (+10pp)")
    if number < 0:
        raise ValueError("a target cannot be negative")
    return TargetValue(number, "absolute", text)


def _level(value: Any) -> Decimal:
    """A starting level: ``15%`` → 0.15, or a number (60 days)."""
    target = _target(value)
    if target.kind != "absolute":
        raise ValueError("from: is a level (15%, 60), not a change")
    return target.amount


def _period(value: Any) -> str:
    try:
        company_calendar().parse(str(value))
    except PeriodError as error:
        raise ValueError(str(error)) from None
    return str(value)


Target = Annotated[TargetValue, BeforeValidator(_target)]
Level = Annotated[Decimal, BeforeValidator(_level)]
PeriodLabel = Annotated[str, BeforeValidator(_period)]
OWNER_FORM = re.compile(r"^(company|(person|team|region|territory):\S+)$")


class GoalDocument(BaseModel):
    """A goal as written; :func:`load_goal` builds it."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True,
                              populate_by_name=True)

    goal: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)
    """A short id, e.g. q1-sales: what parent: refers to."""
    title: str = ""
    metric: str | list[str]
    """One catalog metric (a list is accepted only to be reported as not Specific)."""
    owner: str | list[str]
    """company, person:EMPLOYEE_ID, team:CODE, region:CODE or territory:CODE."""
    target: Target
    from_: Level | None = Field(default=None, alias="from")
    """The level the goal starts from (from 15% to 25%); also its baseline."""
    baseline: PeriodLabel | Literal["prior", "last_year"] = "last_year"
    """The period a relative target is measured against."""
    period: PeriodLabel | None = None
    start: dt.date | None = None
    deadline: dt.date | None = None
    per: Literal["month", "quarter"] | None = None
    """A target that repeats: 300 leads per month is 300 in each month of the period."""
    filters: dict[str, str | list[str]] = {}
    parent: str | None = None
    objective: str = ""
    reason: str = ""
    check_ins: Cadence | None = None
    seasonality: Literal["learned"] | list[Decimal] | None = None
    """How an accumulating target is paced: twelve monthly weights (January first), or
    ``learned`` from the owner's last two calendar years; flat when absent."""

    @model_validator(mode="after")
    def _consistent(self) -> GoalDocument:
        owners = self.owner if isinstance(self.owner, list) else [self.owner]
        for owner in owners:
            if not OWNER_FORM.match(owner):
                raise ValueError(f"owner {owner!r}: write company, person:EMPLOYEE_ID, "
                                 f"team:CODE, region:CODE or territory:CODE")
        if self.period and (self.start or self.deadline):
            raise ValueError("give either period: or start:/deadline:, not both")
        if self.start and self.deadline and self.deadline < self.start:
            raise ValueError(f"the deadline {self.deadline} is before the start {self.start}")
        if self.from_ is not None and self.target.kind != "absolute":
            raise ValueError("with from:, the target is the level to reach (from 15% to 25%)")
        weights = self.seasonality if isinstance(self.seasonality, list) else None
        if weights is not None and (len(weights) != 12 or any(w < 0 for w in weights)
                                    or not any(w > 0 for w in weights)):
            raise ValueError("seasonality: twelve monthly weights, January first, none "
                             "negative and not all 0 (or learned)")
        return self

    def time_frame(self, calendar: FiscalCalendar | None = None) -> Period | None:
        """The goal's period (on the company's fiscal calendar unless another is given);
        None when it has no deadline (not Time-bound)."""
        calendar = calendar or company_calendar()
        if self.period:
            return calendar.parse(self.period)
        if self.deadline is None:
            return None
        return calendar.custom(self.start or self.deadline, self.deadline)

    def baseline_period(self, calendar: FiscalCalendar | None = None) -> Period | None:
        """The period the goal is measured against (for relative targets and Achievable)."""
        calendar = calendar or company_calendar()
        frame = self.time_frame(calendar)
        if self.baseline not in ("prior", "last_year"):
            return calendar.parse(self.baseline)
        if frame is None:
            return None
        return frame.prior() if self.baseline == "prior" else frame.same_period_last_year()

    @property
    def owner_parts(self) -> tuple[str, str]:
        """(owner type, key): ("company", ""), ("person", "E00042")…"""
        owner = self.owner[0] if isinstance(self.owner, list) else self.owner
        kind, _, key = owner.partition(":")
        return kind, key


# --- loading with line numbers ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoalError:
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}"
        return f"{where} ({self.path}): {self.message}" if self.path else f"{where}: {self.message}"


class GoalErrors(ValueError):
    """Every problem found in a goal document, each located."""

    def __init__(self, errors: list[GoalError], source: str = "goal") -> None:
        self.errors = errors
        self.source = source
        super().__init__(self.report())

    def report(self) -> str:
        plural = "s" if len(self.errors) != 1 else ""
        return "\n".join([f"{self.source} has {len(self.errors)} problem{plural}:",
                          *(f"  {self.source}, {error}" for error in self.errors)])


class _GoalLoader(yaml.SafeLoader):
    """YAML where numbers with a point are Decimal and dates stay dates."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(str(loader.construct_scalar(node)).replace("_", ""))


_GoalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)


def _positions(node: yaml.Node, path: tuple[str | int, ...],
               out: dict[tuple[str | int, ...], yaml.Mark]) -> None:
    """Where each value (and each key, under path + ("<key>",)) starts in the text."""
    out[path] = node.start_mark
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[(*path, str(key.value), "<key>")] = key.start_mark
            _positions(value, (*path, str(key.value)), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _positions(item, (*path, index), out)


def load_goal(text: str, *, source: str = "goal") -> GoalDocument:
    """Parse and validate a goal document; :class:`GoalErrors` lists every problem."""
    try:
        loader = _GoalLoader(text)
    except yaml.reader.ReaderError as error:  # a control character YAML does not allow
        line, column = line_and_column(text, error.position)
        raise GoalErrors([GoalError(line, column, "", f"not valid YAML: character "
                                    f"{error.character!r} is not allowed")],
                         source) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise GoalErrors([GoalError(line, column, "", f"not valid YAML: {error.problem}")],
                         source) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict) or node is None:
        raise GoalErrors([GoalError(1, 1, "", "a goal is a mapping of keys (goal:, metric:, "
                                              "owner:, target:, …)")], source)
    marks: dict[tuple[str | int, ...], yaml.Mark] = {}
    _positions(node, (), marks)
    try:
        return GoalDocument.model_validate(data)
    except ValidationError as validation:
        errors = [_locate(item, marks) for item in validation.errors()]
        unique = sorted(set(errors), key=lambda error: (error.line, error.column, error.path))
        raise GoalErrors(unique, source) from None


def _locate(item: Any, marks: dict[tuple[str | int, ...], yaml.Mark]) -> GoalError:
    # pydantic adds union branch names (str, list[str], …) to the location: keep only the
    # parts that exist in the document.
    loc: tuple[str | int, ...] = ()
    for part in item["loc"]:
        candidate = (*loc, part)
        if candidate in marks:
            loc = candidate
    message = str(item["msg"]).removeprefix("Value error, ")
    mark = marks.get(loc) or marks[()]
    if item["type"] == "extra_forbidden":
        key = str(item["loc"][-1])
        message = f"unknown key {key!r}; keys are: {', '.join(_KEYS)}"
        mark = marks.get((*loc, key, "<key>")) or marks.get((*loc, "<key>")) or mark
        loc = (*loc, key) if loc[-1:] != (key,) else loc
    elif item["type"] == "missing":
        key = str(item["loc"][-1])
        message = f"{key}: is missing"
        loc = (*loc, key)
    path = ".".join(str(part) for part in loc)
    return GoalError(mark.line + 1, mark.column + 1, path, message)


_KEYS = [field.alias or name for name, field in GoalDocument.model_fields.items()]
