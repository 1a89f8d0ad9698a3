"""Supplier scorecards per core enterprise, over live data: each period's variables are the
buyer's own deliveries from the supplier (its orders due in the period) and the supplier's
indicators as of the period's last day (window 30 days for a month, 90 for a quarter, from
the one indicator catalog), read through the consent door; the card (`supply.scorecard`)
turns them into criterion scores, a decayed overall score and a standing."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.indicators.catalog import BY_ID
from chanrong.indicators.service import IndicatorService
from chanrong.model.base import EVENT_DAY, beijing_day, local_today
from chanrong.model.master import OrgKind
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository
from chanrong.supply.scorecard import (
    Card,
    CardError,
    Criterion,
    Standing,
    overall,
    period,
)

PURPOSE = "supplier_performance"
# The supplier's indicators a card may read, as variables of the same name.
INDICATOR_VARIABLES = ("on_time_delivery_orders", "on_time_delivery_qty", "final_pass_rate",
                       "in_process_pass_rate", "incoming_pass_rate", "customer_pass_rate",
                       "rework_rate",
                       "quality_certificates", "energy_per_output", "invention_patents",
                       "copyrights")  # fmt: skip
# The buyer's own deliveries in the period (ERPNext's variables, from live shipments).
OWN_VARIABLES = ("my_orders_due", "my_orders_on_time", "my_on_time_pct", "my_qty_on_time_pct",
                 "my_avg_days_late", "my_acceptance_pct")  # fmt: skip
VARIABLES = INDICATOR_VARIABLES + OWN_VARIABLES
DEFAULT_CARD = Card((
    Criterion("my_on_time", "本企业订单按时交货率", "On time, our orders", "my_on_time_pct", 30),
    Criterion("my_qty", "本企业按量按时交货率", "On time by quantity, our orders",
              "my_qty_on_time_pct", 10),
    Criterion("lateness", "平均延误天数", "Days late (quantity-weighted)",
              "100 - 10 * my_avg_days_late", 10),
    Criterion("acceptance", "本企业验收合格率", "Our acceptance rate",
              "100 - 10 * (100 - my_acceptance_pct)", 10),
    Criterion("final_quality", "入库检验合格率", "Final inspection pass rate",
              "100 - 10 * (100 - final_pass_rate)", 10),
    Criterion("process_quality", "工序合格率", "In-process pass rate",
              "100 - 10 * (100 - in_process_pass_rate)", 10),
    Criterion("rework", "返工率", "Rework rate", "100 - 20 * rework_rate", 10),
    Criterion("all_on_time", "全部客户按时交货率", "On time, all customers",
              "on_time_delivery_orders", 10),
), decay=6)  # fmt: skip
PERIODS = {"month": 30, "quarter": 90}  # period -> indicator window
# What a card reads of a supplier: a consent opens the variables of the kinds it covers.
CARD_KINDS = sorted({"sales_order", "shipment", "quality_inspection", "production_report",
                     "energy", "credit_record"})  # fmt: skip

# The buyer's orders due in a period, and what left the supplier (any shipment step) by the
# due date; days late are weighted by quantity, what is still outstanding counted to `until`.
OWN_SQL = f"""
WITH so AS (
    SELECT org, order_no, sum(qty) AS qty, min(due_date) AS due FROM (
        SELECT * FROM ev_sales_order WHERE received_at <= $now
        QUALIFY event_time = max(event_time) OVER (PARTITION BY org, order_no, line_no)
    ) WHERE status <> 'cancelled' AND counterparty = $buyer AND org = $org
      AND due_date BETWEEN $start AND $end
    GROUP BY ALL
), sh AS (
    SELECT org, shipment_no, any_value(sales_order_no) AS order_no, max(qty) AS qty,
           min({EVENT_DAY}) AS left_on
    FROM ev_shipment WHERE received_at <= $now AND org = $org GROUP BY ALL
), per AS (
    SELECT so.org, so.order_no, so.qty, so.due,
           coalesce(sum(sh.qty) FILTER (WHERE sh.left_on <= so.due), 0) AS on_time_qty,
           coalesce(sum(sh.qty), 0) AS sent, max(sh.left_on) AS last_left
    FROM so LEFT JOIN sh ON sh.org = so.org AND sh.order_no = so.order_no GROUP BY ALL
)
SELECT count(*) AS my_orders_due,
       count(*) FILTER (WHERE on_time_qty >= qty) AS my_orders_on_time,
       100.0 * count(*) FILTER (WHERE on_time_qty >= qty) / count(*) AS my_on_time_pct,
       100.0 * sum(least(on_time_qty, qty)) / sum(qty) AS my_qty_on_time_pct,
       sum(qty * greatest(0, date_diff('day', due,
           CASE WHEN sent >= qty THEN last_left ELSE $until END))) / sum(qty) AS my_avg_days_late
