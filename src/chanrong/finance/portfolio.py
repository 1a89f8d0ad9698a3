"""The bank's loan portfolio: its borrowers from its own book (loans, outcomes, the scores it
took), with the open alerts it may see, exposure, expected loss and concentration."""

from __future__ import annotations

from typing import Any

from chanrong.access.rules import Principal
from chanrong.alerts.service import AlertService
from chanrong.clock import Clock
from chanrong.finance.credit import Policy
from chanrong.finance.scorecard import RATINGS
from chanrong.model.base import EVENT_DAY, local_today
from chanrong.store.db import Store, dicts


# Loans live on $day: started, the newest outcome by then neither repaid nor written off, and
# not more than a month past maturity; with their days past due. `which` picks the loans: a
# bank's own (LIVE_LOANS, also what the credit line deducts as already outstanding,
# `ScoringService.outstanding`), or a park's members' (park.service).
def live_loans(which: str) -> str:
    return f"""
WITH l AS (
    SELECT * FROM ev_loan WHERE {which} AND start_date <= $day
    QUALIFY event_time = max(event_time) OVER (PARTITION BY org, loan_no)
), o AS (
    SELECT org, loan_no, outcome, days_past_due FROM ev_loan_outcome
    WHERE {EVENT_DAY} <= $day
    QUALIFY event_time = max(event_time) OVER (PARTITION BY org, loan_no)
)
SELECT l.*, o.outcome, coalesce(o.days_past_due, 0) AS dpd FROM l
LEFT JOIN o ON o.org = l.org AND o.loan_no = l.loan_no
WHERE coalesce(o.outcome, '') NOT IN ('repaid', 'written_off')
  AND l.maturity_date + INTERVAL 31 DAY >= $day
"""


LIVE_LOANS = live_loans("lender = $bank")

BOOK_SQL = f"""
WITH live AS ({LIVE_LOANS}), s AS (
    SELECT org, rating, score, pd, scored_at FROM credit_scores WHERE owner = $bank
    QUALIFY scored_at = max(scored_at) OVER (PARTITION BY org)
)
SELECT live.org, any_value(g.name) AS name, count(*) AS loans,
       sum(principal)::DOUBLE AS outstanding, min(maturity_date) AS next_maturity,
       max(dpd) AS dpd, list(DISTINCT loan_type) AS loan_types,
       any_value(s.rating) AS rating, any_value(s.score) AS score, any_value(s.pd) AS pd,
       any_value(s.scored_at) AS scored_at
FROM live LEFT JOIN s ON s.org = live.org LEFT JOIN organisations g ON g.uscc = live.org
GROUP BY live.org ORDER BY outstanding DESC
"""


class Portfolio:
    def __init__(self, store: Store, alerts: AlertService, clock: Clock) -> None:
        self.store = store
        self.alerts = alerts
        self.clock = clock

    def book(self, principal: Principal, policy: Policy = Policy()) -> dict[str, Any]:
        day = local_today(self.clock.now())
        rows = dicts(self.store.cursor().execute(BOOK_SQL, {"bank": principal.org, "day": day}))
        open_alerts: dict[str, dict[str, int]] = {}
        for a in self.alerts.inbox(principal, "active")["alerts"]:
            by = open_alerts.setdefault(a["org"], {})
            by[a["severity"]] = by.get(a["severity"], 0) + 1
        total = sum(r["outstanding"] for r in rows)
        for r in rows:
            r["next_maturity"] = r["next_maturity"].isoformat() if r["next_maturity"] else None
            r["scored_at"] = r["scored_at"].isoformat() if r["scored_at"] else None
            r["share"] = r["outstanding"] / total if total else None
            r["expected_loss"] = r["outstanding"] * r["pd"] * policy.lgd if r["pd"] else None
            r["alerts"] = open_alerts.get(r["org"], {})
        by_rating = {g: 0.0 for g, _ in RATINGS} | {"unscored": 0.0}
        for r in rows:
            by_rating[r["rating"] or "unscored"] += r["outstanding"]
        top5 = sum(r["outstanding"] for r in rows[:5])
        return {
            "as_of": day.isoformat(), "borrowers": rows, "outstanding": total,
            "expected_loss": sum(r["expected_loss"] or 0 for r in rows),
            "unscored_exposure": by_rating["unscored"],
            "overdue_exposure": sum(r["outstanding"] for r in rows if r["dpd"] > 0),
            "top5_share": top5 / total if total else None,
            "hhi": round(sum((r["outstanding"] / total) ** 2 for r in rows) * 10_000)
            if total else None,
            "by_rating": by_rating, "lgd": policy.lgd,
            "alerting": sum(1 for r in rows if r["alerts"]),
        }  # fmt: skip
