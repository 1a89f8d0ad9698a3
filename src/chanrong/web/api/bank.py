"""The bank workbench over HTTP: tags and the screening list (JSON, CSV), trade checks, the
due-diligence checklist, scorecards (train, versions, reports) and scoring."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from chanrong.access.rules import Principal, Role
from chanrong.finance.report import ReportNotFound, pdf
from chanrong.finance.scorecard import Scaling
from chanrong.finance.scoring import NoModel
from chanrong.finance.service import to_csv
from chanrong.finance.tags import TAGS
from chanrong.finance.upgrade import Equipment
from chanrong.web.api.consents import _call
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1/bank", tags=["bank"])
orgs = APIRouter(prefix="/api/v1", tags=["bank"])
TAG_FILTER = Query(None, description="tag ids the firm must have (repeat for several)")
EXCLUDE = Query(None, description="tag ids the firm must not have, e.g. dishonest")
MIN_GRADE = Query(None, description="entry, standardized or optimized")
PURPOSE = Query("pre_loan", description="the purpose the firms' consents name")
AS_OF = Query(None, description="the day (default: today, Beijing time)")


def _bank(principal: Principal) -> None:
    if not principal.can("bank_workbench"):
        raise HTTPException(403, "the screening list is for banks")


@router.get("/tags")
def tags(principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every pre-loan tag: id, names, nature (good, risk, knockout), rule and inputs."""
    return [{"id": t.id, "name_zh": t.name_zh, "name_en": t.name_en, "nature": t.nature.value,
             "rule": t.rule, "inputs": [f"{i}:{w}" for i, w in t.inputs]} for t in TAGS]  # fmt: skip


def _listing(platform: Any, principal: Principal, purpose: str, as_of: date | None,
             tag: list[str] | None, exclude: list[str] | None, min_grade: str | None) -> Any:  # fmt: skip
    _bank(principal)
    try:
        return platform.bank.screening(principal, purpose, as_of, tag, exclude, min_grade)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/screening")
def screening(
    platform: PlatformDep, principal: PrincipalDep, purpose: str = PURPOSE,
    as_of: date | None = AS_OF, tag: list[str] | None = TAG_FILTER,
    exclude: list[str] | None = EXCLUDE, min_grade: str | None = MIN_GRADE,
) -> dict[str, Any]:  # fmt: skip
    """Firms that authorised your bank for the purpose, each with its tags and the values behind
    them, the tags that could not be judged, its digital grade (if shared) and key figures;
    every firm read through the consent door and audited."""
    return dict(_listing(platform, principal, purpose, as_of, tag, exclude, min_grade))


