"""A firm's grade as an Excel workbook (openpyxl): summary, criteria with evidence, roadmap,
history and the MIIT view, in Chinese with English beside it."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

HEAD = Font(bold=True, color="FFFFFF")
FILL = PatternFill("solid", fgColor="1F4E79")
PASS = {True: "通过 pass", False: "未通过 fail", None: "待答 pending"}


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = HEAD, FILL
    for row in rows:
        ws.append(row)
    for col in ws.columns:
        width = max(len(str(c.value or "")) for c in col)
        ws.column_dimensions[col[0].column_letter].width = min(max(width + 2, 10), 60)
    ws.freeze_panes = "A2"
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")


def workbook(grade: dict[str, Any], firm_name: str) -> bytes:
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    o = grade["overall"]
    summary = [
        ["企业 firm", f"{firm_name} ({grade['org']})"],
        ["评估日 as of", grade["as_of"]],
        ["总体等级 overall", f"{o['name_zh']} {o['name_en']}"],
        ["总分 score (0-100)", grade["score"]],
        *[[f"{d['name_zh']} {d['name_en']}", f"{d['level']['name_zh']} {d['level']['name_en']}"
           f" · {d['score']}"] for d in grade["dimensions"]],
        ["暂定 provisional", "是 yes: " + ", ".join(grade["pending"]) if grade["provisional"]
         else "否 no"],
        ["园区百分位 park percentile", grade["peers"].get("park_percentile")],
        ["行业百分位 industry percentile", grade["peers"].get("industry_percentile")],
        ["可信度构成 credibility (自证/互证/他证)",
         "{self} / {corroborated} / {third_party}".format(**grade["credibility"])],
    ]  # fmt: skip
    _sheet(wb, "总览 Summary", ["项目 item", "内容 value"], summary)
    _sheet(wb, "准则 Criteria",
           ["维度 dimension", "等级 level", "准则 criterion", "来源 source", "证据 value",
            "门槛 rule", "结果 result", "说明 detail", "依据 why"],
           [[c["dimension"], c["level"], f"{c['name_zh']} {c['name_en']}", c["source"],
             c["value"], c["rule"], PASS[c["passed"]], c["detail"], c["why"]]
            for c in grade["criteria"]])  # fmt: skip
    _sheet(wb, "路线图 Roadmap",
           ["维度 dimension", "目标 target", "步骤 step", "工具 tool", "做法 how", "费用 cost (元)",
            "周 weeks", "满足 meets", "支撑指标 feeds indicators"],
           [[s["dimension"], s["target"], s["order"], f"{s['name_zh']} {s['name_en']}",
             s["how_zh"], s["cost_cny"], s["weeks"],
             ", ".join(m["criterion"] for m in s["meets"]), ", ".join(s["unlocks"])]
            for s in grade["roadmap"]])  # fmt: skip
    _sheet(wb, "历史 History",
           ["日期 as of", "总体 overall", "要素 element", "管理 management", "关系 relationship",
            "总分 score"],
           [[h["as_of"], h["overall"], h["element"], h["management"], h["relationship"],
             h["score"]] for h in grade["history"]])  # fmt: skip
    m = grade["miit"]
    _sheet(wb, "工信部评测 MIIT",
           ["部分 part", "项目 item", "满分 max", "得分 points", "依据 basis"],
           [[i["part"], f"{i['name_zh']} {i['name_en']}", i["max_points"],
             "自评 self-declared" if i["points"] is None else i["points"], i["basis"]]
            for i in m["items"]]
           + [["场景 scene", f"{s['name_zh']} {s['name_en']}", 4,
               "自评 self-declared" if s["level"] is None else s["level"], s["basis"]]
              for s in m["scenes"]]
           + [["合计 total", f"等级 level {m['level'] or '-'}", m["max_points"], m["points"],
               m["rule"]]])  # fmt: skip
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
