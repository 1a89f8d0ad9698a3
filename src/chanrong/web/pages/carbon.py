"""Energy and carbon pages: a firm's account (its own, or another's under consent), the park's
view with quotas, and the factor library. They read through the carbon service only."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chanrong.access.consents import ConsentForbidden
from chanrong.carbon.factors import REGION_NAMES, Choice
from chanrong.carbon.service import CarbonError
from chanrong.i18n import value_label
from chanrong.web.charts import figure
from chanrong.web.deps import LangDep, PlatformDep
from chanrong.web.pages.routes import _guard, _principal, render

router = APIRouter(include_in_schema=False)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise HTTPException(400, f"not a date: {text!r} (use 2026-01-31)") from exc


def _form(start: str, end: str, grid_year: str, region: str, default: str) -> dict[str, Any]:
    year = int(grid_year) if grid_year.isdigit() else None
    return {"start": _day(start), "end": _day(end),
            "choice": Choice(grid_year=year, region=region or default)}  # fmt: skip


def _query(start: str, end: str, grid_year: str, region: str) -> dict[str, str]:
    """The period and factor choice as given, for the report links."""
    given = (("start", start), ("end", end), ("grid_year", grid_year), ("region", region))
    return {k: v for k, v in given if v}


def _charts(doc: dict[str, Any], lang: str) -> dict[str, str]:
    zh = lang != "en"
    months = [m["month"] for m in doc["monthly"]]
    return {
        "structure": figure([{
            "type": "pie", "hole": 0.45,
            "labels": [value_label(r["energy_type"], lang) for r in doc["by_energy"]],
            "values": [round(r["tce"] or 0, 3) for r in doc["by_energy"]],
        }], title="能源结构(tce)" if zh else "Energy by type (tce)", height=280),
        "trend": figure([
            {"type": "bar", "name": "基于位置" if zh else "location-based", "x": months,
             "y": [m["t_location"] for m in doc["monthly"]]},
            {"type": "bar", "name": "基于市场" if zh else "market-based", "x": months,
             "y": [m["t_market"] for m in doc["monthly"]]},
        ], title="月度排放(tCO2)" if zh else "Emissions by month (tCO2)", barmode="group",
           categories=True),
        "intensity": figure([{
            "type": "scatter", "mode": "lines+markers", "x": months,
            "y": [m["t_per_10k_cny"] for m in doc["monthly"]],
        }], title="万元产值碳排放(tCO2/万元)" if zh else "tCO2 per 10,000 CNY", height=260,
           categories=True),
    }  # fmt: skip


def _account_page(
    request: Request, platform: Any, lang: str, principal: Any, org: str, purpose: str | None,
    start: str, end: str, grid_year: str, region: str,
) -> HTMLResponse:  # fmt: skip
    f = _form(start, end, grid_year, region, "national")
    try:
        acc = platform.carbon.account(principal, org, f["start"], f["end"], f["choice"], purpose)
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    except CarbonError as exc:
        raise HTTPException(400, str(exc)) from exc
    query = _query(start, end, grid_year, region)
    if org != principal.org:
        query |= {"org": org} | ({"purpose": purpose} if purpose else {})
    return render(request, "carbon.html", lang, principal, acc=acc, charts=_charts(acc, lang),
                  query=urlencode(query), regions=REGION_NAMES, form=request.query_params,
                  years=sorted({f.year for f in platform.carbon.factors()
                                if f.energy_type == "electricity"}))  # fmt: skip


@router.get("/carbon", response_class=HTMLResponse)
def carbon_page(
    request: Request, platform: PlatformDep, lang: LangDep, start: str = "", end: str = "",
    grid_year: str = "", region: str = "",
) -> HTMLResponse:  # fmt: skip
    """The firm's own energy and carbon account and report downloads."""
    principal = _guard(request, "own_data")
    return _account_page(request, platform, lang, principal, principal.org, None, start, end,
                         grid_year, region)  # fmt: skip


@router.get("/orgs/{uscc}/carbon", response_class=HTMLResponse)
def org_carbon_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, purpose: str = "",
    start: str = "", end: str = "", grid_year: str = "", region: str = "",
) -> HTMLResponse:  # fmt: skip
    """Another firm's carbon account, under its consent with scope carbon (audited)."""
    principal = _guard(request, "data_access")
    return _account_page(request, platform, lang, principal, uscc, purpose or None, start, end,
                         grid_year, region)  # fmt: skip


@router.get("/park/carbon", response_class=HTMLResponse)
def park_carbon_page(
    request: Request, platform: PlatformDep, lang: LangDep, start: str = "", end: str = "",
    grid_year: str = "", region: str = "", error: str = "", saved: str = "",
) -> HTMLResponse:  # fmt: skip
    """The park's energy and carbon: totals, structure, trend, ranking, quotas."""
    principal = _guard(request, "park_cockpit")
    f = _form(start, end, grid_year, region, "auto")
    try:
        view = platform.carbon.park(principal, f["start"], f["end"], f["choice"])
    except CarbonError as exc:
        raise HTTPException(400, str(exc)) from exc
    query = _query(start, end, grid_year, region)
    members = platform.master.members(principal.org)
    return render(request, "park_carbon.html", lang, principal, view=view,
                  charts=_charts(view, lang), query=urlencode(query), regions=REGION_NAMES,
                  form=request.query_params, members=members, error=error, saved=saved,
                  year=date.fromisoformat(view["period"]["end"]).year,
                  years=sorted({f.year for f in platform.carbon.factors()
                                if f.energy_type == "electricity"}))  # fmt: skip


@router.post("/park/carbon/quota")
async def park_quota(request: Request, platform: PlatformDep) -> Response:
    """The park sets a member's quota from the page; errors come back named on the page."""
    principal = _principal(request)
    form = await request.form()
    try:
        org, year = str(form.get("org", "")), int(str(form.get("year", "0")))
        allowance = float(str(form.get("allowance_t", "0")))
        platform.carbon.set_quota(principal, org, year, allowance,
                                  market_based=form.get("market_based") == "on",
                                  note=str(form.get("note", "")) or None)  # fmt: skip
    except (ValueError, CarbonError) as exc:
        return RedirectResponse("/park/carbon?" + urlencode({"error": str(exc)}), 303)
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    return RedirectResponse("/park/carbon?" + urlencode({"saved": org}), 303)


@router.get("/carbon/factors", response_class=HTMLResponse)
def factors_page(request: Request, platform: PlatformDep, lang: LangDep) -> HTMLResponse:
    """The emission factor library with sources (every signed-in user)."""
    principal = _principal(request)
    return render(request, "carbon_factors.html", lang, principal,
                  factors=platform.carbon.factor_rows(), regions=REGION_NAMES)  # fmt: skip
