"""Response shapes of the API, for the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel


class FieldError(BaseModel):
    field: str
    code: str
    reason: str


class RejectedRecord(BaseModel):
    index: int
    id: str | None = None
    errors: list[FieldError]


class IngestAnswer(BaseModel):
    batch_id: int
    kind: str
    records: int
    accepted: int
    duplicates: int
    rejected: int
    rejections: list[RejectedRecord]
    rejections_truncated: bool


class LocatedError(BaseModel):
    row: int
    column: str
    header: str
    field: str
    code: str
    reason: str


class UploadAnswer(IngestAnswer):
    filename: str
    problems: list[LocatedError]


class MasterAnswer(BaseModel):
    kind: str
    records: int
    upserted: int
    rejected: int
    rejections: list[RejectedRecord]


class Problem(BaseModel):
    detail: str
