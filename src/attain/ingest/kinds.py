"""What can be imported: every kind's columns, types, keys and checks, written once.

Warehouse kinds are read straight from :mod:`attain.warehouse.schema` (same columns, same
CHECKs, same references), so an import validates exactly what the database would enforce,
and ``docs/import-formats.md`` is generated from here. App-database kinds (people, teams,
quotas, territory assignments) are declared below in the same shape; their rows are written
by the owning app's service functions.

Each kind carries an example file (header and rows) that the docs show and the tests
import, so the documented example is known to load.

This module must never read a file or touch a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from attain.warehouse import schema

WAREHOUSE = "warehouse"
APP = "app"


@dataclass(frozen=True)
class Field:
    """One column of an importable kind."""

    name: str
    sql_type: str
    """VARCHAR, INTEGER, BIGINT, DATE, TIMESTAMP, BOOLEAN or DECIMAL(p, s)."""
    doc: str
    required: bool = True
    allowed: tuple[str, ...] = ()
    check: str = ""
    """A SQL condition over the typed row that must not be false (its plain words:
    :func:`rule_words`)."""
    references: str = ""
    """``table.column`` the value must name (an existing row, or one in the same file)."""

    @property
    def is_currency(self) -> bool:
        """Whether the value is a currency code: checked against ISO 4217's codes."""
        return self.check == CURRENCY_CHECK.format(col=self.name)


@dataclass(frozen=True)
class Kind:
    """An importable kind: a warehouse table or a set of app-database records."""

    name: str
    doc: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    """The natural key: re-importing a row with the same key updates it."""
    store: str
    """:data:`WAREHOUSE` or :data:`APP`."""
    checks: tuple[str, ...] = ()
    """Row-level SQL conditions over several columns."""
    example: str = ""
    """A small valid file of this kind (CSV text), shown in the docs and imported by tests."""
    requires: tuple[str, ...] = ()
    """Kinds whose rows this kind refers to (import them first)."""
    unique: tuple[str, ...] = ()
    """Columns other than the key whose values must differ from row to row."""

    def field(self, name: str) -> Field:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]


class UnknownKind(KeyError):
    """A kind name that is not importable."""


def _from_table(table: schema.Table, example: str) -> Kind:
    fields = tuple(
        Field(column.name, column.sql_type, column.doc, column.required, column.allowed,
              column.check, column.references)
        for column in table.columns
    )
    requires = tuple(dict.fromkeys(
        field.references.split(".")[0] for field in fields
        if field.references and field.references.split(".")[0] != table.name
    ))
    return Kind(table.name, table.doc, fields, table.primary_key, WAREHOUSE, table.checks,
                example, requires)


ROLES = ("rep", "sdr", "se", "manager", "director", "vp", "sales_ops", "finance", "executive")
ACCESS_ROLES = ("admin", "finance", "manager", "rep", "executive")
CURRENCY_CHECK = schema.CURRENCY_CHECK

PEOPLE = Kind(
    "people",
    "Everyone Attain knows: sellers, managers, sales ops, finance. Warehouse rows name "
    "people by `employee_id`.",
    (
        Field("employee_id", "VARCHAR", "Employee id; the person_id of warehouse rows.",
              check="length(employee_id) <= 40"),
        Field("name", "VARCHAR", "Full name, as it appears in CRM exports."),
        Field("email", "VARCHAR", "Work email (unique).",
              check="regexp_full_match(email, '[^@ ]+@[^@ ]+')"),
        Field("role", "VARCHAR", "Job role.", allowed=ROLES),
        Field("hire_date", "DATE", "First day employed."),
        Field("termination_date", "DATE", "Last day employed; empty while employed.",
              required=False),
        Field("team", "VARCHAR", "Team code the person belongs to.", required=False,
              references="teams.code"),
        Field("team_since", "DATE", "First day in that team (default: the hire date).",
              required=False),
        Field("region", "VARCHAR", "Region code (made if new).", required=False),
        Field("cost_center", "VARCHAR", "Cost centre.", required=False),
        Field("currency", "VARCHAR", "Currency paid in (default USD).", required=False,
              check=CURRENCY_CHECK.format(col="currency")),
        Field("access_role", "VARCHAR", "What they may see (default: from the role).",
              required=False, allowed=ACCESS_ROLES),
    ),
    ("employee_id",),
    APP,
    ("termination_date IS NULL OR termination_date >= hire_date",
     "team_since IS NULL OR team_since >= hire_date"),
    example=(
        "employee_id,name,email,role,hire_date,termination_date,team,region,currency\n"
        "E100,Dana Whitfield,dana@example.com,vp,2022-01-10,,,NA,USD\n"
        "E101,Jane Doe,jane@example.com,manager,2023-03-01,,,NA,USD\n"
        "E102,Omar Haddad,omar@example.com,rep,2024-02-05,,,NA,USD\n"
    ),
    unique=("email",),
)

