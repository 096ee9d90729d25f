"""Filters and conditions in comp plans: a small, safe expression language.

A plan says which transactions a component counts with a condition a sales-ops person can
read, such as ``product.family == "Cloud" and deal.type in ["new", "expansion"] and
discount < 20%``. This module turns that text into a typed syntax tree (:func:`parse`),
checks it against the fields a plan may use (:func:`check`, :func:`parse_condition`), and
gives it meaning twice: as an Ibis expression that runs inside the warehouse
(:func:`to_ibis`) and as a plain-Python evaluator over one row (:func:`evaluate`), the
reference the warehouse is tested against. docs/plan-language.md is the user's guide.

Grammar, lowest precedence first (keywords are lower case)::

    condition  := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [("==" | "!=" | "<" | "<=" | ">" | ">=") sum
                       | ["not"] "in" list]           -- never chained: a < b < c is an error
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := number ["%"] | string | "true" | "false" | "null" | field
                | function "(" [or_expr ("," or_expr)*] ")" | "(" or_expr ")"
    list       := "[" constant ("," constant)* "]"   -- constants only: "a", -5, 20%, true, date(..)
    field      := [a-z_][a-z0-9_]* ("." [a-z_][a-z0-9_]*)*

Meaning, the same in :func:`evaluate` and :func:`to_ibis`:

- Null follows SQL's three-valued logic: a comparison or arithmetic with null is null,
  ``null and false`` is false, ``null or true`` is true, ``not null`` is null. A filter keeps
  a row only when its condition is true. ``is_null(x)`` is the one way to test for null;
  ``x == null`` is refused by :func:`check` because in SQL it is never true.
- Numbers are decimals, never floats. A literal has at most 28 digits before the point and
  10 after (``20%`` is 0.2). Every result of ``+ - * /`` is rounded to 10 decimal places,
  half away from zero (the warehouse casts it to ``DECIMAL(38, 10)``), and division by zero
  is null. Ibis divides in floating point, so in the warehouse a quotient is right to about
  15 significant digits before that rounding, while Python computes it exactly: the two agree
  for the quotients plans use (ratios and rates), not for ones needing more digits.
- Text compares with text only, by code point (PostgreSQL does so under the C or C.UTF-8
  collation Attain's databases use); dates compare with dates only; true/false only with
  ``==`` and ``!=``.

This module must never run user text as Python: no ``eval``, ``exec``, ``compile`` or
``ast``. A hand-written tokenizer and recursive-descent parser accept only the grammar above,
functions come from a whitelist, and there is no attribute access or indexing. Every problem
with the text is an :class:`ExpressionError` pointing at a character, never another
exception. The module never opens a database connection and never makes a Python ``float``.
"""

from __future__ import annotations

import datetime
import difflib
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any, Literal, TypeAlias, cast

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from attain.core.money import D

__all__ = [
    "FUNCTIONS",
    "Arithmetic",
    "Call",
    "Comparison",
    "Constant",
    "ExpressionError",
    "Field",
    "FieldRef",
    "Logical",
    "Membership",
    "Negate",
    "Node",
    "Not",
    "check",
    "evaluate",
    "field_names",
    "parse",
    "parse_condition",
    "to_ibis",
]

FieldType: TypeAlias = Literal["string", "number", "date", "boolean"]
"""The type of a field (a column a condition may use)."""
ValueType: TypeAlias = Literal["string", "number", "date", "boolean", "null"]
"""The type of an expression: a field type, or ``null`` for the literal ``null``."""
Value: TypeAlias = Decimal | str | bool | datetime.date | None
"""A value in :func:`evaluate`: numbers are always ``Decimal``."""

MAX_INTEGER_DIGITS = 28
MAX_DECIMAL_PLACES = 10
NUMBER_DTYPE = dt.Decimal(38, MAX_DECIMAL_PLACES)
"""Ibis type of number literals and arithmetic results: DuckDB would otherwise give a
literal the narrowest DECIMAL that holds it and round results to that."""
MAX_NESTING = 40
"""Parentheses, ``not`` and ``-`` deeper than this are refused, so the parser (and anything
that walks the tree) stays far from Python's recursion limit on hostile input."""
MAX_DEPTH = 60
"""Deepest syntax tree accepted (a long ``a + b + c + ...`` chain grows the tree too)."""

