"""Receivable financing (应收账款融资): the invoices a firm offers, each verified by its trade
chain before anything is advanced against it.

An invoice is financeable when it is not suspect (an order on record, shipped in time, in no
circular trade), its goods were delivered (the receivable exists), and it is not overdue; the
advance is its outstanding amount (amount less payments received) x the advance rate."""

from __future__ import annotations

import json
import uuid
from typing import Any

from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.finance.service import TradeChecks
from chanrong.store.db import Store, dicts

ADVANCE_RATE = 0.8
LOOKBACK_DAYS = 180  # invoices issued in this many days can be offered


def verdict(invoice: dict[str, Any], advance_rate: float = ADVANCE_RATE) -> dict[str, Any]:
    """One invoice's financeability with the reasons (pure)."""
    links = {x["link"]: x for x in invoice["links"]}
    outstanding = max(0.0, float(invoice["amount"]) - float(invoice.get("paid") or 0.0))
    reasons = list(invoice["reasons"])
    if links["delivery"]["status"] != "ok":
        reasons.append("goods not delivered: no receivable yet")
    if links["payment"]["status"] == "broken":
        reasons.append(f"overdue: {links['payment']['evidence']}")
    if outstanding <= 0:
        reasons.append("already paid")
    ok = not reasons
    return {"invoice_no": invoice["invoice_no"], "counterparty": invoice["counterparty"],
            "issue_date": invoice["issue_date"], "amount": float(invoice["amount"]),
            "outstanding": outstanding, "e_invoice": invoice["e_invoice"], "eligible": ok,
            "advance": round(outstanding * advance_rate, 2) if ok else 0.0,
            "reasons": reasons, "links": invoice["links"]}  # fmt: skip


class Receivables:
    def __init__(self, store: Store, trades: TradeChecks, clock: Clock) -> None:
        self.store = store
        self.trades = trades
        self.clock = clock

    def apply(
        self, principal: Principal, org: str, invoice_nos: list[str],
        purpose: str = "supply_chain_finance", advance_rate: float = ADVANCE_RATE,
    ) -> dict[str, Any]:  # fmt: skip
        chains = self.trades.read(principal, org, purpose, LOOKBACK_DAYS)  # the consent first
        if not invoice_nos:
            raise ValueError("name at least one invoice")
        if not 0 < advance_rate <= 1:
            raise ValueError("the advance rate is a share in (0, 1]")
        by_no = {i["invoice_no"]: i for i in chains["invoices"]}
        unknown = [n for n in invoice_nos if n not in by_no]
        if unknown:
            raise ValueError(f"no sales invoice of {org} in the last {LOOKBACK_DAYS} days: "
                             + ", ".join(unknown))  # fmt: skip
        verdicts = [verdict(by_no[n], advance_rate) for n in dict.fromkeys(invoice_nos)]
        result = {
            "application_id": str(uuid.uuid4()), "org": org, "purpose": purpose,
            "created_at": self.clock.now().isoformat(), "advance_rate": advance_rate,
            "requested": round(sum(v["outstanding"] for v in verdicts), 2),
            "eligible": round(sum(v["advance"] for v in verdicts), 2),
            "invoices": verdicts, "firm_flags": chains["firm_flags"],
        }  # fmt: skip
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO receivable_applications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [result["application_id"], principal.org, org, purpose, self.clock.now(),
                 principal.username or "api", result["requested"], result["eligible"],
                 json.dumps(result, ensure_ascii=False)],
            )  # fmt: skip
        return result

    def applications(self, owner: str) -> list[dict[str, Any]]:
        rows = dicts(self.store.cursor().execute(
            "SELECT application_id, org, purpose, created_at, created_by, requested, eligible "
            "FROM receivable_applications WHERE owner = ? ORDER BY created_at DESC", [owner]))  # fmt: skip
        for r in rows:
            r["created_at"] = r["created_at"].isoformat()
            r["requested"], r["eligible"] = float(r["requested"]), float(r["eligible"])
        return rows
