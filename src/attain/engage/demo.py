"""The demo company's contests, badges and kudos, so the engagement pages are not empty.

Made through the same services a manager and sales ops use (their demo logins), relative
to the demo's ``as_of`` day: a deals-won sprint of the manager's team and a company-wide
meetings month, both running; last quarter's revenue race, finished and frozen with its
winners; the badge rules over the demo's history; a few kudos from the manager.
"""

from __future__ import annotations

import datetime as dt

from attain.core.company import company_calendar
from attain.engage import contests as contest_services
from attain.engage import recognition, standings
from attain.engage.contests import ContestInput
from attain.engage.models import Contest
from attain.org.models import Person, TeamManager
from attain.warehouse.demo import history_start

KUDOS = ("Closed the biggest deal of the month: thank you for the persistence.",
         "Great discovery calls this week; the whole team learned from them.")


def seed(*, as_of: dt.date) -> dict[str, int]:
    """Create the demo's contests and kudos and award the badges; counts of what was made.
    Does nothing if contests exist already (a rebuilt demo starts from an empty org)."""
    if Contest.objects.exists():
        return {}
    manager = Person.objects.filter(user__username="manager").select_related("user").first()
    admin = Person.objects.filter(user__username="admin").select_related("user").first()
    if manager is None or admin is None or manager.user is None or admin.user is None:
        return {}
    managed = (TeamManager.objects.as_of(as_of).filter(person=manager)
               .select_related("team").first())
    top = TeamManager.objects.as_of(as_of).filter(team__parent__isnull=True).select_related(
        "team").first()
    made = 0
    if managed is not None:
        sprint = contest_services.save_contest(user=manager.user, data=ContestInput(
            name="Deal sprint", metric="deals_won",
            start=(as_of - dt.timedelta(days=30)).isoformat(),
            end=(as_of + dt.timedelta(days=20)).isoformat(), team=managed.team.code,
            rules="Every deal closed won between the first and the last day counts. "
                  "Ties share the prize.",
            prizes=[("1", "", "Team dinner, your pick"), ("", "5", "An extra day off")]),
            today=as_of)
        contest_services.publish(user=manager.user, contest=sprint)
        quarter = company_calendar().period_containing(as_of, "quarter").prior()
        race = contest_services.save_contest(user=manager.user, data=ContestInput(
            name=f"{quarter.label} revenue race", metric="revenue",
            start=quarter.start.isoformat(), end=quarter.end.isoformat(),
            team=managed.team.code, rules="Net bookings in the quarter.",
            prizes=[("1", "", "Weekend away"), ("2", "", "Noise-cancelling headphones")]),
            today=quarter.start)
        contest_services.publish(user=manager.user, contest=race)
        standings.freeze(race, today=as_of)
        made += 2
    if top is not None:
        meetings = contest_services.save_contest(user=admin.user, data=ContestInput(
            name="Meetings month", metric="meetings",
            start=(as_of - dt.timedelta(days=14)).isoformat(),
            end=(as_of + dt.timedelta(days=14)).isoformat(), team=top.team.code,
            rules="Meetings logged with customers; internal meetings do not count.",
            prizes=[("1", "", "Conference ticket")]), today=as_of)
        contest_services.publish(user=admin.user, contest=meetings)
        made += 1
    badges = recognition.award_badges(since=history_start(as_of), until=as_of)
    kudos = 0
    if managed is not None:
        reps = contest_services.entrants_of(Contest.objects.get(slug="deal-sprint"), today=as_of)
        for person, message in zip(reps[:2], KUDOS, strict=False):
            recognition.give_kudos(user=manager.user, employee_id=person.employee_id,
                                   message=message, today=as_of)
            kudos += 1
    return {"contests": made, "badges": sum(badges.values()), "kudos": kudos}
