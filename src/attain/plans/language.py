"""The plan language: a comp plan as a YAML document, validated into typed models.

``load_plan(text)`` returns a :class:`PlanDocument` or raises :class:`PlanErrors` holding
*every* problem at once, each with the line and column in the YAML where it is, so a
sales-ops person can fix a plan in one pass. docs/plan-language.md is the reference.

Numbers never pass through ``float``: the YAML loader reads decimals as ``Decimal``, and
percentages are written ``8%`` (or as a fraction, ``0.08``). Filters and conditions are
checked here with :mod:`attain.plans.expressions` against :data:`TRANSACTION_FIELDS`, so a
typo in a filter is caught when the plan is saved, not when it runs.

This module never touches a database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

import yaml
import yaml.reader
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from attain.core.money import ONE, ZERO
from attain.plans import expressions
from attain.plans.fields import TRANSACTION_FIELDS

# --- scalar types ------------------------------------------------------------------------

_PERCENT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%\s*$")


def _number(value: Any, *, what: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"expected {what}, not true/false")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):  # never produced by our loader; refuse if passed directly
        raise ValueError(f"expected {what}; write it as text or a decimal, not a float")
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            return Decimal(text)
        except InvalidOperation:
            pass
    raise ValueError(f"expected {what}, got {value!r}")


def _rate(value: Any) -> Decimal:
    """``8%`` → 0.08; a bare number is a fraction (0.08)."""
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return Decimal(match.group(1)) / 100
    return _number(value, what="a percentage like 8% (or a fraction like 0.08)")


def _amount(value: Any) -> Decimal:
    if isinstance(value, str) and _PERCENT.match(value):
        raise ValueError(f"expected an amount of money, got the percentage {value!r}")
    return _number(value, what="an amount like 5000 or 1250.50")


def _pay_rate(value: Any) -> Decimal:
    """A rate of pay: a bare number above 1 is refused, because ``rate: 8`` would mean 800%
    and is almost always meant as 8%."""
    rate = _rate(value)
    if not (isinstance(value, str) and _PERCENT.match(value)) and rate > 1:
        raise ValueError(f"{value} as a bare number means {rate * 100:g}%; write {value}% for "
                         f"{value} percent (or the fraction {rate / 100:g})")
    return rate


Rate = Annotated[Decimal, BeforeValidator(_rate)]
PayRate = Annotated[Decimal, BeforeValidator(_pay_rate)]
Amount = Annotated[Decimal, BeforeValidator(_amount)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)]


class ConditionError(ValueError):
    """A filter or condition that does not parse or check, with the character it is at."""

    def __init__(self, error: expressions.ExpressionError) -> None:
        super().__init__(str(error))
        self.position = error.position


def _condition(text: str) -> str:
    try:
        expressions.parse_condition(text, TRANSACTION_FIELDS)
    except expressions.ExpressionError as error:
        raise ConditionError(error) from None
    return text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the document ------------------------------------------------------------------------

PayeeRole = Literal["rep", "sdr", "se", "manager", "director", "vp", "sales_ops", "finance",
                    "executive"]
CreditRule = Literal["direct", "overlay", "rollup", "se", "sdr", "territory"]
"""How a payee comes to be credited with a transaction (docs/plan-language.md, Crediting)."""
PeriodName = Literal["month", "quarter", "half", "year"]
MONTHS_IN = {"month": 1, "quarter": 3, "half": 6, "year": 12}


class Payees(_Model):
    roles: list[PayeeRole] = []
    people: list[str] = []
    """Employee ids, for a plan that names its payees."""

    @model_validator(mode="after")
    def _someone(self) -> Payees:
        if not self.roles and not self.people:
            raise ValueError("name the payees: roles: [rep] or people: [E00042]")
        return self


class PayMix(_Model):
    on_target_earnings: Amount
    """Yearly pay at 100% of every target, base and variable together."""
    variable_share: PayRate
    """Share of on-target earnings that is variable (incentive) pay."""

    @field_validator("variable_share")
    @classmethod
    def _share(cls, value: Decimal) -> Decimal:
        if not ZERO < value <= ONE:
            raise ValueError("variable_share must be above 0% and at most 100%")
        return value

    @property
    def target_incentive(self) -> Decimal:
        """Yearly variable pay at 100% attainment."""
        return self.on_target_earnings * self.variable_share


class Measure(_Model):
    sum: Literal["amount", "quantity", "margin"] | None = None
    count: Literal["deals", "transactions"] | None = None

    @model_validator(mode="after")
    def _one(self) -> Measure:
        if (self.sum is None) == (self.count is None):
            raise ValueError("a measure is either sum: amount|quantity|margin or "
                             "count: deals|transactions")
        return self

    @property
    def name(self) -> str:
        return f"sum:{self.sum}" if self.sum else f"count:{self.count}"


class Tier(_Model):
    from_: Decimal = Field(alias="from")
    """Lower bound: an attainment (50%) or a value (50000), as the table's ``on`` says."""
    rate: PayRate | None = None
    per_unit: Amount | None = None

    @model_validator(mode="after")
    def _pays(self) -> Tier:
        if (self.rate is None) == (self.per_unit is None):
            raise ValueError("a tier pays either rate: 8% or per_unit: 50")
        if (self.rate is not None and self.rate < 0) or (
                self.per_unit is not None and self.per_unit < 0):
            raise ValueError("rates and per-unit amounts cannot be negative")
        return self


