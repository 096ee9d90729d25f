"""Importing a file: read, map, validate, then load all of it or nothing.

:func:`import_file` is the one entry point (the CLI, the upload page and notebooks call
it). The file is read into a private DuckDB, checked set-based (see
:mod:`attain.ingest.validate`), and only when it has no error at all is it written:

- warehouse kinds by natural key through :func:`attain.warehouse.load.merge_table`: in
  one transaction under the warehouse's write lock, rows new or different from what the
  warehouse holds are written and nothing else (readers see the old rows until the
  commit); a file that changes nothing writes nothing. The checked rows go over as a
  Parquet file the warehouse reads a row group at a time, so no file, however large, is
  ever in Python's memory whole;
- app-database kinds through their app's service functions, in one ``transaction.atomic``.

Every import that writes is recorded in the audit log (who, when, file, counts), and so
is every rejected file.

This module must never write a row before the whole file has passed every check, never
write the warehouse except through :mod:`attain.warehouse.load`, and never write people,
teams, quotas or territories except through their apps' services.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
from django.db import DatabaseError, transaction

from attain.core import audit
from attain.ingest import kinds as kinds_module
from attain.ingest import reading, validate
from attain.ingest.kinds import APP, Kind
from attain.ingest.mapping import HeaderProblem, Mapping, MappingError, load_mapping, staging_sql
from attain.ingest.report import ImportReport, Issue
from attain.warehouse import connection, load, schema

Progress = Callable[[str, float], None]
"""Called with what is happening and the fraction done (0 to 1)."""


def _no_progress(_message: str, _fraction: float) -> None:
    return None


class ImportFailed(Exception):
    """Raised by :func:`import_file` only with ``raise_on_error``; carries the report."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.summary())
        self.report = report


# --- what the file may refer to ------------------------------------------------------------


def _keys_table(values: list[str]) -> pa.Table:
    return pa.table({"key": pa.array(values, pa.string())})


def _warehouse_keys(url: str | None, table: str, column: str,
                    only: pa.Table | None = None) -> pa.Table:
    """The values of ``table.column`` in the warehouse (with ``only``: those of them among
    ``only``'s keys)."""
    backend = connection.connect(url)
    if table not in backend.list_tables():
        return _keys_table([])
    keys = backend.table(table).select(key=column)
    if only is not None:
        if only.num_rows == 0:
            return _keys_table([])
        keys = keys.semi_join(ibis.memtable(only), "key")
    if schema.get(table).primary_key != (column,):
        keys = keys.distinct()  # a key column is unique already
    data = keys.to_pyarrow()
    return data.cast(pa.schema([("key", pa.string())]))


def _app_keys(table: str) -> list[str] | None:
    from attain.org import services as org_services
    from attain.territories import services as territory_services

    if table == "people":
        return org_services.employee_ids()
    if table == "teams":
        return org_services.team_codes()
    if table == "territories":
        return territory_services.territory_codes()
    return None


def _register_references(con: duckdb.DuckDBPyConnection, kind: Kind, url: str | None) -> None:
    """Tables ``ref_<table>_<column>``: the keys the file's references may name.

    A kind that refers to itself (a refund naming the order it reverses) fetches only the
    keys its file mentions: the whole table would be every transaction ever imported."""
    for field in kind.fields:
        if not field.references:
            continue
        table, column = field.references.split(".")
        name = f"ref_{table}_{column}"
        if name in _registered_names(con):
            continue
        app = _app_keys(table)
        if app is not None:
            data = _keys_table(app)
        elif table == kind.name:
            mentioned = con.execute(
                f'SELECT DISTINCT CAST("{field.name}" AS VARCHAR) AS key FROM staged '
                f'WHERE "{field.name}" IS NOT NULL').to_arrow_table()
            data = _warehouse_keys(url, table, column, only=mentioned)
        else:
            data = _warehouse_keys(url, table, column)
        con.register(name, data)


def _registered_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}


def _register_lookups(con: duckdb.DuckDBPyConnection, lookups: set[str],
                      url: str | None) -> None:
    """Tables ``lookup_<name>`` (key → id) and ``lookup_<name>_ambiguous`` (keys naming
    more than one record), keys lower-cased and trimmed."""
    from attain.org import services as org_services

    for name in lookups:
        if name.startswith("person_"):
            people = org_services.people_names_and_emails()
            column = 1 if name == "person_by_name" else 2
            pairs = [(row[column], row[0]) for row in people]
        else:
            table = "accounts" if name == "account_by_name" else "products"
            key = "account_id" if table == "accounts" else "product_id"
            backend = connection.connect(url)
            if table in backend.list_tables():
                data = backend.table(table).select(key, "name").to_pyarrow()
                pairs = list(zip(data.column("name").to_pylist(), data.column(key).to_pylist(),
                                 strict=True))
            else:
                pairs = []
        con.register(f"lookup_pairs_{name}", pa.table({
            "name": pa.array([pair[0] for pair in pairs], pa.string()),
            "id": pa.array([pair[1] for pair in pairs], pa.string())}))
        con.execute(
            f"CREATE TABLE lookup_{name} AS SELECT lower(trim(name)) AS key, "
            f"CASE WHEN count(DISTINCT id) = 1 THEN min(id) END AS id "
            f"FROM lookup_pairs_{name} GROUP BY 1")
        con.execute(f"CREATE TABLE lookup_{name}_ambiguous AS SELECT key FROM lookup_{name} "
                    "WHERE id IS NULL")


