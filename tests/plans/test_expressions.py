"""The plan expression language: what it accepts, what it refuses and where it says so, and
that the warehouse keeps exactly the rows the Python reference evaluator keeps.

Warehouse tests run on DuckDB, and also on PostgreSQL when ``ATTAIN_TEST_POSTGRES=1``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import os
import textwrap
import tokenize
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ibis.backends import BaseBackend

from attain.plans import expressions
from attain.plans.expressions import (
    Arithmetic,
    Call,
    Comparison,
    Constant,
    ExpressionError,
    Field,
    FieldRef,
    Logical,
    Membership,
    Negate,
    Node,
    Not,
    check,
    evaluate,
    field_names,
    parse,
    parse_condition,
    to_ibis,
)
from attain.plans.fields import TRANSACTION_FIELDS

D = Decimal
ON_POSTGRES = os.environ.get("ATTAIN_TEST_POSTGRES") == "1"

FIELDS: dict[str, Field] = {
    field.name: field
    for field in (
        Field("deal.type", "string"),
        Field("product.family", "string"),
        Field("discount", "number"),
        Field("amount", "number"),
        Field("booked_on", "date"),
        Field("paid_on", "date"),
        Field("product.recurring", "boolean"),
    )
}
ARROW_TYPES = {
    "string": pa.string(),
    "number": pa.decimal128(18, 6),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}


def render(node: Node) -> str:
    """The tree written back with every grouping made explicit, to assert precedence."""
    if isinstance(node, Constant):
        return repr(node.value) if node.type == "string" else str(node.value).lower()
    if isinstance(node, FieldRef):
        return node.name
    if isinstance(node, Negate):
        return f"(-{render(node.operand)})"
    if isinstance(node, Not):
        return f"(not {render(node.operand)})"
    if isinstance(node, Logical):
        return "(" + f" {node.operator} ".join(render(o) for o in node.operands) + ")"
    if isinstance(node, Arithmetic | Comparison):
        return f"({render(node.left)} {node.operator} {render(node.right)})"
    if isinstance(node, Membership):
        items = ", ".join(render(item) for item in node.items)
        return f"({render(node.operand)} {'not in' if node.negated else 'in'} [{items}])"
    return f"{node.function}({', '.join(render(a) for a in node.arguments)})"


def error_of(text: str, fields: Mapping[str, Field] = FIELDS) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse_condition(text, fields)
    return caught.value


# --- the warehouse side ----------------------------------------------------------------------


def column_name(field: str) -> str:
    return field.replace(".", "__")


def memtable(rows: list[dict[str, object]]) -> ibis.Table:
    """The rows as an in-memory table typed like the warehouse: decimal(18, 6) numbers."""
    schema = pa.schema(
        [("row_id", pa.int64())]
        + [(column_name(name), ARROW_TYPES[field.type]) for name, field in FIELDS.items()])
    columns: dict[str, list[object]] = {"row_id": list(range(len(rows)))}
    columns |= {column_name(name): [row[name] for row in rows] for name in FIELDS}
    return ibis.memtable(pa.table(columns, schema=schema))


@contextlib.contextmanager
def uploaded(backend: BaseBackend, rows: list[dict[str, object]]) -> Iterator[ibis.Table]:
    table = memtable(rows)
    try:
        yield table
    finally:
        if backend.name == "postgres":
            # Ibis keeps a memtable as a temporary table until the session ends, and a
            # session ending with thousands of them runs out of locks dropping them.
            backend.drop_table(table.get_name(), force=True)


def in_warehouse(backend: BaseBackend, text: str, rows: list[dict[str, object]]) -> list[object]:
    """The condition's value for each row (None for NULL), computed by the backend."""
    node = parse_condition(text, FIELDS)
    with uploaded(backend, rows) as table:
        condition = to_ibis(node, {name: table[column_name(name)] for name in FIELDS})
        query = table.select("row_id", result=condition).order_by("row_id")
        return backend.to_pyarrow(query).column("result").to_pylist()


def kept_in_warehouse(backend: BaseBackend, text: str, rows: list[dict[str, object]]) -> set[int]:
    """The rows a warehouse filter on the condition keeps."""
    node = parse_condition(text, FIELDS)
    with uploaded(backend, rows) as table:
        condition = to_ibis(node, {name: table[column_name(name)] for name in FIELDS})
        kept = backend.to_pyarrow(table.filter(condition).select("row_id"))
        return set(kept.column("row_id").to_pylist())


def kept_in_python(text: str, rows: list[dict[str, object]]) -> set[int]:
    node = parse_condition(text, FIELDS)
    return {index for index, row in enumerate(rows) if evaluate(node, row) is True}