class RateTable(_Model):
    on: Literal["attainment", "value"] = "attainment"
    """Tier bounds are attainment percentages of quota, or values of the measure."""
    method: Literal["marginal", "retroactive"] = "marginal"
    """marginal: each part of the value is paid at the rate of the tier it falls in;
    retroactive: the rate of the tier reached applies to the whole value."""
    tiers: list[Tier] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _bounds(cls, data: Any) -> Any:
        # Tier bounds are rates for attainment tables and amounts for value tables.
        if isinstance(data, dict) and isinstance(data.get("tiers"), list):
            convert = _rate if data.get("on", "attainment") == "attainment" else _amount
            tiers = []
            for tier in data["tiers"]:
                if isinstance(tier, dict) and "from" in tier:
                    with contextlib.suppress(ValueError):  # reported by the field's validator
                        tier = {**tier, "from": convert(tier["from"])}
                tiers.append(tier)
            data = {**data, "tiers": tiers}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> RateTable:
        bounds = [tier.from_ for tier in self.tiers]
        if bounds[0] != ZERO:
            raise ValueError("the first tier must start from 0")
        if any(b <= a for a, b in itertools.pairwise(bounds)):
            raise ValueError("tiers must be in increasing order of 'from'")
        kinds = {tier.rate is None for tier in self.tiers}
        if len(kinds) > 1:
            raise ValueError("all tiers of a table pay the same way (all rate or all per_unit)")
        return self


class Accelerator(_Model):
    from_: Rate = Field(alias="from")
    """Attainment from which the multiplier applies (marginally)."""
    multiplier: Rate


class Gate(_Model):
    attainment: Rate
    """Nothing is paid for the period unless attainment reaches this."""
    component: Slug | None = None
    """Whose attainment: another component's (default: this one)."""


