"""Server-rendered pages. They read through the same services as the API and hold no rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from chanrong.access.consent import GUARDED_KINDS, PURPOSES_BY_KIND, ConsentError, Purpose, Scope
from chanrong.access.consents import ConsentForbidden, ConsentNotFound
from chanrong.access.rules import Principal, Role, navigation_for
from chanrong.access.service import AccessError
from chanrong.access.throttle import TooManyAttempts
from chanrong.alerts.service import AlertNotFound
from chanrong.finance.datasets import DATASETS
from chanrong.finance.report import ReportNotFound
from chanrong.finance.scoring import NoModel
from chanrong.finance.tags import TAGS
from chanrong.finance.upgrade import Equipment
from chanrong.grading.criteria import QUESTIONS, Level
from chanrong.i18n import field_label, t, value_label
from chanrong.identifiers.trace import LotNotFound
from chanrong.ingest.files import template_fields
from chanrong.ingest.service import IngestDenied
from chanrong.model import EVENT_KINDS
from chanrong.model.base import local_today
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.store.events import BadPayload
from chanrong.supply.cards import card_to_json
from chanrong.supply.scorecard import CardError
from chanrong.supply.service import BOARD_COLUMNS
from chanrong.supply.service import PURPOSE as SUPPLY_PURPOSE
from chanrong.supply.sourcing import Filters
from chanrong.web.api.auth import set_session_cookie
from chanrong.web.api.data import upload_file
from chanrong.web.charts import PLOTLY_JS_URL, figure, sparkline
from chanrong.web.deps import (
    LANG_COOKIE,
    SESSION_COOKIE,
    LangDep,
    PlatformDep,
    credentials_principal,
)

router = APIRouter(include_in_schema=False)
LEVEL_RANK = {lv.value: lv.rank for lv in Level}
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


class LoginRequired(Exception):
    pass


def _principal(request: Request) -> Principal:
    try:
        principal = credentials_principal(request)
    except HTTPException as exc:
        raise LoginRequired from exc
    if principal is None:
        raise LoginRequired
    return principal


def render(
    request: Request, name: str, lang: str, principal: Principal | None = None, **ctx: Any
) -> HTMLResponse:
    org = request.app.state.platform.master.organisation(principal.org) if principal else None
    return templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang, "t": lambda key: t(key, lang), "fl": lambda name: field_label(name, lang),
            "vl": lambda value: value_label(str(value), lang), "principal": principal, "org": org,
            "nav": navigation_for(principal) if principal else [], "path": request.url.path,
            "prefixes": _prefixes(request.url.path),
            "plotly_js": PLOTLY_JS_URL, "csrf": request.state.csrf, **ctx,
        },
    )  # fmt: skip


def _prefixes(path: str) -> list[str]:
    """The path and each of its parents: the menu marks the longest entry among them."""
    parts = path.rstrip("/").split("/")
    return [("/".join(parts[:i]) or "/") for i in range(len(parts), 0, -1)]


def _guard(request: Request, capability: str | None = None) -> Principal:
    principal = _principal(request)
    if capability and not principal.can(capability):
        raise HTTPException(403, "not available to your organisation")
    return principal


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, lang: LangDep, failed: str | None = None) -> HTMLResponse:
    demo = request.app.state.settings.demo_logins
    return render(request, "login.html", lang, failed=failed, demo_logins=demo)


@router.post("/login")
async def login_submit(
    request: Request,
    platform: PlatformDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    client = request.client.host if request.client else None
    try:
        token = await run_in_threadpool(platform.access.login, username, password, client)
    except TooManyAttempts:
        return RedirectResponse("/login?failed=locked", status_code=303)
    except AccessError:
        return RedirectResponse("/login?failed=1", status_code=303)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, token)
    return response


@router.get("/logout")
def logout(request: Request, platform: PlatformDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        platform.access.logout(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, request: Request) -> Response:
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(
        back if back.startswith(str(request.base_url)) else "/", status_code=303
    )
    response.set_cookie(
        LANG_COOKIE, "en" if code == "en" else "zh", max_age=365 * 86400, samesite="lax"
    )
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, platform: PlatformDep, lang: LangDep) -> Response:
    principal = _guard(request)
    if principal.can("own_data"):
        return RedirectResponse("/data", status_code=303)
    if principal.can("operations"):
        return RedirectResponse("/operations", status_code=303)
    return render(request, "home.html", lang, principal)


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, platform: PlatformDep, lang: LangDep) -> HTMLResponse:
    principal = _guard(request, "own_data")
    streams = platform.events.streams(principal.org)
    daily = platform.events.daily_counts(principal.org, days=30, now=platform.clock.now())
    traces = [
        {
            "type": "bar",
            "name": t(f"kind.{kind}", lang),
            "x": [d for d, _ in points],
            "y": [n for _, n in points],
        }
        for kind, points in daily.items()
    ]
    daily_chart = figure(traces, barmode="stack") if traces else None
    return render(
        request, "data.html", lang, principal, streams=streams, daily_chart=daily_chart,
        batches=platform.events.recent_batches(principal.org, limit=20),
    )  # fmt: skip


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request, lang: LangDep) -> HTMLResponse:
    principal = _guard(request, "ingest")
    kinds = [(k, [f for f in template_fields(k)]) for k in EVENT_KINDS]
    return render(request, "upload.html", lang, principal, kinds=kinds, result=None)


@router.post("/upload", response_class=HTMLResponse)
async def upload_submit(
    request: Request,
    platform: PlatformDep,
    lang: LangDep,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
) -> HTMLResponse:
    principal = _guard(request, "ingest")
    data = await file.read()
    error, result = None, None
    try:
        result = await run_in_threadpool(
            upload_file, platform, principal, kind, data, file.filename or "upload"
        )
    except (BadPayload, IngestDenied) as exc:
        error = str(exc)
    kinds = [(k, [f for f in template_fields(k)]) for k in EVENT_KINDS]
    return render(
        request,
        "upload.html",
        lang,
        principal,
        kinds=kinds,
        result=result,
        error=error,
        chosen=kind,
    )


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine_page(
    request: Request, platform: PlatformDep, lang: LangDep, resolved: bool = False
) -> HTMLResponse:
    principal = _guard(request, "quarantine")
    owner = None if principal.can("operations") else principal.org
    rows = platform.events.quarantine(
        owner, viewer=principal.org, include_resolved=resolved, limit=500
    )
    return render(request, "quarantine.html", lang, principal, rows=rows, resolved=resolved)


@router.get("/operations", response_class=HTMLResponse)
def operations_page(request: Request, platform: PlatformDep, lang: LangDep) -> HTMLResponse:
    principal = _guard(request, "operations")
    return render(
        request, "operations.html", lang, principal,
        orgs=platform.master.list("organisation"), batches=platform.events.recent_batches(limit=50),
        users=platform.accounts.users(),
        services={svc.name: svc.status() for svc in request.app.state.services},
    )  # fmt: skip


# --- consents and audit --------------------------------------------------------------------------


def _consent_page(
    request: Request, platform: Platform, lang: str, principal: Principal, error: str | None = None
) -> HTMLResponse:
    is_sme = principal.org_kind is OrgKind.SME
    consents = platform.consents.visible(principal)
    wanted = (OrgKind.BANK, OrgKind.CORE_ENTERPRISE, OrgKind.PARK) if is_sme else (OrgKind.SME,)
    parties = [o for o in platform.master.list("organisation") if o["org_kind"] in wanted]
    purposes = sorted(Purpose) if is_sme else sorted(PURPOSES_BY_KIND.get(principal.org_kind, ()))
    return render(
        request, "consents.html", lang, principal, is_sme=is_sme, consents=consents,
        pending=[c for c in consents if c["status"] == "requested" and c["grantor"] == principal.org],
        can_decide=principal.role is Role.ADMIN, parties=parties, scopes=list(Scope),
        purposes=[p.value for p in purposes], error=error,
    )  # fmt: skip


def _consent_guard(request: Request) -> Principal:
    principal = _principal(request)
    if not (principal.can("consent") or principal.can("data_access")):
        raise HTTPException(403, "not available to your organisation")
    return principal


@router.get("/consents", response_class=HTMLResponse)
def consents_page(request: Request, platform: PlatformDep, lang: LangDep) -> HTMLResponse:
    return _consent_page(request, platform, lang, _consent_guard(request))


@router.post("/consents/{action}", response_class=HTMLResponse)
async def consent_form(
    request: Request, platform: PlatformDep, lang: LangDep, action: str
) -> Response:
    """Grant or request a consent from the form on the consents page."""
    principal = _consent_guard(request)
    form = await request.form()
    if action not in ("grant", "request"):
        raise HTTPException(404, "no such action")
    fn = platform.consents.grant if action == "grant" else platform.consents.request
    try:
        days = int(str(form.get("days") or 365))
        fn(principal, str(form.get("party", "")), [str(s) for s in form.getlist("scopes")],
           str(form.get("purpose", "")), days=days)  # fmt: skip
    except (ConsentError, ConsentForbidden, ValueError) as exc:
        return _consent_page(request, platform, lang, principal, error=str(exc))
    return RedirectResponse("/consents", status_code=303)


@router.post("/consents/{consent_id}/{decision}", response_class=HTMLResponse)
def consent_decision(
    request: Request, platform: PlatformDep, lang: LangDep, consent_id: str, decision: str
) -> Response:
    principal = _consent_guard(request)
    actions = {"authorise": platform.consents.authorise, "reject": platform.consents.reject,
               "revoke": platform.consents.revoke}  # fmt: skip
    if decision not in actions:
        raise HTTPException(404, "no such decision")
    try:
        actions[decision](principal, consent_id)
    except (ConsentError, ConsentForbidden, ConsentNotFound) as exc:
        return _consent_page(request, platform, lang, principal, error=str(exc))
    return RedirectResponse("/consents", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, platform: PlatformDep, lang: LangDep) -> HTMLResponse:
    principal = _consent_guard(request)
    return render(request, "audit.html", lang, principal,
                  is_sme=principal.org_kind is OrgKind.SME,
                  entries=platform.consents.audit_for(principal))  # fmt: skip


@router.get("/orgs/{uscc}", response_class=HTMLResponse)
def org_view(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, purpose: str = ""
) -> HTMLResponse:
    """Another enterprise's data streams, under consent (the same door as the API)."""
    principal = _consent_guard(request)
    streams, refused = [], None
    try:
        streams = platform.consents.read(
            principal, uscc, list(GUARDED_KINDS), purpose, f"GET /orgs/{uscc}",
            lambda allowed: platform.events.streams(uscc, sorted(allowed)),
        )  # fmt: skip
    except ConsentForbidden as exc:
        refused = str(exc)
    owner = platform.master.organisation(uscc) if not refused else None
    return render(request, "orgview.html", lang, principal, uscc=uscc, owner=owner,
                  purpose=purpose, purposes=[p.value for p in Purpose], streams=streams,
                  refused=refused)  # fmt: skip


