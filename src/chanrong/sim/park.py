"""A simulated park: its organisations, their machines and trading partners, and what is planted.

`build_park` is a pure function of (preset, seed, start, days, firms): the same arguments give the
same park, down to every USCC, machine and planted event, so the ground truth is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from chanrong.grading.criteria import Level  # the guide's levels decide how a firm's data reach us
from chanrong.model.base import LOCAL_TZ
from chanrong.model.identifiers import USCC_ALPHABET, complete_uscc, handle, with_check_digit
from chanrong.model.master import (
    Device,
    DeviceType,
    Item,
    ItemType,
    Master,
    Organisation,
    OrgKind,
    Warehouse,
)
from chanrong.sim.calendar import shift_hours
from chanrong.sim.presets import PRESETS, MachineKind, Material, Preset, Product, Trade


class Planted(StrEnum):
    STOPPAGE = "stoppage"
    EQUIPMENT_FAILURE = "equipment_failure"
    LATE_DELIVERY = "late_delivery"
    FICTITIOUS_TRADE = "fictitious_trade"
    CIRCULAR_TRADE = "circular_trade"
    ZOMBIE_FIRM = "zombie_firm"
    SHELL_FIRM = "shell_firm"
    PLEDGE_BREACH = "pledge_breach"
    PRICE_DROP = "price_drop"
    SUPPLIER_INTERRUPTION = "supplier_interruption"
    LOAN_DEFAULT = "loan_default"


@dataclass(frozen=True)
class TruthEvent:
    """One planted event of the ground truth: what, which firm, when, and the particulars."""

    kind: Planted
    firm: str
    start: datetime
    end: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "firm": self.firm,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            **self.detail,
        }


@dataclass
class Machine:
    code: str
    kind: MachineKind
    rate_per_hour: float
    kw: float
    is_core: bool
    product: Product
    automatic: bool  # read by a gateway (telemetry reaches the platform)


@dataclass
class Loan:
    loan_no: str
    lender: str
    loan_type: str
    principal: float
    annual_rate: float
    start: date
    maturity: date
    pledge_item: str | None = None
    pledge_floor: float = 0.0


@dataclass
class Firm:
    uscc: str
    name: str
    trade: Trade
    level: Level
    shift: str
    six_day_week: bool
    staff: int
    established: date
    capital: float
    machines: list[Machine]
    products: tuple[Product, ...]
    material: Material
    customers: list[tuple[str, str, float]]  # (uscc, name, share of orders)
    suppliers: list[tuple[str, str]]
    gateway: str
    loans: list[Loan] = field(default_factory=list)
    roles: set[Planted] = field(default_factory=set)

    @property
    def short(self) -> str:
        return self.uscc[-6:]

    @property
    def daily_capacity(self) -> dict[str, float]:
        """Output per workday at rated speed, per product."""
        hours = shift_hours(self.shift)
        out: dict[str, float] = {}
        for m in self.machines:
            out[m.product.code] = out.get(m.product.code, 0.0) + m.rate_per_hour * hours
        return out


@dataclass(frozen=True)
class Org:
    uscc: str
    name: str
    kind: OrgKind
    industry_code: str | None = None


@dataclass(frozen=True)
class DemoLogin:
    org: str
    username: str
    password: str
    display_name: str


@dataclass
class Park:
    preset: Preset
    seed: int
    start: date  # first simulated day (local)
    days: int
    platform: Org
    park: Org
    data_provider: Org  # third-party data: credit records, price indices, carrier events
    buyers: list[Org]
    banks: list[Org]
    firms: list[Firm]
    truth: list[TruthEvent]
    logins: list[DemoLogin]
    sampling_minutes: int = 1  # gateways read machines every this many minutes

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days)

    def firm(self, uscc: str) -> Firm:
        return next(f for f in self.firms if f.uscc == uscc)

    def truth_of(self, kind: Planted) -> list[TruthEvent]:
        return [t for t in self.truth if t.kind is kind]

    def organisations(self) -> list[Organisation]:
        p = self.preset
        out = [
            Organisation(uscc=o.uscc, name=o.name, org_kind=o.kind, industry_code=o.industry_code,
                         region_code=p.region_code)
            for o in (self.platform, self.park, self.data_provider, *self.buyers, *self.banks)
        ]  # fmt: skip
        for f in self.firms:
            out.append(
                Organisation(
                    uscc=f.uscc, name=f.name, org_kind=OrgKind.SME,
                    industry_code=f.trade.industry_code, region_code=p.region_code,
                    park=self.park.uscc, registered_capital=f"{f.capital:.2f}",
                    established=f.established.isoformat(),
                )
            )  # fmt: skip
        return out

    def master_records(self) -> list[Master]:
        """Devices, items and warehouses of every firm (organisations come first, separately)."""
        out: list[Master] = []
        for f in self.firms:
            for m in f.machines:
                out.append(
                    Device(org=f.uscc, code=m.code, name=f"{m.kind.name} {m.code[-2:]}号",
                           device_type=DeviceType.MACHINE, rated_capacity=round(m.rate_per_hour, 3),
                           capacity_unit=m.product.unit, rated_power_kw=m.kw, is_core=m.is_core,
                           line="L1")
                )  # fmt: skip
            if f.machines:
                out.append(Device(org=f.uscc, code="EM-MAIN", name="总电表",
                                  device_type=DeviceType.ENERGY_METER))  # fmt: skip
                out.append(Device(org=f.uscc, code="WM-MAIN", name="总水表",
                                  device_type=DeviceType.ENERGY_METER))  # fmt: skip
                if f.trade.gas_m3_per_output:
                    out.append(Device(org=f.uscc, code="GM-MAIN", name="天然气表",
                                      device_type=DeviceType.ENERGY_METER))  # fmt: skip
                if f.level is Level.OPTIMIZED:
                    out.append(Device(org=f.uscc, code="QS-01", name="在线检测工位",
                                      device_type=DeviceType.QUALITY_STATION))  # fmt: skip
                    out.append(Device(org=f.uscc, code=f.gateway, name="边缘网关",
                                      device_type=DeviceType.GATEWAY))  # fmt: skip
                elif f.level is Level.STANDARDIZED:
                    out.append(Device(org=f.uscc, code=f.gateway, name="边缘网关",
                                      device_type=DeviceType.GATEWAY))  # fmt: skip
            for k, prod in enumerate(f.products):
                # EAN-13 under a 69x (China) GS1 company prefix made from the firm's place
                gtin = with_check_digit(f"69{self.firms.index(f):05d}{k:05d}")
                out.append(Item(org=f.uscc, code=prod.code, name=prod.name,
                                item_type=ItemType.PRODUCT, unit=prod.unit,
                                item_class=prod.item_class, gtin=gtin,
                                identifier=handle(f.uscc, f.trade.industry_code, "item", prod.code)))  # fmt: skip
            mat = f.material
            out.append(Item(org=f.uscc, code=mat.code, name=mat.name, item_type=ItemType.MATERIAL,
                            unit=mat.unit, item_class=mat.item_class))  # fmt: skip
            out.append(Warehouse(org=f.uscc, code="WH-RM", name="原料仓"))
            out.append(Warehouse(org=f.uscc, code="WH-FG", name="成品仓"))
            if any(loan.pledge_item for loan in f.loans):
                out.append(Warehouse(org=f.uscc, code="WH-PL", name="监管仓(第三方)",
                                     address=f"{self.preset.town}物流园", third_party=True))  # fmt: skip
        return out


# --- building ----------------------------------------------------------------------------------

_NAME_WORDS = [
    "恒达",
    "东海",
    "宏盛",
    "青溪",
    "永固",
    "金鼎",
    "瑞丰",
    "华晟",
    "天工",
    "远航",
    "精诚",
    "鑫源",
    "博威",
    "嘉利",
    "汇通",
    "信德",
    "万泰",
    "弘业",
    "创星",
    "立升",
    "盛邦",
    "凯旋",
    "联泰",
    "海天",
    "明峰",
    "德润",
    "长虹",
    "兴隆",
    "荣昌",
    "正和",
    "宝丰",
    "新锐",
    "骏达",
    "海纳",
    "诚铭",
    "奥力",
    "顺昌",
    "耀华",
    "同舟",
    "卓越",
    "锦程",
    "大成",
    "恒昌",
    "北辰",
    "广源",
    "吉瑞",
    "致远",
    "丰泽",
    "巨力",
    "航宇",
    "金诺",
    "佳美",
    "泰和",
    "润通",
    "朗盛",
    "星海",
    "力拓",
    "宏阳",
    "天成",
    "振华",
    "国泰",
    "瑞祥",
    "嘉禾",
    "通达",
    "鸿运",
    "中联",
    "富强",
    "新华",
]
_FEATURED = ("青溪", "东海", "宏盛")  # the demo logins' firms: standardized, optimized, entry
_FEATURED_LEVELS = (Level.STANDARDIZED, Level.OPTIMIZED, Level.ENTRY)
_FEATURED_USERS = ("qingxi", "donghai", "hongsheng")
_FEATURED_TRADES = ("模具", "压铸", "汽配")
SME_PASSWORD = "sme-demo-2026"
MIN_FIRMS = 16


ORDER_BEFORE_STOP = 2  # days before a planted interruption that its buyer places an order


def _org_code(rng: np.random.Generator, taken: set[str], prefix: str) -> str:
    while True:
        body = "".join(USCC_ALPHABET[i] for i in rng.integers(0, 31, 9))
        code = complete_uscc(prefix + body)
        if code not in taken:
            taken.add(code)
            return code


def local_dt(day: date, minute: int) -> datetime:
    """A local (Asia/Shanghai) minute of a day, as UTC."""
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC) + timedelta(minutes=minute)


def next_settlement_day(after: date) -> date:
    """Loan interest is settled on the 21st of each month, as Chinese banks do; the first
    settlement day on or after `after`."""
    d = after.replace(day=21)
    return d if d >= after else (d.replace(day=1) + timedelta(days=32)).replace(day=21)


def build_park(
    preset: str | Preset = "diecasting",
    *,
    seed: int = 2026,
    start: date,
    days: int = 90,
    firms: int | None = None,
    sampling_minutes: int = 1,
) -> Park:
    p = PRESETS[preset] if isinstance(preset, str) else preset
    if sampling_minutes < 1 or 1440 % sampling_minutes:
        raise ValueError("the sampling interval must divide a day: 1, 2, 5, 10, 15, 30, 60 minutes")
    n = firms if firms is not None else p.firms
    if n < MIN_FIRMS:
        raise ValueError(f"a park needs at least {MIN_FIRMS} firms to hold every planted event")
    rng = np.random.default_rng([seed, 1])
    taken: set[str] = set()
    region = p.region_code

    def org(kind: OrgKind, name: str, prefix: str, industry: str | None = None) -> Org:
        return Org(_org_code(rng, taken, prefix + region), name, kind, industry)

    platform = org(OrgKind.PLATFORM, "产融平台运营中心", "91")
    park = org(OrgKind.PARK, f"{p.park_name}管理委员会", "11")
    provider = org(OrgKind.PLATFORM, f"{p.town}企业征信与物流数据服务中心", "91")
    buyers = [org(OrgKind.CORE_ENTERPRISE, name, "91", ind) for name, ind in p.buyers]
    banks = [org(OrgKind.BANK, name, "91") for name in p.banks]

    weights = np.array([t.weight for t in p.trades], dtype=float)
    trades = rng.choice(len(p.trades), size=n, p=weights / weights.sum())
    levels = rng.choice(3, size=n, p=np.array(p.level_mix) / sum(p.level_mix))
    words = list(rng.permutation(np.array([w for w in _NAME_WORDS if w not in _FEATURED])))
    out: list[Firm] = []
    for i in range(n):
        trade = p.trades[int(trades[i])]
        level = list(Level)[int(levels[i])]
        word = words[i % len(words)] + ("" if i < len(words) else str(i // len(words)))
        if i < len(_FEATURED):
            word, level = _FEATURED[i], _FEATURED_LEVELS[i]
            trade = next((t for t in p.trades if t.label == _FEATURED_TRADES[i]), trade)
        out.append(_firm(rng, taken, p, trade, level, str(word), buyers, i))
    firms_ = out
    truth = _plant(rng, p, firms_, buyers, banks, start, days)
    logins = [
        DemoLogin(platform.uscc, "ops", "ops-demo-2026", "平台运营 王敏"),
        *(DemoLogin(f.uscc, u, SME_PASSWORD, f"{f.name[:6]} 厂长")
          for f, u in zip(firms_, _FEATURED_USERS, strict=False)),
        DemoLogin(banks[0].uscc, "bank", "bank-demo-2026", f"{banks[0].name[:6]} 风控"),
        DemoLogin(buyers[0].uscc, "buyer", "buyer-demo-2026", f"{buyers[0].name[:6]} 采购"),
        DemoLogin(park.uscc, "park", "park-demo-2026", "园区管委会 刘主任"),
    ]  # fmt: skip
    return Park(p, seed, start, days, platform, park, provider, buyers, banks, firms_, truth,
                logins, sampling_minutes)  # fmt: skip


def _firm(
    rng: np.random.Generator,
    taken: set[str],
    p: Preset,
    trade: Trade,
    level: Level,
    word: str,
    buyers: list[Org],
    index: int,
) -> Firm:
    uscc = _org_code(rng, taken, "91" + p.region_code)
    n_machines = int(np.clip(round(rng.lognormal(np.log(5), 0.45)), 2, 12))
    products = (
        trade.products if len(trade.products) == 1 or rng.random() < 0.6 else trade.products[:1]
    )
    n_core = max(1, round(n_machines * 0.3))
    machines: list[Machine] = []
    for j in range(n_machines):
        kind = trade.machines[0] if j < max(1, round(n_machines * 0.6)) else trade.machines[-1]
        automatic = level is Level.OPTIMIZED or (level is Level.STANDARDIZED and j < n_core)
        machines.append(
            Machine(code=f"{kind.code}-{j + 1:02d}", kind=kind,
                    rate_per_hour=kind.rate_per_hour * float(rng.uniform(0.8, 1.2)),
                    kw=kind.kw, is_core=j < n_core, product=products[j % len(products)],
                    automatic=automatic)
        )  # fmt: skip
    chosen = rng.choice(len(buyers), size=min(len(buyers), int(rng.integers(1, 4))), replace=False)
    shares = rng.dirichlet(np.ones(len(chosen) + 1)) if len(chosen) else np.array([1.0])
    customers = [(buyers[int(b)].uscc, buyers[int(b)].name, float(s)) for b, s in
                 zip(chosen, shares[:-1], strict=True)]  # fmt: skip
    other = _org_code(rng, taken, "91" + str(rng.choice(["330203", "330212", "320585", "440306"])))
    customers.append((other, "外地贸易客户", float(shares[-1])))
    suppliers = [
        (_org_code(rng, taken, "91" + str(rng.choice(["330211", "310115", "320282"]))),
         f"{trade.material.name[:4]}供应商{k + 1}")
        for k in range(int(rng.integers(1, 3)))
    ]  # fmt: skip
    shift = "day" if level is Level.ENTRY else ("two" if trade.shift == "three" and level is
                                                 Level.STANDARDIZED else trade.shift)  # fmt: skip
    return Firm(
        uscc=uscc,
        name=f"{p.town}{word}{trade.label}{'科技' if level is Level.OPTIMIZED else ''}有限公司",
        trade=trade, level=level, shift=shift, six_day_week=level is not Level.OPTIMIZED,
        staff=int(n_machines * rng.uniform(3, 8)),
        established=date(int(rng.integers(2003, 2021)), int(rng.integers(1, 13)),
                         int(rng.integers(1, 29))),
        capital=float(rng.choice([1, 2, 3, 5, 8, 10, 20, 30])) * 1_000_000,
        machines=machines, products=tuple(products), material=trade.material,
        customers=customers, suppliers=suppliers, gateway=f"GW-{index + 1:03d}",
    )  # fmt: skip


def _plant(
    rng: np.random.Generator,
    p: Preset,
    firms: list[Firm],
    buyers: list[Org],
    banks: list[Org],
    start: date,
    days: int,
) -> list[TruthEvent]:
    """Choose who carries which planted event and when; also give firms their loans."""
    truth: list[TruthEvent] = []
    featured = set(range(len(_FEATURED)))
    pool = [i for i in range(len(firms)) if i not in featured]
    order = [int(i) for i in rng.permutation(pool)]
    scale = max(1, len(firms) // 30)

    def take(k: int, where: Any = None) -> list[Firm]:
        picked = [i for i in order if where is None or where(firms[i])][:k]
        for i in picked:
            order.remove(i)
        return [firms[i] for i in picked]

    def day_at(frac: float, minute: int = 9 * 60) -> datetime:
        return local_dt(start + timedelta(days=int(days * frac)), minute)

    for f in take(scale):
        f.roles.add(Planted.ZOMBIE_FIRM)
        f.level, f.shift, f.six_day_week = Level.ENTRY, "day", True
        for m in f.machines:
            m.automatic = False
        truth.append(TruthEvent(Planted.ZOMBIE_FIRM, f.uscc, local_dt(start, 0)))
    for f in take(scale):
        f.roles.add(Planted.SHELL_FIRM)
        f.level, f.machines = Level.ENTRY, []
        truth.append(TruthEvent(Planted.SHELL_FIRM, f.uscc, local_dt(start, 0)))
    ring = take(3)
    for f in ring:
        f.roles.add(Planted.CIRCULAR_TRADE)
    when = day_at(0.5, 10 * 60)
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        truth.append(TruthEvent(Planted.CIRCULAR_TRADE, a.uscc, when,
                                detail={"counterparty": b.uscc, "ring": [f.uscc for f in ring]}))  # fmt: skip
    for k, f in enumerate(take(2 * scale)):
        f.roles.add(Planted.FICTITIOUS_TRADE)
        buyer = f.customers[0]
        truth.append(TruthEvent(Planted.FICTITIOUS_TRADE, f.uscc, day_at(0.3 + 0.3 * k, 15 * 60),
                                detail={"counterparty": buyer[0]}))  # fmt: skip
    automated = [Level.STANDARDIZED, Level.OPTIMIZED]
    for k, f in enumerate(take(2 * scale, lambda f: f.level in automated)):
        f.roles.add(Planted.SUPPLIER_INTERRUPTION)
        begin = day_at(0.55 + 0.2 * (k % 2), 8 * 60)
        placed = begin.astimezone(LOCAL_TZ).date() - timedelta(days=ORDER_BEFORE_STOP)
        truth.append(TruthEvent(Planted.SUPPLIER_INTERRUPTION, f.uscc, begin, begin + timedelta(days=5),
                                detail={"buyer": f.customers[0][0],
                                        "order_no": f"SO-{f.short}-{placed:%y%m%d}-S"}))  # fmt: skip
    for f in take(2 * scale):
        f.roles.add(Planted.LOAN_DEFAULT)
    # Stoppages and failures hit firms whose machines report automatically.
    idle = {Planted.ZOMBIE_FIRM, Planted.SHELL_FIRM, Planted.SUPPLIER_INTERRUPTION}
    running = [f for f in firms if f.level is not Level.ENTRY and not f.roles & idle]
    for k in range(4 * scale):
        f = running[(k * 3 + 1) % len(running)]
        begin = day_at(0.1 + 0.8 * k / (4 * scale), 8 * 60 + int(rng.integers(0, 120)))
        hours = int(rng.integers(4, 30))
        truth.append(TruthEvent(Planted.STOPPAGE, f.uscc, begin, begin + timedelta(hours=hours)))
    for k in range(6 * scale):
        f = running[(k * 7 + 2) % len(running)]
        auto = [m for m in f.machines if m.automatic]
        m = auto[int(rng.integers(0, len(auto)))]
        begin = day_at(0.05 + 0.9 * k / (6 * scale), 9 * 60 + int(rng.integers(0, 360)))
        truth.append(TruthEvent(Planted.EQUIPMENT_FAILURE, f.uscc, begin,
                                begin + timedelta(hours=int(rng.integers(2, 10))),
                                detail={"device": m.code}))  # fmt: skip
    _loans(rng, firms, banks, start)
    pledged = [f for f in firms if any(ln.pledge_item for ln in f.loans) and not f.roles]
    if pledged:
        f = pledged[0]
        loan = next(ln for ln in f.loans if ln.pledge_item)
        f.roles.add(Planted.PLEDGE_BREACH)
        truth.append(TruthEvent(Planted.PLEDGE_BREACH, f.uscc, day_at(0.6, 14 * 60),
                                detail={"loan_no": loan.loan_no, "item": loan.pledge_item,
                                        "warehouse": "WH-PL"}))  # fmt: skip
        g = pledged[-1]
        gl = next(ln for ln in g.loans if ln.pledge_item)
        item_class = next(pr.item_class for pr in g.products if pr.code == gl.pledge_item)
        truth.append(TruthEvent(Planted.PRICE_DROP, g.uscc, day_at(0.7, 0),
                                day_at(0.7, 0) + timedelta(days=10),
                                detail={"loan_no": gl.loan_no, "item_class": item_class,
                                        "drop": 0.22}))  # fmt: skip
    for f in firms:
        if Planted.LOAN_DEFAULT in f.roles:
            loan = f.loans[0]
            missed = next_settlement_day(start + timedelta(days=int(days * 0.45)))
            truth.append(TruthEvent(Planted.LOAN_DEFAULT, f.uscc, local_dt(missed, 0),
                                    detail={"loan_no": loan.loan_no, "lender": loan.lender,
                                            "first_missed": missed.isoformat(),
                                            "deterioration_from": (start + timedelta(
                                                days=int(days * 0.15))).isoformat()}))  # fmt: skip
    _late_orders(rng, firms, truth, start, days, scale)
    return truth


def _loans(rng: np.random.Generator, firms: list[Firm], banks: list[Org], start: date) -> None:
    n = 0
    for i, f in enumerate(firms):
        wants = Planted.LOAN_DEFAULT in f.roles or Planted.SHELL_FIRM in f.roles or (
            Planted.ZOMBIE_FIRM not in f.roles and rng.random() < 0.55)  # fmt: skip
        if not wants:
            continue
        n += 1
        bank = banks[i % len(banks)]
        begin = start - timedelta(days=int(rng.integers(60, 300)))
        pledge = f.machines and n % 5 == 2 and Planted.LOAN_DEFAULT not in f.roles
        upgrade = not pledge and f.level is Level.OPTIMIZED and n % 3 == 0
        kind = "inventory_pledge" if pledge else ("tech_upgrade" if upgrade else "working_capital")
        principal = round(f.capital * float(rng.uniform(0.3, 1.2)) / 10_000) * 10_000
        product = f.products[0]
        f.loans.append(
            Loan(loan_no=f"LN{begin:%Y%m}{n:04d}", lender=bank.uscc, loan_type=kind,
                 principal=float(principal), annual_rate=round(float(rng.uniform(0.036, 0.062)), 4),
                 start=begin, maturity=begin + timedelta(days=365 * (2 if upgrade else 1)),
                 pledge_item=product.code if pledge else None,
                 pledge_floor=float(round(min(principal * 0.5 / product.price,
                                              sum(f.daily_capacity.values()) * 4)))
                 if pledge else 0.0)
        )  # fmt: skip


def _late_orders(
    rng: np.random.Generator,
    firms: list[Firm],
    truth: list[TruthEvent],
    start: date,
    days: int,
    scale: int,
) -> None:
    """Orders that will be delivered late: their work is starved (the order no is fixed later)."""
    healthy = [f for f in firms if f.machines and not f.roles and f.level is not Level.ENTRY]
    for k in range(min(len(healthy), 4 * scale)):
        f = healthy[(k * 5) % len(healthy)]
        placed = start + timedelta(days=int(days * (0.15 + 0.6 * k / (4 * scale))))
        truth.append(TruthEvent(Planted.LATE_DELIVERY, f.uscc, local_dt(placed, 10 * 60),
                                detail={"order_no": f"SO-{f.short}-{placed:%y%m%d}-L"}))  # fmt: skip
