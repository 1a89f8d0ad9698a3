"""Every event kind of the data contract (DOMAIN.md, "Canonical data").

Records are flat on purpose: one row per order line, per reading, per movement, so a factory
clerk can fill them in a spreadsheet and the store can keep them as columns.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, Strict

from chanrong.model.base import (
    Code,
    Count,
    Day,
    Event,
    Flag,
    Money,
    NonNegative,
    Number,
    PairRule,
    Positive,
    Text,
    Timestamp,
    Uscc,
)
from chanrong.model.units import Unit


class RunState(StrEnum):
    RUNNING = "running"
    IDLE = "idle"
    STOPPED = "stopped"
    FAULT = "fault"
    OFFLINE = "offline"


class Telemetry(Event):
    """A device snapshot as a gateway reads it; each measured value is one data point."""

    kind = "telemetry"
    table = "ev_telemetry"
    time_series = True
    device: Code = Field(json_schema_extra={"x-ref": "device"})
    run_state: RunState | None = None
    counter: Count | None = Field(None, description="cumulative good-output counter")
    power_kw: NonNegative | None = None
    energy_kwh: NonNegative | None = Field(None, description="cumulative active energy")
    temperature_c: Number | None = None
    pressure_mpa: Number | None = None


class OrderStatus(StrEnum):
    OPEN = "open"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class _OrderLine(Event):
    order_no: Code
    line_no: Count = 1
    counterparty: Uscc
    counterparty_name: Text | None = None
    item: Code
    qty: Positive
    unit: Unit
    unit_price: Money = Field(ge=0, description="元 per unit, tax included")
    amount: Money = Field(ge=0, description="元, tax included")
    order_date: Day
    due_date: Day
    status: OrderStatus = OrderStatus.OPEN


class SalesOrder(_OrderLine):
    """A line of an order the enterprise received; counterparty is the buyer."""

    kind = "sales_order"
    table = "ev_sales_order"


class PurchaseOrder(_OrderLine):
    """A line of an order the enterprise placed; counterparty is the supplier."""

    kind = "purchase_order"
    table = "ev_purchase_order"


class WorkOrder(Event):
    kind = "work_order"
    table = "ev_work_order"
    work_order_no: Code
    item: Code = Field(json_schema_extra={"x-ref": "item"})
    planned_qty: Positive
    unit: Unit
    planned_start: Timestamp
    planned_end: Timestamp
    sales_order_no: Code | None = None
    device: Code | None = Field(None, json_schema_extra={"x-ref": "device"})


class ProductionReport(Event):
    """报工: what a work order produced over a period."""

    kind = "production_report"
    table = "ev_production_report"
    work_order_no: Code
    item: Code = Field(json_schema_extra={"x-ref": "item"})
    device: Code | None = Field(None, json_schema_extra={"x-ref": "device"})
    good_qty: NonNegative
    scrap_qty: NonNegative = 0
    rework_qty: NonNegative = 0
    unit: Unit
    period_start: Timestamp | None = None


class InspectionStage(StrEnum):
    INCOMING = "incoming"
    IN_PROCESS = "in_process"
    FINAL = "final"
    CUSTOMER = "customer"  # the customer's incoming inspection of the firm's goods (客户验收)


class QualityInspection(Event):
    kind = "quality_inspection"
    table = "ev_quality_inspection"
    stage: InspectionStage
    item: Code = Field(json_schema_extra={"x-ref": "item"})
    lot: Code | None = None
    work_order_no: Code | None = None
    inspected_qty: NonNegative
    passed_qty: NonNegative
    unit: Unit
    certificate_no: Code | None = Field(None, description="合格证 number, when issued")


class MovementType(StrEnum):
    RECEIPT = "receipt"
    ISSUE = "issue"
    PRODUCTION_IN = "production_in"
    SHIPMENT = "shipment"
    ADJUSTMENT_IN = "adjustment_in"
    ADJUSTMENT_OUT = "adjustment_out"


class InventoryMovement(Event):
    kind = "inventory_movement"
    table = "ev_inventory_movement"
    movement_type: MovementType
    item: Code = Field(json_schema_extra={"x-ref": "item"})
    warehouse: Code = Field(json_schema_extra={"x-ref": "warehouse"})
    lot: Code | None = None
    qty: Positive
    unit: Unit
    reference_no: Code | None = Field(None, description="order, work order or shipment number")
    receipt_no: Code | None = Field(None, description="入库凭证 number")


class ShipmentStatus(StrEnum):
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RECEIPT_CONFIRMED = "receipt_confirmed"


class Shipment(Event):
    """One step of a shipment's journey; carriers and buyers send theirs as third_party."""

    kind = "shipment"
    table = "ev_shipment"
    shipment_no: Code
    status: ShipmentStatus
    consignee: Uscc
    sales_order_no: Code | None = None
    carrier: Text | None = None
    tracking_no: Code | None = None
    item: Code | None = None
    qty: NonNegative | None = None
    unit: Unit | None = None
    location: Text | None = None
    freight: Money | None = Field(None, ge=0, description="元")