def _under_consent(
    request: Request, platform: Platform, uscc: str, purpose: str,
    read: Callable[[Principal], Any],
) -> tuple[Principal, Any, dict[str, Any]]:  # fmt: skip
    """Another enterprise's data for a page, through the consent door: (who reads, what was
    read or None, the page's owner/purpose/refused context)."""
    principal = _consent_guard(request)
    result, refused = None, None
    try:
        result = read(principal)
    except ConsentForbidden as exc:
        refused = str(exc)
    owner = platform.master.organisation(uscc) if not refused else None
    return principal, result, {"owner": owner, "purpose": purpose, "refused": refused}


def _indicator_page(
    request: Request, lang: str, principal: Principal, report: list[dict[str, Any]] | None,
    uscc: str, **ctx: Any,
) -> HTMLResponse:  # fmt: skip
    tables = []
    for table in ("financing", "order"):
        dims: dict[str, list[dict[str, Any]]] = {}
        for ind in report or []:
            if table in ind["tables"]:
                for v in ind["values"]:
                    v["spark"] = sparkline(v.get("trend") or [])
                dims.setdefault(ind["dimension"], []).append(ind)
        tables.append((table, dims))
    as_of = report[0]["as_of"] if report else ""
    return render(request, "indicators.html", lang, principal, tables=tables, as_of=as_of,
                  uscc=uscc, **ctx)  # fmt: skip


