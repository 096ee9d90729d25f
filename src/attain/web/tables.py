"""Long tables whose rows are written in Python instead of a template.

The people page lists everyone (150 people on the demo): its row template resolved about
a dozen variables, a URL and a date filter per person, and rendering it was half the
page's time under load; the statements list, a URL and two number filters per payee.
Here a row is one f-string of escaped plain values, with the reader's date format
(``day``, as in the templates), amounts to the cent by ``round_money`` and a URL reversed
once per table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from attain.core.money import round_money
from attain.web.directory import DirectoryRow
from attain.web.templatetags.attain import day

NO_ONE = mark_safe('<tr><td colspan="6" class="empty-cell">No one matches.</td></tr>')
_MARK = "employee-id"


def _hired(row: DirectoryRow) -> str:
    if row.termination_date is None:
        return day(row.hire_date)
    return f"{day(row.hire_date)} – left {day(row.termination_date)}"


def people_rows(rows: Sequence[DirectoryRow]) -> SafeString:
    """The people table's ``<tr>`` rows (name linking to the person, employee id, role,
    teams that day, region, hired and left), or one row saying no one matches."""
    if not rows:
        return NO_ONE
    before, _, after = reverse("person", args=[_MARK]).partition(_MARK)
    lines = []
    for row in rows:
        url = escape(f"{before}{quote(row.employee_id, safe='')}{after}")
        lines.append(
            f'<tr><td><a href="{url}">{escape(row.name)}</a></td>'
            f"<td>{escape(row.employee_id)}</td><td>{escape(row.role)}</td>"
            f"<td>{escape(', '.join(row.teams)) or '—'}</td><td>{escape(row.region) or '—'}</td>"
            f"<td>{escape(_hired(row))}</td></tr>")
    return mark_safe("\n".join(lines))  # every value in the lines is escaped above


def statement_rows(rows: Sequence[dict[str, Any]], period: str) -> SafeString:
    """The statements list's ``<tr>`` rows: payee, employee id, earned in the period (to the
    cent, with thousands separators) and the link to their statement."""
    before, _, after = reverse("statement", args=[_MARK, period]).partition(_MARK)
    lines = []
    for row in rows:
        url = escape(f"{before}{quote(row['employee_id'], safe='')}{after}")
        earned = f"{round_money(row['earned']):,.2f} {row['currency']}"
        lines.append(
            f"<tr><td>{escape(row['name'])}</td><td>{escape(row['employee_id'])}</td>"
            f'<td class="num">{escape(earned)}</td><td><a href="{url}">Statement</a></td></tr>')
    return mark_safe("".join(lines))  # every value in the lines is escaped above
