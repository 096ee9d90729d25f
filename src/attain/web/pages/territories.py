"""Territories (sales ops): the list with today's rule and holder, create one, change its
rule or owner from a date. The rule is checked as it is typed (htmx) and again on save,
with the character a mistake is at."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attain.core.dating import as_of_q
from attain.org.models import AccessRole, Person
from attain.plans.expressions import ExpressionError
from attain.territories import services as territory_services
from attain.territories.models import Territory, TerritoryHolder
from attain.web.decorators import roles
from attain.web.pages.org_admin import _date

RULE_HELP = ("A condition on account fields: " + ", ".join(sorted(
    territory_services.ACCOUNT_FIELDS)) + '. e.g. account.region == "EMEA"')


class TerritoryForm(forms.Form):
    code = forms.SlugField(max_length=60)
    name = forms.CharField(max_length=200)
    rule = forms.CharField(widget=forms.Textarea(attrs={
        "rows": 3, "hx-post": "/territories/check/", "hx-target": "#rule-check",
        "hx-trigger": "input changed delay:400ms"}), help_text=RULE_HELP)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    since = _date("In force from", help_text="A change keeps the old rule for earlier days.")
    until = _date("Last day", required=False,
                  help_text="Empty: open-ended. Its holders stop that day too.")
    owner = forms.ModelChoiceField(Person.objects.filter(termination_date__isnull=True),
                                   required=False, to_field_name="employee_id",
                                   empty_label="— no change —")
    owner_since = _date("Held by them from", required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False

    def clean_rule(self) -> str:
        rule: str = self.cleaned_data["rule"]
        try:
            territory_services.check_rule(rule)
        except ExpressionError as error:
            raise forms.ValidationError(f"{error.message}\n{error.pointer()}") from None
        return rule


@roles(AccessRole.ADMIN)
def territories(request: HttpRequest) -> HttpResponse:
    """Each territory as it stands on the day (default today), with its holders then."""
    day = dt.date.today()
    current = list(Territory.objects.filter(as_of_q(day)).order_by("code"))
    holders: dict[int, list[TerritoryHolder]] = {}
    for holder in TerritoryHolder.objects.filter(as_of_q(day), territory__in=current
                                                 ).select_related("person"):
        holders.setdefault(holder.territory_id, []).append(holder)
    rows = [{"territory": t, "holders": holders.get(t.pk, [])} for t in current]
    ended = (Territory.objects.exclude(code__in=[t.code for t in current])
             .order_by("code", "-valid_from"))
    return render(request, "web/territories.html", {"rows": rows, "ended": ended, "day": day})


@roles(AccessRole.ADMIN)
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    """The rule's verdict as it is typed (an htmx fragment)."""
    rule = request.POST.get("rule", "")
    problem = ""
    if rule.strip():
        try:
            territory_services.check_rule(rule)
        except ExpressionError as error:
            problem = f"{error.message}\n{error.pointer()}"
    return render(request, "web/_rule_check.html", {"rule": rule, "problem": problem})


def _owner(request: HttpRequest, code: str, data: dict[str, Any]) -> None:
    if data["owner"] is not None:
        territory_services.set_owner(code=code, person=data["owner"],
                                     since=data["owner_since"] or data["since"],
                                     actor=request.user)


def _refused(form: forms.Form, error: territory_services.TerritoryChangeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _render(request: HttpRequest, form: forms.Form, title: str) -> HttpResponse:
    return render(request, "web/org_edit.html", {"form": form, "title": title},
                  status=422 if form.is_bound and form.errors else 200)


@roles(AccessRole.ADMIN)
def new(request: HttpRequest) -> HttpResponse:
    form = TerritoryForm(request.POST or None, initial={"since": dt.date.today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if Territory.objects.filter(code=data["code"]).exists():
            form.add_error("code", f"{data['code']} exists; edit it to change its rule")
        else:
            try:
                with transaction.atomic():
                    if data["until"] is not None and data["until"] < data["since"]:
                        raise territory_services.TerritoryChangeError(
                            "the last day comes before the first", "until")
                    territory_services.save_territory(
                        code=data["code"], name=data["name"], rule=data["rule"],
                        valid_from=data["since"], valid_to=data["until"],
                        actor=request.user)
                    _owner(request, data["code"], data)
            except territory_services.TerritoryChangeError as error:
                _refused(form, error)
            else:
                messages.success(request, f"Added territory {data['name']}.")
                return redirect("territories")
    return _render(request, form, "New territory")


@roles(AccessRole.ADMIN)
def edit(request: HttpRequest, code: str) -> HttpResponse:
    versions = territory_services.versions(code)
    if not versions:
        raise Http404("no such territory")
    latest = versions[-1]
    form = TerritoryForm(request.POST or None, editing=True, initial={
        "code": code, "name": latest.name, "rule": latest.rule,
        "description": latest.description, "since": max(dt.date.today(), latest.valid_from),
        "until": latest.valid_to})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if (data["name"], data["rule"], data["description"]) != (
                        latest.name, latest.rule, latest.description):
                    territory_services.change_territory(
                        code=code, name=data["name"], rule=data["rule"],
                        description=data["description"], since=data["since"],
                        actor=request.user)
                _owner(request, code, data)
                territory_services.end_territory(code=code, last_day=data["until"],
                                                 actor=request.user)
        except territory_services.TerritoryChangeError as error:
            _refused(form, error)
        else:
            messages.success(request, f"Saved territory {data['name']}.")
            return redirect("territories")
    return _render(request, form, f"Edit territory {latest.name}")
