"""The "small, fast, light, precise" (小快轻准) toolbox and the roadmap built from it. Pure.

Each item names the data it adds (record kinds, channel), the criteria it meets, and so the
financing and order indicators it unlocks (those reading the kinds it adds, or corroborated by
the checks it makes possible). A firm's roadmap takes, per dimension, the criteria that stand
between it and the next level, and picks the fewest, cheapest items that meet them, each
written for the firm (its machines, its buyer, its park).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chanrong.grading.criteria import BY_ID, LEVELS, GradeDimension, Level
from chanrong.grading.rules import Grade, Result
from chanrong.indicators.catalog import CATALOG


@dataclass(frozen=True)
class Tool:
    id: str
    name_zh: str
    name_en: str
    how_zh: str  # the step, with {placeholders} filled from the firm's evidence
    how_en: str
    cost_cny: int  # typical outlay, 元
    weeks: int  # typical time to put in place
    adds: tuple[str, ...]  # record kinds it makes arrive (or arrive automatically)
    meets: tuple[str, ...]  # criteria ids
    checks: tuple[str, ...] = ()  # corroboration checks it makes possible


TOOLBOX: tuple[Tool, ...] = (
    Tool("gateway_core", "瓶颈设备加装低成本采集网关", "A low-cost gateway on the bottleneck machines",
         "为核心设备 {core_missing} 加装边缘采集网关(Modbus/OPC UA),运行状态与计数自动上传",
         "Fit an edge gateway (Modbus/OPC UA) to the core machines {core_missing}: run state and "
         "counters upload by themselves", 8000, 2, ("telemetry",), ("e_core_auto", "m_crossproof"),
         ("device_vs_reported_output",)),
    Tool("gateway_all", "全部设备联网采集", "Connect every machine",
         "将其余设备 {all_missing} 接入网关,形成全厂设备实时看板",
         "Connect the other machines {all_missing} to the gateway for a whole-plant live board",
         30000, 6, ("telemetry",), ("e_all_auto",), ("device_vs_reported_output",)),
    Tool("scan_reporting", "扫码报工与移动端单据", "Scan-to-report production and mobile documents",
         "用扫码报工App代替纸质报工,生产、出入库、发货单据随业务发生即时上传",
         "Replace paper with a scan-to-report app: production, stock and shipment documents "
         "upload as they happen", 5000, 2,
         ("production_report", "inventory_movement", "shipment", "work_order"),
         ("e_realtime", "m_systems", "e_chain")),
    Tool("cloud_erp", "轻量化云ERP", "A light cloud ERP",
         "订单、采购、库存、发票在云ERP中记录并自动同步到平台",
         "Keep orders, purchases, stock and invoices in a cloud ERP synchronised to the platform",
         20000, 4, ("sales_order", "purchase_order", "inventory_movement", "invoice", "payment"),
         ("m_orders", "m_systems", "e_streams", "e_chain"),
         ("shipments_vs_invoices", "invoices_vs_payments")),
    Tool("smart_meter", "智能电表自动抄表", "A smart main meter read automatically",
         "将总电表 {meters} 更换为智能电表,每日自动上传读数",
         "Replace the main meter {meters} with a smart meter that uploads every day",
         3000, 1, ("energy",), ("e_complete",), ("energy_vs_output",)),
    Tool("energy_submetering", "能源分项计量(15分钟)", "Energy sub-metering every 15 minutes",
         "为主要用能设备加装分项计量电表,15分钟一读,支撑单位产品能耗与碳核算",
         "Sub-meter the main energy users at 15-minute intervals for energy per unit and carbon",
         15000, 3, ("energy",), ("e_energy_metered", "e_complete"), ("energy_vs_output",)),
    Tool("quality_app", "质检App与电子合格证", "A quality-inspection app with e-certificates",
         "来料、出厂检验用App记录,出厂检验自动生成合格证编号随货同行",
         "Record incoming and final inspections in an app that issues the certificate number",
         4000, 2, ("quality_inspection",), ("m_incoming", "m_certificates")),
    Tool("inspection_station", "在线检测工位", "An on-line inspection station",
         "在关键工序设置在线检测工位,过程检验结果自动上传",
         "Put an on-line inspection station on the key operation: in-process results upload "
         "by themselves", 60000, 8, ("quality_inspection",), ("e_quality_auto", "m_quality_stages")),
    Tool("carrier_tracking", "承运商物流轨迹对接", "Carrier tracking",
         "发货时录入承运商运单号,由承运商回传在途与签收节点",
         "Enter the carrier's waybill at shipment; the carrier sends in-transit and delivery "
         "events", 2000, 1, ("shipment",), ("e_logistics", "r_third_party"),
         ("deliveries_vs_receipts",)),
    Tool("e_invoice", "全面数字化电子发票", "Fully digital tax e-invoices",
         "销售与采购发票改用全电发票,开票数据由税务系统佐证",
         "Issue and receive fully digital tax e-invoices, attested by the tax system",
         0, 1, ("invoice",), ("r_einvoice", "r_third_party"), ("shipments_vs_invoices",)),
    Tool("share_buyer", "向核心客户共享订单进度", "Share order progress with the main buyer",
         "授权主要客户 {buyer} 查看订单进度与质量数据",
         "Authorise the main buyer {buyer} to see order progress and quality data",
         0, 1, (), ("r_shared", "r_many_parties")),
    Tool("share_park", "接入园区数字化平台", "Join the park's platform",
         "授权园区 {park} 查看生产与能耗数据,获得园区服务与政策支持",
         "Authorise the park {park} to see production and energy data for its services",
         0, 1, (), ("r_shared", "r_many_parties")),
    Tool("share_bank", "授权银行查看经营数据", "Let a bank see the operating data",
         "向合作银行授权经营数据,用于授信与贷后,替代部分抵押与报表",
         "Authorise a bank to read the operating data for credit, instead of collateral and "
         "paper statements", 0, 1, (), ("r_many_parties",)),
    Tool("data_steward", "设立数据专员", "Name a data steward",
         "指定一名数据专员负责数据完整与告警处置(在问卷中确认)",
         "Name a person responsible for data completeness and alerts (confirm in the "
         "questionnaire)", 0, 1, (), ("m_data_staff",)),
    Tool("digital_plan", "制定数字化转型规划与培训", "A digital plan and training",
         "制定含预算的数字化规划,组织一线员工系统操作培训(在问卷中确认)",
         "Write a digital plan with a budget and train the shop floor on the systems (confirm "
         "in the questionnaire)", 5000, 4, (), ("m_plan", "m_training")),
)  # fmt: skip
TOOLS_BY_ID = {t.id: t for t in TOOLBOX}
assert all(c in BY_ID for t in TOOLBOX for c in t.meets), "tools meet known criteria"


def unlocks(tool: Tool) -> list[str]:
    """The indicators a tool feeds: they read a kind it adds, or a check it enables
    corroborates them."""
    return [i.id for i in CATALOG
            if set(tool.adds) & set(i.kinds) or set(tool.checks) & set(i.corroborated_by)]  # fmt: skip


def next_level(current: Level | None) -> Level | None:
    if current is None:
        return Level.ENTRY
    i = LEVELS.index(current)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def roadmap(
    grade: Grade, context: Mapping[str, str], missing_values: set[str]
) -> list[dict[str, object]]:
    """Per dimension below optimized: the criteria between the firm and the next level, and the
    tools that meet them (greedy: the tool meeting most of what is left, cheapest first).
    `context` fills the tools' texts; `missing_values` are the firm's indicators without a
    value, so a step can say which it would unlock."""
    steps: list[dict[str, object]] = []
    for dim in GradeDimension:
        target = next_level(grade.levels[dim])
        if target is None:
            continue
        gaps: list[Result] = [
            r for r in grade.results
            if r.criterion.dimension is dim and r.criterion.level.rank <= target.rank
            and r.passed is not True
        ]  # fmt: skip
        left = {r.criterion.id for r in gaps}
        order = 0
        while left:
            tool = min(
                (t for t in TOOLBOX if left & set(t.meets)),
                key=lambda t: (-len(left & set(t.meets)), t.cost_cny, t.weeks),
                default=None,
            )
            if tool is None:
                break
            met = sorted(left & set(tool.meets))
            left -= set(tool.meets)
            order += 1
            fed = unlocks(tool)
            steps.append({
                "dimension": dim.value, "target": target.value, "order": order,
                "tool": tool.id, "name_zh": tool.name_zh, "name_en": tool.name_en,
                "how_zh": tool.how_zh.format_map(_Blank(context)),
                "how_en": tool.how_en.format_map(_Blank(context)),
                "cost_cny": tool.cost_cny, "weeks": tool.weeks, "adds": list(tool.adds),
                "meets": [{"criterion": c, "value": next(r.value for r in gaps
                                                         if r.criterion.id == c),
                           "rule": BY_ID[c].rule} for c in met],
                "unlocks": fed, "unlocks_missing": [i for i in fed if i in missing_values],
            })  # fmt: skip
    return steps
