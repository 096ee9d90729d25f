"""Statement lines explained in DuckDB SQL: the same words as ``statements.explain``, made by
the warehouse for a payroll day's hundreds of thousands of lines instead of by Python.

Only commission lines with nothing unusual are worded here: a share, rate and quota of 0 or
more, every value the words need present. Any other line (bonus, MBO, SPIFF, a negative
quota, a missing value) gets NULL and is explained by ``statements.explain``, so the words
never depend on which of the two made them. Money is rounded half away from zero to the
cent and written with thousands separators from whole cents; percentages are worked out
in integers and rounded half to even to a tenth, as ``Decimal.quantize`` does in Python:
no step goes through a binary float. ``tests/payouts/test_explain_sql.py`` checks the two
agree line for line.
"""

from __future__ import annotations

RULE_WORDS_SQL = {
    "owner": "'as the deal''s owner'",
    "split": "'by the split on the opportunity'",
    "overlay": "'as overlay on ' || {via} || '''s deal'",
    "se": "'as the sales engineer on ' || {via} || '''s deal'",
    "sdr": "'as the SDR who sourced ' || {via} || '''s deal'",
    "territory": "'as holder of the account''s territory'",
    "rollup": "'because ' || {via} || ' reports to you'",
}


MONEY_LIMIT = "10000000000000"
"""Amounts from 10^13 on are worded by Python (their cents would not fit 64 bits below)."""
RUNNING_LIMIT = "90000000"
"""Running totals from 9·10^7 on are worded by Python: in units of 10^-8, times 1000, they
would not fit 64 bits."""


def cents(value: str) -> str:
    """The whole cents of ``abs(round_money(value))`` as a 64-bit integer (a 128-bit
    HUGEINT costs ten times as much): NULL from 10^13 on."""
    return (f"CAST(CASE WHEN abs({value}) < {MONEY_LIMIT} THEN abs(round({value}, 2)) * 100 "
            "END AS BIGINT)")


def money(value: str, whole_cents: str, currency: str) -> str:
    """``f"{round_money(value):,.2f} {currency}"`` from ``whole_cents`` = ``cents(value)``."""
    return (f"(CASE WHEN {value} < 0 THEN '-' ELSE '' END || "
            f"format('{{:,}}', {whole_cents} // 100) || '.' || "
            f"lpad(CAST({whole_cents} % 100 AS VARCHAR), 2, '0') || ' ' || {currency})")


def tenths(quotient: str, remainder: str, denominator: str) -> str:
    """n / d in tenths of a percent rounded half to even, from n·1000 // d and n·1000 % d."""
    return (f"({quotient} + CASE WHEN 2 * {remainder} > {denominator} OR "
            f"(2 * {remainder} = {denominator} AND {quotient} % 2 = 1) THEN 1 ELSE 0 END)")


def percent(tenths_of: str) -> str:
    """``statements._percent``'s text from a whole number of tenths of a percent (≥ 0)."""
    return (f"(CASE WHEN {tenths_of} % 10 = 0 THEN CAST({tenths_of} // 10 AS VARCHAR) "
            f"ELSE CAST({tenths_of} // 10 AS VARCHAR) || '.' || "
            f"CAST({tenths_of} % 10 AS VARCHAR) END || '%')")


def normalized(value: str) -> str:
    """``f"{value.normalize():f}"``: a decimal without trailing zeros."""
    text = f"CAST({value} AS VARCHAR)"
    return f"(CASE WHEN contains({text}, '.') THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END)"