_STEP = Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_ARITHMETIC = Context(prec=80, rounding=ROUND_HALF_UP)
"""Enough digits that +, -, * of in-range numbers are exact before the one rounding."""

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
FUNCTIONS: dict[str, tuple[tuple[ValueType | Literal["any"], ...], ValueType]] = {
    "lower": (("string",), "string"),
    "upper": (("string",), "string"),
    "contains": (("string", "string"), "boolean"),
    "starts_with": (("string", "string"), "boolean"),
    "is_null": (("any",), "boolean"),
    "abs": (("number",), "number"),
    "date": (("string",), "date"),
}
"""The only functions a condition may call: argument types and result type. ``date`` takes
a literal ``"YYYY-MM-DD"`` and becomes a date constant when parsed."""

_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_DESCRIPTIONS: dict[str, str] = {
    "string": "text",
    "number": "a number",
    "date": "a date",
    "boolean": "true or false",
    "null": "null",
    "any": "any value",
}


class ExpressionError(ValueError):
    """A problem with an expression, pointing at the character where it is.

    ``position`` is the 0-based offset of the offending character in ``expression`` (it may
    be the end of the text, where something is missing).
    """

    def __init__(self, message: str, expression: str, position: int) -> None:
        # All three in args, so the error survives pickling and copying.
        super().__init__(message, expression, position)
        self.message = message
        self.expression = expression
        self.position = max(0, min(position, len(expression)))

    def pointer(self) -> str:
        """The line of the expression holding the problem, and a caret under it."""
        start = self.expression.rfind("\n", 0, self.position) + 1
        end = self.expression.find("\n", self.position)
        line = self.expression[start : len(self.expression) if end < 0 else end].rstrip("\r")
        # Keep tabs so the caret lines up however the reader's terminal expands them.
        indent = "".join("\t" if c == "\t" else " " for c in line[: self.position - start])
        return f"{line}\n{indent}^"

    def __str__(self) -> str:
        return f"{self.message} at character {self.position + 1}:\n{self.pointer()}"


@dataclass(frozen=True, slots=True)
class Field:
    """A field conditions may name, e.g. ``product.family``, and what it holds."""

    name: str
    type: FieldType
    doc: str = ""
    """One line for the plan-language reference."""


# --- syntax tree -----------------------------------------------------------------------------
# Every node has ``position``: the offset of its first character in the text. Operators also
# keep ``operator_position`` so errors about the operator itself point at it.