@router.get("/indicators", response_class=HTMLResponse)
def indicators_page(
    request: Request, platform: PlatformDep, lang: LangDep, as_of: str = ""
) -> HTMLResponse:
    """The enterprise's own indicators: both tables, trends, credibility, coverage, evidence."""
    principal = _guard(request, "own_data")
    day = _day(as_of)
    report = platform.indicators.report(principal.org, day)
    return _indicator_page(request, lang, principal, report, principal.org, own=True)


@router.get("/orgs/{uscc}/indicators", response_class=HTMLResponse)
def org_indicators_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, purpose: str = "",
    as_of: str = "",
) -> HTMLResponse:  # fmt: skip
    """Another enterprise's indicators, under consent (the same door as the API)."""
    principal, report, ctx = _under_consent(request, platform, uscc, purpose,
                                            lambda p: platform.indicators.read(p, uscc, purpose,
                                                                               _day(as_of)))  # fmt: skip
    return _indicator_page(request, lang, principal, report, uscc, **ctx)


def _grade_page(
    request: Request, lang: str, principal: Principal, grade: dict[str, Any] | None, uscc: str,
    **ctx: Any,
) -> HTMLResponse:  # fmt: skip
    radar = history = None
    if grade:
        names = [d["name_zh"] if lang != "en" else d["name_en"] for d in grade["dimensions"]]
        radar = figure([{
            "type": "scatterpolar", "fill": "toself", "name": grade["as_of"],
            "r": [d["score"] for d in grade["dimensions"]] + [grade["dimensions"][0]["score"]],
            "theta": names + names[:1],
        }], height=300)  # fmt: skip
        points = grade["history"]
        history = figure([
            {"type": "scatter", "mode": "lines+markers", "name": k,
             "x": [h["as_of"] for h in points],
             "y": [LEVEL_RANK.get(h[k] or "", 0) for h in points]}
            for k in ("overall", "element", "management", "relationship")
        ], height=260) if len(points) > 1 else None  # fmt: skip
    return render(request, "grade.html", lang, principal, grade=grade, uscc=uscc, radar=radar,
                  history_chart=history, **ctx)  # fmt: skip


