"""Reading an uploaded file into a private DuckDB table of text, row numbers kept.

Every format ends up the same way: a table ``raw`` in a throwaway in-memory DuckDB
connection, one VARCHAR column per header cell (named ``c0``, ``c1``, … so no header text
is ever spliced into SQL), and ``_row``, the row number as a spreadsheet shows it (the
header is row 1). Types are decided later, by validation, so a bad value is reported with
the text the user wrote.

CSV: the encoding is detected (a BOM; else UTF-8 if DuckDB reads the whole file as UTF-8
(it refuses invalid bytes), so most files are never decoded in Python; else, when that
read fails, UTF-8 if the whole file decodes; else Windows-1252; else Latin-1) and non-UTF-8
files are transcoded into a temporary UTF-8 copy in chunks; the delimiter is sniffed among
``, ; TAB |``. DuckDB reads the file in parallel and sets aside rows with the wrong number
of fields or broken quoting, which become errors with their line. Excel (.xlsx) is read
with openpyxl in streaming mode (first sheet), a batch of rows at a time, so a large sheet
never sits in Python's memory whole; Parquet by DuckDB.

This module must never load anything anywhere: it only reads.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from attain.ingest.report import Issue

_CHUNK = 1 << 23
_DELIMITERS = ",;\t|"
MAX_LINE_BYTES = 8 << 20
"""A field or line longer than this is refused (a runaway quote, most often)."""


class FileProblem(Exception):
    """The file as a whole cannot be read (empty, no header, unknown format)."""


@dataclass
class RawFile:
    """What reading produced: the header, and problems found while reading."""

    header: list[str]
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    issues: list[Issue] = field(default_factory=list)
    """Rows set aside by the reader (ragged, broken quoting, too long), with their line."""


def column_name(index: int) -> str:
    return f"c{index}"


# --- encodings -----------------------------------------------------------------------------


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decodes_as(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """The encoding of a text file: by BOM, else UTF-8, else Windows-1252, else Latin-1."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    for name in ("utf-8", "cp1252"):
        if _decodes_as(path, name):
            return name
    return "latin-1"


def _transcoded(path: Path, encoding: str, folder: str) -> Path:
    """A UTF-8 copy of ``path`` (without BOM), written a chunk at a time."""
    target = Path(folder) / "utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with open(path, "rb") as source, open(target, "w", encoding="utf-8", newline="") as out:
        while chunk := source.read(_CHUNK):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))
    return target


def _head_text(path: Path, size: int = 1 << 16) -> str:
    with open(path, "rb") as handle:
        data = handle.read(size)
    return data.decode("utf-8", errors="ignore").lstrip("\ufeff")


def detect_delimiter(sample: str) -> str:
    """The delimiter among ``, ; TAB |`` that splits the sample most consistently."""
    lines = sample.splitlines()[:50]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines = lines[:-1]  # the sample may end in the middle of a line
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        counts = {delimiter: (lines[0].count(delimiter) if lines else 0)
                  for delimiter in _DELIMITERS}
        best = max(counts, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","


# --- readers -------------------------------------------------------------------------------


def _check_header(header: list[str], file_name: str) -> list[Issue]:
    issues = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name.strip():
            issues.append(Issue(file_name, 1, f"column {index + 1}", "",
                                "the header cell is empty"))
        elif name.strip() in seen:
            issues.append(Issue(file_name, 1, name, name,
                                f"the column appears twice (columns {seen[name.strip()] + 1} "
                                f"and {index + 1})"))
        else:
            seen[name.strip()] = index
    return issues


def _bom_encoding(path: Path) -> str | None:
    with open(path, "rb") as handle:
        head = handle.read(4)
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


_UTF8 = ("utf-8", "utf-8-sig", "ascii")


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, file_name: str,
              encoding: str | None, delimiter: str | None) -> RawFile:
    encoding = encoding or _bom_encoding(path)
    with tempfile.TemporaryDirectory(prefix="attain-import-") as folder:
        if encoding is None:
            # Most files are UTF-8: DuckDB reads them as such and refuses bytes that are not,
            # so only a file whose first read fails is decoded in Python, to find out why.
            read = _read_text_csv(con, path, file_name, "utf-8", delimiter, strict_only=True)
            if read is not None:
                return read
            encoding = detect_encoding(path)
        readable = path
        if encoding not in _UTF8:
            try:
                readable = _transcoded(path, encoding, folder)
            except UnicodeDecodeError as error:
                raise FileProblem(f"the file is not {encoding}: {error.reason} at byte "
                                  f"{error.start}") from None
        read = _read_text_csv(con, readable, file_name, encoding, delimiter, strict_only=False)
        assert read is not None
        return read


