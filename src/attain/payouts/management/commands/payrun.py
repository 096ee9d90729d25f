"""``attain payrun ACTION --period P``: a pay run's lifecycle and finance files.

Actions: ``calculate``, ``approve --level manager|finance --as USER``, ``pay``, ``close``,
``show``, ``payroll --output FILE`` (CSV or .xlsx, approved payouts only) and ``accruals
--output FILE``. Approvals need the user who approves (``--as``): the log says who did it.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from attain.engine.errors import EngineError
from attain.payouts import exports, finance, lifecycle
from attain.payouts.errors import PayoutError
from attain.payouts.statements import OPERATOR
from attain.warehouse.connection import WarehouseError

ACTIONS = ("calculate", "approve", "pay", "close", "show", "payroll", "accruals")


def _write(path: Path, title: str, header: tuple[str, ...], rows: list[tuple[object, ...]],
           money: list[int]) -> None:
    data = (exports.rows_xlsx(title, header, rows, money_columns=money)
            if path.suffix.lower() == ".xlsx" else exports.rows_csv(header, rows))
    path.write_bytes(data)


class Command(BaseCommand):
    help = "Calculate, approve, pay and close a period's pay run; export payroll and accruals."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("--period", default=None, help="e.g. 2026-Q1")
        parser.add_argument("--level", choices=("manager", "finance"), default=None)
        parser.add_argument("--as", dest="username", default=None,
                            help="the user who approves, pays or closes")
        parser.add_argument("--payee", action="append", default=None,
                            help="approve only these payees (repeatable)")
        parser.add_argument("--output", default=None, help="file for payroll or accruals")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        period = options["period"]
        if period is None and action != "accruals":
            raise CommandError(f"{action} needs --period")
        actor = None
        if options["username"]:
            actor = get_user_model().objects.filter(username=options["username"]).first()
            if actor is None:
                raise CommandError(f"no user {options['username']!r}")
        console = Console(stderr=options["json"])
        try:
            if action == "calculate":
                with console.status("Calculating…") as status:
                    result = lifecycle.calculate(
                        period=period, actor=actor,
                        progress=lambda text: status.update(f"Pay run: {text}…"))
            elif action == "approve":
                if actor is None or options["level"] is None:
                    raise CommandError("approve needs --level and --as USER")
                done = lifecycle.approve(period=period, actor=actor, level=options["level"],
                                         employee_ids=options["payee"])
                console.print(f"approved {len(done)} payee(s) at {options['level']} level")
                result = lifecycle.summary(period)
            elif action == "pay":
                result = lifecycle.mark_paid(period=period, actor=actor)
            elif action == "close":
                result = lifecycle.close(period=period, actor=actor)
            elif action == "show":
                result = lifecycle.summary(period)
            else:
                self._export(action, period, options["output"], actor)
                return
        except PermissionDenied as error:
            raise CommandError(f"not allowed: {error}") from error
        except (PayoutError, EngineError, WarehouseError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps({
                "period": result.period, "state": result.state,
                "calculation_run_id": result.calculation_run_id, "payees": result.payees,
                "earned": {k: str(v) for k, v in result.earned.items()},
                "payable": {k: str(v) for k, v in result.payable.items()},
                "paid": {k: str(v) for k, v in result.paid.items()}}, indent=2))
            return
        money = ", ".join(f"{v:,.2f} {k}" for k, v in sorted(result.payable.items()))
        self.stdout.write(f"{result.period}: {result.state}, {result.payees} payees, payable "
                          f"{money or 'nothing'} (run {result.calculation_run_id})")

    def _export(self, action: str, period: str | None, output: str | None, actor: Any) -> None:
        if output is None:
            raise CommandError(f"{action} needs --output FILE (.csv or .xlsx)")
        viewer = actor or OPERATOR
        path = Path(output)
        if action == "payroll":
            assert period is not None
            payroll = finance.payroll(viewer=viewer, period=period)
            _write(path, "Payroll", finance.PAYROLL_HEADER, [r.as_row() for r in payroll], [3])
            self.stdout.write(f"{len(payroll)} payroll rows written to {path}")
        else:
            accruals = finance.accruals(viewer=viewer)
            _write(path, "Accruals", finance.ACCRUAL_HEADER, [r.as_row() for r in accruals],
                   [4, 5, 6, 7, 8])
            self.stdout.write(f"{len(accruals)} accrual rows written to {path}")