def explained(source: str, order_by: list[str]) -> str:
    """``SELECT *, <explanation> AS explanation FROM (source) ORDER BY …`` for lines with
    the columns of ``statements.LINE_COLUMNS`` and ``account_name``.

    Each number the words need is worked out once, in layers (DuckDB does not share a
    repeated sub-expression): the converted amount and the percentages' numerators, then
    whole cents and quotients, then tenths of a percent, then the words."""
    start = "greatest(coalesce(cum_before, 0), coalesce(tier_lower, 0))"
    converts = "source_currency <> currency AND fx_factor IS NOT NULL"
    # shares and rates are DECIMAL(18, 6), quotas DECIMAL(18, 2), running totals and tier
    # bounds DECIMAL(38, 8): each percentage is a whole numerator over a whole denominator
    numbers = (
        f"SELECT *, CASE WHEN {converts} THEN source_amount * fx_factor END AS x_conv, "
        "CAST(share * 1000000 AS BIGINT) * 1000 AS x_sh_n, "
        "CAST(rate * 1000000 AS BIGINT) * 1000 AS x_rt_n, "
        f"CAST(CASE WHEN {start} < {RUNNING_LIMIT} THEN {start} * 100000000 END AS BIGINT) "
        "* 1000 AS x_at_n, CAST(quota * 100 AS BIGINT) * 1000000 AS x_at_d "
        f"FROM ({source}) AS lines_in")
    divided = (
        f"SELECT *, {cents('amount')} AS x_amount_c, {cents('source_amount')} AS x_source_c, "
        f"{cents('base')} AS x_base_c, {cents('x_conv')} AS x_conv_c, "
        "x_sh_n // 1000000 AS x_sh_q, x_sh_n % 1000000 AS x_sh_r, "
        "x_rt_n // 1000000 AS x_rt_q, x_rt_n % 1000000 AS x_rt_r, "
        "x_at_n // x_at_d AS x_at_q, x_at_n % x_at_d AS x_at_r "
        f"FROM ({numbers}) AS lines_numbers")
    rounded = (
        f"SELECT *, {tenths('x_sh_q', 'x_sh_r', '1000000')} AS x_sh_t, "
        f"{tenths('x_rt_q', 'x_rt_r', '1000000')} AS x_rt_t, "
        f"{tenths('x_at_q', 'x_at_r', 'x_at_d')} AS x_at_t "
        f"FROM ({divided}) AS lines_divided")
    via = "coalesce(nullif(via_person, ''), 'someone')"
    rule = ("CASE coalesce(credit_rule, '') "
            + " ".join(f"WHEN '{name}' THEN {words.format(via=via)}"
                       for name, words in RULE_WORDS_SQL.items())
            + " ELSE 'by rule ' || coalesce(credit_rule, 'None') END")
    where = ("concat_ws(', ', 'Deal ' || coalesce(nullif(opportunity_id, ''), "
             "nullif(transaction_id, '')), nullif(account_name, ''))")
    converted = (f"CASE WHEN {converts} THEN ' (' || "
                 f"{money('x_conv', 'x_conv_c', 'currency')} || ' at ' || "
                 f"{normalized('fx_factor')} || ')' ELSE '' END")
    part = (f"CASE WHEN base IS NOT NULL AND value IS NOT NULL AND base <> value THEN "
            f"' to ' || {money('base', 'x_base_c', 'currency')} || ' of it' ELSE '' END")
    tail = (f"CASE WHEN coalesce(note, '') <> '' THEN '; ' || note "
            f"WHEN rate IS NOT NULL AND coalesce(quota, 0) <> 0 THEN '; you were at ' || "
            f"{percent('x_at_t')} || ' of quota, so the ' || {percent('x_rt_t')} || "
            f"' tier applied' || {part} "
            f"WHEN rate IS NOT NULL THEN '; the ' || {percent('x_rt_t')} || ' rate applied' "
            f"|| {part} ELSE '' END")
    modifier = (f"CASE WHEN modifier IS NOT NULL AND modifier <> 1 THEN "
                f"', times a modifier of ' || {normalized('modifier')} ELSE '' END")
    text = (f"{where} || ', ' || {money('source_amount', 'x_source_c', 'source_currency')} "
            f"|| {converted} || ' credited ' || {percent('x_sh_t')} || ' to you ' || {rule} "
            f"|| {tail} || {modifier} || ': ' || {money('amount', 'x_amount_c', 'currency')}")
    plain = ("line_kind = 'commission' AND share >= 0 AND share < 1000 "
             "AND coalesce(rate, 0) >= 0 AND coalesce(rate, 0) < 1000 "
             f"AND coalesce(quota, 0) >= 0 AND coalesce(quota, 0) < {MONEY_LIMIT}")
    return (f"SELECT * EXCLUDE (x_conv, x_sh_n, x_rt_n, x_at_n, x_at_d, x_amount_c, x_source_c, "
            "x_base_c, x_conv_c, x_sh_q, x_sh_r, x_rt_q, x_rt_r, x_at_q, x_at_r, x_sh_t, x_rt_t, "
            f"x_at_t), CASE WHEN {plain} THEN {text} END AS explanation "
            f"FROM ({rounded}) AS lines_explained ORDER BY {', '.join(order_by)}")