class Direction(StrEnum):
    SALES = "sales"
    PURCHASE = "purchase"


class Invoice(Event):
    kind = "invoice"
    table = "ev_invoice"
    invoice_no: Code
    direction: Direction
    counterparty: Uscc
    amount: Money = Field(ge=0, description="元, before tax")
    tax_amount: Money = Field(ge=0)
    issue_date: Day
    sales_order_no: Code | None = None
    e_invoice: Flag = Field(False, description="verified tax e-invoice (他证)")


class Payment(Event):
    kind = "payment"
    table = "ev_payment"
    payment_no: Code
    direction: Direction = Field(description="sales: money received; purchase: money paid")
    counterparty: Uscc
    amount: Money = Field(gt=0)
    invoice_no: Code | None = None
    value_date: Day


class EnergyType(StrEnum):
    ELECTRICITY = "electricity"
    GAS = "gas"  # natural gas
    WATER = "water"
    STEAM = "steam"  # purchased steam or heat (热力)
    COAL = "coal"  # raw coal burnt on site
    DIESEL = "diesel"  # burnt on site: generators, boilers, forklifts


class EnergyReading(Event):
    """Consumption on one meter over a period ending at event_time."""

    kind = "energy"
    table = "ev_energy"
    time_series = True
    pair_rules = (
        PairRule(
            "energy_type",
            "unit",
            {"electricity": ("kWh", "MWh"), "gas": ("m3",), "water": ("t", "m3"),
             "steam": ("t", "GJ"), "coal": ("t", "kg"), "diesel": ("t", "kg")},
        ),
    )  # fmt: skip
    meter: Code = Field(json_schema_extra={"x-ref": "device"})
    energy_type: EnergyType
    value: NonNegative
    unit: Unit
    period_start: Timestamp | None = None


class CreditRecordType(StrEnum):
    LITIGATION = "litigation"
    DISHONEST_DEBTOR = "dishonest_debtor"
    CONSUMPTION_RESTRICTION = "consumption_restriction"
    ABNORMAL_OPERATION = "abnormal_operation"
    SERIOUS_VIOLATION = "serious_violation"
    TAX_CREDIT_RATING = "tax_credit_rating"
    PATENT = "patent"
    COPYRIGHT = "copyright"
    SPECIALIZED_SME = "specialized_sme"
    LENDING_DISPUTE = "lending_dispute"


class CreditRecord(Event):
    """A record from a public or third-party source (court, tax, market regulator, IP office)."""

    kind = "credit_record"
    table = "ev_credit_record"
    record_type: CreditRecordType
    reference_no: Code = Field(description="case, decision, patent or certificate number")
    authority: Text | None = None
    value: Annotated[str, Strict(), Field(max_length=64)] | None = Field(
        None, description="e.g. tax rating A/B/M/C/D, patent type 发明/实用新型"
    )
    amount: Money | None = Field(None, ge=0)
    start_date: Day
    end_date: Day | None = None


