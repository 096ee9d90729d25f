"""Recognition: badges awarded by rules, kudos from managers, and the feed of both.

Rules (each badge once per occasion, so running them again awards nothing twice):

- **First deal won**: a person's first won deal (the catalog's ``deals_won`` by month);
- **100% of quota**: a quarter's quota attainment (the catalog's ``quota_attainment``) of
  at least 100%, once per quarter;
- **Contest winner**: rank 1 of a finished contest (ties share it), once per contest.

Badges and kudos carry no money, so the feed shows a person's recognition to their peers:
a rep sees their team's, a manager their people's, everyone else the company's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from attain import metrics
from attain.core import audit
from attain.core.company import company_calendar
from attain.engage.models import Badge, BadgeKind, Contest, Kudos
from attain.org.models import AccessRole, Person
from attain.web import access

if TYPE_CHECKING:
    from attain.engage.standings import Place

KUDOS_LENGTH = 500


def _award(person_id: int, kind: str, occasion: str, day: dt.date, reason: str) -> bool:
    """One badge, unless it was already given for this occasion. True when new."""
    try:
        with transaction.atomic():
            _badge, made = Badge.objects.get_or_create(
                person_id=person_id, kind=kind, occasion=occasion,
                defaults={"awarded_on": day, "reason": reason[:300]})
    except IntegrityError:  # awarded by another process meanwhile
        return False
    return made


def award_contest_winners(contest: Contest, places: Iterable[Place], *, day: dt.date) -> int:
    """Rank 1 of a finished contest gets the winner's badge (everyone tied for it)."""
    winners = [p for p in places if p.rank == 1]
    ids = dict(Person.objects.filter(employee_id__in=[w.employee_id for w in winners])
               .values_list("employee_id", "id"))
    return sum(_award(ids[w.employee_id], BadgeKind.CONTEST_WINNER, contest.slug, day,
                      f"Won {contest.name}") for w in winners if w.employee_id in ids)


def award_badges(*, since: dt.date, until: dt.date) -> dict[str, int]:
    """Apply the rules to ``since``..``until`` (two catalog queries); new badges by kind."""
    people = dict(Person.objects.values_list("employee_id", "id"))
    awarded = {BadgeKind.FIRST_WIN.value: 0, BadgeKind.QUOTA_CLUB.value: 0}
    first: dict[str, tuple[dt.date, str]] = {}
    for row in metrics.get("deals_won").query(
            by=["person"], grain="month", start=since, end=until).to_pyarrow().to_pylist():
        if row["person"] in people and (row["value"] or 0) > 0:
            known = first.get(row["person"])
            if known is None or row["period_start"] < known[0]:
                first[row["person"]] = (row["period_start"], row["period"])
    already = set(Badge.objects.filter(kind=BadgeKind.FIRST_WIN)
                  .values_list("person__employee_id", flat=True))
    for employee_id, (start, label) in first.items():
        if employee_id not in already:
            awarded[BadgeKind.FIRST_WIN] += _award(
                people[employee_id], BadgeKind.FIRST_WIN, "", min(until, _month_end(start)),
                f"First deal won, in {label}")
    quarters = company_calendar().periods_between(since, until, "quarter")
    if quarters:
        for row in metrics.get("quota_attainment").query(
                by=["person"], grain="quarter", start=quarters[0].start,
                end=quarters[-1].end).to_pyarrow().to_pylist():
            value = row["value"]
            if row["person"] in people and value is not None and value >= 1:
                percent = (Decimal(value) * 100).quantize(Decimal(1))
                awarded[BadgeKind.QUOTA_CLUB] += _award(
                    people[row["person"]], BadgeKind.QUOTA_CLUB, row["period"],
                    min(until, row["period_end"]), f"{percent}% of quota in {row['period']}")
    return awarded


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


# --- kudos ----------------------------------------------------------------------------------


class KudosError(ValueError):
    pass


def may_give_kudos(user: Any) -> bool:
    return access.role_of(user) in (AccessRole.MANAGER, AccessRole.ADMIN)


def give_kudos(*, user: Any, employee_id: str, message: str,
               today: dt.date | None = None) -> Kudos:
    """A manager thanks someone below them (sales ops: anyone), with a message."""
    today = today or dt.date.today()
    giver = access.person_of(user)
    if not may_give_kudos(user) or giver is None:
        raise KudosError("only managers and sales ops give kudos")
    receiver = Person.objects.filter(employee_id=employee_id.strip()).first()
    if receiver is None or not access.can_see_money_of(user, receiver.employee_id, today):
        raise KudosError("choose someone in your team")
    if receiver.pk == giver.pk:
        raise KudosError("kudos go to someone else")
    text = message.strip()
    if not text:
        raise KudosError("say what the kudos are for")
    if len(text) > KUDOS_LENGTH:
        raise KudosError(f"at most {KUDOS_LENGTH} characters ({len(text)} given)")
    kudos = Kudos.objects.create(giver=giver, receiver=receiver, message=text)
    audit.record(actor=user, action="create", obj=kudos, after=audit.snapshot(kudos),
                 reason="kudos")
    return kudos


def kudos_choices(user: Any, *, today: dt.date) -> list[Person]:
    if not may_give_kudos(user):
        return []
    me = access.person_of(user)
    found = Person.objects.order_by("name")
    visible = access.visible_people(user, today)
    if visible is not access.ALL:
        found = found.filter(employee_id__in=visible)
    return [p for p in found if me is None or p.pk != me.pk]


# --- who sees whose recognition, and the feed -----------------------------------------------


def circle(user: Any, *, day: dt.date) -> set[str] | None:
    """Whose badges and kudos ``user`` sees: their peers and the people in their directory
    (None: everyone)."""
    from attain.engage.standings import peers

    mates = peers(user, day=day)
    directory = access.visible_directory(user, day)
    if mates is None or directory is access.ALL:
        return None
    return mates | directory


@dataclass(frozen=True)
class FeedItem:
    when: dt.date
    kind: str
    """``badge`` or ``kudos``."""
    person: str
    title: str
    text: str
    by: str = ""


def visible_badges(user: Any, *, day: dt.date) -> Any:
    found = Badge.objects.select_related("person")
    people = circle(user, day=day)
    return found if people is None else found.filter(person__employee_id__in=people)


def feed(user: Any, *, day: dt.date, limit: int = 8) -> list[FeedItem]:
    """The latest badges and kudos of the viewer's circle, newest first (two queries)."""
    people = circle(user, day=day)
    kudos = Kudos.objects.select_related("giver", "receiver")
    if people is not None:
        kudos = kudos.filter(receiver__employee_id__in=people)
    items = [FeedItem(b.awarded_on, "badge", b.person.name, b.get_kind_display(), b.reason)
             for b in visible_badges(user, day=day)[:limit]]
    items += [FeedItem(timezone_day(k.created_at), "kudos", k.receiver.name, "Kudos",
                       k.message, k.giver.name) for k in kudos[:limit]]
    items.sort(key=lambda item: item.when, reverse=True)
    return items[:limit]


def timezone_day(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(moment)
