"""People, teams, plans, runs and the audit log as pages: content, permissions, no N+1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from attain.core.models import AuditEntry, Job
from attain.engine.models import CalculationRun
from attain.org.models import Person
from attain.plans.models import PlanVersion, VersionStatus
from attain.web import access

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]
TODAY = dt.date.today()


def _outsider(manager: str = "manager") -> Person:
    """A rep the demo manager does not manage today (and not the demo rep)."""
    team = access.visible_people(Person.objects.get(user__username=manager).user, TODAY) or set()
    found = (Person.objects.filter(role="rep", termination_date__isnull=True)
             .exclude(employee_id__in=team).exclude(user__username="rep").first())
    assert found is not None
    return found


def test_a_manager_finds_their_team_in_the_directory(calculated: str, signed_in: SignIn) -> None:
    page = signed_in("manager").get("/people/").content.decode()
    manager = Person.objects.get(user__username="manager")
    team = (access.visible_people(manager.user, TODAY) or set()) - {manager.employee_id}
    someone = Person.objects.filter(employee_id__in=team).first()
    assert someone is not None and someone.name in page
    assert _outsider().name not in page


def test_the_directory_search_answers_with_rows_for_htmx(calculated: str,
                                                          signed_in: SignIn) -> None:
    admin = signed_in("admin")
    target = _outsider()
    fragment = admin.get(f"/people/?q={target.employee_id}", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert target.name in body and "<html" not in body and body.count("<tr>") == 1


def test_a_rep_has_no_directory_and_cannot_open_another_person(calculated: str,
                                                                signed_in: SignIn) -> None:
    rep = signed_in("rep")
    assert rep.get("/people/").status_code == 403
    assert rep.get(f"/people/{_outsider().employee_id}/").status_code == 404
    me = Person.objects.get(user__username="rep")
    mine = rep.get(f"/people/{me.employee_id}/").content.decode()
    assert "Quotas" in mine and me.name in mine


def test_a_manager_cannot_open_another_teams_rep(calculated: str, signed_in: SignIn) -> None:
    assert signed_in("manager").get(f"/people/{_outsider().employee_id}/").status_code == 404


def test_an_executive_sees_the_person_but_not_their_quota(calculated: str,
                                                          signed_in: SignIn) -> None:
    page = signed_in("executive").get(f"/people/{_outsider().employee_id}/").content.decode()
    assert _outsider().name in page and "Quotas" not in page


def test_the_directory_costs_a_fixed_number_of_queries(
        calculated: str, signed_in: SignIn, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in("admin")
    with django_assert_max_num_queries(12):
        assert admin.get("/people/").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin.get("/teams/").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin.get("/plans/").status_code == 200


def test_the_team_tree_shows_managers_and_nesting(calculated: str, signed_in: SignIn) -> None:
    page = signed_in("rep").get("/teams/").content.decode()
    manager = Person.objects.get(user__username="manager")
    assert manager.name in page and "<ul>" in page  # a child list under a parent team


def test_a_rep_sees_only_their_own_plan(calculated: str, signed_in: SignIn) -> None:
    rep = signed_in("rep")
    listed = rep.get("/plans/").content.decode()
    assert "ae-plan" in listed and "manager-plan" not in listed
    assert rep.get("/plans/manager-plan/").status_code == 404
    assert "components:" in rep.get("/plans/ae-plan/").content.decode()


def test_plan_versions_can_be_compared(calculated: str, signed_in: SignIn) -> None:
    page = signed_in("admin").get("/plans/ae-plan/?from=1&to=2").content.decode()
    assert "Changes from v1 to v2" in page and "→" in page


def test_the_editor_points_at_the_line_of_a_problem(calculated: str, signed_in: SignIn) -> None:
    admin = signed_in("admin")
    document = PlanVersion.objects.get(plan__code="ae-plan", number=2).document
    broken = document.replace("version: 2", "version: 3").replace("components:", "componnts:")
    line = 1 + broken.splitlines().index("componnts:")
    checked = admin.post("/plans/check/", {"document": broken}).content.decode()
    assert f"Line {line}, column 1" in checked and "componnts" in checked
    saved = admin.post("/plans/ae-plan/edit/", {"document": broken, "note": "typo"})
    assert saved.status_code == 422 and f"Line {line}" in saved.content.decode()
    assert not PlanVersion.objects.filter(plan__code="ae-plan", number=3).exists()


def test_a_new_version_is_saved_as_a_draft_then_published(calculated: str,
                                                          signed_in: SignIn) -> None:
    admin = signed_in("admin")
    v2 = PlanVersion.objects.get(plan__code="ae-plan", number=2)
    new = (v2.document.replace("version: 2", "version: 3")
           .replace(f"effective_from: {v2.valid_from.isoformat()}", "effective_from: 2026-12-01"))
    assert admin.post("/plans/check/", {"document": new}).content.decode().count("valid") == 1
    response = admin.post("/plans/ae-plan/edit/", {"document": new, "note": "FY2027"})
    assert response.status_code == 302
    v3 = PlanVersion.objects.get(plan__code="ae-plan", number=3)
    assert v3.status == VersionStatus.DRAFT and v3.document == new
    admin.post("/plans/ae-plan/v/3/publish/")
    v2.refresh_from_db()
    v3.refresh_from_db()
    assert v3.status == VersionStatus.PUBLISHED
    assert v2.valid_to == dt.date(2026, 11, 30)  # ends the day before v3 starts
    assert AuditEntry.objects.filter(object_type="plans.PlanVersion", action="publish").exists()


def test_only_sales_ops_may_edit_plans(calculated: str, signed_in: SignIn) -> None:
    for username in ("finance", "manager", "rep"):
        client = signed_in(username)
        assert client.get("/plans/ae-plan/edit/").status_code in (403, 404)
        assert client.post("/plans/check/", {"document": "x"}).status_code == 403


def test_sales_ops_start_a_run_and_follow_it_to_the_end(calculated: str,
                                                        signed_in: SignIn) -> None:
    admin = signed_in("admin")
    before = CalculationRun.objects.count()
    response = admin.post("/runs/start/", {"period": "2026-Q2", "plan": ""})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "succeeded", job.error  # the test settings run jobs immediately
    assert CalculationRun.objects.count() == before + 1
    page = admin.get(response["Location"]).content.decode()
    assert job.result["run_id"] in page and "Succeeded" in page
    listed = admin.get("/runs/").content.decode()
    assert "FY2026-Q2" in listed


def test_a_bad_period_is_refused_with_a_reason(calculated: str, signed_in: SignIn) -> None:
    response = signed_in("admin").post("/runs/start/", {"period": "2026-Q5"})
    assert response.status_code == 422 and "Q5" in response.content.decode()


def test_runs_show_money_to_finance_and_not_to_executives(calculated: str,
                                                          signed_in: SignIn) -> None:
    run = CalculationRun.objects.get(run_id=calculated)
    total = next(iter(run.totals.values()))
    whole = f"{int(float(total)):,}"
    assert whole in signed_in("finance").get("/runs/").content.decode()
    assert whole not in signed_in("executive").get("/runs/").content.decode()
    assert signed_in("rep").get("/runs/").status_code == 403
    assert signed_in("finance").post("/runs/start/", {"period": "2026-Q2"}).status_code == 403


def test_the_audit_log_shows_changes_to_finance_only(calculated: str, signed_in: SignIn) -> None:
    assert signed_in("rep").get("/audit/").status_code == 403
    assert signed_in("manager").get("/audit/").status_code == 403
    page = signed_in("finance").get("/audit/?type=plans.Plan").content.decode()
    assert "demo plans" in page


def test_navigation_lists_only_what_the_role_may_open(calculated: str,
                                                      signed_in: SignIn) -> None:
    rep_page = signed_in("rep").get("/").content.decode()
    assert 'href="/plans/"' in rep_page and 'href="/audit/"' not in rep_page
    assert 'href="/people/"' not in rep_page
    finance_page = signed_in("finance").get("/").content.decode()
    assert 'href="/audit/"' in finance_page and 'href="/runs/"' in finance_page


def test_finance_models_a_plan_version_against_the_published_run(calculated: str,
                                                                 signed_in: SignIn) -> None:
    finance = signed_in("finance")
    page = finance.get("/plans/ae-plan/?v=2").content.decode()
    assert "What if v2 had paid?" in page
    response = finance.post("/plans/ae-plan/v/2/whatif/", {"period": "FY2026-Q3"})
    job = Job.objects.get(kind="whatif")
    assert job.status == "succeeded", job.error
    # the published version against itself changes nobody's pay
    assert job.result["gainers"] == 0 and job.result["losers"] == 0
    assert "0 gain · 0 lose" in finance.get(response["Location"]).content.decode()
    assert signed_in("rep").post("/plans/ae-plan/v/2/whatif/",
                                 {"period": "FY2026-Q3"}).status_code == 403


def test_a_user_creates_and_revokes_their_own_api_token(calculated: str,
                                                        signed_in: SignIn) -> None:
    from attain.api.models import ApiToken

    rep = signed_in("rep")
    page = rep.post("/account/tokens/", {"name": "my script"}).content.decode()
    token = ApiToken.objects.get(user__username="rep")
    secret = page.split('<pre class="document">')[1].split("</pre>")[0]
    assert secret.startswith(token.prefix)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/me").json()["role"] == "rep"
    other = signed_in("manager")
    assert other.post("/account/tokens/", {"revoke": token.pk}).status_code == 404
    rep = signed_in("rep")
    rep.post("/account/tokens/", {"revoke": token.pk})
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/me").status_code == 401
