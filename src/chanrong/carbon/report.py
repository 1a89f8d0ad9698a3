"""A firm's carbon report and a park's, as Excel and PDF, each listing the factors it used
with their series, year, region and source."""

from __future__ import annotations

from typing import Any

from chanrong.carbon.factors import REGION_NAMES
from chanrong.documents import Pdf, sheets
from chanrong.i18n import value_label

SUMMARY = (
    ("item", "项目", "Item"), ("value", "数值", "Value"), ("unit", "单位", "Unit"),
)  # fmt: skip
BY_ENERGY = (
    ("energy", "能源品种", "Energy"), ("qty", "消费量", "Quantity"), ("unit", "单位", "Unit"),
    ("tce", "折标准煤(tce)", "Standard coal (tce)"), ("tce_share", "占比", "Share"),
    ("scope", "范围", "Scope"), ("t_location", "排放(基于位置, tCO2)", "Location-based (tCO2)"),
    ("t_market", "排放(基于市场, tCO2)", "Market-based (tCO2)"),
    ("green_kwh", "绿电抵扣(kWh)", "Green power claimed (kWh)"),
    ("factor", "排放因子", "Factor"), ("market_factor", "剩余电网因子", "Residual factor"),
)  # fmt: skip
MONTHLY = (
    ("month", "月份", "Month"), ("tce", "能耗(tce)", "Energy (tce)"),
    ("t_location", "排放(基于位置, tCO2)", "Location-based (tCO2)"),
    ("t_market", "排放(基于市场, tCO2)", "Market-based (tCO2)"),
    ("output_value", "产值(元)", "Output value (CNY)"),
    ("t_per_10k_cny", "万元产值碳排放(tCO2/万元)", "tCO2 per 10,000 CNY"),
)  # fmt: skip
METERS = (
    ("meter", "计量表", "Meter"), ("name", "名称", "Name"), ("energy", "能源品种", "Energy"),
    ("qty", "消费量", "Quantity"), ("tce", "折标准煤(tce)", "tce"),
    ("t_location", "排放(tCO2)", "tCO2"), ("n", "读数条数", "Readings"),
    ("channel", "采集方式", "Channel"),
)  # fmt: skip
DEVICES = (
    ("device", "设备", "Device"), ("name", "名称", "Name"), ("kwh", "用电(kWh)", "kWh"),
    ("t_location", "排放(tCO2)", "tCO2"), ("days", "有数据天数", "Days with data"),
)  # fmt: skip
FOOTPRINTS = (
    ("work_order_no", "工单", "Work order"), ("item", "产品", "Item"),
    ("good_qty", "合格数量", "Good qty"), ("unit", "单位", "Unit"),
    ("run_min", "运行时间(分钟)", "Run time (min)"), ("measured", "设备实测", "Measured"),
    ("tce", "分摊能耗(tce)", "Allocated energy (tce)"), ("t", "分摊排放(tCO2)", "Allocated tCO2"),
    ("kg_per_unit", "单位产品碳足迹(kgCO2)", "kgCO2 per unit"),
    ("first_day", "首次报工", "First report"), ("last_day", "末次报工", "Last report"),
)  # fmt: skip
FACTORS = (
    ("id", "编号", "Id"), ("energy", "能源品种", "Energy"), ("scope", "范围", "Scope"),
    ("variant", "口径", "Variant"), ("value", "数值", "Value"), ("value_unit", "单位", "Unit"),
    ("series", "系列", "Series"), ("year", "年份", "Year"), ("region_name", "区域", "Region"),
    ("source", "来源", "Source"),
)  # fmt: skip
RANKING = (
    ("rank", "排名", "Rank"), ("name", "企业", "Enterprise"), ("org", "统一社会信用代码", "USCC"),
    ("industry_code", "行业", "Industry"), ("tce", "能耗(tce)", "Energy (tce)"),
    ("t_location", "排放(tCO2)", "tCO2"), ("output_value", "产值(元)", "Output value (CNY)"),
    ("t_per_10k_cny", "万元产值碳排放", "tCO2 per 10,000 CNY"),
    ("tce_per_10k_cny", "万元产值能耗(tce)", "tce per 10,000 CNY"),
)  # fmt: skip
INDUSTRY = (
    ("industry", "行业(GB/T 4754 大类)", "Industry (GB/T 4754 division)"),
    ("industry_name", "行业名称", "Industry name"),
    ("firms", "企业数", "Firms"), ("tce", "能耗(tce)", "Energy (tce)"),
    ("t_location", "排放(tCO2)", "tCO2"), ("output_value", "产值(元)", "Output value (CNY)"),
    ("t_per_10k_cny", "万元产值碳排放", "tCO2 per 10,000 CNY"),
)  # fmt: skip
QUOTAS = (
    ("name", "企业", "Enterprise"), ("year", "年度", "Year"),
    ("allowance", "配额(tCO2)", "Allowance (tCO2)"), ("used", "已用(tCO2)", "Used (tCO2)"),
    ("forecast", "全年预测(tCO2)", "Forecast (tCO2)"), ("forecast_share", "预测/配额", "Forecast share"),
    ("status", "状态", "Status"),
)  # fmt: skip


