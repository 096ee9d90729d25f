"""Sales ops edits people and teams in the app: a person's record, team (from a date),
leaving date; a team's name, region, parent and manager (from a date).

Views are thin: a Django form checks each field, the org services make the change
(effective-dated, audited) and say why they refuse one; only admins get here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from attain.core.dating import as_of_q
from attain.org import services as org_services
from attain.org.models import AccessRole, Person, Region, Role, Team
from attain.web.decorators import roles


def _date(label: str, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}))


class PersonForm(forms.Form):
    employee_id = forms.SlugField(label="Employee id", max_length=40,
                                  help_text="Warehouse rows name people by it; cannot change.")
    name = forms.CharField(max_length=200)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices)
    access_role = forms.ChoiceField(
        label="Access", required=False,
        choices=[("", "The role's usual access"), *AccessRole.choices])
    hire_date = _date("Hired on")
    region = forms.ModelChoiceField(Region.objects.all(), required=False, to_field_name="code")
    cost_center = forms.CharField(label="Cost centre", max_length=40, required=False)
    currency = forms.RegexField(regex=r"^[A-Z]{3}$", initial="USD", max_length=3,
                                error_messages={"invalid": "three capital letters, like USD"})
    team = forms.ModelChoiceField(Team.objects.all(), required=False, to_field_name="code",
                                  help_text="Their manager is this team's manager.")
    team_since = _date("In this team from", required=False,
                       help_text="A move keeps earlier results with the old team.")
    termination_date = _date("Last day", required=False,
                             help_text="Leaving ends their team and sign-in after that day.")

    def __init__(self, *args: Any, editing: Person | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing is not None:
            self.fields["employee_id"].disabled = True
            self.fields["employee_id"].required = False


class TeamForm(forms.Form):
    code = forms.SlugField(max_length=40, help_text="Imports and quotas name teams by it.")
    name = forms.CharField(max_length=200)
    region = forms.ModelChoiceField(Region.objects.all(), required=False, to_field_name="code")
    parent = forms.ModelChoiceField(Team.objects.all(), required=False, to_field_name="code",
                                    empty_label="— at the top —")
    parent_since = _date("Under this parent from", required=False,
                         help_text="Roll-ups of earlier days still reach the old parent.")
    manager = forms.ModelChoiceField(
        Person.objects.filter(termination_date__isnull=True), required=False,
        to_field_name="employee_id", empty_label="— no change —")
    manager_since = _date("Managed by them from", required=False)

    def __init__(self, *args: Any, editing: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing is not None:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
            parent = self.fields["parent"]
            assert isinstance(parent, forms.ModelChoiceField)
            parent.queryset = Team.objects.exclude(pk=editing.pk)


def _refused(form: forms.Form, error: org_services.OrgChangeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _render(request: HttpRequest, form: forms.Form, title: str, **context: Any) -> HttpResponse:
    return render(request, "web/org_edit.html", {"form": form, "title": title, **context},
                  status=422 if form.is_bound and form.errors else 200)


def _person_initial(person: Person, today: dt.date) -> dict[str, Any]:
    membership = person.memberships.filter(as_of_q(today)).select_related("team").first()
    return {"employee_id": person.employee_id, "name": person.name, "email": person.email,
            "role": person.role, "access_role": person.access_role,
            "hire_date": person.hire_date, "region": person.region.code if person.region else "",
            "cost_center": person.cost_center, "currency": person.currency,
            "team": membership.team.code if membership else "", "team_since": today,
            "termination_date": person.termination_date}


@roles(AccessRole.ADMIN)
def person_new(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, initial={"currency": "USD"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person = org_services.create_person(
                    employee_id=data["employee_id"], name=data["name"], email=data["email"],
                    role=data["role"], access_role=data["access_role"],
                    hire_date=data["hire_date"], region=data["region"],
                    cost_center=data["cost_center"], currency=data["currency"],
                    team=data["team"], actor=request.user)
                if data["termination_date"]:
                    org_services.set_leaving_date(person=person,
                                                  last_day=data["termination_date"],
                                                  actor=request.user)
        except org_services.OrgChangeError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Added {person.name}.")
            return redirect("person", employee_id=person.employee_id)
    return _render(request, form, "New person")


@roles(AccessRole.ADMIN)
def person_edit(request: HttpRequest, employee_id: str) -> HttpResponse:
    person = Person.objects.select_related("region").filter(employee_id=employee_id).first()
    if person is None:
        raise Http404("no such person")
    today = dt.date.today()
    initial = _person_initial(person, today)
    form = PersonForm(request.POST or None, initial=initial, editing=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {name: data[name] for name in org_services.EDITABLE_PERSON_FIELDS}
        values["access_role"] = values["access_role"] or person.access_role
        try:
            with transaction.atomic():
                org_services.update_person(person=person, values=values, actor=request.user)
                if data["team"] is not None and (
                        data["team"].code != initial["team"]
                        or (data["team_since"] and data["team_since"] != today)):
                    org_services.move_person(person=person, team=data["team"],
                                             since=data["team_since"] or today,
                                             actor=request.user)
                org_services.set_leaving_date(person=person, last_day=data["termination_date"],
                                              actor=request.user)
        except org_services.OrgChangeError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Saved {person.name}.")
            return redirect("person", employee_id=person.employee_id)
    return _render(request, form, f"Edit {person.name}", person=person)


def _team_initial(team: Team, today: dt.date) -> dict[str, Any]:
    manager = team.managers.filter(as_of_q(today)).select_related("person").first()
    return {"code": team.code, "name": team.name,
            "region": team.region.code if team.region else "",
            "parent": team.parent.code if team.parent else "", "parent_since": today,
            "manager": manager.person.employee_id if manager else "", "manager_since": today}


def _save_team(request: HttpRequest, form: TeamForm, team: Team | None) -> Team:
    """The team's record, parent and manager, in one transaction (all or nothing)."""
    data = form.cleaned_data
    today = dt.date.today()
    with transaction.atomic():
        created = team is None
        saved = org_services.save_team(code=data["code"] if created else team.code,  # type: ignore[union-attr]
                                       name=data["name"], region=data["region"], team=team,
                                       actor=request.user)
        # a new team's first parent holds since always (it has no history before)
        since = data["parent_since"] or (org_services.BEGINNING if created else today)
        if data["parent"] is not None or not created:
            org_services.move_team(team=saved, parent=data["parent"], since=since,
                                   actor=request.user)
        if data["manager"] is not None:
            org_services.set_team_manager(
                team=saved, manager=data["manager"],
                since=data["manager_since"] or (data["manager"].hire_date if created
                                                else today),
                actor=request.user)
    return saved


@roles(AccessRole.ADMIN)
def team_new(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = _save_team(request, form, None)
        except org_services.OrgChangeError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Added team {team.name}.")
            return redirect("teams")
    return _render(request, form, "New team")


@roles(AccessRole.ADMIN)
def team_edit(request: HttpRequest, code: str) -> HttpResponse:
    team = Team.objects.select_related("region", "parent").filter(code=code).first()
    if team is None:
        raise Http404("no such team")
    form = TeamForm(request.POST or None, initial=_team_initial(team, dt.date.today()),
                    editing=team)
    if request.method == "POST" and form.is_valid():
        try:
            _save_team(request, form, team)
        except org_services.OrgChangeError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Saved team {team.name}.")
            return redirect("teams")
    return _render(request, form, f"Edit team {team.name}", team=team)
