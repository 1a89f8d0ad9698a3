"""Digital-capability grading over HTTP: criteria, a firm's own grade and questionnaire, another
firm's grade under consent, reports, and the park's distribution."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from chanrong.access.rules import Role
from chanrong.documents import XLSX
from chanrong.grading.criteria import CRITERIA
from chanrong.grading.report import workbook
from chanrong.grading.toolbox import TOOLBOX, unlocks
from chanrong.model.master import OrgKind
from chanrong.web.api.consents import _call
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["grading"])
AS_OF = Query(None, description="the day graded, Beijing time (default: today)")


class Answers(BaseModel):
    answers: dict[str, bool] = Field(
        description="question id -> yes/no: q_data_staff, q_plan, q_training",
        examples=[{"q_data_staff": True, "q_plan": False}],
    )


@router.get("/grading/criteria")
def criteria(platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    """Every criterion (dimension, level, measure, threshold, data or questionnaire, why) and
    the toolbox the roadmaps are built from."""
    return {
        "criteria": [{"id": c.id, "dimension": c.dimension.value, "level": c.level.value,
                      "name_zh": c.name_zh, "name_en": c.name_en, "measure": c.measure,
                      "rule": c.rule, "source": c.source.value, "why": c.why} for c in CRITERIA],
        "toolbox": [{"id": t.id, "name_zh": t.name_zh, "name_en": t.name_en,
                     "cost_cny": t.cost_cny, "weeks": t.weeks, "adds": list(t.adds),
                     "meets": list(t.meets), "unlocks": unlocks(t)} for t in TOOLBOX],
    }  # fmt: skip


def _own(principal: Any) -> str:
    if not principal.can("grade"):
        raise HTTPException(403, "a grade of your own is for enterprises")
    return str(principal.org)


@router.get("/grade")
def own_grade(
    platform: PlatformDep, principal: PrincipalDep, as_of: date | None = AS_OF
) -> dict[str, Any]:
    """Your enterprise's grade: overall and per dimension, every criterion with the evidence
    value behind it, credibility mix, roadmap, history, peer percentiles and the MIIT view."""
    return platform.grading.report(_own(principal), as_of)


@router.post("/grade/questionnaire")
def answer(body: Answers, platform: PlatformDep, principal: PrincipalDep) -> dict[str, bool]:
    """Answer the questions data cannot show (self-declared); the next grade uses them."""
    _own(principal)
    if principal.role is Role.VIEWER:
        raise HTTPException(403, "viewers cannot answer for the enterprise")
    try:
        answers = platform.grading.answer(principal, body.answers)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    platform.grading.assess(None, [principal.org])
    return answers


def _xlsx(platform: Any, org: str, grade: dict[str, Any]) -> Response:
    firm = platform.master.organisation(org)
    return Response(
        workbook(grade, firm.name if firm else org), media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="grade-{org}-{grade["as_of"]}.xlsx"'},
    )  # fmt: skip


@router.get("/grade/report.xlsx", response_class=Response)
def own_report(
    platform: PlatformDep, principal: PrincipalDep, as_of: date | None = AS_OF
) -> Response:
    """Your grade as an Excel workbook (summary, criteria, roadmap, history, MIIT view)."""
    org = _own(principal)
    return _xlsx(platform, org, platform.grading.report(org, as_of))


PURPOSE = Query(description="the purpose your consent names, e.g. pre_loan")


@router.get("/orgs/{uscc}/grade")
def org_grade(
    uscc: str, platform: PlatformDep, principal: PrincipalDep, purpose: str = PURPOSE,
    as_of: date | None = AS_OF,
) -> dict[str, Any]:  # fmt: skip
    """Another enterprise's grade under an authorised consent of scope digital_grade
    (audited)."""
    return dict(_call(platform.grading.read, principal, uscc, purpose, as_of))


@router.get("/orgs/{uscc}/grade/report.xlsx", response_class=Response)
def org_report(
    uscc: str, platform: PlatformDep, principal: PrincipalDep, purpose: str = PURPOSE,
    as_of: date | None = AS_OF,
) -> Response:  # fmt: skip
    """Another enterprise's grade report under consent, as Excel."""
    return _xlsx(platform, uscc, _call(platform.grading.read, principal, uscc, purpose, as_of))


@router.get("/park/grades")
def park_grades(
    platform: PlatformDep,
    principal: PrincipalDep,
    as_of: date | None = AS_OF,
    park: str | None = Query(None, description="platform operators: the park's USCC"),
) -> dict[str, Any]:
    """The level distribution of a park's firms (overall and per dimension) and mean scores:
    aggregates only, no firm named. A park sees its own; the platform operator any."""
    if principal.org_kind is OrgKind.PARK:
        which = principal.org
    elif principal.org_kind is OrgKind.PLATFORM and park:
        which = park
    else:
        raise HTTPException(403, "the park distribution is for parks (and operators, with park=)")
    return platform.grading.park_view(which, as_of)
