"""Master data: organisations and the things events refer to.

Master records are keyed by (org, code) and may be updated; the latest version wins. Each code is
also reachable as an identifier (标识) "org/kind/code" so records link across companies.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, Strict

from chanrong.model.base import Code, Flag, Money, Positive, Record, Text, Uscc
from chanrong.model.identifiers import gtin_problem, normalise_industry_code
from chanrong.model.units import Unit


class OrgKind(StrEnum):
    SME = "sme"
    BANK = "bank"
    CORE_ENTERPRISE = "core_enterprise"
    PARK = "park"
    PLATFORM = "platform"


IndustryCode = Annotated[
    str, Strict(), Field(max_length=5, description="GB/T 4754-2017, e.g. C3311"),
    AfterValidator(normalise_industry_code),
]  # fmt: skip
RegionCode = Annotated[
    str, Strict(), Field(pattern=r"^\d{6}$", description="GB/T 2260 administrative division")
]


def _gtin(value: str) -> str:
    problem = gtin_problem(value)
    if problem:
        raise ValueError(f"invalid GTIN: {problem}")
    return value


Gtin = Annotated[str, Strict(), Field(pattern=r"^\d{8}(\d{4,6})?$"), AfterValidator(_gtin)]


class Master(Record):
    kind: ClassVar[str]
    table: ClassVar[str]


class Organisation(Master):
    kind = "organisation"
    table = "organisations"
    uscc: Uscc
    name: Annotated[str, Strict(), Field(min_length=1, max_length=200)]
    org_kind: OrgKind
    industry_code: IndustryCode | None = None
    region_code: RegionCode | None = None
    park: Uscc | None = Field(None, description="USCC of the park the enterprise belongs to")
    registered_capital: Money | None = Field(None, ge=0, description="元")
    established: Annotated[str, Strict(), Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None


class DeviceType(StrEnum):
    MACHINE = "machine"
    ENERGY_METER = "energy_meter"
    QUALITY_STATION = "quality_station"
    GATE = "gate"
    TANK = "tank"
    GATEWAY = "gateway"


class Device(Master):
    kind = "device"
    table = "devices"
    org: Uscc
    code: Code
    name: Text
    device_type: DeviceType
    rated_capacity: Positive | None = Field(None, description="output per hour at rated speed")
    capacity_unit: Unit | None = None
    rated_power_kw: Positive | None = None
    is_core: Flag = Field(False, description="core or bottleneck equipment")
    line: Code | None = None


class ItemType(StrEnum):
    PRODUCT = "product"
    MATERIAL = "material"


class Item(Master):
    kind = "item"
    table = "items"
    org: Uscc
    code: Code
    name: Text
    item_type: ItemType
    unit: Unit
    item_class: Code | None = Field(None, description="price-index class, e.g. steel_hrc")
    identifier: Code | None = Field(None, description="industrial-internet handle 标识")
    gtin: Gtin | None = Field(None, description="GS1 GTIN of a product (8, 12, 13 or 14 digits)")


class Warehouse(Master):
    kind = "warehouse"
    table = "warehouses"
    org: Uscc
    code: Code
    name: Text
    address: Text | None = None
    third_party: Flag = Field(False, description="run by a logistics or warehousing company")


class Lot(Master):
    kind = "lot"
    table = "lots"
    org: Uscc
    code: Code
    item: Code = Field(json_schema_extra={"x-ref": "item"})
    produced_on: Annotated[str, Strict(), Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None


MASTER_MODELS: tuple[type[Master], ...] = (Organisation, Device, Item, Warehouse, Lot)
MASTER_KINDS: dict[str, type[Master]] = {m.kind: m for m in MASTER_MODELS}
