"""The bank's pre-loan screening (贷前获客): every firm that has authorised the bank for a
purpose, with its tags and their reasons, its digital grade and key indicators, each read through
the one consent door (audited per firm), filtered and exported."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.finance.diligence import checklist
from chanrong.finance.fraud import chain_sql, cycle_sql, firm_flags, judge
from chanrong.finance.tags import BY_ID, Nature, tag
from chanrong.finance.upgrade import Equipment, size
from chanrong.grading.service import GradingService
from chanrong.indicators.engine import prepare
from chanrong.indicators.render import sql_list
from chanrong.indicators.service import IndicatorService
from chanrong.model.base import local_today
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository

# What the list shows beside the tags: (indicator, window)
KEY_FIGURES = (("sales_amount", 365), ("output_value", 90), ("energy_tce", 90),
               ("on_time_delivery_qty", 90), ("collection_rate", 90))  # fmt: skip
LEVEL_RANK = {None: 0, "entry": 1, "standardized": 2, "optimized": 3}
# (indicator, window) -> value, and -> credibility
Seen = tuple[dict[tuple[str, int], Any], dict[tuple[str, int], str | None]]


class BankService:
    def __init__(
        self,
        consents: ConsentService,
        indicators: IndicatorService,
        grading: GradingService,
        master: MasterRepository,
        clock: Clock,
    ) -> None:
        self.consents = consents
        self.indicators = indicators
        self.grading = grading
        self.master = master
        self.clock = clock

    def seen(self, principal: Principal, org: str, purpose: str, day: date) -> Seen:
        """A firm's indicator values and their credibility, through the consent door (audited)."""
        return seen_in(self.indicators.read(principal, org, purpose, day))

    def firm(
        self, principal: Principal, org: str, purpose: str, day: date, seen: Seen | None = None,
        figures: tuple[tuple[str, int], ...] = KEY_FIGURES,
    ) -> dict[str, Any]:  # fmt: skip
        """One firm as the reader may see it: its values through the consent door, its tags,
        and the key `figures`."""
        values, credibility = seen or self.seen(principal, org, purpose, day)
        given, unjudged = tag(values)
        try:
            level = self.grading.level(principal, org, purpose, day)["level"]
            graded = True
        except ConsentForbidden:
            level, graded = None, False
        o = self.master.organisation(org)
        return {
            "org": org, "name": o.name if o else org,
            "industry_code": o.industry_code if o else None, "park": o.park if o else None,
            "grade": level, "grade_visible": graded,
            "tags": [{"id": g.tag.id, "name_zh": g.tag.name_zh, "name_en": g.tag.name_en,
                      "nature": g.tag.nature.value, "reason": g.reason} for g in given],
            "unjudged": unjudged,
            "knockout": any(g.tag.nature is Nature.KNOCKOUT for g in given),
            "figures": {f"{i}_{w}": {"value": values.get((i, w)),
                                     "credibility": credibility.get((i, w))}
                        for i, w in figures},
        }  # fmt: skip

    def diligence(
        self, principal: Principal, owner: str, purpose: str, trades: TradeChecks,
        as_of: date | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The due-diligence checklist for one firm, pre-filled from what the consent shows."""
        day = as_of or local_today(self.clock.now())
        values: dict[tuple[str, int], dict[str, Any]] = {}
        energy, refused = None, None
        try:
            for i in self.indicators.read(principal, owner, purpose, day):
                for v in i["values"]:
                    if v["value"] is not None:
                        values[(i["id"], v["window_days"])] = v
                    for c in v.get("checks") or []:
                        if c["check_id"] == "energy_vs_output" and c["window_days"] == 90:
                            energy = c
        except ConsentForbidden as exc:
            refused = exc
        try:
            chain: dict[str, Any] | None = trades.read(principal, owner, purpose, 90, day)
        except ConsentForbidden:
            chain = None
        if chain is not None:
            chain["energy_check"] = energy
        try:
            level = self.grading.level(principal, owner, purpose, day)["name_zh"]
        except ConsentForbidden:
            level = None
        if refused and chain is None and level is None:
            raise refused  # no consent at all: nothing to pre-fill, not even the name
        o = self.master.organisation(owner)
        org = {"uscc": o.uscc, "name": o.name, "industry_code": o.industry_code,
               "park": o.park} if o else None  # fmt: skip
        items = checklist(org, values, chain, level)
        return {"org": owner, "name": o.name if o else owner, "as_of": day.isoformat(),
                "purpose": purpose, "items": items,
                "left_on_site": sum(1 for i in items if i["status"] != "verified")}  # fmt: skip

    def upgrade_loan(
        self, principal: Principal, org: str, purpose: str, equipment: list[Equipment],
        stock_before: float | None = None, stock_after: float | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A digital-upgrade loan (技改贷) sized for the firm (`finance.upgrade`): its figures
        and its grading roadmap read through the consent door."""
        day = local_today(self.clock.now())
        values, _ = self.seen(principal, org, purpose, day)
        figures = {"output_value_365": values.get(("output_value", 365)),
                   "capacity_rated_daily": values.get(("capacity_rated_daily", 0)),
                   "inventory_value": values.get(("inventory_value", 0)),
                   "device_running_rate_90": values.get(("device_running_rate", 90))}  # fmt: skip
        try:
            roadmap = self.grading.read(principal, org, purpose, day)["roadmap"]
            shared = True
        except ConsentForbidden:
            roadmap, shared = [], False
        result = size(equipment, roadmap, figures, stock_before, stock_after)
        o = self.master.organisation(org)
        return {"org": org, "name": o.name if o else org, "as_of": day.isoformat(),
                "purpose": purpose, "figures": figures, "roadmap_shared": shared, **result}  # fmt: skip

    def screening(
        self,
        principal: Principal,
        purpose: str = "pre_loan",
        as_of: date | None = None,
        tags: list[str] | None = None,
        exclude: list[str] | None = None,
        min_grade: str | None = None,
    ) -> dict[str, Any]:
        """The screening list: consenting firms with all of `tags`, none of `exclude`, and at
        least `min_grade`; knock-outs last."""
        unknown = sorted((set(tags or []) | set(exclude or [])) - set(BY_ID))
        if unknown:
            raise ValueError(f"unknown tag(s) {', '.join(unknown)}; known: {', '.join(BY_ID)}")
        if min_grade not in LEVEL_RANK:
            raise ValueError(f"unknown grade {min_grade}; use entry, standardized, optimized")
        day = as_of or local_today(self.clock.now())
        firms = [self.firm(principal, org, purpose, day)
                 for org in self.consents.live(principal.org, purpose)]  # fmt: skip
        shown = [f for f in firms
                 if set(tags or []) <= {t["id"] for t in f["tags"]}
                 and not set(exclude or []) & {t["id"] for t in f["tags"]}
                 and LEVEL_RANK[f["grade"]] >= LEVEL_RANK[min_grade]]  # fmt: skip
        shown.sort(key=lambda f: (f["knockout"], -LEVEL_RANK[f["grade"]],
                                  -sum(t["nature"] == "good" for t in f["tags"]), f["name"]))  # fmt: skip
        return {"as_of": day.isoformat(), "purpose": purpose, "consenting": len(firms),
                "firms": shown}  # fmt: skip


def seen_in(report: list[dict[str, Any]]) -> Seen:
    """(indicator, window) -> value and -> credibility, from an indicator report."""
    values = {(i["id"], v["window_days"]): v["value"] for i in report for v in i["values"]}
    credibility = {(i["id"], v["window_days"]): v["credibility"]
                   for i in report for v in i["values"]}  # fmt: skip
    return values, credibility


def to_csv(listing: dict[str, Any]) -> str:
    """The screening list as CSV (UTF-8 with BOM, so Excel opens the Chinese right)."""
    out = io.StringIO()
    w = csv.writer(out)
    figures = [f"{i}_{d}" for i, d in KEY_FIGURES]
    w.writerow(["统一社会信用代码", "企业名称", "行业", "数字化等级", "标签", "标签依据", "否决",
                *figures])  # fmt: skip
    for f in listing["firms"]:
        w.writerow([f["org"], f["name"], f["industry_code"] or "", f["grade"] or "",
                    " ".join(t["name_zh"] for t in f["tags"]),
                    " | ".join(f"{t['name_zh']}: {t['reason']}" for t in f["tags"]),
                    "是" if f["knockout"] else "",
                    *["" if f["figures"][k]["value"] is None else f["figures"][k]["value"]
                      for k in figures]])  # fmt: skip
    return "\ufeff" + out.getvalue()


# The records a trade chain reads: a consent must open them all to show the whole chain.
TRADE_KINDS = ["invoice", "sales_order", "work_order", "production_report",
               "inventory_movement", "shipment", "payment", "energy", "telemetry"]  # fmt: skip


class TradeChecks:
    """Trade authenticity over the platform's own file (`finance.fraud`)."""

    def __init__(
        self, store: Store, consents: ConsentService, indicators: IndicatorService, clock: Clock
    ) -> None:
        self.store = store
        self.consents = consents
        self.indicators = indicators
        self.clock = clock

    def flags(self, org: str, day: date) -> list[dict[str, Any]]:
        """Firm-level signs (`fraud.firm_flags`) from the firm's indicator values of the day."""
        rows = self.indicators.values(org, day)
        values = {(r["indicator"], r["window_days"]): r["value"] for r in rows}
        energy = next((c for c in self.indicators.checks(org, day)
                       if c["check_id"] == "energy_vs_output" and c["window_days"] == 90), None)  # fmt: skip
        return firm_flags(values, energy)

    def check(self, start: date, end: date, orgs: list[str] | None = None) -> list[dict[str, Any]]:
        """Every sales invoice issued from `start` to `end` by the firms (default all), judged
        link by link; cycles are looked for among all the platform's firms."""
        if orgs is not None and not orgs:
            return []
        only = sql_list(orgs) if orgs is not None else "(SELECT uscc FROM organisations)"
        cur = self.store.cursor()
        try:
            prepare(cur)
            rows = dicts(cur.execute(chain_sql(start, end, only)))
            # each cycle comes once per firm of it that is asked about; its invoices are
            # marked under the firm that issued each
            rings: dict[tuple[str, str], int] = {}
            for r in dicts(cur.execute(cycle_sql(start, end, only))):
                edges = [(f, i) for f, i in ((r["f1"], r["i1"]), (r["f2"], r["i2"]),
                                             (r["f3"], r["i3"])) if i]  # fmt: skip
                for edge in edges:
                    rings[edge] = len(edges)
        finally:
            cur.close()
        today = local_today(self.clock.now())
        return [judge(r, rings, today) for r in rows]

    def read(
        self, principal: Principal, owner: str, purpose: str, days: int = 90,
        as_of: date | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """A firm's invoices and their chains for a bank, through the consent door (audited):
        the consent must cover every kind a chain reads."""
        end = as_of or local_today(self.clock.now())
        start = end - timedelta(days=days - 1)

        def fetch(allowed: dict[str, Any]) -> dict[str, Any]:
            missing = [k for k in TRADE_KINDS if k not in allowed]
            if missing:  # nothing is read; the attempt is audited all the same
                return {"missing": missing}
            invoices = self.check(start, end, [owner])
            return {"org": owner, "start": start.isoformat(), "end": end.isoformat(),
                    "invoices": invoices, "suspect": sum(i["suspect"] for i in invoices),
                    "firm_flags": self.flags(owner, end)}  # fmt: skip

        action = f"GET /api/v1/orgs/{owner}/trade-checks?days={days}"
        result: dict[str, Any] = self.consents.read(principal, owner, TRADE_KINDS, purpose,
                                                    action, fetch)  # fmt: skip
        if "missing" in result:
            raise ConsentForbidden(f"a trade chain reads {', '.join(result['missing'])} too: "
                                   "your consent does not cover them")  # fmt: skip
        return result
