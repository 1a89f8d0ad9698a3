"""Spreadsheet reporting: download a template, fill it as a clerk would, upload, read the answer."""

from __future__ import annotations

import io
from datetime import datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from chanrong.platform import Platform
from tests.conftest import SME


def filled_template(client: TestClient, kind: str, rows: list[dict[str, object]]) -> bytes:
    template = client.get(f"/api/v1/templates/{kind}.xlsx")
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row in rows:
        ws.append([row.get(h.rstrip("*")) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_template_has_chinese_headers_marks_and_dropdowns(client: TestClient) -> None:
    wb = load_workbook(io.BytesIO(client.get("/api/v1/templates/production_report.xlsx").content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["记录编号*", "来源系统", "企业统一社会信用代码*", "发生时间*"]
    assert "合格数量*" in headers and "单位*" in headers
    assert any("pcs" in dv.formula1 for dv in ws.data_validations.dataValidation)
    assert ws.cell(1, 1).comment is not None
    assert wb.worksheets[1].title.startswith("说明")


def test_excel_round_trip_reports_row_and_column(client: TestClient, platform: Platform) -> None:
    good = {"记录编号": "PR-1", "企业统一社会信用代码": SME, "发生时间": datetime(2026, 3, 1, 20, 0),
            "工单号": "WO-1", "产品/物料编码": "P-1", "合格数量": 52, "报废数量": 1, "单位": "pcs"}  # fmt: skip
    rows = [
        good,
        {**good, "记录编号": "PR-2", "合格数量": -3},
        {**good, "记录编号": "PR-3", "单位": "件件"},
        {**good, "记录编号": "PR-4", "产品/物料编码": "P-404"},
        {**good, "记录编号": "PR-5", "发生时间": "昨天"},
        {**good, "记录编号": "PR-6", "合格数量": "五十"},
    ]
    data = filled_template(client, "production_report", rows)
    response = client.post("/api/v1/upload/production_report", files={"file": ("报工.xlsx", data)})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["records"], answer["accepted"], answer["rejected"]) == (6, 1, 5)
    located = {(p["row"], p["column"], p["header"], p["code"]) for p in answer["problems"]}
    assert located == {
        (3, "H", "合格数量*", "range"),
        (4, "K", "单位*", "choice"),
        (5, "F", "产品/物料编码*", "unknown_ref"),
        (6, "D", "发生时间*", "type"),
        (7, "H", "合格数量*", "type"),
    }
    row = (
        platform.store.cursor()
        .execute(
            "SELECT channel, good_qty, strftime(event_time, '%Y-%m-%d %H:%M') FROM ev_production_report"
        )
        .fetchone()
    )
    assert row == ("manual", 52.0, "2026-03-01 20:00")
    again = client.post(
        "/api/v1/upload/production_report", files={"file": ("报工.xlsx", data)}
    ).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)


def test_csv_in_gb18030_with_chinese_values(client: TestClient, platform: Platform) -> None:
    text = (
        "记录编号*,企业统一社会信用代码*,发生时间*,设备编码*,运行状态,功率(kW)\n"
        f"t-1,{SME},2026-03-02 09:00,CNC-01,运行,12.5\n"
        f"t-2,{SME},2026-03-02 09:01,CNC-01,停机,\n"
    )
    response = client.post(
        "/api/v1/upload/telemetry", files={"file": ("设备.csv", text.encode("gb18030"))}
    )
    assert response.json()["accepted"] == 2
    states = (
        platform.store.cursor().execute("SELECT run_state FROM ev_telemetry ORDER BY id").fetchall()
    )
    assert states == [("running",), ("stopped",)]


def test_foreign_columns_and_broken_files_are_refused_whole(
    client: TestClient, platform: Platform
) -> None:
    bad_header = "记录编号*,颜色\nt-1,红\n".encode()
    response = client.post("/api/v1/upload/telemetry", files={"file": ("x.csv", bad_header)})
    assert response.status_code == 400 and "B 颜色" in response.json()["detail"]
    response = client.post("/api/v1/upload/telemetry", files={"file": ("x.xlsx", b"not a zip")})
    assert response.status_code == 400 and "not a readable .xlsx" in response.json()["detail"]
    assert platform.events.recent_batches() == []


def test_csv_template_opens_in_excel(client: TestClient) -> None:
    body = client.get("/api/v1/templates/energy.csv").content
    assert body.startswith("\ufeff".encode())
    assert (
        body.decode("utf-8-sig")
        .splitlines()[0]
        .startswith("记录编号*,来源系统,企业统一社会信用代码*")
    )
