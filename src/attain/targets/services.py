"""Target services: quotas (save, version, approve, allocate, export), goals, check-ins and
status. Plain functions with keyword arguments; every change is written to the audit log.

Pages and allocations save quotas through :func:`save_quotas`; the ingest app imports quota
files through :func:`upsert_quotas`, which runs the same row checks (plus the metric) and
raises :class:`QuotaRowsError` with every bad row before anything is saved (drafts unless
approved on import). Pages read :func:`current_quotas` and the status functions, which
return dataclasses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Q

from attain.core import audit
from attain.core.company import company_calendar
from attain.core.dating import holds_on
from attain.core.money import CENT, ZERO, D, round_money
from attain.core.periods import (
    FiscalCalendar,
    Period,
    PeriodError,
    PeriodKind,
)
from attain.org import services as org_services
from attain.org.models import (
    Employment,
    Person,
    Region,
    Role,
    Team,
    TeamManager,
    TeamMembership,
)
from attain.targets import actuals, alerts, allocation, goals, monitoring, smart
from attain.targets.models import CheckIn, Goal, OwnerType, Quota, QuotaStatus, StatusRecord
from attain.warehouse.demo import DemoQuota


@transaction.atomic
def load_person_quotas(*, quotas: Iterable[DemoQuota], calendar: FiscalCalendar | None = None,
                       actor: object = None) -> int:
    """Replace every person quota with ``quotas`` (approved, version 1): the demo loader."""
    calendar = calendar or company_calendar()
    people = dict(Person.objects.values_list("employee_id", "id"))
    Quota.objects.filter(owner_type=OwnerType.PERSON).delete()
    rows = []
    for quota in quotas:
        period = calendar.parse(quota.period)
        rows.append(Quota(
            metric=quota.metric, owner_type=OwnerType.PERSON, person_id=people[quota.person_id],
            period=period.label, period_start=period.start, period_end=period.end,
            amount=Decimal(quota.amount_cents) * CENT, currency=quota.currency,
            status=QuotaStatus.APPROVED,
        ))
    Quota.objects.bulk_create(rows, batch_size=2000)
    audit.record(actor=actor, action="load", object_type="targets.Quota",
                 object_repr="demo quotas", after={"quotas": len(rows)})
    return len(rows)


@transaction.atomic
def upsert_quotas(*, rows: Iterable[dict[str, Any]], approve: bool = False,
                  calendar: FiscalCalendar | None = None,
                  actor: object = None) -> tuple[int, int, int]:
    """Quotas by (metric, owner, period) (the quotas import); returns (added, updated,
    unchanged). Rows are checked as :func:`save_quotas` checks them, plus the metric, and
    a :class:`QuotaRowsError` lists every bad row (with ``_row``, its row in the file, and
    the value written) before anything is saved.

    A row arrives as a draft to approve, unless ``approve`` is given or its ``status`` says
    approved. A changed amount or currency, or an approval, makes a new version (the old
    stays); the same amount again is unchanged.
    """
    calendar = calendar or company_calendar()
    given = list(rows)
    quota_rows_in = [QuotaRow(
        metric=str(row.get("metric") or ""),
        owner="company" if row.get("owner_type") == OwnerType.COMPANY
        else f"{row.get('owner_type')}:{row.get('owner') or ''}",
        period=str(row.get("period") or ""), amount=row.get("amount") or ZERO,
        currency=str(row.get("currency") or ""), row=int(row.get("_row") or index))
        for index, row in enumerate(given, start=1)]
    checked, errors = _checked_rows(quota_rows_in, calendar, metrics=quota_metrics())
    if errors:
        raise QuotaRowsError(errors)
    added = updated = unchanged = 0
    for (row, owner, period, amount), raw in zip(checked, given, strict=True):
        latest = (Quota.objects.filter(metric=row.metric, period=period.label, **owner.fields())
                  .order_by("-version").first())
        status = QuotaStatus.APPROVED if approve or raw.get("status") == QuotaStatus.APPROVED \
            else QuotaStatus.DRAFT
        if latest is not None and (latest.amount, latest.currency) == (amount, row.currency) \
                and status in (latest.status, QuotaStatus.DRAFT):
            unchanged += 1
            continue
        quota = Quota.objects.create(
            metric=row.metric, period=period.label, period_start=period.start,
            period_end=period.end, amount=amount, currency=row.currency, status=status,
            version=1 if latest is None else latest.version + 1, **owner.fields())
        audit.record(actor=actor, action="import", obj=quota,
                     before=audit.snapshot(latest) if latest else None,
                     after=audit.snapshot(quota))
        if latest is None:
            added += 1
        else:
            updated += 1
    return added, updated, unchanged


def quota_metrics() -> frozenset[str]:
    """Metric names a quota may be set on: the catalog's metrics, the quota measures read as
    catalog metrics (``bookings``), the quotas plan components name, and any metric that
    already has a quota."""
    from attain.plans.models import PlanVersion

    names = set(actuals.QUOTA_METRICS) | set(actuals.known_metrics())
    names |= set(Quota.objects.values_list("metric", flat=True).distinct())
    for document in PlanVersion.objects.values_list("document", flat=True):
        try:
            components = (yaml.safe_load(document) or {}).get("components") or []
        except yaml.YAMLError:
            continue  # a broken draft names no quota; its own check reports it
        names |= {component["quota"] for component in components
                  if isinstance(component, dict) and isinstance(component.get("quota"), str)}
    return frozenset(names)


# --- owners ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Owner:
    """A target's owner resolved against the app database."""

    kind: str
    key: str
    person: Person | None = None
    team: Team | None = None
    region: Region | None = None

    @property
    def label(self) -> str:
        return "company" if self.kind == OwnerType.COMPANY else f"{self.kind}:{self.key}"

    def fields(self) -> dict[str, Any]:
        return {"owner_type": self.kind, "person": self.person, "team": self.team,
                "region": self.region,
                "territory_code": self.key if self.kind == OwnerType.TERRITORY else ""}