class Cap(_Model):
    amount: Amount | None = None
    target_incentive: Rate | None = None
    """A cap as a share of the component's target incentive for the period."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str) and _PERCENT.match(data):
            return {"target_incentive": data}
        if isinstance(data, int | Decimal | str):
            return {"amount": data}
        return data

    @model_validator(mode="after")
    def _one(self) -> Cap:
        if (self.amount is None) == (self.target_incentive is None):
            raise ValueError("a cap is an amount (cap: 40000) or a share of target incentive "
                             "(cap: 250%)")
        return self


class Modifier(_Model):
    when: str | None = None
    """Per transaction: lines of transactions matching this condition are multiplied."""
    mix: str | None = None
    """Per period: when the share of the value from transactions matching this reaches
    ``at_least``, every line of the period is multiplied."""
    at_least: Rate | None = None
    factor: Rate

    @field_validator("when", "mix")
    @classmethod
    def _conditions(cls, value: str | None) -> str | None:
        return None if value is None else _condition(value)

    @model_validator(mode="after")
    def _shape(self) -> Modifier:
        if (self.when is None) == (self.mix is None):
            raise ValueError("a modifier has either when: <condition> or mix: <condition> "
                             "with at_least")
        if self.mix is not None and self.at_least is None:
            raise ValueError("a mix modifier needs at_least: the share that earns the factor")
        if self.factor < 0:
            raise ValueError("a modifier's factor cannot be negative")
        return self


class Payout(_Model):
    rate: PayRate | None = None
    """A flat rate on the measured value."""
    per_unit: Amount | None = None
    """A flat amount per unit of the measure (per deal, per unit sold)."""
    rate_table: RateTable | None = None
    base_rate: PayRate | None = None
    accelerators: list[Accelerator] = []
    """With base_rate: multipliers of the base rate above (or below 100%: under) attainment
    bounds, turned into a marginal rate table on attainment."""
    gate: Gate | None = None
    cap: Cap | None = None
    modifiers: list[Modifier] = []

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if isinstance(data, dict) and "flat_rate" in data:
            data = {**data, "rate": data["flat_rate"]}
            del data["flat_rate"]
        return data

    @model_validator(mode="after")
    def _one_rule(self) -> Payout:
        rules = [name for name in ("rate", "per_unit", "rate_table", "base_rate")
                 if getattr(self, name) is not None]
        if len(rules) != 1:
            raise ValueError("a payout has exactly one of rate, per_unit, rate_table or "
                             f"base_rate (with accelerators); found {rules or 'none'}")
        if self.accelerators and self.base_rate is None:
            raise ValueError("accelerators go with base_rate")
        for value in (self.rate, self.per_unit, self.base_rate):
            if value is not None and value < 0:
                raise ValueError("rates and amounts cannot be negative")
        return self

    def effective_table(self) -> RateTable | None:
        """The rate table this payout amounts to (accelerators become marginal tiers)."""
        if self.rate_table is not None:
            return self.rate_table
        if self.base_rate is None:
            return None
        bounds = sorted({ZERO, *(a.from_ for a in self.accelerators)})
        tiers = []
        for bound in bounds:
            multiplier = ONE
            for accelerator in sorted(self.accelerators, key=lambda a: a.from_):
                if accelerator.from_ <= bound:
                    multiplier = accelerator.multiplier
            tiers.append(Tier.model_validate({"from": bound,
                                              "rate": self.base_rate * multiplier}))
        return RateTable(on="attainment", method="marginal", tiers=tiers)


class Spiff(_Model):
    from_: dt.date = Field(alias="from")
    to: dt.date
    filter: str | None = None
    per_deal: Amount | None = None
    per_unit: Amount | None = None
    rate: PayRate | None = None
    first: int | None = Field(default=None, ge=1)
    """Only the payee's first N qualifying deals in the window earn it."""
    credit: list[CreditRule] = ["direct"]

    @field_validator("filter")
    @classmethod
    def _filter(cls, value: str | None) -> str | None:
        return None if value is None else _condition(value)

    @model_validator(mode="after")
    def _shape(self) -> Spiff:
        if self.to < self.from_:
            raise ValueError("a SPIFF window cannot end before it starts")
        pays = [n for n in ("per_deal", "per_unit", "rate") if getattr(self, n) is not None]
        if len(pays) != 1:
            raise ValueError("a SPIFF pays exactly one of per_deal, per_unit or rate")
        return self


class Bonus(_Model):
    on: Slug
    """The component whose attainment earns the bonus."""
    at: Rate
    """Attainment that earns it."""
    amount: Amount | None = None
    target_incentive: Rate | None = None
    """The bonus as a share of the plan's target incentive for the period."""

    @model_validator(mode="after")
    def _pays(self) -> Bonus:
        if (self.amount is None) == (self.target_incentive is None):
            raise ValueError("a bonus pays amount: 5000 or target_incentive: 10%")
        return self


class Mbo(_Model):
    objective: str
    target_incentive: Amount
    """Paid per period at a score of 100%."""
    max_score: Rate = Decimal("1.5")


class Component(_Model):
    id: Slug
    name: str
    weight: PayRate | None = None
    """Share of the plan's target incentive this component carries."""
    measure: Measure | None = None
    credit: list[CreditRule] = ["direct"]
    filter: str | None = None
    period: PeriodName = "quarter"
    quota: str | None = None
    """Quota metric that attainment is measured against, e.g. bookings."""
    payout: Payout | None = None
    spiff: Spiff | None = None
    bonus: Bonus | None = None
    mbo: Mbo | None = None

    @model_validator(mode="before")
    @classmethod
    def _credit_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("credit"), str):
            data = {**data, "credit": [data["credit"]]}
        if isinstance(data, dict) and isinstance(data.get("spiff"), dict) and isinstance(
                data["spiff"].get("credit"), str):
            data = {**data, "spiff": {**data["spiff"], "credit": [data["spiff"]["credit"]]}}
        return data

    @field_validator("filter")
    @classmethod
    def _filter(cls, value: str | None) -> str | None:
        return None if value is None else _condition(value)

    @model_validator(mode="after")
    def _kind(self) -> Component:
        kinds = [k for k in ("measure", "spiff", "bonus", "mbo") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a component is one of: a commission (measure + payout), a spiff, "
                             f"a bonus or an mbo; found {kinds or 'none'}")
        if self.measure is not None:
            if self.payout is None:
                raise ValueError("a commission component needs a payout")
            table = self.payout.effective_table()
            on_attainment = (table is not None and table.on == "attainment") or (
                self.payout.gate is not None and self.payout.gate.component is None)
            if on_attainment and self.quota is None:
                raise ValueError("attainment needs a quota: add quota: bookings (the quota "
                                 "metric) to this component")
        elif self.payout is not None:
            raise ValueError(f"a {kinds[0]} component has no payout section")
        return self

    @property
    def kind(self) -> str:
        for kind in ("spiff", "bonus", "mbo"):
            if getattr(self, kind) is not None:
                return kind
        return "commission"