@dataclass(frozen=True, slots=True)
class Constant:
    """A literal: number (a Decimal), text, true/false, null, or a date from ``date("…")``."""

    value: Value
    type: ValueType
    position: int


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field named in the expression, e.g. ``deal.type``."""

    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Node
    position: int


@dataclass(frozen=True, slots=True)
class Not:
    """``not x``."""

    operand: Node
    position: int


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left (+ - * /) right``."""

    operator: Literal["+", "-", "*", "/"]
    left: Node
    right: Node
    position: int
    operator_position: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left (== != < <= > >=) right``."""

    operator: Literal["==", "!=", "<", "<=", ">", ">="]
    left: Node
    right: Node
    position: int
    operator_position: int


@dataclass(frozen=True, slots=True)
class Membership:
    """``operand in [items]`` or, with ``negated``, ``operand not in [items]``."""

    operand: Node
    items: tuple[Constant, ...]
    negated: bool
    position: int
    operator_position: int


@dataclass(frozen=True, slots=True)
class Logical:
    """``a and b and c`` or ``a or b or c``: one node for a whole chain keeps the tree flat."""

    operator: Literal["and", "or"]
    operands: tuple[Node, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Call:
    """A call of a whitelisted function (see :data:`FUNCTIONS`); never ``date``."""

    function: str
    arguments: tuple[Node, ...]
    position: int


Node: TypeAlias = (
    Constant | FieldRef | Negate | Not | Arithmetic | Comparison | Membership | Logical | Call
)


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Negate | Not):
        return (node.operand,)
    if isinstance(node, Arithmetic | Comparison):
        return (node.left, node.right)
    if isinstance(node, Membership):
        return (node.operand, *node.items)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, Call):
        return node.arguments
    return ()


def _walk(node: Node) -> Iterator[tuple[Node, int]]:
    """Every node with its depth (the root is 1), without recursion."""
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        yield current, depth
        stack.extend((child, depth + 1) for child in reversed(_children(current)))


def field_names(node: Node) -> set[str]:
    """The fields an expression uses: what a plan needs the engine to provide."""
    return {current.name for current, _ in _walk(node) if isinstance(current, FieldRef)}


# --- tokens ----------------------------------------------------------------------------------

_TokenKind: TypeAlias = Literal["number", "string", "name", "keyword", "operator", "end"]


@dataclass(frozen=True, slots=True)
class _Token:
    """One token: ``text`` as written, ``value`` the number or the unescaped string."""

    kind: _TokenKind
    text: str
    position: int
    value: Decimal | str | None = None

    def describe(self) -> str:
        """The token as an error message names it."""
        if self.kind == "end":
            return "the end of the expression"
        if self.kind == "number":
            return f"the number {self.text}"
        if self.kind == "string":
            return f"the text {self.text}"
        return f"'{self.text}'"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER = re.compile(r"[0-9]+(?:_[0-9]+)*(?:\.[0-9]+(?:_[0-9]+)*)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TWO_CHARACTER_OPERATORS = ("==", "!=", "<=", ">=")
_ONE_CHARACTER_OPERATORS = "<>+-*/()[],"
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_HINTS = {
    "<>": "write '!=' for 'not equal'",
    "=": "write '==' to compare",
    "!": "write 'not' to negate a condition, or '!=' for 'not equal'",
    "&": "write 'and'",
    "|": "write 'or'",
    ".": "'.' only joins the parts of a field name, as in product.family",
}


def _tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens, ending with an ``end`` token; raise on any stray character."""
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        character = text[index]
        if character.isspace():
            index += 1
        elif character in "\"'":
            token = _string(text, index)
            tokens.append(token)
            index += len(token.text)
        elif "0" <= character <= "9":
            token = _number(text, index)
            tokens.append(token)
            index += len(token.text)
        elif character in _NAME_CHARACTERS:
            token = _name(text, index)
            tokens.append(token)
            index += len(token.text)
        elif text.startswith("<>", index):
            raise ExpressionError(f"unexpected '<>': {_HINTS['<>']}", text, index)
        elif text.startswith(_TWO_CHARACTER_OPERATORS, index):
            tokens.append(_Token("operator", text[index : index + 2], index))
            index += 2
        elif character in _ONE_CHARACTER_OPERATORS:
            tokens.append(_Token("operator", character, index))
            index += 1
        elif character in _HINTS:
            raise ExpressionError(f"unexpected '{character}': {_HINTS[character]}", text, index)
        else:
            raise ExpressionError(f"unexpected character {character!r}", text, index)
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _string(text: str, start: int) -> _Token:
    quote = text[start]
    characters: list[str] = []
    index = start + 1
    while index < len(text):
        character = text[index]
        if character == quote:
            return _Token("string", text[start : index + 1], start, "".join(characters))
        if character == "\\":
            escaped = text[index + 1 : index + 2]
            if escaped not in ("\\", '"', "'"):
                raise ExpressionError(
                    "unknown escape in text: only \\\", \\' and \\\\ may follow a backslash",
                    text, index)
            characters.append(escaped)
            index += 2
        else:
            characters.append(character)
            index += 1
    raise ExpressionError(f"unterminated string: add the closing {quote}", text, start)


def _number(text: str, start: int) -> _Token:
    match = _NUMBER.match(text, start)
    assert match is not None  # the caller saw a digit
    end = match.end()
    percent = text.startswith("%", end)
    if percent:
        end += 1
    if end < len(text) and (text[end] in _NAME_CHARACTERS or text[end] in ".%"):
        raise ExpressionError(f"malformed number '{text[start : end + 1]}'", text, start)
    value = D(match.group().replace("_", ""))
    if percent:
        value = value.scaleb(-2)
    if cast(int, value.normalize().as_tuple().exponent) < -MAX_DECIMAL_PLACES:
        raise ExpressionError(
            f"a number may have at most {MAX_DECIMAL_PLACES} decimal places", text, start)
    if value != 0 and value.adjusted() >= MAX_INTEGER_DIGITS:
        raise ExpressionError(
            f"a number may have at most {MAX_INTEGER_DIGITS} digits before the point",
            text, start)
    return _Token("number", text[start:end], start, value)


