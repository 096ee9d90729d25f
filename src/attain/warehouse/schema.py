"""The warehouse tables: every column's type, key and meaning, written once.

This is the contract between the loaders (demo generator, imports), the metric catalog and
the engine. ``docs/warehouse.md`` is generated from it. DDL is emitted per backend by
:func:`create_table_sql`; NOT NULL and CHECK constraints are enforced by the database
itself so a bad row can never land, whatever wrote it, and so are primary keys on
PostgreSQL (on DuckDB, where a key index makes bulk loads several times slower,
:mod:`attain.warehouse.load`, the one writer of these tables, checks keys in the same
transaction). Foreign keys are documented here and checked by the importers (DuckDB's
foreign keys block bulk rewrites).

People, teams and territories are *not* here: they live in the app database and enter
queries as small in-memory tables. Warehouse rows name people by ``person_id``, the
employee id (``Person.employee_id``).

Computed results (credits, measures, earnings, …) are defined by the engine that writes
them, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt

from attain.core.money import MONEY_SQL_TYPE, RATE_SQL_TYPE

_SQL_TO_IBIS: dict[str, dt.DataType] = {
    "VARCHAR": dt.string,
    "INTEGER": dt.int32,
    "BIGINT": dt.int64,
    "DATE": dt.date,
    "TIMESTAMP": dt.timestamp,
    "BOOLEAN": dt.boolean,
    "DOUBLE": dt.float64,
    MONEY_SQL_TYPE: dt.Decimal(18, 2),
    RATE_SQL_TYPE: dt.Decimal(18, 6),
    "DECIMAL(18, 4)": dt.Decimal(18, 4),
    "DECIMAL(18, 8)": dt.Decimal(18, 8),
}

MONEY = MONEY_SQL_TYPE
RATE = RATE_SQL_TYPE
QUANTITY = "DECIMAL(18, 4)"
FX = "DECIMAL(18, 8)"


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    doc: str
    required: bool = True
    """NOT NULL in the database and required in imports."""
    allowed: tuple[str, ...] = ()
    """For text columns: the allowed values (a CHECK constraint)."""
    check: str = ""
    """An extra CHECK expression in SQL common to DuckDB and PostgreSQL."""
    references: str = ""
    """``table.column`` this column refers to (checked by importers, documented)."""

    @property
    def ibis_type(self) -> dt.DataType:
        return _SQL_TO_IBIS[self.sql_type].copy(nullable=not self.required)


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    checks: tuple[str, ...] = field(default=())
    """Table-level CHECK expressions."""

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def ibis_schema(self) -> ibis.Schema:
        return ibis.schema({column.name: column.ibis_type for column in self.columns})


CURRENCY_CHECK = "{col} SIMILAR TO '[ABCDEFGHIJKLMNOPQRSTUVWXYZ]{{3}}'"
"""Three capital letters A to Z, nothing else (``123``, ``US$``, ``ÉUR`` and ``usd`` fail).

