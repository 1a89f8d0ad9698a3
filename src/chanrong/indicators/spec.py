"""What an indicator is: metadata a risk analyst reads, and one query both engines run.

An indicator's query is written once in the SQL both DuckDB and Spark SQL accept, over the
canonical views of `chanrong.indicators.views`. Placeholders are filled per window:
`{start}` and `{end}` (the window's first and last Beijing day, as DATE literals), `{pstart}`
and `{pend}` (the window before it, for changes and elasticities), `{days}` (its length) and
`{ystart}` (365 days before `{end}` + 1, for reference prices). The query returns one row per
enterprise with:

  org           the enterprise
  value         DOUBLE, NULL when the data cannot give one (say why in `reason`)
  label         VARCHAR or NULL: a category to show with the value (a tax rating, say)
  reason        VARCHAR or NULL: why the value is NULL although there were inputs
  covered_days  how many days of the window had input records
  n_inputs      how many input records the value was computed from
  n_third       of which third-party attested (carrier, buyer, tax, court, utility...)
  n_device      of which captured automatically by devices

Two macros are spelled per engine (render.SPELLINGS): `@days(a, b)`, whole days from a to b;
`@covered(d)`, how many distinct days d takes, for days within `{pstart}`..`{end}` (use
count(DISTINCT ...) for days that may lie before).

Dialect rules that keep the two engines equal: divide doubles, never decimals (the views give
money as DOUBLE; Spark rounds decimal quotients to 6 places); write a fractional constant that
divides as CAST(365.25 AS DOUBLE) (Spark reads 365.25 as a DECIMAL); guard every denominator
with NULLIF (Spark raises on division by zero); no DISTINCT in window functions, no QUALIFY.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Dimension(StrEnum):
    # financing (DOMAIN.md, guide table 4-5)
    PRODUCTION_ENERGY = "production_energy"  # 生产/能耗
    MOVABLE_ASSETS = "movable_assets"  # 动产/仓储
    TRANSACTIONS = "transactions"  # 交易结算
    CREDIT_STANDING = "credit_standing"  # 信用资质
    # orders (guide table 5-5)
    QUALIFICATION = "qualification"  # 供应商资质
    SUPPLY_ASSURANCE = "supply_assurance"  # 供应保障
    QUALITY = "quality"  # 质量能力
    TECH_SERVICE = "tech_service"  # 技术服务


DIMENSION_NAMES: dict[Dimension, tuple[str, str]] = {
    Dimension.PRODUCTION_ENERGY: ("生产/能耗", "Production and energy"),
    Dimension.MOVABLE_ASSETS: ("动产/仓储", "Movable assets and warehousing"),
    Dimension.TRANSACTIONS: ("交易结算", "Transactions and settlement"),
    Dimension.CREDIT_STANDING: ("信用资质", "Credit standing"),
    Dimension.QUALIFICATION: ("供应商资质", "Supplier qualification"),
    Dimension.SUPPLY_ASSURANCE: ("供应保障", "Supply assurance"),
    Dimension.QUALITY: ("质量能力", "Quality capability"),
    Dimension.TECH_SERVICE: ("技术服务", "Technology and service"),
}


class Table(StrEnum):
    FINANCING = "financing"  # the bank's table
    ORDER = "order"  # the core enterprise's table


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better
    NEUTRAL = "neutral"  # context decides (a scale, a change)


class Credibility(StrEnum):
    SELF = "self"  # 自证: the enterprise's own entries
    CORROBORATED = "corroborated"  # 互证: two independent internal sources agree
    THIRD_PARTY = "third_party"  # 他证: from or confirmed by an outside party


CREDIBILITY_NAMES = {
    Credibility.SELF: ("自证", "self-attested"),
    Credibility.CORROBORATED: ("互证", "corroborated"),
    Credibility.THIRD_PARTY: ("他证", "third-party attested"),
}

WINDOWS = (30, 90, 365)
WIDEST = max(WINDOWS)
STATE = 0  # the window of a point-in-time indicator (a status as of the day)


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    dimension: Dimension
    unit: str
    direction: Direction
    definition: str  # precise enough to check by hand
    kinds: tuple[str, ...]  # the record kinds it reads: what a consent must open
    sql: str
    windows: tuple[int, ...] = WINDOWS
    tables: tuple[Table, ...] = ()
    corroborated_by: tuple[str, ...] = field(default=())  # checks that lift it to 互证
    # A sum or a count is 0 in a window without records when the enterprise sends that kind of
    # record at all; a rate or a ratio has no value then.
    zero_when_empty: bool = False

    @property
    def in_tables(self) -> tuple[Table, ...]:
        if self.tables:
            return self.tables
        order = {Dimension.QUALIFICATION, Dimension.SUPPLY_ASSURANCE, Dimension.QUALITY,
                 Dimension.TECH_SERVICE}  # fmt: skip
        return (Table.ORDER,) if self.dimension in order else (Table.FINANCING,)


@dataclass(frozen=True)
class Fact:
    """An intermediate result many indicators read (reference prices, daily output value):
    computed once per day and engine run (a materialized CTE, a temporary table for a few firms,
    a cached Spark view), with the placeholders of the widest window (`{pstart}` is then
    2 x 365 days back), so each query takes its window's rows from it instead of computing it
    again."""

    name: str
    sql: str