def _name(text: str, start: int) -> _Token:
    match = _NAME.match(text, start)
    if match is None:  # cannot happen: the caller saw a letter or '_'
        raise ExpressionError(f"unexpected character {text[start]!r}", text, start)
    word = match.group()
    end = match.end()
    if text.startswith(".", end):
        raise ExpressionError(f"expected a field name after '{word}.'", text, end + 1)
    if word != word.lower():
        if word.lower() in KEYWORDS:
            raise ExpressionError(
                f"keywords are lower case: write '{word.lower()}'", text, start)
        raise ExpressionError(
            f"unknown name '{word}': field names are lower case, and text goes in quotes, "
            f'as in "{word}"', text, start)
    return _Token("keyword" if word in KEYWORDS else "name", word, start, word)


# --- parser ----------------------------------------------------------------------------------


def parse(text: str) -> Node:
    """Parse ``text`` into a syntax tree; syntax only (fields and types are :func:`check`'s)."""
    return _Parser(text).parse()


class _Parser:
    """Recursive descent, one method per precedence level (see the module docstring)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.nesting = 0

    def parse(self) -> Node:
        if self._peek().kind == "end":
            raise self._error(
                'empty expression: write a condition such as deal.type == "new"', 0)
        node = self._or()
        token = self._peek()
        if token.kind != "end":
            if token.text in (")", "]"):
                raise self._error(f"unmatched '{token.text}'", token.position)
            raise self._error(
                f"expected 'and', 'or' or an operator, found {token.describe()}",
                token.position)
        for current, depth in _walk(node):
            if depth > MAX_DEPTH:
                raise self._error(
                    f"this expression is nested too deeply (more than {MAX_DEPTH} levels)",
                    current.position)
        return node

    # tokens

    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def _advance(self) -> _Token:
        token = self._peek()
        self.index += 1
        return token

    def _at(self, text: str, kind: _TokenKind = "operator") -> bool:
        token = self._peek()
        return token.kind == kind and token.text == text

    def _error(self, message: str, position: int) -> ExpressionError:
        return ExpressionError(message, self.text, position)

    def _enter(self, token: _Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self._error(
                f"this expression is nested too deeply (more than {MAX_NESTING} levels)",
                token.position)

    def _close(self, closing: str, opening: _Token) -> _Token:
        token = self._peek()
        if token.kind == "operator" and token.text == closing:
            return self._advance()
        raise self._error(
            f"expected '{closing}' to close the '{opening.text}' at character "
            f"{opening.position + 1}, found {token.describe()}", token.position)

    # precedence levels, lowest first

    def _or(self) -> Node:
        return self._chain("or", self._and)

    def _and(self) -> Node:
        return self._chain("and", self._not)

    def _chain(self, keyword: Literal["and", "or"], operand: Callable[[], Node]) -> Node:
        operands = [operand()]
        while self._at(keyword, "keyword"):
            self._advance()
            operands.append(operand())
        if len(operands) == 1:
            return operands[0]
        return Logical(keyword, tuple(operands), operands[0].position)

    def _not(self) -> Node:
        if self._at("not", "keyword"):
            token = self._advance()
            self._enter(token)
            operand = self._not()
            self.nesting -= 1
            return Not(operand, token.position)
        return self._comparison()

    def _comparison(self) -> Node:
        left = self._sum()
        node = self._comparison_rest(left)
        if node is not left and self._comparison_follows():
            raise self._error(
                "comparisons cannot be chained: write 'a < b and b < c'",
                self._peek().position)
        return node

    def _comparison_follows(self) -> bool:
        token = self._peek()
        if token.kind == "operator":
            return token.text in _COMPARISONS
        return token.kind == "keyword" and (
            token.text == "in" or (token.text == "not" and self._peek(1).text == "in"))

    def _comparison_rest(self, left: Node) -> Node:
        token = self._peek()
        if token.kind == "operator" and token.text in _COMPARISONS:
            self._advance()
            right = self._sum()
            symbol = cast(Literal["==", "!=", "<", "<=", ">", ">="], token.text)
            return Comparison(symbol, left, right, left.position, token.position)
        if token.kind == "keyword" and token.text == "in":
            self._advance()
            return Membership(left, self._list(token), False, left.position, token.position)
        if token.kind == "keyword" and token.text == "not":
            self._advance()
            if not self._at("in", "keyword"):
                raise self._error(
                    "'not' after a value must be followed by 'in', as in "
                    "deal.type not in [\"renewal\"]", self._peek().position)
            self._advance()
            return Membership(left, self._list(token), True, left.position, token.position)
        return left

    def _list(self, operator_token: _Token) -> tuple[Constant, ...]:
        opening = self._peek()
        if not self._at("["):
            raise self._error(
                f"'{operator_token.text}' must be followed by a list in square brackets, "
                "as in [\"new\", \"expansion\"]", opening.position)
        self._advance()
        if self._at("]"):
            raise self._error("a list needs at least one value", self._peek().position)
        items = [self._list_item()]
        while self._at(","):
            self._advance()
            items.append(self._list_item())
        self._close("]", opening)
        return tuple(items)

    def _list_item(self) -> Constant:
        token = self._peek()
        if token.kind == "keyword" and token.text == "null":
            raise self._error(
                "null cannot be in a list: test for a missing value with is_null(x)",
                token.position)
        if token.kind in ("string", "number") or (
                token.kind == "keyword" and token.text in ("true", "false")):
            return cast(Constant, self._primary())
        if token.kind == "operator" and token.text == "-" and self._peek(1).kind == "number":
            self._advance()
            number = self._advance()
            return Constant(-cast(Decimal, number.value), "number", token.position)
        following = self._peek(1)
        if token.kind == "name" and token.text == "date" and following.kind == "operator" \
                and following.text == "(":
            return cast(Constant, self._primary())
        raise self._error(
            "a list holds only values written out, such as \"new\", 12, 20%, true or "
            f"date(\"2026-01-31\"); found {token.describe()}", token.position)

    def _sum(self) -> Node:
        left = self._product()
        while self._peek().kind == "operator" and self._peek().text in ("+", "-"):
            token = self._advance()
            right = self._product()
            symbol = cast(Literal["+", "-"], token.text)
            left = Arithmetic(symbol, left, right, left.position, token.position)
        return left

    def _product(self) -> Node:
        left = self._unary()
        while self._peek().kind == "operator" and self._peek().text in ("*", "/"):
            token = self._advance()
            right = self._unary()
            symbol = cast(Literal["*", "/"], token.text)
            left = Arithmetic(symbol, left, right, left.position, token.position)
        return left

    def _unary(self) -> Node:
        if self._at("-"):
            token = self._advance()
            self._enter(token)
            operand = self._unary()
            self.nesting -= 1
            return Negate(operand, token.position)
        return self._primary()

    def _primary(self) -> Node:
        token = self._advance()
        if token.kind == "number":
            return Constant(cast(Decimal, token.value), "number", token.position)
        if token.kind == "string":
            return Constant(cast(str, token.value), "string", token.position)
        if token.kind == "keyword" and token.text in ("true", "false"):
            return Constant(token.text == "true", "boolean", token.position)
        if token.kind == "keyword" and token.text == "null":
            return Constant(None, "null", token.position)
        if token.kind == "name":
            if self._at("("):
                return self._call(token)
            return FieldRef(token.text, token.position)
        if token.kind == "operator" and token.text == "(":
            self._enter(token)
            inner = self._or()
            self._close(")", token)
            self.nesting -= 1
            return inner
        if token.kind == "operator" and token.text == "[":
            raise self._error("a list can only follow 'in' or 'not in'", token.position)
        raise self._error(f"expected a value, found {token.describe()}", token.position)

    def _call(self, name: _Token) -> Node:
        if name.text not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            close = difflib.get_close_matches(name.text, FUNCTIONS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"the functions are {known}"
            raise self._error(f"unknown function '{name.text}': {hint}", name.position)
        opening = self._advance()
        self._enter(opening)
        arguments: list[Node] = []
        if not self._at(")"):
            arguments.append(self._or())
            while self._at(","):
                self._advance()
                arguments.append(self._or())
        closing = self._close(")", opening)
        self.nesting -= 1
        parameters = FUNCTIONS[name.text][0]
        if len(arguments) != len(parameters):
            count = len(parameters)
            where = arguments[count].position if len(arguments) > count else closing.position
            raise self._error(
                f"{name.text}() takes {count} argument{'s' if count > 1 else ''}, "
                f"got {len(arguments)}", where)
        if name.text == "date":
            return self._date(arguments[0], name)
        return Call(name.text, tuple(arguments), name.position)

    def _date(self, argument: Node, name: _Token) -> Constant:
        text = argument.value if isinstance(argument, Constant) else None
        if not isinstance(text, str) or not _DATE.fullmatch(text):
            raise self._error(
                'date() takes a date written as "YYYY-MM-DD", e.g. date("2026-01-31")',
                argument.position)
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise self._error(f"{text} is not a date in the calendar",
                              argument.position) from None
        return Constant(day, "date", name.position)


# --- types -----------------------------------------------------------------------------------


def check(node: Node, fields: Mapping[str, Field], *, source: str = "") -> ValueType:
    """Type-check ``node`` against ``fields`` and return its type (``"boolean"`` for a filter).

    ``source`` is the text ``node`` was parsed from, so that an error can show where it is.
    Catching these here, when a plan is saved, is what keeps a typo from silently matching
    nothing when the plan runs.
    """
    return _Checker(fields, source).type_of(node)


def parse_condition(text: str, fields: Mapping[str, Field]) -> Node:
    """Parse and check a condition: it must be true or false (or null) for every row."""
    node = parse(text)
    result = check(node, fields, source=text)
    if result != "boolean":
        raise ExpressionError(
            f"a condition must be true or false; this is {_DESCRIPTIONS[result]}",
            text, node.position)
    return node


class _Checker:
    def __init__(self, fields: Mapping[str, Field], source: str) -> None:
        self.fields = fields
        self.source = source

    def _error(self, message: str, node: Node) -> ExpressionError:
        return ExpressionError(message, self.source, node.position)

    def _expect(self, node: Node, wanted: ValueType, what: str) -> None:
        found = self.type_of(node)
        if found != wanted and not (wanted == "boolean" and found == "null"):
            raise self._error(
                f"{what} needs {_DESCRIPTIONS[wanted]}; this is {_DESCRIPTIONS[found]}", node)

    def type_of(self, node: Node) -> ValueType:
        if isinstance(node, Constant):
            return node.type
        if isinstance(node, FieldRef):
            return self._field(node)
        if isinstance(node, Negate):
            self._expect(node.operand, "number", "'-'")
            return "number"
        if isinstance(node, Not):
            self._expect(node.operand, "boolean", "'not'")
            return "boolean"
        if isinstance(node, Logical):
            for operand in node.operands:
                self._expect(operand, "boolean", f"'{node.operator}'")
            return "boolean"
        if isinstance(node, Arithmetic):
            self._expect(node.left, "number", f"'{node.operator}'")
            self._expect(node.right, "number", f"'{node.operator}'")
            return "number"
        if isinstance(node, Comparison):
            self._comparison(node)
            return "boolean"
        if isinstance(node, Membership):
            self._membership(node)
            return "boolean"
        return self._call(node)

    def _field(self, node: FieldRef) -> ValueType:
        field = self.fields.get(node.name)
        if field is not None:
            return field.type
        close = difflib.get_close_matches(node.name, list(self.fields), n=1)
        if close:
            hint = f"; did you mean '{close[0]}'?"
        elif "." not in node.name:  # perhaps a word meant as text: say how to write text
            hint = f'; if you meant the text, write "{node.name}"'
        else:
            hint = ""

        raise self._error(f"unknown field '{node.name}'{hint}", node)

    def _null_test(self, null: Node, other: Node, negated: bool) -> ExpressionError:
        subject = other.name if isinstance(other, FieldRef) else "x"
        advice = f"not is_null({subject})" if negated else f"is_null({subject})"
        return self._error(
            f"a comparison with null is never true: to test for a missing value write {advice}",
            null)

    def _comparison(self, node: Comparison) -> None:
        left, right = self.type_of(node.left), self.type_of(node.right)
        for null, other, kind in ((node.left, node.right, left), (node.right, node.left, right)):
            if kind == "null":
                raise self._null_test(null, other, node.operator == "!=")
        if left != right:
            # Blame the literal when there is one: the field's type is not the user's typo.
            culprit = node.left if isinstance(node.left, Constant) else node.right
            raise self._error(
                f"cannot compare {_DESCRIPTIONS[left]} with {_DESCRIPTIONS[right]}", culprit)
        if left == "boolean" and node.operator not in ("==", "!="):
            raise ExpressionError(
                f"true/false values cannot be ordered with '{node.operator}': use == or !=",
                self.source, node.operator_position)

    def _membership(self, node: Membership) -> None:
        kind = self.type_of(node.operand)
        if kind == "null":
            raise self._null_test(node.operand, node.operand, node.negated)
        first = node.items[0]
        for item in node.items[1:]:
            if item.type != first.type:
                raise self._error(
                    f"a list must hold values of one type: this is {_DESCRIPTIONS[item.type]}, "
                    f"the first is {_DESCRIPTIONS[first.type]}", item)
        if first.type != kind:
            raise self._error(
                f"the list holds {_DESCRIPTIONS[first.type]} but the value before "
                f"'{'not in' if node.negated else 'in'}' is {_DESCRIPTIONS[kind]}", first)

    def _call(self, node: Call) -> ValueType:
        parameters, result = FUNCTIONS[node.function]
        for argument, wanted in zip(node.arguments, parameters, strict=True):
            if wanted == "any":
                self.type_of(argument)
            else:
                found = self.type_of(argument)
                if found != wanted:
                    raise self._error(
                        f"{node.function}() needs {_DESCRIPTIONS[wanted]}; "
                        f"this is {_DESCRIPTIONS[found]}", argument)
        return result


# --- meaning in Python -----------------------------------------------------------------------

_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def evaluate(node: Node, row: Mapping[str, object]) -> Value:
    """Evaluate a checked ``node`` over one row, the reference for :func:`to_ibis`.

    ``row`` maps field names to ``Decimal`` (or ``int``), ``str``, ``datetime.date``,
    ``bool`` or ``None``. The result is ``None`` where SQL's would be NULL, so a filter keeps
    the row only when the result ``is True``.
    """
    with localcontext(_ARITHMETIC):
        return _evaluate(node, row)


def _evaluate(node: Node, row: Mapping[str, object]) -> Value:
    if isinstance(node, Constant):
        return node.value
    if isinstance(node, FieldRef):
        return _row_value(node, row)
    if isinstance(node, Negate):
        number = _evaluate(node.operand, row)
        return None if number is None else -cast(Decimal, number)
    if isinstance(node, Not):
        truth = _evaluate(node.operand, row)
        return None if truth is None else not truth
    if isinstance(node, Logical):
        # Evaluate every operand (no short cut) so an error anywhere always surfaces.
        truths = [_evaluate(operand, row) for operand in node.operands]
        decisive = node.operator == "or"  # true decides an 'or', false decides an 'and'
        if decisive in truths:
            return decisive
        return None if None in truths else not decisive
    if isinstance(node, Arithmetic):
        return _arithmetic(node, _evaluate(node.left, row), _evaluate(node.right, row))
    if isinstance(node, Comparison):
        left, right = _evaluate(node.left, row), _evaluate(node.right, row)
        if left is None or right is None:
            return None
        return bool(_ORDER[node.operator](left, right))
    if isinstance(node, Membership):
        value = _evaluate(node.operand, row)
        if value is None:
            return None
        return (value in [item.value for item in node.items]) != node.negated
    return _function(node, [_evaluate(argument, row) for argument in node.arguments])


def _row_value(node: FieldRef, row: Mapping[str, object]) -> Value:
    if node.name not in row:
        raise ExpressionError(f"the row has no field '{node.name}'", "", node.position)
    value = row[node.name]
    if isinstance(value, int) and not isinstance(value, bool):
        return D(value)
    if isinstance(value, datetime.datetime):
        return value.date()
    return cast(Value, value)


def _arithmetic(node: Arithmetic, left: Value, right: Value) -> Decimal | None:
    if left is None or right is None:
        return None
    a, b = cast(Decimal, left), cast(Decimal, right)
    if node.operator == "+":
        result = a + b
    elif node.operator == "-":
        result = a - b
    elif node.operator == "*":
        result = a * b
    elif b == 0:
        return None
    else:
        result = a / b
    if abs(result) >= _LIMIT:
        raise ExpressionError(
            f"the result of '{node.operator}' has more than {MAX_INTEGER_DIGITS} digits "
            "before the point", "", node.operator_position)
    return result.quantize(_STEP)


def _function(node: Call, arguments: list[Value]) -> Value:
    if node.function == "is_null":
        return arguments[0] is None
    if None in arguments:
        return None
    if node.function == "lower":
        return cast(str, arguments[0]).lower()
    if node.function == "upper":
        return cast(str, arguments[0]).upper()
    if node.function == "contains":
        return cast(str, arguments[1]) in cast(str, arguments[0])
    if node.function == "starts_with":
        return cast(str, arguments[0]).startswith(cast(str, arguments[1]))
    return abs(cast(Decimal, arguments[0]))


# --- meaning in the warehouse ----------------------------------------------------------------


def to_ibis(node: Node, columns: Mapping[str, ir.Value]) -> ir.Value:
    """Compile a checked ``node`` into an Ibis expression over ``columns`` (field name -> column).

    The result is NULL where :func:`evaluate` gives ``None``; a filter should keep rows where
    it is true (``.fill_null(False)`` turns NULL into 'drop').
    """
    return _compile(node, columns)


def _compile(node: Node, columns: Mapping[str, ir.Value]) -> ir.Value:
    if isinstance(node, Constant):
        return _literal(node)
    if isinstance(node, FieldRef):
        if node.name not in columns:
            raise ExpressionError(f"no column for field '{node.name}'", "", node.position)
        column = columns[node.name]
        # A float column would compare inexactly with decimal literals: make it a decimal.
        return column.cast(NUMBER_DTYPE) if column.type().is_floating() else column
    if isinstance(node, Negate):
        return -cast(ir.NumericValue, _compile(node.operand, columns))
    if isinstance(node, Not):
        return ~cast(ir.BooleanValue, _compile(node.operand, columns))
    if isinstance(node, Logical):
        truths = [cast(ir.BooleanValue, _compile(operand, columns)) for operand in node.operands]
        combine = operator.or_ if node.operator == "or" else operator.and_
        return _balanced(truths, combine)
    if isinstance(node, Arithmetic):
        left = cast(ir.NumericValue, _compile(node.left, columns))
        right = cast(ir.NumericValue, _compile(node.right, columns))
        if node.operator == "/":
            right = right.nullif(0)
        combined = {"+": operator.add, "-": operator.sub, "*": operator.mul,
                    "/": operator.truediv}[node.operator](left, right)
        # Not ``.cast()``: Ibis believes a product of DECIMAL(38, 10)s already is one and
        # drops the cast, while the engine's product has scale 20 and keeps every digit.
        return ops.Cast(combined, to=NUMBER_DTYPE).to_expr()
    if isinstance(node, Comparison):
        compare = _ORDER[node.operator]
        return cast(ir.Value, compare(_compile(node.left, columns),
                                      _compile(node.right, columns)))
    if isinstance(node, Membership):
        operand = _compile(node.operand, columns)
        items = [_literal(item) for item in node.items]
        return operand.notin(items) if node.negated else operand.isin(items)
    arguments = [_compile(argument, columns) for argument in node.arguments]
    if node.function == "is_null":
        return arguments[0].isnull()
    if node.function == "abs":
        return cast(ir.NumericValue, arguments[0]).abs()
    text = cast(ir.StringValue, arguments[0])
    if node.function == "lower":
        return text.lower()
    if node.function == "upper":
        return text.upper()
    other = cast(ir.StringValue, arguments[1])
    return text.contains(other) if node.function == "contains" else text.startswith(other)


def _literal(node: Constant) -> ir.Value:
    if node.type == "number":
        return ibis.literal(node.value, type=NUMBER_DTYPE)
    return ibis.literal(node.value, type="boolean" if node.type == "null" else node.type)


def _balanced(
    truths: Sequence[ir.BooleanValue],
    combine: Callable[[ir.BooleanValue, ir.BooleanValue], ir.BooleanValue],
) -> ir.BooleanValue:
    """Combine as a balanced tree: a long 'or' chain stays shallow for the SQL compiler."""
    if len(truths) == 1:
        return truths[0]
    middle = len(truths) // 2
    return combine(_balanced(truths[:middle], combine), _balanced(truths[middle:], combine))
