"""Read the contract's declarations back as plain data.

`FieldSpec` is what the store needs to build columns and checks, what the Arrow schema needs, and
what the spreadsheet templates need; it is derived from the Pydantic models, never written twice.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache

import annotated_types as at
import pyarrow as pa
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from chanrong.model.base import TIMESTAMP_PATTERN, _uscc


@dataclass(frozen=True)
class FieldSpec:
    name: str
    base: str  # string, integer, number, decimal, boolean, timestamp, date, enum
    required: bool
    default: object
    choices: tuple[str, ...] = ()
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    ref: str | None = None
    uscc: bool = False
    nullable: bool = False  # null is a valid value (the annotation admits None)
    description: str | None = None

    @property
    def sql_type(self) -> str:
        return {
            "string": "VARCHAR", "enum": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE",
            "decimal": "DECIMAL(18,2)", "boolean": "BOOLEAN", "timestamp": "TIMESTAMPTZ",
            "date": "DATE",
        }[self.base]  # fmt: skip

    @property
    def arrow_type(self) -> pa.DataType:
        return {
            "string": pa.string(), "enum": pa.string(), "integer": pa.int64(),
            "number": pa.float64(), "decimal": pa.decimal128(18, 2), "boolean": pa.bool_(),
            "timestamp": pa.timestamp("us", tz="UTC"), "date": pa.date32(),
        }[self.base]  # fmt: skip


def _unwrap_optional(annotation: object) -> object:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _base_of(tp: object) -> tuple[str, tuple[str, ...]]:
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "enum", tuple(str(m.value) for m in tp)
    if tp is bool:
        return "boolean", ()
    if tp is int:
        return "integer", ()
    if tp is float:
        return "number", ()
    if tp is Decimal:
        return "decimal", ()
    if tp is datetime:
        return "timestamp", ()
    if tp is date:
        return "date", ()
    if tp is str:
        return "string", ()
    raise TypeError(f"no column type for {tp!r}")


def _flatten(annotation: object, metadata: list[object]) -> tuple[object, list[object]]:
    """The bare type and all constraint objects, looking inside Optional[Annotated[...]]."""
    tp = _unwrap_optional(annotation)
    found = list(metadata)
    if typing.get_origin(tp) is typing.Annotated:
        tp, *extra = typing.get_args(tp)
        for meta in extra:
            found.extend(meta.metadata if isinstance(meta, FieldInfo) else [meta])
            if isinstance(meta, FieldInfo):
                found.append(meta)
    return tp, found


def _field_spec(name: str, info: FieldInfo) -> FieldSpec:
    tp, metadata = _flatten(info.annotation, info.metadata)
    base, choices = _base_of(tp)
    limits: dict[str, typing.Any] = {}
    for meta in metadata:
        for attr in ("ge", "gt", "le", "min_length", "max_length", "pattern"):
            value = None if isinstance(meta, FieldInfo) else getattr(meta, attr, None)
            if value is not None:
                limits[attr] = value
        if isinstance(meta, at.Ge):
            limits["ge"] = meta.ge
        elif isinstance(meta, at.Gt):
            limits["gt"] = meta.gt
        elif isinstance(meta, at.Le):
            limits["le"] = meta.le
        elif isinstance(meta, at.MinLen):
            limits["min_length"] = meta.min_length
        elif isinstance(meta, at.MaxLen):
            limits["max_length"] = meta.max_length
        elif getattr(meta, "func", None) is _uscc:
            limits["uscc"] = True
    if base == "timestamp":
        limits["pattern"] = TIMESTAMP_PATTERN
    ref = None
    for meta in [info, *metadata]:
        extra = getattr(meta, "json_schema_extra", None)
        if isinstance(extra, dict) and extra.get("x-ref"):
            ref = extra["x-ref"]
    return FieldSpec(
        name=name,
        base=base,
        nullable=_unwrap_optional(info.annotation) is not info.annotation,
        required=info.is_required(),
        default=None if info.is_required() else _plain(info.default),
        choices=choices,
        ref=str(ref) if ref else None,
        description=info.description,
        **limits,
    )


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


@cache
def fields_of(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    return tuple(_field_spec(n, i) for n, i in model.model_fields.items())


@cache
def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    return pa.schema(
        [pa.field(f.name, f.arrow_type, nullable=not f.required) for f in fields_of(model)]
    )
