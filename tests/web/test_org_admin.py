"""Sales ops edits people, teams and territories in the app: every change effective-dated
(earlier days keep their answer), audited, refused with a reason next to the field, and
open to admins only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from attain.core.models import AuditEntry
from attain.org import services as org_services
from attain.org.models import Person, Team, TeamManager, TeamMembership, TeamParent
from attain.territories.models import Territory, TerritoryHolder
from tests.demo_company import small_company

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]
TODAY = dt.date.today()


@pytest.fixture
def org(db: None) -> None:
    org_services.load_org(org=small_company().org, password="pw-for-tests")


def _rep_and_other_team() -> tuple[Person, Team, Team]:
    rep = Person.objects.get(user__username="rep")
    mine = rep.memberships.get(valid_to__isnull=True).team
    other = Team.objects.filter(memberships__isnull=False).exclude(pk=mine.pk).distinct()[0]
    return rep, mine, other


def _person_form(person: Person, **changes: object) -> dict[str, object]:
    membership = person.memberships.filter(valid_to__isnull=True).first()
    form: dict[str, object] = {
        "name": person.name, "email": person.email, "role": person.role,
        "access_role": person.access_role, "hire_date": person.hire_date.isoformat(),
        "region": person.region.code if person.region else "",
        "cost_center": person.cost_center, "currency": person.currency,
        "team": membership.team.code if membership else "", "team_since": "",
        "termination_date": ""}
    form.update(changes)
    return form


def test_admin_adds_a_person_in_a_team_with_a_sign_in(org: None, signed_in: SignIn) -> None:
    admin = signed_in("admin")
    team = Team.objects.filter(memberships__isnull=False).first()
    assert team is not None
    assert admin.get("/people/new/").status_code == 200
    answer = admin.post("/people/new/", {
        "employee_id": "E99001", "name": "Ada Newhire", "email": "ada@example.com",
        "role": "rep", "hire_date": "2026-10-01", "currency": "EUR", "team": team.code})
    assert answer.status_code == 302 and answer["Location"] == "/people/E99001/"
    ada = Person.objects.get(employee_id="E99001")
    assert ada.access_role == "rep"  # the role's usual access when none is picked
    assert ada.user is not None and ada.user.username == "ada"
    membership = ada.memberships.get()
    assert (membership.team, membership.valid_from, membership.valid_to) == (
        team, dt.date(2026, 10, 1), None)
    assert AuditEntry.objects.filter(object_type="org.Person", object_id=str(ada.pk),
                                     action="create").exists()
    page = admin.get("/people/E99001/").content.decode()
    assert "Ada Newhire" in page and team.name in page


def test_a_team_move_is_effective_dated(org: None, signed_in: SignIn) -> None:
    rep, old_team, new_team = _rep_and_other_team()
    since = TODAY - dt.timedelta(days=10)
    before_chain = org_services.manager_chain(employee_id=rep.employee_id,
                                              day=since - dt.timedelta(days=1))
    answer = signed_in("admin").post(f"/people/{rep.employee_id}/edit/", _person_form(
        rep, team=new_team.code, team_since=since.isoformat()))
    assert answer.status_code == 302
    spans = list(rep.memberships.order_by("valid_from").values_list("team_id", "valid_from",
                                                                   "valid_to"))
    # the old team holds up to the day before the move, the new one from the move on
    assert spans[-2] == (old_team.pk, spans[-2][1], since - dt.timedelta(days=1))
    assert spans[-1] == (new_team.pk, since, None)
    # who managed the rep the day before the move has not changed
    assert org_services.manager_chain(employee_id=rep.employee_id,
                                      day=since - dt.timedelta(days=1)) == before_chain
    new_manager = TeamManager.objects.filter(team=new_team, valid_to__isnull=True).first()
    if new_manager is not None:
        assert org_services.manager_chain(employee_id=rep.employee_id, day=TODAY)[0] == (
            new_manager.person.employee_id)
    assert AuditEntry.objects.filter(action="move", object_id=str(rep.pk)).exists()


def test_bad_person_input_is_refused_with_a_reason_and_saves_nothing(
        org: None, signed_in: SignIn) -> None:
    admin = signed_in("admin")
    rep, _old, new_team = _rep_and_other_team()
    someone_else = Person.objects.exclude(pk=rep.pk).first()
    assert someone_else is not None
    audit_before = AuditEntry.objects.count()
    cases = [
        ({"team": new_team.code, "team_since": "1999-01-01"}, "cannot start before"),
        ({"email": someone_else.email}, "someone else&#x27;s email"),
        ({"currency": "euro"}, "three capital letters"),
        ({"hire_date": "not a day"}, "Enter a valid date"),
        ({"termination_date": "1990-01-01"}, "cannot leave before"),
    ]
    for changes, reason in cases:
        answer = admin.post(f"/people/{rep.employee_id}/edit/", _person_form(rep, **changes))
        assert answer.status_code == 422, changes
        assert reason in answer.content.decode(), changes
    rep.refresh_from_db()
    assert rep.memberships.count() == 1 and rep.termination_date is None
    assert AuditEntry.objects.count() == audit_before  # all or nothing


def test_a_corrected_hire_date_moves_the_start_of_employment(org: None,
                                                             signed_in: SignIn) -> None:
    rep, _old, _new = _rep_and_other_team()
    first = rep.memberships.get().valid_from
    earlier = min(rep.hire_date, first) - dt.timedelta(days=30)
    answer = signed_in("admin").post(f"/people/{rep.employee_id}/edit/",
                                     _person_form(rep, hire_date=earlier.isoformat()))
    assert answer.status_code == 302
    assert rep.employment.order_by("valid_from").first().valid_from == earlier  # type: ignore[union-attr]
    entry = AuditEntry.objects.filter(action="update", object_id=str(rep.pk)).get()
    assert entry.after is not None and entry.after["hire_date"] == earlier.isoformat()


def test_a_leaving_date_ends_team_and_sign_in(org: None, signed_in: SignIn) -> None:
    rep, _old, _new = _rep_and_other_team()
    last_day = TODAY - dt.timedelta(days=1)
    signed_in("admin").post(f"/people/{rep.employee_id}/edit/",
                            _person_form(rep, termination_date=last_day.isoformat()))
    rep.refresh_from_db()
    assert rep.termination_date == last_day
    assert rep.memberships.get(valid_to__isnull=False).valid_to == last_day
    assert rep.user is not None and not rep.user.is_active
    assert not Client().login(username="rep", password="pw-for-tests")


def test_admin_adds_a_team_and_moves_it_from_a_date(org: None, signed_in: SignIn) -> None:
    admin = signed_in("admin")
    parent = Team.objects.filter(parent__isnull=True).first()
    manager = Person.objects.get(user__username="manager")
    assert parent is not None
    answer = admin.post("/teams/new/", {"code": "NEW-01", "name": "New team",
                                        "parent": parent.code, "manager": manager.employee_id,
                                        "manager_since": "2026-11-01"})
    assert answer.status_code == 302
    team = Team.objects.get(code="NEW-01")
    assert team.parent == parent
    assert TeamParent.objects.get(team=team).valid_from == org_services.BEGINNING
    assert TeamManager.objects.get(team=team).valid_from == dt.date(2026, 11, 1)
    other = Team.objects.exclude(pk__in=[team.pk, parent.pk]).filter(parent=parent).first()
    assert other is not None
    since = TODAY - dt.timedelta(days=3)
    answer = admin.post("/teams/NEW-01/edit/", {"name": "Renamed", "parent": other.code,
                                                "parent_since": since.isoformat()})
    assert answer.status_code == 302
    spans = list(TeamParent.objects.filter(team=team).order_by("valid_from")
                 .values_list("parent_id", "valid_to"))
    assert spans == [(parent.pk, since - dt.timedelta(days=1)), (other.pk, None)]
    assert org_services.team_parents_on(teams=[team], day=since - dt.timedelta(days=1)) == {
        team.pk: parent.pk}
    team.refresh_from_db()
    assert (team.name, team.parent) == ("Renamed", other)
    # a loop is refused: the parent cannot go under its own child
    loop = admin.post(f"/teams/{other.code}/edit/", {"name": other.name, "parent": "NEW-01"})
    assert loop.status_code == 422 and "cannot sit under itself" in loop.content.decode()
    assert "Edit<span" in admin.get("/teams/").content.decode()


def test_territories_checked_created_and_changed_from_a_date(org: None,
                                                            signed_in: SignIn) -> None:
    admin = signed_in("admin")
    rep = Person.objects.get(user__username="rep")
    bad = admin.post("/territories/new/", {"code": "emea-ent", "name": "EMEA enterprise",
                                           "rule": 'account.regoin == "EMEA"',
                                           "since": "2026-01-01"})
    assert bad.status_code == 422 and "account.regoin" in bad.content.decode()
    assert not Territory.objects.exists()
    live = admin.post("/territories/check/", {"rule": 'account.region == "EMEA" and'})
    assert live.status_code == 200 and 'role="alert"' in live.content.decode()
    good = admin.post("/territories/check/", {"rule": 'account.region == "EMEA"'})
    assert "reads well" in good.content.decode()
    answer = admin.post("/territories/new/", {
        "code": "emea-ent", "name": "EMEA enterprise", "rule": 'account.region == "EMEA"',
        "since": "2026-01-01", "owner": rep.employee_id})
    assert answer.status_code == 302
    holder = TerritoryHolder.objects.get()
    assert (holder.person, holder.valid_from) == (rep, dt.date(2026, 1, 1))
    answer = admin.post("/territories/emea-ent/edit/", {
        "name": "EMEA enterprise", "since": "2026-07-01",
        "rule": 'account.region == "EMEA" and account.segment == "enterprise"'})
    assert answer.status_code == 302
    versions = list(Territory.objects.order_by("valid_from").values_list(
        "valid_from", "valid_to", "rule"))
    assert versions == [
        (dt.date(2026, 1, 1), dt.date(2026, 6, 30), 'account.region == "EMEA"'),
        (dt.date(2026, 7, 1), None,
         'account.region == "EMEA" and account.segment == "enterprise"')]
    # the holder carries over to the new version: one holding per version, no gap
    held = list(TerritoryHolder.objects.order_by("valid_from").values_list(
        "territory__valid_from", "valid_from", "valid_to"))
    assert held == [(dt.date(2026, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
                    (dt.date(2026, 7, 1), dt.date(2026, 7, 1), None)]
    page = admin.get("/territories/").content.decode()
    assert "account.segment" in page and rep.name in page
    # the territory ends: its latest version and its holder stop that day
    rule = 'account.region == "EMEA" and account.segment == "enterprise"'
    too_early = admin.post("/territories/emea-ent/edit/", {
        "name": "EMEA enterprise", "rule": rule, "since": "2026-07-01",
        "until": "2025-12-31"})
    assert too_early.status_code == 422 and "cannot end before" in too_early.content.decode()
    assert Territory.objects.filter(valid_to__isnull=True).count() == 1
    ended = admin.post("/territories/emea-ent/edit/", {
        "name": "EMEA enterprise", "rule": rule, "since": "2026-07-01",
        "until": "2026-09-30"})
    assert ended.status_code == 302
    assert Territory.objects.order_by("valid_from").last().valid_to == dt.date(2026, 9, 30)  # type: ignore[union-attr]
    assert TerritoryHolder.objects.order_by("valid_from").last().valid_to == dt.date(  # type: ignore[union-attr]
        2026, 9, 30)


def test_only_admins_edit_the_org(org: None, signed_in: SignIn) -> None:
    rep, _old, new_team = _rep_and_other_team()
    team_code = new_team.code
    for username in ("finance", "manager", "rep", "executive"):
        client = signed_in(username)
        for url in ("/people/new/", f"/people/{rep.employee_id}/edit/", "/teams/new/",
                    f"/teams/{team_code}/edit/", "/territories/", "/territories/new/"):
            assert client.get(url).status_code == 403, (username, url)
        assert client.post(f"/people/{rep.employee_id}/edit/",
                           _person_form(rep, name="Hacked")).status_code == 403
        assert client.post("/teams/new/", {"code": "X", "name": "X"}).status_code == 403
        assert client.post("/territories/check/", {"rule": "true"}).status_code == 403
        assert "New person" not in client.get("/people/").content.decode()
    rep.refresh_from_db()
    assert rep.name != "Hacked" and not Team.objects.filter(code="X").exists()
    assert TeamMembership.objects.filter(person=rep).count() == 1


def test_territory_list_costs_a_fixed_number_of_queries(
        org: None, signed_in: SignIn, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    people = list(Person.objects.all()[:8])
    for number, person in enumerate(people):
        territory = Territory.objects.create(code=f"t{number}", name=f"T{number}",
                                             rule="true", valid_from=dt.date(2026, 1, 1))
        TerritoryHolder.objects.create(territory=territory, person=person,
                                       valid_from=dt.date(2026, 1, 1))
    admin = signed_in("admin")
    # measured 10: session, user, display preference, person, territories, holders, ended,
    # and the session saved (three); a query per territory would add 8 more
    with django_assert_max_num_queries(10):
        page = admin.get("/territories/")
    assert page.content.decode().count("/edit/") == len(people)
