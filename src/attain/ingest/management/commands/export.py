"""``attain export WHAT FILE [--run RUN_ID] [--format csv|xlsx|parquet] [--user NAME]``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from attain.ingest import exports


class Command(BaseCommand):
    help = ("Export a run's earnings, statements, measures or credits, the targets (every "
            "quota version) or the quotas in force (re-importable), to CSV, Excel or Parquet; "
            "--user limits it to what that user may see.")

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("what", choices=exports.WHAT)
        parser.add_argument("file", help="where to write (.csv, .xlsx or .parquet)")
        parser.add_argument("--run", default=None, help="run id (default: the latest run)")
        parser.add_argument("--format", default=None, choices=exports.FORMATS)
        parser.add_argument("--user", default=None,
                            help="export only what this user may see (as on the pages)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"there is no user {options['user']!r}")
        try:
            rows = exports.export(options["what"], options["file"], user=user,
                                  run_id=options["run"], fmt=options["format"],
                                  unrestricted=user is None)
        except exports.ExportError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{rows} rows of {options['what']} written to {options['file']}")
