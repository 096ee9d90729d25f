"""The KPI explorer and the executive dashboard: figures from the catalog, the person cut
limited by the money rule, downloads, and clear errors."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client

from attain import metrics
from attain.org.models import Person
from attain.web import access

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]


def test_the_explorer_shows_the_catalogs_figure(calculated: str, signed_in: SignIn) -> None:
    page = signed_in("admin").get(
        "/kpis/?metric=revenue&grain=year&from=2026-01-01&to=2026-12-31").content.decode()
    rows = metrics.get("revenue").query(grain="year", start=dt.date(2026, 1, 1),
                                        end=dt.date(2026, 12, 31)).to_pyarrow().to_pylist()
    expected = Decimal(str(rows[0]["value"]))
    shown = f"{expected:,.0f}"
    assert shown in page and 'class="chart"' in page


def test_a_rep_cutting_by_person_sees_only_themselves(calculated: str,
                                                      signed_in: SignIn) -> None:
    rep = Person.objects.get(user__username="rep")
    page = signed_in("rep").get(
        "/kpis/?metric=revenue&by=person&grain=year&from=2026-01-01&to=2026-12-31"
    ).content.decode()
    others = Person.objects.filter(role="rep").exclude(pk=rep.pk)
    assert rep.employee_id in page
    assert not any(f"<td>{p.employee_id}</td>" in page for p in others)


def test_a_manager_cutting_by_person_sees_only_their_people(calculated: str,
                                                            signed_in: SignIn) -> None:
    manager = Person.objects.get(user__username="manager")
    mine = access.visible_people(manager.user, dt.date.today()) or set()
    response = signed_in("manager").get(
        "/kpis/?metric=revenue&by=person&grain=year&from=2026-01-01&to=2026-12-31&format=csv")
    text = b"".join(response.streaming_content).decode()
    listed = {line.split(",")[0].strip('"') for line in text.splitlines()[1:]}
    assert listed and listed <= mine


def test_the_excel_download_holds_the_rows(calculated: str, signed_in: SignIn) -> None:
    response = signed_in("finance").get(
        "/kpis/?metric=revenue&by=team&grain=quarter&from=2026-01-01&to=2026-06-30&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    assert sheet is not None
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[:2] == ["team", "period"] and "value" in header
    assert sheet.max_row > 2


def test_a_cut_the_metric_does_not_have_is_explained(calculated: str,
                                                     signed_in: SignIn) -> None:
    response = signed_in("admin").get("/kpis/?metric=cac&by=team")
    assert response.status_code == 422
    assert "cannot be cut by team" in response.content.decode()
    assert signed_in("admin").get("/kpis/?metric=no_such_metric").status_code == 404


def test_the_dashboard_tiles_show_each_headline_kpi(calculated: str, signed_in: SignIn) -> None:
    executive = signed_in("executive")
    shell = executive.get("/dashboard/").content.decode()
    assert "/dashboard/tiles/" in shell
    tiles = executive.get("/dashboard/tiles/").content.decode()
    for name in ("Revenue (booked)", "Win rate", "Net revenue retention", "MRR"):
        assert name in tiles
    assert signed_in("rep").get("/dashboard/").status_code == 403


def test_a_scores_change_is_in_points_and_days_carry_their_unit() -> None:
    from attain.web import kpis

    nps, cycle = metrics.get("nps"), metrics.get("sales_cycle_days")
    # NPS from 12 to 0: a fall of 12 points (as a percentage it would read -100%)
    assert kpis._change_text(nps, Decimal("-12"), Decimal("12")) == "-12.0 pts vs last year"
    assert kpis.format_value(cycle, Decimal("66.6")) == "66.6 days"


def test_pipeline_coverage_is_read_for_the_quarter_under_way(calculated: str,
                                                             signed_in: SignIn) -> None:
    from attain.core.company import company_calendar
    from attain.web import kpis

    today = dt.date.today()
    running = company_calendar().period_containing(today, "quarter")
    tile = next(t for t in kpis.dashboard(today) if t.name == "pipeline_coverage")
    # the quarter under way, never the last complete one (whose deals are closed by now)
    assert tile.period == f"{running.label} so far"
    assert tile.spark == "" and tile.good is None
    rows = metrics.get("pipeline_coverage").query(
        grain="quarter", start=running.start, end=running.end).to_pyarrow().to_pylist()
    value = rows[-1]["value"] if rows else None
    assert tile.value == kpis.format_value(metrics.get("pipeline_coverage"), value)
