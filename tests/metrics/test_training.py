"""Training effect: the trained group's change against the untrained group's over the same
windows, each group's ratio from its summed parts, worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from attain import metrics
from tests.metrics import builders

pytestmark = pytest.mark.django_db

BEFORE = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
AFTER = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))


def _deals(owner: str, won: int, lost: int, day: str, start: int) -> list[str]:
    return [f"O-{start + n},{owner},true,{'true' if n < won else 'false'},{day}"
            for n in range(won + lost)]


def test_the_effect_is_the_trained_change_less_the_untrained_change(warehouse: str) -> None:
    lines = ["opportunity_id,owner_id,is_closed,is_won,close_date"]
    # E1 (trained in May): 1 of 4 before, 3 of 4 after
    lines += _deals("E1", 1, 3, "2025-02-10", 100) + _deals("E1", 3, 1, "2025-08-10", 200)
    # E2 and E3 (never trained): 2 of 4 and 1 of 2 before; 2 of 4 and 2 of 2 after
    lines += _deals("E2", 2, 2, "2025-02-11", 300) + _deals("E2", 2, 2, "2025-08-11", 400)
    lines += _deals("E3", 1, 1, "2025-02-12", 500) + _deals("E3", 2, 0, "2025-08-12", 600)
    # E4 took the course in August (after the after-window began): in neither group
    lines += _deals("E4", 0, 1, "2025-02-13", 700) + _deals("E4", 1, 0, "2025-08-13", 800)
    # E5 closed nothing after: not comparable, left out
    lines += _deals("E5", 1, 0, "2025-02-14", 900)
    builders.load(warehouse, opportunities="\n".join(lines), training="""
        person_id,course_id,completed_on
        E1,NEG-201,2025-05-10
        E4,NEG-201,2025-08-01
        E2,DSC-201,2025-05-10
    """)
    rows = metrics.training_effect("win_rate", course_id="NEG-201", before=BEFORE,
                                   after=AFTER).to_pyarrow().to_pylist()
    # trained (E1): 0.25 -> 0.75, +0.5
    # untrained (E2, E3, E5 is not comparable): (2 + 1) ÷ (4 + 2) = 0.5 -> (2 + 2) ÷ (4 + 2)
    # = 0.666667, +0.166667; effect 0.5 − 0.166667 = 0.333333
    assert rows == [
        {"group": "trained", "people": 1, "before": Decimal("0.250000"),
         "after": Decimal("0.750000"), "change": Decimal("0.500000")},
        {"group": "untrained", "people": 2, "before": Decimal("0.500000"),
         "after": Decimal("0.666667"), "change": Decimal("0.166667")},
        {"group": "effect", "people": None, "before": None, "after": None,
         "change": Decimal("0.333333")},
    ]


def test_a_metric_not_measured_per_person_is_refused(warehouse: str) -> None:
    with pytest.raises(metrics.MetricError, match="not measured per person"):
        metrics.training_effect("mrr", course_id="NEG-201", before=BEFORE, after=AFTER)
    with pytest.raises(metrics.MetricError, match="before-window must end"):
        metrics.training_effect("win_rate", course_id="NEG-201", before=AFTER, after=BEFORE)
