"""The criteria of the basic digital-capability grading (基础数字化能力分类分级), declared as data.

Three dimensions (要素 element: can the data be seen; 管理 management: does the data run the
firm; 关系 relationship: is the data shared and can outsiders check it) by three levels (入门
entry, 规范 standardized, 优化 optimized), as DOMAIN.md and the guide describe them. Each
criterion reads one evidence measure (`grading.evidence`) and compares it with a threshold a
park official can read; where the data cannot show a thing (data staff, plans, training) the
criterion is a yes/no question the firm answers, and the grade says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    """The guide's levels, in order."""

    ENTRY = "entry"  # 入门
    STANDARDIZED = "standardized"  # 规范
    OPTIMIZED = "optimized"  # 优化

    @property
    def rank(self) -> int:
        return LEVELS.index(self) + 1


LEVELS = tuple(Level)
LEVEL_NAMES = {
    Level.ENTRY: ("入门级", "Entry"),
    Level.STANDARDIZED: ("规范级", "Standardized"),
    Level.OPTIMIZED: ("优化级", "Optimized"),
}


class GradeDimension(StrEnum):
    ELEMENT = "element"  # 要素维: visibility 可视
    MANAGEMENT = "management"  # 管理维: controllability 可控
    RELATIONSHIP = "relationship"  # 关系维: collaboration 可协同


DIMENSION_NAMES = {
    GradeDimension.ELEMENT: ("要素维(可视)", "Element (visibility)"),
    GradeDimension.MANAGEMENT: ("管理维(可控)", "Management (controllability)"),
    GradeDimension.RELATIONSHIP: ("关系维(可协同)", "Relationship (collaboration)"),
}


class Source(StrEnum):
    DATA = "data"  # read from the records on the platform
    QUESTIONNAIRE = "questionnaire"  # declared by the firm (自证)


@dataclass(frozen=True)
class Criterion:
    id: str
    dimension: GradeDimension
    level: Level
    name_zh: str
    name_en: str
    measure: str  # an evidence measure (data) or a question id (questionnaire)
    op: str  # ">=" or "<=" (data); "yes" (questionnaire)
    threshold: float
    unit: str
    why: str  # why this threshold marks the level: for docs/grading.md and the page
    source: Source = Source.DATA

    def passes(self, value: float | None) -> bool | None:
        """True or False; None when there is nothing to judge (no answer, no such data)."""
        if value is None:
            return None
        if self.op == ">=":
            return value >= self.threshold
        if self.op == "<=":
            return value <= self.threshold
        return bool(value)

    @property
    def rule(self) -> str:
        if self.source is Source.QUESTIONNAIRE:
            return "yes"
        return f"{self.op} {self.threshold:g} {self.unit}".strip()


E, M, R = GradeDimension.ELEMENT, GradeDimension.MANAGEMENT, GradeDimension.RELATIONSHIP
ENTRY, STD, OPT = Level.ENTRY, Level.STANDARDIZED, Level.OPTIMIZED
Q = Source.QUESTIONNAIRE

