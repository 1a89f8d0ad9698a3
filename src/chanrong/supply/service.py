"""The core enterprise's workbench (and a supplier's own view of it): the order board and the
supplier list, each supplier read through the one consent door (audited per supplier)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.finance.service import BankService
from chanrong.model.master import OrgKind
from chanrong.store.db import Store
from chanrong.supply.progress import RISKY, progress

PURPOSE = "supplier_performance"
ORDER_KINDS = ["sales_order", "shipment", "work_order", "production_report"]
BOARD_COLUMNS = (
    ("org_name", "供应商", "Supplier"), ("order_no", "订单号", "Order"),
    ("customer_name", "客户", "Customer"), ("item", "物料", "Item"), ("qty", "数量", "Qty"),
    ("unit", "单位", "Unit"), ("amount", "金额(元)", "Amount (CNY)"),
    ("order_date", "下单日", "Ordered"), ("due", "交期", "Due"), ("made", "已完工", "Made"),
    ("shipped", "已发货", "Shipped"), ("pace", "日产能(近14天)", "Pace per day (14 days)"),
    ("predicted", "预计完工", "Predicted finish"), ("status", "状态", "Status"),
)  # fmt: skip


class SupplyService:
    def __init__(
        self, store: Store, consents: ConsentService, bank: BankService, clock: Clock
    ) -> None:
        self.store = store
        self.consents = consents
        self.bank = bank
        self.clock = clock

    def suppliers_of(self, buyer: str) -> list[str]:
        """Firms with a live consent to the buyer for supplier performance."""
        return self.bank.consenting(buyer, PURPOSE)

    def orders(
        self, principal: Principal, supplier: str | None = None, now: datetime | None = None
    ) -> dict[str, Any]:
        """Open orders with their progress and prediction: a firm's own (every customer), or a
        buyer's at the suppliers that consented to it (its own orders only)."""
        now = now or self.clock.now()
        cur = self.store.cursor()
        names = dict(cur.execute("SELECT uscc, name FROM organisations").fetchall())
        if principal.org_kind is OrgKind.SME:
            rows = progress(cur, now, "org = ?", [principal.org])
        else:
            rows = []
            cache: list[list[dict[str, Any]]] = []

            def mine() -> list[dict[str, Any]]:
                if not cache:
                    cache.append(progress(cur, now, "customer = ?", [principal.org]))
                return cache[0]

            for org in [supplier] if supplier else self.suppliers_of(principal.org):

                def fetch(allowed: dict[str, Any], org: str = org) -> list[dict[str, Any]]:
                    if set(ORDER_KINDS) - set(allowed):
                        return []  # progress needs every one of them
                    return [r for r in mine() if r["org"] == org]

                try:
                    rows += self.consents.read(principal, org, ORDER_KINDS, PURPOSE,
                                               "GET /api/v1/buyer/orders", fetch)  # fmt: skip
                except ConsentForbidden:
                    if supplier:
                        raise
        for r in rows:
            r["org_name"] = names.get(r["org"], r["org"])
            r["customer_name"] = r["customer_name"] or names.get(r["customer"], r["customer"])
            r["at_risk"] = r["status"] in RISKY
        rows.sort(key=lambda r: (not r["at_risk"], r["due"], r["org"], r["order_no"]))
        return {"as_of": now.isoformat(), "orders": rows,
                "at_risk": sum(r["at_risk"] for r in rows),
                "amount_at_risk": round(sum(r["amount"] for r in rows if r["at_risk"]), 2)}  # fmt: skip

    def orders_xlsx(self, board: dict[str, Any], lang: str = "zh") -> bytes:
        """The order board as an Excel workbook (the columns a planner reads)."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        ws = wb.active
        ws.title = "订单进度" if lang == "zh" else "Order progress"
        ws.append([zh if lang == "zh" else en for _, zh, en in BOARD_COLUMNS])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in board["orders"]:
            ws.append([r.get(k) for k, _, _ in BOARD_COLUMNS])
        ws.freeze_panes = "A2"
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
