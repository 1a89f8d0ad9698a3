"""Identifier resolution (标识解析): DOIP Retrieve, Handle-style values, GS1 Digital Link."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, RedirectResponse

from chanrong.access.consents import ConsentForbidden
from chanrong.identifiers.service import NotResolved, handle_values
from chanrong.identifiers.trace import LotNotFound
from chanrong.web.deps import PlatformDep, PrincipalDep, credentials_principal

router = APIRouter(tags=["identifiers"])
RETRIEVE = "0.DOIP/Op.Retrieve"


def _resolve(request: Request, platform: Any, target: str, purpose: str | None) -> dict[str, Any]:
    return platform.resolver.resolve(credentials_principal(request), target, purpose)


@router.get("/api/v1/doip")
def doip(
    request: Request,
    platform: PlatformDep,
    target_id: str = Query(alias="targetId", description="e.g. 88.3392.<USCC>/device/CNC-01"),
    operation_id: str = Query(RETRIEVE, alias="operationId"),
    purpose: str | None = Query(None, description="your consent's purpose, for guarded values"),
) -> JSONResponse:
    """Retrieve an object, as an enterprise node answers: {code, message, data}."""
    if operation_id != RETRIEVE:
        return JSONResponse({"code": 400, "message": f"only {RETRIEVE} is supported"}, 400)
    try:
        data = _resolve(request, platform, target_id, purpose)
    except NotResolved as exc:
        return JSONResponse({"code": 404, "message": str(exc)}, 404)
    return JSONResponse(jsonable_encoder({"code": 0, "message": "success", "data": data}),
                        headers={"cache-control": "no-store"})  # fmt: skip


@router.get("/api/v1/handles/{target:path}")
def handles(
    target: str, request: Request, platform: PlatformDep, purpose: str | None = None
) -> JSONResponse:
    """The identifier's typed values (index, type, data, ttl, timestamp), Handle System style."""
    try:
        answer = _resolve(request, platform, target, purpose)
    except NotResolved as exc:
        return JSONResponse({"responseCode": 100, "message": str(exc)}, 404)
    values = handle_values(answer, platform.clock.now())
    body = {"responseCode": 1, "handle": answer["id"], "values": values,
            "restricted": answer["restricted"]}  # fmt: skip
    return JSONResponse(jsonable_encoder(body), headers={"cache-control": "no-store"})


@router.get("/01/{gtin}", include_in_schema=False)
@router.get("/01/{gtin}/10/{lot}", include_in_schema=False)
def digital_link(gtin: str, platform: PlatformDep, lot: str | None = None) -> Any:
    """GS1 Digital Link: /01/{GTIN}[/10/{batch}] leads to the product's (or lot's) identifier."""
    try:
        target = platform.resolver.by_gtin(gtin, lot)
    except NotResolved as exc:
        return JSONResponse({"responseCode": 100, "message": str(exc)}, 404)
    return RedirectResponse(f"/api/v1/handles/{quote(target, safe='/.')}", status_code=307)


@router.get("/api/v1/trace", tags=["identifiers"])
def trace(
    platform: PlatformDep,
    principal: PrincipalDep,
    org: str = Query(description="USCC of the enterprise that made the lot"),
    lot: str = Query(description="the lot (work order) code"),
    purpose: str = Query("", description="your consent's purpose, when it is not your lot"),
) -> Any:
    """A lot's timeline: machines and materials behind it, shipments, invoices and payments after."""
    try:
        return platform.tracer.trace(principal, org, lot, purpose)
    except LotNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
