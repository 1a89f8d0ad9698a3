"""The park's cockpit pages: the member portfolio and the live monitoring screen (大屏), which
redraws itself from /park/screen.json (the same figures the page was rendered with)."""

from __future__ import annotations

import json
from datetime import date, datetime
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from chanrong.access.consents import ConsentForbidden
from chanrong.i18n import t
from chanrong.model.base import LOCAL_TZ
from chanrong.model.events import LoanType
from chanrong.park.lending import LendingError
from chanrong.park.riskpool import PoolError, Terms
from chanrong.web.charts import PLOTLY_JS_URL, figure
from chanrong.web.deps import LangDep, PlatformDep
from chanrong.web.pages.routes import _guard, render

router = APIRouter(include_in_schema=False)
LEVELS = ("None", "entry", "standardized", "optimized")
SCREEN_SECONDS = 15  # how often the screen redraws itself
DARK = {"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"color": "#e5edf7"}}  # fmt: skip


def _n(v: float | None, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def _dark(fig: str) -> str:
    f = json.loads(fig)
    grid = {"gridcolor": "#1f2a44", "zerolinecolor": "#334155"}
    f["layout"] |= DARK | {"font": f["layout"]["font"] | DARK["font"],
                           "xaxis": f["layout"].get("xaxis", {}) | grid, "yaxis": grid}  # fmt: skip
    return json.dumps(f, ensure_ascii=False)


def screen(live: dict[str, Any], lang: str) -> dict[str, Any]:
    """The screen's numbers as text and its charts as figures, in the reader's language."""
    zh = lang != "en"
    m, today, trend = live["machines"], live["today"], live["trend"]
    days = [d["day"][5:] for d in trend]
    kpis = {
        "running_rate": _n(None if live["running_rate"] is None else 100 * live["running_rate"], ".0f"),
        "machines": f"{m['running']}/{m['reporting']}", "registered": str(m["registered"]),
        "power_kw": _n(m["power_kw"], ",.0f"), "firms_online": f"{m['firms_online']}/{live['firms']}",
        "tce": _n(today["tce"], ",.1f"), "t_location": _n(today["t_location"], ",.1f"),
        "output_value": _n(None if today["output_value"] is None else today["output_value"] / 1e4, ",.1f"),
        "open_alerts": str(live["open_alerts"]),
        "quota_risk": str(live["quotas"].get("at_risk", 0) + live["quotas"].get("over", 0)),
        "as_of": datetime.fromisoformat(live["as_of"]).astimezone(LOCAL_TZ).strftime("%H:%M:%S"),
    }  # fmt: skip
    charts = {
        "screen-output": figure([{
            "type": "bar", "x": days, "marker": {"color": "#38bdf8"},
            "y": [None if d["output_value"] is None else round(d["output_value"] / 1e4, 1) for d in trend],
        }], title="近30天产值(万元)" if zh else "Output value, 30 days (10k CNY)", height=260,
            categories=True),
        "screen-carbon": figure([
            {"type": "scatter", "mode": "lines", "name": "tCO2", "x": days,
             "y": [d["t_location"] for d in trend], "line": {"color": "#f97316"}},
            {"type": "scatter", "mode": "lines", "name": "tce", "x": days,
             "y": [d["tce"] for d in trend], "line": {"color": "#a3e635"}},
        ], title="能耗与碳排放" if zh else "Energy and carbon", height=260, categories=True),
        "screen-grades": figure([{
            "type": "pie", "hole": 0.5, "sort": False,
            "labels": [t(f"grade.level.{lv}", lang) for lv in LEVELS],
            "values": [live["grades"].get(lv, 0) for lv in LEVELS],
        }], title="数字化水平分布" if zh else "Digital levels", height=260),
        "screen-alerts": figure([{
            "type": "bar", "orientation": "h", "marker": {"color": "#ef4444"},
            "y": [a["name_zh"] if zh else a["name_en"] for a in live["alerts"]],
            "x": [a["open"] for a in live["alerts"]],
        }], title="未处理预警(按类型)" if zh else "Open alerts by type", height=260),
    }  # fmt: skip
    return {"kpis": kpis, "charts": {k: _dark(v) for k, v in charts.items()}}


@router.get("/park", response_class=HTMLResponse)
def park_page(request: Request, platform: PlatformDep, lang: LangDep) -> HTMLResponse:
    """The park's member portfolio."""
    principal = _guard(request, "park_cockpit")
    view = platform.park.portfolio(principal)
    return render(request, "park.html", lang, principal, view=view,
                  credit=platform.lending.pools_of(principal))  # fmt: skip


@router.get("/park/screen", response_class=HTMLResponse)
def screen_page(
    request: Request, platform: PlatformDep, lang: LangDep, every: int = SCREEN_SECONDS
) -> HTMLResponse:
    """The live monitoring screen: big numbers and charts, redrawn every `every` seconds
    (2 to 300; default SCREEN_SECONDS)."""
    principal = _guard(request, "park_cockpit")
    live = platform.park.live(principal)
    return render(request, "park_screen.html", lang, principal, live=live,
                  screen=screen(live, lang), seconds=min(max(every, 2), 300),
                  plotly_js=PLOTLY_JS_URL)  # fmt: skip


@router.get("/park/screen.json")
def screen_data(request: Request, platform: PlatformDep, lang: LangDep) -> JSONResponse:
    principal = _guard(request, "park_cockpit")
    return JSONResponse(screen(platform.park.live(principal), lang))


def _pool_chart(r: dict[str, Any], lang: str) -> str:
    edges, counts = r["histogram"]["edges"], r["histogram"]["counts"]
    mids = [round((a + b) / 2 / 1e4, 1) for a, b in pairwise(edges)]
    share = [c / max(sum(counts), 1) for c in counts]
    title = "一年损失分布(模拟,万元)" if lang != "en" else "A year's losses, simulated (10k CNY)"
    return figure([{"type": "bar", "x": mids, "y": share, "marker": {"color": "#b91c1c"}}],
                  title=title, height=300)  # fmt: skip


@router.get("/park/risk-pool", response_class=HTMLResponse)
def risk_pool_page(
    request: Request, platform: PlatformDep, lang: LangDep, error: str = ""
) -> HTMLResponse:
    """The risk-compensation pool: terms form, coverage and the simulated year."""
    principal = _guard(request, "park_cockpit")
    r = platform.park.risk_pool(principal)
    return render(request, "park_risk_pool.html", lang, principal, r=r,
                  fig=_pool_chart(r, lang), loan_types=[t.value for t in LoanType],
                  error=error)  # fmt: skip


@router.post("/park/risk-pool")
async def risk_pool_save(request: Request, platform: PlatformDep) -> Response:
    """Keep the terms from the form; a term out of range comes back named on the page."""
    principal = _guard(request, "park_cockpit")
    form = await request.form()
    try:
        num = lambda k: float(str(form.get(k, "")))  # noqa: E731
        terms = Terms(government_fund=num("government_fund"), park_fund=num("park_fund"),
                      pool_share=num("pool_share") / 100, lgd=num("lgd") / 100,
                      correlation=num("correlation"), default_pd=num("default_pd") / 100,
                      max_leverage=num("max_leverage"), runs=int(num("runs")))  # fmt: skip
        types = [str(v) for v in form.getlist("loan_types")] or None
        platform.park.set_pool(principal, terms, types)
    except (ValueError, PoolError) as exc:
        return RedirectResponse("/park/risk-pool?" + urlencode({"error": str(exc)}), 303)
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    return RedirectResponse("/park/risk-pool", 303)


@router.get("/bank/park-credit", response_class=HTMLResponse)
def bank_park_credit_page(
    request: Request, platform: PlatformDep, lang: LangDep, park: str = "", error: str = ""
) -> HTMLResponse:
    """The bank's park credit pools (整园授信): set one, share it, follow its use."""
    principal = _guard(request, "bank_workbench")
    pools = platform.lending.pools_of(principal)
    parks = [o for o in platform.master.list("organisation") if o["org_kind"] == "park"]
    detail = None
    if park:
        try:
            detail = platform.lending.bank_view(principal, park)
        except LendingError as exc:
            error = str(exc)
    return render(request, "bank_park_credit.html", lang, principal, pools=pools, parks=parks,
                  detail=detail, error=error)  # fmt: skip


@router.post("/bank/park-credit")
async def bank_park_credit_save(request: Request, platform: PlatformDep) -> Response:
    """Set a pool from the form, or share one (`allocate` names the park)."""
    principal = _guard(request, "bank_workbench")
    form = await request.form()
    park = str(form.get("park", ""))
    try:
        if form.get("action") == "allocate":
            platform.lending.allocate(principal, park)
        else:
            end = str(form.get("end_date", "")) or None
            platform.lending.set_pool(
                principal, park, float(str(form.get("amount", "0"))),
                float(str(form.get("max_share", "10"))) / 100,
                date.fromisoformat(end) if end else None, str(form.get("note", "")) or None)  # fmt: skip
    except (ValueError, LendingError) as exc:
        return RedirectResponse(
            "/bank/park-credit?" + urlencode({"park": park, "error": str(exc)}), 303
        )
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    return RedirectResponse("/bank/park-credit?" + urlencode({"park": park}), 303)
