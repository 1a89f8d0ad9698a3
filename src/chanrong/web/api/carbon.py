"""Energy and carbon over HTTP: the factor library, a firm's carbon account and report, quotas,
and the park's view, as JSON, Excel and PDF."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from chanrong.carbon.factors import REGION_NAMES, SCOPES, VALUE_UNITS, VARIANTS, Choice, Factor
from chanrong.carbon.report import firm_pdf, firm_workbook, park_pdf, park_workbook
from chanrong.carbon.service import CarbonError
from chanrong.documents import XLSX
from chanrong.web.api.consents import _call
from chanrong.web.deps import LangDep, PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["carbon"])
REGIONS = "auto, " + ", ".join(REGION_NAMES)


class Period(BaseModel):
    start: date | None = Field(None, description="first day (default: 1 January of the end's year)")
    end: date | None = Field(None, description="last day (default: yesterday)")
    grid_year: int | None = Field(
        None,
        description="the grid factor's year (default: the newest "
        "published up to the period's year)",
    )
    region: str | None = Field(
        None,
        description=f"grid region ({REGIONS}); auto: from the "
        "firm's region code (default: national for a firm, auto for a park)",
    )


def _period(
    start: date | None = Query(None), end: date | None = Query(None),
    grid_year: int | None = Query(None, ge=2000, le=2100),
    region: str | None = Query(None, description=REGIONS),
) -> Period:  # fmt: skip
    return Period(start=start, end=end, grid_year=grid_year, region=region)


PeriodDep = Annotated[Period, Depends(_period)]


def _choice(p: Period, default: str) -> Choice:
    return Choice(grid_year=p.grid_year, region=p.region or default)


_run = partial(_call, refused=(CarbonError,))


def _file(body: bytes, name: str, media: str) -> Response:
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


class FactorIn(BaseModel):
    id: str = Field(min_length=3, max_length=80, pattern=r"^[a-z0-9_/.-]+$")
    energy_type: str = Field(description=", ".join(SCOPES))
    variant: str = Field(description=", ".join(VARIANTS))
    series: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=1990, le=2100)
    region: str = Field(description=", ".join(REGION_NAMES))
    value: float = Field(gt=0, lt=100)
    value_unit: str = Field(description=", ".join(VALUE_UNITS))
    source: str = Field(min_length=1, max_length=500)


@router.get("/carbon/factors")
def factors(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The emission factor library: each factor with its energy type, scope, variant (average,
    residual, fossil, carbon_market, default), series, year, region, value as published, tCO2
    per base unit (kWh, m3, t, GJ) and source."""
    return platform.carbon.factor_rows()