def resolve_owner(owner: str) -> Owner:
    """``company``, ``person:EMPLOYEE_ID``, ``team:CODE``, ``region:CODE`` or
    ``territory:CODE`` → :class:`Owner`; a ValueError naming the owner when it is not
    known."""
    kind, _, key = owner.strip().partition(":")
    if kind == OwnerType.COMPANY and not key:
        return Owner(OwnerType.COMPANY, "")
    if kind == OwnerType.PERSON:
        person = Person.objects.filter(employee_id=key).first()
        if person is None:
            raise ValueError(f"no person has employee id {key!r}")
        return Owner(kind, key, person=person)
    if kind == OwnerType.TEAM:
        team = Team.objects.filter(code=key).first()
        if team is None:
            raise ValueError(f"no team has code {key!r}")
        return Owner(kind, key, team=team)
    if kind == OwnerType.REGION:
        region = Region.objects.filter(code=key).first()
        if region is None:
            raise ValueError(f"no region has code {key!r}")
        return Owner(kind, key, region=region)
    if kind == OwnerType.TERRITORY:
        from attain.territories import services as territory_services

        if not key or key not in territory_services.territory_codes():
            raise ValueError(f"no territory has code {key!r}")
        return Owner(kind, key)
    raise ValueError(f"owner {owner!r}: write company, person:EMPLOYEE_ID, team:CODE, "
                     f"region:CODE or territory:CODE")


def owner_of(target: Quota | Goal) -> str:
    """The owner of a quota or goal, written as :func:`resolve_owner` reads it."""
    if target.owner_type == OwnerType.PERSON and target.person is not None:
        return f"person:{target.person.employee_id}"
    if target.owner_type == OwnerType.TEAM and target.team is not None:
        return f"team:{target.team.code}"
    if target.owner_type == OwnerType.REGION and target.region is not None:
        return f"region:{target.region.code}"
    if target.owner_type == OwnerType.TERRITORY:
        return f"territory:{target.territory_code}"
    return "company"


# --- quotas: save, version, approve, export ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuotaRow:
    """One quota as imported or typed: what ``save_quotas`` takes and ``quota_rows`` gives."""

    metric: str
    owner: str
    """company, person:EMPLOYEE_ID, team:CODE, region:CODE or territory:CODE."""
    period: str
    """A period label (FY2026-Q1, 2026-03…)."""
    amount: Decimal | str
    currency: str = "USD"
    row: int = 0
    """The row number in the file it came from, for error messages (0 if none)."""
    seasonality: tuple[Decimal, ...] | None = None
    """Twelve monthly weights (January first) monitoring paces the quota by; None: flat."""
    valid_from: dt.date | None = None
    """First day the version is in force, inside the period (a change mid-period); None:
    from the period's start."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in a quota row: where, why, and what was written there."""

    row: int
    column: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class QuotaRowsError(ValueError):
    """Every problem in a set of quota rows; nothing was saved."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


def _checked_rows(rows: Iterable[QuotaRow], calendar: FiscalCalendar, *,
                  metrics: frozenset[str] | None = None
                  ) -> tuple[list[tuple[QuotaRow, Owner, Period, Decimal]], list[RowError]]:
    """Each row resolved (owner, period, exact amount), or every problem in it; ``metrics``,
    when given, are the metric names allowed."""
    checked, errors = [], []
    seen: dict[tuple[str, str, str], int] = {}
    for index, row in enumerate(rows, start=1):
        number = row.row or index
        problems = []
        owner = period = amount = None
        metric = row.metric.strip()
        if not metric:
            problems.append(RowError(number, "metric", "is empty"))
        elif metrics is not None and metric not in metrics:
            problems.append(RowError(number, "metric", "is not a catalog metric or a quota a "
                                                       "plan names", metric))
        try:
            owner = resolve_owner(row.owner)
        except ValueError as error:
            problems.append(RowError(number, "owner", str(error),
                                     row.owner.partition(":")[2] or row.owner))
        try:
            period = calendar.parse(row.period)
        except PeriodError as error:
            problems.append(RowError(number, "period", str(error), row.period))
        try:
            amount = D(row.amount) if not isinstance(row.amount, Decimal) else row.amount
            if amount < 0:
                problems.append(RowError(number, "amount", f"{amount} is negative",
                                         str(amount)))
            elif amount != round_money(amount):
                problems.append(RowError(number, "amount", f"{amount} has fractions of a cent",
                                         str(amount)))
        except (TypeError, ValueError) as error:
            problems.append(RowError(number, "amount", str(error), str(row.amount)))
        currency = row.currency.strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            problems.append(RowError(number, "currency", f"{row.currency!r} is not a currency "
                                                         f"code like USD", row.currency))
        if owner is not None and period is not None:
            key = (metric, owner.label, period.label)
            if key in seen:
                problems.append(RowError(number, "period", f"repeats row {seen[key]} "
                                                           f"({' '.join(key)})", row.period))
            seen[key] = number
        if row.seasonality is not None:
            try:
                allocation.SeasonalityProfile(tuple(row.seasonality))
            except allocation.AllocationError as error:
                problems.append(RowError(number, "seasonality", str(error)))
        if row.valid_from is not None and period is not None \
                and not period.start <= row.valid_from <= period.end:
            problems.append(RowError(number, "valid_from", f"{row.valid_from} is outside "
                                     f"{period.label} ({period.start} to {period.end})",
                                     str(row.valid_from)))
        errors += problems
        if not problems and owner is not None and period is not None and amount is not None:
            checked.append((QuotaRow(metric, owner.label, period.label, amount, currency,
                                     number, row.seasonality, row.valid_from),
                            owner, period, amount))
    return checked, errors


@transaction.atomic
def save_quotas(rows: Iterable[QuotaRow], *, user: object = None, approve: bool = False,
                calendar: FiscalCalendar | None = None) -> list[Quota]:
    """Save quotas all or nothing: each row becomes the next version of its metric × owner ×
    period (draft, or approved with ``approve``), audited. Raises :class:`QuotaRowsError`
    with every bad row (row, column, reason) and saves nothing if any row is bad.
    """
    calendar = calendar or company_calendar()
    checked, errors = _checked_rows(rows, calendar)
    if errors:
        raise QuotaRowsError(errors)
    saved = []
    for row, owner, period, amount in checked:
        existing = Quota.objects.filter(metric=row.metric, period=period.label,
                                        **owner.fields())
        latest = existing.order_by("-version").first()
        quota = Quota.objects.create(
            metric=row.metric, period=period.label, period_start=period.start,
            period_end=period.end, amount=amount, currency=row.currency,
            version=(latest.version + 1) if latest else 1,
            status=QuotaStatus.APPROVED if approve else QuotaStatus.DRAFT,
            seasonality=profile_json(row.seasonality), valid_from=row.valid_from,
            **owner.fields())
        audit.record(actor=user, action="create", obj=quota,
                     before=audit.snapshot(latest) if latest else None,
                     after=audit.snapshot(quota))
        saved.append(quota)
    return saved


@transaction.atomic
def approve_quotas(*, quota_ids: Iterable[int], user: object = None) -> int:
    """Approve draft quotas (audited); returns how many changed."""
    changed = 0
    for quota in Quota.objects.select_for_update().filter(id__in=list(quota_ids),
                                                          status=QuotaStatus.DRAFT):
        before = audit.snapshot(quota)
        quota.status = QuotaStatus.APPROVED
        quota.save(update_fields=["status"])
        audit.record(actor=user, action="approve", obj=quota, before=before,
                     after=audit.snapshot(quota))
        changed += 1
    return changed


def current_quotas(*, period: str | None = None, owner: str | None = None,
                   metric: str | None = None, approved_only: bool = True,
                   as_of: dt.date | None = None) -> list[Quota]:
    """The latest (approved) version of each metric × owner × period quota; with ``as_of``,
    the version in force that day: the highest-numbered one whose ``valid_from`` (empty:
    the period's start) is on or before it."""
    quotas = Quota.objects.select_related("person", "team", "region")
    if approved_only:
        quotas = quotas.filter(status=QuotaStatus.APPROVED)
    if as_of is not None:
        quotas = quotas.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=as_of))
    if period:
        quotas = quotas.filter(period=company_calendar().parse(period).label)
    if metric:
        quotas = quotas.filter(metric=metric)
    if owner:
        quotas = quotas.filter(**resolve_owner(owner).fields())
    latest: dict[tuple[str, str, str], Quota] = {}
    for quota in quotas.order_by("version"):
        latest[(quota.metric, owner_of(quota), quota.period)] = quota
    return sorted(latest.values(), key=lambda q: (q.period_start, q.metric, owner_of(q)))