def _read_text_csv(con: duckdb.DuckDBPyConnection, readable: Path, file_name: str,
                   encoding: str, delimiter: str | None, *, strict_only: bool) -> RawFile | None:
    """Read a UTF-8 file into ``raw``; with ``strict_only``, None when any row is broken
    (nothing is created then), else broken rows are set aside as issues."""
    sample = _head_text(readable)
    if not sample.strip():
        raise FileProblem("the file is empty: a header row is needed")
    delimiter = delimiter or detect_delimiter(sample)
    first_line = sample.splitlines()[0]
    header = next(csv.reader([first_line], delimiter=delimiter))
    header = [name.strip() for name in header]
    issues = _check_header(header, file_name)
    columns = {column_name(index): "VARCHAR" for index in range(len(header))}
    columns_sql = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in columns) + "}"
    quoted_path = str(readable).replace("'", "''")
    quoted_delimiter = delimiter.replace("'", "''")
    read = (f"read_csv('{quoted_path}', header = true, auto_detect = false, "
            f"columns = {columns_sql}, delim = '{quoted_delimiter}', quote = '\"', "
            f"escape = '\"', strict_mode = true, null_padding = false, "
            f"max_line_size = {MAX_LINE_BYTES}, parallel = true")
    rejects: list[tuple[Any, ...]] = []
    try:
        # a well-formed file reads in one pass; only a file with broken rows is read
        # again, setting those rows aside to report each with its line
        con.execute(f"CREATE TABLE raw_read AS SELECT * FROM {read})")
    except duckdb.Error:
        if strict_only:
            return None
        try:
            con.execute(f"CREATE TABLE raw_read AS SELECT * FROM {read}, "
                        "store_rejects = true)")
            rejects = con.execute(
                "SELECT DISTINCT ON (line) line, error_type, error_message, csv_line "
                "FROM reject_errors ORDER BY line").fetchall()
        except duckdb.Error as error:
            raise FileProblem("the file cannot be read as CSV: "
                              f"{_first_line(str(error))}") from None
    for line, _type, message, text in rejects:
        issues.append(Issue(file_name, int(line), "", _short(text or ""),
                            f"the row cannot be read: {message}"))
    # Rows set aside shift the numbering of the rows after them.
    rejected_lines = sorted(int(line) for line, *_ in rejects)
    _number_rows(con, rejected_lines)
    [(count,)] = con.execute("SELECT count(*) FROM raw").fetchall()
    return RawFile(header, encoding, delimiter, int(count), issues)


def _number_rows(con: duckdb.DuckDBPyConnection, rejected_lines: list[int]) -> None:
    """``raw`` = ``raw_read`` with ``_row``: the spreadsheet row (header = 1) of each row."""
    if not rejected_lines:
        con.execute("CREATE VIEW raw AS SELECT rowid + 2 AS _row, * FROM raw_read")
    else:
        # the n-th kept row is row n + 2 + (rejected rows numbered at or before it)
        con.execute("CREATE TEMP TABLE rejected_lines (line BIGINT)")
        con.executemany("INSERT INTO rejected_lines VALUES (?)", [[x] for x in rejected_lines])
        con.execute(
            "CREATE TABLE raw AS WITH kept AS (SELECT rowid AS k, * FROM raw_read), "
            "ranked AS (SELECT line - 2 - (row_number() OVER (ORDER BY line) - 1) AS k_at, "
            "row_number() OVER (ORDER BY line) AS skipped FROM rejected_lines) "
            "SELECT kept.k + 2 + coalesce((SELECT max(skipped) FROM ranked "
            "WHERE ranked.k_at <= kept.k), 0) AS _row, kept.* EXCLUDE (k) FROM kept"
        )


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _short(text: str, limit: int = 200) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= limit else text[:limit] + "…"


