"""Exports: results, statements, measures and targets to CSV, Excel or Parquet.

Every export applies the same access rule as the pages (:mod:`attain.web.access`): rows of
people whose money the user may not see on the run's last day are left out before anything
is written. Money stays exact: CSV and Parquet carry the decimals as they are stored; Excel
cells get the decimal value with a two-place number format.

This module must never widen what the access rule allows, and never round.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from attain.engine import run as engine_run
from attain.engine.errors import EngineError
from attain.web import access

RESULTS = {
    "earnings": "results_earnings",
    "statements": "results_lines",
    "measures": "results_measures",
    "metrics": "results_measures",
    "credits": "results_credits",
}
"""What can be exported from a run, and the result table each comes from ("metrics" are the
measures: credited value, quota and attainment per payee × component × period)."""
WHAT = (*RESULTS, "targets", "quotas")
"""``targets`` is every quota version (the history); ``quotas`` the quotas in force (the latest
approved version of each), in the columns ``attain import quotas`` reads back."""
FORMATS = ("csv", "xlsx", "parquet")


class ExportError(ValueError):
    """An export that cannot be made (unknown run, format or table), said plainly."""


def _format_of(path: Path, fmt: str | None) -> str:
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ExportError(f"unknown export format {chosen or '(none)'!r}: use "
                          f"{', '.join(FORMATS)}")
    return chosen


def _visible(user: Any, day: dt.date, unrestricted: bool) -> set[str] | None:
    if unrestricted:
        return None
    return access.visible_people(user, day)


def _results(what: str, run_id: str | None, people: set[str] | None,
             url: str | None) -> tuple[pa.Table, dt.date]:
    from attain.engine.models import CalculationRun

    run_id = run_id or engine_run.latest_run()
    run = CalculationRun.objects.filter(run_id=run_id).first() if run_id else None
    if run is None:
        raise ExportError(f"there is no calculation run {run_id!r}" if run_id
                          else "there is no calculation run yet: run `attain run` first")
    try:
        table = engine_run.results(RESULTS[what], run.run_id, url=url)
    except EngineError as error:
        raise ExportError(str(error)) from None
    if people is not None:
        table = table.filter(table.payee_id.isin(sorted(people))) if people else \
            table.filter(ibis.literal(False))
    keys = [name for name in ("payee_id", "period_start", "component_id", "transaction_id")
            if name in table.columns]
    return table.order_by(keys).to_pyarrow(), run.period_end


def _targets(people: set[str] | None) -> pa.Table:
    from attain.targets.models import Quota

    quotas = Quota.objects.select_related("person", "team", "region").order_by(
        "period_start", "metric", "owner_type", "id")
    rows = []
    for quota in quotas:
        owner = (quota.person.employee_id if quota.person else quota.team.code if quota.team
                 else quota.region.code if quota.region else quota.territory_code)
        if people is not None and (quota.person is None or owner not in people):
            continue  # team, region and company targets: for those who see everyone
        rows.append({"metric": quota.metric, "owner_type": quota.owner_type, "owner": owner,
                     "period": quota.period, "period_start": quota.period_start,
                     "period_end": quota.period_end, "amount": quota.amount,
                     "currency": quota.currency, "version": quota.version,
                     "status": quota.status})
    schema = pa.schema([("metric", pa.string()), ("owner_type", pa.string()),
                        ("owner", pa.string()), ("period", pa.string()),
                        ("period_start", pa.date32()), ("period_end", pa.date32()),
                        ("amount", pa.decimal128(18, 2)), ("currency", pa.string()),
                        ("version", pa.int32()), ("status", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def _current_quotas(people: set[str] | None) -> pa.Table:
    from attain.targets import services as target_services

    rows = []
    for row in target_services.quota_rows():
        kind, _, owner = row.owner.partition(":")
        if people is not None and (kind != "person" or owner not in people):
            continue  # team, region and company quotas: for those who see everyone
        rows.append({"metric": row.metric, "owner_type": kind, "owner": owner or None,
                     "period": row.period, "amount": row.amount, "currency": row.currency,
                     "status": "approved"})
    schema = pa.schema([("metric", pa.string()), ("owner_type", pa.string()),
                        ("owner", pa.string()), ("period", pa.string()),
                        ("amount", pa.decimal128(18, 2)), ("currency", pa.string()),
                        ("status", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def _write_excel(data: pa.Table, path: Path) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("export")
    sheet.append(data.column_names)
    money = {name for name, kind in zip(data.column_names, data.schema.types, strict=True)
             if pa.types.is_decimal(kind)}
    for row in data.to_pylist():
        cells = []
        for name, value in row.items():
            cell = WriteOnlyCell(sheet, value=value)
            if name in money and isinstance(value, Decimal):
                scale = data.schema.field(name).type.scale
                cell.number_format = "#,##0.00" if scale <= 2 else "0." + "0" * scale
            cells.append(cell)
        sheet.append(cells)
    book.save(path)


def write(data: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "csv":
        pa_csv.write_csv(data, path)
    elif fmt == "parquet":
        pq.write_table(data, path)
    else:
        _write_excel(data, path)


def export(what: str, path: str | Path, *, user: Any = None, run_id: str | None = None,
           fmt: str | None = None, unrestricted: bool = False,
           url: str | None = None) -> int:
    """Write ``what`` (earnings, statements, measures, credits, targets or quotas) to ``path``;
    return the rows written. Rows are limited to the people ``user`` may see, unless
    ``unrestricted`` (the command line run by an operator)."""
    path = Path(path)
    chosen = _format_of(path, fmt)
    if what not in WHAT:
        raise ExportError(f"cannot export {what!r}: choose one of {', '.join(WHAT)}")
    if what == "targets":
        data = _targets(_visible(user, dt.date.today(), unrestricted))
    elif what == "quotas":
        data = _current_quotas(_visible(user, dt.date.today(), unrestricted))
    else:
        from attain.engine.models import CalculationRun

        run = CalculationRun.objects.filter(run_id=run_id or engine_run.latest_run()).first()
        day = run.period_end if run else dt.date.today()
        data, _ = _results(what, run_id, _visible(user, day, unrestricted), url)
    path.parent.mkdir(parents=True, exist_ok=True)
    write(data, path, chosen)
    return data.num_rows
