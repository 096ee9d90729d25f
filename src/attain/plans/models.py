"""Comp plans as versioned documents.

A plan is a name; its versions are YAML documents with effective dates. A published version
is never edited: a change is a new version. Who is on which plan is an effective-dated
assignment. The document's meaning is defined by :mod:`attain.plans.language`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from attain.core.dating import EffectiveDated
from attain.org.models import Person


class Plan(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class PlanVersion(EffectiveDated):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.TextField(help_text="The plan as YAML.")
    status = models.CharField(max_length=10, choices=VersionStatus.choices,
                              default=VersionStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, help_text="What changed and why.")

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


class PlanAssignment(EffectiveDated):
    """``person`` is paid on ``plan`` from ``valid_from`` to ``valid_to``."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="plan_assignments")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="assignments")

    class Meta:
        ordering = ["person", "valid_from"]


class MboScoreRecord(models.Model):
    """A payee's score on an MBO component for a period (1.00 = objective fully met)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="mbo_scores")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="mbo_scores")
    plan_version = models.PositiveIntegerField()
    component_id = models.CharField(max_length=60)
    period = models.CharField(max_length=40, help_text="Period label, e.g. 2026-Q1.")
    score = models.DecimalField(max_digits=8, decimal_places=4)
    note = models.TextField(blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "period"]
        constraints = [models.UniqueConstraint(
            fields=["person", "plan", "plan_version", "component_id", "period"],
            name="one_mbo_score_per_period")]

    def __str__(self) -> str:
        return f"{self.person} {self.component_id} {self.period}: {self.score}"
