from django.contrib.auth import views as auth_views
from django.urls import path

from attain.web import views
from attain.web.pages import (
    audit,
    disputes,
    imports,
    kpis,
    payruns,
    people,
    plans,
    runs,
    statements,
)

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
    path("people/", people.people, name="people"),
    path("people/<str:employee_id>/", people.person, name="person"),
    path("teams/", people.teams, name="teams"),
    path("plans/", plans.plans, name="plans"),
    path("plans/check/", plans.check, name="plan-check"),
    path("plans/<slug:code>/", plans.plan, name="plan"),
    path("plans/<slug:code>/edit/", plans.edit, name="plan-edit"),
    path("plans/<slug:code>/v/<int:number>/publish/", plans.publish, name="plan-publish"),
    path("runs/", runs.runs, name="runs"),
    path("runs/start/", runs.start, name="run-start"),
    path("jobs/<int:job_id>/", runs.job, name="job"),
    path("audit/", audit.audit, name="audit"),
    path("payruns/", payruns.payruns, name="payruns"),
    path("payruns/calculate/", payruns.calculate, name="payrun-calculate"),
    path("payruns/<str:period>/", payruns.act, name="payrun-act"),
    path("payruns/<str:period>/payroll/", payruns.payroll, name="payroll"),
    path("imports/", imports.imports, name="imports"),
    path("jobs/<int:job_id>/errors.csv", imports.errors_csv, name="import-errors"),
    path("kpis/", kpis.explorer, name="kpis"),
    path("statements/", statements.index, name="statements"),
    path("statements/<str:employee_id>/<str:period>/", statements.statement, name="statement"),
    path("statements/<str:employee_id>/<str:period>/lines/<int:line>/dispute/",
         statements.dispute, name="statement-dispute"),
    path("disputes/", disputes.disputes, name="disputes"),
    path("disputes/<int:dispute_id>/", disputes.act, name="dispute-act"),
    path("dashboard/", kpis.dashboard, name="dashboard"),
    path("dashboard/tiles/", kpis.dashboard_tiles, name="dashboard-tiles"),
]