@router.post("/carbon/factors", status_code=201)
def add_factor(body: FactorIn, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """A platform administrator adds a factor (e.g. a newly published year). Factors are never
    changed: a correction is a new id."""
    return dict(_run(platform.carbon.add_factor, principal, Factor(**body.model_dump())))


def _account(platform: Any, principal: Any, org: str | None, p: Period,
             purpose: str | None) -> dict[str, Any]:  # fmt: skip
    return dict(_run(platform.carbon.account, principal, org or principal.org, p.start, p.end,
                     _choice(p, "national"), purpose))  # fmt: skip


@router.get("/carbon/account")
def account(
    platform: PlatformDep, principal: PrincipalDep, p: PeriodDep,
    org: str | None = Query(None, description="another firm's USCC (needs its consent with "
                            "scope carbon); default: your own"),
    purpose: str | None = Query(None, description="the consent's purpose (default by who you "
                                "are: in_loan, supplier_performance, park_services)"),
) -> dict[str, Any]:  # fmt: skip
    """A firm's carbon account over the period: energy in tce (GB/T 2589) by energy type, meter
    and machine; scope 1 and scope 2 emissions (location- and market-based); intensity per
    10,000 CNY of output value and per unit; monthly trend; product footprints per work order
    (energy allocated by run time); quota use; every factor used with its source."""
    return _account(platform, principal, org, p, purpose)


@router.get("/carbon/account.xlsx", response_class=Response)
def account_xlsx(
    platform: PlatformDep, principal: PrincipalDep, p: PeriodDep, lang: LangDep,
    org: str | None = Query(None), purpose: str | None = Query(None),
) -> Response:  # fmt: skip
    """The firm's carbon report as an Excel workbook (a sheet per table, factors included)."""
    acc = _account(platform, principal, org, p, purpose)
    return _file(firm_workbook(acc, lang), f"carbon-{acc['firm']['uscc']}.xlsx", XLSX)


@router.get("/carbon/account.pdf", response_class=Response)
def account_pdf(
    platform: PlatformDep, principal: PrincipalDep, p: PeriodDep,
    org: str | None = Query(None), purpose: str | None = Query(None),
) -> Response:  # fmt: skip
    """The firm's carbon report as PDF, listing the factors and their sources."""
    acc = _account(platform, principal, org, p, purpose)
    return _file(firm_pdf(acc), f"carbon-{acc['firm']['uscc']}.pdf", "application/pdf")


class QuotaIn(BaseModel):
    allowance_t: float = Field(gt=0, lt=1e9, description="tCO2 for the calendar year")
    market_based: bool = Field(False, description="count scope 2 market-based")
    note: str | None = Field(None, max_length=500)
    grid_year: int | None = Field(None, ge=2000, le=2100)
    region: str = Field("national", description=REGIONS)


@router.get("/carbon/quotas")
def quotas(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Quotas of the current year with use so far, the rate of the last 30 days, the forecast
    and a status (on_track, at_risk: forecast over, over: already over, nodata). A firm sees
    its own; a park its member firms that consented to it."""
    return list(_run(platform.carbon.quotas, principal))


@router.put("/carbon/quotas/{uscc}/{year}")
def set_quota(
    uscc: str, year: int, body: QuotaIn, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A park sets a member firm's carbon quota for a year, with the factors it is counted by."""
    choice = Choice(grid_year=body.grid_year, region=body.region)
    return dict(_run(platform.carbon.set_quota, principal, uscc, year, body.allowance_t,
                     body.market_based, body.note, choice))  # fmt: skip


@router.delete("/carbon/quotas/{uscc}/{year}", status_code=204, response_class=Response)
def remove_quota(uscc: str, year: int, platform: PlatformDep, principal: PrincipalDep) -> Response:
    """A park removes a member firm's quota for a year."""
    _run(platform.carbon.remove_quota, principal, uscc, year)
    return Response(status_code=204)


def _park(platform: Any, principal: Any, p: Period) -> dict[str, Any]:
    return dict(_run(platform.carbon.park, principal, p.start, p.end, _choice(p, "auto")))


@router.get("/park/carbon")
def park_carbon(platform: PlatformDep, principal: PrincipalDep, p: PeriodDep) -> dict[str, Any]:
    """The park's energy and carbon over the period: totals, structure by energy type and by
    industry (GB/T 4754 division; fewer than 3 firms shown as other), monthly trend, firms
    ranked by carbon per 10,000 CNY of output value (named under their consent to the park,
    the rest counted in the totals), quota use."""
    return _park(platform, principal, p)


@router.get("/park/carbon.xlsx", response_class=Response)
def park_carbon_xlsx(
    platform: PlatformDep, principal: PrincipalDep, p: PeriodDep, lang: LangDep
) -> Response:
    view = _park(platform, principal, p)
    return _file(park_workbook(view, lang), "park-carbon.xlsx", XLSX)


@router.get("/park/carbon.pdf", response_class=Response)
def park_carbon_pdf(platform: PlatformDep, principal: PrincipalDep, p: PeriodDep) -> Response:
    view = _park(platform, principal, p)
    return _file(park_pdf(view), "park-carbon.pdf", "application/pdf")
