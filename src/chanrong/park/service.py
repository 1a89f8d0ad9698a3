"""The park's cockpit: its member firms as far as each one's consent to the park allows
(purpose park_services, every read audited), aggregates over all of them always, and the live
screen."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal, Role
from chanrong.alerts.rules import BY_ID, RULES
from chanrong.alerts.service import AlertService
from chanrong.carbon.service import MIN_GROUP, CarbonService
from chanrong.clock import Clock
from chanrong.finance.portfolio import live_loans
from chanrong.finance.service import BankService
from chanrong.grading.service import GradingService
from chanrong.model.base import local_today
from chanrong.model.events import LoanType
from chanrong.model.identifiers import MANUFACTURING_DIVISIONS
from chanrong.model.master import OrgKind
from chanrong.park.live import ALERTS_SQL, LIVE_MINUTES, MACHINES_SQL
from chanrong.park.riskpool import Exposure, PoolError, Terms, simulate
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository

PURPOSE = "park_services"
FOR_PARKS = [r.id for r in RULES if "park" in r.audience]
TREND_DAYS = 30
# What the cockpit shows of each firm, and over the park: sums (amounts, energy) or medians over
# the firms that have a value (rates, changes: a mean would follow one firm's +10,000 %).
FIGURES = (("output_value", 90), ("output_change", 90), ("device_running_rate", 30),
           ("energy_tce", 90), ("on_time_delivery_qty", 90))  # fmt: skip
SUMMED = frozenset({"output_value", "energy_tce"})

# The members' live loans of the covered types ($types NULL: every type), each with the newest
# PD any lender's scorecard gave the borrower (none: the pool's stated default PD).
POOL_LOANS_SQL = f"""
WITH live AS ({
    live_loans(
        "org IN (SELECT uscc FROM organisations WHERE park = $park) "
        "AND ($types IS NULL OR list_contains($types, loan_type))"
    )
}),
s AS (
    SELECT org, pd FROM credit_scores QUALIFY scored_at = max(scored_at) OVER (PARTITION BY org)
)
SELECT live.org, live.loan_no, live.loan_type, live.principal::DOUBLE AS ead, live.outcome,
       s.pd
FROM live LEFT JOIN s ON s.org = live.org
"""

KEY_SQL = """
SELECT indicator, window_days, count(value) AS firms, sum(value) AS total,
       median(value) AS median