FROM per HAVING count(*) > 0
"""
# The buyer's own inspections of the supplier's deliveries in the period (the feedback loop):
# stage customer, on shipments to the buyer.
ACCEPTANCE_SQL = f"""
SELECT 100 * sum(q.passed_qty) / nullif(sum(q.inspected_qty), 0)
FROM ev_quality_inspection q
WHERE q.org = $org AND q.stage = 'customer' AND q.received_at <= $now
  AND {beijing_day("q.event_time")} BETWEEN $start AND $end
  AND EXISTS (SELECT 1 FROM ev_shipment s WHERE s.org = q.org AND s.shipment_no = q.lot
              AND s.consignee = $buyer)
"""


def card_to_json(card: Card) -> dict[str, Any]:
    return {"criteria": [c.__dict__ for c in card.criteria],
            "standings": [s.__dict__ for s in card.standings], "decay": card.decay}  # fmt: skip


def card_from_json(data: dict[str, Any]) -> Card:
    """A card from its JSON form, checked; the error names the part that is wrong."""
    try:
        card = Card(tuple(Criterion(**c) for c in data["criteria"]),
                    tuple(Standing(**s) for s in data.get("standings") or
                          [s.__dict__ for s in DEFAULT_CARD.standings]),
                    int(data.get("decay", DEFAULT_CARD.decay)))  # fmt: skip
    except (KeyError, TypeError, ValueError) as exc:
        raise CardError(
            f"a card has criteria (id, name_zh, name_en, formula, weight, "
            f"max_score), standings and a decay: {exc}"
        ) from exc
    card.check(set(VARIABLES))
    return card


def periods(kind: str, today: date, n: int) -> list[tuple[date, date]]:
    """The last n whole months or quarters before today's, newest first."""
    out = []
    months = 1 if kind == "month" else 3
    start = date(today.year, today.month - (today.month - 1) % months, 1)
    for _ in range(n):
        end = start - timedelta(days=1)
        m = end.month - (end.month - 1) % months
        start = date(end.year, m, 1)
        out.append((start, end))
    return out


