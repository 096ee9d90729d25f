"""Forecast calls: what each rep and manager expects to book in a period.

Every submission is kept (a later one supersedes it for the period, never overwrites it), so
"what did the team call three weeks ago" has an answer and a closed period's calls can be
held against what was booked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from attain.core.money import DEFAULT_CURRENCY
from attain.org.models import Person


class ForecastCall(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="forecast_calls")
    period = models.CharField(max_length=20, help_text="Period label, e.g. FY2027-Q1.")
    period_start = models.DateField()
    period_end = models.DateField()
    commit = models.DecimalField(max_digits=18, decimal_places=2,
                                 help_text="What they are sure to book in the period.")
    best_case = models.DecimalField(max_digits=18, decimal_places=2,
                                    help_text="What they book if the likely deals close too.")
    currency = models.CharField(max_length=3, default=DEFAULT_CURRENCY)
    note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["period_start", "person", "submitted_at", "id"]
        indexes = [models.Index(fields=["period", "person", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.person.employee_id} {self.period}: commit {self.commit}"