# --- loading -------------------------------------------------------------------------------


INCOMING_BATCH_ROWS = 122_880
"""Checked rows the warehouse reads at a time (a row group of the checked-rows file):
memory stays bounded whatever the size of the file. DuckDB's own row group size: measured,
1M rows insert in 0.79 s from row groups of this size, 1.6 s from row groups of 100,000."""


def _incoming(con: duckdb.DuckDBPyConnection, kind: Kind, folder: str) -> Path:
    """The checked rows written to a Parquet file in ``folder``, and every scratch table
    dropped: the warehouse reads the file a row group at a time (as often as its merge
    needs), while the scratch database, holding nothing any more, gives back its memory."""
    columns = ", ".join(f'"{name}"' for name in kind.field_names)
    path = Path(folder) / "checked.parquet"
    quoted = str(path).replace("'", "''")
    con.execute(f"COPY (SELECT {columns} FROM typed) TO '{quoted}' "
                f"(FORMAT parquet, ROW_GROUP_SIZE {INCOMING_BATCH_ROWS})")
    found = con.execute(
        "SELECT view_name, 'VIEW' FROM duckdb_views() WHERE view_name IN ('staged', 'raw') "
        "UNION ALL SELECT table_name, 'TABLE' FROM duckdb_tables()").fetchall()
    for name, what in found:  # views first: they read the tables
        con.execute(f'DROP {what} "{name}"')
    return path


def _app_rows(con: duckdb.DuckDBPyConnection, kind: Kind) -> list[dict[str, Any]]:
    """The typed rows in file order, each with ``_row`` (its row in the file) so the
    owning service can name the row of a problem only it can see."""
    columns = ", ".join(["_row", *(f'"{name}"' for name in kind.field_names)])
    data = con.execute(f"SELECT {columns} FROM typed ORDER BY _row").to_arrow_table()
    rows: list[dict[str, Any]] = data.to_pylist()
    return rows


def _record(report: ImportReport, user: Any) -> None:
    audit.record(actor=user, action="import", object_type=f"ingest.{report.kind}",
                 object_repr=report.file[:200],
                 after={"kind": report.kind, "file": report.file, "rows": report.rows,
                        "added": report.added, "updated": report.updated,
                        "unchanged": report.unchanged, "skipped": report.skipped,
                        "rejected": report.rejected})


def _load_app(kind: Kind, rows: list[dict[str, Any]], report: ImportReport, *, user: Any,
              dry_run: bool, approve: bool = False) -> None:
    from attain.org import services as org_services
    from attain.targets import services as target_services
    from attain.territories import services as territory_services

    today = dt.date.today()
    loaders: dict[str, Callable[[], tuple[int, int, int]]] = {
        "people": lambda: org_services.upsert_people(rows=rows, today=today, actor=user),
        "teams": lambda: org_services.upsert_teams(rows=rows, today=today, actor=user),
        "quotas": lambda: target_services.upsert_quotas(rows=rows, approve=approve,
                                                        actor=user),
        "territory_assignments": lambda: territory_services.upsert_assignments(rows=rows,
                                                                               actor=user),
    }
    try:
        with transaction.atomic():
            report.added, report.updated, report.unchanged = loaders[kind.name]()
            if dry_run:
                transaction.set_rollback(True)
            else:
                _record(report, user)
    except target_services.QuotaRowsError as error:
        # What only the quota service can check (owners, period labels, metrics).
        report.errors = [Issue(report.file, problem.row, problem.column, problem.value,
                               problem.message) for problem in error.errors]
        report.error_count = len(report.errors)
        report.rejected = len({problem.row for problem in error.errors})


# --- the entry point -----------------------------------------------------------------------


def import_file(
    kind: str,
    path: str | Path,
    mapping: str | Path | Mapping | None = None,
    dry_run: bool = False,
    user: Any = None,
    progress: Progress | None = None,
    *,
    warehouse_url: str | None = None,
    file_name: str | None = None,
    approve: bool = False,
) -> ImportReport:
    """Import ``path`` as ``kind`` (optionally through a mapping); never raises for bad data.

    Every problem comes back in the report, with file, row, column, value and reason; a
    file with any problem loads nothing, and (unless a dry run) its rejection is in the
    audit log too, so the import history shows every attempt. ``dry_run`` checks
    everything (for app kinds the writes are made and rolled back) and writes nothing.
    Quotas arrive as drafts to approve unless ``approve`` (or a row's status says so).
    """
    report = _import_file(kind, path, mapping, dry_run, user, progress,
                          warehouse_url=warehouse_url, file_name=file_name, approve=approve)
    if not report.ok and not dry_run and report.kind in kinds_module.KINDS_BY_NAME:
        audit.record(actor=user, action="import_rejected",
                     object_type=f"ingest.{report.kind}", object_repr=report.file[:200],
                     after={"kind": report.kind, "file": report.file, "rows": report.rows,
                            "rejected": report.rejected, "errors": report.error_count},
                     reason=str(report.errors[0]) if report.errors else "")
    return report