class SupplierCards:
    def __init__(
        self, store: Store, consents: ConsentService, indicators: IndicatorService, clock: Clock
    ) -> None:
        self.store = store
        self.consents = consents
        self.indicators = indicators
        self.clock = clock
        self.master = MasterRepository(store)

    def card(self, buyer: str) -> Card:
        row = self.store.cursor().execute(
            "SELECT card FROM supplier_cards WHERE buyer = ?", [buyer]).fetchone()  # fmt: skip
        return card_from_json(json.loads(row[0])) if row else DEFAULT_CARD

    def set_card(self, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
        if principal.org_kind is not OrgKind.CORE_ENTERPRISE:
            raise CardError("supplier scorecards are set by core enterprises")
        card = card_from_json(data)
        with self.store.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO supplier_cards VALUES (?, ?, ?, ?)",
                        [principal.org, json.dumps(card_to_json(card), ensure_ascii=False),
                         principal.username or "api", self.clock.now()])  # fmt: skip
        return card_to_json(card)

    def variables(
        self, principal: Principal, buyer: str, org: str, spans: list[tuple[date, date]],
        window: int,
    ) -> list[dict[str, float | None]]:  # fmt: skip
        """A supplier's variables for each period, in one read through the consent door
        (audited once); the supplier itself reads its own."""
        now = self.clock.now()

        def fetch(allowed: dict[str, Any]) -> list[dict[str, Any]]:
            return [self._period(allowed, buyer, org, start, end, window, now)
                    for start, end in spans]  # fmt: skip

        if principal.org == org:  # the supplier's own view of a buyer's card
            return fetch(dict.fromkeys(CARD_KINDS))
        rows: list[dict[str, Any]] = self.consents.read(
            principal, org, CARD_KINDS, PURPOSE, f"scorecard {spans[-1][0]}..{spans[0][1]}", fetch
        )
        return rows

    def _period(
        self, allowed: dict[str, Any], buyer: str, org: str, start: date, end: date,
        window: int, now: datetime,
    ) -> dict[str, Any]:  # fmt: skip
        """One period's variables, those the allowed kinds open (the others stay empty)."""
        out: dict[str, Any] = dict.fromkeys(VARIABLES)
        values = {
            r["indicator"]: r["value"]
            for r in self.indicators.values(org, end)
            if r["window_days"] in (window, 0)
        }  # a state (patents) has window 0
        for v in INDICATOR_VARIABLES:
            if set(BY_ID[v].kinds) <= set(allowed):
                out[v] = values.get(v)
        cur = self.store.cursor()
        args = {"now": now, "buyer": buyer, "org": org, "start": start, "end": end}
        if {"sales_order", "shipment"} <= set(allowed):
            own = dicts(cur.execute(OWN_SQL, args | {"until": min(end, local_today(now))}))
            if own:
                out |= own[0]
        if {"quality_inspection", "shipment"} <= set(allowed):
            row = cur.execute(ACCEPTANCE_SQL, args).fetchone()
            out["my_acceptance_pct"] = row[0] if row else None
        return out

    def scorecard(
        self, principal: Principal, buyer: str, org: str, kind: str = "month", n: int = 6
    ) -> dict[str, Any]:
        """The buyer's card applied to a supplier: each period's variables and criterion
        scores, the decayed overall score and its standing, and the weakest criteria (why)."""
        if kind not in PERIODS:
            raise CardError(f"a period is one of {', '.join(PERIODS)}")
        card = self.card(buyer)
        today = local_today(self.clock.now())
        spans = periods(kind, today, n)
        rows = [{"start": start.isoformat(), "end": end.isoformat(), "variables": v}
                | period(card, v) for (start, end), v in
                zip(spans, self.variables(principal, buyer, org, spans, PERIODS[kind]), strict=True)]  # fmt: skip
        score = overall(card, [(r["total"], r["max_total"]) for r in rows])
        standing = card.standing(score) if score is not None else None
        newest = rows[0]["criteria"] if rows else []
        names = {c.id: c for c in card.criteria}
        weakest = sorted((c for c in newest if c["score"] is not None),
                         key=lambda c: (c["score"] - c["max_score"]) * c["weight"])[:3]  # fmt: skip
        return {
            "supplier": org, "name": self.master.names([org]).get(org, org), "buyer": buyer, "period": kind,
            "score": score, "standing": standing.__dict__ if standing else None,
            "periods": rows, "card": card_to_json(card),
            "why": [{"criterion": c["criterion"], "name_zh": names[c["criterion"]].name_zh,
                     "name_en": names[c["criterion"]].name_en, "score": c["score"],
                     "max_score": c["max_score"], "weight": c["weight"]} for c in weakest],
        }  # fmt: skip

    def standings(self, principal: Principal, suppliers: list[str], kind: str = "month",
                  n: int = 3) -> list[dict[str, Any]]:  # fmt: skip
        """Every consenting supplier with its overall score and standing, worst first."""
        today = local_today(self.clock.now())
        for _, end in periods(kind, today, n):
            self.indicators.ensure(suppliers, end)  # one batch per period end
        out = []
        for org in suppliers:
            try:
                s = self.scorecard(principal, principal.org, org, kind, n)
            except ConsentForbidden:
                continue
            out.append({k: s[k] for k in ("supplier", "name", "score", "standing", "why")})
        out.sort(key=lambda s: (s["score"] is None, s["score"] or 0))
        return out

    def mine(self, principal: Principal, kind: str = "month", n: int = 3) -> list[dict[str, Any]]:
        """A supplier's own scorecards: each customer it authorised for supplier performance,
        that customer's card applied to it (what the customer sees, and why)."""
        buyers = self.consents.live(principal.org, PURPOSE, granted_to=False)
        names = self.master.names(buyers)
        return [self.scorecard(principal, b, principal.org, kind, n) | {"buyer_name": names.get(b, b)}
                for b in buyers]  # fmt: skip
