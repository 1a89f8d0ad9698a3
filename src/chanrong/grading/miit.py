"""The firm's position on the MIIT SME digital-level scheme (中小企业数字化水平评测, 工信厅企业
〔2022〕32号 and 〔2024〕56号): the points of its foundation, management and results parts, and the
16 operation scenes at levels 1-4, filled from the data where the data can show an item and
marked self-declared where it cannot. Pure.

The point bands and the overall rule follow a public copy of the 2024 manufacturing
questionnaire (../shared/reference/facts-digital-maturity.md); they are not checked against the
official text, and the view says so. It is a position to prepare the official self-assessment,
not the assessment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

UNVERIFIED = (
    "按公开问卷整理,未与官方文本逐项核对 / from a public copy of the questionnaire, not checked "
    "against the official text"
)
# equipment digitised / networked rate -> points (of 6)
RATE_BANDS = ((0.6, 6.0), (0.4, 4.5), (0.2, 3.0), (0.1, 1.5), (0.0, 0.0))
# overall level: (minimum points, minimum scenes at that level or above)
LEVEL_RULE = ((4, 80, 10), (3, 60, 8), (2, 40, 6), (1, 20, 6))
BUSINESS_LINKS = 14


@dataclass(frozen=True)
class Item:
    part: str  # foundation, management, results
    name_zh: str
    name_en: str
    max_points: float
    points: float | None  # None: self-declared, not shown by the data
    basis: str


@dataclass(frozen=True)
class Scene:
    id: str
    name_zh: str
    name_en: str
    level: int | None  # 1-4 from the data; None: self-declared
    basis: str


SCENES = (
    ("product_design", "产品设计", "Product design"), ("process_design", "工艺设计", "Process design"),
    ("marketing", "营销管理", "Marketing"), ("after_sales", "售后服务", "After-sales service"),
    ("planning", "计划排程", "Planning and scheduling"), ("production", "生产管控", "Production control"),
    ("quality", "质量管理", "Quality"), ("equipment", "设备管理", "Equipment"),
    ("safety", "安全生产", "Safety"), ("energy", "能耗管理", "Energy"),
    ("purchasing", "采购管理", "Purchasing"), ("warehousing", "仓储物流", "Warehousing and logistics"),
    ("finance", "财务管理", "Finance"), ("hr", "人力资源", "Human resources"),
    ("office", "协同办公", "Office collaboration"), ("decision", "决策支持", "Decision support"),
)  # fmt: skip


def _band(rate: float | None) -> float | None:
    if rate is None:
        return None
    return next(points for floor, points in RATE_BANDS if rate >= floor)


def _trend(change: float | None, lower_is_better: bool, max_points: float) -> float | None:
    """worse / same (within 2 %) / better -> 0 / 50 / 100 % of the points."""
    if change is None:
        return None
    if abs(change) <= 0.02:
        return max_points / 2
    better = change < 0 if lower_is_better else change > 0
    return max_points if better else 0.0


def position(m: Mapping[str, float | None], answers: Mapping[str, bool]) -> dict[str, object]:
    """`m`: the grading measures plus `digitised_share`, `auto_links` (of 14), and the changes
    `energy_per_revenue_change` and `pass_rate_change` (this 90 days against the 90 before)."""

    def q(key: str, points: float) -> float | None:
        return None if key not in answers else (points if answers[key] else 0.0)

    links = m.get("auto_links")
    items = [
        Item("foundation", "网络建设", "Network", 8, None, "self-declared"),
        Item("foundation", "设备数字化率", "Equipment digitised rate", 6,
             _band(m.get("digitised_share")), "machines registered with data on the platform"),
        Item("foundation", "设备联网率", "Equipment networked rate", 6,
             _band(m.get("device_auto_share")), "machines sending telemetry by themselves"),
        Item("foundation", "业务环节数据自动采集", "Automatic data capture over 14 business links",
             10, None if links is None else round(10 * links / BUSINESS_LINKS, 1),
             f"{links or 0:g} of {BUSINESS_LINKS} links captured by systems, devices or third "
             "parties"),
        Item("foundation", "信息系统覆盖", "Information-system coverage", 10,
             None if m.get("system_share") is None else round(10 * (m["system_share"] or 0), 1),
             "share of business documents recorded by systems"),
        Item("foundation", "网络安全", "Network security", 5, None, "self-declared"),
        Item("foundation", "数据安全", "Data security", 5, None, "self-declared"),
        Item("management", "规划", "Planning", 7.5, q("q_plan", 7.5), "questionnaire"),
        Item("management", "制度", "Rules", 7.5, None, "self-declared"),
        Item("management", "人才", "Talent", 7.5, q("q_data_staff", 7.5), "questionnaire"),
        Item("management", "资金投入", "Digital spend", 7.5, None, "self-declared"),
        Item("results", "百元营收能耗", "Energy per 100 CNY of revenue", 7,
             _trend(m.get("energy_per_revenue_change"), True, 7), "last 90 days vs the 90 before"),
        Item("results", "产品合格率", "Pass rate", 7, _trend(m.get("pass_rate_change"), False, 7),
             "final-inspection pass rate, last 90 days vs the 90 before"),
        Item("results", "人均营收", "Revenue per employee", 3, None, "self-declared"),
        Item("results", "百元营收成本", "Cost per 100 CNY of revenue", 3, None, "self-declared"),
    ]  # fmt: skip
    scenes = [Scene(s, zh, en, *_scene(s, m)) for s, zh, en in SCENES]
    points = round(sum(i.points or 0 for i in items), 1)
    shown = round(sum(i.max_points for i in items if i.points is not None), 1)
    level = 0
    for lv, floor, n in LEVEL_RULE:
        if points >= floor and sum(1 for s in scenes if (s.level or 0) >= lv) >= n:
            level = lv
            break
    return {
        "points": points,
        "points_from_data_max": shown,
        "max_points": 100.0,
        "level": level or None,
        "items": [i.__dict__ for i in items],
        "scenes": [s.__dict__ for s in scenes],
        "rule": UNVERIFIED,
        "scenes_from_data": sum(1 for s in scenes if s.level is not None),
    }


def _scene(scene: str, m: Mapping[str, float | None]) -> tuple[int | None, str]:
    """A scene's level where the data show it; (None, 'self-declared') elsewhere."""
    auto = m.get("device_auto_share") or 0
    core = m.get("core_auto_share") or 0
    system = m.get("system_share") or 0
    if scene == "equipment":
        if core >= 0.8:
            return 3, "key machines' running parameters collected in real time"
        return (1, "a device register, no live data") if m.get("digitised_share") else (
            None, "self-declared")  # fmt: skip
    if scene == "energy":
        gap = m.get("energy_interval_min")
        if gap is not None and gap <= 60:
            return 3, f"meters read automatically every {gap:g} min"
        return (2, "meters read and recorded daily") if m.get("energy_days_share") else (
            None, "self-declared")  # fmt: skip
    if scene == "quality":
        if (m.get("station_days_share") or 0) >= 0.5:
            return 3, "in-process results from an on-line station"
        if (m.get("certified_share") or 0) >= 0.9:
            return 2, "inspections recorded, certificates issued"
        return (1, "inspections recorded") if m.get("quality_stages") else (None, "self-declared")
    if scene == "production":
        if core >= 0.8 and system >= 0.9:
            return 3, "production reported by systems, machines counted automatically"
        return (2, "production reports on the platform") if system else (None, "self-declared")
    if scene == "planning":
        return (2, "work orders planned in a system") if system >= 0.9 else (None, "self-declared")
    if scene == "warehousing":
        if (m.get("tracked_share") or 0) >= 0.8:
            return 3, "stock movements recorded, shipments tracked by the carrier"
        return (2, "stock movements recorded") if system else (None, "self-declared")
    if scene == "finance":
        return (2, "tax e-invoices") if (m.get("einvoice_share") or 0) >= 0.9 else (
            None, "self-declared")  # fmt: skip
    if scene in ("marketing", "purchasing"):
        return (2, "orders recorded in a system") if system >= 0.9 else (None, "self-declared")
    if scene == "decision" and auto >= 0.8 and system >= 0.9:
        return 3, "live operating data of the whole plant on the platform"
    return None, "self-declared"