@pytest.fixture(scope="module")
def backend() -> Iterator[BaseBackend]:
    """The backend under test: DuckDB, or PostgreSQL in the suite's PostgreSQL half."""
    if not ON_POSTGRES:
        connection: BaseBackend = ibis.duckdb.connect()
    else:
        connection = ibis.postgres.connect(host="127.0.0.1", user="postgres",
                                           database="postgres")
    yield connection
    connection.disconnect()


def rows_from_csv(text: str) -> list[dict[str, object]]:
    """Rows as a sales-ops person would paste them; an empty cell is a missing value."""
    rows: list[dict[str, object]] = []
    for record in csv.DictReader(io.StringIO(textwrap.dedent(text).strip())):
        row: dict[str, object] = dict.fromkeys(FIELDS)
        row["id"] = record["id"]
        for name, cell in record.items():
            if name == "id" or cell == "":
                continue
            kind = FIELDS[name].type
            if kind == "number":
                row[name] = D(cell)
            elif kind == "date":
                row[name] = datetime.date.fromisoformat(cell)
            elif kind == "boolean":
                row[name] = cell == "true"
            else:
                row[name] = cell
        rows.append(row)
    return rows


def row(**values: object) -> dict[str, object]:
    """A row with the given fields (``product_family`` for product.family) and the rest null."""
    result: dict[str, object] = dict.fromkeys(FIELDS)
    for key, value in values.items():
        name = key.replace("product_", "product.").replace("deal_", "deal.")
        assert name in FIELDS, name
        result[name] = value
    return result


# --- parsing -------------------------------------------------------------------------------


def test_the_plan_example_parses_into_an_and_of_three_tests() -> None:
    text = 'product.family == "Cloud" and deal.type in ["new", "expansion"] and discount < 20%'
    node = parse(text)
    assert render(node) == (
        "((product.family == 'Cloud') and (deal.type in ['new', 'expansion'])"
        " and (discount < 0.20))")
    assert isinstance(node, Logical)
    assert [operand.position for operand in node.operands] == [0, 30, 68]


@pytest.mark.parametrize(("text", "shape"), [
    ("a or b and c", "(a or (b and c))"),
    ("a and b or c", "((a and b) or c)"),
    ("not a == b", "(not (a == b))"),
    ("not a and b", "((not a) and b)"),
    ("not not a", "(not (not a))"),
    ("a + b * c > d", "((a + (b * c)) > d)"),
    ("(a + b) * c > d", "(((a + b) * c) > d)"),
    ("a - b - c == d", "(((a - b) - c) == d)"),
    ("a / b / c == d", "(((a / b) / c) == d)"),
    ("-a * b < c", "(((-a) * b) < c)"),
    ("a - -b == 1", "((a - (-b)) == 1)"),
    ("a == b or c != d and e < f", "((a == b) or ((c != d) and (e < f)))"),
    ("a not in [1] or b", "((a not in [1]) or b)"),
])
def test_operators_bind_by_precedence(text: str, shape: str) -> None:
    assert render(parse(text)) == shape


def test_every_node_records_where_it_starts() -> None:
    node = parse('not (deal.type == "new")')
    assert isinstance(node, Not) and node.position == 0
    comparison = node.operand
    assert isinstance(comparison, Comparison)
    assert (comparison.position, comparison.operator_position) == (5, 15)
    assert comparison.right.position == 18


@pytest.mark.parametrize(("text", "value"), [
    ("12", D("12")),
    ("0.2", D("0.2")),
    ("1_000", D("1000")),
    ("1_000.000_5", D("1000.0005")),
    ("20%", D("0.2")),
    ("12.5%", D("0.125")),
    ("0.0000000001", D("1E-10")),
])
def test_numbers_and_percentages_are_exact_decimals(text: str, value: Decimal) -> None:
    node = parse(text)
    assert isinstance(node, Constant) and node.type == "number"
    assert isinstance(node.value, Decimal) and node.value == value


def test_unary_minus_negates_numbers_and_percentages() -> None:
    node = parse("-5%")
    assert isinstance(node, Negate) and render(node) == "(-0.05)"
    assert evaluate(node, {}) == D("-0.05")
    assert evaluate(parse("--5"), {}) == D("5")


@pytest.mark.parametrize(("text", "value"), [
    ('"Cloud"', "Cloud"),
    ("'Cloud'", "Cloud"),
    (r'"say \"hi\""', 'say "hi"'),
    (r"'it\'s'", "it's"),
    ('"it\'s"', "it's"),
    (r'"back\\slash"', "back\\slash"),
    ('""', ""),
])
def test_strings_take_either_quote_and_backslash_escapes(text: str, value: str) -> None:
    node = parse(text)
    assert isinstance(node, Constant) and node.type == "string" and node.value == value