FROM (
    SELECT * FROM indicator_values
    WHERE list_contains($orgs, org) AND as_of <= $day AND list_contains($ids, indicator)
    QUALIFY as_of = max(as_of) OVER (PARTITION BY org)
) GROUP BY ALL
"""


class ParkService:
    def __init__(
        self, store: Store, consents: ConsentService, bank: BankService,
        grading: GradingService, carbon: CarbonService, alerts: AlertService, clock: Clock,
    ) -> None:  # fmt: skip
        self.store = store
        self.consents = consents
        self.bank = bank
        self.grading = grading
        self.carbon = carbon
        self.alerts = alerts
        self.clock = clock
        self.master = MasterRepository(store)

    @staticmethod
    def _check(principal: Principal) -> None:
        if principal.org_kind is not OrgKind.PARK:
            raise ConsentForbidden("the cockpit is for parks and local governments")

    # -- the live screen (大屏) ---------------------------------------------------------------
    def live(self, principal: Principal, now: datetime | None = None) -> dict[str, Any]:
        """The park right now: machines running, power, today's energy, carbon and output, the
        last TREND_DAYS days, digital levels, open alerts by type, quotas. Aggregates only."""
        self._check(principal)
        now = now or self.clock.now()
        today = local_today(now)
        park = principal.org
        members = list(self.master.members(park))
        cur = self.store.cursor()
        m = dicts(cur.execute(MACHINES_SQL, {"park": park, "now": now}))[0]
        alerts = dicts(cur.execute(ALERTS_SQL, {"park": park, "rules": FOR_PARKS}))
        for a in alerts:
            rule = BY_ID.get(a["rule"])
            a |= {"name_zh": rule.name_zh if rule else a["rule"],
                  "name_en": rule.name_en if rule else a["rule"]}  # fmt: skip
        trend = self.carbon.daily(members, today - timedelta(days=TREND_DAYS - 1), today)
        grades = self.grading.park_view(park, today)
        quotas = Counter(q["status"] for q in self.carbon.quota_status(now)
                         if q["org"] in set(members))  # fmt: skip
        now_row = next((d for d in trend if d["day"] == today.isoformat()), None)
        return {
            "as_of": now.isoformat(), "firms": len(members), "live_minutes": LIVE_MINUTES,
            "machines": m,
            "running_rate": m["running"] / m["reporting"] if m["reporting"] else None,
            "today": now_row or {"day": today.isoformat(), "tce": None, "t_location": None,
                                 "output_value": None},
            "trend": trend, "grades": grades["distribution"]["overall"],
            "graded": grades["firms"], "alerts": alerts, "open_alerts": sum(a["open"] for a in alerts),
            "quotas": dict(quotas),
        }  # fmt: skip

    # -- the risk-compensation pool (园保贷) ------------------------------------------------
    def pool_terms(self, park: str) -> tuple[Terms, list[str] | None, bool]:
        """The park's saved terms and covered loan types, or the example ones (saved: False)."""
        row = self.store.cursor().execute(
            "SELECT terms, loan_types FROM park_risk_pools WHERE park = ?", [park]).fetchone()  # fmt: skip
        if row is None:
            return Terms(), None, False
        return Terms(**json.loads(row[0])), row[1], True

    def set_pool(
        self, principal: Principal, terms: Terms, loan_types: list[str] | None = None
    ) -> dict[str, Any]:
        """The park keeps its pool's terms (its people; not a read-only user)."""
        self._check(principal)
        if principal.role is Role.VIEWER:
            raise ConsentForbidden("a read-only user cannot change the pool")
        try:
            terms.check()
            types = sorted({LoanType(t).value for t in loan_types}) if loan_types else None
        except ValueError as exc:
            raise PoolError(str(exc)) from exc
        with self.store.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO park_risk_pools VALUES (?, ?, ?, ?, ?)",
                        [principal.org, json.dumps(asdict(terms)), types,
                         principal.username or "?", self.clock.now()])  # fmt: skip
        return {"terms": asdict(terms), "loan_types": types}

    def risk_pool(
        self, principal: Principal, terms: Terms | None = None,
        loan_types: list[str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The pool against the members' live loans today (its saved terms unless others are
        given): coverage, leverage, and a year of losses simulated. Aggregates: no firm named."""
        self._check(principal)
        saved, saved_types, is_saved = self.pool_terms(principal.org)
        terms = terms or saved
        types = loan_types if loan_types is not None else saved_types
        loans = dicts(self.store.cursor().execute(POOL_LOANS_SQL, {
            "park": principal.org, "day": local_today(self.clock.now()), "types": types}))  # fmt: skip
        # a loan already in default is a claim now, not a risk to simulate
        defaulted = [r for r in loans if r["outcome"] == "default"]
        live = [r for r in loans if r["outcome"] != "default"]
        due = terms.pool_share * terms.lgd * sum(r["ead"] for r in defaulted)
        # the year ahead starts from what is left once those claims are paid (pro rata)
        left = 1 - min(due, terms.pool) / terms.pool if terms.pool else 0.0
        ahead = replace(terms, government_fund=terms.government_fund * left,
                        park_fund=terms.park_fund * left)  # fmt: skip
        result = simulate([Exposure(r["ead"], r["pd"]) for r in live], ahead)
        return result | {
            "saved": is_saved, "loan_types": types, "firms": len({r["org"] for r in live}),
            "loans": len(live), "defaulted": {"loans": len(defaulted), "ead": sum(r["ead"] for r in defaulted),
                                              "claim_due": due},
            "pool_before_due": terms.pool, "terms": asdict(terms),
        }  # fmt: skip

    # -- the portfolio -------------------------------------------------------------------------
    def portfolio(self, principal: Principal, as_of: date | None = None) -> dict[str, Any]:
        """Every member counted; those that consented to the park named with their grade, key
        figures, tags and open alerts, each as far as its consent allows."""
        self._check(principal)
        day = as_of or local_today(self.clock.now())
        members = self.master.members(principal.org)
        live = set(self.consents.live(principal.org, PURPOSE))
        open_alerts: dict[str, Counter[str]] = {}
        for a in self.alerts.inbox(principal, "active")["alerts"]:
            open_alerts.setdefault(a["org"], Counter())[a["name_zh"]] += 1
        firms = []
        for org in sorted(set(members) & live):
            try:
                f = self.bank.firm(principal, org, PURPOSE, day, figures=FIGURES)
            except ConsentForbidden:
                continue  # its consent to the park opens none of this (e.g. carbon alone)
            firms.append(f | {"alerts": dict(open_alerts.get(org, {}))})
        firms.sort(key=lambda f: (-sum(f["alerts"].values()), f["name"]))
        industry = Counter((m["industry_code"] or "")[:3] for m in members.values())
        groups: Counter[str] = Counter()
        for code, n in industry.items():  # no division with fewer than MIN_GROUP firms named
            groups[code if code and n >= MIN_GROUP else "other"] += n
        ids = sorted({i for i, _ in FIGURES})
        key = {(r["indicator"], r["window_days"]): r for r in dicts(self.store.cursor().execute(
            KEY_SQL, {"orgs": list(members), "day": day, "ids": ids}))}  # fmt: skip
        figures = {
            f"{i}_{w}": {"firms": key[(i, w)]["firms"],
                         "value": key[(i, w)]["total" if i in SUMMED else "median"],
                         "how": "sum" if i in SUMMED else "median"}
            for i, w in FIGURES if (i, w) in key
        }  # fmt: skip
        grades = self.grading.park_view(principal.org, day)
        return {
            "as_of": day.isoformat(), "park": principal.org, "firms": len(members),
            "named": len(firms), "not_named": len(members) - len(firms),
            "by_industry": [
                {"industry": code, "industry_name": MANUFACTURING_DIVISIONS.get(code), "firms": n}
                for code, n in groups.most_common()
            ],
            "figures": figures, "figure_keys": [f"{i}_{w}" for i, w in FIGURES], "grades": grades["distribution"]["overall"],
            "graded": grades["firms"], "members": firms,
        }  # fmt: skip
