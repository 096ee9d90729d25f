"""``attain import KIND FILE [--mapping M] [--dry-run] [--approve] [--json]
[--errors-csv OUT]``."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from attain.ingest import kinds, services


class Command(BaseCommand):
    help = "Import a CSV, Excel or Parquet file of one kind; nothing is loaded if any row is bad."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", help="one of: " + ", ".join(k.name for k in kinds.KINDS))
        parser.add_argument("file", help="the .csv, .xlsx or .parquet file")
        parser.add_argument("--mapping", default=None, help="a YAML column mapping")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--approve", action="store_true",
                            help="quotas: approve the imported quotas (default: drafts)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--errors-csv", default=None,
                            help="also write the error report to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), console=console,
                      transient=True, disable=options["json"] or not console.is_terminal
                      ) as bar:
            task = bar.add_task("import", total=1.0)
            report = services.import_file(
                options["kind"], options["file"], mapping=options["mapping"],
                dry_run=options["dry_run"], approve=options["approve"],
                progress=lambda text, done: bar.update(task, description=text, completed=done))
        if options["errors_csv"]:
            Path(options["errors_csv"]).write_text(report.errors_csv(), encoding="utf-8")
        if options["json"]:
            self.stdout.write(json.dumps(report.to_json(), indent=2, default=str))
        else:
            for note in report.notes:
                self.stdout.write(f"note: {note}")
            for issue in report.errors:
                self.stdout.write(str(issue))
            self.stdout.write(report.summary())
        if not report.ok:
            if options["json"]:
                sys.exit(1)
            raise CommandError(f"{report.error_count} errors; nothing was loaded")