def quota_rows(**filters: Any) -> list[QuotaRow]:
    """The current quotas as rows, for export (same columns ``save_quotas`` reads)."""
    return [QuotaRow(quota.metric, owner_of(quota), quota.period, quota.amount, quota.currency)
            for quota in current_quotas(**filters)]


# --- allocation from the org ------------------------------------------------------------------


QUOTA_CARRYING_ROLES = frozenset({Role.REP})
"""Members who carry a team's selling quota. Sales engineers and SDRs support deals others
close and managers are measured on their team's roll-up, so splitting a bookings quota over
them would count the same sales twice."""


def children_of(owner: str, day: dt.date) -> list[str]:
    """Who a parent's quota is split across on ``day``: the company's regions, a region's
    top-level teams (those whose parent team is outside the region), a team's sub-teams and
    its members who carry quota in their role on ``day`` (:data:`QUOTA_CARRYING_ROLES`).

    Each seller is reached once down the tree, so children always sum to their parent and
    no quota is counted twice."""
    parent = resolve_owner(owner)
    if parent.kind in (OwnerType.PERSON, OwnerType.TERRITORY):
        raise ValueError(f"{owner} is a {parent.kind}: only the company, a region or a team "
                         f"has children to allocate to")
    if parent.kind == OwnerType.COMPANY:
        return [f"region:{code}" for code in Region.objects.values_list("code", flat=True)]
    teams = list(Team.objects.all())
    parents = org_services.team_parents_on(teams=teams, day=day)
    regions = {team.id: team.region_id for team in teams}
    if parent.region is not None:
        region_id = parent.region.id

        def top_level(team: Team) -> bool:
            above = parents[team.id]
            return above is None or regions[above] != region_id

        return sorted(f"team:{team.code}" for team in teams
                      if team.region_id == region_id and top_level(team))
    assert parent.team is not None
    sub_teams = sorted(f"team:{team.code}" for team in teams
                       if parents[team.id] == parent.team.id)
    members = (TeamMembership.objects.as_of(day).filter(team=parent.team)
               .select_related("person"))
    roles = dict(Employment.objects.as_of(day).filter(
        person__in=[member.person_id for member in members]).values_list("person_id", "role"))
    sellers = sorted(f"person:{member.person.employee_id}" for member in members
                     if roles.get(member.person_id, member.person.role) in QUOTA_CARRYING_ROLES)
    return sub_teams + sellers


def capacity_of(owner: str, period: Period,
                ramp: tuple[Decimal, ...] = allocation.DEFAULT_RAMP) -> dict[dt.date, Decimal]:
    """A person's capacity by month (ramp × prorated FTE, from org Employment); teams and
    regions are taken at full capacity."""
    resolved = resolve_owner(owner)
    person = resolved.person
    if person is None:
        return {}
    working = [allocation.WorkingTime(stretch.valid_from, stretch.valid_to, stretch.fte)
               for stretch in Employment.objects.filter(person=person)]
    return {month.start: allocation.ramp_factor(month, person.hire_date, ramp)
            * allocation.prorated_fte(month, hire_date=person.hire_date,
                                      termination_date=person.termination_date,
                                      working_time=working)
            for month in period.months()}


