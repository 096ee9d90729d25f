"""Set-based validation: every check is a query returning the offending rows.

Given the file's text in table ``raw`` (see :mod:`attain.ingest.reading`) and how each of
the kind's columns is computed (:mod:`attain.ingest.mapping`), this module builds
``staged`` (the mapped text), ``typed`` (the values in the kind's types, NULL where the text
does not convert) and ``errors`` (row, column, value, reason), with one query per rule:
required, type, allowed values, CHECKs (reported in plain words, see
:data:`attain.ingest.kinds.RULES`; currency codes against ISO 4217's), row checks, lookups,
duplicate keys and references. Nothing loops over rows in Python, so a million rows take seconds.

Numbers are checked by their text before converting, because a cast would round
(``12.5`` is not an integer; ``1.005`` is not money with two places): validation never
changes a value to make it fit.

This module must never loop over a file's rows in Python, and never write anything but
its own scratch tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingType
from dataclasses import dataclass

import duckdb

from attain.ingest import currencies
from attain.ingest.kinds import CURRENCY_RULE, Field, Kind, rule_words
from attain.ingest.mapping import Mapping, Staging, literal
from attain.ingest.report import ERROR_LIMIT, Issue

TRUE_TEXT = ("true", "t", "yes", "y", "1")
FALSE_TEXT = ("false", "f", "no", "n", "0")

LOOKUP_TABLES = {
    "person_by_name": "person",
    "person_by_email": "person",
    "account_by_name": "account",
    "product_by_name": "product",
}


_SINGULAR = {"people": "person", "opportunities": "opportunity", "territories": "territory",
             "activities": "activity"}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _src(name: str) -> str:
    return q(name + "__src")


@dataclass
class Checked:
    """The outcome of validation: counts and the first errors."""

    rows: int
    skipped: int
    error_count: int
    rejected_rows: int
    errors: list[Issue]


def _decimal_pattern(sql_type: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"DECIMAL\((\d+), (\d+)\)", sql_type)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _typed_sql(field: Field, staging: Staging) -> tuple[str, str]:
    """SQL converting the staged text to the field's type (NULL if it does not convert),
    and the reason given when it does not."""
    value = q(field.name)
    kind = field.sql_type
    decimal = _decimal_pattern(kind)
    if decimal is not None:
        precision, scale = decimal
        whole = precision - scale
        pattern = (f"[+-]?([0-9]{{1,{whole}}}(\\.[0-9]{{0,{scale}}})?|\\.[0-9]{{1,{scale}}})"
                   if scale else f"[+-]?[0-9]{{1,{whole}}}")
        sql = (f"CASE WHEN regexp_full_match({value}, {literal(pattern)}) "
               f"THEN TRY_CAST({value} AS {kind}) END")
        places = "a whole number" if not scale else f"a number with at most {scale} decimal " \
            "places (written like 1234.50)"
        return sql, f"not {places}"
    if kind in ("INTEGER", "BIGINT"):
        sql = (f"CASE WHEN regexp_full_match({value}, '[+-]?[0-9]{{1,19}}') "
               f"THEN TRY_CAST({value} AS {kind}) END")
        return sql, "not a whole number" + (" in range" if kind == "INTEGER" else "")
    if kind == "DATE":
        if staging.date_format:
            fmt = literal(staging.date_format)
            return (f"CAST(TRY_STRPTIME({value}, {fmt}) AS DATE)",
                    f"not a date written {staging.date_format}")
        return (f"CASE WHEN regexp_full_match({value}, '[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}') "
                f"THEN TRY_CAST({value} AS DATE) END", "not a date (YYYY-MM-DD)")
    if kind == "TIMESTAMP":
        if staging.date_format:
            fmt = literal(staging.date_format)
            return (f"TRY_STRPTIME({value}, {fmt})",
                    f"not a date and time written {staging.date_format}")
        return (f"TRY_CAST({value} AS TIMESTAMP)",
                "not a date and time (YYYY-MM-DDTHH:MM:SS)")
    if kind == "BOOLEAN":
        trues = ", ".join(literal(text) for text in TRUE_TEXT)
        falses = ", ".join(literal(text) for text in FALSE_TEXT)
        return (f"CASE WHEN lower({value}) IN ({trues}) THEN true "
                f"WHEN lower({value}) IN ({falses}) THEN false END",
                "not true or false")
    return value, ""


def _check_columns(check: str, kind: Kind) -> list[str]:
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'", "", check)))
    return [name for name in kind.field_names if name in words]


def _has_source(spec: Staging) -> bool:
    """Whether the text shown in errors differs from the mapped value (kept apart then)."""
    return spec.source != spec.value or spec.lookup is not None


def stage(con: duckdb.DuckDBPyConnection, kind: Kind, staging: MappingType[str, Staging],
          mapping: Mapping | None, header: list[str]) -> int:
    """Define ``staged`` over ``raw``; return the rows left out by skip rules, merged as
    identical (``distinct``) or dropped as later duplicates (``duplicates: first``).

    ``staged`` is a view unless rows must be merged or dropped, so the file's text is
    copied once, into ``typed``."""
    skip = "false"
    if mapping is not None and mapping.skip_when_empty:
        index = {name: f"c{position}" for position, name in reversed(list(enumerate(header)))}
        skip = " OR ".join(f"NULLIF(trim({index[name]}), '') IS NULL"
                           for name in mapping.skip_when_empty)
    selects = ["_row"]
    for field in kind.fields:
        spec = staging[field.name]
        value = spec.value
        if spec.lookup:
            table = f"lookup_{spec.lookup}"
            value = f"(SELECT l.id FROM {table} l WHERE l.key = lower({spec.value}))"
        selects.append(f"{value} AS {q(field.name)}")
        if _has_source(spec):
            selects.append(f"CAST({spec.source} AS VARCHAR) AS {_src(field.name)}")
    merge = mapping is not None and (mapping.distinct or mapping.duplicates == "first")
    con.execute(f"CREATE {'TABLE' if merge else 'VIEW'} staged_all AS SELECT "
                f"{', '.join(selects)} FROM raw WHERE NOT ({skip})")
    [(total,)] = con.execute("SELECT count(*) FROM raw").fetchall()
    if mapping is not None and mapping.distinct:
        values = ", ".join(q(name) for name in kind.field_names)
        sources = "".join(f", any_value({_src(name)}) AS {_src(name)}"
                          for name in kind.field_names if _has_source(staging[name]))
        con.execute(f"CREATE TABLE staged AS SELECT min(_row) AS _row, {values}{sources} "
                    f"FROM staged_all GROUP BY ALL")
        con.execute("DROP TABLE staged_all")
    elif merge:
        con.execute("ALTER TABLE staged_all RENAME TO staged")
    else:
        con.execute("ALTER VIEW staged_all RENAME TO staged")
    if mapping is not None and mapping.duplicates == "first":
        keys = ", ".join(q(name) for name in kind.key)
        con.execute(f"DELETE FROM staged WHERE _row IN (SELECT _row FROM (SELECT _row, "
                    f"min(_row) OVER (PARTITION BY {keys}) AS first_row FROM staged) "
                    f"WHERE _row > first_row)")
    [(kept,)] = con.execute("SELECT count(*) FROM staged").fetchall()
    return int(total) - int(kept)


def check(con: duckdb.DuckDBPyConnection, kind: Kind, staging: MappingType[str, Staging],
          *, file_name: str) -> tuple[int, list[Issue]]:
    """Build ``typed`` and ``errors`` from ``staged``; return (error count, first errors).

    References are checked against the tables ``ref_<table>_<column>`` (one column ``key``:
    the keys that exist already) registered by the caller; a kind that refers to itself
    also accepts the keys in the file.
    """
    typed = ["_row"]
    queries: list[str] = []
    labels = {field.name: staging[field.name].label for field in kind.fields}

    positions = {label: index for index, label in enumerate(labels.values())}

    def error(where: str, column: str, value_sql: str, reason_sql: str) -> None:
        position = positions.get(column, len(positions))
        queries.append(
            f"SELECT _row, {position} AS position, {literal(column)} AS column_name, "
            f"{value_sql} AS value, {reason_sql} AS reason FROM typed WHERE {where}")

    def display(name: str) -> str:
        """A value as text for an error: what was written where it did not convert, else
        the value (decimals without trailing zeros: 1.5, not 1.500000)."""
        field = kind.field(name)
        if field.sql_type == "VARCHAR":
            return q(name)
        value = f"CAST({q(name)} AS VARCHAR)"
        if _decimal_pattern(field.sql_type):
            value = (f"regexp_replace(regexp_replace({value}, '(\\.[0-9]*?)0+$', '\\1'), "
                     "'\\.$', '')")
        return f"coalesce({q(name + '__text')}, {value})"

    def shown(name: str) -> str:
        """What errors show: the user's own text, at most 200 characters."""
        column = _src(name) if _has_source(staging[name]) else display(name)
        return f"left({column}, 200)"

    inner = ["_row"]
    for field in kind.fields:
        spec = staging[field.name]
        sql, reason = _typed_sql(field, spec)
        inner.append(f"{sql} AS {q(field.name)}")
        typed.append(q(field.name))
        if _has_source(spec):
            inner.append(_src(field.name))
            typed.append(_src(field.name))
        if field.sql_type != "VARCHAR":
            # the text is kept only where it did not convert (mostly NULL, so cheap)
            inner.append(f"{q(field.name)} AS {q(field.name + '__written')}")
            typed.append(f"CASE WHEN {q(field.name)} IS NULL THEN "
                         f"{q(field.name + '__written')} END AS {q(field.name + '__text')}")
        column = labels[field.name]
        value = q(field.name)
        src = shown(field.name)
        if spec.lookup:
            what = LOOKUP_TABLES[spec.lookup]
            by = spec.lookup.split("_by_")[1]
            error(f"{_src(field.name)} IS NOT NULL AND {value} IS NULL", column, src,
                  f"'no {what} has this {by}' || CASE WHEN EXISTS (SELECT 1 FROM "
                  f"lookup_{spec.lookup}_ambiguous a WHERE a.key = lower({_src(field.name)})) "
                  "THEN ' (more than one does)' ELSE '' END")
        if field.required:
            condition = f"{value} IS NULL" + (
                f" AND {q(field.name + '__text')} IS NULL" if field.sql_type != "VARCHAR"
                else "") + (f" AND {_src(field.name)} IS NULL" if spec.lookup else "")
            error(condition, column, "''", "'required, but empty'")
        if reason:
            error(f"{q(field.name + '__text')} IS NOT NULL", column, src, literal(reason))
        if field.allowed:
            options = ", ".join(literal(option) for option in field.allowed)
            error(f"{value} NOT IN ({options})", column, src,
                  literal("not one of " + ", ".join(field.allowed)))
        if field.is_currency:
            error(f"{value} NOT IN ({_KNOWN_CURRENCIES})", column, src,
                  f"CASE WHEN upper({value}) IN ({_KNOWN_CURRENCIES}) THEN "
                  f"{literal(CURRENCY_RULE + ': codes are written in capitals, ')} || "
                  f"upper({value}) ELSE {literal(CURRENCY_RULE)} END")
        elif field.check:
            error(f"({field.check}) IS FALSE", column, src,
                  literal(rule_words(field.check, labels)))
    for row_check in kind.checks:
        names = _check_columns(row_check, kind)
        value = " || ', ' || ".join(f"coalesce({shown(name)}, '')" for name in names) or "''"
        error(f"({row_check}) IS FALSE", ", ".join(labels[name] for name in names), value,
              literal(rule_words(row_check, labels)))
    # duplicate keys: every row after the first with the same key
    keys = ", ".join(q(name) for name in kind.key)
    not_null = " AND ".join(f"{q(name)} IS NOT NULL" for name in kind.key)
    key_label = ", ".join(labels[name] for name in kind.key)
    key_value = " || ', ' || ".join(f"coalesce({display(name)}, '')" for name in kind.key)
    queries.append(
        f"SELECT _row, {positions.get(labels[kind.key[0]], 0)}, {literal(key_label)}, "
        f"{key_value}, "
        f"'the same key as row ' || CAST(first_row AS VARCHAR) FROM ("
        f"SELECT *, min(_row) OVER (PARTITION BY {keys}) AS first_row, "
        f"count(*) OVER (PARTITION BY {keys}) AS n FROM typed WHERE {not_null}) "
        f"WHERE n > 1 AND _row > first_row")
    for name in kind.unique:
        queries.append(
            f"SELECT _row, {positions.get(labels[name], 0)}, {literal(labels[name])}, "
            f"{shown(name)}, 'the same {name} as row ' || CAST(first_row AS VARCHAR) FROM ("
            f"SELECT *, min(_row) OVER (PARTITION BY lower({q(name)})) AS first_row "
            f"FROM typed WHERE {q(name)} IS NOT NULL) WHERE _row > first_row")
    for field in kind.fields:
        if not field.references:
            continue
        target_table, target_column = field.references.split(".")
        ref = f"ref_{target_table}_{target_column}"
        own = ""
        if target_table == kind.name:
            own = f" UNION ALL SELECT CAST({q(target_column)} AS VARCHAR) FROM typed"
        source = f"(SELECT key FROM {ref}{own})" if ref in _registered(con) or own else None
        what = _SINGULAR.get(target_table, target_table.removesuffix("s")).replace("_", " ")
        reason = literal(f"no {what} has this {target_column}") + (
            f" || ' (import {target_table} first)'" if target_table != kind.name else "")
        value = q(field.name)
        if source is None:
            error(f"{value} IS NOT NULL", labels[field.name], shown(field.name), reason)
        else:
            error(f"{value} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {source} AS r(key) "
                  f"WHERE r.key = CAST({value} AS VARCHAR))",
                  labels[field.name], shown(field.name), reason)
    con.execute(f"CREATE TABLE typed AS SELECT {', '.join(typed)} FROM "
                f"(SELECT {', '.join(inner)} FROM staged)")
    con.execute("CREATE TABLE errors AS " + " UNION ALL ".join(queries))
    [(count, _rows)] = con.execute("SELECT count(*), count(DISTINCT _row) FROM errors").fetchall()
    listed = con.execute(
        f"SELECT _row, column_name, value, reason FROM errors ORDER BY _row, position, reason "
        f"LIMIT {ERROR_LIMIT}").fetchall()
    issues = [Issue(file_name, int(row), column, value or "", reason)
              for row, column, value, reason in listed]
    return int(count), issues


_KNOWN_CURRENCIES = ", ".join(literal(code) for code in sorted(currencies.KNOWN))


def _registered(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()"
    ).fetchall()}


def rejected_rows(con: duckdb.DuckDBPyConnection) -> int:
    [(rows,)] = con.execute("SELECT count(DISTINCT _row) FROM errors").fetchall()
    return int(rows)