class PriceIndex(Event):
    """A market price for a material or product category; org is the publisher."""

    kind = "price_index"
    table = "ev_price_index"
    item_class: Code
    price: Money = Field(gt=0, description="元 per unit")
    unit: Unit
    index_source: Text


class LoanType(StrEnum):
    WORKING_CAPITAL = "working_capital"
    TECH_UPGRADE = "tech_upgrade"
    RECEIVABLES = "receivables"
    INVENTORY_PLEDGE = "inventory_pledge"
    PARK_CREDIT = "park_credit"


class Loan(Event):
    """A loan drawn by the enterprise (org) from a lender."""

    kind = "loan"
    table = "ev_loan"
    loan_no: Code
    lender: Uscc
    loan_type: LoanType
    principal: Money = Field(gt=0)
    annual_rate: Annotated[float, Strict(), Field(ge=0, le=1)]
    start_date: Day
    maturity_date: Day


class Repayment(Event):
    kind = "repayment"
    table = "ev_repayment"
    loan_no: Code
    due_date: Day
    paid_date: Day | None = None
    principal_paid: Money = Field(ge=0)
    interest_paid: Money = Field(ge=0)


class LoanOutcomeType(StrEnum):
    CURRENT = "current"
    OVERDUE = "overdue"
    REPAID = "repaid"
    DEFAULT = "default"
    RESTRUCTURED = "restructured"
    WRITTEN_OFF = "written_off"


class LoanOutcome(Event):
    kind = "loan_outcome"
    table = "ev_loan_outcome"
    loan_no: Code
    outcome: LoanOutcomeType
    days_past_due: Count = 0


class PledgeStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"


class Pledge(Event):
    """动产质押: a lot of stock pledged to a loan with a quantity floor."""

    kind = "pledge"
    table = "ev_pledge"
    pledge_no: Code
    loan_no: Code
    item: Code = Field(json_schema_extra={"x-ref": "item"})
    warehouse: Code = Field(json_schema_extra={"x-ref": "warehouse"})
    lot: Code | None = None
    qty_floor: Positive
    unit: Unit
    status: PledgeStatus = PledgeStatus.ACTIVE


class GreenInstrument(StrEnum):
    CERTIFICATE = "certificate"  # 绿证 (GEC): 1 certificate = 1 MWh of renewable electricity
    GREEN_POWER_TRADE = "green_power_trade"  # 绿电交易: a contract bundling power and certificates


class GreenPower(Event):
    """Renewable electricity the enterprise holds certificates or a green-power contract for,
    claimed for its consumption over a period (market-based scope 2)."""

    kind = "green_power"
    table = "ev_green_power"
    order_rules = (("consumed_from", "consumed_to"),)
    instrument_no: Code = Field(description="certificate or contract number")
    instrument: GreenInstrument
    mwh: Positive = Field(description="MWh of renewable electricity (1 certificate = 1 MWh)")
    consumed_from: Day = Field(description="first day of the consumption it is claimed for")
    consumed_to: Day = Field(description="last day of the consumption it is claimed for")
    issuer: Text | None = Field(None, description="e.g. 国家绿证核发交易系统, a power exchange")


EVENT_MODELS: tuple[type[Event], ...] = (
    Telemetry, SalesOrder, PurchaseOrder, WorkOrder, ProductionReport, QualityInspection,
    InventoryMovement, Shipment, Invoice, Payment, EnergyReading, CreditRecord, PriceIndex,
    Loan, Repayment, LoanOutcome, Pledge, GreenPower,
)  # fmt: skip
EVENT_KINDS: dict[str, type[Event]] = {m.kind: m for m in EVENT_MODELS}
