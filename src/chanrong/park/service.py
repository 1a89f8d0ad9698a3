"""The park's cockpit: its member firms as far as each one's consent to the park allows
(purpose park_services, every read audited), aggregates over all of them always, and the live
screen."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal
from chanrong.alerts.rules import BY_ID, RULES
from chanrong.alerts.service import AlertService
from chanrong.carbon.service import MIN_GROUP, CarbonService
from chanrong.clock import Clock
from chanrong.finance.service import KEY_FIGURES, BankService
from chanrong.grading.service import GradingService
from chanrong.model.base import local_today
from chanrong.model.identifiers import MANUFACTURING_DIVISIONS
from chanrong.model.master import OrgKind
from chanrong.park.live import ALERTS_SQL, LIVE_MINUTES, MACHINES_SQL
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository

PURPOSE = "park_services"
FOR_PARKS = [r.id for r in RULES if "park" in r.audience]
TREND_DAYS = 30
# Sums over the park (amounts, energy); the rest are averaged over the firms that have a value.
SUMMED = frozenset({"sales_amount", "output_value", "energy_tce"})

KEY_SQL = """
SELECT indicator, window_days, count(value) AS firms, sum(value) AS total, avg(value) AS mean
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
                f = self.bank.firm(principal, org, PURPOSE, day)
            except ConsentForbidden:
                continue  # its consent to the park opens none of this (e.g. carbon alone)
            firms.append(f | {"alerts": dict(open_alerts.get(org, {}))})
        firms.sort(key=lambda f: (-sum(f["alerts"].values()), f["name"]))
        industry = Counter((m["industry_code"] or "")[:3] for m in members.values())
        groups: Counter[str] = Counter()
        for code, n in industry.items():  # no division with fewer than MIN_GROUP firms named
            groups[code if code and n >= MIN_GROUP else "other"] += n
        ids = sorted({i for i, _ in KEY_FIGURES})
        key = {(r["indicator"], r["window_days"]): r for r in dicts(self.store.cursor().execute(
            KEY_SQL, {"orgs": list(members), "day": day, "ids": ids}))}  # fmt: skip
        figures = {
            f"{i}_{w}": {"firms": key[(i, w)]["firms"],
                         "value": key[(i, w)]["total" if i in SUMMED else "mean"],
                         "how": "sum" if i in SUMMED else "mean"}
            for i, w in KEY_FIGURES if (i, w) in key
        }  # fmt: skip
        grades = self.grading.park_view(principal.org, day)
        return {
            "as_of": day.isoformat(), "park": principal.org, "firms": len(members),
            "named": len(firms), "not_named": len(members) - len(firms),
            "by_industry": [
                {"industry": code, "industry_name": MANUFACTURING_DIVISIONS.get(code), "firms": n}
                for code, n in groups.most_common()
            ],
            "figures": figures, "grades": grades["distribution"]["overall"],
            "graded": grades["firms"], "members": firms,
        }  # fmt: skip
