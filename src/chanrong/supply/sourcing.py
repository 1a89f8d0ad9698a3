"""The sourcing screen (寻源): candidate suppliers that authorised the buyer for sourcing (or
already for supplier performance), with the order table's qualification dimension and their
capability, each read through the consent door (audited), filtered and ranked.

Ranking points (0-100, shown with their parts so a buyer can check them):
- digital grade: entry 5, standardized 10, optimized 20 (ungraded or not shared: 0);
- years established: 2 a year, at most 20;
- registered capital: 2 per million 元, at most 20;
- on-time delivery by order (90 days, all customers): share x 20;
- final inspection pass rate (90 days): 20 x (1 - 10 x failure share), at least 0;
- distance: same park 0, same district -2, same city -5, same province -10, farther -15.
A knock-out (失信被执行人, 限制消费, 严重违法失信, 经营异常) puts a candidate last and is named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.grading.service import GradingService
from chanrong.indicators.service import IndicatorService
from chanrong.model.base import local_today
from chanrong.store.master import MasterRepository

PURPOSES = ("supplier_sourcing", "supplier_performance")
LEVEL_POINTS = {"entry": 5, "standardized": 10, "optimized": 20}
LEVEL_RANK = {None: 0, "entry": 1, "standardized": 2, "optimized": 3}
DISTANCES = ("park", "district", "city", "province", "farther")
DISTANCE_POINTS = {"park": 0, "district": -2, "city": -5, "province": -10, "farther": -15}
KNOCKOUTS = ("dishonest_debtor", "consumption_restriction", "serious_violations",
             "abnormal_operation")  # fmt: skip
FIGURES = (("registered_capital", 0), ("years_established", 0), ("capacity_rated_daily", 0),
           ("output_value", 365), ("on_time_delivery_orders", 90), ("final_pass_rate", 90),
           ("invention_patents", 0), ("specialized_sme", 0), ("lending_disputes", 0),
           ("litigation_cases", 0), *((k, 0) for k in KNOCKOUTS))  # fmt: skip


@dataclass(frozen=True)
class Filters:
    industry: str | None = None  # GB/T 4754 code prefix, e.g. C33
    min_capital: float | None = None  # 元
    min_years: float | None = None
    min_level: str | None = None  # entry, standardized, optimized
    max_distance: str | None = None  # park, district, city, province, farther
    no_knockouts: bool = True
    no_lending_disputes: bool = False
    min_capacity: float | None = None  # rated daily capacity, the item's units a day


def enterprise_type(name: str) -> str:
    """The legal form, from the registered name (企业类型)."""
    for suffix, kind in (("股份有限公司", "股份有限公司"), ("有限责任公司", "有限责任公司"),
                         ("有限公司", "有限责任公司"), ("合伙企业", "合伙企业"),
                         ("个体工商户", "个体工商户")):  # fmt: skip
        if name.endswith(suffix) or suffix in name[-8:]:
            return kind
    return "其他"


def distance(buyer: Any, firm: Any) -> str:
    """How far the firm is from the buyer, by park and administrative region code."""
    if buyer is None or firm is None:
        return "farther"
    if buyer.park and buyer.park == firm.park:
        return "park"
    a, b = buyer.region_code or "", firm.region_code or ""
    for n, name in ((6, "district"), (4, "city"), (2, "province")):
        if a and b and a[:n] == b[:n]:
            return name
    return "farther"


def points(level: str | None, v: dict[str, Any], where: str) -> dict[str, float]:
    """The ranking points of one candidate, part by part."""
    fail = None if v.get("final_pass_rate_90") is None else 1 - v["final_pass_rate_90"] / 100
    return {
        "grade": LEVEL_POINTS.get(level or "", 0),
        "years": min(20.0, 2 * (v.get("years_established_0") or 0)),
        "capital": min(20.0, 2 * (v.get("registered_capital_0") or 0) / 1e6),
        "on_time": 0.2 * (v.get("on_time_delivery_orders_90") or 0),
        "quality": 0.0 if fail is None else max(0.0, 20 * (1 - 10 * fail)),
        "distance": DISTANCE_POINTS[where],
    }  # fmt: skip


class Sourcing:
    def __init__(
        self, consents: ConsentService, indicators: IndicatorService, grading: GradingService,
        master: MasterRepository, clock: Clock,
    ) -> None:  # fmt: skip
        self.consents = consents
        self.indicators = indicators
        self.grading = grading
        self.master = master
        self.clock = clock

    def candidates(self, buyer: str) -> dict[str, str]:
        """Firms with a live consent to the buyer for sourcing or performance, and its purpose
        (sourcing, when both)."""
        return {org: purpose for purpose in reversed(PURPOSES)
                for org in self.consents.live(buyer, purpose)}  # fmt: skip

    def screen(self, principal: Principal, f: Filters, as_of: date | None = None) -> dict[str, Any]:
        if f.min_level and f.min_level not in LEVEL_POINTS:
            raise ValueError(f"min_level is one of {', '.join(LEVEL_POINTS)}")
        if f.max_distance and f.max_distance not in DISTANCES:
            raise ValueError(f"max_distance is one of {', '.join(DISTANCES)}")
        day = as_of or local_today(self.clock.now())
        found = self.candidates(principal.org)
        self.indicators.ensure(sorted(found), day)
        me = self.master.organisation(principal.org)
        rows = []
        for org, purpose in sorted(found.items()):
            o = self.master.organisation(org)
            if o is None:
                continue
            try:
                seen = self.indicators.read(principal, org, purpose, day)
            except ConsentForbidden:
                continue
            v = {f"{i['id']}_{x['window_days']}": x["value"] for i in seen for x in i["values"]}
            try:
                level = self.grading.level(principal, org, purpose, day)["level"]
            except ConsentForbidden:
                level = None
            where = distance(me, o)
            knocked = [k for k in KNOCKOUTS if (v.get(f"{k}_0") or 0) > 0]
            parts = points(level, v, where)
            rows.append({
                "org": org, "name": o.name, "type": enterprise_type(o.name),
                "industry_code": o.industry_code, "region_code": o.region_code,
                "established": o.established, "grade": level, "distance": where,
                "purpose": purpose, "knockouts": knocked,
                "figures": {f"{k}_{w}": v.get(f"{k}_{w}") for k, w in FIGURES},
                "points": parts, "score": round(sum(parts.values()), 1),
            })  # fmt: skip
        kept = [r for r in rows if _passes(r, f)]
        kept.sort(key=lambda r: (bool(r["knockouts"]), -r["score"], r["name"]))
        return {"as_of": day.isoformat(), "candidates": len(rows), "shown": len(kept),
                "filters": f.__dict__, "suppliers": kept}  # fmt: skip


def _passes(r: dict[str, Any], f: Filters) -> bool:
    g = r["figures"]
    checks = (
        not f.industry or (r["industry_code"] or "").startswith(f.industry),
        f.min_capital is None or (g["registered_capital_0"] or 0) >= f.min_capital,
        f.min_years is None or (g["years_established_0"] or 0) >= f.min_years,
        not f.min_level or LEVEL_RANK[r["grade"]] >= LEVEL_RANK[f.min_level],
        not f.max_distance or DISTANCES.index(r["distance"]) <= DISTANCES.index(f.max_distance),
        not f.no_knockouts or not r["knockouts"],
        not f.no_lending_disputes or not (g["lending_disputes_0"] or 0),
        f.min_capacity is None or (g["capacity_rated_daily_0"] or 0) >= f.min_capacity,
    )  # fmt: skip
    return all(checks)