def test_true_false_and_null_are_lower_case_keywords() -> None:
    assert [parse(word) for word in ("true", "false", "null")] == [
        Constant(True, "boolean", 0), Constant(False, "boolean", 0), Constant(None, "null", 0)]


def test_lists_hold_literal_values_of_any_type() -> None:
    node = parse('x in ["new", "expansion"]')
    assert isinstance(node, Membership) and not node.negated
    assert [item.value for item in node.items] == ["new", "expansion"]
    numbers = parse("x not in [0, -5, 20%]")
    assert isinstance(numbers, Membership) and numbers.negated
    assert [item.value for item in numbers.items] == [D(0), D(-5), D("0.2")]
    assert numbers.items[1].position == 13
    dates = parse('x in [date("2026-01-31"), date("2026-02-28")]')
    assert isinstance(dates, Membership)
    assert [item.value for item in dates.items] == [datetime.date(2026, 1, 31),
                                                    datetime.date(2026, 2, 28)]


def test_date_literals_become_date_constants() -> None:
    node = parse('booked_on >= date("2026-01-01")')
    assert isinstance(node, Comparison)
    assert node.right == Constant(datetime.date(2026, 1, 1), "date", 13)


def test_function_calls_parse_with_their_arguments() -> None:
    node = parse('contains(lower(product.family), "cloud")')
    assert isinstance(node, Call) and node.function == "contains"
    assert render(node) == "contains(lower(product.family), 'cloud')"


def test_whitespace_and_newlines_are_free() -> None:
    text = 'product.family == "Cloud"\n  and\tdeal.type == "new"'
    assert render(parse(text)) == "((product.family == 'Cloud') and (deal.type == 'new'))"


def test_field_names_lists_the_fields_an_expression_uses() -> None:
    node = parse('product.family == "Cloud" and (discount < 20% or is_null(deal.type))')
    assert field_names(node) == {"product.family", "discount", "deal.type"}
    assert field_names(parse("1 < 2")) == set()


def test_the_real_transaction_fields_accept_a_typical_component_filter() -> None:
    node = parse_condition(
        'deal.type in ["new", "expansion"] and account.segment != "smb" '
        'and booked_on >= date("2026-01-01") and margin > 30%', TRANSACTION_FIELDS)
    assert field_names(node) == {"deal.type", "account.segment", "booked_on", "margin"}


# --- syntax errors point at the character ------------------------------------------------