@router.get("/grade", response_class=HTMLResponse)
def grade_page(
    request: Request, platform: PlatformDep, lang: LangDep, as_of: str = ""
) -> HTMLResponse:
    """The enterprise's own digital-capability grade, evidence, roadmap and questionnaire."""
    principal = _guard(request, "grade")
    grade = platform.grading.report(principal.org, _day(as_of))
    return _grade_page(request, lang, principal, grade, principal.org, own=True)


@router.post("/grade/questionnaire", response_class=HTMLResponse)
async def grade_answers(request: Request, platform: PlatformDep) -> Response:
    """The questionnaire form: each question yes or no; the grade is redone at once."""
    principal = _guard(request, "grade")
    if principal.role is Role.VIEWER:
        raise HTTPException(403, "viewers cannot answer for the enterprise")
    form = await request.form()
    answers = {q.measure: form.get(q.measure) == "yes" for q in QUESTIONS
               if form.get(q.measure) in ("yes", "no")}  # fmt: skip
    if answers:  # a form sent with nothing ticked changes nothing
        await run_in_threadpool(platform.grading.answer, principal, answers)
        await run_in_threadpool(platform.grading.assess, None, [principal.org])
    return RedirectResponse("/grade#questionnaire", status_code=303)


@router.get("/orgs/{uscc}/grade", response_class=HTMLResponse)
def org_grade_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, purpose: str = "",
    as_of: str = "",
) -> HTMLResponse:  # fmt: skip
    """Another enterprise's grade, under a consent of scope digital_grade."""
    principal, grade, ctx = _under_consent(request, platform, uscc, purpose,
                                           lambda p: platform.grading.read(p, uscc, purpose,
                                                                           _day(as_of)))  # fmt: skip
    return _grade_page(request, lang, principal, grade, uscc, **ctx)


@router.get("/orgs/{uscc}/trades", response_class=HTMLResponse)
def org_trades_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, purpose: str = "",
    days: int = 90,
) -> HTMLResponse:  # fmt: skip
    """A firm's invoices checked along the trade chain (the anti-fraud case page), under
    consent: suspects first, each link marked."""
    principal, checks, ctx = _under_consent(request, platform, uscc, purpose,
                                            lambda p: platform.trades.read(p, uscc, purpose,
                                                                           max(1, min(days, 366))))  # fmt: skip
    invoices = sorted((checks or {}).get("invoices", []),
                      key=lambda i: (not i["suspect"], i["issue_date"]))  # fmt: skip
    return render(request, "trades.html", lang, principal, uscc=uscc, checks=checks,
                  invoices=invoices, days=days, **ctx)  # fmt: skip


@router.get("/orgs/{uscc}/diligence", response_class=HTMLResponse)
def diligence_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, purpose: str = "in_loan"
) -> HTMLResponse:
    """The due-diligence checklist on a phone: what the data settle, what is left on site."""
    _guard(request, "bank_workbench")
    principal, sheet, ctx = _under_consent(request, platform, uscc, purpose,
                                           lambda p: platform.bank.diligence(p, uscc, purpose,
                                                                             platform.trades))  # fmt: skip
    return render(request, "diligence.html", lang, principal, sheet=sheet, uscc=uscc, **ctx)


