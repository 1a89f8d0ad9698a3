"""Building blocks shared by every record of the data contract.

The constraints declared here (types, bounds, patterns, references (json_schema_extra x-ref), pair rules) are the single
source of the contract: Pydantic enforces them on Python objects and publishes them as JSON
Schema, and `chanrong.model.spec` reads the same declarations to derive the Arrow schema, the
DuckDB columns and the vectorised checks of the ingest pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, Strict

from chanrong.model.identifiers import USCC_PATTERN, uscc_problem

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# Beijing time has kept UTC+8 without daylight saving since 1991: a day starts at 16:00 UTC of
# the day before, so the Beijing day of an instant is plain arithmetic on its epoch.
BEIJING_OFFSET_US = 8 * 3600 * 1_000_000
DAY_US = 86_400 * 1_000_000


def beijing_day(column: str, dialect: str = "duckdb") -> str:
    """SQL: the Beijing day of a TIMESTAMPTZ column. DuckDB: the epoch moved by UTC+8, as a
    plain timestamp cast to a date, eight times cheaper than a cast through the session's time
    zone; Spark: the cast, in the session time zone it runs in."""
    if dialect == "spark":
        return f"CAST({column} AS DATE)"
    return f"CAST(make_timestamp(epoch_us({column}) + {BEIJING_OFFSET_US}) AS DATE)"


EVENT_DAY = beijing_day("event_time")  # an event's Beijing day, on DuckDB


def local_today(now: datetime) -> date:
    """The day it is in Beijing at `now` (the day users and daily windows count in)."""
    return now.astimezone(LOCAL_TZ).date()


# ISO 8601 date-times as people and gateways send them; a value without an offset is read as
# Asia/Shanghai time, the users' wall clock.
TIMESTAMP_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_TIMESTAMP_RE = re.compile(TIMESTAMP_PATTERN)
_DATE_RE = re.compile(DATE_PATTERN)


class Channel(StrEnum):
    """How a fact reached the platform; the first clue to its credibility."""

    MANUAL = "manual"
    DEVICE = "device"
    SYSTEM = "system"
    THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class PairRule:
    """Field `second` must be one of `allowed[value of first]`."""

    first: str
    second: str
    allowed: dict[str, tuple[str, ...]]


def _timestamp_text(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _TIMESTAMP_RE.match(value):
        raise ValueError("not an ISO 8601 date-time such as 2026-01-05T08:00:00+08:00")
    return value


def _date_text(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise ValueError("not a date such as 2026-01-05")
    return value


def _localise(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


def _uscc(value: str) -> str:
    problem = uscc_problem(value)
    if problem:
        raise ValueError(f"invalid 统一社会信用代码: {problem}")
    return value


Timestamp = Annotated[datetime, BeforeValidator(_timestamp_text), AfterValidator(_localise)]
Day = Annotated[date, BeforeValidator(_date_text)]
Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]
Code = Annotated[str, Strict(), Field(min_length=1, max_length=64)]
Text = Annotated[str, Strict(), Field(max_length=500)]
Uscc = Annotated[
    str, Strict(), Field(pattern=USCC_PATTERN, description="统一社会信用代码 (GB 32100-2015)"),
    AfterValidator(_uscc),
]  # fmt: skip
Number = Annotated[float, Strict()]
NonNegative = Annotated[float, Strict(), Field(ge=0)]
Positive = Annotated[float, Strict(), Field(gt=0)]
# Counts are stored as BIGINT: a value beyond it is refused, not wrapped or truncated.
Count = Annotated[int, Strict(), Field(ge=0, le=2**63 - 1)]
Flag = Annotated[bool, Strict()]


class Record(BaseModel):
    """Any record of the contract: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)
    pair_rules: ClassVar[tuple[PairRule, ...]] = ()
    # (earlier, later): field `later` may not be before field `earlier` (a period's two ends)
    order_rules: ClassVar[tuple[tuple[str, str], ...]] = ()


class Event(Record):
    """An immutable fact. Identity: (submitting organisation, source, id); a correction is a new event."""

    id: Code = Field(description="unique within the source")
    source: Code = Field(default="default", description="the sending system, e.g. erp, gw-01")
    org: Uscc = Field(description="the enterprise this fact is about")
    event_time: Timestamp = Field(description="when it happened (not when it was sent)")
    channel: Channel = Channel.SYSTEM

    kind: ClassVar[str]
    table: ClassVar[str]
    # Time series (device readings, meter readings) are identified at their event time, as in
    # QuestDB and TimescaleDB dedup keys, so duplicate detection only looks at that moment.
    time_series: ClassVar[bool] = False

    @classmethod
    def identity(cls) -> tuple[str, ...]:
        """The columns that make a record the same record: sent again, it is stored once."""
        key = ("submitter", "source", "id")
        return (*key, "event_time") if cls.time_series else key
