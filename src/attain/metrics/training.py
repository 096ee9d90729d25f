"""Training effect: how a metric moved for people who took a course, against those who did not.

The basis of training ROI. For one catalog metric and two windows (before and after the
course), people who completed the course between the windows are the *trained* group;
people who had not completed it by the end of the after-window are the *untrained* group
(anyone trained later is left out of both). Only people with the metric in both windows
are compared, so each group is measured on the same people before and after. A group's
value in a window is, for a ratio, its members' summed numerator over their summed
denominator (never an average of personal ratios), and for any other metric the
average per member. The effect is the trained group's change less the untrained group's
change over the same windows (a difference in differences): what the course added beyond
what happened to everyone.

Nothing here executes: the result is an Ibis table like every metric query.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.datatypes as dt_
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from attain.core.company import company_calendar
from attain.metrics import dimensions
from attain.metrics.model import Metric, MetricError
from attain.metrics.periods import Span
from attain.metrics.query import PART, backend_for, compute, divide


def training_effect(metric: Metric, *, course_id: str, before: tuple[dt.date, dt.date],
                    after: tuple[dt.date, dt.date],
                    warehouse: BaseBackend | str | None = None) -> ir.Table:
    """Rows ``trained``, ``untrained`` and ``effect`` with ``people``, ``before``, ``after``
    and ``change`` (``effect`` carries only ``change``: trained change − untrained change).
    """
    if "person" not in metric.dimensions:
        raise MetricError(f"{metric.name} is not measured per person, so a course's effect "
                          "on it cannot be measured")
    dimensions.check(metric, ["person"])
    if not (before[0] <= before[1] < after[0] <= after[1]):
        raise MetricError("the before-window must end before the after-window starts, "
                          "each window's first day on or before its last")
    backend = backend_for(warehouse)
    spans = [Span("before", *before), Span("after", *after)]
    per_person = compute(metric, by=["person"], current=spans, grain="month", filters={},
                         as_of=after[1], calendar=company_calendar(), backend=backend,
                         all_periods=False)
    training = backend.table("training")
    course = training.filter(training.course_id == course_id)
    trained = course.filter(course.completed_on > before[1], course.completed_on < after[0])
    trained = trained.select(t_person="person_id").distinct()
    ever = course.filter(course.completed_on <= after[1]).select(e_person="person_id").distinct()
    both = per_person.group_by("person").aggregate(windows=per_person.period.nunique())
    both = both.filter(both.windows == 2).select(b_person="person")
    rows = (per_person.join(both, per_person.person == both.b_person)
            .left_join(trained, per_person.person == trained.t_person)
            .left_join(ever, per_person.person == ever.e_person))
    group = ibis.cases((rows.t_person.notnull(), "trained"), (rows.e_person.isnull(), "untrained"),
                       else_=ibis.null(dt_.string))
    rows = rows.mutate(cohort=group).filter(group.notnull())
    value_type = dt_.Decimal(38, metric.places)
    if metric.is_ratio:
        def window(name: str) -> dict[str, ir.Scalar]:
            chosen = rows.period == name
            return {f"{name}_num": rows.numerator.cast(PART).sum(where=chosen),
                    f"{name}_den": rows.denominator.cast(PART).sum(where=chosen)}
    else:
        def window(name: str) -> dict[str, ir.Scalar]:
            chosen = rows.period == name
            return {f"{name}_num": rows.value.cast(PART).sum(where=chosen),
                    f"{name}_den": rows.person.nunique(where=chosen).cast(PART)}
    sums = rows.group_by("cohort").aggregate(people=rows.person.nunique(), **window("before"),
                                             **window("after"))

    def ratio(name: str) -> ir.DecimalValue:
        den = sums[f"{name}_den"].fill_null(0)
        return ibis.ifelse(den == 0, ibis.null(value_type),
                           divide(sums[f"{name}_num"].fill_null(0), den, metric.places))

    groups = sums.select(group="cohort", people=sums.people.cast("int64"),
                         before=ratio("before"), after=ratio("after"))
    groups = groups.mutate(change=(groups.after - groups.before).cast(value_type))
    trained_change = groups.filter(groups.group == "trained").select(tc="change")
    untrained_change = groups.filter(groups.group == "untrained").select(uc="change")
    effect = trained_change.cross_join(untrained_change).select(
        group=ibis.literal("effect"), people=ibis.null(dt_.int64),
        before=ibis.null(value_type), after=ibis.null(value_type),
        change=(trained_change.tc - untrained_change.uc).cast(value_type))
    order = ibis.cases((groups.group == "trained", 0), else_=1)
    return groups.mutate(order=order).union(effect.mutate(order=ibis.literal(2))).order_by(
        "order").drop("order")