def allocate_quota(*, parent: str, amount: Decimal, period: Period,
                   method: allocation.Method = "equal",
                   values: Mapping[str, Decimal] | None = None,
                   children: Sequence[str] | None = None,
                   seasonality: allocation.SeasonalityProfile | None = None,
                   ramp: tuple[Decimal, ...] = allocation.DEFAULT_RAMP,
                   warehouse: Any = None) -> allocation.Allocation:
    """Split a parent's quota over its children in the org (or ``children``), with each
    person's ramp and working time; ``values`` are the history, potential or manual amounts
    by child owner, as ``method`` needs. A ``potential`` split without values weighs each
    child by its accounts on the period's first day (:func:`potential_values`)."""
    owners = list(children) if children is not None else children_of(parent, period.start)
    if method == "potential" and not values:
        values = potential_values(owners=owners, day=period.start, warehouse=warehouse)
    values = values or {}
    if method != "equal":
        missing = [owner for owner in owners if owner not in values]
        if missing:
            raise allocation.AllocationError(
                f"{method} allocation needs a value for {', '.join(missing)}")
    unknown = sorted(set(values) - set(owners))
    if unknown:
        raise allocation.AllocationError(f"values for owners who are not children of "
                                         f"{parent}: {', '.join(unknown)}")
    kids = [allocation.Child(
        owner, history=values.get(owner, ZERO), potential=values.get(owner, ZERO),
        manual=values.get(owner) if method == "manual" else None,
        capacity=capacity_of(owner, period, ramp)) for owner in owners]
    return allocation.allocate_top_down(amount, period, kids, method=method,
                                        seasonality=seasonality)


def potential_values(*, owners: Sequence[str], day: dt.date,
                     warehouse: Any = None) -> dict[str, Decimal]:
    """Each owner's account potential on ``day``: the sum of an account weight over the
    warehouse ``accounts`` the owner covers, the weights of a ``potential`` allocation when
    no values are given (0 for an owner who covers nothing).

    The weight is the account's ``employees``: headcount is the documented proxy of buying
    potential (a company twice the size buys about twice as much), and an account with no
    headcount weighs 1, so it still counts as one customer rather than nothing. A person
    covers the accounts they own; a team its members' on ``day``, sub-teams included (the
    team's quota carries theirs); a region the people of its teams; a territory the
    accounts its rule in force on ``day`` matches; the company every account.

    Coverage is resolved in the app database into (owner, person) pairs; the warehouse is
    then read once, set-based: accounts joined to those pairs, unioned with each
    territory's matches, summed by owner."""
    import ibis
    import pyarrow as pa

    from attain.plans import expressions
    from attain.territories import services as territory_services
    from attain.territories.models import Territory
    from attain.warehouse import connection

    backend = warehouse if warehouse is not None and not isinstance(warehouse, str) \
        else connection.connect(warehouse)
    if "accounts" not in backend.list_tables():
        raise allocation.AllocationError(
            "allocating by potential reads the accounts, and the warehouse has none: import "
            "them (attain import accounts FILE) or give each child's potential with --values")
    accounts = backend.table("accounts")
    weight = accounts.employees.cast("int64").fill_null(1)
    pairs: list[tuple[str, str]] = []
    parts: list[Any] = []
    teams = list(Team.objects.all())
    parents = org_services.team_parents_on(teams=teams, day=day)
    members: dict[int, set[str]] = {}
    for team_id, employee_id in TeamMembership.objects.as_of(day).values_list(
            "team_id", "person__employee_id"):
        members.setdefault(team_id, set()).add(employee_id)

    def people_under(roots: set[int]) -> set[str]:
        """Members on ``day`` of the ``roots`` teams and every team below them."""
        reached, grew = set(roots), True
        while grew:
            below = {team.id for team in teams if parents[team.id] in reached} - reached
            grew = bool(below)
            reached |= below
        return set().union(*(members.get(team_id, set()) for team_id in reached))

    for owner in owners:
        resolved = resolve_owner(owner)
        if resolved.kind == OwnerType.COMPANY:
            parts.append(accounts.select(owner=ibis.literal(owner), weight=weight))
        elif resolved.kind == OwnerType.TERRITORY:
            rules = [territory for territory in Territory.objects.filter(code=resolved.key)
                     if holds_on(territory, day)]
            for territory in rules:
                condition = expressions.to_ibis(
                    territory_services.check_rule(territory.rule),
                    {name: accounts[column]
                     for name, column in territory_services.ACCOUNT_COLUMNS.items()})
                parts.append(accounts.filter(condition.fill_null(False)).select(
                    owner=ibis.literal(owner), weight=weight))
        elif resolved.person is not None:
            pairs.append((owner, resolved.person.employee_id))
        elif resolved.team is not None:
            pairs += [(owner, person) for person in sorted(people_under({resolved.team.id}))]
        elif resolved.region is not None:
            region_id = resolved.region.id
            pairs += [(owner, person) for person in sorted(people_under(
                {team.id for team in teams if team.region_id == region_id}))]
    if pairs:
        covered = ibis.memtable(pa.table({
            "c_owner": pa.array([owner for owner, _ in pairs], pa.string()),
            "c_person": pa.array([person for _, person in pairs], pa.string())}))
        parts.append(accounts.inner_join(covered, accounts.owner_id == covered.c_person)
                     .select(owner=covered.c_owner, weight=weight))
    totals: dict[str, Decimal] = {}
    if parts:
        every = parts[0]
        for more in parts[1:]:
            every = every.union(more, distinct=False)
        summed = every.group_by("owner").aggregate(potential=every.weight.sum())
        totals = {row["owner"]: Decimal(row["potential"])
                  for row in backend.to_pyarrow(summed).to_pylist()}
    return {owner: totals.get(owner, ZERO) for owner in owners}


