"""Server-rendered pages, in process: login, language, the SME data page, upload, quarantine."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.access.rules import Role
from chanrong.platform import Platform
from tests.conftest import PASSWORD, PLATFORM_ORG, SME, form_post, telemetry


def sign_in(client: TestClient, platform: Platform, org: str = SME, username: str = "chen") -> None:
    platform.access.add_user(org, username, PASSWORD, display_name="陈厂长", role=Role.ADMIN)
    response = form_post(
        client, "/login", {"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303 and "chanrong_session" in response.cookies


def test_pages_need_a_login(app_client: TestClient) -> None:
    response = app_client.get("/data", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert "登录" in app_client.get("/login").text


def test_failed_login_says_so(app_client: TestClient, platform: Platform) -> None:
    platform.access.add_user(SME, "chen", PASSWORD)
    response = form_post(app_client, "/login", {"username": "chen", "password": "nope-nope-nope"})
    assert "用户名或密码错误" in response.text


def test_sme_sees_streams_batches_and_chart(app_client: TestClient, platform: Platform) -> None:
    sign_in(app_client, platform)
    app_client.post(
        "/api/v1/ingest/telemetry",
        json=[telemetry(i) for i in range(3)] + [telemetry(9, counter=-1)],
    )
    page = app_client.get("/data")
    assert page.status_code == 200
    html = page.text
    assert "设备数据" in html and "陈厂长" in html and "测试模具厂" in html
    assert 'id="daily-chart"' in html and "/static/vendor/plotly.min.js" in html
    assert app_client.get("/static/vendor/plotly.min.js").status_code == 200
    quarantine = app_client.get("/quarantine").text
    assert "must be &gt;= 0, got -1" in quarantine


def test_english_switch_keeps_the_page(app_client: TestClient, platform: Platform) -> None:
    sign_in(app_client, platform)
    response = app_client.get(
        "/lang/en", headers={"referer": "http://testserver/data"}, follow_redirects=False
    )
    assert response.headers["location"] == "http://testserver/data"
    assert "My data" in app_client.get("/data").text
    app_client.get("/lang/zh")
    assert "我的数据" in app_client.get("/data").text


def test_upload_page_shows_row_problems(app_client: TestClient, platform: Platform) -> None:
    sign_in(app_client, platform)
    csv_text = (
        f"记录编号*,企业统一社会信用代码*,发生时间*,设备编码*\nt-1,{SME},2026-03-02 09:00,CNC-404\n"
    )
    page = form_post(
        app_client, "/upload", {"kind": "telemetry"}, files={"file": ("a.csv", csv_text.encode())}
    )
    assert "unknown device CNC-404" in page.text and "未登记" in page.text


def test_operator_sees_organisations_and_all_batches(
    app_client: TestClient, platform: Platform
) -> None:
    sign_in(app_client, platform, PLATFORM_ORG, "ops")
    app_client.post("/api/v1/ingest/telemetry", json=[telemetry(1, channel="third_party")])
    page = app_client.get("/", follow_redirects=True)
    assert "平台运营" in page.text and SME in page.text
    assert "<th>上报方</th>" in page.text and "<td>平台</td>" in page.text


def test_openapi_publishes_every_record_kind(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in ("Telemetry", "SalesOrder", "EnergyReading", "Pledge", "Organisation", "Device"):
        assert name in schemas
    body = spec["paths"]["/api/v1/ingest/telemetry"]["post"]["requestBody"]["content"]
    assert set(body) >= {
        "application/json",
        "application/x-ndjson",
        "application/vnd.apache.arrow.stream",
    }
    assert app_client.get("/docs").status_code == 200
    assert app_client.get("/healthz").json()["status"] == "ok"


def test_ledger_page_shows_the_head_the_key_to_pin_and_our_receipts(
    app_client: TestClient, platform: Platform, sme_key: str
) -> None:
    keyed = app_client.post("/api/v1/ingest/telemetry", json=[telemetry(i) for i in range(4)],
                            headers={"authorization": f"Bearer {sme_key}"})  # fmt: skip
    leaf = keyed.json()["leaf_index"]
    sign_in(app_client, platform)
    page = app_client.get("/ledger")
    assert page.status_code == 200 and "可信账本" in page.text
    head = platform.ledger.latest_head()
    assert head is not None and head.root_hash.hex() in page.text
    key = platform.ledger.public_keys()[-1]["public_key"]
    assert f"chanrong verify bundle.json --key '{key}'" in page.text
    assert f'href="/api/v1/ledger/leaves/{leaf}"' in page.text
    own = app_client.get(f"/api/v1/orgs/{SME}/bundle", params={"purpose": "pre_loan"})
    assert own.status_code == 200 and len(own.json()["batches"]) == 1


def test_indicator_page_shows_values_credibility_evidence_and_reasons(
    app_client: TestClient, platform: Platform
) -> None:
    sign_in(app_client, platform)
    app_client.post("/api/v1/ingest/telemetry", json=[telemetry(i) for i in range(3)])
    platform.indicators.compute()  # today, then a week back for a trend
    html = app_client.get("/indicators").text
    assert "融资场景" in html and "订单场景" in html and "设备运行率" in html
    running = html.split('data-testid="value-device_running_rate-30"')[1].split("</details>")[0]
    assert "100.00" in running and "自证" in running and "覆盖" in running
    assert "run_state is running" in running  # the definition behind the value, on click
    assert 'data-testid="check-device_vs_reported_output"' in running  # and its check
    sales = html.split('data-testid="value-sales_amount-30"')[1].split("</details>")[0]
    assert "no invoice data from this enterprise" in sales and "100.00" not in sales
    english = app_client.get("/lang/en", follow_redirects=True)
    assert english.status_code == 200
    assert "Device running rate" in app_client.get("/indicators").text
    assert app_client.get("/indicators?as_of=nonsense").status_code == 400