def _cell_text(value: object) -> str | None:
    """An Excel cell as the text a person would type, never via a lossy float format."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep="T")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: what was typed
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


EXCEL_BATCH_ROWS = 50_000
"""Rows of a sheet held in Python at a time before they go into the scratch database."""


def _append_rows(con: duckdb.DuckDBPyConnection, numbers: list[int],
                 columns: list[list[str | None]]) -> None:
    """Append a batch of sheet rows to ``raw`` and empty the lists for the next batch."""
    if not numbers:
        return
    data = pa.table({"_row": pa.array(numbers, pa.int64()),
                     **{column_name(i): pa.array(values, pa.string())
                        for i, values in enumerate(columns)}})
    con.register("excel_rows", data)
    con.execute("INSERT INTO raw SELECT * FROM excel_rows")
    con.unregister("excel_rows")
    numbers.clear()
    for values in columns:
        values.clear()


def _read_excel(con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> RawFile:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a file that is not xlsx
        raise FileProblem(f"the file cannot be read as Excel (.xlsx): {error}") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise FileProblem("the first sheet is empty: a header row is needed")
        header = [(_cell_text(cell) or "").strip() for cell in first]
        while header and not header[-1]:
            header.pop()
        width = len(header)
        con.execute("CREATE TABLE raw (_row BIGINT" + "".join(
            f", {column_name(i)} VARCHAR" for i in range(width)) + ")")
        columns: list[list[str | None]] = [[] for _ in range(width)]
        numbers: list[int] = []
        issues: list[Issue] = []
        count = 0
        for number, row in enumerate(rows, start=2):
            cells = [_cell_text(cell) for cell in row]
            if all(cell is None or not cell.strip() for cell in cells):
                continue
            extra = [cell for cell in cells[width:] if cell is not None and cell.strip()]
            if extra:
                issues.append(Issue(file_name, number, "", extra[0],
                                    "the row has values beyond the last header column"))
            cells = (cells + [None] * width)[:width]
            for index, cell in enumerate(cells):
                columns[index].append(cell)
            numbers.append(number)
            count += 1
            if len(numbers) >= EXCEL_BATCH_ROWS:
                _append_rows(con, numbers, columns)
        _append_rows(con, numbers, columns)
    finally:
        book.close()
    return RawFile(header, "xlsx", "", count, _check_header(header, file_name) + issues)


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, file_name: str) -> RawFile:
    quoted = str(path).replace("'", "''")
    try:
        names = [row[0] for row in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet('{quoted}')").fetchall()]
        casts = ", ".join(
            f'CAST("{name.replace(chr(34), chr(34) * 2)}" AS VARCHAR) AS {column_name(i)}'
            for i, name in enumerate(names))
        con.execute(f"CREATE TABLE raw AS SELECT file_row_number + 2 AS _row, {casts} "
                    f"FROM read_parquet('{quoted}', file_row_number = true)")
    except duckdb.Error as error:
        raise FileProblem(f"the file cannot be read as Parquet: {_first_line(str(error))}") \
            from None
    [(count,)] = con.execute("SELECT count(*) FROM raw").fetchall()
    return RawFile(names, "parquet", "", int(count), _check_header(names, file_name))


FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "excel", ".xlsm": "excel",
           ".parquet": "parquet", ".pq": "parquet"}


def file_format(path: Path) -> str:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise FileProblem(f"unknown file type {path.suffix or '(none)'}: use .csv, .xlsx or "
                          ".parquet") from None


def read_into(con: duckdb.DuckDBPyConnection, path: Path, *, file_name: str,
              encoding: str | None = None, delimiter: str | None = None) -> RawFile:
    """Read ``path`` into table ``raw`` of ``con`` (all text, plus ``_row``)."""
    if not path.is_file():
        raise FileProblem(f"there is no file {path}")
    kind = file_format(path)
    if kind == "excel":
        return _read_excel(con, path, file_name)
    if kind == "parquet":
        return _read_parquet(con, path, file_name)
    return _read_csv(con, path, file_name, encoding, delimiter)


SCRATCH_MEMORY = os.environ.get("ATTAIN_IMPORT_MEMORY", "2GB")
"""Memory an import's checking may hold; beyond it DuckDB spills to a temporary folder."""


@contextmanager
def scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    """A private in-memory DuckDB for one import's reading and checking, its memory bounded
    (large files spill to a temporary folder, removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="attain-import-spill-") as spill:
        con = duckdb.connect(":memory:", config={
            "threads": str(max(os.cpu_count() or 1, 1)), "memory_limit": SCRATCH_MEMORY,
            "temp_directory": spill})
        con.execute("SET enable_progress_bar = false")  # the import reports its progress
        try:
            yield con
        finally:
            con.close()