def history_values(*, metric: str, owners: Sequence[str], period: Period,
                   warehouse: Any = None) -> dict[str, Decimal]:
    """Each owner's ``metric`` over the same period a year earlier: the weights of a
    ``historical`` allocation (0 for an owner with nothing)."""
    last_year = period.same_period_last_year()
    values = actuals.values_over(metric, owners, last_year.start, last_year.end,
                                 warehouse=warehouse)
    return {owner: max(values.get(owner) or ZERO, ZERO) for owner in owners}


def learned_seasonality(*, metric: str, owner: str, before: dt.date, years: int = 2,
                        warehouse: Any = None) -> allocation.SeasonalityProfile:
    """The owner's monthly profile of ``metric`` over the ``years`` whole calendar years
    before ``before``'s year (an AllocationError when there is nothing to learn from)."""
    start = dt.date(before.year - years, 1, 1)
    end = dt.date(before.year - 1, 12, 31)
    points = actuals.batch_series(metric, [owner], company_calendar().custom(start, end), end,
                                  warehouse=warehouse)[owner]
    return allocation.SeasonalityProfile.learned(actuals.month_actuals(points))


def save_allocation(result: allocation.Allocation, *, metric: str, currency: str = "USD",
                    user: object = None, approve: bool = False) -> list[Quota]:
    """Save an allocation's children as quotas (new versions), all or nothing, each with
    the amounts it was given month by month as its monitoring profile: a seasonal or
    ramping quota is then paced as it was allocated, not flat."""
    return save_quotas([QuotaRow(metric, child.key, result.period.label, child.amount,
                                 currency, seasonality=monthly_profile(child.by_month))
                        for child in result.children],
                       user=user, approve=approve)


def monthly_profile(by_month: Sequence[tuple[Period, Decimal]]) -> tuple[Decimal, ...] | None:
    """Month amounts as twelve weights (January first; months outside the period weigh 0),
    so that pacing by them expects each month's own amount. None when they cannot say
    anything: nothing allocated, or a period longer than a year (a month would repeat)."""
    weights = [ZERO] * 12
    seen: set[int] = set()
    for month, amount in by_month:
        if month.start.month in seen:
            return None
        seen.add(month.start.month)
        weights[month.start.month - 1] = amount
    return tuple(weights) if any(weight > 0 for weight in weights) else None


def profile_json(weights: Sequence[Decimal] | None) -> list[str] | None:
    """Weights as stored (decimal strings, exact), or None for flat."""
    return None if weights is None else [str(weight) for weight in weights]


def profile_of(stored: Sequence[str] | None) -> allocation.SeasonalityProfile | None:
    """A stored profile back as a :class:`SeasonalityProfile` (None: flat)."""
    return None if not stored else allocation.SeasonalityProfile(
        tuple(Decimal(weight) for weight in stored))


@dataclass(frozen=True, slots=True)
class BottomUp:
    """A saved parent quota against its children's saved quotas."""

    owner: str
    metric: str
    period: str
    check: allocation.GapCheck
    children: dict[str, Decimal]
    missing: tuple[str, ...]
    """Children with no approved quota (counted as 0)."""
    currency: str = "USD"
    """The money the amounts are in: the quotas' own when they share one, else the
    reporting currency they were converted to."""


def bottom_up_check(*, owner: str, metric: str, period: str, tolerance: Decimal = ZERO,
                    warehouse: Any = None) -> BottomUp:
    """The approved quota of ``owner`` against the sum of its children's approved quotas
    (children from the org on the period's first day), the gap flagged beyond
    ``tolerance``; a ValueError when the parent has no approved quota.

    Quotas in one currency are compared as they are; mixed currencies are never added up
    as they stand: each is converted to the reporting currency at the rate in force on the
    period's first day (:func:`quotas_in_reporting_currency`), or a ValueError says which
    rate is missing."""
    label = company_calendar().parse(period)
    parents = current_quotas(period=label.label, owner=owner, metric=metric)
    if not parents:
        raise ValueError(f"{owner} has no approved {metric} quota for {label.label}")
    children = children_of(owner, label.start)
    quotas = {owner_of(quota): quota
              for quota in current_quotas(period=label.label, metric=metric)
              if owner_of(quota) in children}
    currencies = {quota.currency for quota in [parents[0], *quotas.values()]}
    if len(currencies) == 1:
        currency = parents[0].currency
        parent_amount = parents[0].amount
        amounts = {child: quota.amount for child, quota in quotas.items()}
    else:
        currency = actuals.reporting_currency()
        converted = quotas_in_reporting_currency([parents[0], *quotas.values()],
                                                 warehouse=warehouse)
        parent_amount = converted[parents[0].id]
        amounts = {child: converted[quota.id] for child, quota in quotas.items()}
    missing = tuple(child for child in children if child not in amounts)
    return BottomUp(owner, metric, label.label,
                    allocation.gap_check(parent_amount, amounts, tolerance=tolerance),
                    amounts, missing, currency)


def quotas_in_reporting_currency(quotas: Sequence[Quota], *,
                                 warehouse: Any = None) -> dict[int, Decimal]:
    """Each quota's amount (by id) in the reporting currency, at the rate in force on its
    period's first day: one rate for the whole period, so the target does not move with
    the exchange rate from day to day (actuals are converted on each sale's day)."""
    converted = actuals.in_reporting_currency(
        [(quota.amount, quota.currency, quota.period_start) for quota in quotas],
        warehouse=warehouse)
    return {quota.id: amount for quota, amount in zip(quotas, converted, strict=True)}


