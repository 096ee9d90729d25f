"""People, teams and regions, and how they relate over time.

The hierarchy changes: memberships, team managers and team parents are effective-dated,
so "who managed this rep on 14 March" and "which area was this team under in March" always
have one answer (``Team.parent`` is today's parent, kept in step by the org services).
Warehouse rows name people by ``Person.employee_id``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from attain.core.dating import EffectiveDated


class Region(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    REP = "rep", "Account executive"
    SDR = "sdr", "Sales development rep"
    SE = "se", "Sales engineer"
    MANAGER = "manager", "Sales manager"
    DIRECTOR = "director", "Sales director"
    VP = "vp", "VP of sales"
    SALES_OPS = "sales_ops", "Sales operations"
    FINANCE = "finance", "Finance"
    EXECUTIVE = "executive", "Executive"


class AccessRole(models.TextChoices):
    """What a signed-in person may see and do (enforced on the server)."""

    ADMIN = "admin", "Sales operations (admin)"
    FINANCE = "finance", "Finance"
    MANAGER = "manager", "Manager"
    REP = "rep", "Rep"
    EXECUTIVE = "executive", "Executive (read-only)"


DEFAULT_ACCESS = {
    Role.REP: AccessRole.REP,
    Role.SDR: AccessRole.REP,
    Role.SE: AccessRole.REP,
    Role.MANAGER: AccessRole.MANAGER,
    Role.DIRECTOR: AccessRole.MANAGER,
    Role.VP: AccessRole.MANAGER,
    Role.SALES_OPS: AccessRole.ADMIN,
    Role.FINANCE: AccessRole.FINANCE,
    Role.EXECUTIVE: AccessRole.EXECUTIVE,
}


class Person(models.Model):
    employee_id = models.CharField(
        max_length=40, unique=True, help_text="Employee id; warehouse rows use it as person_id."
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    access_role = models.CharField(max_length=20, choices=AccessRole.choices)
    hire_date = models.DateField()
    termination_date = models.DateField(null=True, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)
    cost_center = models.CharField(max_length=40, blank=True)
    currency = models.CharField(max_length=3, default="USD", help_text="Currency paid in.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="person",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.name} ({self.employee_id})"


class Employment(EffectiveDated):
    """A stretch of someone's employment in one role and working time."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="employment")
    role = models.CharField(max_length=20, choices=Role.choices)
    title = models.CharField(max_length=120, blank=True)
    fte = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.00"),
        help_text="Working time: 1.00 full time, 0.50 half time, 0 on leave.",
    )

    class Meta:
        ordering = ["person", "valid_from"]


class Team(models.Model):
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class TeamParent(EffectiveDated):
    """A team sits under ``parent`` over a date range (one parent at a time): metric
    roll-ups count a fact for the team's parents on the fact's day, so a team moved from
    one area to another mid-year leaves its earlier results with the old area.

    Written only through :func:`attain.org.services.set_team_parent`, which also keeps
    ``Team.parent`` (today's parent) in step."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="parent_spans")
    parent = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="child_spans")

    class Meta:
        ordering = ["team", "valid_from"]


class TeamMembership(EffectiveDated):
    """A person belongs to a team over a date range (one team at a time)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        ordering = ["person", "valid_from"]
        indexes = [models.Index(fields=["team", "valid_from"])]


class TeamManager(EffectiveDated):
    """A person manages a team over a date range (one manager at a time)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="managers")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="managed_teams")

    class Meta:
        ordering = ["team", "valid_from"]
