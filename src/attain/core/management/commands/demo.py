"""``attain demo``: the demo company loaded, calculated and served."""

from __future__ import annotations

import datetime as dt
import shutil
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from attain import demo
from attain.paths import var_dir
from attain.warehouse import connection
from attain.warehouse.demo import DemoOptions


class Command(BaseCommand):
    help = "Build the demo company (reusing what is there) and serve it on 127.0.0.1:8000."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="build, then exit")
        parser.add_argument("--reset", action="store_true",
                            help="throw away the local stores and build again")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--people", type=int, default=150)
        parser.add_argument("--transactions", type=int, default=None,
                            help="order lines to generate (benchmark scale: 10000000)")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                            help="last day of history (default: today)")
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console()
        if options["reset"]:
            _reset_local_stores(console)
        demo_options = DemoOptions(
            seed=options["seed"], people=options["people"],
            transactions=options["transactions"],
            as_of=options["as_of"] or dt.date.today(),
        )
        try:
            with console.status("Building the demo company…") as status:
                result = demo.build(demo_options, reset=options["reset"],
                                    step=lambda text: status.update(f"Demo: {text}…"))
        except connection.WarehouseError as error:
            raise CommandError(str(error)) from error
        if result.reused:
            console.print("[green]The demo company is already built[/]; reusing it "
                          "(make demo-reset to start over).")
        else:
            total = sum(result.counts.values())
            console.print(f"[green]Demo company built:[/] {total:,} warehouse rows "
                          f"({result.counts.get('transactions', 0):,} transactions).")
        if result.runs:
            made = ", ".join(f"{period} ({seconds:.1f} s)" for period, _id, seconds in result.runs)
            console.print(f"Calculated: {made}.")
        table = Table(title=f"Demo logins (password: {demo.DEMO_PASSWORD})")
        table.add_column("username")
        table.add_column("role")
        table.add_column("person")
        for username, role, name in result.logins:
            table.add_row(username, role, name)
        console.print(table)
        if not options["no_serve"]:
            console.print(f"Serving on http://{options['addr']}/ (Ctrl+C to stop)")
            call_command("serve", addr=options["addr"])


def _reset_local_stores(console: Console) -> None:
    """Delete the embedded stores under var/ (never a PostgreSQL database)."""
    connection.disconnect()
    folder = var_dir()
    for name in ("warehouse.duckdb", "warehouse.duckdb.wal", "warehouse.duckdb.writelock",
                 "attain.sqlite3", "attain.sqlite3-wal", "attain.sqlite3-shm", "demo.json"):
        path = folder / name
        if path.exists():
            path.unlink()
    static = folder / "static"
    if static.exists():
        shutil.rmtree(static)
    console.print(f"Removed the local stores in {folder}.")