# --- check-ins ----------------------------------------------------------------------------


@transaction.atomic
def record_check_in(*, goal: Goal | None = None, quota: Quota | None = None,
                    author: Person | None, day: dt.date, comment: str, confidence: int,
                    status: str = "", user: object = None) -> CheckIn:
    """An owner's review: a comment and a confidence (0-100) on a goal or a quota."""
    if (goal is None) == (quota is None):
        raise ValueError("a check-in is on one goal or one quota")
    if not 0 <= confidence <= 100:
        raise ValueError(f"confidence is 0-100, not {confidence}")
    if not comment.strip():
        raise ValueError("a check-in needs a comment")
    check_in = CheckIn.objects.create(goal=goal, quota=quota, author=author, day=day,
                                      comment=comment.strip(), confidence=confidence,
                                      status=status)
    audit.record(actor=user, action="check_in", obj=check_in, after=audit.snapshot(check_in))
    return check_in


# --- monitoring: status, history, alerts -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """One target (a quota, or one period of a goal) as monitoring sees it on a day."""

    kind: str
    """quota or goal."""
    target_id: int
    label: str
    owner: str
    assessment: monitoring.Assessment
    history: tuple[monitoring.StatusPoint, ...]
    alerts: tuple[alerts.Alert, ...]
    """One per status change, oldest first; likely causes on those that got worse."""


def actuals_owner(quota: Quota, day: dt.date) -> str:
    """Whose facts a quota is measured on: a manager's own quota covers the team they
    manage on ``day`` and every team below it (as roll-up crediting pays it); anyone else's
    is their own."""
    if quota.owner_type == OwnerType.PERSON and quota.person is not None:
        managed = (TeamManager.objects.as_of(day).filter(person=quota.person)
                   .select_related("team").order_by("team__code").first())
        if managed is not None:
            return f"team_rollup:{managed.team.code}"
    return owner_of(quota)


def quota_spec(quota: Quota, *, target: Decimal | None = None) -> monitoring.TargetSpec:
    """What monitoring watches for a quota (direction from the metric catalog); its owner
    is the one actuals are read for (:func:`actuals_owner`). ``target`` is the amount in
    the reporting currency, as actuals are (:func:`quotas_in_reporting_currency`); without
    it the quota must already be in that currency."""
    if target is None:
        if quota.currency != actuals.reporting_currency():
            raise ValueError(f"the {quota} quota is in {quota.currency}: convert it to "
                             f"{actuals.reporting_currency()} before comparing with actuals")
        target = quota.amount
    found = actuals.facts(quota.metric)
    period = company_calendar().parse(quota.period)
    return monitoring.TargetSpec(quota.metric, period, target, direction=found.direction,
                                 accumulates=found.accumulates,
                                 seasonality=profile_of(quota.seasonality),
                                 owner=actuals_owner(quota, period.start))


def goal_specs(goal: Goal) -> list[monitoring.TargetSpec]:
    """What monitoring watches for a saved goal: its time frame, or each month/quarter."""
    whole = _named_period(goal.period_start, goal.period_end)
    periods = {"month": whole.months, "quarter": whole.quarters}.get(goal.per, lambda: [whole])()
    direction: monitoring.Direction = "lower" if goal.direction == "lower" else "higher"
    return [monitoring.TargetSpec(goal.metric, period, goal.target_value, direction=direction,
                                  accumulates=goal.accumulates,
                                  baseline=None if goal.accumulates else goal.baseline_value,
                                  seasonality=profile_of(goal.seasonality)
                                  if goal.accumulates else None,
                                  owner=owner_of(goal))
            for period in periods]


def _named_period(start: dt.date, end: dt.date) -> Period:
    """The calendar's named period for start..end when there is one (FY2026-Q1), else custom."""
    kinds: tuple[PeriodKind, ...] = ("month", "quarter", "half", "year")
    for kind in kinds:
        candidate = company_calendar().period_containing(start, kind)
        if (candidate.start, candidate.end) == (start, end):
            return candidate
    return company_calendar().custom(start, end)


def driver_readings(metric: str, owners: Sequence[str], period: Period, as_of: dt.date, *,
                    filters: Mapping[str, Any] | None = None, warehouse: Any = None
                    ) -> dict[str, dict[str, alerts.Reading]]:
    """Each owner's drivers of ``metric`` (the metric tree) from the period's start to
    ``as_of``, against the same stretch of the period before."""
    end = min(as_of, period.end)
    prior = period.prior()
    prior_end = min(prior.start + (end - period.start), prior.end)
    readings: dict[str, dict[str, alerts.Reading]] = {owner: {} for owner in owners}
    for driver in alerts.METRIC_TREE.get(actuals.catalog_name(metric), ()):
        try:
            current = actuals.values_over(driver.metric, owners, period.start, end,
                                          filters=filters, warehouse=warehouse)
            before = actuals.values_over(driver.metric, owners, prior.start, prior_end,
                                         filters=filters, warehouse=warehouse)
        except (actuals.ActualsError, ValueError):
            continue  # a driver the catalog cannot cut this way is no evidence either way
        for owner in owners:
            readings[owner][driver.metric] = alerts.Reading(current.get(owner),
                                                            before.get(owner))
    return readings


Watched = tuple[str, int, str, str, monitoring.TargetSpec, Mapping[str, Any]]
"""A target to monitor: kind (quota or goal), id, label, owner as shown, its spec (whose
owner is the one actuals are read for) and its scope (a goal's filters)."""


