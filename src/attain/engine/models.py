"""Calculation runs: one reproducible calculation each, keyed by run id.

The results live in the warehouse tagged with the run id; this row records what was asked,
the fingerprint of every input, how it went and how long it took.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class CalculationRun(models.Model):
    run_id = models.CharField(max_length=40, unique=True)
    period = models.CharField(max_length=40, help_text="Period label, e.g. 2026-Q1.")
    period_start = models.DateField()
    period_end = models.DateField()
    plan = models.CharField(max_length=60, blank=True, help_text="Only this plan, if set.")
    status = models.CharField(max_length=12, choices=RunStatus.choices,
                              default=RunStatus.RUNNING)
    fingerprint = models.CharField(max_length=64, blank=True)
    inputs = models.JSONField(default=dict, help_text="Fingerprint of each input.")
    counts = models.JSONField(default=dict, help_text="Rows written per result table.")
    totals = models.JSONField(default=dict, help_text="Earned per currency.")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.run_id} {self.period} {self.status}"
