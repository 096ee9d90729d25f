"""Column mappings: how any file's columns become a kind's columns (YAML, checked).

A mapping names the kind and, for each of the kind's columns, where its value comes from::

    kind: opportunities
    date_format: "%m/%d/%Y"          # for every date column unless a column says otherwise
    decimal_comma: false             # true for 1.234,56
    skip_when_empty: [account]       # rows left out (and counted), not errors
    distinct: false                  # true: identical mapped rows count once
    duplicates: error                # first: keep the first row of each key, skip the rest
    columns:
      opportunity_id: Opportunity ID               # shorthand for {from: ...}
      currency: {value: USD}                       # a constant
      stage: {from: Stage, map: {Won: Closed Won}} # values renamed; others kept
      owner_id: {from: Owner, lookup: person_by_name}
      name: {template: "{Account} {Product}"}
      amount: {from: Sales, round: true}           # round to the column's places, half up
      unit_price: {formula: "{Sales} / {Quantity}", round: true}
      created_on: {from: [Created, Close Date], default: "2017-12-31"}

Lookups join by name or email: ``person_by_name``, ``person_by_email``,
``account_by_name``, ``product_by_name`` (case and surrounding spaces ignored).

Everything here becomes SQL text over the raw columns ``c0, c1, …``; user text only ever
enters it as a quoted literal, and formulas accept nothing but ``{column}``, numbers,
``+ - * /`` and parentheses. This module must never run user text as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from attain.ingest import kinds as kinds_module
from attain.ingest.kinds import Kind

LOOKUPS = ("person_by_name", "person_by_email", "account_by_name", "product_by_name")
Lookup = Literal["person_by_name", "person_by_email", "account_by_name", "product_by_name"]


class MappingError(ValueError):
    """A mapping file that cannot be used, with the line it is wrong at."""


class ColumnRule(BaseModel):
    """Where one of the kind's columns gets its value."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source: str | list[str] | None = Field(default=None, alias="from")
    value: str | None = None
    template: str | None = None
    formula: str | None = None
    map: dict[str, str] | None = None
    others: str | None = None
    default: str | None = None
    lookup: Lookup | None = None
    date_format: str | None = None
    round: bool = False

    @field_validator("value", "default", "others", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _as_text(value)

    @field_validator("map", mode="before")
    @classmethod
    def _map_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {_as_text(key): _as_text(item) for key, item in value.items()}
        return value

    def sources(self) -> list[str]:
        if self.source is None:
            return []
        return [self.source] if isinstance(self.source, str) else list(self.source)


def _as_text(value: Any) -> Any:
    """YAML reads ``true``/``1``/dates as non-text; a mapping means the text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) or hasattr(value, "isoformat"):
        return str(value)
    return value


class Mapping(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    description: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    date_format: str | None = None
    timestamp_format: str | None = None
    decimal_comma: bool = False
    skip_when_empty: list[str] = Field(default_factory=list)
    distinct: bool = False
    duplicates: Literal["error", "first"] = "error"
    columns: dict[str, ColumnRule]

    @field_validator("columns", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """``name: Source Column`` is short for ``name: {from: Source Column}``."""
        if isinstance(value, dict):
            return {key: {"from": _as_text(rule)} if isinstance(rule, str | int) else rule
                    for key, rule in value.items()}
        return value

    def rule(self, name: str) -> ColumnRule | None:
        return self.columns.get(name)


def _line_of(node: yaml.Node, path: tuple[Any, ...]) -> int:
    """The line (1-based) of the YAML node at ``path``, or of its nearest parent."""
    line = node.start_mark.line + 1
    for key in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(key):
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        else:
            return line
    return line


def parse_mapping(text: str, *, source: str = "mapping") -> Mapping:
    """Parse and check a mapping; :class:`MappingError` says what is wrong and on which line."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        raise MappingError(f"{source}, {where}: not valid YAML: "
                           f"{getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict) or node is None:
        raise MappingError(f"{source}, line 1: a mapping is a YAML document with kind and "
                           "columns")
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = tuple(item["loc"])
            line = _line_of(node, location)
            problems.append(f"{source}, line {line}: {'.'.join(map(str, location))}: "
                            f"{item['msg']}")
        raise MappingError("\n".join(problems)) from None
    try:
        kind = kinds_module.get(mapping.kind)
    except kinds_module.UnknownKind as error:
        raise MappingError(f"{source}, line {_line_of(node, ('kind',))}: {error.args[0]}") \
            from None
    for name, rule in mapping.columns.items():
        line = _line_of(node, ("columns", name))
        if name not in kind.field_names:
            raise MappingError(f"{source}, line {line}: {kind.name} has no column {name!r}; "
                               f"its columns are {', '.join(kind.field_names)}")
        given = [part for part in ("source", "value", "template", "formula")
                 if getattr(rule, part) is not None]
        if len(given) != 1:
            raise MappingError(f"{source}, line {line}: column {name} needs exactly one of "
                               "from, value, template, formula")
        if rule.formula is not None:
            _formula_tokens(rule.formula, f"{source}, line {line}")
    for name in kind.field_names:
        if kind.field(name).required and name not in mapping.columns:
            raise MappingError(f"{source}, line {_line_of(node, ('columns',))}: the required "
                               f"column {name} of {kind.name} is not mapped")
    return mapping


def load_mapping(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MappingError(f"cannot read the mapping {path}: {error.strerror}") from None
    return parse_mapping(text, source=path.name)


# --- SQL over the raw columns --------------------------------------------------------------


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_TOKEN = re.compile(r"\s*(?:(\{[^{}]+\})|(\d+(?:\.\d+)?)|([-+*/()]))")
_DECIMAL = "DECIMAL(18, 6)"
"""Formulas and rounding work in DECIMAL(18, 6): wider DECIMALs parse text ~100× slower."""


def _formula_tokens(formula: str, where: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    depth = 0
    while position < len(formula):
        if not formula[position:].strip():
            break
        match = _TOKEN.match(formula, position)
        if match is None:
            position += len(formula[position:]) - len(formula[position:].lstrip())
            raise MappingError(f"{where}: formula {formula!r}: unexpected text at character "
                               f"{position + 1} (a formula has {{column}}, numbers, + - * / "
                               "and parentheses)")
        column, number, operator = match.groups()
        if column:
            tokens.append(("column", column[1:-1]))
        elif number:
            tokens.append(("number", number))
        else:
            depth += {"(": 1, ")": -1}.get(operator, 0)
            if depth < 0:
                raise MappingError(f"{where}: formula {formula!r}: a ) without its (")
            tokens.append(("operator", operator))
        position = match.end()
    if depth:
        raise MappingError(f"{where}: formula {formula!r}: a ( is not closed")
    _check_formula_order(tokens, formula, where)
    return tokens


def _check_formula_order(tokens: list[tuple[str, str]], formula: str, where: str) -> None:
    """Operands and operators must alternate: ``{A} * * 2`` or ``{A} {B}`` is refused."""
    expect_operand = True
    for position, (token, text) in enumerate(tokens, start=1):
        if expect_operand:
            if token in ("column", "number"):
                expect_operand = False
            elif text not in ("(", "-"):
                raise MappingError(f"{where}: formula {formula!r}: {text!r} (item {position}) "
                                   "where a column or number should be")
        elif token == "operator" and text != "(":
            expect_operand = text != ")"
        else:
            raise MappingError(f"{where}: formula {formula!r}: {text!r} (item {position}) "
                               "where an operator should be")
    if expect_operand:
        raise MappingError(f"{where}: formula {formula!r}: it ends without a column or number")


@dataclass(frozen=True)
class Staging:
    """SQL for one kind's columns over ``raw``: the value and the source text behind it."""

    value: str
    """SQL giving the mapped text (NULL when empty)."""
    source: str
    """SQL giving what the user wrote, for error messages."""
    label: str
    """How errors name the column: the kind's column, and the file's if it differs."""
    lookup: str | None = None
    date_format: str | None = None


class HeaderProblem(ValueError):
    """Columns the mapping (or the kind) needs that the file lacks, or that it has extra."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(reason for _, reason in problems))
        self.problems = problems
        """(column, reason) pairs."""


def _cell(columns: dict[str, str], name: str) -> str:
    return f"NULLIF(trim({columns[name]}), '')"


def _template_sql(template: str, columns: dict[str, str]) -> str:
    parts: list[str] = []
    for piece in re.split(r"(\{[^{}]+\})", template):
        if not piece:
            continue
        if piece.startswith("{") and piece.endswith("}"):
            name, *filters = [part.strip() for part in piece[1:-1].split("|")]
            sql = f"coalesce({_cell(columns, name)}, '')"
            for name_filter in filters:
                if name_filter == "lower":
                    sql = f"lower({sql})"
                elif name_filter == "slug":
                    sql = f"trim(regexp_replace(lower({sql}), '[^a-z0-9]+', '.', 'g'), '.')"
                else:
                    raise MappingError(f"template {template!r}: unknown filter {name_filter!r} "
                                       "(use lower or slug)")
            parts.append(sql)
        else:
            parts.append(literal(piece))
    return "NULLIF(" + " || ".join(parts or ["''"]) + ", '')"


def _formula_sql(formula: str, columns: dict[str, str]) -> str:
    pieces = []
    for token, text in _formula_tokens(formula, "formula"):
        if token == "column":
            pieces.append(f"TRY_CAST({_cell(columns, text)} AS {_DECIMAL})")
        elif token == "number":
            pieces.append(f"CAST({literal(text)} AS {_DECIMAL})")
        else:
            pieces.append(text)
    return "(" + " ".join(pieces) + ")"


def _referenced(rule: ColumnRule) -> list[str]:
    names = rule.sources()
    for text in (rule.template, rule.formula):
        if text:
            names += [part[1:-1].split("|")[0].strip() for part in re.findall(r"\{[^{}]+\}",
                                                                             text)]
    return names


def _numeric_scale(sql_type: str) -> int | None:
    match = re.fullmatch(r"DECIMAL\(\d+, (\d+)\)", sql_type)
    return int(match.group(1)) if match else None


def staging_sql(kind: Kind, header: list[str], mapping: Mapping | None) -> dict[str, Staging]:
    """For each of the kind's columns, how to compute it from the file's columns."""
    columns = {name: f"c{index}" for index, name in reversed(list(enumerate(header)))}
    by_lower = {name.lower(): sql for name, sql in columns.items()}
    result: dict[str, Staging] = {}
    problems: list[tuple[str, str]] = []
    if mapping is None:
        known = {name.lower() for name in kind.field_names}
        for name in header:
            if name and name.lower() not in known:
                problems.append((name, f"{kind.name} has no column {name!r} (its columns are "
                                       f"{', '.join(kind.field_names)}; use a mapping for "
                                       "other layouts)"))
        for field in kind.fields:
            sql = by_lower.get(field.name.lower())
            if sql is None:
                if field.required:
                    problems.append((field.name, "the column is required but missing"))
                result[field.name] = Staging("CAST(NULL AS VARCHAR)", "CAST(NULL AS VARCHAR)",
                                             field.name)
                continue
            # the canonical format is read as written (no trimming: a million rows' worth of
            # trims costs more than every check together); an empty quoted "" is empty
            cell = f"NULLIF({sql}, '')"
            result[field.name] = Staging(cell, cell, field.name)
        if problems:
            raise HeaderProblem(problems)
        return result
    for rule_name in mapping.skip_when_empty:
        if rule_name not in columns:
            problems.append((rule_name, "skip_when_empty names a column the file does not "
                                        "have"))
    for field in kind.fields:
        rule = mapping.rule(field.name)
        if rule is None:
            result[field.name] = Staging("CAST(NULL AS VARCHAR)", "CAST(NULL AS VARCHAR)",
                                         field.name)
            continue
        missing = [name for name in _referenced(rule) if name not in columns]
        if missing:
            problems.extend((name, f"the mapping takes {field.name} from column {name!r}, "
                                   "which the file does not have") for name in missing)
            continue
        sources = rule.sources()
        if rule.value is not None:
            value = literal(rule.value)
            source = value
        elif rule.template is not None:
            value = _template_sql(rule.template, columns)
            source = value
        elif rule.formula is not None:
            value = _formula_sql(rule.formula, columns)
            source = f"CAST({value} AS VARCHAR)"
            if rule.round and _numeric_scale(field.sql_type) is not None:
                value = f"round({value}, {_numeric_scale(field.sql_type)})"
            value = f"CAST({value} AS VARCHAR)"
        else:
            cells = [_cell(columns, name) for name in sources]
            value = cells[0] if len(cells) == 1 else "coalesce(" + ", ".join(cells) + ")"
            source = value
        scale = _numeric_scale(field.sql_type)
        if mapping.decimal_comma and scale is not None and rule.formula is None:
            value = f"replace(replace({value}, '.', ''), ',', '.')"
        if rule.map:
            cases = " ".join(f"WHEN {literal(key)} THEN {literal(item)}"
                             for key, item in rule.map.items())
            otherwise = literal(rule.others) if rule.others is not None else value
            value = f"CASE {value} {cases} ELSE {otherwise} END"
        if rule.default is not None:
            value = f"coalesce({value}, {literal(rule.default)})"
        if rule.round and scale is not None and rule.formula is None:
            numeric = f"TRY_CAST({value} AS {_DECIMAL})"
            value = (f"CASE WHEN {numeric} IS NULL THEN {value} ELSE "
                     f"CAST(round({numeric}, {scale}) AS VARCHAR) END")
        label = field.name if sources == [field.name] or not sources else \
            f"{field.name} (from {' / '.join(sources)})"
        date_format = rule.date_format or (
            mapping.date_format if field.sql_type == "DATE" else
            mapping.timestamp_format if field.sql_type == "TIMESTAMP" else None)
        result[field.name] = Staging(value, source, label, rule.lookup, date_format)
    if problems:
        raise HeaderProblem(problems)
    return result
