"""What an import tells its user: every problem with its place, and what changed.

Problems are plain values (file, row, column, value, reason), collected rather than raised,
so a file's errors are all reported at once. The report is the same thing for the CLI
(text or ``--json``), the upload page and the downloadable CSV.

This module must never raise for a bad file: problems are data here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR_LIMIT = 1000
"""Errors listed in full; beyond this only the count is given."""


@dataclass(frozen=True)
class Issue:
    """One problem: where it is and why it is one."""

    file: str
    row: int
    """Row as a spreadsheet numbers it: the header is row 1 (0 when it is the whole file)."""
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        if self.column:
            where += f", column {self.column}"
        value = f" {self.value!r}:" if self.value else ":"
        return f"{where}:{value} {self.reason}"


@dataclass
class ImportReport:
    """The outcome of one import (or dry run)."""

    kind: str
    file: str
    dry_run: bool = False
    rows: int = 0
    """Data rows read from the file."""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    """Rows the mapping's skip rules left out (not errors)."""
    rejected: int = 0
    """Rows with at least one error."""
    error_count: int = 0
    errors: list[Issue] = field(default_factory=list)
    """The first :data:`ERROR_LIMIT` errors, in row order."""
    notes: list[str] = field(default_factory=list)
    """What the importer decided on its own (encoding, delimiter, skipped rows)."""
    loaded: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["errors_truncated"] = self.error_count > len(self.errors)
        return data

    def errors_csv(self) -> str:
        """The error list as CSV (file,row,column,value,reason), for download."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["file", "row", "column", "value", "reason"])
        for issue in self.errors:
            writer.writerow([issue.file, issue.row, issue.column, issue.value, issue.reason])
        if self.error_count > len(self.errors):
            writer.writerow([self.file, "", "", "",
                             f"… and {self.error_count - len(self.errors)} more errors"])
        return out.getvalue()

    def summary(self) -> str:
        if not self.ok:
            more = self.error_count - len(self.errors)
            tail = f" (first {len(self.errors)} listed, {more} more)" if more > 0 else ""
            return (f"{self.file}: {self.error_count} errors in {self.rejected} rows{tail}; "
                    "nothing was loaded")
        counts = (f"{self.rows} rows of {self.kind}: {self.added} added, {self.updated} "
                  f"updated, {self.unchanged} unchanged, {self.skipped} skipped")
        if self.dry_run:
            return f"{self.file}: dry run, nothing written; {counts}"
        return f"{self.file}: {counts}"