@router.get("/screening.csv", response_class=Response)
def screening_csv(
    platform: PlatformDep, principal: PrincipalDep, purpose: str = PURPOSE,
    as_of: date | None = AS_OF, tag: list[str] | None = TAG_FILTER,
    exclude: list[str] | None = EXCLUDE, min_grade: str | None = MIN_GRADE,
) -> Response:  # fmt: skip
    """The same list as CSV (opens in Excel)."""
    listing = _listing(platform, principal, purpose, as_of, tag, exclude, min_grade)
    return Response(to_csv(listing), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="screening-{listing["as_of"]}.csv"'})  # fmt: skip


@orgs.get("/orgs/{uscc}/trade-checks")
def trade_checks(
    uscc: str, platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. in_loan"),
    days: int = Query(90, ge=1, le=366, description="invoices issued in the last N days"),
    as_of: date | None = AS_OF,
) -> dict[str, Any]:  # fmt: skip
    """A firm's sales invoices, each checked along order -> production -> warehouse ->
    shipment -> delivery -> invoice -> payment with the evidence of each link, suspects marked
    with their reasons (broken core links, circular trades). Under a consent that covers every
    kind a chain reads; audited."""
    return dict(_call(platform.trades.read, principal, uscc, purpose, days, as_of))


@orgs.get("/orgs/{uscc}/diligence")
def diligence(
    uscc: str, platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query(description="the purpose your consent names, e.g. in_loan"),
    as_of: date | None = AS_OF,
) -> dict[str, Any]:  # fmt: skip
    """The loan officer's due-diligence checklist (尽职调查), pre-filled from what the firm's
    consent shows: each item verified by the data (with evidence and credibility) or left to
    check on site (with the figures to compare); every read audited."""
    _bank(principal)
    return dict(_call(platform.bank.diligence, principal, uscc, purpose, platform.trades, as_of))


# -- scorecards ----------------------------------------------------------------------------------


class TrainRequest(BaseModel):
    dataset: str = Field("platform", description="platform (your loan book), german or credit_data")
    pdo: float = Field(20, gt=0, description="points to double the odds")
    base_score: float = Field(600, gt=0, description="score at the base odds")
    base_odds: float = Field(50, gt=0, description="good:bad odds at the base score")


def _models(fn: Any, *args: Any) -> Any:
    try:
        return _call(fn, *args)
    except NoModel as exc:
        raise HTTPException(404, str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.post("/models", status_code=201)
def train_model(
    body: TrainRequest, platform: PlatformDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Train a credit scorecard (optimal monotonic binning, WOE logistic regression, points
    scaled by PDO) with a time-ordered train/validation split, and keep it as your next active
    version. Returns the model report: AUC, KS, Gini, PSI, calibration by band, IV per feature,
    and the uplift of real-time production features over traditional ones. Bank admins only."""
    _bank(principal)
    if principal.role is not Role.ADMIN:
        raise HTTPException(403, "training a scorecard is for your bank's admins")
    scaling = Scaling(body.pdo, body.base_score, body.base_odds)
    return dict(_models(platform.scoring.train, principal.org, body.dataset,
                        principal.username or "api", scaling))  # fmt: skip


@router.get("/models")
def list_models(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Your bank's scorecard versions, newest first, with validation AUC/KS/Gini and PSI."""
    _bank(principal)
    return list(platform.scoring.models(principal.org))


@router.get("/models/{version}")
def model_report(version: int, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """One version's model report."""
    _bank(principal)
    return dict(_models(platform.scoring.model, principal.org, version))


@router.post("/models/{version}/{state}")
def set_model_state(
    version: int, state: Literal["activate", "retire"], platform: PlatformDep,
    principal: PrincipalDep,
) -> dict[str, Any]:  # fmt: skip
    """Activate or retire a version; the newest active version scores. Bank admins only."""
    _bank(principal)
    if principal.role is not Role.ADMIN:
        raise HTTPException(403, "changing the scorecard in use is for your bank's admins")
    return dict(_models(platform.scoring.set_active, principal.org, version, state == "activate"))


@router.get("/scores")
def decision_record(
    platform: PlatformDep, principal: PrincipalDep,
    org: str | None = Query(None, description="one firm's scores only"),
) -> list[dict[str, Any]]:  # fmt: skip
    """Every score your bank took, newest first: the decision record."""
    _bank(principal)
    return list(platform.scoring.scores(principal.org, org))


@orgs.get("/orgs/{uscc}/score")
def firm_score(
    uscc: str, platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query("in_loan", description="the purpose your consent names"),
    as_of: date | None = AS_OF,
) -> dict[str, Any]:  # fmt: skip
    """Score a firm with your active scorecard, through its consent (audited): score, PD,
    rating, the top reason codes (zh/en), knock-outs, the suggested credit line with each step
    of its rule and the risk-based price with its parts, every input with its credibility.
    The result is kept as your decision record."""
    _bank(principal)
    return dict(_models(platform.scoring.score, principal, uscc, purpose, as_of))


# -- credit-enhancement reports ------------------------------------------------------------------


@orgs.post("/orgs/{uscc}/credit-report", status_code=201)
def issue_report(
    uscc: str, platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query("in_loan", description="the purpose your consent names"),
) -> dict[str, Any]:  # fmt: skip
    """Issue a credit-enhancement report (实时增信报告) on a firm that authorised you: its
    indicators with credibility and coverage, grade, tags, score and reasons, open alerts and
    trade-chain status, as far as the consent shows; logged as a leaf of the platform's ledger
    and returned with the signed tree head, its own inclusion proof and those of the data
    batches (90 days) it rests on, for `chanrong verify report.json` offline."""
    _bank(principal)
    try:
        return dict(_call(platform.reports.issue, principal, uscc, purpose))
    except LookupError as exc:  # a platform run without its ledger cannot issue one
        raise HTTPException(409, str(exc)) from exc


@router.get("/credit-reports")
def list_reports(
    platform: PlatformDep, principal: PrincipalDep, org: str | None = Query(None),
) -> list[dict[str, Any]]:  # fmt: skip
    """The reports issued to your bank, newest first."""
    _bank(principal)
    return list(platform.reports.list(principal.org, org))


def _report(platform: Any, principal: Principal, report_id: str) -> dict[str, Any]:
    _bank(principal)
    try:
        return dict(platform.reports.get(principal.org, report_id))
    except ReportNotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/credit-reports/{report_id}.pdf", response_class=Response)
def report_pdf(report_id: str, platform: PlatformDep, principal: PrincipalDep) -> Response:
    """The report as PDF (the JSON document is the one to verify)."""
    doc = _report(platform, principal, report_id)
    return Response(pdf(doc), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="credit-report-{report_id}.pdf"'})  # fmt: skip


@router.get("/credit-reports/{report_id}")
def get_report(report_id: str, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """The report document as issued, with its proofs (save it as report.json to verify)."""
    return _report(platform, principal, report_id)


@router.get("/pledges")
def pledges(
    platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query("post_loan", description="the purpose the firms' consents name"),
) -> dict[str, Any]:  # fmt: skip
    """Your pledged inventory (动产质押): each active pledge on one of your loans with the live
    stock in its warehouse against the floor, the latest price of its class, its value (x the
    lendable share) and the loan-to-value; per firm through the consent door (pledges, stock
    movements and loans), the firms whose consent does not open them listed apart."""
    _bank(principal)
    return dict(platform.pledges.pledges(principal, purpose))


class ReceivableRequest(BaseModel):
    invoice_nos: list[str] = Field(default_factory=list, description="the sales invoices offered")
    advance_rate: float = Field(0.8, gt=0, le=1, description="share of the outstanding advanced")


@orgs.post("/orgs/{uscc}/receivables", status_code=201)
def apply_receivables(
    uscc: str, body: ReceivableRequest, platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query("supply_chain_finance", description="the purpose your consent names"),
) -> dict[str, Any]:  # fmt: skip
    """A receivable financing application (应收账款融资): each invoice offered is verified by its
    trade chain (order, shipment, delivery, payment; no circular trade); the verified, delivered,
    not overdue ones may be advanced against at the rate; kept. Under a consent covering every
    kind a chain reads."""
    _bank(principal)
    try:
        return dict(_call(platform.receivables.apply, principal, uscc, body.invoice_nos,
                          purpose, body.advance_rate))  # fmt: skip
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc


@router.get("/receivables")
def list_receivables(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Your receivable financing applications, newest first."""
    _bank(principal)
    return list(platform.receivables.applications(principal.org))


class EquipmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    qty: int = Field(ge=1)
    unit_cost: float = Field(gt=0, description="元 each")
    capacity_gain: float = Field(
        0, ge=0, description="the bottleneck's capacity gain, 2.0 = +200 %"
    )


class UpgradeRequest(BaseModel):
    equipment: list[EquipmentIn] = Field(default_factory=list)
    stock_before: float | None = Field(None, ge=0, description="raw-material stock today, 元")
    stock_after: float | None = Field(None, ge=0, description="raw-material stock planned, 元")


@orgs.post("/orgs/{uscc}/upgrade-loan")
def upgrade_loan(
    uscc: str, body: UpgradeRequest, platform: PlatformDep, principal: PrincipalDep,
    purpose: str = Query("in_loan", description="the purpose your consent names"),
) -> dict[str, Any]:  # fmt: skip
    """Size a digital-upgrade loan (技改贷) from the firm's grading roadmap (when its consent
    shares the grade) and the equipment planned, against the expected gain, with the evidence
    to watch after the loan (indicators, today's values, targets)."""
    _bank(principal)
    equipment = [Equipment(e.name, e.qty, e.unit_cost, e.capacity_gain) for e in body.equipment]
    return dict(_call(platform.bank.upgrade_loan, principal, uscc, purpose, equipment,
                      body.stock_before, body.stock_after))  # fmt: skip


@router.get("/portfolio")
def portfolio(platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """Your loan book: each borrower with live loans (outstanding principal, next maturity,
    days past due, loan types), its latest score you took (rating, PD, expected loss = exposure
    x PD x LGD) and the open alerts you may see; totals, exposure by rating, overdue and
    unscored exposure, top-5 share and HHI."""
    _bank(principal)
    return dict(platform.portfolio.book(principal))