@pytest.mark.parametrize(("text", "message", "at"), [
    ('deal.type == "new', "unterminated string", 13),
    ("deal.type == 'new", "unterminated string", 13),
    ('deal.type == "new" "x"', "expected 'and', 'or' or an operator, found the text \"x\"", 19),
    ('deal.type == == "new"', "expected a value, found '=='", 13),
    ('(deal.type == "new"', "expected ')' to close the '(' at character 1", 19),
    ('lower(deal.type == "new"', "expected ')' to close the '(' at character 6", 24),
    ('deal.type in ["new", "x"', "expected ']' to close the '[' at character 14", 24),
    ('deal.type == "new")', "unmatched ')'", 18),
    ('deal.type == "new" and', "expected a value, found the end of the expression", 22),
    ('deal.type == "new" deal', "expected 'and', 'or' or an operator", 19),
    ("a < b < c", "comparisons cannot be chained", 6),
    ("a == b == c", "comparisons cannot be chained", 7),
    ("a < b in [1]", "comparisons cannot be chained", 6),
    ("", "empty expression", 0),
    ("   \n ", "empty expression", 0),
    ("lowr(deal.type) == 'x'", "unknown function 'lowr': did you mean 'lower'?", 0),
    ("sum(amount) > 1", "unknown function 'sum': the functions are abs, contains, date", 0),
    ("lower(deal.type, 1)", "lower() takes 1 argument, got 2", 17),
    ("contains(deal.type)", "contains() takes 2 arguments, got 1", 18),
    ('date("2026-1-31")', 'date() takes a date written as "YYYY-MM-DD"', 5),
    ("date(booked_on)", 'date() takes a date written as "YYYY-MM-DD"', 5),
    ('date("2026-02-30")', "2026-02-30 is not a date in the calendar", 5),
    ("deal.type = 'new'", "write '==' to compare", 10),
    ("a && b", "write 'and'", 2),
    ("a || b", "write 'or'", 2),
    ("!a", "write 'not'", 0),
    ("a <> b", "write '!=' for 'not equal'", 2),
    ("deal.type == New", "unknown name 'New': field names are lower case, and text goes in "
                         'quotes, as in "New"', 13),
    ("a == TRUE", "keywords are lower case: write 'true'", 5),
    ("a AND b", "keywords are lower case: write 'and'", 2),
    ("product. == 1", "expected a field name after 'product.'", 8),
    ("discount < 12abc", "malformed number '12a'", 11),
    ("discount < 1.", "malformed number '1.'", 11),
    ("discount < 1.2.3", "malformed number '1.2.'", 11),
    ("discount < 20%%", "malformed number '20%%'", 11),
    ("discount < 1__0", "malformed number '1_'", 11),
    ("discount < .5", "'.' only joins the parts of a field name", 11),
    ("discount < 0.00000000001", "at most 10 decimal places", 11),
    ("amount < 1" + "0" * 28, "at most 28 digits before the point", 9),
    (r'deal.type == "a\nb"', "unknown escape", 15),
    ("deal.type in []", "a list needs at least one value", 14),
    ("deal.type in [null]", "null cannot be in a list", 14),
    ('deal.type in "new"', "'in' must be followed by a list in square brackets", 13),
    ("deal.type in [product.family]", "a list holds only values written out", 14),
    ('["new"] == deal.type', "a list can only follow 'in' or 'not in'", 0),
    ('deal.type not "new"', "'not' after a value must be followed by 'in'", 14),
    ("a == -", "expected a value, found the end of the expression", 6),
    ("+1 > 0", "expected a value, found '+'", 0),
])
def test_syntax_errors_point_at_the_offending_character(text: str, message: str, at: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.position == at


def test_an_error_shows_the_expression_with_a_caret_under_the_problem() -> None:
    error = error_of('deal.type == "new" and discount <')
    assert error.pointer() == (
        'deal.type == "new" and discount <\n'
        "                                 ^")
    assert str(error) == (
        "expected a value, found the end of the expression at character 34:\n"
        + error.pointer())


def test_the_caret_points_into_the_right_line_of_a_multi_line_condition() -> None:
    error = error_of('deal.type == "new"\n\tand discont < 20%')
    assert error.pointer() == "\tand discont < 20%\n\t    ^"
    assert "did you mean 'discount'?" in str(error)


def test_an_error_is_a_value_error_with_message_expression_and_position() -> None:
    error = error_of("a <")
    assert isinstance(error, ValueError)
    assert (error.expression, error.position) == ("a <", 3)


@pytest.mark.parametrize("text", [
    "(" * 100 + "true" + ")" * 100,
    "not " * 100 + "true",
    "-" * 100 + "1 < 0",
    "lower(" * 100 + "deal.type" + ")" * 100 + ' == "x"',
    " + ".join(["amount"] * 100) + " > 0",
])
def test_absurdly_deep_expressions_are_refused_rather_than_crashing(text: str) -> None:
    assert "too deeply" in error_of(text).message


def test_a_long_chain_of_or_is_fine_because_it_stays_flat(backend: BaseBackend) -> None:
    text = " or ".join(f"amount == {value}" for value in range(500))
    rows = [row(amount=D(499)), row(amount=D(500))]
    assert kept_in_warehouse(backend, text, rows) == kept_in_python(text, rows) == {0}


# --- type checking -------------------------------------------------------------------------


def test_a_typo_in_a_field_name_points_at_it_and_suggests_the_right_one() -> None:
    text = 'deal.type == "new" and product.familly == "Cloud"'
    error = error_of(text)
    assert error.message == "unknown field 'product.familly'; did you mean 'product.family'?"
    assert error.position == text.index("product.familly")


def test_a_bare_word_that_is_no_field_suggests_quoting_it() -> None:
    error = error_of("deal.type == renewal")
    assert error.message == "unknown field 'renewal'; if you meant the text, write \"renewal\""
    assert error.position == 13


@pytest.mark.parametrize(("text", "message", "culprit"), [
    ('discount < "20%"', "cannot compare a number with text", '"20%"'),
    ("deal.type == 5", "cannot compare text with a number", "5"),
    ("5 == deal.type", "cannot compare a number with text", "5"),
    ("booked_on < 2026", "cannot compare a date with a number", "2026"),
    ('booked_on < "2026-01-01"', "cannot compare a date with text", '"2026-01-01"'),
    ("amount == paid_on", "cannot compare a number with a date", "paid_on"),
    ('deal.type + 1 == "x"', "'+' needs a number; this is text", "deal.type"),
    ('amount * "2" > 1', "'*' needs a number; this is text", '"2"'),
    ("-deal.type == 'x'", "'-' needs a number; this is text", "deal.type"),
    ('deal.type in ["new", 5]', "a list must hold values of one type: this is a number, "
                                "the first is text", "5"),
    ("discount in [\"low\"]", "the list holds text but the value before 'in' is a number",
     '"low"'),
    ('booked_on not in ["x"]', "the list holds text but the value before 'not in' is a date",
     '"x"'),
    ("lower(amount) == 'x'", "lower() needs text; this is a number", "amount"),
    ("contains(deal.type, 5)", "contains() needs text; this is a number", "5"),
    ("abs(deal.type) > 1", "abs() needs a number; this is text", "deal.type"),
    ("amount and true", "'and' needs true or false; this is a number", "amount"),
    ('true or deal.type', "'or' needs true or false; this is text", "deal.type"),
    ("not amount", "'not' needs true or false; this is a number", "amount"),
    ("product.recurring < true", "true/false values cannot be ordered with '<'", "<"),
    ("discount == null", "to test for a missing value write is_null(discount)", "null"),
    ("null != deal.type", "write not is_null(deal.type)", "null"),
    ("discount + 1 > null", "write is_null(x)", "null"),
    ("null in [1]", "write is_null(x)", "null"),
])
def test_a_type_mismatch_points_at_the_offending_operand(
    text: str, message: str, culprit: str
) -> None:
    error = error_of(text)
    assert message in error.message
    assert error.position == text.index(culprit)


@pytest.mark.parametrize(("text", "what"), [
    ("amount", "a number"),
    ("deal.type", "text"),
    ("amount + 1", "a number"),
    ('date("2026-01-01")', "a date"),
    ("null", "null"),
])
def test_a_condition_must_be_true_or_false(text: str, what: str) -> None:
    assert error_of(text).message == f"a condition must be true or false; this is {what}"


def test_check_returns_the_type_of_any_expression() -> None:
    def type_of(text: str) -> str:
        return check(parse(text), FIELDS, source=text)

    assert type_of("amount * (1 - discount)") == "number"
    assert type_of("upper(deal.type)") == "string"
    assert type_of('date("2026-01-01")') == "date"
    assert type_of("product.recurring") == "boolean"
    assert type_of("is_null(null)") == "boolean"
    assert type_of("null and product.recurring") == "boolean"


# --- security --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    '__import__("os").system("rm -rf /")',
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    'open("x")',
    "eval('1')",
    "exec('1')",
    "getattr(deal, 'type')",
    '"abc".upper()',
    "(1).real",
    "deal.type.__class__ == 'x'",
    "lower.__globals__",
    "`ls`",
    'deal.type == "new"; import os',
    "[x for x in ()]",
    "lambda: 1",
    "{}",
    "deal.type[0] == 'n'",
    "amount ** 2 > 1",
    "a if b else c",
    "$x",
    "x @ y",
    "deal.type == 'new' # comment",
])
def test_python_that_is_not_the_language_is_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse_condition(text, FIELDS)