@router.get("/orgs/{uscc}/score", response_class=HTMLResponse)
def score_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, purpose: str = "in_loan"
) -> HTMLResponse:
    """The loan decision page: score, PD, rating, reasons, knock-outs, line and price."""
    _guard(request, "bank_workbench")
    no_model = None

    def read(p: Principal) -> Any:
        nonlocal no_model
        try:
            return platform.scoring.score(p, uscc, purpose)
        except NoModel as exc:
            no_model = str(exc)
            return None

    principal, s, ctx = _under_consent(request, platform, uscc, purpose, read)
    return render(request, "score.html", lang, principal, s=s, uscc=uscc, no_model=no_model,
                  **ctx)  # fmt: skip


@router.get("/bank/models", response_class=HTMLResponse)
def models_page(
    request: Request, platform: PlatformDep, lang: LangDep, version: int | None = None
) -> HTMLResponse:
    """The bank's scorecard versions and one version's model report."""
    principal = _guard(request, "bank_workbench")
    models = platform.scoring.models(principal.org)
    report, calibration = None, None
    if models:
        try:
            report = platform.scoring.model(principal.org, version or models[0]["version"])
        except NoModel as exc:
            raise HTTPException(404, str(exc)) from exc
        bands = report["calibration"]
        calibration = figure([
            {"type": "bar", "name": t("score.pd", lang), "x": [b["band"] for b in bands],
             "y": [b["predicted_pd"] for b in bands]},
            {"type": "bar", "name": "observed", "x": [b["band"] for b in bands],
             "y": [b["observed_bad_rate"] for b in bands]},
        ], barmode="group", height=280)  # fmt: skip
    return render(request, "models.html", lang, principal, models=models, report=report,
                  calibration=calibration, datasets=list(DATASETS),
                  admin=principal.role is Role.ADMIN)  # fmt: skip


@router.post("/bank/models", response_class=HTMLResponse)
async def models_train(request: Request, platform: PlatformDep) -> Response:
    """Train a new version from the page (bank admins)."""
    principal = _guard(request, "bank_workbench")
    if principal.role is not Role.ADMIN:
        raise HTTPException(403, "training a scorecard is for your bank's admins")
    form = await request.form()
    dataset = str(form.get("dataset") or "platform")
    if dataset not in DATASETS:
        raise HTTPException(400, f"unknown data set {dataset}")
    made = await run_in_threadpool(platform.scoring.train, principal.org, dataset,
                                   principal.username or "web")  # fmt: skip
    return RedirectResponse(f"/bank/models?version={made['version']}", status_code=303)


@router.post("/orgs/{uscc}/credit-report", response_class=HTMLResponse)
async def credit_report_issue(request: Request, platform: PlatformDep, uscc: str) -> Response:
    """Issue a credit-enhancement report from the decision page."""
    principal = _guard(request, "bank_workbench")
    form = await request.form()
    purpose = str(form.get("purpose") or "in_loan")
    try:
        doc = await run_in_threadpool(platform.reports.issue, principal, uscc, purpose)
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    return RedirectResponse(f"/credit-reports/{doc['report']['report_id']}", status_code=303)


@router.get("/credit-reports/{report_id}", response_class=HTMLResponse)
def credit_report_page(
    request: Request, platform: PlatformDep, lang: LangDep, report_id: str
) -> HTMLResponse:
    """A credit-enhancement report as issued, with its downloads (JSON to verify, PDF)."""
    principal = _guard(request, "bank_workbench")
    try:
        doc = platform.reports.get(principal.org, report_id)
    except ReportNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return render(request, "credit_report.html", lang, principal, doc=doc, r=doc["report"])


@router.get("/bank/portfolio", response_class=HTMLResponse)
def portfolio_page(request: Request, platform: PlatformDep, lang: LangDep) -> HTMLResponse:
    """The bank's loan portfolio."""
    principal = _guard(request, "portfolio")
    book = platform.portfolio.book(principal)
    chart = figure([{"type": "bar", "x": list(book["by_rating"]),
                     "y": list(book["by_rating"].values()), "name": "exposure"}],
                   height=240)  # fmt: skip
    return render(request, "portfolio.html", lang, principal, book=book, fig=chart)


@router.get("/bank/pledges", response_class=HTMLResponse)
def pledges_page(
    request: Request, platform: PlatformDep, lang: LangDep, purpose: str = "post_loan"
) -> HTMLResponse:
    """The bank's pledged inventory: stock against floor, value and loan-to-value."""
    principal = _guard(request, "bank_workbench")
    view = platform.pledges.pledges(principal, purpose)
    names = {}
    for o in {r["org"] for r in view["pledges"]} | set(view["not_shared"]):
        found = platform.master.organisation(o)
        names[o] = found.name if found else o
    return render(request, "pledges.html", lang, principal, view=view, names=names)


