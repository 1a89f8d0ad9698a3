"""The core enterprise's workbench over HTTP: the order board with progress and predicted
completion (and a supplier's own board), as JSON and Excel."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from chanrong.access.rules import Principal, Role
from chanrong.documents import XLSX
from chanrong.supply.cards import VARIABLES, card_to_json
from chanrong.supply.scorecard import CardError
from chanrong.supply.service import sourcing_workbook
from chanrong.supply.sourcing import Filters
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
        media_type=XLSX)  # fmt: skip


def _buyer(principal: Principal) -> None:
    if not principal.can("suppliers"):
        raise HTTPException(403, "supplier scorecards are for core enterprises")


_card = partial(_call, refused=(CardError, ValueError))


@router.get("/suppliers")
def supplier_standings(
    platform: PlatformDep, principal: PrincipalDep,
    period: Literal["month", "quarter"] = Query("month"),
    periods: int = Query(3, ge=1, le=24, description="how many past periods the score decays over"),
) -> list[dict[str, Any]]:  # fmt: skip
    """The suppliers that authorised you for supplier_performance, each with its overall score
    on your card (decayed over the periods), its standing and what pulls it down, worst first."""
    _buyer(principal)
    suppliers = platform.supply.suppliers_of(principal.org)
    return list(_card(platform.cards.standings, principal, suppliers, period, periods))


@router.get("/suppliers/{uscc}/scorecard")
def supplier_scorecard(
    uscc: str, platform: PlatformDep, principal: PrincipalDep,
    period: Literal["month", "quarter"] = Query("month"),
    periods: int = Query(6, ge=1, le=24),
) -> dict[str, Any]:  # fmt: skip
    """One supplier on your card: per period (newest first) its variables (your orders due in
    the period and what left by the due date; its indicators as of the period's last day),
    each criterion's score, the period total; the decayed overall score and standing."""
    _buyer(principal)
    return dict(_card(platform.cards.scorecard, principal, principal.org, uscc, period, periods))


@router.get("/supplier-card")
def get_card(platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """Your supplier scorecard: criteria (formula over variables, weight, max score),
    standings and decay; the platform's default until you set your own."""
    _buyer(principal)
    return card_to_json(platform.cards.card(principal.org)) | {"variables": list(VARIABLES)}


@router.put("/supplier-card")
def put_card(
    body: dict[str, Any], platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Set your card (admins). Weights must sum to 100, formulas use only the listed variables,
    numbers, + - * /, min() and max(); standings cover 0-100 without gap or overlap."""
    _buyer(principal)
    if principal.role is not Role.ADMIN:
        raise HTTPException(403, "the scorecard is set by your organisation's admins")
    return dict(_card(platform.cards.set_card, principal, body))


@router.get("/scorecards")
def my_scorecards(
    platform: PlatformDep, principal: PrincipalDep,
    period: Literal["month", "quarter"] = Query("month"),
) -> list[dict[str, Any]]:  # fmt: skip
    """An enterprise's own scorecards: each customer it authorised for supplier_performance,
    that customer's card applied to it, with the criteria that pull the score down."""
    if not principal.can("own_data"):
        raise HTTPException(403, "your own scorecards are for enterprises")
    return list(_card(platform.cards.mine, principal, period))


def _filters(
    industry: str | None = Query(None, description="GB/T 4754 code prefix, e.g. C33"),
    min_capital: float | None = Query(None, ge=0, description="registered capital, 元"),
    min_years: float | None = Query(None, ge=0),
    min_level: Literal["entry", "standardized", "optimized"] | None = Query(None),
    max_distance: Literal["park", "district", "city", "province", "farther"] | None = Query(None),
    no_knockouts: bool = Query(True, description="leave out 失信, 限制消费, 严重违法, 经营异常"),
    no_lending_disputes: bool = Query(False),
    min_capacity: float | None = Query(None, ge=0, description="rated daily capacity, units/day"),
) -> Filters:  # fmt: skip
    return Filters(industry, min_capital, min_years, min_level, max_distance, no_knockouts,
                   no_lending_disputes, min_capacity)  # fmt: skip


FiltersDep = Annotated[Filters, Depends(_filters)]


@router.get("/sourcing")
def sourcing(platform: PlatformDep, principal: PrincipalDep, filters: FiltersDep) -> dict[str, Any]:
    """The sourcing screen: firms that authorised you for supplier_sourcing (or already for
    supplier_performance) with their qualification (legal form, registered capital, years,
    adverse records) and capability (capacity, output value, grade, on-time, quality, distance),
    filtered and ranked by points shown part by part (docs/supply.md)."""
    _buyer(principal)
    return dict(_card(platform.sourcing.screen, principal, filters))


@router.get("/sourcing.xlsx", response_class=Response)
def sourcing_xlsx(
    platform: PlatformDep, principal: PrincipalDep, filters: FiltersDep, lang: LangDep
) -> Response:
    """The sourcing screen as an Excel workbook."""
    _buyer(principal)
    screen = _card(platform.sourcing.screen, principal, filters)
    return Response(sourcing_workbook(screen, lang), headers={
        "Content-Disposition": f'attachment; filename="sourcing-{screen["as_of"]}.xlsx"'},
        media_type=XLSX)  # fmt: skip
