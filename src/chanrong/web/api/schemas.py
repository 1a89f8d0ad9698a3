"""Response shapes of the API that are not results of a service, for the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel

from chanrong.store.events import IngestResult


class LocatedError(BaseModel):
    row: int
    column: str
    header: str
    field: str
    code: str
    reason: str


class UploadAnswer(IngestResult):
    """An ingest result with each problem placed at its spreadsheet row and column."""

    filename: str
    problems: list[LocatedError]


class Problem(BaseModel):
    detail: str