TEAMS = Kind(
    "teams",
    "Teams and the hierarchy: each team's parent team and its manager from a date. "
    "A person's team is set by the people import.",
    (
        Field("code", "VARCHAR", "Team code (natural key)."),
        Field("name", "VARCHAR", "Team name."),
        Field("parent", "VARCHAR", "Code of the team above (empty at the top).", required=False,
              references="teams.code"),
        Field("region", "VARCHAR", "Region code (made if new).", required=False),
        Field("manager", "VARCHAR", "Employee id of the manager.", required=False,
              references="people.person_id"),
        Field("manager_since", "DATE", "First day the manager runs the team (default: the "
              "manager's hire date).", required=False),
    ),
    ("code",),
    APP,
    ("parent IS NULL OR parent <> code", "manager_since IS NULL OR manager IS NOT NULL"),
    example=(
        "code,name,parent,region,manager,manager_since\n"
        "sales,Sales,,NA,E100,2022-01-10\n"
        "na-east,NA East,sales,NA,E101,2023-03-01\n"
    ),
    requires=("people",),
)

QUOTAS = Kind(
    "quotas",
    "Quotas: a metric × owner × period × amount. A changed amount makes a new version; the "
    "old one is kept. The owner, period label and metric are checked by the quota service.",
    (
        Field("metric", "VARCHAR", "Catalog metric, e.g. bookings."),
        Field("owner_type", "VARCHAR", "Who owns it.",
              allowed=("person", "team", "region", "territory", "company")),
        Field("owner", "VARCHAR", "Employee id, team, region or territory code; empty for "
              "company.", required=False),
        Field("period", "VARCHAR", "Period label, e.g. 2026-Q1, 2026-03, FY2026."),
        Field("amount", schema.MONEY, "Quota amount.", check="amount >= 0"),
        Field("currency", "VARCHAR", "ISO 4217 code.", check=CURRENCY_CHECK.format(col="currency")),
        Field("status", "VARCHAR", "draft or approved (empty: a draft to approve, unless "
              "imported with --approve).", required=False,
              allowed=("draft", "approved")),
    ),
    ("metric", "owner_type", "owner", "period"),
    APP,
    ("(owner_type = 'company') = (owner IS NULL)",),
    example=(
        "metric,owner_type,owner,period,amount,currency,status\n"
        "bookings,person,E102,2026-Q1,250000.00,USD,approved\n"
        "bookings,team,na-east,2026-Q1,900000.00,USD,approved\n"
        "bookings,company,,2026,12000000.00,USD,approved\n"
    ),
    requires=("people", "teams"),
)

TERRITORY_ASSIGNMENTS = Kind(
    "territory_assignments",
    "Who holds which territory, from when to when (territories and their rules are defined "
    "in Attain).",
    (
        Field("territory", "VARCHAR", "Territory code.", references="territories.code"),
        Field("person_id", "VARCHAR", "Employee id of the holder.",
              references="people.person_id"),
        Field("valid_from", "DATE", "First day held."),
        Field("valid_to", "DATE", "Last day held; empty = open.", required=False),
    ),
    ("territory", "person_id", "valid_from"),
    APP,
    ("valid_to IS NULL OR valid_to >= valid_from",),
    example=(
        "territory,person_id,valid_from,valid_to\n"
        "emea-enterprise,E102,2026-01-01,\n"
    ),
    requires=("people",),
)