CRITERIA: tuple[Criterion, ...] = (
    # 要素维 element: are people, machines and materials captured; real time; true; traceable
    Criterion("e_streams", E, ENTRY, "核心业务数据上平台", "Core business data on the platform",
              "streams", ">=", 2, "kinds",
              "Entry is 'core business in the cloud': at least two kinds of record (orders, "
              "production, energy...) reached the platform in the last 90 days."),
    Criterion("e_core_auto", E, STD, "核心设备自动采集", "Core devices collected automatically",
              "core_auto_share", ">=", 0.8, "share",
              "Standardized means the core (bottleneck) machines report by themselves: at least "
              "80 % of the registered core machines sent device telemetry in the last 30 days."),
    Criterion("e_realtime", E, STD, "数据实时上传", "Data arrive in real time",
              "median_delay_min", "<=", 60, "min",
              "Real time rather than typed up the next morning: the median time from an "
              "operational event (production report, inspection, stock movement, shipment) to "
              "the platform is at most one hour."),
    Criterion("e_complete", E, STD, "数据完整连续", "Data complete over 90 days",
              "energy_days_share", ">=", 0.95, "share",
              "Electricity is the one stream every factory has: readings on at least 95 % of "
              "the last 90 days (of the days since its first reading, for a firm that joined "
              "later) show the data are continuous, not filled in now and then."),
    Criterion("e_logistics", E, STD, "物流可追踪", "Shipments tracked by a carrier",
              "tracked_share", ">=", 0.8, "share",
              "The order -> shipment -> delivery line is traceable: at least 80 % of the "
              "shipments of the last 90 days have a delivery event from the carrier."),
    Criterion("e_chain", E, STD, "订单-生产-发货-开票贯通", "Order -> production -> shipment -> "
              "invoice linked", "chain_share", ">=", 0.9, "share",
              "Standardized data run along the whole line: at least 90 % of the sales invoices "
              "of the last 90 days name an order that a work order with production reports and "
              "a shipment name too, so each sale can be traced back to its making."),
    Criterion("e_all_auto", E, OPT, "多数设备自动采集", "Most devices collected automatically",
              "device_auto_share", ">=", 0.8, "share",
              "Optimized means most devices, not only the bottleneck, are connected: at least "
              "80 % of all registered machines sent device telemetry in the last 30 days."),
    Criterion("e_energy_metered", E, OPT, "能源精细计量", "Energy metered every 15 minutes",
              "energy_interval_min", "<=", 15, "min",
              "Energy automated at the level energy management needs: the main electricity "
              "meter's readings come at most 15 minutes apart (median)."),
    Criterion("e_quality_auto", E, OPT, "质量在线检测", "Quality inspected on line",
              "station_days_share", ">=", 0.5, "share",
              "Quality automated: an inspection station reported in-process results on at "
              "least half of the days with production in the last 90 days."),
    # 管理维 management: does data drive management; is there a data team; are alerts acted on
    Criterion("m_orders", M, ENTRY, "订单在线记录", "Orders recorded",
              "orders", ">=", 1, "orders",
              "Entry: the firm records its sales orders on the platform (at least one in the "
              "last 90 days), the start of managing by data."),
    Criterion("m_systems", M, STD, "业务由系统记录", "Business recorded by systems",
              "system_share", ">=", 0.9, "share",
              "Standardized: at least 90 % of the business documents of the last 90 days (orders,"
              " work orders, production reports, stock movements, shipments, invoices) come from "
              "an ERP/MES, a device or a third party rather than being typed in."),
    Criterion("m_crossproof", M, STD, "内部数据互证", "Internal sources reconcile (互证)",
              "checks_passed", ">=", 1, "checks",
              "Standardized firms can cross-prove: at least one corroboration check (device "
              "counters vs reports, energy vs output, shipments vs invoices, ...) passes over "
              "the last 90 days."),
    Criterion("m_incoming", M, STD, "来料检验", "Incoming material inspected",
              "incoming_share", ">=", 0.8, "share",
              "Quality managed from the door: at least 80 % of the material receipts of the "
              "last 90 days have an incoming inspection recorded."),
    Criterion("m_certificates", M, STD, "出厂合格证", "Shipments certified",
              "certified_share", ">=", 0.9, "share",
              "At least 90 % of the final inspections of the last 90 days issued a certificate "
              "(合格证) that travels with the goods."),
    Criterion("m_data_staff", M, STD, "数据专人负责", "Someone is responsible for data",
              "q_data_staff", "yes", 1, "", "A named person keeps the data complete and acts on "
              "its alerts; data cannot show this, the firm declares it.", Q),
    Criterion("m_quality_stages", M, OPT, "全过程质量管控", "Quality managed at every stage",
              "quality_stages", ">=", 3, "stages",
              "Optimized: incoming, in-process and final inspections are all recorded in the "
              "last 90 days."),
    Criterion("m_plan", M, OPT, "数字化规划", "A digital plan is in force",
              "q_plan", "yes", 1, "", "The firm has a written digital-transformation plan with "
              "a budget, and follows it (declared).", Q),
    Criterion("m_training", M, OPT, "数字化培训", "Staff trained in digital tools",
              "q_training", "yes", 1, "", "Staff using the systems were trained in the last "
              "year (declared).", Q),
    # 关系维 relationship: shared with park / platform / buyers / banks; verifiable by outsiders
    Criterion("r_registered", R, ENTRY, "企业身份可核验", "Identity verifiable",
              "registered", ">=", 1, "",
              "Entry: the firm is registered with a valid 统一社会信用代码 and its GB/T 4754 "
              "industry code, so others can find and identify it."),
    Criterion("r_shared", R, STD, "与园区或客户共享", "Shared with a park or buyer",
              "shared_parties", ">=", 1, "parties",
              "Standardized: data are shared under an authorised consent with at least one "
              "outside party (the park, a buyer, a bank)."),
    Criterion("r_einvoice", R, STD, "电子发票", "Invoices are tax e-invoices",
              "einvoice_share", ">=", 0.9, "share",
              "Outsiders can verify sales: at least 90 % of the invoices of the last 90 days "
              "are tax e-invoices (他证)."),
    Criterion("r_many_parties", R, OPT, "按需向多方共享", "Shared with several kinds of party",
              "party_kinds", ">=", 2, "kinds",
              "Optimized: the data catalog is shared on demand with several kinds of outside "
              "party (at least two of park, buyer, bank)."),
    Criterion("r_third_party", R, OPT, "第三方佐证", "Third-party attested",
              "third_party_share", ">=", 0.15, "share",
              "Optimized data are proven by others: at least 15 % of the business documents of "
              "the last 90 days come from or are confirmed by outside parties (carrier, buyer, "
              "tax e-invoice, utility). Most documents are the firm's own by nature (orders, "
              "work orders, reports), so 15 % means every shipment and invoice is attested."),
)  # fmt: skip
BY_ID = {c.id: c for c in CRITERIA}
assert len(BY_ID) == len(CRITERIA), "criterion ids are unique"
QUESTIONS = tuple(c for c in CRITERIA if c.source is Source.QUESTIONNAIRE)
