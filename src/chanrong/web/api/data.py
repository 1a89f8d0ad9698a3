"""Reading back what was ingested: streams, batches, quarantine, master data; the contract."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from chanrong.access.rules import Principal
from chanrong.documents import XLSX
from chanrong.i18n import t
from chanrong.ingest.files import csv_template, parse_upload, xlsx_template
from chanrong.ingest.service import IngestDenied, sha256_hex
from chanrong.model import EVENT_KINDS, MASTER_KINDS, Channel
from chanrong.platform import Platform
from chanrong.store.events import BadPayload
from chanrong.web.api.schemas import UploadAnswer
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["data"])


def _own_or_all(principal: Principal) -> str | None:
    """Whose ingest records the caller sees: its own, or everyone's for the platform operator."""
    return None if principal.can("operations") else principal.org


@router.get("/kinds")
def kinds() -> list[dict[str, str]]:
    """Every record kind of the data contract, with its labels and schema."""
    out = [
        {"kind": k, "type": "event", "name_zh": t(f"kind.{k}", "zh"), "name_en": t(f"kind.{k}", "en"),
         "schema": f"/api/v1/schema/{k}", "ingest": f"/api/v1/ingest/{k}"}
        for k in EVENT_KINDS
    ]  # fmt: skip
    out += [
        {"kind": k, "type": "master", "name_zh": t(f"kind.{k}", "zh"), "name_en": t(f"kind.{k}", "en"),
         "schema": f"/api/v1/schema/{k}", "ingest": f"/api/v1/master/{k}"}
        for k in MASTER_KINDS
    ]  # fmt: skip
    return out


@router.get("/schema/{kind}")
def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one record kind."""
    model = EVENT_KINDS.get(kind) or MASTER_KINDS.get(kind)
    if model is None:
        raise HTTPException(404, f"unknown kind {kind}")
    return model.model_json_schema()


@router.get("/templates/{kind}.xlsx", response_class=Response)
def template_xlsx(kind: str) -> Response:
    if kind not in EVENT_KINDS:
        raise HTTPException(404, f"unknown kind {kind}")
    return Response(xlsx_template(kind), media_type=XLSX, headers=_attachment(f"{kind}.xlsx"))


@router.get("/templates/{kind}.csv", response_class=Response)
def template_csv(kind: str) -> Response:
    if kind not in EVENT_KINDS:
        raise HTTPException(404, f"unknown kind {kind}")
    return Response(
        csv_template(kind), media_type="text/csv; charset=utf-8", headers=_attachment(f"{kind}.csv")
    )


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def upload_file(
    platform: Platform, principal: Principal, kind: str, data: bytes, filename: str
) -> dict[str, Any]:
    """Check and store a spreadsheet; answer with each problem's row and column."""
    if kind not in EVENT_KINDS:
        raise BadPayload(f"unknown kind {kind}")
    upload = parse_upload(data, filename, kind)
    result = platform.ingest.submit(
        kind, upload.batch, principal, channel=Channel.MANUAL, filename=filename,
        content_sha256=sha256_hex(data),
    )  # fmt: skip
    answer = result.model_dump()
    problems = []
    for rej in result.rejections:
        for err in rej.errors:
            row, column, head = upload.locate(rej.index, err.field)
            problems.append({"row": row, "column": column, "header": head, **err.model_dump()})
    answer.update(filename=filename, problems=problems)
    return answer


@router.post("/upload/{kind}", response_model=UploadAnswer)
async def upload(
    kind: str,
    platform: PlatformDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="the filled-in .xlsx or .csv template")],
) -> dict[str, Any]:
    """Upload a filled-in Excel (.xlsx) or CSV template of one kind."""
    data = await file.read()
    try:
        return await run_in_threadpool(
            upload_file, platform, principal, kind, data, file.filename or "upload"
        )
    except BadPayload as exc:
        raise HTTPException(400, str(exc)) from exc
    except IngestDenied as exc:
        raise HTTPException(403, str(exc)) from exc


@router.post("/upload", response_model=UploadAnswer, include_in_schema=False)
async def upload_form(
    platform: PlatformDep,
    principal: PrincipalDep,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
) -> dict[str, Any]:
    return await upload(kind, platform, principal, file)


@router.get("/batches")
def batches(
    platform: PlatformDep, principal: PrincipalDep, limit: int = Query(50, le=1000)
) -> list[dict[str, Any]]:
    """Recent ingest batches submitted by your organisation (all, for the platform operator)."""
    return platform.events.recent_batches(_own_or_all(principal), limit=limit)


@router.get("/streams")
def streams(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Your enterprise's data streams: records, channels and freshness per kind."""
    return platform.events.streams(principal.org)


@router.get("/quarantine")
def quarantine(
    platform: PlatformDep,
    principal: PrincipalDep,
    include_resolved: bool = False,
    limit: int = Query(200, le=10_000),
) -> list[dict[str, Any]]:
    """Rejected records with their raw payload and reasons."""
    return platform.events.quarantine(
        _own_or_all(principal), viewer=principal.org, include_resolved=include_resolved, limit=limit
    )


QUARANTINE_COLUMNS = ("kind", "submitter", "org", "record_source", "record_id", "record_index", "batch_id",
                      "first_seen", "last_seen", "times_seen", "resolved_at", "errors", "raw")  # fmt: skip


@router.get("/quarantine.csv", response_class=Response)
def quarantine_csv(
    platform: PlatformDep, principal: PrincipalDep, include_resolved: bool = False
) -> Response:
    """The quarantine as CSV (UTF-8 with BOM, opens in Excel)."""
    rows = platform.events.quarantine(
        _own_or_all(principal),
        viewer=principal.org,
        include_resolved=include_resolved,
        limit=1_000_000,
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(QUARANTINE_COLUMNS)
    for r in rows:
        r["errors"] = "; ".join(f"{e['field']}: {e['reason']}" for e in r["errors"])
        writer.writerow([r[c] for c in QUARANTINE_COLUMNS])
    return Response(("\ufeff" + out.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers=_attachment("quarantine.csv"))  # fmt: skip


@router.get("/master/{kind}")
def master_list(kind: str, platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Your master records of one kind (all, for the platform operator)."""
    if kind not in MASTER_KINDS:
        raise HTTPException(404, f"unknown kind {kind}")
    if kind == "organisation" and not principal.can("operations"):
        org = platform.master.organisation(principal.org)
        return [orjson.loads(org.model_dump_json())] if org else []
    return platform.master.list(kind, _own_or_all(principal))
