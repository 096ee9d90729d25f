"""Targets: a catalog metric × owner × period × value. Quotas are targets that pay.

The owner is exactly one of a person, a team, a region, a territory or the company. A
territory is named by its code (its rule may change over time; the code stays). Amounts are exact
decimals in the owner's currency. Quotas are versioned: a change makes a new version and
the old one stays, so a closed period's calculation can always be repeated.
"""

from __future__ import annotations

from django.db import models

from attain.org.models import Person, Region, Team


class OwnerType(models.TextChoices):
    COMPANY = "company", "Company"
    REGION = "region", "Region"
    TEAM = "team", "Team"
    PERSON = "person", "Person"
    TERRITORY = "territory", "Territory"


class QuotaStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


class Quota(models.Model):
    metric = models.CharField(max_length=80, help_text="Catalog metric, e.g. bookings.")
    owner_type = models.CharField(max_length=10, choices=OwnerType.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="quotas")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="quotas")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="quotas")
    territory_code = models.CharField(max_length=60, blank=True, default="",
                                      help_text="The territory's code, for a territory quota.")
    period = models.CharField(max_length=40, help_text="Period label, e.g. 2026-Q1.")
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=QuotaStatus.choices,
                              default=QuotaStatus.DRAFT)
    valid_from = models.DateField(
        null=True, blank=True,
        help_text="First day this version is in force (a change mid-period); empty: from "
                  "the period's start. On a day, the approved version in force is the "
                  "highest-numbered one already valid.")
    seasonality = models.JSONField(
        null=True, blank=True,
        help_text="Twelve monthly weights (January first, as decimal strings) that pace the "
                  "quota in monitoring; from an allocation, the amount it gave each month. "
                  "Empty: paced flat.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start", "metric", "owner_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "owner_type", "person", "team", "region", "territory_code",
                        "period", "version"],
                name="one_quota_per_owner_metric_period_version",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(owner_type="person", person__isnull=False, team__isnull=True,
                             region__isnull=True, territory_code="")
                    | models.Q(owner_type="team", team__isnull=False, person__isnull=True,
                               region__isnull=True, territory_code="")
                    | models.Q(owner_type="region", region__isnull=False, person__isnull=True,
                               team__isnull=True, territory_code="")
                    | (models.Q(owner_type="territory", person__isnull=True, team__isnull=True,
                                region__isnull=True) & ~models.Q(territory_code=""))
                    | models.Q(owner_type="company", person__isnull=True, team__isnull=True,
                               region__isnull=True, territory_code="")
                ),
                name="quota_has_exactly_its_owner",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="quota_not_negative"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="quota_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period} {self.amount} {self.currency}"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class TargetStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class Goal(models.Model):
    """A SMART goal: a metric × owner × time frame × target, kept with the YAML it came from.

    The document is the source of truth (``attain goals check`` reads the same text); the
    columns are what it resolved to when saved, so pages and monitoring need no parsing.
    """

    key = models.SlugField(max_length=60, unique=True, help_text="The goal: id in the document.")
    title = models.CharField(max_length=200, blank=True)
    document = models.TextField(help_text="The goal as written (YAML).")
    metric = models.CharField(max_length=80)
    owner_type = models.CharField(max_length=10, choices=OwnerType.choices)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="goals")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="goals")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="goals")
    territory_code = models.CharField(max_length=60, blank=True, default="",
                                      help_text="The territory's code, for a territory goal.")
    filters = models.JSONField(default=dict, blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    per = models.CharField(max_length=10, blank=True,
                           help_text="month or quarter when the target repeats.")
    target_value = models.DecimalField(max_digits=24, decimal_places=6)
    baseline_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    direction = models.CharField(max_length=6, default="higher")
    accumulates = models.BooleanField(default=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children")
    objective = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    check_in_cadence = models.CharField(max_length=12, choices=Cadence.choices, blank=True)
    seasonality = models.JSONField(
        null=True, blank=True,
        help_text="Twelve monthly weights (January first, as decimal strings): entered, or "
                  "learned from history when the goal was saved. Empty: paced flat.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period_start", "key"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="goal_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.title or self.key


class CheckIn(models.Model):
    """An owner's review of a goal or quota: a comment and how confident they are."""

    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="check_ins")
    quota = models.ForeignKey(Quota, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="check_ins")
    author = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="check_ins")
    day = models.DateField()
    comment = models.TextField()
    confidence = models.PositiveSmallIntegerField(help_text="0-100: how likely the target is met.")
    status = models.CharField(max_length=10, choices=TargetStatus.choices, blank=True,
                              help_text="The status on the day, for the record.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(confidence__lte=100),
                                   name="check_in_confidence_at_most_100"),
            models.CheckConstraint(
                condition=(models.Q(goal__isnull=False, quota__isnull=True)
                           | models.Q(goal__isnull=True, quota__isnull=False)),
                name="check_in_on_one_target"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.confidence}%: {self.comment[:60]}"


class StatusRecord(models.Model):
    """A target's status on a review day, with the numbers it was read from and the alert
    raised when it changed (likely causes and suggested actions)."""

    goal = models.ForeignKey(Goal, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="statuses")
    quota = models.ForeignKey(Quota, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="statuses")
    period = models.CharField(max_length=40)
    day = models.DateField()
    status = models.CharField(max_length=10, choices=TargetStatus.choices)
    previous = models.CharField(max_length=10, choices=TargetStatus.choices, blank=True)
    actual = models.DecimalField(max_digits=24, decimal_places=6)
    expected = models.DecimalField(max_digits=24, decimal_places=6)
    pace_attainment = models.DecimalField(max_digits=18, decimal_places=6)
    reason = models.TextField()
    alert = models.JSONField(null=True, blank=True,
                             help_text="On a change: message, causes with numbers, actions.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(goal__isnull=False, quota__isnull=True)
                           | models.Q(goal__isnull=True, quota__isnull=False)),
                name="status_on_one_target"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.status}"