@router.post("/orgs/{uscc}/receivables", response_class=HTMLResponse)
async def receivables_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str
) -> HTMLResponse:
    """The receivable financing check of the invoices ticked on the trade-chain page."""
    principal = _guard(request, "bank_workbench")
    form = await request.form()
    chosen = [str(v) for v in form.getlist("invoice_no")]
    purpose = str(form.get("purpose") or "supply_chain_finance")
    try:
        result = await run_in_threadpool(platform.receivables.apply, principal, uscc, chosen,
                                         purpose)  # fmt: skip
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return render(request, "receivables.html", lang, principal, result=result, uscc=uscc)


@router.get("/orgs/{uscc}/360", response_class=HTMLResponse)
def view360_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, purpose: str = "in_loan"
) -> HTMLResponse:
    """The enterprise 360 view: the bank's consents from the firm, its score and reasons (not
    kept as a decision), grade, tags, alerts, trade chains and indicators with credibility."""
    principal = _guard(request, "bank_workbench")
    day = local_today(platform.clock.now())
    _, r, ctx = _under_consent(request, platform, uscc, purpose,
                               lambda p: platform.reports.view(p, uscc, purpose, day))  # fmt: skip
    consents = platform.consents.held(uscc, principal.org)
    for c in consents:
        c["expires_at"] = c["expires_at"].isoformat() if c.get("expires_at") else None
    return render(request, "view360.html", lang, principal, uscc=uscc, r=r, consents=consents,
                  **ctx)  # fmt: skip


@router.get("/orgs/{uscc}/upgrade-loan", response_class=HTMLResponse)
def upgrade_form(
    request: Request, lang: LangDep, uscc: str, purpose: str = "in_loan"
) -> HTMLResponse:
    """The digital-upgrade loan (技改贷) form: the equipment planned and the stock change."""
    principal = _guard(request, "bank_workbench")
    return render(request, "upgrade.html", lang, principal, uscc=uscc, purpose=purpose,
                  plan=None)  # fmt: skip


@router.post("/orgs/{uscc}/upgrade-loan", response_class=HTMLResponse)
async def upgrade_sized(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str
) -> HTMLResponse:
    principal = _guard(request, "bank_workbench")
    form = await request.form()
    purpose = str(form.get("purpose") or "in_loan")

    def number(name: str) -> float | None:
        text = str(form.get(name) or "").replace(",", "").strip()
        try:
            return float(text) if text else None
        except ValueError as exc:
            raise HTTPException(400, f"{name}: not a number ({text})") from exc

    equipment = []
    if form.get("name"):
        equipment.append(Equipment(str(form.get("name")), int(number("qty") or 1),
                                   number("unit_cost") or 0.0, number("capacity_gain") or 0.0))  # fmt: skip
    try:
        plan = await run_in_threadpool(platform.bank.upgrade_loan, principal, uscc, purpose,
                                       equipment, number("stock_before"), number("stock_after"))  # fmt: skip
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    return render(request, "upgrade.html", lang, principal, uscc=uscc, purpose=purpose,
                  plan=plan)  # fmt: skip


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, platform: PlatformDep, lang: LangDep, status: str = "active",
    unacknowledged: bool = False, org: str = "",
) -> HTMLResponse:  # fmt: skip
    """The alert inbox: critical and unacknowledged first, acknowledge in place."""
    principal = _guard(request, "alerts")
    try:
        box = platform.alerts.inbox(principal, status, unacknowledged, org or None)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return render(request, "alerts.html", lang, principal, box=box, status=status,
                  unacknowledged=unacknowledged, org=org,
                  rules=platform.alerts.settings(principal.org).values())  # fmt: skip


@router.post("/alerts/{alert_id}/ack", response_class=HTMLResponse)
async def alerts_ack(request: Request, platform: PlatformDep, alert_id: int) -> Response:
    principal = _guard(request, "alerts")
    if principal.role is Role.VIEWER:
        raise HTTPException(403, "viewers cannot acknowledge")
    form = await request.form()
    note = str(form.get("note") or "") or None
    try:
        await run_in_threadpool(platform.alerts.acknowledge, principal, alert_id, note)
    except AlertNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return RedirectResponse(f"/alerts#alert-{alert_id}", status_code=303)


