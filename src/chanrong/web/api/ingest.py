"""POST /api/v1/ingest/{kind}: every event kind, as JSON, NDJSON, Arrow IPC or Parquet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from chanrong.access.signatures import KEY_HEADER, SIGNATURE_HEADER, SignatureError
from chanrong.ingest.decode import (
    ARROW_TYPES,
    JSON_TYPES,
    NDJSON_TYPES,
    PARQUET_TYPES,
    UnsupportedMediaType,
    decode_body,
)
from chanrong.ingest.service import IngestDenied, MasterResult, sha256_hex
from chanrong.model import EVENT_MODELS, MASTER_MODELS
from chanrong.store.events import BadPayload, IngestResult
from chanrong.supply.feedback import FEEDBACK_CHECKS
from chanrong.web.api.schemas import Problem
from chanrong.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["ingest"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "the body cannot be read as a whole"},
    401: {"model": Problem, "description": "no or bad credentials"},
    403: {"model": Problem, "description": "your organisation may not submit"},
    413: {"model": Problem, "description": "body larger than the limit"},
    415: {"model": Problem, "description": "unsupported Content-Type"},
}


async def read_body(request: Request) -> bytes:
    """The body, refusing to buffer more than the configured limit."""
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    too_big = f"body exceeds the {limit // (1 << 20)} MiB limit; split it into smaller batches"
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, too_big)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, too_big)
        chunks.append(chunk)
    return b"".join(chunks)


def _signed_by(request: Request, platform: Any, principal: Any, body: bytes) -> str | None:
    """The device key that signed this body, when the request says it is signed."""
    key_id = request.headers.get(KEY_HEADER)
    signature = request.headers.get(SIGNATURE_HEADER)
    if not key_id and not signature:
        return None
    if not key_id or not signature:
        raise SignatureError(f"a signed batch needs both {KEY_HEADER} and {SIGNATURE_HEADER}")
    checked: str = platform.access.check_signature(principal, key_id, signature, body)
    return checked


def _request_body_doc(model_name: str) -> dict[str, Any]:
    many = {"type": "array", "items": {"$ref": f"#/components/schemas/{model_name}"}}
    binary = {"type": "string", "format": "binary"}
    content: dict[str, dict[str, Any]] = {t: {"schema": many} for t in JSON_TYPES}
    content.update(
        {t: {"schema": {"$ref": f"#/components/schemas/{model_name}"}} for t in NDJSON_TYPES[:1]}
    )
    content.update({t: {"schema": binary} for t in ARROW_TYPES + PARQUET_TYPES[:1]})
    return {"requestBody": {"required": True, "content": content}}


# What an ingest door's failures answer over HTTP.
FAILURES: tuple[tuple[type[Exception], int], ...] = (
    (SignatureError, 400), (UnsupportedMediaType, 415), (BadPayload, 400), (IngestDenied, 403),
)  # fmt: skip


async def _answer(run: Callable[[], Awaitable[IngestResult]]) -> dict[str, Any]:
    try:
        result = await run()
    except tuple(e for e, _ in FAILURES) as exc:
        raise HTTPException(next(c for e, c in FAILURES if isinstance(exc, e)), str(exc)) from exc
    return result.model_dump()


def _add_event_route(model_name: str, kind: str, doc: str) -> None:
    async def ingest(
        request: Request, platform: PlatformDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        body = await read_body(request)

        async def run() -> IngestResult:
            signed_by = _signed_by(request, platform, principal, body)
            batch = decode_body(body, request.headers.get("content-type", ""))
            result: IngestResult = await run_in_threadpool(
                platform.ingest.submit, kind, batch, principal, content_sha256=sha256_hex(body),
                signed_by=signed_by,
            )  # fmt: skip
            return result

        return await _answer(run)

    router.add_api_route(
        f"/ingest/{kind}",
        ingest,
        methods=["POST"],
        response_model=IngestResult,
        responses=ERRORS,
        summary=f"Submit {kind} records",
        description=(
            f"{doc}\n\nBody: a JSON array (or one object), NDJSON (one object per line), an Arrow "
            "IPC stream or a Parquet file with the record's fields as columns. Every record is "
            "checked; good ones are stored once per (submitter, source, id), rejected ones are "
            "listed with index, field and reason and kept in the quarantine."
        ),
        openapi_extra=_request_body_doc(model_name),
        name=f"ingest_{kind}",
    )


for _model in EVENT_MODELS:
    _add_event_route(_model.__name__, _model.kind, (_model.__doc__ or _model.kind).strip())


def _add_feedback_route(model_name: str, kind: str) -> None:
    async def feedback(
        request: Request, platform: PlatformDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        body = await read_body(request)

        async def run() -> IngestResult:
            batch = decode_body(body, request.headers.get("content-type", ""))
            result: IngestResult = await run_in_threadpool(
                platform.ingest.feedback, kind, batch, principal
            )
            return result

        return await _answer(run)

    router.add_api_route(
        f"/feedback/{kind}", feedback, methods=["POST"], response_model=IngestResult,
        responses=ERRORS, summary=f"Feed back {kind} records on your suppliers' deliveries",
        description=(
            "For core enterprises: your goods receipts (shipment records with status "
            "receipt_confirmed, consignee yourself) or your incoming inspections (quality_inspection "
            "records with stage customer, lot = the shipment number) of a supplier's delivery, "
            "with org = the supplier. Stored as the supplier's records attested by a third party "
            "(他证), through the same checks, quarantine and idempotency as /ingest; a record "
            "about a shipment not made to you is rejected naming the shipment."
        ),
        openapi_extra=_request_body_doc(model_name), name=f"feedback_{kind}",
    )  # fmt: skip


for _model in EVENT_MODELS:
    if _model.kind in FEEDBACK_CHECKS:
        _add_feedback_route(_model.__name__, _model.kind)


def _add_master_route(model_name: str, kind: str) -> None:
    async def upsert(
        request: Request, platform: PlatformDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        body = await read_body(request)
        try:
            records = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise HTTPException(400, f"body is not valid JSON: {exc}") from exc
        records = records if isinstance(records, list) else [records]
        try:
            result = await run_in_threadpool(
                platform.ingest.submit_master, kind, records, principal
            )
        except IngestDenied as exc:
            raise HTTPException(403, str(exc)) from exc
        return result.model_dump()

    router.add_api_route(
        f"/master/{kind}",
        upsert,
        methods=["POST"],
        response_model=MasterResult,
        responses=ERRORS,
        summary=f"Register or update {kind} master records",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "items": {"$ref": f"#/components/schemas/{model_name}"},
                        }
                    }
                },
            }
        },
        name=f"master_{kind}",
    )


for _master in MASTER_MODELS:
    _add_master_route(_master.__name__, _master.kind)
