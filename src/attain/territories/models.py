"""Territories: rules on account fields, and who holds each territory when.

A territory's rule is a condition in the plan expression language over account fields
(``account.region == "EMEA" and account.segment == "enterprise"``). Both the territory
(its rule may change) and its holders are effective-dated, so crediting by territory uses
the territory and holder in force on each transaction's booking date.
"""

from __future__ import annotations

from django.db import models

from attain.core.dating import EffectiveDated
from attain.org.models import Person


class Territory(EffectiveDated):
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    rule = models.TextField(help_text='e.g. account.region == "EMEA" and '
                                      'account.segment == "enterprise"')
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code", "valid_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class TerritoryHolder(EffectiveDated):
    """``person`` holds ``territory`` from ``valid_from`` to ``valid_to``."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="holders")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="territories")

    class Meta:
        ordering = ["territory", "valid_from"]

    def __str__(self) -> str:
        return f"{self.person} holds {self.territory}"