@router.get("/orders", response_class=HTMLResponse)
def orders_page(
    request: Request, platform: PlatformDep, lang: LangDep, supplier: str = ""
) -> HTMLResponse:
    """The order board: open orders, progress, predicted finish, risk first; Excel export."""
    principal = _principal(request)
    if not (principal.can("suppliers") or principal.can("own_data")):
        raise HTTPException(403, "the order board is for core enterprises and their suppliers")
    try:
        board = platform.supply.orders(principal, supplier or None)
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    columns = {k: zh if lang != "en" else en for k, zh, en in BOARD_COLUMNS}
    return render(request, "orders.html", lang, principal, board=board, supplier=supplier,
                  columns=columns)  # fmt: skip


def _suppliers(
    request: Request, platform: Platform, lang: str, principal: Principal, period: str,
    **extra: Any,
) -> HTMLResponse:  # fmt: skip
    """The supplier list: standings on the buyer's card (worst first), its supply-interruption
    warnings by impact, and the card itself."""
    try:
        rows = platform.cards.standings(principal, platform.supply.suppliers_of(principal.org),
                                        period)  # fmt: skip
    except CardError as exc:
        raise HTTPException(400, str(exc)) from exc
    warnings = sorted((a for a in platform.alerts.inbox(principal)["alerts"]
                       if a["rule"] == "supply_interruption"),
                      key=lambda a: -(a["value"] or 0))  # fmt: skip
    return render(request, "suppliers.html", lang, principal, rows=rows, period=period,
                  card=card_to_json(platform.cards.card(principal.org)), warnings=warnings,
                  **extra)  # fmt: skip


@router.get("/suppliers", response_class=HTMLResponse)
def suppliers_page(
    request: Request, platform: PlatformDep, lang: LangDep, period: str = "month"
) -> HTMLResponse:
    principal = _guard(request, "suppliers")
    return _suppliers(request, platform, lang, principal, period)


@router.post("/suppliers/card", response_class=HTMLResponse)
async def supplier_card_save(request: Request, platform: PlatformDep, lang: LangDep) -> Response:
    """An admin saves the company's scorecard (its JSON form, checked before it is kept)."""
    principal = _guard(request, "suppliers")
    if principal.role is not Role.ADMIN:
        raise HTTPException(403, "the scorecard is set by your organisation's admins")
    form = await request.form()
    text = str(form.get("card") or "")
    try:
        await run_in_threadpool(platform.cards.set_card, principal, json.loads(text))
    except (ValueError, CardError) as exc:  # JSON errors are ValueErrors too
        return _suppliers(request, platform, lang, principal, "month", card_error=str(exc),
                          card_text=text)  # fmt: skip
    return RedirectResponse("/suppliers", status_code=303)


@router.get("/sourcing", response_class=HTMLResponse)
def sourcing_page(
    request: Request, platform: PlatformDep, lang: LangDep, industry: str = "",
    min_capital: str = "", min_years: str = "", min_level: str = "", max_distance: str = "",
    no_knockouts: bool = False, no_lending_disputes: bool = False, submitted: bool = False,
    min_capacity: str = "",
) -> HTMLResponse:  # fmt: skip
    """The sourcing screen: filter, rank, export."""
    principal = _guard(request, "suppliers")
    try:
        f = Filters(industry or None, float(min_capital) if min_capital else None,
                    float(min_years) if min_years else None, min_level or None,
                    max_distance or None, no_knockouts or not submitted, no_lending_disputes,
                    float(min_capacity) if min_capacity else None)  # fmt: skip
        screen = platform.sourcing.screen(principal, f)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return render(request, "sourcing.html", lang, principal, screen=screen, f=f,
                  query=request.url.query)  # fmt: skip


@router.get("/suppliers/{uscc}", response_class=HTMLResponse)
def supplier_page(
    request: Request, platform: PlatformDep, lang: LangDep, uscc: str, period: str = "month"
) -> HTMLResponse:
    """One supplier's scorecard on the buyer's card, period by period, and its open orders."""
    principal = _guard(request, "suppliers")
    try:
        card = platform.cards.scorecard(principal, principal.org, uscc, period)
        board = platform.supply.orders(principal, uscc)
    except ConsentForbidden as exc:
        raise HTTPException(403, str(exc)) from exc
    except CardError as exc:
        raise HTTPException(400, str(exc)) from exc
    try:
        grade = platform.grading.level(principal, uscc, SUPPLY_PURPOSE)
    except ConsentForbidden:
        grade = None
    alerts = platform.alerts.inbox(principal, "active", org=uscc)["alerts"]
    return render(request, "scorecard_supplier.html", lang, principal, cards=[card],
                  board=board, period=period, grade=grade, alerts=alerts,
                  purpose=SUPPLY_PURPOSE)  # fmt: skip