_WAREHOUSE_EXAMPLES = {
    "accounts": (
        "account_id,name,industry,segment,region,country,employees,created_on,owner_id,channel\n"
        "A1,Globex,Technology,enterprise,NA,US,5200,2021-04-01,E102,direct\n"
        "A2,Initech,Finance,smb,NA,CA,,2023-09-15,,partner\n"
    ),
    "products": (
        "product_id,name,family,list_price,unit_cost,currency,is_recurring\n"
        "P1,Cloud Suite,Cloud,12000.00,1800.00,USD,true\n"
        "P2,Onboarding,Services,2500.00,1500.00,USD,false\n"
    ),
    "campaigns": (
        "campaign_id,name,channel,start_on,end_on\n"
        "C1,Spring webinar,Webinar,2026-03-01,2026-03-31\n"
    ),
    "leads": (
        "lead_id,source,campaign_id,created_on,qualified_on,converted_on,opportunity_id,"
        "owner_id,account_id\n"
        "L1,Web,C1,2026-03-04,2026-03-10,,,E102,A1\n"
    ),
    "opportunities": (
        "opportunity_id,name,account_id,owner_id,product_id,amount,currency,stage,probability,"
        "forecast_category,lead_source,deal_type,created_on,close_date,is_closed,is_won,"
        "loss_reason,lead_id,campaign_id,sdr_id,se_id\n"
        "O1,Globex cloud,A1,E102,P1,24000.00,USD,Closed Won,1,closed,Web,new,2026-03-12,"
        "2026-04-20,true,true,,L1,C1,,\n"
        "O2,Initech onboarding,A2,E102,P2,,USD,Qualification,0.2,pipeline,Partner,new,"
        "2026-05-02,2026-07-31,false,false,,,,,\n"
    ),
    "opportunity_stage_history": (
        "opportunity_id,stage,entered_at,amount,probability,forecast_category,close_date\n"
        "O1,Qualification,2026-03-12T09:30:00,20000.00,0.2,pipeline,2026-05-31\n"
        "O1,Closed Won,2026-04-20T16:00:00,24000.00,1,closed,2026-04-20\n"
    ),
    "splits": (
        "opportunity_id,person_id,share,split_type\n"
        "O1,E102,0.6,revenue\n"
        "O1,E101,0.4,revenue\n"
    ),
    "transactions": (
        "transaction_id,order_id,opportunity_id,account_id,product_id,owner_id,deal_type,"
        "quantity,unit_price,discount,amount,cost,currency,booked_on,invoiced_on,paid_on,kind,"
        "reverses_transaction_id\n"
        "T1,SO-1,O1,A1,P1,E102,new,2,12000.00,0,24000.00,3600.00,USD,2026-04-20,2026-04-21,,"
        "order,\n"
        "T2,SO-1,O1,A1,P1,E102,new,-1,12000.00,0,-12000.00,-1800.00,USD,2026-05-02,,,"
        "cancellation,T1\n"
    ),
    "activities": (
        "activity_id,person_id,account_id,opportunity_id,activity_type,occurred_at,outcome,"
        "duration_minutes\n"
        "AC1,E102,A1,O1,demo,2026-03-20T15:00:00,held,45\n"
    ),
    "campaign_spend": (
        "campaign_id,month,amount,currency\n"
        "C1,2026-03-01,4200.00,USD\n"
    ),
    "sales_marketing_costs": (
        "month,function,category,cost_center,amount,currency\n"
        "2026-03-01,sales,salaries,NA-EAST,84000.00,USD\n"
    ),
    "subscriptions": (
        "account_id,month,mrr,mrr_change,movement,currency\n"
        "A1,2026-05-01,1000.00,1000.00,new,USD\n"
    ),
    "customer_feedback": (
        "feedback_id,account_id,responded_on,survey,score\n"
        "F1,A1,2026-06-01,nps,9\n"
    ),
    "fx_rates": (
        "rate_date,from_currency,to_currency,rate\n"
        "2026-01-01,EUR,USD,1.08500000\n"
    ),
    "training_courses": (
        "course_id,name,topic,cost_per_seat,currency\n"
        "TC1,Discovery calls,discovery,350.00,USD\n"
    ),
    "training": (
        "person_id,course_id,completed_on,score\n"
        "E102,TC1,2026-02-14,88\n"
    ),
}