``SIMILAR TO`` matches the whole value on DuckDB and PostgreSQL alike; the letters are
spelled out because a range like ``[A-Z]`` may follow the collation on PostgreSQL, where
``É`` can sort between ``A`` and ``Z``."""
DEAL_TYPES = ("new", "expansion", "renewal")
SEGMENTS = ("enterprise", "mid_market", "smb")
CHANNELS = ("direct", "partner", "online")
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")


def _currency(
    name: str = "currency", doc: str = "ISO 4217 code of the amounts on this row."
) -> Column:
    return Column(name, "VARCHAR", doc, check=CURRENCY_CHECK.format(col=name))


ACCOUNTS = Table(
    "accounts",
    "Customers and prospects, one row per company.",
    (
        Column("account_id", "VARCHAR", "Natural key, as in the CRM."),
        Column("name", "VARCHAR", "Company name."),
        Column("industry", "VARCHAR", "Industry, e.g. Technology, Retail, Finance."),
        Column("segment", "VARCHAR", "Size segment.", allowed=SEGMENTS),
        Column("region", "VARCHAR", "Sales region the account sits in, e.g. EMEA."),
        Column("country", "VARCHAR", "ISO 3166 alpha-2 country code."),
        Column("employees", "INTEGER", "Headcount.", required=False, check="employees >= 0"),
        Column("created_on", "DATE", "When the account was created in the CRM."),
        Column("owner_id", "VARCHAR", "Account owner (person_id).", required=False,
               references="people.person_id"),
        Column("channel", "VARCHAR", "How the account is served.", allowed=CHANNELS),
    ),
    primary_key=("account_id",),
)

PRODUCTS = Table(
    "products",
    "What is sold.",
    (
        Column("product_id", "VARCHAR", "Natural key (SKU)."),
        Column("name", "VARCHAR", "Product name."),
        Column("family", "VARCHAR", "Product family, e.g. Cloud, Platform, Services."),
        Column("list_price", MONEY, "List price per unit.", check="list_price >= 0"),
        Column("unit_cost", MONEY, "Cost per unit, for margin.", check="unit_cost >= 0"),
        _currency(doc="Currency of list price and cost."),
        Column("is_recurring", "BOOLEAN", "True for subscriptions (priced per year)."),
    ),
    primary_key=("product_id",),
)

OPPORTUNITIES = Table(
    "opportunities",
    "Deals in the pipeline, open and closed; the current state of each.",
    (
        Column("opportunity_id", "VARCHAR", "Natural key, as in the CRM."),
        Column("name", "VARCHAR", "Deal name."),
        Column("account_id", "VARCHAR", "The customer.", references="accounts.account_id"),
        Column("owner_id", "VARCHAR", "Deal owner (person_id).", references="people.person_id"),
        Column("product_id", "VARCHAR", "Main product.", required=False,
               references="products.product_id"),
        Column("amount", MONEY, "Deal value; empty while unknown.", required=False),
        _currency(),
        Column("stage", "VARCHAR", "Current stage name, e.g. Prospecting … Closed Won."),
        Column("probability", RATE, "Win probability of the stage, 0 to 1.",
               check="probability >= 0 AND probability <= 1"),
        Column("forecast_category", "VARCHAR", "Forecast category.",
               allowed=FORECAST_CATEGORIES),
        Column("lead_source", "VARCHAR", "Where the deal came from, e.g. Web, Event, Partner."),
        Column("deal_type", "VARCHAR", "New business, expansion or renewal.", allowed=DEAL_TYPES),
        Column("created_on", "DATE", "When the opportunity was created."),
        Column("close_date", "DATE", "Expected close date (open) or actual (closed)."),
        Column("is_closed", "BOOLEAN", "True once won or lost."),
        Column("is_won", "BOOLEAN", "True when won (implies closed)."),
        Column("loss_reason", "VARCHAR", "Why it was lost (lost deals only).", required=False),
        Column("lead_id", "VARCHAR", "The lead it converted from.", required=False,
               references="leads.lead_id"),
        Column("campaign_id", "VARCHAR", "Campaign that sourced it.", required=False,
               references="campaigns.campaign_id"),
        Column("sdr_id", "VARCHAR", "SDR who sourced it (person_id).", required=False,
               references="people.person_id"),
        Column("se_id", "VARCHAR", "Sales engineer on the deal (person_id).", required=False,
               references="people.person_id"),
    ),
    primary_key=("opportunity_id",),
    checks=("NOT is_won OR is_closed",),
)

OPPORTUNITY_STAGE_HISTORY = Table(
    "opportunity_stage_history",
    "Every stage change of every opportunity: the basis of funnel conversion and cycle time.",
    (
        Column("opportunity_id", "VARCHAR", "The deal.", references="opportunities.opportunity_id"),
        Column("stage", "VARCHAR", "Stage entered."),
        Column("entered_at", "TIMESTAMP", "When the deal entered the stage."),
        Column("amount", MONEY, "Deal amount at that moment.", required=False),
        Column("probability", RATE, "Probability at that moment, 0 to 1.",
               check="probability >= 0 AND probability <= 1"),
        Column("forecast_category", "VARCHAR", "Forecast category at that moment.",
               allowed=FORECAST_CATEGORIES),
        Column("close_date", "DATE", "Expected close date at that moment."),
    ),
    primary_key=("opportunity_id", "entered_at"),
)

TRANSACTIONS = Table(
    "transactions",
    "Order and invoice lines: what commissions are paid on. A cancellation or refund is a "
    "negative line that names the line it reverses.",
    (
        Column("transaction_id", "VARCHAR", "Natural key of the line."),
        Column("order_id", "VARCHAR", "Order (or invoice) number the line belongs to."),
        Column("opportunity_id", "VARCHAR", "Deal it came from.", required=False,
               references="opportunities.opportunity_id"),
        Column("account_id", "VARCHAR", "Customer.", references="accounts.account_id"),
        Column("product_id", "VARCHAR", "Product.", references="products.product_id"),
        Column("owner_id", "VARCHAR", "Seller of record (person_id).",
               references="people.person_id"),
        Column("deal_type", "VARCHAR", "New business, expansion or renewal.", allowed=DEAL_TYPES),
        Column("quantity", QUANTITY, "Units; negative on a reversal."),
        Column("unit_price", MONEY, "Price per unit before discount.", check="unit_price >= 0"),
        Column("discount", RATE, "Discount as a fraction of list, 0 to 1.",
               check="discount >= 0 AND discount <= 1"),
        Column("amount", MONEY, "Net amount of the line = quantity × unit price × (1 − discount),"
               " rounded to the cent; negative on a reversal."),
        Column("cost", MONEY, "Cost of the line, for margin; negative on a reversal."),
        _currency(),
        Column("booked_on", "DATE", "Booking date: the date commissions are credited on."),
        Column("invoiced_on", "DATE", "Invoice date.", required=False),
        Column("paid_on", "DATE", "When the customer paid the invoice.", required=False),
        Column("kind", "VARCHAR", "What the line is.", allowed=("order", "cancellation", "refund")),
        Column("reverses_transaction_id", "VARCHAR",
               "For a cancellation or refund: the line it reverses.", required=False,
               references="transactions.transaction_id"),
    ),
    primary_key=("transaction_id",),
    checks=(
        "(kind = 'order') = (reverses_transaction_id IS NULL)",
        "(kind = 'order' AND amount >= 0) OR (kind <> 'order' AND amount <= 0)",
    ),
)

SPLITS = Table(
    "splits",
    "Explicit credit splits on a deal: who shares it and by how much. Revenue splits of a deal "
    "sum to 1; overlay splits are credited on top.",
    (
        Column("opportunity_id", "VARCHAR", "The deal.", references="opportunities.opportunity_id"),
        Column("person_id", "VARCHAR", "Who is credited.", references="people.person_id"),
        Column("share", RATE, "Fraction of the deal credited, 0 to 1.",
               check="share > 0 AND share <= 1"),
        Column("split_type", "VARCHAR", "revenue (sums to 1) or overlay (on top).",
               allowed=("revenue", "overlay")),
    ),
    primary_key=("opportunity_id", "person_id", "split_type"),
)

ACTIVITIES = Table(
    "activities",
    "Sales activities logged by people.",
    (
        Column("activity_id", "VARCHAR", "Natural key."),
        Column("person_id", "VARCHAR", "Who did it.", references="people.person_id"),
        Column("account_id", "VARCHAR", "Account it concerned.", required=False,
               references="accounts.account_id"),
        Column("opportunity_id", "VARCHAR", "Deal it concerned.", required=False,
               references="opportunities.opportunity_id"),
        Column("activity_type", "VARCHAR", "Kind of activity.",
               allowed=("call", "email", "meeting", "demo")),
        Column("occurred_at", "TIMESTAMP", "When it happened."),
        Column("outcome", "VARCHAR", "Result.",
               allowed=("connected", "no_answer", "replied", "no_reply", "held", "no_show",
                        "completed")),
        Column("duration_minutes", "INTEGER", "Length (calls, meetings, demos).", required=False,
               check="duration_minutes >= 0"),
    ),
    primary_key=("activity_id",),
)

LEADS = Table(
    "leads",
    "Leads from every source, with their progress to qualified and converted.",
    (
        Column("lead_id", "VARCHAR", "Natural key."),
        Column("source", "VARCHAR", "Lead source, e.g. Web, Event, Referral, Outbound."),
        Column("campaign_id", "VARCHAR", "Campaign that produced it.", required=False,
               references="campaigns.campaign_id"),
        Column("created_on", "DATE", "When it arrived."),
        Column("qualified_on", "DATE", "When it was qualified (MQL/SQL).", required=False),
        Column("converted_on", "DATE", "When it became an opportunity.", required=False),
        Column("opportunity_id", "VARCHAR", "Opportunity it became.", required=False,
               references="opportunities.opportunity_id"),
        Column("owner_id", "VARCHAR", "SDR working it (person_id).", required=False,
               references="people.person_id"),
        Column("account_id", "VARCHAR", "Account, once matched.", required=False,
               references="accounts.account_id"),
    ),
    primary_key=("lead_id",),
    checks=("qualified_on IS NULL OR qualified_on >= created_on",
            "converted_on IS NULL OR converted_on >= created_on"),
)

CAMPAIGNS = Table(
    "campaigns",
    "Marketing campaigns.",
    (
        Column("campaign_id", "VARCHAR", "Natural key."),
        Column("name", "VARCHAR", "Campaign name."),
        Column("channel", "VARCHAR", "Channel, e.g. Paid Search, Events, Webinar, Content."),
        Column("start_on", "DATE", "First day."),
        Column("end_on", "DATE", "Last day.", required=False),
    ),
    primary_key=("campaign_id",),
    checks=("end_on IS NULL OR end_on >= start_on",),
)

CAMPAIGN_SPEND = Table(
    "campaign_spend",
    "What each campaign cost, by month.",
    (
        Column("campaign_id", "VARCHAR", "Campaign.", references="campaigns.campaign_id"),
        Column("month", "DATE", "First day of the month."),
        Column("amount", MONEY, "Spend in the month.", check="amount >= 0"),
        _currency(),
    ),
    primary_key=("campaign_id", "month"),
)

SALES_MARKETING_COSTS = Table(
    "sales_marketing_costs",
    "Other sales and marketing costs by month (salaries, tools, travel…), for CAC.",
    (
        Column("month", "DATE", "First day of the month."),
        Column("function", "VARCHAR", "Sales or marketing.", allowed=("sales", "marketing")),
        Column("category", "VARCHAR", "e.g. salaries, commissions, tools, travel, agencies."),
        Column("cost_center", "VARCHAR", "Cost centre (team or department code)."),
        Column("amount", MONEY, "Cost in the month.", check="amount >= 0"),
        _currency(),
    ),
    primary_key=("month", "function", "category", "cost_center"),
)

SUBSCRIPTIONS = Table(
    "subscriptions",
    "Monthly recurring revenue per account per month, with the month's movement.",
    (
        Column("account_id", "VARCHAR", "Customer.", references="accounts.account_id"),
        Column("month", "DATE", "First day of the month."),
        Column("mrr", MONEY, "MRR at the end of the month (0 after churn).", check="mrr >= 0"),
        Column("mrr_change", MONEY, "MRR this month minus MRR last month."),
        Column("movement", "VARCHAR", "What happened this month.",
               allowed=("new", "expansion", "contraction", "churn", "reactivation", "flat")),
        _currency(),
    ),
    primary_key=("account_id", "month"),
)

CUSTOMER_FEEDBACK = Table(
    "customer_feedback",
    "Survey answers: NPS (0–10) and CSAT (1–5).",
    (
        Column("feedback_id", "VARCHAR", "Natural key."),
        Column("account_id", "VARCHAR", "Customer.", references="accounts.account_id"),
        Column("responded_on", "DATE", "Date of the answer."),
        Column("survey", "VARCHAR", "Which survey.", allowed=("nps", "csat")),
        Column("score", "INTEGER", "The score: 0–10 for NPS, 1–5 for CSAT."),
    ),
    primary_key=("feedback_id",),
    checks=("(survey = 'nps' AND score BETWEEN 0 AND 10) OR "
            "(survey = 'csat' AND score BETWEEN 1 AND 5)",),
)

FX_RATES = Table(
    "fx_rates",
    "Exchange rates by day: 1 unit of from_currency = rate units of to_currency.",
    (
        Column("rate_date", "DATE", "Day the rate is in force from."),
        _currency("from_currency", "Currency converted from."),
        _currency("to_currency", "Currency converted to."),
        Column("rate", FX, "Units of to_currency per unit of from_currency.", check="rate > 0"),
    ),
    primary_key=("rate_date", "from_currency", "to_currency"),
)

TRAINING_COURSES = Table(
    "training_courses",
    "Training courses on offer.",
    (
        Column("course_id", "VARCHAR", "Natural key."),
        Column("name", "VARCHAR", "Course name."),
        Column("topic", "VARCHAR", "Skill it trains, e.g. prospecting, discovery, negotiation."),
        Column("cost_per_seat", MONEY, "Cost per person trained.", check="cost_per_seat >= 0"),
        _currency(),
    ),
    primary_key=("course_id",),
)

TRAINING = Table(
    "training",
    "Who completed which course, when, with what score.",
    (
        Column("person_id", "VARCHAR", "Who.", references="people.person_id"),
        Column("course_id", "VARCHAR", "Course.", references="training_courses.course_id"),
        Column("completed_on", "DATE", "Completion date."),
        Column("score", "INTEGER", "Assessment score 0–100.", required=False,
               check="score BETWEEN 0 AND 100"),
    ),
    primary_key=("person_id", "course_id", "completed_on"),
)

TABLES: tuple[Table, ...] = (
    ACCOUNTS,
    PRODUCTS,
    CAMPAIGNS,
    LEADS,
    OPPORTUNITIES,
    OPPORTUNITY_STAGE_HISTORY,
    SPLITS,
    TRANSACTIONS,
    ACTIVITIES,
    CAMPAIGN_SPEND,
    SALES_MARKETING_COSTS,
    SUBSCRIPTIONS,
    CUSTOMER_FEEDBACK,
    FX_RATES,
    TRAINING_COURSES,
    TRAINING,
)
TABLES_BY_NAME = {table.name: table for table in TABLES}


def get(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(TABLES_BY_NAME))
        raise KeyError(f"no warehouse table {name!r}; known: {known}") from None


def create_table_sql(table: Table, *, name: str | None = None, primary_key: bool = True) -> str:
    """``CREATE TABLE`` with keys and checks, valid on DuckDB and PostgreSQL alike.

    Without ``primary_key`` the key columns are still NOT NULL but no key index is built:
    DuckDB builds that index while inserting (twice per load, slower than the insert
    itself), so on DuckDB :mod:`attain.warehouse.load` checks keys itself instead.
    """
    lines = []
    for column in table.columns:
        parts = [f'"{column.name}" {column.sql_type}']
        if column.required or column.name in table.primary_key:
            parts.append("NOT NULL")
        line = " ".join(parts)
        if column.allowed:
            values = ", ".join(f"'{value}'" for value in column.allowed)
            line += f' CHECK ("{column.name}" IN ({values}))'
        if column.check:
            line += f" CHECK ({column.check})"
        lines.append(line)
    if primary_key:
        lines.append("PRIMARY KEY (" + ", ".join(f'"{key}"' for key in table.primary_key) + ")")
    lines.extend(f"CHECK ({check})" for check in table.checks)
    body = ",\n  ".join(lines)
    return f'CREATE TABLE "{name or table.name}" (\n  {body}\n)'
