"""Effective dating: rows that hold from one date to another.

Used by org (memberships, managers), territories, plans and quotas. A row holds on every day
from ``valid_from`` to ``valid_to`` **inclusive**; an empty ``valid_to`` means open-ended.
Two rows for the same key must not overlap; :func:`find_overlaps` names them.

This module must stay free of any warehouse code; the Django mixin is at the bottom.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import pairwise
from typing import Any, Protocol, TypeVar

from django.db import models
from django.db.models import Q


class Dated(Protocol):
    valid_from: dt.date
    valid_to: dt.date | None


D = TypeVar("D", bound=Dated)


def holds_on(row: Dated, day: dt.date) -> bool:
    """True when ``row`` is in force on ``day``."""
    return row.valid_from <= day and (row.valid_to is None or day <= row.valid_to)


def overlaps(a: Dated, b: Dated) -> bool:
    """True when the two rows share at least one day."""
    a_end = a.valid_to or dt.date.max
    b_end = b.valid_to or dt.date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def as_of(rows: Iterable[D], day: dt.date) -> list[D]:
    """The rows in force on ``day``, in their given order."""
    return [row for row in rows if holds_on(row, day)]


def find_overlaps(rows: Sequence[D], key: Callable[[D], Hashable]) -> list[tuple[D, D]]:
    """Pairs of rows with the same key whose date ranges overlap (should be none)."""
    by_key: dict[Hashable, list[D]] = {}
    for row in rows:
        by_key.setdefault(key(row), []).append(row)
    clashes: list[tuple[D, D]] = []
    for group in by_key.values():
        group.sort(key=lambda row: row.valid_from)
        for earlier, later in pairwise(group):
            if overlaps(earlier, later):
                clashes.append((earlier, later))
    return clashes


def as_of_q(day: dt.date, prefix: str = "") -> Q:
    """A Django filter for rows in force on ``day`` (``prefix`` for related lookups)."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


class EffectiveDatedQuerySet(models.QuerySet[Any]):
    def as_of(self, day: dt.date) -> EffectiveDatedQuerySet:
        return self.filter(as_of_q(day))


class EffectiveDated(models.Model):
    """Abstract model: in force from ``valid_from`` to ``valid_to`` inclusive (open if empty)."""

    valid_from = models.DateField(help_text="First day in force.")
    valid_to = models.DateField(null=True, blank=True, help_text="Last day in force; empty = open.")

    objects = EffectiveDatedQuerySet.as_manager()

    class Meta:
        abstract = True