@router.get("/scorecards", response_class=HTMLResponse)
def my_scorecards_page(
    request: Request, platform: PlatformDep, lang: LangDep, period: str = "month"
) -> HTMLResponse:
    """A supplier's own scorecards: each customer's card applied to it, and why."""
    principal = _guard(request, "own_data")
    try:
        cards = platform.cards.mine(principal, period)
    except CardError as exc:
        raise HTTPException(400, str(exc)) from exc
    return render(request, "scorecard_supplier.html", lang, principal, cards=cards,
                  board=None, period=period, grade=None, alerts=[])  # fmt: skip


@router.get("/park/grades", response_class=HTMLResponse)
def park_grades_page(
    request: Request, platform: PlatformDep, lang: LangDep, as_of: str = ""
) -> HTMLResponse:
    """The park's digital-level distribution (aggregates, no firm named)."""
    principal = _guard(request, "park_cockpit")
    view = platform.grading.park_view(principal.org, _day(as_of))
    keys = ["overall", "element", "management", "relationship"]
    levels = ["None", *[lv.value for lv in Level]]
    chart = figure([
        {"type": "bar", "name": t(f"grade.level.{lv}", lang), "x": [t(f"grade.{k}", lang)
         for k in keys], "y": [view["distribution"][k][lv] for k in keys]}
        for lv in levels
    ], barmode="stack", height=320)  # fmt: skip
    return render(request, "park_grades.html", lang, principal, view=view, fig=chart,
                  keys=keys, levels=levels)  # fmt: skip


@router.get("/bank", response_class=HTMLResponse)
def bank_page(
    request: Request, platform: PlatformDep, lang: LangDep, as_of: str = "",
    purpose: str = "pre_loan", min_grade: str = "",
) -> HTMLResponse:  # fmt: skip
    """The bank's pre-loan screening list: consenting firms, tags with reasons, filters."""
    principal = _guard(request, "bank_workbench")
    params = request.query_params
    must, exclude = params.getlist("tag"), params.getlist("exclude")
    try:
        listing = platform.bank.screening(principal, purpose, _day(as_of), must, exclude,
                                          min_grade or None)  # fmt: skip
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    # the export repeats the filters (only those: nothing else of the request is echoed)
    query = urlencode([("as_of", listing["as_of"]), ("purpose", purpose),
                       ("min_grade", min_grade), *(("tag", x) for x in must),
                       *(("exclude", x) for x in exclude)])  # fmt: skip
    return render(request, "bank.html", lang, principal, listing=listing, tags=TAGS, must=must,
                  exclude=exclude, min_grade=min_grade, purpose=purpose,
                  purposes=sorted(PURPOSES_BY_KIND[OrgKind.BANK]), query=query)  # fmt: skip


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise HTTPException(400, f"as_of must be YYYY-MM-DD, not {text!r}") from exc


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, platform: PlatformDep, lang: LangDep) -> HTMLResponse:
    """The signed head, the keys to pin, receipts of one's own batches, how to verify."""
    principal = _principal(request)
    head = platform.ledger.head()
    batches = [b for b in platform.events.recent_batches(principal.org, limit=20)
               if b.get("leaf_index") is not None]  # fmt: skip
    return render(request, "ledger.html", lang, principal, head=head.as_json(),
                  keys=platform.ledger.public_keys(), batches=batches,
                  own=principal.can("own_data"))  # fmt: skip


@router.get("/trace", response_class=HTMLResponse)
def trace_page(
    request: Request, platform: PlatformDep, lang: LangDep, lot: str = "", org: str = "",
    purpose: str = "",
) -> HTMLResponse:  # fmt: skip
    principal = _principal(request)
    if not (principal.can("own_data") or principal.can("data_access")):
        raise HTTPException(403, "not available to your organisation")
    is_sme = principal.org_kind is OrgKind.SME
    org = principal.org if is_sme else org
    result, error = None, None
    if lot and org:
        try:
            result = platform.tracer.trace(principal, org, lot, purpose)
        except (LotNotFound, ConsentForbidden) as exc:
            error = str(exc)
    smes = [] if is_sme else [o for o in platform.master.list("organisation")
                              if o["org_kind"] == OrgKind.SME]  # fmt: skip
    purposes = sorted(PURPOSES_BY_KIND.get(principal.org_kind, ()))
    return render(request, "trace.html", lang, principal, is_sme=is_sme, lot=lot, org=org,
                  purpose=purpose, parties=smes, purposes=[p.value for p in purposes],
                  result=result, error=error)  # fmt: skip


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?next=" + quote(request.url.path), status_code=303)
