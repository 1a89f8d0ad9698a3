"""Pledged-inventory monitoring (动产质押): for each active pledge securing one of the bank's
loans, the live stock in its warehouse against the floor, its value (latest price index x the
lendable share) and the loan-to-value; read per firm through the consent door."""

from __future__ import annotations

from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal
from chanrong.alerts.rules import PLEDGED_STOCK, PLEDGES
from chanrong.clock import Clock
from chanrong.indicators.catalog.assets import HAIRCUT
from chanrong.store.db import Store, dicts

LTV_WATCH = 0.8  # loan-to-value above this is shown as a breach of the usual pledge covenant
PLEDGE_KINDS = ["pledge", "inventory_movement", "loan"]

MONITOR_SQL = f"""
WITH p AS ({PLEDGES}), s AS ({PLEDGED_STOCK}), px AS (
    SELECT item_class, price, event_time FROM ev_price_index
    WHERE received_at <= {{now}} AND event_time <= {{now}}
    QUALIFY event_time = max(event_time) OVER (PARTITION BY item_class)
), l AS (
    SELECT org, loan_no, lender, principal, maturity_date FROM ev_loan
    QUALIFY event_time = max(event_time) OVER (PARTITION BY org, loan_no)
)
SELECT p.org, p.pledge_no, p.loan_no, p.item, i.name AS item_name, i.item_class, p.warehouse,
       p.qty_floor, p.unit, coalesce(s.qty, 0) AS stock, px.price, px.event_time AS priced_at,
       coalesce(s.qty, 0) * px.price * {HAIRCUT} AS value, l.principal, l.maturity_date,
       l.principal / NULLIF(coalesce(s.qty, 0) * px.price * {HAIRCUT}, 0) AS ltv
FROM p JOIN l ON l.org = p.org AND l.loan_no = p.loan_no AND l.lender = $bank
LEFT JOIN s ON s.org = p.org AND s.item = p.item AND s.warehouse = p.warehouse
LEFT JOIN items i ON i.org = p.org AND i.code = p.item
LEFT JOIN px ON px.item_class = i.item_class
WHERE list_contains($orgs, p.org)
ORDER BY p.org, p.pledge_no
"""


class PledgeMonitor:
    def __init__(self, store: Store, consents: ConsentService, clock: Clock) -> None:
        self.store = store
        self.consents = consents
        self.clock = clock

    def borrowers(self, bank: str) -> list[str]:
        """Firms with a pledge on one of the bank's loans (the bank's own book)."""
        return [r[0] for r in self.store.cursor().execute(
            "SELECT DISTINCT p.org FROM ev_pledge p JOIN ev_loan l ON l.org = p.org AND "
            "l.loan_no = p.loan_no WHERE l.lender = ? ORDER BY 1", [bank]).fetchall()]  # fmt: skip

    def pledges(self, principal: Principal, purpose: str = "post_loan") -> dict[str, Any]:
        now = self.clock.now()
        sql = MONITOR_SQL.replace("{now}", f"TIMESTAMPTZ '{now.isoformat()}'")
        rows: list[dict[str, Any]] = []
        hidden: list[str] = []
        for org in self.borrowers(principal.org):

            def fetch(allowed: dict[str, Any], org: str = org) -> list[dict[str, Any]]:
                if set(PLEDGE_KINDS) - set(allowed):
                    return []
                return dicts(self.store.cursor().execute(
                    sql, {"bank": principal.org, "orgs": [org]}))  # fmt: skip

            try:
                got = self.consents.read(principal, org, PLEDGE_KINDS, purpose, "pledges", fetch)
            except ConsentForbidden:
                got = []
            if not got:
                hidden.append(org)
            rows += got
        for r in rows:
            r["below_floor"] = r["stock"] < r["qty_floor"]
            r["ltv_breach"] = r["ltv"] is not None and r["ltv"] > LTV_WATCH
            r["maturity_date"] = r["maturity_date"].isoformat() if r["maturity_date"] else None
            r["priced_at"] = r["priced_at"].isoformat() if r["priced_at"] else None
            r["principal"] = float(r["principal"]) if r["principal"] is not None else None
            r["price"] = float(r["price"]) if r["price"] is not None else None
            r["value"] = float(r["value"]) if r["value"] is not None else None
        return {"as_of": now.isoformat(), "purpose": purpose, "haircut": HAIRCUT,
                "ltv_watch": LTV_WATCH, "pledges": rows, "not_shared": hidden}  # fmt: skip