class PlanCaps(_Model):
    per_period: Amount
    period: PeriodName = "quarter"


class PlanDocument(_Model):
    plan: Slug
    name: str
    version: int = Field(ge=1)
    effective_from: dt.date
    effective_to: dt.date | None = None
    payees: Payees
    currency: str = "payee"
    """``payee``: each payee is paid in their own currency; or an ISO code for everyone."""
    pay_mix: PayMix | None = None
    components: list[Component] = Field(min_length=1)
    caps: PlanCaps | None = None
    clawback_window_days: int | None = None
    """A cancellation or refund more than this many days after the deal it reverses is not
    taken back from this plan's payees; None: the company's payout policy decides."""

    @field_validator("clawback_window_days", mode="before")
    @classmethod
    def _window(cls, value: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            shown = repr(value) if isinstance(value, str) else str(value).lower()
            raise ValueError("clawback_window_days is a whole number of days, 0 or more "
                             f"(e.g. 90), not {shown}")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value != "payee" and not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError("currency is 'payee' or an ISO code such as USD")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PlanDocument:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to cannot be before effective_from")
        ids = [component.id for component in self.components]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"component ids must be unique; repeated: {', '.join(repeated)}")
        by_id = {component.id: component for component in self.components}
        for component in self.components:
            if component.bonus is not None:
                target = by_id.get(component.bonus.on)
                if target is None or target.quota is None:
                    raise ValueError(f"bonus {component.id!r} is on {component.bonus.on!r}, "
                                     "which must be a component of this plan with a quota")
                if component.bonus.target_incentive is not None and self.pay_mix is None:
                    raise ValueError(f"bonus {component.id!r} is a share of target incentive: "
                                     "the plan needs a pay_mix")
            gate = component.payout.gate if component.payout else None
            if gate is not None and gate.component is not None:
                other = by_id.get(gate.component)
                if other is None or other.quota is None:
                    raise ValueError(f"the gate of {component.id!r} names {gate.component!r}, "
                                     "which must be a component of this plan with a quota")
            cap = component.payout.cap if component.payout else None
            if cap is not None and cap.target_incentive is not None and (
                    self.pay_mix is None or component.weight is None):
                raise ValueError(f"the cap of {component.id!r} is a share of target incentive: "
                                 "give the plan a pay_mix and the component a weight")
        return self

    def component(self, component_id: str) -> Component:
        return next(c for c in self.components if c.id == component_id)

    def target_incentive(self, component: Component, months: int) -> Decimal | None:
        """The component's target incentive for a period of ``months`` months."""
        if self.pay_mix is None or component.weight is None:
            return None
        return self.pay_mix.target_incentive * component.weight * months / 12


# --- loading with line numbers ---------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML with decimals as Decimal (never float)."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a number", node.start_mark) from None
    if not value.is_finite():
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} is not a finite number", node.start_mark)
    return value


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)
# YAML 1.1 reads on/off/yes/no as booleans (so "on: attainment" would become "True:"); a
# plan means the words. Only true and false are booleans here, as in YAML 1.2.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


@dataclass(frozen=True)
class PlanError:
    """One problem in a plan document, located."""

    line: int
    """1-based line in the YAML (0 when unknown)."""
    column: int
    path: str
    """Where in the document, e.g. components[0].payout.rate_table.tiers[1].rate."""
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.line else "document"
        return f"{where} ({self.path}): {self.message}" if self.path else f"{where}: {self.message}"


class PlanErrors(ValueError):
    """Every problem found in a plan document."""

    def __init__(self, errors: list[PlanError], source: str = "plan") -> None:
        self.errors = errors
        self.source = source
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"{self.source} has {len(self.errors)} problem"
                 f"{'s' if len(self.errors) != 1 else ''}:"]
        lines += [f"  {self.source}, {error}" for error in self.errors]
        return "\n".join(lines)


