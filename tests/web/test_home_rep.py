"""A rep's home: attainment on a gauge with the pace line, what the next tier pays, earnings
of the quarter and of the plan year so far, their place on the leaderboard, and never
anyone else's money.

The numbers are the small demo company's (seed 11), calculated for 2026-Q3; the rep login
is Javier Nguyen, an account executive on the AE plan v2 (4% to 100% of quota, 8% to 150%,
10% above, marginal).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.test import Client

from attain import metrics
from attain.core.money import sum_money
from attain.core.periods import DEFAULT_CALENDAR
from attain.engine import run as engine_run
from attain.engine.models import CalculationRun
from attain.org.models import Person
from attain.targets.models import Quota
from attain.web import home as home_services
from attain.web import services as web_services
from attain.web.services import ComponentSummary

pytestmark = pytest.mark.django_db

Q3_START, Q3_END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)


def _page(client: Client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _rep() -> Person:
    return Person.objects.get(user__username="rep")


def _summary(attainment: str | None, *, credited: str = "0", quota: str | None = None
             ) -> ComponentSummary:
    return ComponentSummary(
        "E1", "bookings", "FY2026-Q3", Decimal(credited), Decimal(quota) if quota else None,
        Decimal(attainment) if attainment else None, Decimal("0.00"), "USD", "ae-plan", 2,
        Q3_START, Q3_END)


def test_pace_is_attainment_over_the_share_of_the_quarter_gone_by() -> None:
    # Q3 has 92 days; at the end of 15 August 46 have gone: elapsed 46/92 = 0.5.
    # 52% attained by half-time is on pace for 52 / 0.5 = 104%; 50% was expected by now.
    shown = home_services.progress(_summary("0.52"), day=dt.date(2026, 8, 15))
    assert shown["attainment_pct"] == Decimal("52.00")
    assert shown["expected_pct"] == Decimal("50.0000")
    assert shown["pace_pct"] == Decimal("104.0000")
    assert shown["on_pace"] is True
    # The gauge runs 0..150%: the fill at 52/150 = 34.7% of its width, the pace line
    # (expected by now) at 50/150 = 33.3%, quota at 100/150 = 66.7%, the pace dot at
    # 104/150 = 69.3%.
    assert (shown["gauge_top"], shown["fill_at"], shown["expected_at"], shown["target_at"],
            shown["pace_at"]) == (Decimal(150), Decimal("34.7"), Decimal("33.3"),
                                  Decimal("66.7"), Decimal("69.3"))


def test_behind_the_pace_line_is_not_on_pace() -> None:
    # End of 31 July: 31/92 = 0.336957 gone. 30% attained: pace 0.30 / 0.336957 = 0.8903.
    shown = home_services.progress(_summary("0.30"), day=dt.date(2026, 7, 31))
    assert shown["expected_pct"] == Decimal("33.695700")
    assert shown["pace_pct"] == Decimal("89.0300")
    assert shown["on_pace"] is False


def test_the_gauge_widens_past_150_percent_and_never_overflows() -> None:
    # 160.3% at the quarter's end: the scale grows to 200%, the fill at 160.3/200 = 80.2%.
    shown = home_services.progress(_summary("1.603"), day=Q3_END)
    assert shown["gauge_top"] == Decimal(200)
    assert shown["fill_at"] == Decimal("80.2")
    # 412% (an extreme quarter): the scale stops at 300% and the fill at the end.
    wide = home_services.progress(_summary("4.12"), day=Q3_END)
    assert wide["gauge_top"] == Decimal(300) and wide["fill_at"] == Decimal("100.0")


def test_a_component_without_a_quota_has_no_gauge() -> None:
    assert home_services.progress(_summary(None), day=Q3_END) == {}


def test_the_rep_sees_attainment_pace_and_the_next_tier(calculated: str, client: Client) -> None:
    client.login(username="rep", password="pw-for-tests")
    page = _page(client)
    # Javier's Q3 bookings: 246,890.00 credited on a 154,000.00 quota, 246,890 / 154,000 =
    # 1.603182 → 160.3%; Q3 is over, so all of it has gone by and pace equals attainment.
    assert "160.3% of 154,000 quota" in page
    assert "Heading for 160% at this pace (100% expected by 30 Sep)" in page
    assert 'class="gauge over"' in page
    # Past 150% he is in the AE plan's top tier.
    assert "At 160.3% you're in the 10% tier, the top one." in page


def test_the_next_tier_is_said_with_the_amount_still_to_book(calculated: str) -> None:
    # The manager plan pays retroactively: 0.5% below 80%, 0.8% from 80%, 1.2% from 100%.
    # Ines Dubois's team bookings: 1,275,370.00 on 2,202,000.00 → 0.579187 → 57.9%.
    # 80% of 2,202,000 is 1,761,600.00: 1,761,600 − 1,275,370 = 486,230.00 to go.
    run = CalculationRun.objects.get(run_id=calculated)
    manager = Person.objects.get(user__username="manager")
    [row] = [r for r in web_services.summaries(run, {manager.employee_id})
             if r.component == "team-bookings"]
    assert (row.credited, row.quota) == (Decimal("1275370.00"), Decimal("2202000.00"))
    assert home_services.next_tier(row) == (
        "At 57.9% you're in the 0.5% tier; from 80% the whole FY2026-Q3 pays 0.8% "
        "(486,230.00 USD more to get there).")
    # Below 100% on the AE plan: the 4% tier, and each dollar over 100% pays 8%.
    # 100,000.00 credited on 154,000.00 → 64.9%; 154,000 − 100,000 = 54,000.00 to go.
    middle = _summary("0.649351", credited="100000.00", quota="154000.00")
    assert home_services.next_tier(middle) == (
        "At 64.9% you're in the 4% tier; from 100% each USD over it pays 8% "
        "(54,000.00 USD more to get there).")


def test_earnings_of_the_plan_year_add_up_the_quarters(calculated: str, client: Client,
                                                        warehouse: str) -> None:
    second_quarter = engine_run.run(period="2026-Q2").run_id
    rep = _rep()
    # Read straight from the stored earnings of each run, not through the home's services.
    quarter_totals = []
    for run_id in (second_quarter, calculated):
        table = engine_run.results("results_earnings", run_id, url=warehouse)
        rows = table.filter(table.payee_id == rep.employee_id).to_pyarrow().to_pylist()
        quarter_totals.append(sum_money(row["amount"] for row in rows))
    assert all(total > 0 for total in quarter_totals)
    year_to_date = sum_money(quarter_totals)
    client.login(username="rep", password="pw-for-tests")
    page = _page(client)
    assert "Earned in FY2026 so far" in page
    assert f"{year_to_date:,.2f} USD" in page
    assert "FY2026-Q2 + FY2026-Q3" in page


def test_the_rep_sees_their_rank_and_the_count_only(calculated: str, client: Client) -> None:
    rep = _rep()
    quarter = DEFAULT_CALENDAR.parse("2026-Q3")
    # Worked out independently from the plain metric: rank = 1 + the people who booked more.
    rows = metrics.get("revenue").query(by=["person"], grain="quarter", start=quarter.start,
                                        end=quarter.end).to_pyarrow().to_pylist()
    booked = {row["person"]: row["value"] for row in rows if row["person"]}
    mine = booked[rep.employee_id]
    rank = 1 + sum(1 for value in booked.values() if value > mine)
    assert (rank, len(booked)) == (7, 37)
    client.login(username="rep", password="pw-for-tests")
    standing = _page(client, "/home/standing/")
    # 36 others, 30 of them below: percent rank 30 / 36 = 0.8333 → ahead of 83%.
    assert "#7" in standing and "of 37" in standing and "ahead of 83%" in standing
    others = Person.objects.exclude(pk=rep.pk).values_list("name", flat=True)
    assert not any(name in standing for name in others)
    money = re.findall(r"\d[\d,]*\.\d\d", standing)
    assert money == [], "the leaderboard tile shows no amounts at all"


def test_a_rep_home_never_shows_another_reps_money(calculated: str, client: Client) -> None:
    rep = _rep()
    run = CalculationRun.objects.get(run_id=calculated)
    rows = web_services.summaries(run, None)
    own = {f"{r.earned:,.2f}" for r in rows if r.payee_id == rep.employee_id} | {
        f"{r.credited:,.2f}" for r in rows if r.payee_id == rep.employee_id}
    others = {f"{r.earned:,.2f}" for r in rows if r.payee_id != rep.employee_id
              and r.earned > 0} - own
    client.login(username="rep", password="pw-for-tests")
    page = _page(client) + _page(client, "/home/standing/")
    assert others and not [amount for amount in others if amount in page]
    assert "Who is behind" not in page and "Forecast roll-up" not in page
    assert client.get("/home/forecast/").status_code == 403


def test_a_rep_with_nothing_calculated_sees_empty_states(warehouse: str, client: Client) -> None:
    from tests.demo_company import load_small_demo

    load_small_demo(warehouse)  # people and plans, but no run yet
    client.login(username="rep", password="pw-for-tests")
    page = _page(client)
    assert "Nothing calculated for you in this period yet." in page
    standing = _page(client, "/home/standing/")
    assert "you join the leaderboard with your first deal" in standing


def test_the_rep_home_reads_a_bounded_number_of_queries(
        calculated: str, client: Client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    client.login(username="rep", password="pw-for-tests")
    client.get("/")  # first view fills the caches (run rows, products, parsed plans)
    # session, user, person, runs (2: none contains today), names, plan document, runs of
    # the year, goals, disputes: 10, however many components or quarters.
    with django_assert_max_num_queries(11):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/home/standing/").status_code == 200


def test_a_quota_with_nothing_credited_yet_still_shows_its_gauge_and_next_tier(
        warehouse: str, client: Client) -> None:
    from tests.demo_company import load_small_demo

    load_small_demo(warehouse)
    engine_run.run(period="2026-Q4")
    rep = _rep()
    # In Q4 Javier has booked renewals only: the run measured no bookings for him, but his
    # Q4 bookings quota is 177,000.00 (ramping), so the home shows 0% of it, the 4% tier,
    # and 100% × 177,000 − 0 = 177,000.00 to book before 8%.
    quota = Quota.objects.get(person=rep, period="FY2026-Q4", metric="bookings")
    assert quota.amount == Decimal("177000.00")
    client.login(username="rep", password="pw-for-tests")
    page = _page(client)
    assert "0.0% of 177,000 quota" in page
    assert ("At 0% you're in the 4% tier; from 100% each USD over it pays 8% "
            "(177,000.00 USD more to get there).") in page