def _import_file(
    kind: str,
    path: str | Path,
    mapping: str | Path | Mapping | None = None,
    dry_run: bool = False,
    user: Any = None,
    progress: Progress | None = None,
    *,
    warehouse_url: str | None = None,
    file_name: str | None = None,
    approve: bool = False,
) -> ImportReport:
    path = Path(path)
    progress = progress or _no_progress
    display = file_name or path.name
    report = ImportReport(kind=kind, file=display, dry_run=dry_run)

    def fail(issues: list[Issue], rows: int = 0) -> ImportReport:
        report.errors = issues
        report.error_count = len(issues)
        report.rejected = rows
        return report

    try:
        if isinstance(mapping, str | Path):
            mapping = load_mapping(Path(mapping))
        the_kind = kinds_module.get(kind)
        if mapping is not None and kinds_module.get(mapping.kind).name != the_kind.name:
            return fail([Issue(display, 0, "", "", f"the mapping is for {mapping.kind}, "
                               f"not {kind}")])
    except (MappingError, kinds_module.UnknownKind) as error:
        return fail([Issue(display, 0, "", "", str(error.args[0]))])
    report.kind = the_kind.name
    progress("reading", 0.0)
    with reading.scratch() as con:
        try:
            raw = reading.read_into(con, path, file_name=display,
                                    encoding=mapping.encoding if mapping else None,
                                    delimiter=mapping.delimiter if mapping else None)
        except reading.FileProblem as error:
            return fail([Issue(display, 0, "", "", str(error))])
        report.rows = raw.rows
        if raw.encoding and raw.encoding not in ("xlsx", "parquet"):
            report.notes.append(f"read as {raw.encoding}, delimiter {raw.delimiter!r}")
        try:
            staging = staging_sql(the_kind, raw.header, mapping)
        except HeaderProblem as problem:
            return fail(raw.issues + [Issue(display, 1, column, "", reason)
                                      for column, reason in problem.problems])
        except MappingError as error:
            return fail([*raw.issues, Issue(display, 0, "", "", str(error))])
        progress("checking", 0.2)
        lookups = {spec.lookup for spec in staging.values() if spec.lookup}
        _register_lookups(con, lookups, warehouse_url)
        try:
            report.skipped = validate.stage(con, the_kind, staging, mapping, raw.header)
            _register_references(con, the_kind, warehouse_url)
            count, issues = validate.check(con, the_kind, staging, file_name=display)
        except duckdb.Error as error:
            return fail([*raw.issues, Issue(display, 0, "", "",
                                            f"the file could not be checked: {error}")])
        if report.skipped and mapping is not None:
            rules = [f"empty {', '.join(mapping.skip_when_empty)}"] if mapping.skip_when_empty \
                else []
            rules += ["identical rows merged"] if mapping.distinct else []
            rules += ["later rows with a key already seen"] \
                if mapping.duplicates == "first" else []
            report.notes.append(f"{report.skipped} rows left out by the mapping "
                                f"({'; '.join(rules)})")
        if raw.issues or count:
            all_issues = sorted(raw.issues + issues, key=lambda issue: issue.row)
            report.errors = all_issues[: validate.ERROR_LIMIT]
            report.error_count = len(raw.issues) + count
            report.rejected = len({issue.row for issue in raw.issues}) + \
                validate.rejected_rows(con)
            return report
        progress("loading", 0.6)
        try:
            if the_kind.store == APP:
                rows = _app_rows(con, the_kind)
                _load_app(the_kind, rows, report, user=user, dry_run=dry_run,
                          approve=approve)
                if not report.ok:
                    return report
            else:
                stages = {"comparing": 0.7, "writing": 0.8, "committing": 0.95}
                with tempfile.TemporaryDirectory(prefix="attain-import-rows-") as folder:
                    merged = load.merge_table(
                        the_kind.name, _incoming(con, the_kind, folder), url=warehouse_url,
                        dry_run=dry_run, on_stage=lambda stage: progress(stage, stages[stage]))
                report.added, report.updated, report.unchanged = (
                    merged.added, merged.updated, merged.unchanged)
        except (load.LoadError, DatabaseError) as error:
            return fail([Issue(display, 0, "", "", f"nothing was loaded: {error}")])
    report.loaded = not dry_run
    if the_kind.store != APP and not dry_run:
        try:
            _record(report, user)
        except DatabaseError as error:
            # the rows are in: saying otherwise would have them imported twice
            report.notes.append("the rows were loaded, but the import could not be written "
                                f"to the audit log: {error}")
    progress("done", 1.0)
    return report
