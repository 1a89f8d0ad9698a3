"""The day-stepping park simulator: every event kind of the contract, consistent with each other.

`Simulator.day(d)` advances the park by one local day and returns, per event kind, an Arrow table
in the contract's schema plus two columns a real sender would not send: `submitter` (who would
send the row: the firm, or the third-party data provider) and `received_at` (when it would
arrive: within seconds from a gateway, the next morning from a clerk, hours late after a network
outage). Senders release rows as their arrival time passes, so history and live share one model.

Machines are simulated minute by minute for the whole park at once (numpy arrays of devices x
1440 minutes); business documents are few per firm and day and are made by plain Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from chanrong.grading.criteria import Level
from chanrong.model import EVENT_KINDS
from chanrong.model.spec import arrow_schema
from chanrong.sim.calendar import is_workday, shift_mask
from chanrong.sim.park import (
    ORDER_BEFORE_STOP,
    Firm,
    Park,
    Planted,
    local_dt,
    next_settlement_day,
)

META_SCHEMA = (
    pa.field("submitter", pa.string(), nullable=False),
    pa.field("received_at", pa.timestamp("us", tz="UTC"), nullable=False),
)
VAT = 0.13
CARRIERS = ("顺丰速运", "德邦物流", "安能物流", "中通快运")
SCRAP_RATE = {Level.ENTRY: 0.03, Level.STANDARDIZED: 0.02, Level.OPTIMIZED: 0.012}
OUTAGE_CHANCE = {Level.STANDARDIZED: 0.08, Level.OPTIMIZED: 0.03}
DEMAND = 0.7  # share of rated daily capacity customers call off per product and workday
RUSH_CHANCE = 0.08  # a rush order on top, per product and workday
GREEN_SHARE = 0.3  # of an optimized firm's electricity covered by green certificates


def sim_schema(kind: str) -> pa.Schema:
    """The contract's Arrow schema of a kind plus the simulator's submitter and arrival time."""
    schema = arrow_schema(EVENT_KINDS[kind])
    for f in META_SCHEMA:
        schema = schema.append(f)
    return schema


def to_table(kind: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = sim_schema(kind)
    cols = []
    for f in schema:
        values = [r.get(f.name) for r in rows]
        if pa.types.is_decimal(f.type):
            cols.append(pa.array(values, pa.float64()).cast(f.type, safe=False))
        else:
            cols.append(pa.array(values, f.type))
    return pa.Table.from_arrays(cols, schema=schema)


@dataclass
class Order:
    order_no: str
    customer: str
    customer_name: str
    product: str
    unit: str
    price: float
    qty: float
    order_day: date
    due: date
    work_order_no: str
    device: str
    starved: bool = False  # a planted late delivery: the firm keeps putting it off
    produced: float = 0.0
    shipped: bool = False


@dataclass
class FirmState:
    orders: list[Order] = field(default_factory=list)
    stock: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    seq: int = 0
    receivables: list[tuple[date, str, str, float]] = field(default_factory=list)
    payables: list[tuple[date, str, str, float]] = field(default_factory=list)
    material_on_order: float = 0.0
    deliveries: list[tuple[date, str, float, str]] = field(default_factory=list)
    last_energy: dict[str, datetime] = field(default_factory=dict)
    energy_acc: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    green_from: date | None = None  # first day of electricity not yet covered by a certificate

    def next(self) -> int:
        self.seq += 1
        return self.seq


class Simulator:
    def __init__(self, park: Park) -> None:
        self.park = park
        self.firms = park.firms
        self.state = {f.uscc: FirmState() for f in self.firms}
        self.machines = [(f, m) for f in self.firms for m in f.machines]
        n = len(self.machines)
        self.counter = np.zeros(n, dtype=np.int64)
        self.energy = np.zeros(n, dtype=np.float64)
        self.shift_masks = {s: shift_mask(s) for s in ("day", "two", "three")}
        self.prices = self._opening_prices()
        self.truth_by_kind = {k: park.truth_of(k) for k in Planted}
        self.late_orders = {
            t.detail["order_no"]: t for t in self.truth_by_kind[Planted.LATE_DELIVERY]
        }
        self.days_done = 0

    # -- helpers ---------------------------------------------------------------------------
    def _rng(self, day: date, salt: int = 0) -> np.random.Generator:
        return np.random.default_rng([self.park.seed, day.toordinal(), salt])

    def _opening_prices(self) -> dict[str, tuple[float, str]]:
        out: dict[str, tuple[float, str]] = {}
        for f in self.firms:
            out[f.material.item_class] = (f.material.price, f.material.unit.value)
            for p in f.products:
                out[p.item_class] = (p.price, p.unit.value)
        return out

    def health(self, firm: Firm, day: date) -> float:
        """How well the firm is doing: 1 normally, sliding towards 0.3 before a default."""
        if Planted.ZOMBIE_FIRM in firm.roles:
            return 0.0
        for t in self.truth_by_kind[Planted.LOAN_DEFAULT]:
            if t.firm == firm.uscc:
                begin = date.fromisoformat(t.detail["deterioration_from"])
                missed = date.fromisoformat(t.detail["first_missed"])
                if day <= begin:
                    return 1.0
                if day >= missed:
                    return 0.3
                return 1.0 - 0.7 * (day - begin).days / max(1, (missed - begin).days)
        return 1.0

    def _down(self, kind: Planted, firm: str, day: date) -> list[tuple[int, int, str | None]]:
        """Minute ranges [a, b) of the local day hit by planted events of this kind."""
        lo = local_dt(day, 0)
        out = []
        for t in self.truth_by_kind[kind]:
            if t.firm != firm or t.end is None or t.end <= lo or t.start >= lo + timedelta(days=1):
                continue
            a = max(0, int((t.start - lo).total_seconds() // 60))
            b = min(1440, int((t.end - lo).total_seconds() // 60))
            out.append((a, b, t.detail.get("device")))
        return out

    # -- the day ---------------------------------------------------------------------------
    def day(self, day: date) -> dict[str, pa.Table]:
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        rng = self._rng(day)
        if self.days_done == 0:
            self._opening(day, rows)
        output, telemetry = self._machines(day, rng)
        for i, firm in enumerate(self.firms):
            frng = self._rng(day, 1000 + i)
            self._business(firm, day, frng, output.get(firm.uscc, {}), rows)
        self._energy(day, rng, telemetry.pop("_power"), rows)
        self._third_party(day, rng, rows)
        self.days_done += 1
        out = {kind: to_table(kind, r) for kind, r in rows.items() if r}
        if telemetry["n"]:
            out["telemetry"] = telemetry["table"]
        return out

    def _machines(
        self, day: date, rng: np.random.Generator
    ) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
        """Every machine of the park, minute by minute: run state, counter, power, energy."""
        n = len(self.machines)
        if n == 0:
            return {}, {"n": 0, "_power": {}}
        run_p = np.zeros(n)
        inshift = np.zeros((n, 1440), dtype=bool)
        for j, (f, m) in enumerate(self.machines):
            if is_workday(day, six_day_week=f.six_day_week) or (f.shift == "three"):
                inshift[j] = self.shift_masks[f.shift]
            open_qty = sum(o.qty - o.produced for o in self.state[f.uscc].orders
                           if o.product == m.product.code and not o.shipped)  # fmt: skip
            cap = f.daily_capacity.get(m.product.code, 1.0)
            run_p[j] = np.clip(open_qty / (cap * 1.5), 0.15, 0.92) * self.health(f, day)
        blocks = rng.random((n, 48)) < run_p[:, None]
        running = np.repeat(blocks, 30, axis=1) & inshift
        stopped = np.zeros((n, 1440), dtype=bool)
        fault = np.zeros((n, 1440), dtype=bool)
        index = {(f.uscc, m.code): j for j, (f, m) in enumerate(self.machines)}
        for f in {f.uscc: f for f, _ in self.machines}.values():
            for kind in (Planted.STOPPAGE, Planted.SUPPLIER_INTERRUPTION):
                for a, b, _ in self._down(kind, f.uscc, day):
                    for m in f.machines:
                        stopped[index[(f.uscc, m.code)], a:b] = True
            for a, b, dev in self._down(Planted.EQUIPMENT_FAILURE, f.uscc, day):
                fault[index[(f.uscc, str(dev))], a:b] = True
        running &= ~stopped & ~fault
        rate = np.array([m.rate_per_hour / 60.0 for _, m in self.machines])
        made = np.where(running, rng.poisson(np.broadcast_to(rate[:, None], (n, 1440))), 0)
        kw = np.array([m.kw for _, m in self.machines])
        load = rng.uniform(0.65, 0.95, (n, 1440))
        power = np.where(
            running, kw[:, None] * load,
            np.where(fault, kw[:, None] * 0.05,
                     np.where(inshift & ~stopped, kw[:, None] * 0.2, kw[:, None] * 0.03)),
        )  # fmt: skip
        counter = self.counter[:, None] + np.cumsum(made, axis=1)
        energy = self.energy[:, None] + np.cumsum(power, axis=1) / 60.0
        self.counter = counter[:, -1].copy()
        self.energy = energy[:, -1].copy()
        output: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        totals = made.sum(axis=1)
        for j, (f, m) in enumerate(self.machines):
            output[f.uscc][m.product.code] += float(totals[j])
        firm_power: dict[str, np.ndarray] = {}
        for j, (f, _) in enumerate(self.machines):
            firm_power[f.uscc] = firm_power.get(f.uscc, np.zeros(1440)) + power[j]
        auto = np.array([m.automatic for _, m in self.machines])
        state = np.where(running, "running", np.where(fault, "fault",
                         np.where(inshift & ~stopped, "idle", "stopped")))  # fmt: skip
        table = self._telemetry_table(day, rng, auto, state, counter, power, energy, running)
        return output, {"n": table.num_rows, "table": table, "_power": firm_power}

    def _telemetry_table(
        self,
        day: date,
        rng: np.random.Generator,
        auto: np.ndarray,
        state: np.ndarray,
        counter: np.ndarray,
        power: np.ndarray,
        energy: np.ndarray,
        running: np.ndarray,
    ) -> pa.Table:
        idx = np.flatnonzero(auto)
        k = len(idx)
        base = np.datetime64(local_dt(day, 0).replace(tzinfo=None), "s")
        times = base + (np.arange(1440) * 60).astype("timedelta64[s]")
        delay = rng.integers(2, 20, (k, 1440)).astype("timedelta64[s]")
        arrival = np.broadcast_to(times, (k, 1440)) + delay
        keep = np.ones((k, 1440), dtype=bool)
        keep[:, np.arange(1440) % self.park.sampling_minutes != 0] = False
        # Gateway outages: readings are buffered and arrive when the link is back, or are lost.
        gateways = {self.machines[j][0].uscc for j in idx}
        draws = {g: rng.random(4) for g in sorted(gateways)}
        for r, j in enumerate(idx):
            f, _ = self.machines[j]
            u = draws[f.uscc]
            if u[0] < OUTAGE_CHANCE.get(f.level, 0):
                a = int(u[1] * 1300)
                b = min(1440, a + 30 + int(u[2] * 150))
                if u[3] < 0.3:
                    keep[r, a:b] = False
                else:
                    arrival[r, a:b] = times[min(b, 1439)] + np.timedelta64(30, "s")
        sel = keep.ravel()
        firms = [self.machines[j][0] for j in idx]
        machines = [self.machines[j][1] for j in idx]
        stamp = day.strftime("%Y%m%d")
        minute_ids = np.array([f"{stamp}{h:02d}{m:02d}" for h in range(24) for m in range(60)])
        dev = np.repeat(np.array([m.code for m in machines], dtype=object), 1440)[sel]
        org = np.repeat(np.array([f.uscc for f in firms], dtype=object), 1440)[sel]
        gw = np.repeat(np.array([f.gateway for f in firms], dtype=object), 1440)[sel]
        ids = np.char.add(np.char.add(dev.astype(str), "-"), np.tile(minute_ids, k)[sel])
        temp = np.where(running[idx], 55 + rng.normal(0, 3, (k, 1440)), 28.0)
        is_dc = np.array([m.kind.code == "DC" for m in machines])
        pressure = np.where(running[idx] & is_dc[:, None], 80 + rng.normal(0, 2, (k, 1440)), 0.0)
        cols = {
            "id": pa.array(ids),
            "source": pa.array(gw, pa.string()),
            "org": pa.array(org, pa.string()),
            "event_time": pa.array(np.tile(times, k)[sel].astype("datetime64[us]"),
                                   pa.timestamp("us", tz="UTC")),
            "channel": pa.array(np.full(sel.sum(), "device")),
            "device": pa.array(dev, pa.string()),
            "run_state": pa.array(state[idx].ravel()[sel]),
            "counter": pa.array(counter[idx].ravel()[sel]),
            "power_kw": pa.array(np.round(power[idx].ravel()[sel], 2)),
            "energy_kwh": pa.array(np.round(energy[idx].ravel()[sel], 3)),
            "temperature_c": pa.array(np.round(temp.ravel()[sel], 1)),
            "pressure_mpa": pa.array(np.where(is_dc[:, None], np.round(pressure, 1),
                                              np.nan).ravel()[sel], from_pandas=True),
            "submitter": pa.array(org, pa.string()),
            "received_at": pa.array(arrival.ravel()[sel].astype("datetime64[us]"),
                                    pa.timestamp("us", tz="UTC")),
        }  # fmt: skip
        return pa.table(cols, schema=sim_schema("telemetry"))

    # -- documents ---------------------------------------------------------------------------
    def _arrival(self, firm: Firm, t: datetime, rng: np.random.Generator) -> datetime:
        """When a record made at t reaches the platform, by the firm's level of digitalisation."""
        if firm.level is Level.ENTRY:
            late = int(rng.integers(2, 5)) if rng.random() < 0.1 else 1
            morning = _local_day(t) + timedelta(days=late)
            return local_dt(morning, int(rng.integers(8 * 60 + 30, 11 * 60)))
        minutes = rng.integers(5, 30) if firm.level is Level.STANDARDIZED else rng.integers(1, 5)
        return t + timedelta(minutes=int(minutes))

    def _add(
        self,
        rows: dict[str, list[dict[str, Any]]],
        kind: str,
        firm: Firm,
        t: datetime,
        rng: np.random.Generator,
        *,
        id: str,
        channel: str | None = None,
        source: str | None = None,
        received_at: datetime | None = None,
        **values: Any,
    ) -> None:
        """A row the firm sends: typed by its clerk (entry) or from its ERP/MES, by default."""
        channel = channel or ("manual" if firm.level is Level.ENTRY else "system")
        rows[kind].append(
            {"id": id, "source": source or ("manual" if channel == "manual" else "erp"),
             "org": firm.uscc, "event_time": t, "channel": channel, "submitter": firm.uscc,
             "received_at": received_at or self._arrival(firm, t, rng), **values}
        )  # fmt: skip

    def _third(
        self,
        rows: dict[str, list[dict[str, Any]]],
        kind: str,
        org: str,
        t: datetime,
        *,
        id: str,
        source: str,
        delay_min: int = 10,
        received_at: datetime | None = None,
        **values: Any,
    ) -> None:
        """A row sent by the third-party data provider (carrier, credit bureau, bank, warehouse,
        prices), `delay_min` after it happened or at `received_at`."""
        rows[kind].append(
            {"id": id, "source": source, "org": org, "event_time": t, "channel": "third_party",
             "submitter": self.park.data_provider.uscc,
             "received_at": received_at or t + timedelta(minutes=delay_min), **values}
        )  # fmt: skip

    def _opening(self, day: date, rows: dict[str, list[dict[str, Any]]]) -> None:
        """What exists when the simulation starts: stock, loans, credit records."""
        t0 = local_dt(day, 5)
        rng = self._rng(day, 7)
        for f in self.firms:
            st = self.state[f.uscc]
            if f.machines:
                cap = f.daily_capacity
                for p in f.products:
                    qty = round(cap[p.code] * 1.5)
                    if qty > 0:
                        st.stock[(p.code, "WH-FG")] += qty
                        self._add(rows, "inventory_movement", f, t0, rng, id=f"OPEN-{p.code}-FG",
                                  movement_type="adjustment_in", item=p.code, warehouse="WH-FG",
                                  qty=float(qty), unit=p.unit.value, reference_no="期初库存")  # fmt: skip
                rm = round(sum(cap.values()) * f.material.per_output * 12, 3)
                st.stock[(f.material.code, "WH-RM")] += rm
                self._add(rows, "inventory_movement", f, t0, rng, id="OPEN-RM",
                          movement_type="adjustment_in", item=f.material.code, warehouse="WH-RM",
                          qty=rm, unit=f.material.unit.value, reference_no="期初库存")  # fmt: skip
                if not f.roles & {Planted.SHELL_FIRM, Planted.ZOMBIE_FIRM}:
                    # the orders already open: a day's call-offs placed the day before
                    self._new_orders(f, day - timedelta(days=1), rng, True, rows)
            for ln in f.loans:
                self._loan_opening(f, ln, day, rows)
            self._credit_opening(f, day, rng, rows)

    def _loan_opening(
        self, f: Firm, ln: Any, day: date, rows: dict[str, list[dict[str, Any]]]
    ) -> None:
        t = local_dt(ln.start, 10 * 60)
        arrive = local_dt(day, 6)
        self._third(rows, "loan", f.uscc, t, id=ln.loan_no, source="bank-core",
                    received_at=arrive, loan_no=ln.loan_no, lender=ln.lender, loan_type=ln.loan_type,
                  principal=ln.principal, annual_rate=ln.annual_rate, start_date=ln.start,
                  maturity_date=ln.maturity)  # fmt: skip
        if ln.pledge_item:
            p = next(p for p in f.products if p.code == ln.pledge_item)
            self._third(rows, "pledge", f.uscc, t, id=f"PL-{ln.loan_no}", source="bank-core",
                        received_at=arrive, pledge_no=f"PL-{ln.loan_no}", loan_no=ln.loan_no, item=p.code,
                      warehouse="WH-PL", qty_floor=ln.pledge_floor, unit=p.unit.value,
                      status="active")  # fmt: skip
            qty = round(ln.pledge_floor * 1.25)
            self.state[f.uscc].stock[(p.code, "WH-PL")] += qty
            self._third(rows, "inventory_movement", f.uscc, local_dt(day, 5),
                        id=f"OPEN-PL-{ln.loan_no}", source="wms-pl", received_at=arrive,
                        movement_type="adjustment_in", item=p.code, warehouse="WH-PL", qty=float(qty),
                      unit=p.unit.value, reference_no=f"PL-{ln.loan_no}")  # fmt: skip
        # Repayment history before the simulated period.
        d = _next_repayment_day(ln.start)
        while d < day:
            self._repayment(f, ln, d, rows, arrive)
            d = _next_repayment_day(d)

    def _repayment(
        self, f: Firm, ln: Any, due: date, rows: dict[str, list[dict[str, Any]]], arrive: datetime
    ) -> None:
        missed = self._first_missed(f, ln)
        final = due >= ln.maturity
        paid = missed is None or due < missed
        interest = round(ln.principal * ln.annual_rate / 12, 2)
        self._third(rows, "repayment", f.uscc, local_dt(due, 16 * 60),
                    id=f"{ln.loan_no}-{due:%Y%m%d}", source="bank-core", received_at=arrive,
                    loan_no=ln.loan_no, due_date=due, paid_date=due if paid else None,
                  principal_paid=ln.principal if (paid and final) else 0.0,
                  interest_paid=interest if paid else 0.0)  # fmt: skip

    def _first_missed(self, f: Firm, ln: Any) -> date | None:
        for t in self.truth_by_kind[Planted.LOAN_DEFAULT]:
            if t.firm == f.uscc and t.detail["loan_no"] == ln.loan_no:
                return date.fromisoformat(t.detail["first_missed"])
        return None

    def _credit_opening(
        self, f: Firm, day: date, rng: np.random.Generator, rows: dict[str, list[dict[str, Any]]]
    ) -> None:
        arrive = local_dt(day, 7 * 60)
        bad = f.roles & {Planted.SHELL_FIRM, Planted.ZOMBIE_FIRM, Planted.LOAN_DEFAULT}
        rating = "C" if bad else str(rng.choice(["A", "B", "B", "M"] if f.level is Level.ENTRY
                                                 else ["A", "A", "B", "M"]))  # fmt: skip
        # Tax credit ratings of a year are published in April of the next one.
        published = date(day.year if day >= date(day.year, 4, 1) else day.year - 1, 4, 1)
        records: list[tuple[str, str, str | None, date]] = [
            ("tax_credit_rating", f"TAX-{published.year - 1}-{f.short}", rating, published)
        ]
        patents = {Level.ENTRY: 0, Level.STANDARDIZED: 2, Level.OPTIMIZED: 6}[f.level]
        for k in range(int(rng.poisson(patents))):
            kind = "发明" if rng.random() < 0.3 else "实用新型"
            granted = f.established + timedelta(days=int(rng.integers(365, 3000)))
            records.append(
                ("patent", f"ZL{granted.year}1{f.short}{k:02d}", kind, min(granted, day))
            )
        if f.level is Level.OPTIMIZED:
            for k in range(int(rng.integers(0, 3))):
                records.append(
                    ("copyright", f"SR{f.short}{k}", "软件著作权", day - timedelta(days=400))
                )
            if rng.random() < 0.4:
                records.append(
                    (
                        "specialized_sme",
                        f"ZJTX-{f.short}",
                        "省级专精特新",
                        day - timedelta(days=200),
                    )
                )
        if rng.random() < 0.08:
            since = day - timedelta(days=int(rng.integers(30, 300)))
            records.append(
                ("litigation", f"({since.year})浙0206民初{f.short}号", "买卖合同纠纷", since)
            )
        for rtype, ref, value, since in records:
            self._third(rows, "credit_record", f.uscc, local_dt(since, 9 * 60),
                        id=f"{rtype}-{ref}", source="credit-bureau", received_at=arrive,
                        record_type=rtype, reference_no=ref,
                      authority=_AUTHORITY[rtype], value=value, start_date=since)  # fmt: skip

    def _business(
        self,
        f: Firm,
        day: date,
        rng: np.random.Generator,
        made: dict[str, float],
        rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        st = self.state[f.uscc]
        work = is_workday(day, six_day_week=f.six_day_week)
        if Planted.SHELL_FIRM in f.roles:
            self._shell(f, day, rng, work, rows)
            return
        if Planted.ZOMBIE_FIRM in f.roles:
            return
        self._new_orders(f, day, rng, work, rows)
        if work:  # what was finished on earlier days leaves today
            for order in [o for o in st.orders if not o.shipped and o.produced >= o.qty]:
                self._ship(f, order, day, rng, rows)
        self._produce(f, day, rng, made, rows)
        self._purchases(f, day, rng, work, made, rows)
        self._settle(f, day, rng, rows)
        self._planted_trades(f, day, rng, rows)

    def _new_orders(
        self,
        f: Firm,
        day: date,
        rng: np.random.Generator,
        work: bool,
        rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        st = self.state[f.uscc]
        cap = f.daily_capacity
        h = self.health(f, day)
        shares = np.array([c[2] for c in f.customers])
        # Customers call off about DEMAND of the rated capacity of each product every workday
        # (daily delivery schedules, as core enterprises run their suppliers), now and then with
        # a rush order on top; demand falls with the firm's health. A planted late order is a
        # large one due in 8 days that the firm keeps putting off.
        planned: list[tuple[str, str, Any]] = [
            (t.detail["order_no"], "late", f.products[int(rng.integers(0, len(f.products)))])
            for t in self.truth_by_kind[Planted.LATE_DELIVERY]
            if t.firm == f.uscc and _local_day(t.start) == day
            and not any(o.order_no == t.detail["order_no"] for o in st.orders)
        ] + [  # a core buyer's order that the planted interruption will hit
            (t.detail["order_no"], "supply", f.products[0])
            for t in self.truth_by_kind[Planted.SUPPLIER_INTERRUPTION]
            if t.firm == f.uscc
            and _local_day(t.start) - timedelta(days=ORDER_BEFORE_STOP) == day
        ]  # fmt: skip
        for p in f.products if work else ():
            planned.append((f"SO-{f.short}-{day:%y%m%d}-{st.next():04d}", "call_off", p))
            if rng.random() < RUSH_CHANCE:
                planned.append((f"SO-{f.short}-{day:%y%m%d}-{st.next():04d}", "rush", p))
        for order_no, kind, p in planned:
            late = kind == "late"
            c = f.customers[
                0
                if kind in ("late", "supply")
                else int(rng.choice(len(f.customers), p=shares / shares.sum()))
            ]
            daily = cap[p.code] * DEMAND
            if kind == "call_off":
                qty = float(max(1, round(daily * max(h, 0.15) * rng.uniform(0.6, 1.4))))
                lead = int(np.ceil(qty / max(daily, 1e-9))) + int(rng.integers(4, 11))
            elif late:
                qty = float(max(1, round(daily * rng.uniform(2.0, 6.0))))
                lead = 8
            elif kind == "supply":
                qty = float(max(1, round(daily * rng.uniform(2.0, 4.0))))
                lead = 10
            else:
                qty = float(max(1, round(daily * rng.uniform(0.5, 1.5))))
                lead = int(np.ceil(qty / max(daily, 1e-9))) + int(rng.integers(1, 5))
            due = day + timedelta(days=lead)
            price = round(p.price * float(rng.uniform(0.95, 1.05)), 2)
            machine = next(m for m in f.machines if m.product.code == p.code)
            wo = "WO" + order_no[2:]
            order = Order(order_no, c[0], c[1], p.code, p.unit.value, price, qty, day, due, wo,
                          machine.code, starved=late)  # fmt: skip
            st.orders.append(order)
            t = local_dt(day, int(rng.integers(9 * 60, 17 * 60)))
            self._add(rows, "sales_order", f, t, rng, id=f"{order_no}-1", order_no=order_no,
                      line_no=1, counterparty=c[0], counterparty_name=c[1], item=p.code, qty=qty,
                      unit=p.unit.value, unit_price=price, amount=round(qty * price, 2),
                      order_date=day, due_date=due, status="open")  # fmt: skip
            self._add(rows, "work_order", f, t + timedelta(minutes=30), rng, id=wo,
                      work_order_no=wo, item=p.code, planned_qty=qty, unit=p.unit.value,
                      planned_start=local_dt(day + timedelta(days=1), 8 * 60),
                      planned_end=local_dt(due - timedelta(days=1), 17 * 60),
                      sales_order_no=order_no, device=machine.code)  # fmt: skip
            if late:
                self.late_orders[order_no].detail.update(
                    {"due_date": due.isoformat(), "customer": c[0]}
                )

    def _produce(
        self,
        f: Firm,
        day: date,
        rng: np.random.Generator,
        made: dict[str, float],
        rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        st = self.state[f.uscc]
        t = local_dt(day, 20 * 60 if f.shift != "day" else 17 * 60 + 30)
        scrap_rate = SCRAP_RATE[f.level]
        used = 0.0
        for code, qty in made.items():
            if qty <= 0:
                continue
            unit = next(p.unit.value for p in f.products if p.code == code)
            left = qty
            queue = sorted((o for o in st.orders if o.product == code and o.produced < o.qty),
                           key=lambda o: (o.starved and day <= o.due, o.due))  # fmt: skip
            for o in queue:
                if left <= 0:
                    break
                share = min(left, o.qty - o.produced)
                if o.starved and day <= o.due:
                    share = min(share, round(qty * 0.05))
                if share <= 0:
                    continue
                o.produced += share
                left -= share
                scrap = float(rng.binomial(int(share), scrap_rate))
                reported = share
                if f.level is Level.ENTRY:
                    if rng.random() < 0.12:
                        continue  # the clerk did not report this one: a gap
                    reported = round(share, -1) if share > 50 else share
                self._add(rows, "production_report", f, t, rng, id=f"PR-{o.work_order_no}-{day:%m%d}",
                          source="mes" if f.level is not Level.ENTRY else "manual",
                          work_order_no=o.work_order_no, item=code, device=o.device,
                          good_qty=float(reported), scrap_qty=scrap,
                          rework_qty=float(rng.binomial(int(share), scrap_rate / 2)), unit=unit,
                          period_start=local_dt(day, 8 * 60))  # fmt: skip
                if f.level is Level.OPTIMIZED:
                    n = max(1, round(share * 0.05))
                    self._add(rows, "quality_inspection", f, t, rng,
                              id=f"QI-P-{o.work_order_no}-{day:%m%d}", channel="device",
                              source="QS-01", stage="in_process", item=code,
                              work_order_no=o.work_order_no, inspected_qty=float(n),
                              passed_qty=float(n - rng.binomial(n, 0.01)), unit=unit)  # fmt: skip
            st.stock[(code, "WH-FG")] += qty
            used += qty * f.material.per_output
            self._add(rows, "inventory_movement", f, t + timedelta(minutes=10), rng,
                      id=f"IN-{code}-{day:%Y%m%d}", movement_type="production_in", item=code,
                      warehouse="WH-FG", qty=float(qty), unit=unit, lot=f"L{day:%y%m%d}")  # fmt: skip
        if used > 0:
            used = round(min(used, st.stock[(f.material.code, "WH-RM")]), 3)
            if used > 0:
                st.stock[(f.material.code, "WH-RM")] -= used
                self._add(rows, "inventory_movement", f, t + timedelta(minutes=15), rng,
                          id=f"ISS-{day:%Y%m%d}", movement_type="issue", item=f.material.code,
                          warehouse="WH-RM", qty=used, unit=f.material.unit.value)  # fmt: skip

    def _ship(
        self,
        f: Firm,
        o: Order,
        day: date,
        rng: np.random.Generator,
        rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        st = self.state[f.uscc]
        if st.stock[(o.product, "WH-FG")] < o.qty:
            return
        st.stock[(o.product, "WH-FG")] -= o.qty
        o.shipped = True
        n = st.next()
        ship_no = f"SH-{f.short}-{day:%y%m%d}-{n:04d}"
        t = local_dt(day, int(rng.integers(14 * 60, 17 * 60)))
        defects = float(rng.binomial(int(o.qty), 0.004))
        cert = f"HG-{f.short}-{n:05d}" if f.level is not Level.ENTRY else None
        self._add(rows, "quality_inspection", f, t - timedelta(hours=1), rng, id=f"QI-F-{o.work_order_no}",
                  stage="final", item=o.product, lot=o.work_order_no, work_order_no=o.work_order_no,
                  inspected_qty=o.qty, passed_qty=o.qty - defects, unit=o.unit,
                  certificate_no=cert)  # fmt: skip
        tracked = f.level is not Level.ENTRY
        carrier = CARRIERS[n % len(CARRIERS)] if tracked else "自有货车"
        tracking = f"{carrier[:2]}{day:%y%m%d}{f.short}{n:04d}" if tracked else None
        freight = round(o.qty * o.price * 0.015, 2)
        common: dict[str, Any] = {"shipment_no": ship_no, "consignee": o.customer, "sales_order_no": o.order_no,
                  "carrier": carrier, "tracking_no": tracking, "item": o.product, "qty": o.qty,
                  "unit": o.unit}  # fmt: skip
        self._add(rows, "shipment", f, t, rng, id=f"{ship_no}-shipped", status="shipped",
                  location=self.park.preset.town, freight=freight, **common)  # fmt: skip
        delivered = t + timedelta(hours=int(rng.integers(18, 52)))
        if tracked:
            self._third(
                rows,
                "shipment",
                f.uscc,
                t + timedelta(hours=3),
                id=f"{ship_no}-in_transit",
                source="carrier",
                status="in_transit",
                location="运输途中",
                **common,
            )
            self._third(
                rows,
                "shipment",
                f.uscc,
                delivered,
                id=f"{ship_no}-delivered",
                source="carrier",
                status="delivered",
                location="客户仓库",
                **common,
            )
        if any(o.customer == b.uscc for b in self.park.buyers):
            self._third(rows, "shipment", f.uscc, delivered + timedelta(hours=2),
                        id=f"{ship_no}-receipt_confirmed", source="buyer-wms",
                        status="receipt_confirmed", location="客户仓库", **common)  # fmt: skip
            # the core buyer's incoming inspection of a sample, fed back (客户验收)
            sample = float(max(1, round(o.qty * 0.1)))
            self._third(rows, "quality_inspection", f.uscc, delivered + timedelta(hours=3),
                        id=f"{ship_no}-customer", source="buyer-qms", stage="customer",
                        item=o.product, lot=ship_no, inspected_qty=sample,
                        passed_qty=sample - float(rng.binomial(int(sample), 0.006)),
                        unit=o.unit)  # fmt: skip
        self._add(rows, "inventory_movement", f, t, rng, id=f"OUT-{ship_no}",
                  movement_type="shipment", item=o.product, warehouse="WH-FG", qty=o.qty,
                  unit=o.unit, reference_no=ship_no)  # fmt: skip
        gross = o.qty * o.price
        net = round(gross / (1 + VAT), 2)
        inv = f"INV-{f.short}-{day:%y%m%d}-{n:04d}"
        self._add(rows, "invoice", f, t + timedelta(hours=1), rng, id=inv, invoice_no=inv,
                  direction="sales", counterparty=o.customer, amount=net,
                  tax_amount=round(gross - net, 2), issue_date=day, sales_order_no=o.order_no,
                  e_invoice=tracked or rng.random() < 0.5)  # fmt: skip
        core = any(o.customer == b.uscc for b in self.park.buyers)
        pay_day = delivered.date() + timedelta(days=(60 if core else 30) + int(rng.integers(-3, 8)))
        st.receivables.append((pay_day, inv, o.customer, round(gross, 2)))
        if o.order_no in self.late_orders:
            self.late_orders[o.order_no].detail.update(
                {"delivered": delivered.astimezone(UTC).isoformat(), "shipment_no": ship_no}
            )

    def _purchases(
        self,
        f: Firm,
        day: date,
        rng: np.random.Generator,
        work: bool,
        made: dict[str, float],
        rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        st = self.state[f.uscc]
        mat = f.material
        per_day = sum(f.daily_capacity.values()) * 0.6 * mat.per_output
        stock = st.stock[(mat.code, "WH-RM")]
        h = self.health(f, day)
        if work and stock + st.material_on_order < per_day * 8 and per_day > 0:
            qty = round(per_day * 15 * max(h, 0.3), 3)
            supplier = f.suppliers[int(rng.integers(0, len(f.suppliers)))]
            price = self.prices[mat.item_class][0]
            po = f"PO-{f.short}-{day:%y%m%d}-{st.next():04d}"
            arrive = day + timedelta(days=int(rng.integers(3, 8)))
            t = local_dt(day, int(rng.integers(9 * 60, 16 * 60)))
            self._add(rows, "purchase_order", f, t, rng, id=f"{po}-1", order_no=po,
                      counterparty=supplier[0], counterparty_name=supplier[1], item=mat.code,
                      qty=qty, unit=mat.unit.value, unit_price=round(price, 2),
                      amount=round(qty * price, 2), order_date=day, due_date=arrive)  # fmt: skip
            st.material_on_order += qty
            st.deliveries.append((arrive, po, qty, supplier[0]))
        for delivery in [d for d in st.deliveries if d[0] == day]:
            st.deliveries.remove(delivery)
            _, po, qty, vendor = delivery
            st.material_on_order -= qty
            st.stock[(mat.code, "WH-RM")] += qty
            t = local_dt(day, int(rng.integers(9 * 60, 16 * 60)))
            self._add(rows, "inventory_movement", f, t, rng, id=f"RCV-{po}",
                      movement_type="receipt", item=mat.code, warehouse="WH-RM", qty=qty,
                      unit=mat.unit.value, reference_no=po, receipt_no=f"RK{po[2:]}")  # fmt: skip
            if f.level is not Level.ENTRY:
                self._add(rows, "quality_inspection", f, t + timedelta(minutes=40), rng,
                          id=f"QI-I-{po}", stage="incoming", item=mat.code, lot=po,
                          inspected_qty=qty, passed_qty=qty, unit=mat.unit.value)  # fmt: skip
            gross = qty * self.prices[mat.item_class][0]
            net = round(gross / (1 + VAT), 2)
            inv = f"PINV-{po[3:]}"
            self._add(rows, "invoice", f, t + timedelta(hours=2), rng, id=inv, invoice_no=inv,
                      direction="purchase", counterparty=vendor, amount=net,
                      tax_amount=round(gross - net, 2), issue_date=day,
                      e_invoice=f.level is not Level.ENTRY)  # fmt: skip
            delay = 30 if self.health(f, day) > 0.7 else 75
            st.payables.append((day + timedelta(days=delay), inv, vendor, round(gross, 2)))

    def _settle(
        self, f: Firm, day: date, rng: np.random.Generator, rows: dict[str, list[dict[str, Any]]]
    ) -> None:
        st = self.state[f.uscc]
        for direction, book in (("sales", st.receivables), ("purchase", st.payables)):
            for item in [x for x in book if x[0] <= day]:
                book.remove(item)
                _, inv, party, amount = item
                t = local_dt(day, int(rng.integers(9 * 60, 16 * 60)))
                self._add(rows, "payment", f, t, rng, id=f"PAY-{inv}", payment_no=f"PAY-{inv}",
                          direction=direction, counterparty=party, amount=amount,
                          invoice_no=inv, value_date=day)  # fmt: skip

    def _shell(
        self,
        f: Firm,
        day: date,
        rng: np.random.Generator,
        work: bool,
        rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        """Invoices and money moving, with no production, energy or logistics behind them."""
        st = self.state[f.uscc]
        if work and rng.random() < 0.35:
            c = f.customers[int(rng.integers(0, len(f.customers)))]
            gross = round(float(rng.uniform(80_000, 400_000)), 2)
            net = round(gross / (1 + VAT), 2)
            inv = f"INV-{f.short}-{day:%y%m%d}-{st.next():04d}"
            t = local_dt(day, int(rng.integers(9 * 60, 17 * 60)))
            self._add(rows, "invoice", f, t, rng, id=inv, invoice_no=inv, direction="sales",
                      counterparty=c[0], amount=net, tax_amount=round(gross - net, 2),
                      issue_date=day, e_invoice=True)  # fmt: skip
            st.receivables.append(
                (day + timedelta(days=int(rng.integers(5, 20))), inv, c[0], gross)
            )
            s = f.suppliers[0]
            pinv = f"PINV-{f.short}-{day:%y%m%d}-{st.next():04d}"
            pnet = round(net * 0.93, 2)
            self._add(rows, "invoice", f, t + timedelta(hours=1), rng, id=pinv, invoice_no=pinv,
                      direction="purchase", counterparty=s[0], amount=pnet,
                      tax_amount=round(pnet * VAT, 2), issue_date=day, e_invoice=True)  # fmt: skip
            st.payables.append((day + timedelta(days=int(rng.integers(5, 20))), pinv, s[0],
                                round(pnet * (1 + VAT), 2)))  # fmt: skip
        self._settle(f, day, rng, rows)

    def _planted_trades(
        self, f: Firm, day: date, rng: np.random.Generator, rows: dict[str, list[dict[str, Any]]]
    ) -> None:
        st = self.state[f.uscc]
        for kind in (Planted.FICTITIOUS_TRADE, Planted.CIRCULAR_TRADE):
            for t in self.truth_by_kind[kind]:
                if t.firm != f.uscc or _local_day(t.start) != day:
                    continue
                party = t.detail["counterparty"]
                gross = 1_580_000.0 if kind is Planted.CIRCULAR_TRADE else round(
                    float(rng.uniform(600_000, 1_500_000)), -3)  # fmt: skip
                net = round(gross / (1 + VAT), 2)
                inv = f"INV-{f.short}-{day:%y%m%d}-{st.next():04d}"
                self._add(rows, "invoice", f, t.start, rng, id=inv, invoice_no=inv,
                          direction="sales", counterparty=party, amount=net,
                          tax_amount=round(gross - net, 2), issue_date=day, e_invoice=True,
                          sales_order_no=f"SO-{f.short}-{day:%y%m%d}-X")  # fmt: skip
                t.detail.update({"invoice_no": inv, "amount": gross})
                if kind is Planted.CIRCULAR_TRADE:
                    st.receivables.append((day + timedelta(days=3), inv, party, gross))
                    # the counterparty books the same invoice as a purchase
                    other = self.park.firm(party)
                    self._add(rows, "invoice", other, t.start + timedelta(hours=1), rng,
                              id=f"P{inv}", invoice_no=inv, direction="purchase",
                              counterparty=f.uscc, amount=net, tax_amount=round(gross - net, 2),
                              issue_date=day, e_invoice=True)  # fmt: skip
                    self.state[party].payables.append((day + timedelta(days=3), inv, f.uscc, gross))

    # -- meters ------------------------------------------------------------------------------
    def _energy(
        self,
        day: date,
        rng: np.random.Generator,
        firm_power: dict[str, np.ndarray],
        rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        """Main electricity, gas and water meters: 15-minute, hourly or daily by hand."""
        for f in self.firms:
            if not f.machines:
                continue
            installed = sum(m.kw for m in f.machines)
            zombie = Planted.ZOMBIE_FIRM in f.roles
            base = np.where(self.shift_masks[f.shift], installed * 0.05, installed * 0.01) + 1.0
            power = np.full(1440, 0.4) if zombie else firm_power.get(f.uscc, 0) + base
            kwh = power / 60.0
            made = 0.0 if zombie else float(power.sum() / max(installed, 1) / 60)
            gas = kwh * (f.trade.gas_m3_per_output * sum(m.rate_per_hour for m in f.machines)
                         / max(installed, 1)) * 0.6 if f.trade.gas_m3_per_output else None  # fmt: skip
            water = max(0.5, f.staff * 0.06 + made * 0.4) * float(rng.uniform(0.9, 1.1))
            if f.level is Level.ENTRY:
                self._manual_meter(f, day, rng, "EM-MAIN", "electricity", "kWh", kwh.sum(), rows)
                if gas is not None:
                    self._manual_meter(f, day, rng, "GM-MAIN", "gas", "m3", gas.sum(), rows)
                if day.weekday() == 0 or self.days_done == 0:
                    self._manual_meter(
                        f, day, rng, "WM-MAIN", "water", "t", water, rows, weekly=True
                    )
                else:
                    self.state[f.uscc].energy_acc["WM-MAIN"] += water
                continue
            step = 15 if f.level is Level.OPTIMIZED else 60
            if f.level is Level.OPTIMIZED:
                self._green(f, day, float(kwh.sum()), rows)
            self._meter_series(f, day, rng, "EM-MAIN", "electricity", "kWh", kwh, step, rows)
            if gas is not None:
                self._meter_series(f, day, rng, "GM-MAIN", "gas", "m3", gas,
                                   60 if f.level is Level.OPTIMIZED else 1440, rows)  # fmt: skip
            per_minute = np.full(1440, water / 1440)
            if f.level is Level.OPTIMIZED:
                self._meter_series(f, day, rng, "WM-MAIN", "water", "t", per_minute, 1440, rows)
            else:
                self._manual_meter(f, day, rng, "WM-MAIN", "water", "t", water, rows)

    def _green(self, f: Firm, day: date, kwh: float, rows: dict[str, list[dict[str, Any]]]) -> None:
        """Optimized firms buy green certificates (绿证) for GREEN_SHARE of each month's
        electricity; the registry reports them on the 1st of the next month."""
        st = self.state[f.uscc]
        if st.green_from is None:
            st.green_from = day
        if day.day == 1 and day > st.green_from:
            end = day - timedelta(days=1)
            mwh = float(int(GREEN_SHARE * st.energy_acc["green"] / 1000))
            if mwh >= 1:
                self._third(rows, "green_power", f.uscc, local_dt(day, 10 * 60),
                            id=f"GEC-{f.uscc[-6:]}-{end:%Y%m}", source="gec", delay_min=60,
                            instrument_no=f"GEC{end:%Y%m}{f.uscc[-6:]}", instrument="certificate",
                            mwh=mwh, consumed_from=st.green_from, consumed_to=end,
                            issuer="国家绿证核发交易系统")  # fmt: skip
            st.energy_acc["green"] = 0.0
            st.green_from = day
        st.energy_acc["green"] += kwh

    def _meter_series(
        self,
        f: Firm,
        day: date,
        rng: np.random.Generator,
        meter: str,
        energy_type: str,
        unit: str,
        per_minute: np.ndarray,
        step: int,
        rows: dict[str, list[dict[str, Any]]],
    ) -> None:
        values = per_minute.reshape(-1, step).sum(axis=1)
        for k, v in enumerate(values):
            end = local_dt(day, (k + 1) * step)
            self._add(rows, "energy", f, end, rng, id=f"{meter}-{end:%Y%m%d%H%M}", channel="device",
                      source=f.gateway, received_at=end + timedelta(seconds=int(rng.integers(5, 90))),
                      meter=meter, energy_type=energy_type, value=round(float(v), 3), unit=unit,
                      period_start=end - timedelta(minutes=step))  # fmt: skip

    def _manual_meter(
        self,
        f: Firm,
        day: date,
        rng: np.random.Generator,
        meter: str,
        energy_type: str,
        unit: str,
        value: float,
        rows: dict[str, list[dict[str, Any]]],
        *,
        weekly: bool = False,
    ) -> None:
        """A meter read by hand: the reading covers everything since the last one."""
        st = self.state[f.uscc]
        st.energy_acc[meter] += float(value)
        work = is_workday(day, six_day_week=f.six_day_week)
        if not (work or weekly) or (f.level is Level.ENTRY and rng.random() < 0.1):
            return  # not read today: the next reading covers it
        end = local_dt(day, 17 * 60 + 30)
        since = st.last_energy.get(meter, local_dt(day, 0))
        self._add(rows, "energy", f, end, rng, id=f"{meter}-{end:%Y%m%d}", channel="manual",
                  source="manual", meter=meter, energy_type=energy_type,
                  value=round(st.energy_acc[meter], 2), unit=unit, period_start=since)  # fmt: skip
        st.energy_acc[meter] = 0.0
        st.last_energy[meter] = end

    # -- third parties -----------------------------------------------------------------------
    def _third_party(
        self, day: date, rng: np.random.Generator, rows: dict[str, list[dict[str, Any]]]
    ) -> None:
        provider = self.park.data_provider.uscc
        t = local_dt(day, 15 * 60)
        drops = self.truth_by_kind[Planted.PRICE_DROP]
        for item_class in sorted(self.prices):
            price, unit = self.prices[item_class]
            step = float(rng.normal(0.0, 0.008))
            for d in drops:
                if d.detail["item_class"] == item_class and d.start <= t < (d.end or t):
                    step += float(np.log(1 - d.detail["drop"])) / 10
            price = price * float(np.exp(step))
            self.prices[item_class] = (price, unit)
            if is_workday(day, six_day_week=False):
                self._third(
                    rows,
                    "price_index",
                    provider,
                    t,
                    id=f"{item_class}-{day:%Y%m%d}",
                    source="price-center",
                    item_class=item_class,
                    price=round(price, 2),
                    unit=unit,
                    index_source=f"{self.park.data_provider.name}日度价格",
                )
        for f in self.firms:
            for ln in f.loans:
                due = day.day == 21 and ln.start < day < ln.maturity + timedelta(days=31)
                if due:
                    self._repayment(f, ln, day, rows, local_dt(day, 18 * 60))
                if day.day == 1 and ln.start < day:
                    self._loan_outcome(f, ln, day, rows)
                if ln.pledge_item and day == ln.maturity:
                    self._pledge_release(f, ln, day, rows)
            self._credit_events(f, day, rng, rows)
        for t_ in self.truth_by_kind[Planted.PLEDGE_BREACH]:
            if _local_day(t_.start) == day:
                f = self.park.firm(t_.firm)
                st = self.state[f.uscc]
                key = (t_.detail["item"], "WH-PL")
                loan = next(ln for ln in f.loans if ln.loan_no == t_.detail["loan_no"])
                qty = float(round(st.stock[key] - loan.pledge_floor * 0.4))
                st.stock[key] -= qty
                unit = next(p.unit.value for p in f.products if p.code == t_.detail["item"])
                self._third(rows, "inventory_movement", f.uscc, t_.start,
                            id=f"OUT-PL-{day:%Y%m%d}", source="wms-pl", delay_min=3,
                            movement_type="shipment",
                          item=t_.detail["item"], warehouse="WH-PL", qty=qty, unit=unit,
                          reference_no=f"SH-{f.short}-{day:%y%m%d}-P")  # fmt: skip
                t_.detail.update({"qty_out": qty, "floor": loan.pledge_floor,
                                  "left": st.stock[key]})  # fmt: skip

    def _loan_outcome(
        self, f: Firm, ln: Any, day: date, rows: dict[str, list[dict[str, Any]]]
    ) -> None:
        missed = self._first_missed(f, ln)
        dpd = (day - missed).days if missed and day > missed else 0
        if day > ln.maturity and not missed:
            outcome = "repaid"
        elif dpd >= 90:
            outcome = "default"
        elif dpd > 0:
            outcome = "overdue"
        else:
            outcome = "current"
        if day > ln.maturity + timedelta(days=31) and outcome == "repaid":
            return
        self._third(rows, "loan_outcome", f.uscc, local_dt(day, 6 * 60),
                    id=f"{ln.loan_no}-{day:%Y%m}", source="bank-core", delay_min=60, loan_no=ln.loan_no, outcome=outcome,
                  days_past_due=dpd)  # fmt: skip

    def _pledge_release(
        self, f: Firm, ln: Any, day: date, rows: dict[str, list[dict[str, Any]]]
    ) -> None:
        p = next(p for p in f.products if p.code == ln.pledge_item)
        self._third(rows, "pledge", f.uscc, local_dt(day, 11 * 60), id=f"PL-{ln.loan_no}-released",
                    source="bank-core", pledge_no=f"PL-{ln.loan_no}", loan_no=ln.loan_no,
                    item=p.code, warehouse="WH-PL", qty_floor=ln.pledge_floor, unit=p.unit.value,
                    status="released")  # fmt: skip

    def _credit_events(
        self, f: Firm, day: date, rng: np.random.Generator, rows: dict[str, list[dict[str, Any]]]
    ) -> None:
        """New public records: adverse ones follow a default; idle firms are flagged abnormal."""
        found: list[tuple[str, str, str]] = []
        for t in self.truth_by_kind[Planted.LOAN_DEFAULT]:
            if t.firm != f.uscc:
                continue
            missed = date.fromisoformat(t.detail["first_missed"])
            if day == missed + timedelta(days=20):
                found.append(
                    ("lending_dispute", f"({day.year})浙0206民初{f.short}号", "金融借款合同纠纷")
                )
            if day == missed + timedelta(days=45):
                found.append(
                    ("dishonest_debtor", f"({day.year})浙0206执{f.short}号", "失信被执行人")
                )
                found.append(
                    ("consumption_restriction", f"({day.year})浙0206执限{f.short}号", "限制高消费")
                )
        idle = f.roles & {Planted.ZOMBIE_FIRM, Planted.SHELL_FIRM}
        if idle and day == self.park.start + timedelta(days=self.park.days // 3):
            found.append(
                ("abnormal_operation", f"JYYC-{day.year}-{f.short}", "通过登记的住所无法联系")
            )
        for rtype, ref, value in found:
            self._third(rows, "credit_record", f.uscc, local_dt(day, 9 * 60), id=f"{rtype}-{ref}",
                        source="credit-bureau", delay_min=60, record_type=rtype, reference_no=ref,
                        authority=_AUTHORITY[rtype], value=value, start_date=day)  # fmt: skip


_AUTHORITY = {
    "tax_credit_rating": "国家税务总局宁波市税务局", "patent": "国家知识产权局",
    "copyright": "中国版权保护中心", "specialized_sme": "省经济和信息化厅",
    "litigation": "人民法院", "lending_dispute": "人民法院", "dishonest_debtor": "人民法院",
    "consumption_restriction": "人民法院", "abnormal_operation": "市场监督管理局",
}  # fmt: skip


def _next_repayment_day(after: date) -> date:
    return next_settlement_day(after + timedelta(days=1))


def _local_day(t: datetime) -> date:
    return (t.astimezone(UTC) + timedelta(hours=8)).date()