def test_the_module_never_calls_eval_exec_compile_or_ast() -> None:
    source = Path(expressions.__file__).read_text()
    forbidden = {"eval", "exec", "__import__", "ast", "literal_eval"}
    previous = ""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME:
            assert token.string not in forbidden, token
            # re.compile of our own patterns is fine; the built-in compile() is not.
            assert not (token.string == "compile" and previous != "."), token
        previous = token.string


# --- meaning ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "values", "expected"), [
    ("product.recurring and false", {"product_recurring": None}, False),
    ("product.recurring or true", {"product_recurring": None}, True),
    ("product.recurring and true", {"product_recurring": None}, None),
    ("product.recurring or false", {"product_recurring": None}, None),
    ("not product.recurring", {"product_recurring": None}, None),
    ("null and false", {}, False),
    ("null or true", {}, True),
    ("not null", {}, None),
    ("discount < 20%", {}, None),
    ("discount + 1 > 0", {}, None),
    ('deal.type in ["new"]', {}, None),
    ('deal.type not in ["new"]', {}, None),
    ("is_null(discount)", {}, True),
    ("not is_null(discount)", {"discount": D(0)}, True),
    ('contains(deal.type, "x")', {}, None),
    ("lower(deal.type) == 'new'", {}, None),
    ("abs(discount) > 0", {}, None),
    ("booked_on < date('2026-01-01')", {}, None),
    ("is_null(amount / discount)", {"amount": D(5), "discount": D(0)}, True),
    ("amount / discount > 0", {"amount": D(5), "discount": D(0)}, None),
])
def test_nulls_follow_sql_three_valued_logic(
    backend: BaseBackend, text: str, values: dict[str, object], expected: object
) -> None:
    rows = [row(**values)]
    assert [evaluate(parse_condition(text, FIELDS), rows[0])] == [expected]
    assert in_warehouse(backend, text, rows) == [expected]


