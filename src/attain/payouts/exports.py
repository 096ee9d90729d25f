"""Statements and payroll rows as files: CSV, Excel and PDF, as bytes.

The files are written from the same dataclasses the pages render, so a download shows what
the page shows. Money goes into CSV as exact decimal text and into Excel as numbers with a
two-decimal format (Excel holds doubles; every amount here is whole cents, which a double
holds exactly below 2^53 cents).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from openpyxl import Workbook

from attain.payouts.statements import Statement

LINE_HEADER = ("line", "kind", "component", "booked_on", "transaction", "deal", "account",
               "credit_rule", "share", "credited", "tier", "rate", "amount", "currency",
               "explanation")
MONEY_FORMAT = "#,##0.00"


def _line_row(line: Any) -> list[Any]:
    return [line.number, line.kind, line.component, line.booked_on, line.transaction_id,
            line.deal, line.account, line.credit_rule, line.share, line.credited, line.tier,
            line.rate, line.amount, line.currency, line.text]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def statement_csv(statement: Statement) -> bytes:
    """The lines with their explanation, then the total (which equals their sum)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["payee", statement.employee_id, statement.name])
    writer.writerow(["period", statement.period, statement.pay_run_state])
    writer.writerow([])
    writer.writerow(LINE_HEADER)
    # csv writes None as an empty cell and an int, str or date as str() does, as _text
    # would; only the decimals need _text (str() may write 0E-8), so only they get it.
    writer.writerows([
        (line.number, line.kind, line.component, line.booked_on, line.transaction_id,
         line.deal, line.account, line.credit_rule, _text(line.share), _text(line.credited),
         line.tier, _text(line.rate), _text(line.amount), line.currency, line.text)
        for line in statement.lines])
    writer.writerow(["total", "", "", "", "", "", "", "", "", "", "", "",
                     _text(statement.earned), statement.currency, ""])
    if statement.payout:
        writer.writerow([])
        writer.writerow(["payout", "amount", "description"])
        for item in statement.payout:
            writer.writerow([item.label, _text(item.amount), item.description])
        writer.writerow(["payable", _text(statement.payable), ""])
    return buffer.getvalue().encode()


def statement_xlsx(statement: Statement) -> bytes:
    """A Summary sheet (headline and payout) and a Lines sheet."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(["Payee", statement.employee_id, statement.name])
    summary.append(["Period", statement.period, statement.pay_run_state])
    summary.append(["Earned", statement.earned, statement.currency])
    summary.append(["Payable", statement.payable, statement.currency])
    summary.append(["Paid", statement.paid, statement.currency])
    summary.append([])
    summary.append(["Component", "Period", "Credited", "Quota", "Attainment", "Pace"])
    for headline in statement.components:
        summary.append([headline.component, headline.period, headline.credited,
                        headline.quota, headline.attainment, headline.pace])
    summary.append([])
    summary.append(["Payout item", "Amount", "Description"])
    for item in statement.payout:
        summary.append([item.label, item.amount, item.description])
    lines = book.create_sheet("Lines")
    lines.append(list(LINE_HEADER))
    for line in statement.lines:
        lines.append(_line_row(line))
    lines.append(["total", *[None] * 11, statement.earned, statement.currency])
    for cell in lines["M"][1:]:
        cell.number_format = MONEY_FORMAT
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _latin(text: str) -> str:
    """The PDF core fonts are Latin-1: keep what they can draw, mark the rest."""
    return text.replace("×", "x").replace("–", "-").replace("—", "-").encode(
        "latin-1", "replace").decode("latin-1")


def statement_pdf(statement: Statement) -> bytes:
    """A printable statement: headline, payout and every line explained."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin(f"Commission statement - {statement.name} ({statement.employee_id})"),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin(f"{statement.period} - {statement.pay_run_state}"),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    facts = [("Earned", statement.earned), ("Payable", statement.payable),
             ("Paid", statement.paid)]
    for label, amount in facts:
        shown = "-" if amount is None else f"{amount:,.2f} {statement.currency}"
        pdf.cell(0, 6, f"{label}: {shown}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for headline in statement.components:
        attainment = ("no quota" if headline.attainment is None
                      else f"{headline.attainment * 100:.1f}% of quota")
        pdf.cell(0, 6, _latin(f"{headline.component} ({headline.period}): credited "
                              f"{headline.credited:,.2f}, {attainment}"),
                 new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if statement.payout:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, "Payout", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 9)
        for item in statement.payout:
            pdf.multi_cell(0, 5, _latin(f"{item.amount:,.2f}  {item.description}"),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Lines", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 9)
    for line in statement.lines:
        pdf.multi_cell(0, 5, _latin(f"{line.number}. {line.booked_on or ''} {line.text}"),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 7, f"Total: {statement.earned:,.2f} {statement.currency}",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def rows_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(value) for value in row])
    return buffer.getvalue().encode()


def rows_xlsx(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
              money_columns: Sequence[int] = ()) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    for index in money_columns:
        for column in sheet.iter_cols(min_col=index + 1, max_col=index + 1, min_row=2):
            for cell in column:
                cell.number_format = MONEY_FORMAT
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
