"""Build the demo company end to end: app database, warehouse, calculations.

``attain demo`` calls :func:`build`; tests call it too. Reuses what is there: a marker file
(``var/demo.json``) records the options and the warehouse fingerprint of the last build, and
a build with the same options and an intact warehouse does nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

from attain.org import services as org_services
from attain.paths import var_dir
from attain.plans import services as plan_services
from attain.targets import services as target_services
from attain.warehouse import connection, load
from attain.warehouse.demo import DEMO_LOGINS, DemoOptions, generate

DEMO_PASSWORD = "attain-demo"
"""The demo logins' password: printed by ``attain demo``; never used outside the demo."""


@dataclass(frozen=True)
class DemoResult:
    reused: bool
    counts: dict[str, int]
    runs: list[tuple[str, str, float]]
    """(period, run id, seconds) of the calculations made."""
    logins: list[tuple[str, str, str]]
    """(username, role, person's name) of the demo logins."""


def marker_path() -> Path:
    return var_dir() / "demo.json"


def _options_key(options: DemoOptions) -> dict[str, object]:
    return {"seed": options.seed, "people": options.people,
            "transactions": options.transactions, "split_share": options.split_share,
            "warehouse": connection.configured_url()}


def _marker_matches(options: DemoOptions) -> bool:
    path = marker_path()
    if not path.exists():
        return False
    try:
        marker = json.loads(path.read_text())
        if marker.get("options") != _options_key(options):
            return False
        counts = load.table_counts()
    except Exception:  # an unreadable marker, a missing table or warehouse: build again
        return False
    return counts.get("transactions", 0) == marker.get("counts", {}).get("transactions")


def logins() -> list[tuple[str, str, str]]:
    from attain.org.models import Person

    found = []
    for username in DEMO_LOGINS:
        person = Person.objects.filter(user__username=username).first()
        if person is not None:
            found.append((username, person.get_access_role_display(), person.name))
    return found


def build(options: DemoOptions, *, reset: bool = False,
          step: Callable[[str], None] | None = None) -> DemoResult:
    """Migrate, generate and load the demo company unless an identical one is there."""
    tell = step or (lambda _text: None)
    tell("migrating the app database")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not reset and _marker_matches(options):
        marker = json.loads(marker_path().read_text())
        return DemoResult(reused=True, counts=marker["counts"], logins=logins(),
                          runs=[(str(r[0]), str(r[1]), float(r[2]))
                                for r in marker.get("runs", [])])
    company = generate(options, progress=lambda text: tell(f"generating {text}"))
    tell("loading people, teams, quotas and plans into the app database")
    org_services.load_org(org=company.org, password=DEMO_PASSWORD)
    target_services.load_person_quotas(quotas=company.quotas)
    plan_services.load_demo_plans()
    tell("loading the warehouse")
    load.create_tables(replace=True)
    counts = load.load_tables(company.tables, replace=True)
    runs = calculate_history(company.options.as_of, step=tell)
    tell("adding contests, badges and kudos")
    from attain.engage.demo import seed as seed_engagement

    seed_engagement(as_of=company.options.as_of)
    tell("adding forecast calls")
    from attain.forecast.demo import seed as seed_forecast_calls

    seed_forecast_calls(as_of=company.options.as_of)
    marker_path().parent.mkdir(parents=True, exist_ok=True)
    marker_path().write_text(json.dumps({
        "options": _options_key(options),
        "as_of": company.options.as_of.isoformat(),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "counts": counts,
        "runs": runs,
    }, indent=2))
    return DemoResult(reused=False, counts=counts, logins=logins(), runs=runs)


def calculate_history(as_of: dt.date, *, step: Callable[[str], None] | None = None
                      ) -> list[tuple[str, str, float]]:
    """Run the engine for every quarter of the demo's history, oldest first."""
    from attain.core.company import company_calendar
    from attain.engine import run as engine_run
    from attain.plans.models import PlanVersion, VersionStatus
    from attain.warehouse.demo import history_start

    tell = step or (lambda _text: None)
    first_plan = PlanVersion.objects.filter(status=VersionStatus.PUBLISHED).order_by(
        "valid_from").values_list("valid_from", flat=True).first()
    if first_plan is None:
        return []
    since = max(history_start(as_of), first_plan)
    quarters = company_calendar().periods_between(since, as_of, "quarter")
    made = []
    for quarter in quarters:
        tell(f"calculating {quarter.label}")
        result = engine_run.run(period=quarter)
        made.append((quarter.label, result.run_id, round(result.seconds, 2)))
    return made
