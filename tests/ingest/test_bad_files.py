"""A bad file of each kind: every error is listed with its row, column, value and reason,
and nothing of the file is loaded.

Each case is the file as a user would write it, imported after the documented examples of
the kinds before it (so ``E100``–``E102``, ``A1``/``A2``, ``P1``/``P2``, ``C1``, ``L1``,
``O1``/``O2`` and ``TC1`` exist). Row 2 of each file is
good; the comment above each later row says what is wrong with it. Errors come sorted by
row, then by column (in the kind's column order, rules over several columns last).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attain.ingest import kinds
from attain.warehouse import load
from tests.ingest.helpers import ORDER, load_examples, run

pytestmark = pytest.mark.django_db

PERSON = "no person has this person_id (import people first)"
ACCOUNT = "no account has this account_id (import accounts first)"
OPPORTUNITY = "no opportunity has this opportunity_id (import opportunities first)"
CAMPAIGN = "no campaign has this campaign_id (import campaigns first)"
CURRENCY = "not a known ISO 4217 currency code"
MONEY = "not a number with at most 2 decimal places (written like 1234.50)"
RATE = "must be between 0 and 1 (0.25 is 25%)"
SURVEY = "an nps score must be 0 to 10, a csat score 1 to 5"

CASES: dict[str, tuple[str, list[tuple[int, str, str, str]], int]] = {
    "teams": (
        "code,name,parent,region,manager,manager_since\n"
        "west,West,,NA,E100,2022-01-10\n"
        # 3: no name; a manager nobody knows (its parent is row 2: a team of the same file)
        "east,,west,NA,E999,2023-03-01\n"
        # 4: its own parent; a 13th month
        "loop,Loop,loop,NA,,2023-13-01\n"
        # 5: a parent team that exists nowhere; a manager_since without a manager
        "south,South,nowhere,NA,,2023-03-01\n"
        # 6: the code of row 2 again
        "west,West again,,NA,E100,2022-01-10\n",
        [(3, "name", "", "required, but empty"),
         (3, "manager", "E999", PERSON),
         (4, "manager_since", "2023-13-01", "not a date (YYYY-MM-DD)"),
         (4, "code, parent", "loop, loop", "a team cannot be its own parent"),
         (5, "parent", "nowhere", "no team has this code"),
         (5, "manager, manager_since", ", 2023-03-01",
          "manager_since needs a manager"),
         (6, "code", "west", "the same key as row 2")],
        4,
    ),
    "quotas": (
        "metric,owner_type,owner,period,amount,currency,status\n"
        "bookings,person,E102,2026-Q1,250000.00,USD,approved\n"
        # 3: an owner type that does not exist
        "bookings,planet,E102,2026-Q2,1.00,USD,approved\n"
        # 4: negative amount, lower-case currency, unknown status, a company quota with an owner
        "bookings,company,E102,2026,-5.00,usd,final\n"
        # 5: the key of row 2 again (metric, owner type, owner, period)
        "bookings,person,E102,2026-Q1,1.5,USD,\n",
        [(3, "owner_type", "planet",
          "not one of " + ", ".join(kinds.get("quotas").field("owner_type").allowed)),
         (4, "amount", "-5", "must not be negative"),
         (4, "currency", "usd", CURRENCY + ": codes are written in capitals, USD"),
         (4, "status", "final", "not one of draft, approved"),
         (4, "owner_type, owner", "company, E102",
          "a company quota has no owner; every other quota names one"),
         (5, "metric, owner_type, owner, period", "bookings, person, E102, 2026-Q1",
          "the same key as row 2")],
        3,
    ),
    "opportunities": (
        "opportunity_id,name,account_id,owner_id,product_id,amount,currency,stage,probability,"
        "forecast_category,lead_source,deal_type,created_on,close_date,is_closed,is_won,"
        "loss_reason,lead_id,campaign_id,sdr_id,se_id\n"
        "O3,Globex cloud,A1,E102,P1,24000.00,USD,Closed Won,1,closed,Web,new,2026-03-12,"
        "2026-04-20,true,true,,L1,C1,,\n"
        # 4: unknown account, probability above 1, unknown forecast category, won but open
        "O4,Bad,A9,E102,P1,100.00,USD,Prospecting,1.5,maybe,Web,new,2026-03-12,2026-04-20,"
        "false,true,,,,,\n"
        # 5: a tenth of a cent, a day-first date, a closed flag that is not a boolean
        "O5,Odd,A1,E102,,12.345,USD,Prospecting,0.1,pipeline,Web,new,12/03/2026,2026-04-20,"
        "maybe,false,,,,,\n",
        [(3, "account_id", "A9", ACCOUNT),
         (3, "probability", "1.5", RATE),
         (3, "forecast_category", "maybe",
          "not one of pipeline, best_case, commit, closed, omitted"),
         (3, "is_closed, is_won", "false, true", "a won deal must be closed (is_closed true)"),
         (4, "amount", "12.345", MONEY),
         (4, "created_on", "12/03/2026", "not a date (YYYY-MM-DD)"),
         (4, "is_closed", "maybe", "not true or false")],
        2,
    ),
    "opportunity_stage_history": (
        "opportunity_id,stage,entered_at,amount,probability,forecast_category,close_date\n"
        "O1,Proposal,2026-03-15T09:30:00,20000.00,0.4,best_case,2026-05-31\n"
        # 3: a deal that was never imported
        "O9,Qualification,2026-03-13T09:30:00,,0.2,pipeline,2026-05-31\n"
        # 4: not a time; a negative probability
        "O1,Proposal,yesterday,,-0.1,commit,2026-05-31\n"
        # 5: the same deal at the same moment as row 2
        "O1,Negotiation,2026-03-15T09:30:00,1.00,0.5,commit,2026-05-31\n",
        [(3, "opportunity_id", "O9", OPPORTUNITY),
         (4, "entered_at", "yesterday", "not a date and time (YYYY-MM-DDTHH:MM:SS)"),
         (4, "probability", "-0.1", RATE),
         (5, "opportunity_id, entered_at", "O1, 2026-03-15 09:30:00", "the same key as row 2")],
        3,
    ),
    "splits": (
        "opportunity_id,person_id,share,split_type\n"
        "O2,E102,0.6,revenue\n"
        # 3: a person nobody knows
        "O2,E999,0.4,revenue\n"
        # 4: a share of nothing
        "O2,E101,0,overlay\n"
        # 5: more than the whole deal, and a split type that does not exist
        "O2,E101,1.5,bonus\n"
        # 6: the deal, person and type of row 2 again
        "O2,E102,0.3,revenue\n",
        [(3, "person_id", "E999", PERSON),
         (4, "share", "0", "must be more than 0 and at most 1 (0.5 is half)"),
         (5, "share", "1.5", "must be more than 0 and at most 1 (0.5 is half)"),
         (5, "split_type", "bonus", "not one of revenue, overlay"),
         (6, "opportunity_id, person_id, split_type", "O2, E102, revenue",
          "the same key as row 2")],
        4,
    ),
    "activities": (
        "activity_id,person_id,account_id,opportunity_id,activity_type,occurred_at,outcome,"
        "duration_minutes\n"
        "AC5,E102,A1,O1,demo,2026-03-20T15:00:00,held,45\n"
        # 3: unknown account and deal, a negative duration
        "AC6,E102,A9,O9,call,2026-03-20T16:00:00,connected,-5\n"
        # 4: a fax, an outcome that is not listed, a fraction of a minute
        "AC7,E102,,,fax,2026-03-21T09:00:00,sent,1.5\n",
        [(3, "account_id", "A9", ACCOUNT),
         (3, "opportunity_id", "O9", OPPORTUNITY),
         (3, "duration_minutes", "-5", "must not be negative"),
         (4, "activity_type", "fax", "not one of call, email, meeting, demo"),
         (4, "outcome", "sent",
          "not one of connected, no_answer, replied, no_reply, held, no_show, completed"),
         (4, "duration_minutes", "1.5", "not a whole number in range")],
        2,
    ),
    "leads": (
        "lead_id,source,campaign_id,created_on,qualified_on,converted_on,opportunity_id,"
        "owner_id,account_id\n"
        "L5,Web,C1,2026-03-04,2026-03-10,,,E102,A1\n"
        # 3: no source, an unknown campaign, qualified before it arrived
        "L6,,C9,2026-03-04,2026-03-01,,,,\n"
        # 4: converted before it arrived, into a deal not imported yet (leads come first)
        "L7,Web,,2026-03-04,,2026-02-01,O1,,\n",
        [(3, "source", "", "required, but empty"),
         (3, "campaign_id", "C9", CAMPAIGN),
         (3, "created_on, qualified_on", "2026-03-04, 2026-03-01",
          "qualified_on must not be before created_on"),
         (4, "opportunity_id", "O1", OPPORTUNITY),
         (4, "created_on, converted_on", "2026-03-04, 2026-02-01",
          "converted_on must not be before created_on")],
        2,
    ),
    "campaign_spend": (
        "campaign_id,month,amount,currency\n"
        "C1,2026-04-01,4200.00,USD\n"
        # 3: an unknown campaign; negative spend
        "C9,2026-04-01,-1.00,USD\n"
        # 4: the campaign and month of row 2 again; a two-letter currency
        "C1,2026-04-01,10.00,EU\n",
        [(3, "campaign_id", "C9", CAMPAIGN),
         (3, "amount", "-1", "must not be negative"),
         (4, "campaign_id, month", "C1, 2026-04-01", "the same key as row 2"),
         (4, "currency", "EU", CURRENCY)],
        2,
    ),
    "sales_marketing_costs": (
        "month,function,category,cost_center,amount,currency\n"
        "2026-04-01,sales,salaries,NA-EAST,84000.00,USD\n"
        # 3: a month without its day; a function that is neither sales nor marketing
        "2026-04,finance,tools,NA-EAST,1.00,USD\n"
        # 4: the month, function, category and cost centre of row 2 again
        "2026-04-01,sales,salaries,NA-EAST,5.00,USD\n"
        # 5: no category; money in scientific notation
        "2026-05-01,marketing,,EMEA,1e3,USD\n",
        [(3, "month", "2026-04", "not a date (YYYY-MM-DD)"),
         (3, "function", "finance", "not one of sales, marketing"),
         (4, "month, function, category, cost_center", "2026-04-01, sales, salaries, NA-EAST",
          "the same key as row 2"),
         (5, "category", "", "required, but empty"),
         (5, "amount", "1e3", MONEY)],
        3,
    ),
    "subscriptions": (
        "account_id,month,mrr,mrr_change,movement,currency\n"
        "A2,2026-05-01,1000.00,1000.00,new,USD\n"
        # 3: an unknown account, negative MRR, no change given, a movement not listed
        "A9,2026-05-01,-1.00,,grew,USD\n",
        [(3, "account_id", "A9", ACCOUNT),
         (3, "mrr", "-1", "must not be negative"),
         (3, "mrr_change", "", "required, but empty"),
         (3, "movement", "grew",
          "not one of new, expansion, contraction, churn, reactivation, flat")],
        1,
    ),
    "customer_feedback": (
        "feedback_id,account_id,responded_on,survey,score\n"
        "F5,A1,2026-06-01,nps,9\n"
        # 3: CSAT starts at 1
        "F6,A1,2026-06-01,csat,0\n"
        # 4: NPS ends at 10
        "F7,A1,2026-06-01,nps,11\n"
        # 5: a survey that does not exist (so no score range fits either)
        "F8,A1,2026-06-01,ces,5\n"
        # 6: the id of row 2 again
        "F5,A2,2026-06-02,nps,7\n"
        # 7: half a point (the range rule cannot judge a score that is not a number)
        "F9,A1,2026-06-01,nps,9.5\n",
        [(3, "survey, score", "csat, 0", SURVEY),
         (4, "survey, score", "nps, 11", SURVEY),
         (5, "survey", "ces", "not one of nps, csat"),
         (5, "survey, score", "ces, 5", SURVEY),
         (6, "feedback_id", "F5", "the same key as row 2"),
         (7, "score", "9.5", "not a whole number in range")],
        5,
    ),
    "training_courses": (
        "course_id,name,topic,cost_per_seat,currency\n"
        "TC5,Discovery calls,discovery,350.00,USD\n"
        # 3: no topic; a negative cost
        "TC6,Negotiation,,-350.00,USD\n"
        # 4: a tenth of a cent; a currency of symbols
        "TC7,Closing,closing,350.001,$$$\n",
        [(3, "topic", "", "required, but empty"),
         (3, "cost_per_seat", "-350", "must not be negative"),
         (4, "cost_per_seat", "350.001", MONEY),
         (4, "currency", "$$$", CURRENCY)],
        2,
    ),
    "training": (
        "person_id,course_id,completed_on,score\n"
        "E101,TC1,2026-02-14,88\n"
        # 3: a person and a course nobody knows; a score above 100
        "E999,TC9,2026-02-14,101\n"
        # 4: the person, course and day of row 2 again
        "E101,TC1,2026-02-14,90\n",
        [(3, "person_id", "E999", PERSON),
         (3, "course_id", "TC9",
          "no training course has this course_id (import training_courses first)"),
         (3, "score", "101", "must be between 0 and 100"),
         (4, "person_id, course_id, completed_on", "E101, TC1, 2026-02-14",
          "the same key as row 2")],
        2,
    ),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_a_bad_file_lists_every_error_and_loads_nothing(warehouse: str, tmp_path: Path,
                                                        kind: str) -> None:
    before_kind = ORDER[ORDER.index(kind) - 1]
    load_examples(tmp_path, upto=before_kind)
    text, expected, rejected = CASES[kind]
    store_is_warehouse = kinds.get(kind).store == kinds.WAREHOUSE
    before = load.table_counts(url=warehouse).get(kind) if store_is_warehouse else None

    report = run(kind, tmp_path, text)

    found = [(issue.row, issue.column, issue.value, issue.reason) for issue in report.errors]
    assert found == expected
    assert (report.error_count, report.rejected) == (len(expected), rejected)
    assert not report.loaded
    if store_is_warehouse:
        assert load.table_counts(url=warehouse).get(kind) == before
    # the good row alone loads: the errors above are the file's only problems
    good = "".join(text.splitlines(keepends=True)[:2])
    assert run(kind, tmp_path, good).ok
