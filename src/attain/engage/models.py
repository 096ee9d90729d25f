"""Engagement: contests, their entrants and prizes, badges and kudos.

A contest ranks its entrants by one catalog metric over its own dates. Its state is read
from its dates (:func:`attain.engage.contests.state_of`): a draft until published, then
upcoming, live, and finished after its last day, when its standings are frozen into
``results`` with who won, so a late import never rewrites a finished contest.

Money never lives here: standings are read from the metric catalog, and a frozen result
keeps the values as decimal strings.
"""

from __future__ import annotations

from django.db import models

from attain.org.models import Person, Team


class Contest(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    metric = models.CharField(max_length=80, help_text="Catalog metric ranked by.")
    start = models.DateField(help_text="First day counted.")
    end = models.DateField(help_text="Last day counted.")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="contests",
        help_text="Entrants: the people of this team and the teams below it on the "
                  "contest's dates. Empty: the people chosen one by one.")
    people = models.ManyToManyField(Person, blank=True, related_name="+",
                                    help_text="Entrants chosen one by one (no team).")
    private = models.BooleanField(
        default=False, help_text="Only entrants, their managers, finance and sales ops see "
                                 "it; otherwise every signed-in person does.")
    rules = models.TextField(blank=True)
    created_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="contests_created")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Empty: a draft nobody else sees.")
    frozen_at = models.DateTimeField(null=True, blank=True)
    results = models.JSONField(
        null=True, blank=True,
        help_text="The final standings, frozen after the last day: a list of "
                  "{employee_id, name, value, rank, prizes}.")

    class Meta:
        ordering = ["-start", "name"]

    def __str__(self) -> str:
        return self.name


class ContestEntry(models.Model):
    """Who takes part: the people chosen, or the team's people on the contest's dates
    (refreshed while the contest runs, so someone joining the team mid-contest enters)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contest_entries")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contest", "person"],
                                               name="engage_one_entry_per_person")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.contest_id}"


class Prize(models.Model):
    """What a place wins: by rank (rank 1 and everyone tied with them) or by threshold
    (everyone whose value reaches it)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="prizes")
    rank = models.PositiveIntegerField(null=True, blank=True)
    threshold = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["rank", "threshold", "id"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(rank__isnull=False, threshold__isnull=True)
                       | models.Q(rank__isnull=True, threshold__isnull=False)),
            name="engage_prize_rank_or_threshold")]

    def __str__(self) -> str:
        return self.description


class BadgeKind(models.TextChoices):
    FIRST_WIN = "first_win", "First deal won"
    QUOTA_CLUB = "quota_club", "100% of quota"
    CONTEST_WINNER = "contest_winner", "Contest winner"


class Badge(models.Model):
    """A badge awarded to a person by a rule, once per occasion (``occasion``: the quarter
    of a quota, the contest's slug; empty for once-in-a-career badges)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="badges")
    kind = models.CharField(max_length=20, choices=BadgeKind.choices)
    occasion = models.CharField(max_length=80, blank=True, default="")
    awarded_on = models.DateField()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["-awarded_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["person", "kind", "occasion"],
                                               name="engage_one_badge_per_occasion")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


class Kudos(models.Model):
    """Recognition: a manager thanks a person, in words, on the record."""

    giver = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="kudos_given")
    receiver = models.ForeignKey(Person, on_delete=models.CASCADE,
                                 related_name="kudos_received")
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "kudos"

    def __str__(self) -> str:
        return f"kudos to {self.receiver_id}"