def _labelled(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        x = dict(r)
        if "energy_type" in r:
            x["energy"] = value_label(r["energy_type"], lang)
        if "region" in r:
            x["region_name"] = REGION_NAMES.get(r["region"], (r["region"],) * 2)[lang == "en"]
        out.append(x)
    return out


def _summary_rows(s: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    zh = lang == "zh"
    items = (
        ("综合能耗" if zh else "Energy use", s["tce"], "tce"),
        ("范围一 化石燃料燃烧" if zh else "Scope 1, fuel combustion", s["scope1"], "tCO2"),
        ("范围二 外购电力和热力(基于位置)" if zh else "Scope 2, location-based", s["scope2_location"], "tCO2"),
        ("范围二(基于市场)" if zh else "Scope 2, market-based", s["scope2_market"], "tCO2"),
        ("排放总量(基于位置)" if zh else "Total, location-based", s["t_location"], "tCO2"),
        ("排放总量(基于市场)" if zh else "Total, market-based", s["t_market"], "tCO2"),
        ("绿电抵扣" if zh else "Green power claimed", s["green_kwh"], "kWh"),
        ("产值(含税参考价)" if zh else "Output value (tax-included reference prices)", s["output_value"], "元"),
        ("万元产值碳排放(基于位置)" if zh else "Carbon per 10,000 CNY (location)", s["t_per_10k_cny"], "tCO2/万元"),
        ("万元产值碳排放(基于市场)" if zh else "Carbon per 10,000 CNY (market)", s["t_per_10k_cny_market"], "tCO2/万元"),
        ("万元产值能耗" if zh else "Energy per 10,000 CNY", s["tce_per_10k_cny"], "tce/万元"),
        ("单位产品碳排放" if zh else "Carbon per unit of output", s["kg_per_unit"],
         f"kgCO2/{s['output_unit']}" if s["output_unit"] else "—"),
        ("设备自动采集读数占比" if zh else "Readings from devices", s["device_share"], "%"),
        ("第三方读数占比" if zh else "Readings from third parties", s["third_party_share"], "%"),
        ("PCAF 数据质量评分" if zh else "PCAF data quality score", s["pcaf_score"], "1-5"),
    )  # fmt: skip
    return [{"item": a, "value": b, "unit": c} for a, b, c in items]


def firm_workbook(acc: dict[str, Any], lang: str = "zh") -> bytes:
    zh = lang == "zh"
    return sheets([
        ("概要" if zh else "Summary", SUMMARY, _summary_rows(acc["summary"], lang)),
        ("能源结构" if zh else "By energy", BY_ENERGY, _labelled(acc["by_energy"], lang)),
        ("月度" if zh else "Monthly", MONTHLY, acc["monthly"]),
        ("计量表" if zh else "Meters", METERS, _labelled(acc["meters"], lang)),
        ("设备" if zh else "Devices", DEVICES, acc["devices"]),
        ("产品碳足迹" if zh else "Footprints", FOOTPRINTS, acc["footprints"]),
        ("配额" if zh else "Quota", QUOTAS, [q | {"name": acc["firm"]["name"]} for q in acc["quotas"]]),
        ("排放因子" if zh else "Factors", FACTORS, _labelled(acc["factors"], lang)),
    ], lang)  # fmt: skip


def park_workbook(view: dict[str, Any], lang: str = "zh") -> bytes:
    zh = lang == "zh"
    return sheets([
        ("概要" if zh else "Summary", SUMMARY, _summary_rows(view["summary"], lang)),
        ("能源结构" if zh else "By energy", BY_ENERGY, _labelled(view["by_energy"], lang)),
        ("行业结构" if zh else "By industry", INDUSTRY, view["by_industry"]),
        ("月度" if zh else "Monthly", MONTHLY, view["monthly"]),
        ("强度排名" if zh else "Ranking", RANKING, view["ranking"]),
        ("配额" if zh else "Quotas", QUOTAS, view["quotas"]),
        ("排放因子" if zh else "Factors", FACTORS, _labelled(view["factors"], lang)),
    ], lang)  # fmt: skip


def _n(v: Any, fmt: str = ",.2f") -> str:
    return "—" if v is None else format(v, fmt)


def _pdf_common(out: Pdf, doc: dict[str, Any]) -> None:
    s = doc["summary"]
    out.heading("排放概要")
    out.table([["项目", "数值", "单位"]] + [
        [r["item"], _n(r["value"], ".1%") if r["unit"] == "%" else _n(r["value"], ",.4g"), r["unit"]]
        for r in _summary_rows(s, "zh")], [95, 45, 40])  # fmt: skip
    out.heading("能源结构与排放")
    out.table([["能源", "消费量", "tce", "范围", "基于位置 tCO2", "基于市场 tCO2", "因子"]] + [
        [value_label(r["energy_type"]), f"{_n(r['qty'], ',.1f')} {r['unit']}", _n(r["tce"]),
         str(r["scope"] or "—"), _n(r["t_location"]), _n(r["t_market"]), r["factor"] or "—"]
        for r in doc["by_energy"]], [18, 30, 20, 12, 25, 25, 50])  # fmt: skip
    out.heading("月度趋势")
    out.table([["月份", "能耗 tce", "排放 tCO2", "产值(万元)", "tCO2/万元"]] + [
        [m["month"], _n(m["tce"]), _n(m["t_location"]),
         _n(None if m["output_value"] is None else m["output_value"] / 1e4, ",.1f"),
         _n(m["t_per_10k_cny"], ".4f")] for m in doc["monthly"]], [30, 30, 35, 35, 30])  # fmt: skip


def _pdf_factors(out: Pdf, doc: dict[str, Any]) -> None:
    out.heading("所用排放因子及来源")
    out.table([["编号", "数值", "系列 · 年份 · 区域", "来源"]] + [
        [f["id"], f"{f['value']:g} {f['value_unit']}",
         f"{f['series']} · {f['year']} · {REGION_NAMES.get(f['region'], (f['region'],))[0]}",
         f["source"]] for f in doc["factors"]], [45, 28, 45, 62])  # fmt: skip
    out.para("能耗折标准煤系数取 GB/T 2589-2020;燃料排放按 GB/T 32150-2015 与温室气体核算体系;"
             "范围二同时报告基于位置和基于市场两种方法(绿证、绿电交易电量按零排放,其余电量用剩余电网因子)。"
             "产值为报工合格数量乘以该产品近一年销售订单含税均价。")  # fmt: skip
    for n in doc.get("notes", []):
        out.para(f"注:{n['zh']}")


def firm_pdf(acc: dict[str, Any]) -> bytes:
    f = acc["firm"]
    out = Pdf(f"碳排放报告 {f['name']}")
    out.heading(f"企业碳排放报告 · {f['name']}", top=True)
    out.para(f"统一社会信用代码 {f['uscc']} · 行业 {f['industry_code'] or '—'} · 区划 "
             f"{f['region_code'] or '—'} · 核算期 {acc['period']['start']} 至 {acc['period']['end']}")  # fmt: skip
    _pdf_common(out, acc)
    if acc["footprints"]:
        out.heading("产品碳足迹(按运行时间分摊,排放最多的 20 个工单)")
        out.table([["工单", "产品", "合格数量", "运行(分钟)", "tCO2", "kgCO2/件"]] + [
            [p["work_order_no"], p["item"], _n(p["good_qty"], ",.0f"), _n(p["run_min"], ",.0f"),
             _n(p["t"], ".3f"), _n(p["kg_per_unit"], ".3f")] for p in acc["footprints"][:20]],
            [50, 25, 25, 25, 25, 30])  # fmt: skip
    for q in acc["quotas"]:
        out.heading(f"{q['year']} 年碳配额")
        out.para(f"配额 {q['allowance']:,.1f} tCO2,已用 {q['used']:,.1f} tCO2({q['used_share']:.0%}),"
                 f"全年预测 {q['forecast']:,.1f} tCO2({q['forecast_share']:.0%}),状态 {q['status']}")  # fmt: skip
    _pdf_factors(out, acc)
    return out.bytes()


def park_pdf(view: dict[str, Any]) -> bytes:
    p = view["park"]
    out = Pdf(f"园区碳排放报告 {p['name']}")
    out.heading(f"园区能耗与碳排放报告 · {p['name']}", top=True)
    out.para(f"核算期 {view['period']['start']} 至 {view['period']['end']} · 成员企业 {view['firms']} 家,"
             f"有能耗数据 {view['reporting']} 家")  # fmt: skip
    _pdf_common(out, view)
    out.heading("行业结构(GB/T 4754 大类;不足 3 家企业的行业合并为其他)")
    out.table([["行业", "企业数", "tce", "tCO2", "tCO2/万元"]] + [
        [f"{r['industry']} {r['industry_name'] or ''}", str(r["firms"]), _n(r["tce"]), _n(r["t_location"]),
         _n(r["t_per_10k_cny"], ".4f")] for r in view["by_industry"]], [60, 20, 30, 35, 35])  # fmt: skip
    out.heading(
        f"万元产值碳排放排名(已授权企业 {len(view['ranking'])} 家;另有 {view['not_named']} 家未授权,仅计入汇总)"
    )
    out.table([["排名", "企业", "tCO2", "tCO2/万元", "tce/万元"]] + [
        [str(r["rank"]), r["name"], _n(r["t_location"]), _n(r["t_per_10k_cny"], ".4f"),
         _n(r["tce_per_10k_cny"], ".4f")] for r in view["ranking"]], [15, 75, 30, 30, 30])  # fmt: skip
    c = view["quota_counts"]
    out.heading("碳配额")
    out.para(
        f"已超配额 {c['over']} 家,预测超排 {c['at_risk']} 家,正常 {c['on_track']} 家,无数据 {c['nodata']} 家"
    )
    _pdf_factors(out, view)
    return out.bytes()