def _marks(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], yaml.Mark],
           quoted: set[tuple[Any, ...]] | None = None) -> None:
    out[path] = node.start_mark
    if quoted is not None and isinstance(node, yaml.ScalarNode) and node.style in ("'", '"'):
        quoted.add(path)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            out[(*path, name, "<key>")] = key.start_mark
            _marks(value, (*path, name), out, quoted)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _marks(item, (*path, index), out, quoted)


def _path_text(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _suggest(name: str, path: tuple[Any, ...]) -> str:
    """'did you mean …?' for an unknown key, from the fields of the model at ``path``."""
    model: type[BaseModel] = PlanDocument
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part)) or next(
            (f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return ""
        inner = _model_in(field.annotation)
        if inner is None:
            return ""
        model = inner
    names = [f.alias or n for n, f in model.model_fields.items()]
    if model is Payout:
        names.append("flat_rate")
    close = difflib.get_close_matches(name, names, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(names)}"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _clean_message(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def line_and_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def load_plan(text: str, *, source: str = "plan") -> PlanDocument:
    """Parse and validate a plan document; raise :class:`PlanErrors` with every problem."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:  # a control character YAML does not allow
        line, column = line_and_column(text, error.position)
        raise PlanErrors([PlanError(line, column, "", f"not valid YAML: character "
                                    f"{error.character!r} is not allowed")], source) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise PlanErrors([PlanError(1, 1, "", "the document is empty")], source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        column = mark.column + 1 if mark else 0
        problem = error.problem or str(error)
        raise PlanErrors([PlanError(line, column, "", f"not valid YAML: {problem}")],
                         source) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise PlanErrors([PlanError(1, 1, "", "a plan is a mapping of keys (plan:, name:, …)")],
                         source)
    marks: dict[tuple[Any, ...], yaml.Mark] = {}
    quoted: set[tuple[Any, ...]] = set()
    _marks(node, (), marks, quoted)
    try:
        return PlanDocument.model_validate(data)
    except ValidationError as validation:
        errors = []
        for item in validation.errors():
            loc = tuple(part for part in item["loc"]
                        if isinstance(part, int) or str(part) in _all_keys(data))
            message = _clean_message(item["msg"])
            if item["type"] == "extra_forbidden":
                key = loc[-1] if loc else ""
                message = f"unknown key {key!r}{_suggest(str(key), loc[:-1])}"
                mark = marks.get((*loc, "<key>")) or marks.get(loc)
            else:
                mark = _deepest_mark(marks, loc)
            column = mark.column + 1 if mark else 0
            cause = (item.get("ctx") or {}).get("error")
            if isinstance(cause, ConditionError) and mark is not None and loc in marks:
                # point at the offending character itself, inside the YAML line
                column += cause.position + (1 if loc in quoted else 0)
            errors.append(PlanError(mark.line + 1 if mark else 0, column,
                                    _path_text(loc), message))
        errors.sort(key=lambda error: (error.line, error.column))
        raise PlanErrors(errors, source) from None


def _all_keys(data: Any) -> set[str]:
    keys: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            keys.add(str(key))
            keys |= _all_keys(value)
    elif isinstance(data, list):
        for item in data:
            keys |= _all_keys(item)
    return keys


def _deepest_mark(marks: dict[tuple[Any, ...], yaml.Mark], loc: tuple[Any, ...]
                  ) -> yaml.Mark | None:
    for end in range(len(loc), -1, -1):
        mark = marks.get(loc[:end])
        if mark is not None:
            return mark
    return None


# --- diffing versions ------------------------------------------------------------------


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        keyed = all(isinstance(item, dict) and "id" in item for item in value) and value
        for index, item in enumerate(value):
            label = f"[{item['id']}]" if keyed else f"[{index}]"
            _flatten(item, f"{prefix}{label}", out)
    else:
        out[prefix] = _show(value)


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def diff(old: PlanDocument, new: PlanDocument) -> list[str]:
    """What changed from ``old`` to ``new``, one readable line per change; components are
    matched by id, so reordering them is not a change."""
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    _flatten(old.model_dump(by_alias=True, exclude_defaults=True), "", before)
    _flatten(new.model_dump(by_alias=True, exclude_defaults=True), "", after)
    changes = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            changes.append(f"- {key}: {before[key]}")
        elif key not in before:
            changes.append(f"+ {key}: {after[key]}")
        elif before[key] != after[key]:
            changes.append(f"~ {key}: {before[key]} → {after[key]}")
    return changes
