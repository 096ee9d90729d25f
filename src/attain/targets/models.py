"""Targets: a catalog metric × owner × period × value. Quotas are targets that pay.

The owner is exactly one of a person, a team, a region or the company. Amounts are exact
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
    period = models.CharField(max_length=40, help_text="Period label, e.g. 2026-Q1.")
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=QuotaStatus.choices,
                              default=QuotaStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start", "metric", "owner_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "owner_type", "person", "team", "region", "period", "version"],
                name="one_quota_per_owner_metric_period_version",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(owner_type="person", person__isnull=False, team__isnull=True,
                             region__isnull=True)
                    | models.Q(owner_type="team", team__isnull=False, person__isnull=True,
                               region__isnull=True)
                    | models.Q(owner_type="region", region__isnull=False, person__isnull=True,
                               team__isnull=True)
                    | models.Q(owner_type="company", person__isnull=True, team__isnull=True,
                               region__isnull=True)
                ),
                name="quota_has_exactly_its_owner",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="quota_not_negative"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="quota_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period} {self.amount} {self.currency}"