def monitor(specs: Sequence[Watched], as_of: dt.date, *, warehouse: Any = None,
            review_every: int = 7) -> list[TargetStatus]:
    """Assess targets on ``as_of``: actuals fetched once per metric, period and scope for
    all owners, status on each review day, an alert per change (its drivers read up to
    the day of the change)."""
    groups: dict[tuple[str, Period, str], list[Watched]] = {}
    for item in specs:
        scope = json.dumps(item[5], sort_keys=True)
        groups.setdefault((item[4].metric, item[4].period, scope), []).append(item)
    out = []
    for (metric, period, _), items in groups.items():
        filters = items[0][5]
        owners = sorted({item[4].owner for item in items})
        series = actuals.batch_series(metric, owners, period, as_of, filters=filters,
                                      warehouse=warehouse)
        days = monitoring.review_days(period, as_of, review_every) if as_of >= period.start \
            else []
        changes = {id(item): monitoring.status_changes(item[4], series[item[4].owner], days)
                   for item in items}
        # Drivers are read only for owners whose status got worse (the only alerts that
        # name causes), up to the day it changed: an alert carries the numbers that were
        # there when it was raised, not later ones. Two catalog queries per driver and
        # change day, for all owners that worsened that day at once.
        worse_on: dict[dt.date, set[str]] = {}
        for item in items:
            for change in changes[id(item)]:
                if alerts.got_worse(change):
                    worse_on.setdefault(change.day, set()).add(item[4].owner)
        readings: dict[tuple[str, dt.date], dict[str, alerts.Reading]] = {}
        for day, worse in sorted(worse_on.items()):
            for owner, found in driver_readings(metric, sorted(worse), period, day,
                                                filters=filters, warehouse=warehouse).items():
                readings[(owner, day)] = found
        for item in items:
            kind, target_id, label, shown_owner, spec, _ = item
            points = series[spec.owner]
            out.append(TargetStatus(
                kind, target_id, label, shown_owner, monitoring.assess(spec, as_of, points),
                tuple(monitoring.status_history(spec, points, days)),
                tuple(alerts.alert_for(change, readings.get((spec.owner, change.day), {}),
                                       metric=actuals.catalog_name(metric))
                      for change in changes[id(item)])))
    return out


def target_status(*, as_of: dt.date, owner: str | None = None, period: str | None = None,
                  warehouse: Any = None, record: bool = False) -> list[TargetStatus]:
    """Every current quota and active goal for the period (default: quarters and goals that
    contain ``as_of``), optionally for one owner, monitored on ``as_of``. With ``record``,
    the status history and alerts are written to StatusRecord."""
    specs: list[Watched] = []
    chosen = company_calendar().parse(period) if period else None
    quotas = [quota for quota in current_quotas(period=chosen.label if chosen else None,
                                                owner=owner, as_of=as_of)
              if chosen is not None or quota.period_start <= as_of <= quota.period_end]
    # Actuals are in the reporting currency: so are the targets they are compared with.
    targets = quotas_in_reporting_currency(quotas, warehouse=warehouse)
    for quota in quotas:
        spec = quota_spec(quota, target=targets[quota.id])
        specs.append(("quota", quota.id, f"quota {quota.metric} {quota.period}",
                      owner_of(quota), spec, {}))
    goals = Goal.objects.select_related("person", "team", "region")
    if owner:
        goals = goals.filter(**resolve_owner(owner).fields())
    for goal in goals:
        for spec in goal_specs(goal):
            inside = (spec.period.start <= chosen.end and chosen.start <= spec.period.end
                      if chosen else spec.period.start <= as_of <= spec.period.end)
            if inside:
                specs.append(("goal", goal.id, f"goal {goal.key} {spec.period.label}",
                              spec.owner, spec, goal.filters or {}))
    statuses = monitor(specs, as_of, warehouse=warehouse)
    if record:
        record_statuses(statuses)
    return statuses


@transaction.atomic
def record_statuses(statuses: Iterable[TargetStatus]) -> int:
    """Write each target's status history (replacing what was recorded for its period) with
    the alert raised on each change; returns the rows written."""
    written = 0
    for status in statuses:
        link = {"goal_id": status.target_id} if status.kind == "goal" else {
            "quota_id": status.target_id}
        label = status.assessment.spec.period.label
        StatusRecord.objects.filter(period=label, **link).delete()
        by_day = {alert.change.day: alert for alert in status.alerts}
        previous = ""
        for point in status.history:
            alert = by_day.get(point.day)
            StatusRecord.objects.create(
                period=label, day=point.day, status=point.status, previous=previous,
                actual=point.actual, expected=point.expected,
                pace_attainment=point.pace_attainment,
                reason=alert.change.assessment.reason if alert else "",
                alert=_alert_json(alert) if alert else None, **link)
            previous = point.status
            written += 1
    return written


def _alert_json(alert: alerts.Alert) -> dict[str, Any]:
    return {"message": alert.message, "worsened": alert.worsened,
            "causes": [{"driver": cause.driver.metric, "current": str(cause.current),
                        "baseline": None if cause.baseline is None else str(cause.baseline),
                        "change_ratio": None if cause.change_ratio is None
                        else str(cause.change_ratio),
                        "why": cause.why, "action": cause.action} for cause in alert.causes]}


# --- goals ----------------------------------------------------------------------------------


class GoalRejected(ValueError):
    """A goal that fails a SMART criterion; the report says which and why."""

    def __init__(self, report: smart.SmartReport) -> None:
        self.report = report
        failed = [str(verdict) for verdict in report.verdicts if verdict.outcome == "fail"]
        super().__init__("the goal is not SMART yet:\n  " + "\n  ".join(failed))


