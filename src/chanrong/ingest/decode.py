"""Turn a request body into a raw batch, by its media type."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq

from chanrong.ingest.files import parse_upload
from chanrong.store.events import BadPayload, JsonBatch, TableBatch

JSON_TYPES = ("application/json",)
NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/ndjson")
ARROW_TYPES = ("application/vnd.apache.arrow.stream",)
PARQUET_TYPES = ("application/vnd.apache.parquet", "application/x-parquet")
ACCEPTED_TYPES = JSON_TYPES + NDJSON_TYPES + ARROW_TYPES + PARQUET_TYPES


class UnsupportedMediaType(ValueError):
    pass


def decode_body(body: bytes, content_type: str) -> JsonBatch | TableBatch:
    media = content_type.split(";")[0].strip().lower()
    if media in JSON_TYPES or media in NDJSON_TYPES:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadPayload(f"body is not UTF-8 text (byte {exc.start})") from exc
        if not text.strip():
            raise BadPayload("body is empty")
        return JsonBatch(text, ndjson=media in NDJSON_TYPES)
    if media in ARROW_TYPES:
        try:
            return TableBatch(pa.ipc.open_stream(io.BytesIO(body)).read_all())
        except (pa.ArrowInvalid, OSError) as exc:
            raise BadPayload(f"body is not an Arrow IPC stream: {exc}") from exc
    if media in PARQUET_TYPES:
        try:
            return TableBatch(pq.read_table(io.BytesIO(body)))
        except (pa.ArrowInvalid, OSError) as exc:
            raise BadPayload(f"body is not a Parquet file: {exc}") from exc
    raise UnsupportedMediaType(
        f"unsupported Content-Type {media or '(none)'}; use one of {', '.join(ACCEPTED_TYPES)}"
    )


def sniff_media(body: bytes) -> str:
    """The media type of a body that came without one (an MQTT payload), from its first bytes."""
    if body.startswith(b"\xff\xff\xff\xff"):
        return ARROW_TYPES[0]
    if body.startswith(b"PAR1"):
        return PARQUET_TYPES[0]
    text = body.lstrip()
    if text.startswith(b"{") and b"\n{" in text.rstrip():
        return NDJSON_TYPES[0]
    return JSON_TYPES[0]


def read_file(path: str, kind: str) -> tuple[str, JsonBatch | TableBatch]:
    """(media type, batch) for a file on disk, chosen by its extension."""
    lower = path.lower()
    with open(path, "rb") as fh:
        data = fh.read()
    if lower.endswith((".csv", ".xlsx")):
        return "text/csv" if lower.endswith(".csv") else "xlsx", parse_upload(
            data, path, kind
        ).batch
    media = {
        ".json": JSON_TYPES[0], ".ndjson": NDJSON_TYPES[0], ".jsonl": NDJSON_TYPES[0],
        ".arrow": ARROW_TYPES[0], ".arrows": ARROW_TYPES[0], ".parquet": PARQUET_TYPES[0],
    }.get("." + lower.rsplit(".", 1)[-1])  # fmt: skip
    if media is None:
        raise UnsupportedMediaType(
            f"{path}: unknown file type; use .json .ndjson .arrow .parquet .csv .xlsx"
        )
    return media, decode_body(data, media)
