"""Job kinds started from pages. Each is a plain function; :mod:`attain.core.jobs` queues it."""

from __future__ import annotations

from typing import Any

from attain.core import jobs
from attain.engine import run as engine_run

RUN_STEPS = 9
"""About how many progress messages a run sends (for the bar; the last step is 'done')."""


@jobs.kind("calculate")
def calculate(params: dict[str, Any], report: jobs.Report, user: Any) -> dict[str, Any]:
    """A calculation run of one period (optionally one plan), reporting each stage."""
    told = 0

    def progress(text: str) -> None:
        nonlocal told
        told += 1
        report(text, min(0.95, told / RUN_STEPS))

    result = engine_run.run(period=params["period"], plan=params.get("plan") or None,
                            actor=user, progress=progress)
    return {"run_id": result.run_id, "period": result.period, "totals": result.totals,
            "seconds": round(result.seconds, 2)}


@jobs.kind("import")
def import_file(params: dict[str, Any], report: jobs.Report, user: Any) -> dict[str, Any]:
    """Import an uploaded file; the report (counts, every error located) is the result."""
    from attain.ingest import services as ingest

    outcome = ingest.import_file(params["kind"], params["path"],
                                 mapping=params.get("mapping") or None,
                                 dry_run=bool(params.get("dry_run")), user=user,
                                 progress=report, file_name=params.get("file_name"))
    result = outcome.to_json()
    result["summary"] = outcome.summary()
    result["errors_csv"] = outcome.errors_csv()
    return result


@jobs.kind("payrun")
def pay_run(params: dict[str, Any], report: jobs.Report, user: Any) -> dict[str, Any]:
    """Calculate (or recalculate) a period's pay run: the engine run, then the payouts."""
    from attain.payouts import lifecycle

    told = 0

    def progress(text: str) -> None:
        nonlocal told
        told += 1
        report(text, min(0.95, told / (RUN_STEPS + 3)))

    summary = lifecycle.calculate(period=params["period"], actor=user, progress=progress)
    return {"period": summary.period, "state": summary.state, "payees": summary.payees,
            "run_id": summary.calculation_run_id,
            "totals": {c: str(v) for c, v in summary.payable.items()}, "seconds": ""}


@jobs.kind("whatif")
def what_if(params: dict[str, Any], report: jobs.Report, user: Any) -> dict[str, Any]:
    """A draft plan version against the published run of a period, payee by payee."""
    from attain.payouts import whatif as whatif_services
    from attain.plans.models import PlanVersion

    version = PlanVersion.objects.get(pk=params["version"])
    report("calculating the draft against the published run", 0.2)
    result = whatif_services.whatif(viewer=user, plan_text=version.document,
                                    period=params["period"])
    return result.as_json()
