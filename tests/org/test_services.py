"""Who reported to whom, on which day: the basis of roll-up credit and of access."""

from __future__ import annotations

import datetime as dt

import pytest

from attain.org import services
from attain.org.models import Person, TeamManager, TeamMembership
from tests.demo_company import small_company


@pytest.fixture
def demo_org(db: None) -> None:
    services.load_org(org=small_company().org, password="pw-for-tests")


def test_every_person_of_the_demo_is_loaded_with_a_user(demo_org: None) -> None:
    org = small_company().org
    assert Person.objects.count() == len(org.people)
    assert Person.objects.filter(user__isnull=True).count() == 0
    assert TeamMembership.objects.count() == len(org.memberships)


def test_demo_logins_can_sign_in(demo_org: None, client: object) -> None:
    from django.test import Client

    assert isinstance(client, Client)
    for username in ("admin", "finance", "executive", "manager", "rep"):
        assert client.login(username=username, password="pw-for-tests"), username


def test_a_rep_reports_to_team_manager_then_director_then_vp(demo_org: None) -> None:
    rep = Person.objects.get(user__username="rep")
    chain = services.manager_chain(employee_id=rep.employee_id, day=dt.date(2026, 3, 1))
    roles = list(Person.objects.filter(employee_id__in=chain).values_list("employee_id", "role"))
    by_id = dict(roles)
    assert [by_id[e] for e in chain] == ["manager", "director", "vp"]


def test_a_rep_who_moved_team_reports_to_each_manager_in_turn(demo_org: None) -> None:
    org = small_company().org
    spans: dict[str, list] = {}
    for span in org.memberships:
        spans.setdefault(span.person, []).append(span)
    mover, (first, second) = next((p, sorted(s, key=lambda x: x.valid_from))
                                  for p, s in spans.items() if len(s) == 2
                                  and s[0].valid_to and s[1].valid_to is None)
    before = first.valid_to
    after = second.valid_from
    manager_before = services.manager_chain(employee_id=mover, day=before)[0]
    manager_after = services.manager_chain(employee_id=mover, day=after)[0]
    expected_before = TeamManager.objects.as_of(before).get(team__code=first.team).person
    expected_after = TeamManager.objects.as_of(after).get(team__code=second.team).person
    assert manager_before == expected_before.employee_id
    assert manager_after == expected_after.employee_id
    assert manager_before != manager_after


def test_a_team_that_changed_manager_rolls_up_to_each_in_their_time(demo_org: None) -> None:
    changed = next(t for t in TeamManager.objects.values_list("team__code", flat=True)
                   if TeamManager.objects.filter(team__code=t).count() == 2)
    old, new = TeamManager.objects.filter(team__code=changed).order_by("valid_from")
    assert old.valid_to is not None
    member = TeamMembership.objects.filter(team__code=changed, valid_to__isnull=True,
                                           person__role="rep").first()
    assert member is not None
    day_before, day_after = old.valid_to, new.valid_from
    if member.valid_from <= day_before:
        assert services.manager_chain(employee_id=member.person.employee_id,
                                      day=day_before)[0] == old.person.employee_id
    assert services.manager_chain(employee_id=member.person.employee_id,
                                  day=day_after)[0] == new.person.employee_id


def test_nobody_reports_to_themselves(demo_org: None) -> None:
    assert all(line.person != line.manager for line in services.reporting_lines())


def _parents(code: str) -> list[tuple[str, dt.date, dt.date | None]]:
    from attain.org.models import TeamParent

    return [(span.parent.code, span.valid_from, span.valid_to)
            for span in TeamParent.objects.filter(team__code=code).order_by("valid_from")]


def test_the_demo_loader_records_each_team_parent_since_always(demo_org: None) -> None:
    from attain.org.models import Team, TeamParent

    placed = Team.objects.filter(parent__isnull=False)
    assert TeamParent.objects.count() == placed.count() > 0
    for team in placed:
        assert _parents(team.code) == [(team.parent.code, services.BEGINNING, None)]  # type: ignore[union-attr]


def test_moving_a_team_closes_its_old_parent_the_day_before(db: None) -> None:
    from attain.org.models import Team

    amer, emea, apac, west = (Team.objects.create(code=c, name=c)
                              for c in ("AMER", "EMEA", "APAC", "WEST"))
    services.set_team_parent(team=west, parent=amer, since=services.BEGINNING)
    services.set_team_parent(team=west, parent=emea, since=dt.date(2025, 7, 1))
    assert _parents("WEST") == [("AMER", services.BEGINNING, dt.date(2025, 6, 30)),
                                ("EMEA", dt.date(2025, 7, 1), None)]
    # a second move on the same day replaces the first rather than leaving a one-day span
    services.set_team_parent(team=west, parent=apac, since=dt.date(2025, 7, 1))
    assert _parents("WEST") == [("AMER", services.BEGINNING, dt.date(2025, 6, 30)),
                                ("APAC", dt.date(2025, 7, 1), None)]
    # to the top of the tree: no parent from then on; Team.parent follows every move
    services.set_team_parent(team=west, parent=None, since=dt.date(2026, 1, 1))
    assert _parents("WEST")[-1] == ("APAC", dt.date(2025, 7, 1), dt.date(2025, 12, 31))
    west.refresh_from_db()
    assert west.parent is None
    with pytest.raises(ValueError, match="cannot be its own parent"):
        services.set_team_parent(team=west, parent=west, since=dt.date(2026, 2, 1))


def test_the_teams_import_places_new_teams_since_always_and_moves_them_from_today(
        db: None) -> None:
    today = dt.date(2025, 9, 15)
    rows = [{"code": "SALES", "name": "Sales"}, {"code": "AMER", "name": "Americas",
                                                  "parent": "SALES"},
            {"code": "WEST", "name": "West", "parent": "AMER"}]
    assert services.upsert_teams(rows=rows, today=today) == (3, 0, 0)
    assert _parents("WEST") == [("AMER", services.BEGINNING, None)]
    moved = [*rows[:2], {"code": "WEST", "name": "West", "parent": "SALES"}]
    assert services.upsert_teams(rows=moved, today=today) == (0, 1, 2)
    # WEST was under AMER until yesterday and is under SALES from the import's day
    assert _parents("WEST") == [("AMER", services.BEGINNING, dt.date(2025, 9, 14)),
                                ("SALES", today, None)]


def test_the_migration_backfills_today_s_parents_since_always(db: None) -> None:
    import importlib

    from django.apps import apps

    from attain.org.models import Team, TeamParent

    sales = Team.objects.create(code="SALES", name="Sales")
    Team.objects.create(code="AMER", name="Americas", parent=sales)
    TeamParent.objects.all().delete()
    migration = importlib.import_module("attain.org.migrations.0002_team_parent")
    migration.backfill(apps, None)
    # one span for the one team with a parent; SALES has none
    assert _parents("AMER") == [("SALES", dt.date(1900, 1, 1), None)]
    assert _parents("SALES") == []
