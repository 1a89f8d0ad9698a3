"""The loan officer's due-diligence checklist (尽职调查), pre-filled from the data: each item
either verified by the data (with its evidence and how it is known) or left to check on site
(with the figures to compare there), so the visit covers only what the data cannot. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Values = Mapping[tuple[str, int], dict[str, Any]]  # (indicator, window) -> value row


@dataclass(frozen=True)
class Item:
    id: str
    name_zh: str
    name_en: str
    on_site_zh: str  # what to do on site when the data do not settle it


ITEMS = (
    Item("identity", "主体资格", "Identity and registration",
         "核对营业执照原件与法定代表人身份证"),
    Item("operating", "生产经营正常", "Operating normally",
         "现场查看产线开工情况与设备运行记录"),
    Item("energy", "能耗与产量相符", "Energy consistent with output",
         "抄读总电表读数,与平台读数比对"),
    Item("sales", "销售真实", "Sales genuine",
         "抽查购销合同、发货单与签收单"),
    Item("collection", "回款正常", "Collections normal",
         "核对银行流水中的主要回款"),
    Item("inventory", "存货真实", "Inventory genuine",
         "盘点主要库位存货,与平台库存比对"),
    Item("customers", "客户集中度", "Customer concentration",
         "访谈第一大客户合作情况"),
    Item("credit", "司法与信用记录", "Court and credit records",
         "查询人民银行征信报告"),
    Item("management", "实际控制人与管理层", "Owners and management",
         "访谈实际控制人,核实关联企业与对外担保"),
    Item("premises", "经营场所", "Premises", "查看厂房权属或租赁合同并拍照"),
)  # fmt: skip


def _v(values: Values, key: tuple[str, int]) -> Any:
    row = values.get(key)
    return None if row is None else row.get("value")


def _known(values: Values, *keys: tuple[str, int]) -> str:
    """How the values behind an item are known: the weakest credibility among them."""
    order = {"third_party": 3, "corroborated": 2, "self": 1}
    seen = [values[k]["credibility"] for k in keys if k in values and values[k].get("credibility")]
    return min(seen, key=lambda c: order.get(c, 0)) if seen else "self"


def checklist(
    org: dict[str, Any] | None,
    values: Values,
    trades: dict[str, Any] | None,
    grade: str | None,
) -> list[dict[str, Any]]:
    """Each item: `verified` (by the data, with evidence and credibility), `on_site` (with the
    figures to compare there), or `not_shared` (the consent does not cover what it needs)."""

    def item(i: Item, status: str, evidence: str, known: str | None = None) -> dict[str, Any]:
        return {"id": i.id, "name_zh": i.name_zh, "name_en": i.name_en, "status": status,
                "evidence": evidence, "credibility": known,
                "on_site_zh": None if status == "verified" else i.on_site_zh}  # fmt: skip

    by = {i.id: i for i in ITEMS}
    out = []
    if org and org.get("industry_code"):
        out.append(item(by["identity"], "verified", f"统一社会信用代码 {org['uscc']} 校验通过,"
                        f"行业 {org['industry_code']}", "third_party"))  # fmt: skip
    else:
        out.append(item(by["identity"], "on_site", "登记信息不全"))
    running, qty = _v(values, ("device_running_rate", 30)), _v(values, ("output_qty", 30))
    if running is None and qty is None:
        out.append(item(by["operating"], "not_shared", "无生产数据或未授权"))
    elif (running or 0) >= 50 and _known(values, ("device_running_rate", 30)) != "self":
        out.append(item(by["operating"], "verified", f"近30天设备开机率 {running:.0f}%",
                        _known(values, ("device_running_rate", 30))))  # fmt: skip
    elif (running or 0) >= 50 or (qty or 0) > 0:
        out.append(item(by["operating"], "on_site", f"近30天产量 {qty or 0:,.0f},开机率 "
                        f"{running if running is not None else '—'}(企业自报)"))  # fmt: skip
    else:
        out.append(item(by["operating"], "on_site", "近30天无产量、设备未开机:重点核查是否停产"))
    check = (trades or {}).get("energy_check")
    if check and check.get("status") == "pass":
        out.append(item(by["energy"], "verified", f"能耗/产值互证通过({check['value']:.2f})",
                        "corroborated"))  # fmt: skip
    else:
        out.append(
            item(by["energy"], "on_site", "能耗与产量未能互证" if check else "无能耗互证结果")
        )
    if trades is None:
        out.append(item(by["sales"], "not_shared", "授权未覆盖交易链所需数据"))
    elif trades["invoices"] and not trades["suspect"] and not trades.get("firm_flags"):
        out.append(item(by["sales"], "verified", f"近90天 {len(trades['invoices'])} 张销售发票"
                        "全链路核验无可疑", "third_party"))  # fmt: skip
    else:
        out.append(item(by["sales"], "on_site", f"可疑发票 {trades['suspect']} 张"
                        if trades["invoices"] else "近90天无销售发票"))  # fmt: skip
    rate = _v(values, ("collection_rate", 90))
    if rate is None:
        out.append(item(by["collection"], "not_shared" if not values else "on_site", "无回款数据"))
    elif rate >= 80:
        out.append(item(by["collection"], "verified", f"近90天回款率 {rate:.0f}%",
                        _known(values, ("collection_rate", 90))))  # fmt: skip
    else:
        out.append(item(by["collection"], "on_site", f"近90天回款率仅 {rate:.0f}%"))
    stock = _v(values, ("inventory_value", 0))
    out.append(item(by["inventory"], "on_site", f"平台库存价值 {stock:,.0f} 元,请现场盘点比对"
                    if stock is not None else "无库存数据"))  # fmt: skip
    top = _v(values, ("top_customer_share", 365))
    if top is None:
        out.append(item(by["customers"], "not_shared", "无销售数据或未授权"))
    else:
        out.append(item(by["customers"], "verified" if top < 70 else "on_site",
                        f"第一大客户占比 {top:.0f}%", _known(values, ("top_customer_share", 365))))  # fmt: skip
    adverse = [k for k in ("dishonest_debtor", "consumption_restriction", "lending_disputes")
               if (_v(values, (k, 0)) or 0) > 0]  # fmt: skip
    if _v(values, ("dishonest_debtor", 0)) is None:
        out.append(item(by["credit"], "not_shared", "无信用记录数据或未授权"))
    elif adverse:
        out.append(item(by["credit"], "on_site", "存在不良记录:" + ", ".join(adverse)))
    else:
        out.append(item(by["credit"], "verified", "无失信、限制消费、借贷纠纷记录"
                        + (f";数字化等级 {grade}" if grade else ""), "third_party"))  # fmt: skip
    out.append(item(by["management"], "on_site", "数据无法体现"))
    park = (org or {}).get("park")
    out.append(item(by["premises"], "on_site", f"入驻园区 {park}" if park else "数据无法体现"))
    return out
