"""A small demo park: organisations, people, devices and a few days of their data.

Deterministic for a given clock and seed, so the demo and the tests see the same world.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chanrong.access.rules import Principal, Role
from chanrong.model.identifiers import complete_uscc
from chanrong.model.master import (
    Device,
    DeviceType,
    Item,
    ItemType,
    Organisation,
    OrgKind,
    Warehouse,
)
from chanrong.model.units import Unit
from chanrong.platform import Platform
from chanrong.store.events import JsonBatch, TableBatch

PLATFORM = complete_uscc("91330206MA2H00001")
PARK = complete_uscc("12330206MB0P00002")
BANK = complete_uscc("91330200MA2B00003")
BUYER = complete_uscc("91330206MA2C00004")
MOULDS = complete_uscc("91330206MA2K00005")
SHEET = complete_uscc("91440605MA2K00006")
PACKAGING = complete_uscc("91341100MA2K00007")

ORGS = (
    Organisation(uscc=PLATFORM, name="产融平台运营中心", org_kind=OrgKind.PLATFORM, region_code="330206"),
    Organisation(uscc=PARK, name="大碶压铸汽配产业园", org_kind=OrgKind.PARK, region_code="330206"),
    Organisation(uscc=BANK, name="宁波北仑农村商业银行", org_kind=OrgKind.BANK, region_code="330206"),
    Organisation(uscc=BUYER, name="宁波星驰汽车零部件有限公司", org_kind=OrgKind.CORE_ENTERPRISE,
                 industry_code="C3670", region_code="330206"),
    Organisation(uscc=MOULDS, name="宁波青溪模具有限公司", org_kind=OrgKind.SME, industry_code="C3525",
                 region_code="330206", park=PARK, registered_capital="5000000", established="2012-03-18"),
    Organisation(uscc=SHEET, name="佛山创星钣金科技有限公司", org_kind=OrgKind.SME, industry_code="C3311",
                 region_code="440605", park=PARK, registered_capital="20000000", established="2009-07-01"),
    Organisation(uscc=PACKAGING, name="安徽宏阳包装材料有限公司", org_kind=OrgKind.SME,
                 industry_code="C2231", region_code="341100", park=PARK,
                 registered_capital="8000000", established="2015-11-02"),
)  # fmt: skip


@dataclass(frozen=True)
class DemoUser:
    org: str
    username: str
    password: str
    display_name: str
    role: Role = Role.ADMIN


USERS = (
    DemoUser(PLATFORM, "ops", "ops-demo-2026", "平台运营 王敏"),
    DemoUser(MOULDS, "qingxi", "sme-demo-2026", "青溪模具 陈厂长"),
    DemoUser(SHEET, "chuangxing", "sme-demo-2026", "创星钣金 李经理"),
    DemoUser(PACKAGING, "hongyang", "sme-demo-2026", "宏阳包装 赵会计"),
    DemoUser(BANK, "bank", "bank-demo-2026", "农商行 风控 周敏"),
    DemoUser(BUYER, "buyer", "buyer-demo-2026", "星驰汽配 采购 孙伟"),
    DemoUser(PARK, "park", "park-demo-2026", "园区管委会 刘主任"),
)

# (firm, device code, name, rated output per hour, rated kW, core)
MACHINES = (
    (MOULDS, "CNC-01", "五轴加工中心 1号", 6.0, 22.0, True),
    (MOULDS, "CNC-02", "五轴加工中心 2号", 6.0, 22.0, False),
    (MOULDS, "EDM-01", "电火花成型机", 3.0, 15.0, False),
    (SHEET, "LASER-01", "光纤激光切割机", 120.0, 30.0, True),
    (SHEET, "BEND-01", "数控折弯机", 200.0, 11.0, False),
    (PACKAGING, "PRINT-01", "柔印机", 4000.0, 45.0, True),
)


def master_records() -> list:
    records: list = []
    for firm, code, name, cap, kw, core in MACHINES:
        records.append(
            Device(org=firm, code=code, name=name, device_type=DeviceType.MACHINE, rated_capacity=cap,
                   capacity_unit=Unit.PCS, rated_power_kw=kw, is_core=core, line="L1")
        )  # fmt: skip
    for firm in (MOULDS, SHEET, PACKAGING):
        records.append(
            Device(org=firm, code="EM-MAIN", name="总电表", device_type=DeviceType.ENERGY_METER)
        )
        records.append(Warehouse(org=firm, code="WH-FG", name="成品仓"))
        records.append(
            Item(org=firm, code="P-001", name="主营产品", item_type=ItemType.PRODUCT, unit=Unit.PCS)
        )
    return records


def telemetry(now: datetime, days: int = 3, seed: int = 7) -> pa.Table:
    """1-minute device snapshots following two shifts (08-20 running, idle at night)."""
    rng = np.random.default_rng(seed)
    minutes = days * 24 * 60
    end = np.datetime64(now.replace(second=0, microsecond=0, tzinfo=None), "m")
    times = end - np.arange(minutes)[::-1].astype("timedelta64[m]")
    hour_local = ((times.astype("datetime64[h]").astype(np.int64) + 8) % 24).astype(np.int64)
    parts = []
    for firm, code, _, cap, kw, _ in MACHINES:
        running = (hour_local >= 8) & (hour_local < 20) & (rng.random(minutes) > 0.05)
        per_minute = np.where(running, rng.poisson(cap / 60.0 * 10, minutes) / 10.0, 0.0)
        power = np.where(running, kw * rng.uniform(0.6, 0.95, minutes), kw * 0.05)
        parts.append(
            pa.table({
                "id": pa.array([f"{code}-{i}" for i in range(minutes)]),
                "source": pa.array(["gw-01"] * minutes),
                "org": pa.array([firm] * minutes),
                "event_time": pa.array(times.astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
                "device": pa.array([code] * minutes),
                "run_state": pa.array(np.where(running, "running", "idle")),
                "counter": pa.array(np.floor(np.cumsum(per_minute)).astype(np.int64)),
                "power_kw": pa.array(np.round(power, 2)),
                "energy_kwh": pa.array(np.round(np.cumsum(power) / 60.0, 3)),
            })
        )  # fmt: skip
    return pa.concat_tables(parts)


def _manual_reports(now: datetime) -> str:
    """A day of hand-typed production reports for the moulds firm, two of them wrong."""
    day = (now - timedelta(days=1)).strftime("%Y-%m-%d")
    rows = [
        f'{{"id":"PR-{day}-1","source":"excel","org":"{MOULDS}","event_time":"{day} 20:00",'
        f'"work_order_no":"WO-2601","item":"P-001","good_qty":52,"scrap_qty":1,"unit":"pcs"}}',
        f'{{"id":"PR-{day}-2","source":"excel","org":"{MOULDS}","event_time":"{day} 20:00",'
        f'"work_order_no":"WO-2602","item":"P-001","good_qty":-3,"unit":"pcs"}}',
        f'{{"id":"PR-{day}-3","source":"excel","org":"{MOULDS}","event_time":"{day} 20:00",'
        f'"work_order_no":"WO-2603","item":"P-999","good_qty":10,"unit":"pieces"}}',
    ]
    return "[" + ",".join(rows) + "]"


def seed(platform: Platform) -> dict[str, int]:
    """Create the demo world if it is not there yet; return what was added."""
    if platform.master.organisation(PLATFORM) is not None:
        return {}
    now = platform.clock.now()
    platform.master.upsert(list(ORGS), now)
    for u in USERS:
        platform.access.add_user(
            u.org, u.username, u.password, display_name=u.display_name, role=u.role
        )
    platform.master.upsert(master_records(), now)
    table = telemetry(now)
    added = 0
    for firm in (MOULDS, SHEET, PACKAGING):
        gateway = Principal(org=firm, org_kind=OrgKind.SME, role=Role.MEMBER, api_key_id="demo-gw")
        rows = table.filter(pc.equal(table["org"], firm))
        added += platform.ingest.submit("telemetry", TableBatch(rows), gateway).accepted
    moulds = Principal(org=MOULDS, org_kind=OrgKind.SME, role=Role.ADMIN)
    manual = platform.ingest.submit("production_report", JsonBatch(_manual_reports(now)), moulds)
    return {"organisations": len(ORGS), "users": len(USERS), "telemetry": added,
            "production_report": manual.accepted, "quarantined": manual.rejected}  # fmt: skip