KINDS: tuple[Kind, ...] = (
    PEOPLE,
    TEAMS,
    *(_from_table(table, _WAREHOUSE_EXAMPLES[table.name]) for table in schema.TABLES),
    QUOTAS,
    TERRITORY_ASSIGNMENTS,
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
ALIASES = {"feedback": "customer_feedback", "stage_history": "opportunity_stage_history",
           "hierarchy": "teams"}


NOT_NEGATIVE = "must not be negative"

RULES: dict[str, str] = {
    **{f"{name} >= 0": NOT_NEGATIVE for name in (
        "amount", "cost_per_seat", "duration_minutes", "employees", "list_price", "mrr",
        "unit_cost", "unit_price")},
    "discount >= 0 AND discount <= 1": "must be between 0 and 1 (a fraction of the list "
                                       "price: 0.1 is 10%)",
    "probability >= 0 AND probability <= 1": "must be between 0 and 1 (0.25 is 25%)",
    "share > 0 AND share <= 1": "must be more than 0 and at most 1 (0.5 is half)",
    "rate > 0": "must be more than 0",
    "score BETWEEN 0 AND 100": "must be between 0 and 100",
    "length(employee_id) <= 40": "must be at most 40 characters long",
    "regexp_full_match(email, '[^@ ]+@[^@ ]+')": "must be an email address (name@domain)",
    "(kind = 'order' AND amount >= 0) OR (kind <> 'order' AND amount <= 0)":
        "an order's {amount} must not be negative, a cancellation's or refund's must not be "
        "positive",
    "(kind = 'order') = (reverses_transaction_id IS NULL)":
        "an order names no line in {reverses_transaction_id}; a cancellation or refund names "
        "the line it reverses",
    "(owner_type = 'company') = (owner IS NULL)":
        "a company quota has no {owner}; every other quota names one",
    "(survey = 'nps' AND score BETWEEN 0 AND 10) OR (survey = 'csat' AND score BETWEEN 1 "
    "AND 5)": "an nps {score} must be 0 to 10, a csat {score} 1 to 5",
    "NOT is_won OR is_closed": "a won deal must be closed ({is_closed} true)",
    "converted_on IS NULL OR converted_on >= created_on":
        "{converted_on} must not be before {created_on}",
    "qualified_on IS NULL OR qualified_on >= created_on":
        "{qualified_on} must not be before {created_on}",
    "end_on IS NULL OR end_on >= start_on": "{end_on} must not be before {start_on}",
    "team_since IS NULL OR team_since >= hire_date":
        "{team_since} must not be before {hire_date}",
    "termination_date IS NULL OR termination_date >= hire_date":
        "{termination_date} must not be before {hire_date}",
    "valid_to IS NULL OR valid_to >= valid_from": "{valid_to} must not be before {valid_from}",
    "manager_since IS NULL OR manager IS NOT NULL": "{manager_since} needs a {manager}",
    "parent IS NULL OR parent <> code": "a team cannot be its own {parent}",
}
"""Every check's meaning in plain words, as errors and the docs give it; ``{column}`` stands
for that column's name in the user's file."""

CURRENCY_RULE = "not a known ISO 4217 currency code"


def rule_words(check: str, labels: dict[str, str] | None = None) -> str:
    """The plain words of a field's or a kind's SQL check, naming columns by ``labels``
    (a column's header in the user's file; its own name when not given)."""
    words = RULES[check]
    names = set(re.findall(r"\{(\w+)\}", words))
    return words.format(**{name: (labels or {}).get(name, name) for name in names})


def get(name: str) -> Kind:
    """The kind called ``name`` (or one of its aliases)."""
    kind = KINDS_BY_NAME.get(ALIASES.get(name, name))
    if kind is None:
        known = ", ".join(kind.name for kind in KINDS)
        raise UnknownKind(f"there is no import kind {name!r}; the kinds are: {known}")
    return kind
