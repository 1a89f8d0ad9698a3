"""The core enterprise's workbench (and a supplier's own view of it): the order board and the
supplier list, each supplier read through the one consent door (audited per supplier)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.documents import workbook
from chanrong.model.master import OrgKind
from chanrong.store.db import Store
from chanrong.store.master import MasterRepository
from chanrong.supply.progress import RISKY, progress

PURPOSE = "supplier_performance"
ORDER_KINDS = ["sales_order", "shipment", "work_order", "production_report"]
BOARD_COLUMNS = (
    ("org_name", "供应商", "Supplier"), ("order_no", "订单号", "Order"),
    ("customer_name", "客户", "Customer"), ("item", "物料", "Item"), ("qty", "数量", "Qty"),
    ("unit", "单位", "Unit"), ("amount", "金额(元)", "Amount (CNY)"),
    ("order_date", "下单日", "Ordered"), ("due", "交期", "Due"), ("made", "已完工", "Made"),
    ("shipped", "已发货", "Shipped"), ("counted_today", "机台今日计数", "Machine count today"),
    ("pace", "日产能(近14天)", "Pace per day (14 days)"),
    ("predicted", "预计完工", "Predicted finish"), ("status", "状态", "Status"),
)  # fmt: skip


class SupplyService:
    def __init__(self, store: Store, consents: ConsentService, clock: Clock) -> None:
        self.store = store
        self.consents = consents
        self.clock = clock
        self.master = MasterRepository(store)

    def suppliers_of(self, buyer: str) -> list[str]:
        """Firms with a live consent to the buyer for supplier performance."""
        return self.consents.live(buyer, PURPOSE)

    def orders(
        self, principal: Principal, supplier: str | None = None, now: datetime | None = None
    ) -> dict[str, Any]:
        """Open orders with their progress and prediction: a firm's own (every customer), or a
        buyer's at the suppliers that consented to it (its own orders only)."""
        now = now or self.clock.now()
        cur = self.store.cursor()
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
        names = self.master.names({r["org"] for r in rows} | {r["customer"] for r in rows})
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
        title = "订单进度" if lang == "zh" else "Order progress"
        return workbook(title, BOARD_COLUMNS, board["orders"], lang)


SOURCING_COLUMNS = (
    ("name", "企业名称", "Enterprise"), ("org", "统一社会信用代码", "USCC"),
    ("type", "企业类型", "Legal form"), ("industry_code", "行业代码", "Industry (GB/T 4754)"),
    ("registered_capital_0", "注册资本(元)", "Registered capital (CNY)"),
    ("years_established_0", "成立年限", "Years established"),
    ("capacity_rated_daily_0", "额定日产能", "Rated daily capacity"),
    ("output_value_365", "近一年产值(元)", "Output value, 365 days (CNY)"),
    ("grade", "数字化水平", "Digital grade"), ("distance", "距离", "Distance"),
    ("on_time_delivery_orders_90", "订单按时交货率(90天)", "On time by order, 90 days (%)"),
    ("final_pass_rate_90", "入库检验合格率(90天)", "Final pass rate, 90 days (%)"),
    ("invention_patents_0", "发明专利", "Invention patents"),
    ("lending_disputes_0", "借贷纠纷", "Lending disputes"),
    ("knockouts", "否决项", "Knock-outs"), ("score", "得分", "Points"),
)  # fmt: skip


def sourcing_workbook(screen: dict[str, Any], lang: str = "zh") -> bytes:
    rows = [
        r | r["figures"] | {"knockouts": ", ".join(r["knockouts"])} for r in screen["suppliers"]
    ]
    return workbook("寻源" if lang == "zh" else "Sourcing", SOURCING_COLUMNS, rows, lang)
