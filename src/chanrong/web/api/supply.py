"""The core enterprise's workbench over HTTP: the order board with progress and predicted
completion (and a supplier's own board), as JSON and Excel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Response

from chanrong.access.rules import Principal
from chanrong.web.api.consents import _call
from chanrong.web.deps import LangDep, PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["supply"])


def _may(principal: Principal) -> None:
    if not (principal.can("suppliers") or principal.can("own_data")):
        raise HTTPException(403, "the order board is for core enterprises and their suppliers")


@router.get("/orders")
def order_board(
    platform: PlatformDep, principal: PrincipalDep,
    supplier: str | None = Query(None, description="one supplier's orders only (a buyer)"),
) -> dict[str, Any]:  # fmt: skip
    """Open orders with their progress: quantity made (production reports on the work orders
    naming the order) and shipped, the firm's pace of the item over the last 14 non-holiday
    days, the queue of orders due no later (earliest due first) or, when the firm makes later
    orders while this one waits, the order's own pace, the predicted finishing day and a status:
    on_track, made, at_risk (predicted after the day before due), stalled (no pace to finish
    it), overdue. An enterprise sees its own orders; a core enterprise its orders at the
    suppliers that authorised it for supplier_performance (each read audited)."""
    _may(principal)
    return dict(_call(platform.supply.orders, principal, supplier))


@router.get("/orders.xlsx", response_class=Response)
def order_board_xlsx(
    platform: PlatformDep, principal: PrincipalDep, lang: LangDep,
    supplier: str | None = Query(None),
) -> Response:  # fmt: skip
    """The order board as an Excel workbook."""
    _may(principal)
    board = _call(platform.supply.orders, principal, supplier)
    return Response(platform.supply.orders_xlsx(board, lang), headers={
        "Content-Disposition": f'attachment; filename="orders-{board["as_of"][:10]}.xlsx"'},
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