@pytest.mark.parametrize(("text", "discount", "expected"), [
    ("discount < 20%", D("0.199999"), True),
    ("discount < 20%", D("0.200000"), False),
    ("discount <= 20%", D("0.200000"), True),
    ("discount > 20%", D("0.200001"), True),
    ("discount == 0.2", D("0.200000"), True),
    ("discount == 12.5%", D("0.125"), True),
    ("discount * 3 == 0.599997", D("0.199999"), True),
    ("discount / 3 == 0.0666663333", D("0.199999"), True),
    ("1 / 3 * 3 == 0.9999999999", D(0), True),
    ("2 / 3 == 0.6666666667", D(0), True),
    ("-2 / 3 == -0.6666666667", D(0), True),
    ("0.00001 * 0.00001 == 0.0000000001", D(0), True),
    ("0.00001 * 0.000005 == 0.0000000001", D(0), True),
    ("0.00001 * 0.000004 == 0", D(0), True),
    ("abs(-discount) == discount", D("0.199999"), True),
    ("1_000 * discount == 199.999", D("0.199999"), True),
])
def test_numbers_are_exact_decimals_rounded_to_ten_places_half_away_from_zero(
    backend: BaseBackend, text: str, discount: Decimal, expected: bool
) -> None:
    rows = [row(discount=discount)]
    assert evaluate(parse_condition(text, FIELDS), rows[0]) is expected
    assert in_warehouse(backend, text, rows) == [expected]


@pytest.mark.parametrize(("text", "family", "expected"), [
    ('lower(product.family) == "cloud"', "CLOUD", True),
    ('upper(product.family) == "CLOUD"', "Cloud", True),
    ('contains(product.family, "_")', "a_b", True),
    ('contains(product.family, "_")', "ab", False),
    ('contains(product.family, "%")', "abc", False),
    ('starts_with(product.family, "a_")', "abc", False),
    ('starts_with(product.family, "a%")', "a%b", True),
    ('starts_with(product.family, "")', "x", True),
    ('product.family < "b"', "a", True),
    ('product.family < "b"', "B", True),
    ('product.family > "b"', "Éclair", True),
    ('product.family == "O\'Neil"', "O'Neil", True),
])
def test_text_functions_match_literally_and_text_orders_by_code_point(
    backend: BaseBackend, text: str, family: str, expected: bool
) -> None:
    rows = [row(product_family=family)]
    assert evaluate(parse_condition(text, FIELDS), rows[0]) is expected
    assert in_warehouse(backend, text, rows) == [expected]


def test_evaluate_reports_a_missing_field_and_an_overflow_as_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="the row has no field 'discount'"):
        evaluate(parse("discount > 1"), {})
    big = "9" * 28
    with pytest.raises(ExpressionError, match="more than 28 digits"):
        evaluate(parse(f"{big} * {big} > 1"), {})


def test_evaluate_accepts_integers_and_datetimes_from_a_row() -> None:
    node = parse_condition('amount > 10 and booked_on == date("2026-01-31")', FIELDS)
    assert evaluate(node, row(amount=11, booked_on=datetime.datetime(2026, 1, 31, 9))) is True


# --- end to end, as a comp plan uses it --------------------------------------------------

DEALS = """
    id,product.family,deal.type,discount,amount,booked_on,product.recurring
    D1,Cloud,new,0.15,12000,2026-01-10,true
    D2,Cloud,renewal,0.05,8000,2026-01-12,true
    D3,Cloud,expansion,0.199999,5000,2026-02-01,true
    D4,Cloud,new,0.200000,7000,2026-02-03,true
    D5,Platform,new,0.00,20000,2026-02-10,false
    D6,Cloud,,0.10,3000,2026-03-01,
    D7,Cloud,new,,4000,2026-03-05,true
"""


