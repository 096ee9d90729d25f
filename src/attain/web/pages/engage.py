"""Contests, leaderboards and recognition pages, and the home tile of contests.

Thin views: access and figures come from :mod:`attain.engage` (contests, standings,
recognition); a contest someone may not see answers 404 like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attain import metrics
from attain.core.company import company_calendar
from attain.core.periods import PeriodError
from attain.engage import contests as contest_services
from attain.engage import recognition
from attain.engage import standings as standing_services
from attain.engage.models import Contest
from attain.org.models import AccessRole
from attain.web import access
from attain.web.templatetags.attain import percent

PRIZE_ROWS = 3


def shown(metric: metrics.Metric, value: Decimal | None) -> str:
    """A metric value as the pages write it: money to the cent with its currency, counts
    whole, ratios as percentages, days with their unit."""
    if value is None:
        return "—"
    if metric.unit == "money":
        return f"{value:,.2f} USD"
    if metric.unit == "ratio":
        return percent(value)
    if metric.unit == "count" and metric.places == 0:
        return f"{value:,.0f}"
    suffix = {"days": " days", "months": " months"}.get(metric.unit, "")
    return f"{value:,.{metric.places}f}{suffix}"


def _rows(metric: metrics.Metric, places: list[standing_services.Place],
          me: str | None) -> list[dict[str, Any]]:
    return [{"place": p, "value": "—" if p.hidden else shown(metric, p.value),
             "mine": p.employee_id == me} for p in places]


def _card(contest: Contest, *, today: dt.date) -> dict[str, Any]:
    state = contest_services.state_of(contest, today=today)
    try:
        label = metrics.get(contest.metric).label
    except metrics.MetricError:
        label = contest.metric
    return {"contest": contest, "state": state, "state_label": contest_services.STATE_LABELS[state],
            "metric_label": label}


@login_required
def contests(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    found = list(contest_services.visible_contests(request.user, today=today)
                 .prefetch_related("prizes"))
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in contest_services.STATE_LABELS}
    for contest in found:
        card = _card(contest, today=today)
        groups[card["state"]].append(card)
    return render(request, "web/engage_contests.html", {
        "groups": [(contest_services.STATE_LABELS[s], s, rows) for s, rows in groups.items()],
        "any": bool(found), "may_create": contest_services.may_create(request.user)})


def _form_data(request: HttpRequest) -> contest_services.ContestInput:
    post = request.POST
    return contest_services.ContestInput(
        name=post.get("name", ""), metric=post.get("metric", ""), start=post.get("start", ""),
        end=post.get("end", ""), team=post.get("team", ""), people=post.getlist("people"),
        private=post.get("private") == "on", rules=post.get("rules", ""),
        prizes=[(post.get(f"prize_rank_{n}", ""), post.get(f"prize_threshold_{n}", ""),
                 post.get(f"prize_{n}", "")) for n in range(1, PRIZE_ROWS + 1)])


def _from_contest(contest: Contest) -> contest_services.ContestInput:
    return contest_services.ContestInput(
        name=contest.name, metric=contest.metric, start=contest.start.isoformat(),
        end=contest.end.isoformat(), team=contest.team.code if contest.team else "",
        people=list(contest.people.values_list("employee_id", flat=True)),
        private=contest.private, rules=contest.rules,
        prizes=[(str(p.rank or ""), "" if p.threshold is None else f"{p.threshold}",
                 p.description) for p in contest.prizes.all()])


def _form(request: HttpRequest, data: contest_services.ContestInput, *,
          contest: Contest | None, problems: dict[str, str] | None = None,
          status: int = 200) -> HttpResponse:
    today = dt.date.today()
    prizes = list(data.prizes) + [("", "", "")] * PRIZE_ROWS
    return render(request, "web/engage_contest_form.html", {
        "data": data, "contest": contest, "problems": problems or {},
        "prizes": [(n, *prizes[n - 1]) for n in range(1, PRIZE_ROWS + 1)],
        "metrics": contest_services.contest_metrics(),
        "teams": contest_services.team_choices(request.user, today=today),
        "people": contest_services.people_choices(request.user, today=today)}, status=status)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not contest_services.may_create(request.user):
        return render(request, "web/403.html", status=403)
    if request.method != "POST":
        quarter = company_calendar().period_containing(dt.date.today(), "quarter")
        return _form(request, contest_services.ContestInput(
            start=dt.date.today().isoformat(), end=quarter.end.isoformat()), contest=None)
    data = _form_data(request)
    try:
        contest = contest_services.save_contest(user=request.user, data=data)
    except contest_services.ContestError as error:
        return _form(request, data, contest=None, problems=error.problems, status=422)
    messages.success(request, f"Saved {contest.name} as a draft: publish it when ready.")
    return redirect("contest", slug=contest.slug)


def _visible(request: HttpRequest, slug: str) -> Contest:
    found = contest_services.visible_contests(request.user, today=dt.date.today()).filter(
        slug=slug).first()
    if found is None:
        raise Http404("no such contest, or not one you may see")
    return found


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    contest = _visible(request, slug)
    if not contest_services.may_manage(request.user, contest) or contest.published_at:
        return render(request, "web/403.html", status=403)
    if request.method != "POST":
        return _form(request, _from_contest(contest), contest=contest)
    data = _form_data(request)
    try:
        contest_services.save_contest(user=request.user, data=data, contest=contest)
    except contest_services.ContestError as error:
        return _form(request, data, contest=contest, problems=error.problems, status=422)
    messages.success(request, f"Saved {contest.name}.")
    return redirect("contest", slug=contest.slug)


@login_required
def contest(request: HttpRequest, slug: str) -> HttpResponse:
    today = dt.date.today()
    found = _visible(request, slug)
    metric = metrics.get(found.metric)
    places = standing_services.standings(found, today=today)
    day = min(today, found.end)
    me = access.person_of(request.user)
    places = standing_services.shown_to(request.user, places, metric_name=found.metric,
                                        day=day)
    mine = standing_services.place_of(places, me.employee_id) if me else None
    return render(request, "web/engage_contest.html", {
        **_card(found, today=today), "metric": metric,
        "rows": _rows(metric, places, me.employee_id if me else None),
        "mine": mine, "mine_value": shown(metric, mine.value) if mine else "",
        "prizes": list(found.prizes.all()),
        "may_manage": contest_services.may_manage(request.user, found),
        "money_hidden": any(p.hidden for p in places)})


@login_required
@require_POST
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    found = _visible(request, slug)
    try:
        contest_services.publish(user=request.user, contest=found)
    except contest_services.ContestError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Published {found.name}: its entrants see it now.")
    return redirect("contest", slug=slug)


@login_required
@require_POST
def delete(request: HttpRequest, slug: str) -> HttpResponse:
    found = _visible(request, slug)
    try:
        contest_services.delete_draft(user=request.user, contest=found)
    except contest_services.ContestError as error:
        messages.error(request, str(error))
        return redirect("contest", slug=slug)
    messages.success(request, f"Deleted the draft {found.name}.")
    return redirect("contests")


@login_required
def leaderboards(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    calendar = company_calendar()
    choices = contest_services.contest_metrics()
    by_name = {m.name: m for m in choices}
    metric = by_name.get(request.GET.get("metric", ""), by_name.get("revenue", choices[0]))
    problem = ""
    current = calendar.period_containing(today, "quarter")
    try:
        period = calendar.parse(request.GET.get("period", "") or current.label)
    except PeriodError as error:
        problem, period = str(error), current
    role = access.role_of(request.user)
    sells = role in (AccessRole.REP, AccessRole.MANAGER)
    scope = request.GET.get("scope") or ("team" if sells else "company")
    scope = scope if scope in ("team", "company") else "team"
    board = standing_services.leaderboard(request.user, metric=metric, period=period,
                                          scope=scope, day=min(today, period.end))
    me = access.person_of(request.user)
    month = calendar.period_containing(today, "month")
    periods = [month, month.prior(), current, current.prior(), current.prior().prior(),
               calendar.period_containing(today, "year")]
    return render(request, "web/engage_leaderboards.html", {
        "board": board, "metrics": choices, "metric": metric, "period": period,
        "periods": [p.label for p in periods], "scope": scope, "sells": sells,
        "problem": problem,
        "rows": _rows(metric, board.places, me.employee_id if me else None),
        "mine": standing_services.place_of(board.places, me.employee_id) if me else None,
        "money_hidden": any(p.hidden for p in board.places)})


@login_required
def recognition_page(request: HttpRequest) -> HttpResponse:
    today = dt.date.today()
    if request.method == "POST":
        try:
            kudos = recognition.give_kudos(user=request.user,
                                           employee_id=request.POST.get("person", ""),
                                           message=request.POST.get("message", ""))
        except recognition.KudosError as error:
            messages.error(request, f"Kudos not sent: {error}.")
            return redirect("recognition")
        messages.success(request, f"Kudos sent to {kudos.receiver.name}.")
        return redirect("recognition")
    return render(request, "web/engage_recognition.html", {
        "feed": recognition.feed(request.user, day=today, limit=30),
        "badges": list(recognition.visible_badges(request.user, day=today)[:50]),
        "may_give": recognition.may_give_kudos(request.user),
        "people": recognition.kudos_choices(request.user, today=today),
        "max_length": recognition.KUDOS_LENGTH})


@login_required
def home_tile(request: HttpRequest) -> HttpResponse:
    """The home page's contests tile (a partial, loaded after the page like the standing):
    a manager's live contests of their team with the top three, a rep's contests with their
    rank; and the latest recognition of their circle."""
    today = dt.date.today()
    me = access.person_of(request.user)
    role = access.role_of(request.user)
    found = contest_services.visible_contests(request.user, today=today).filter(
        published_at__isnull=False, start__lte=today, end__gte=today)
    if role == AccessRole.REP and me is not None:
        found = found.filter(entries__person=me)
    elif role == AccessRole.MANAGER and me is not None:
        team = access.visible_people(request.user, today) or set()
        found = found.filter(Q(entries__person__employee_id__in=team)
                             | Q(created_by=me)).distinct()
    cards = []
    for contest in list(found.prefetch_related("prizes")[:4]):
        metric = metrics.get(contest.metric)
        places = standing_services.shown_to(
            request.user, standing_services.standings(contest, today=today),
            metric_name=contest.metric, day=today)
        mine = standing_services.place_of(places, me.employee_id) if me else None
        cards.append({**_card(contest, today=today), "entrants": len(places),
                      "top": _rows(metric, [p for p in places if p.rank is not None][:3],
                                   me.employee_id if me else None),
                      "mine": mine, "mine_value": shown(metric, mine.value) if mine else ""})
    return render(request, "web/_engage_home.html", {
        "cards": cards, "role": role,
        "feed": recognition.feed(request.user, day=today, limit=4)})