def gather_evidence(document: goals.GoalDocument, *, today: dt.date | None = None,
                    warehouse: Any = None) -> smart.Evidence:
    """What the catalog, the app database and the warehouse say about a goal."""
    parent_found = (Goal.objects.filter(key=document.parent).exists()
                    if document.parent else None)
    metric = document.metric if isinstance(document.metric, str) else None
    owner = document.owner if isinstance(document.owner, str) else None
    try:
        known: tuple[str, ...] | None = actuals.known_metrics()
    except ImportError:
        known = None
    owner_found = True
    left_on = None
    if owner is not None:
        try:
            resolved = resolve_owner(owner)
            left_on = resolved.person.termination_date if resolved.person else None
        except ValueError:
            owner_found = False
    if metric is None or owner is None or known is None or metric not in known \
            or not owner_found:
        return smart.Evidence(known_metrics=known, owner_found=owner_found,
                              owner_left_on=left_on, parent_found=parent_found, today=today)
    found = actuals.facts(metric)
    frame = document.time_frame()
    profile, problem = _goal_seasonality(document, metric, owner, frame, warehouse) \
        if found.accumulates else (None, "")
    evidence = smart.Evidence(known_metrics=known, dimensions=found.dimensions,
                              direction=found.direction, accumulates=found.accumulates,
                              owner_left_on=left_on, parent_found=parent_found, today=today,
                              seasonality=profile, seasonality_problem=problem)
    baseline_period = document.baseline_period()
    if frame is None or baseline_period is None:
        return evidence
    if any(key not in found.dimensions for key in document.filters):
        return evidence
    baseline = actuals.values_over(metric, [owner], baseline_period.start, baseline_period.end,
                                   filters=document.filters, warehouse=warehouse)[owner]
    if baseline is None and document.target.kind == "absolute" and document.from_ is None \
            and document.baseline == "last_year":
        # An absolute target needs a baseline only to judge Achievable: with no history a
        # year back (a new rep), the period just before is the next best evidence.
        baseline_period = frame.prior()
        baseline = actuals.values_over(metric, [owner], baseline_period.start,
                                       baseline_period.end, filters=document.filters,
                                       warehouse=warehouse)[owner]
    if baseline is not None and document.per and found.accumulates:
        months = len(baseline_period.months()) if document.per == "month" \
            else len(baseline_period.quarters())
        baseline = round_money(baseline / months)
    # Like with like: past windows of the goal's length (a month or quarter for a target
    # per month or quarter), each against the window as far back as the baseline is from
    # the goal (a year for last year's, the goal's length for the period before; a
    # starting level (from:) is where the goal starts, so the window just before).
    window = {"month": 1, "quarter": 3}.get(document.per or "", len(frame.months()))
    lag = window if document.from_ is not None else max(
        _months_between(baseline_period.start, frame.start), 1)
    changes, points = actuals.past_changes(metric, owner, frame, window_months=window,
                                           lag_months=lag, filters=document.filters,
                                           warehouse=warehouse)
    return smart.Evidence(
        known_metrics=known, dimensions=found.dimensions, direction=found.direction,
        accumulates=found.accumulates, data_points=points, baseline_value=baseline,
        baseline_label=baseline_period.label, past_changes=tuple(changes),
        owner_left_on=left_on, parent_found=parent_found, today=today, seasonality=profile,
        seasonality_problem=problem)


def _months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole months from ``earlier``'s month to ``later``'s (FY2025-Q1 → FY2026-Q1: 12)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _goal_seasonality(document: goals.GoalDocument, metric: str, owner: str,
                      frame: Period | None, warehouse: Any
                      ) -> tuple[allocation.SeasonalityProfile | None, str]:
    """The profile a goal is paced by (entered, or learned from the owner's two calendar
    years before it starts) and, when learning failed, why."""
    if isinstance(document.seasonality, list):
        return allocation.SeasonalityProfile(tuple(document.seasonality)), ""
    if document.seasonality != "learned" or frame is None:
        return None, ""
    try:
        return learned_seasonality(metric=metric, owner=owner, before=frame.start,
                                   warehouse=warehouse), ""
    except (allocation.AllocationError, actuals.ActualsError) as error:
        return None, str(error)


def check_goal(text: str, *, source: str = "goal", today: dt.date | None = None,
               warehouse: Any = None) -> smart.SmartReport:
    """Parse a goal document (GoalErrors at line and column) and give its SMART verdicts."""
    document = goals.load_goal(text, source=source)
    return smart.check(document, gather_evidence(document, today=today, warehouse=warehouse))


@transaction.atomic
def save_goal(text: str, *, user: object = None, today: dt.date | None = None,
              warehouse: Any = None) -> Goal:
    """Check a goal and save it (a new goal, or the same key updated), audited; refuses a
    goal that fails a SMART criterion (:class:`GoalRejected`)."""
    document = goals.load_goal(text)
    evidence = gather_evidence(document, today=today, warehouse=warehouse)
    report = smart.check(document, evidence)
    frame = document.time_frame()
    if not report.passed or report.target is None or frame is None:
        raise GoalRejected(report)
    assert isinstance(document.metric, str) and isinstance(document.owner, str)
    owner = resolve_owner(document.owner)
    existing = Goal.objects.filter(key=document.goal).first()
    before = audit.snapshot(existing) if existing else None
    goal = existing or Goal(key=document.goal)
    goal.title = document.title
    goal.document = text
    goal.metric = document.metric
    goal.owner_type, goal.person, goal.team, goal.region = (owner.kind, owner.person,
                                                            owner.team, owner.region)
    goal.territory_code = owner.fields()["territory_code"]
    goal.filters = document.filters
    goal.period_start, goal.period_end = frame.start, frame.end
    goal.per = document.per or ""
    goal.target_value = report.target
    goal.baseline_value = report.baseline
    goal.direction = evidence.direction
    goal.accumulates = evidence.accumulates
    goal.parent = Goal.objects.filter(key=document.parent).first() if document.parent else None
    goal.objective = document.objective
    goal.reason = document.reason
    goal.check_in_cadence = document.check_ins or ""
    goal.seasonality = profile_json(evidence.seasonality.weights) \
        if evidence.seasonality is not None else None
    goal.save()
    audit.record(actor=user, action="update" if existing else "create", obj=goal,
                 before=before, after=audit.snapshot(goal))
    return goal