@pytest.mark.parametrize(("condition", "kept"), [
    # D4's discount is exactly 20%, D6 has no deal type and D7 no discount: all dropped.
    ('product.family == "Cloud" and deal.type in ["new", "expansion"] and discount < 20%',
     ["D1", "D3"]),
    # D6: not (null == "renewal") is null, so the row is dropped...
    ('not (deal.type == "renewal")', ["D1", "D3", "D4", "D5", "D7"]),
    # ...unless the plan says what a missing deal type means.
    ('is_null(deal.type) or deal.type != "renewal"', ["D1", "D3", "D4", "D5", "D6", "D7"]),
    ('amount / 1_000 >= 7 and booked_on < date("2026-03-01")', ["D1", "D2", "D4", "D5"]),
    # Net of discount: D3 nets 4,000.005; D6 is unknown-recurring but nets 2,700 (false wins);
    # D7 has no discount, so its net is unknown and the row is dropped.
    ("product.recurring and amount * (1 - discount) > 5000", ["D1", "D2", "D4"]),
    ('deal.type not in ["renewal"] and booked_on >= date("2026-02-01")', ["D3", "D4", "D5",
                                                                          "D7"]),
    ('starts_with(lower(product.family), "plat") or discount >= 19.9999%', ["D3", "D4", "D5"]),
])
def test_a_component_filter_keeps_the_deals_a_person_would_pick(
    backend: BaseBackend, condition: str, kept: list[str]
) -> None:
    rows = rows_from_csv(DEALS)
    identifiers = [str(deal["id"]) for deal in rows]
    assert sorted(identifiers[i] for i in kept_in_python(condition, rows)) == kept
    assert sorted(identifiers[i] for i in kept_in_warehouse(backend, condition, rows)) == kept


# --- properties ------------------------------------------------------------------------------

TOKENS = [
    "product.family", "deal.type", "discount", "amount", "booked_on", "product.recurring",
    "x", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "(", ")", "[", "]", ",",
    "and", "or", "not", "in", "true", "false", "null", "%", ".", '"Cloud"', "'new'", '"',
    "'", "\\", "12", "0.2", "20%", "1_000", "date", "lower", "upper", "contains",
    "starts_with", "is_null", "abs", '"2026-01-31"', "__import__", "__class__", ";", "`",
    "=", "!", "&", "|", "9" * 30, "0." + "0" * 12 + "1", "é", "\n", "\t",
]


def assert_only_expression_errors(text: str) -> None:
    """``text`` either parses and checks, or fails with an ExpressionError that points
    inside it; a condition that checks also evaluates and compiles without crashing."""
    try:
        node = parse_condition(text, FIELDS)
    except ExpressionError as error:
        assert 0 <= error.position <= len(text)
        assert str(error).endswith("^")
        assert f"at character {error.position + 1}:" in str(error)
        return
    try:
        evaluate(node, row())
        evaluate(node, SAMPLE_ROW)
    except ExpressionError:
        pass  # an overflow: the warehouse would refuse it too
    schema = {column_name(n): ARROW_TYPES[f.type] for n, f in FIELDS.items()}
    table = ibis.table(ibis.schema(schema), name="t")
    to_ibis(node, {name: table[column_name(name)] for name in FIELDS})


SAMPLE_ROW = row(product_family="Cloud", deal_type="new", discount=D("0.2"), amount=D(0),
                 booked_on=datetime.date(2026, 1, 31), paid_on=datetime.date(2026, 2, 1),
                 product_recurring=True)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.text(alphabet="abcdeiloprstuy_.()[]\"'\\%<>=!,+-*/ 0123456789",
                                      max_size=80))
def test_arbitrary_text_gives_an_expression_error_or_a_condition(text: str) -> None:
    assert_only_expression_errors(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14), st.sampled_from([" ", ""]))
def test_token_soup_gives_an_expression_error_or_a_condition(
    tokens: list[str], separator: str
) -> None:
    assert_only_expression_errors(separator.join(tokens))


STRINGS = ["new", "expansion", "renewal", "Cloud", "cloud", "CLOUD", "", "a_b", "a%b",
           "Éclair", "O'Neil", "ab"]
NUMBERS = [D(text) for text in ("0", "1", "-1", "2", "3", "0.5", "0.199999", "0.2",
                                "0.200001", "12.5", "-7.25", "0.125")]
DATES = [datetime.date(2025, 12, 31), datetime.date(2026, 1, 1), datetime.date(2026, 1, 31),
         datetime.date(2026, 2, 1)]
POOLS: dict[str, list[object]] = {
    "string": list(STRINGS), "number": list(NUMBERS), "date": list(DATES),
    "boolean": [True, False],
}


def fields_of(kind: str) -> list[str]:
    return [name for name, field in FIELDS.items() if field.type == kind]


def quoted(value: str, quote: str) -> str:
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return f"{quote}{escaped}{quote}"


string_literals = st.builds(quoted, st.sampled_from(STRINGS), st.sampled_from(["\"", "'"]))
number_literals = st.sampled_from(
    ["0", "1", "2", "3", "0.2", "20%", "12.5%", "0.5", "1_000", "0.199999", "100%", "-0.5",
     "-1", "7.25"])
date_literals = st.sampled_from([f'date("{day.isoformat()}")' for day in DATES])
boolean_literals = st.sampled_from(["true", "false"])
LITERALS = {"string": string_literals, "number": number_literals, "date": date_literals,
            "boolean": boolean_literals}
# Quotients stay below 100 so the warehouse's floating-point division (about 15 significant
# digits) still decides the tenth decimal place like Python's exact one.
dividends = st.sampled_from([*fields_of("number"), "1", "2", "0.5", "20%"])
divisors = st.sampled_from([*fields_of("number"), "2", "3", "0", "0.2", "12.5%"])


@st.composite
def numbers(draw: st.DrawFn, depth: int) -> str:
    choice = draw(st.integers(0, 5 if depth > 0 else 1))
    if choice == 0:
        return draw(st.sampled_from(fields_of("number")))
    if choice == 1:
        return draw(number_literals)
    if choice == 2:
        operator = draw(st.sampled_from(["+", "-", "*"]))
        return f"({draw(numbers(depth - 1))} {operator} {draw(numbers(depth - 1))})"
    if choice == 3:
        return f"-({draw(numbers(depth - 1))})"
    if choice == 4:
        return f"abs({draw(numbers(depth - 1))})"
    return f"({draw(dividends)} / {draw(divisors)})"


@st.composite
def strings(draw: st.DrawFn, depth: int) -> str:
    choice = draw(st.integers(0, 3 if depth > 0 else 1))
    if choice == 0:
        return draw(st.sampled_from(fields_of("string")))
    if choice == 1:
        return draw(string_literals)
    function = "lower" if choice == 2 else "upper"
    return f"{function}({draw(strings(depth - 1))})"


def values(kind: str, depth: int) -> st.SearchStrategy[str]:
    if kind == "number":
        return numbers(depth)
    if kind == "string":
        return strings(depth)
    if kind == "boolean":
        return st.sampled_from(fields_of("boolean")) | boolean_literals
    return st.sampled_from(fields_of("date")) | date_literals


@st.composite
def conditions(draw: st.DrawFn, depth: int = 3) -> str:
    choice = draw(st.integers(0, 9 if depth > 0 else 6))
    if choice == 0:
        return draw(st.sampled_from([*fields_of("boolean"), "true", "false"]))
    if choice == 1:
        kind = draw(st.sampled_from(["number", "string", "date"]))
        operator = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return f"{draw(values(kind, 2))} {operator} {draw(values(kind, 2))}"
    if choice == 2:
        operator = draw(st.sampled_from(["==", "!="]))
        return f"{draw(values('boolean', 0))} {operator} {draw(values('boolean', 0))}"
    if choice == 3:
        kind = draw(st.sampled_from(["number", "string", "date", "boolean"]))
        items = draw(st.lists(LITERALS[kind], min_size=1, max_size=3))
        operator = draw(st.sampled_from(["in", "not in"]))
        return f"{draw(values(kind, 1))} {operator} [{', '.join(items)}]"
    if choice == 4:
        kind = draw(st.sampled_from(["number", "string", "date", "boolean"]))
        return f"is_null({draw(values(kind, 1))})"
    if choice == 5:
        function = draw(st.sampled_from(["contains", "starts_with"]))
        return f"{function}({draw(strings(1))}, {draw(strings(1))})"
    if choice == 6:
        return draw(st.sampled_from(["is_null(null)", "null and false", "not null",
                                     "null or product.recurring", "null and product.recurring"]))
    if choice == 7:
        return f"not ({draw(conditions(depth - 1))})"
    operator = "and" if choice == 8 else "or"
    operands = draw(st.lists(conditions(depth - 1), min_size=2, max_size=3))
    return f" {operator} ".join(f"({operand})" for operand in operands)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, object]:
    # Two Nones in each pool make a missing value common enough to matter.
    return {name: draw(st.sampled_from([*POOLS[field.type], None, None]))
            for name, field in FIELDS.items()}


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(condition=conditions(), table=st.lists(rows(), min_size=1, max_size=6))
def test_the_warehouse_keeps_exactly_the_rows_the_python_evaluator_keeps(
    backend: BaseBackend, condition: str, table: list[dict[str, object]]
) -> None:
    node = parse_condition(condition, FIELDS)
    expected = [evaluate(node, each) for each in table]
    assert in_warehouse(backend, condition, table) == expected
    kept = {index for index, value in enumerate(expected) if value is True}
    assert kept_in_warehouse(backend, condition, table) == kept
