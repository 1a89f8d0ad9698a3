"""The web shell in Debian's Chromium, driven by Playwright: what a factory clerk does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import PARK, PASSWORD, SME, telemetry
from tests.e2e.conftest import CHROMIUM, Server

pytestmark = pytest.mark.e2e
ARTIFACTS = Path(__file__).parents[2] / ".pytest_cache" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()


def test_clerk_logs_in_sees_data_switches_language_and_uploads(
    page: Page, server: Server, seeded_db: tuple[Path, str], tmp_path: Path
) -> None:
    key = seeded_db[1]
    recent = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    records = [telemetry(i, event_time=recent) for i in range(20)] + [telemetry(99, counter=-1)]
    httpx.post(f"{server.url}/api/v1/ingest/telemetry", content=orjson.dumps(records),
               headers={"authorization": f"Bearer {key}", "content-type": "application/json"})  # fmt: skip

    page.goto(f"{server.url}/data")
    expect(page).to_have_url(f"{server.url}/login?next=/data")
    page.fill("input[name=username]", "chen")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("who")).to_contain_text("陈厂长")
    expect(page.get_by_test_id("streams")).to_contain_text("设备数据")
    expect(page.locator("#daily-chart .main-svg").first).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "data.png"), full_page=True)

    page.click("text=经营指标")  # indicators, computed on demand for today
    financing = page.get_by_test_id("table-financing")  # the bank's table (also in the order one)
    running = financing.get_by_test_id("value-device_running_rate-30")
    expect(running).to_contain_text("100.00")
    expect(running.locator(".evidence")).to_be_hidden()
    running.locator("summary").click()  # the evidence behind the value
    expect(running.locator(".evidence")).to_contain_text("run_state is running")
    expect(financing.get_by_test_id("value-sales_amount-30")).to_contain_text("无数值")
    page.screenshot(path=str(ARTIFACTS / "indicators.png"), full_page=True)

    page.click("text=数字化水平")  # the grade, read from what the factory has sent so far
    expect(page.get_by_test_id("provisional")).to_be_visible()  # questionnaire not answered
    expect(page.locator("#grade-radar .main-svg").first).to_be_visible()
    registered = page.locator("tr[data-criterion=r_registered]")
    expect(registered).to_have_attribute("data-passed", "True")  # USCC and industry code
    streams = page.locator("tr[data-criterion=e_streams]")  # device data alone: one stream
    expect(streams).to_have_attribute("data-passed", "False")
    expect(page.get_by_test_id("roadmap").locator("li").first).to_be_visible()
    questions = page.get_by_test_id("questionnaire")
    questions.locator("input[name=q_data_staff][value=yes]").check()
    page.get_by_test_id("save-answers").click()
    expect(page.locator("tr[data-criterion=m_data_staff]")).to_have_attribute("data-passed", "True")
    page.screenshot(path=str(ARTIFACTS / "grade.png"), full_page=True)

    page.get_by_test_id("lang-switch").click()
    expect(page.locator("nav.mainnav")).to_contain_text("My data")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("nav.mainnav")).to_contain_text("我的数据")

    page.click("text=待处理数据")
    expect(page.get_by_test_id("quarantine")).to_contain_text("must be >= 0, got -1")

    page.click("text=数据上报")
    csv_file = tmp_path / "设备数据.csv"
    csv_file.write_text(
        "记录编号*,企业统一社会信用代码*,发生时间*,设备编码*,运行状态\n"
        f"m-1,{SME},2026-03-02 09:00,CNC-01,运行\n"
        f"m-2,{SME},2026-03-02 09:01,CNC-77,运行\n",
        encoding="utf-8",
    )
    page.select_option("select[name=kind]", "telemetry")
    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_test_id("upload-form").locator("button").click()
    result = page.get_by_test_id("upload-result")
    expect(result).to_contain_text("设备数据.csv")
    expect(result).to_contain_text("unknown device CNC-77")
    page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)


def test_bank_asks_the_factory_agrees_the_bank_reads_and_the_factory_sees_it(
    browser: Browser, seeded_db: tuple[Path, str], tmp_path: Path
) -> None:
    from chanrong.access.rules import Role
    from chanrong.platform import Platform
    from chanrong.store.db import Store
    from tests.conftest import BANK

    db, key = seeded_db
    owner = Platform(Store(db))
    owner.access.add_user(BANK, "zhou", PASSWORD, display_name="周敏", role=Role.MEMBER)
    owner.close()
    server = Server(db, tmp_path / "consent.log").start()
    try:
        recent = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        httpx.post(f"{server.url}/api/v1/ingest/telemetry",
                   content=orjson.dumps([telemetry(i, event_time=recent) for i in range(5)]),
                   headers={"authorization": f"Bearer {key}", "content-type": "application/json"})  # fmt: skip
        bank = browser.new_context(locale="zh-CN").new_page()
        factory = browser.new_context(locale="zh-CN").new_page()
        for pg, user in ((bank, "zhou"), (factory, "chen")):
            pg.goto(f"{server.url}/login")
            pg.fill("input[name=username]", user)
            pg.fill("input[name=password]", PASSWORD)
            pg.click("button[type=submit]")

        bank.goto(f"{server.url}/consents")
        bank.locator("select[name=party]").select_option(SME)
        bank.check("input[value=production_energy]")
        bank.locator("select[name=purpose]").select_option("pre_loan")
        bank.click("form[data-testid=consent-form] button[type=submit]")
        expect(bank.get_by_test_id("consents")).to_contain_text("待审批")

        factory.goto(f"{server.url}/consents")
        expect(factory.get_by_test_id("pending")).to_contain_text("测试银行")
        factory.locator("button[data-testid^=authorise-]").click()
        expect(factory.get_by_test_id("consents")).to_contain_text("已授权")

        bank.goto(f"{server.url}/consents")
        bank.get_by_test_id(f"view-{SME}").click()
        expect(bank.get_by_test_id("streams")).to_contain_text("设备数据")

        bank.click("text=银行工作台")  # the screening list: the factory consented for pre_loan
        expect(bank.get_by_test_id("consenting")).to_have_text("1")
        row = bank.locator(f"tr[data-org='{SME}']")
        expect(row).to_contain_text("测试模具厂")
        expect(row).to_contain_text("未判断")  # its consent covers production and energy only
        bank.screenshot(path=str(ARTIFACTS / "bank.png"), full_page=True)

        factory.goto(f"{server.url}/audit")
        expect(factory.get_by_test_id("audit")).to_contain_text("测试银行")
        expect(factory.get_by_test_id("audit")).to_contain_text("zhou")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        factory.screenshot(path=str(ARTIFACTS / "audit.png"), full_page=True)
    finally:
        server.stop()


def test_a_missed_repayment_reaches_both_inboxes_and_each_acknowledges_for_itself(
    browser: Browser, seeded_db: tuple[Path, str], tmp_path: Path
) -> None:
    """A live server running its warning rounds every second: the factory and its bank each see
    the alert in Chromium and acknowledge it for themselves."""
    from chanrong.access.rules import Principal, Role
    from chanrong.model.master import OrgKind
    from chanrong.platform import Platform
    from chanrong.store.db import Store
    from chanrong.store.events import JsonBatch
    from tests.conftest import BANK, PLATFORM_ORG

    db, _ = seeded_db
    owner = Platform(Store(db))
    owner.access.add_user(BANK, "zhou", PASSWORD, display_name="周敏", role=Role.ADMIN)
    due = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    result = owner.events.append("repayment", JsonBatch(orjson.dumps([{
        "id": "rp-1", "source": "bank-core", "org": SME, "event_time": f"{due}T08:00:00+00:00",
        "channel": "third_party", "loan_no": "L-9", "due_date": due, "paid_date": None,
        "principal_paid": 0, "interest_paid": 0}]).decode()), submitter=PLATFORM_ORG,
        now=datetime.now(UTC))  # fmt: skip
    assert result.accepted == 1, result.rejections
    chen = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    owner.consents.grant(chen, BANK, ["credit_standing"], "post_loan")
    owner.close()
    server = Server(db, tmp_path / "alerts.log", args=("--alerts", "1")).start()
    try:
        pages = {}
        for user in ("chen", "zhou"):
            pg = browser.new_context(locale="zh-CN").new_page()
            pg.goto(f"{server.url}/login")
            pg.fill("input[name=username]", user)
            pg.fill("input[name=password]", PASSWORD)
            pg.click("button[type=submit]")
            pages[user] = pg
        for user, pg in pages.items():
            pg.goto(f"{server.url}/alerts")
            item = pg.locator("li[data-rule=repayment_missed]")
            for _ in range(20):  # the first rounds run within seconds of the start
                if item.count():
                    break
                pg.wait_for_timeout(500)
                pg.goto(f"{server.url}/alerts")
            expect(item).to_contain_text("还款逾期")
            expect(item).to_have_attribute("data-acked", "no")
            item.locator("input[name=note]").fill(f"{user} 已跟进")
            item.locator("button[type=submit]").click()
            expect(pg.locator("li[data-rule=repayment_missed]")).to_contain_text(f"{user} 已跟进")
        # each acknowledged for itself: the factory's note is not the bank's
        pages["zhou"].goto(f"{server.url}/alerts")
        expect(pages["zhou"].locator("li[data-rule=repayment_missed]")).not_to_contain_text("chen")
        pages["zhou"].goto(f"{server.url}/bank/portfolio")
        expect(pages["zhou"].get_by_test_id("portfolio-totals")).to_be_visible()
        health = httpx.get(f"{server.url}/healthz").json()
        assert health["services"]["alerts"]["rounds"] >= 1
    finally:
        # uvicorn runs the shutdown hooks, then re-raises SIGTERM (see test_server)
        assert server.signal(15) in (0, -15)
    assert '"msg":"service stopped","service":"alerts"' in server.log.read_text()


def test_a_buyer_follows_its_orders_exports_them_and_reads_its_suppliers_scorecard(
    browser: Browser, seeded_db: tuple[Path, str], tmp_path: Path
) -> None:
    from chanrong.access.rules import Principal, Role
    from chanrong.model.base import LOCAL_TZ
    from chanrong.model.identifiers import complete_uscc
    from chanrong.model.master import Organisation, OrgKind
    from chanrong.platform import Platform
    from chanrong.store.db import Store
    from tests.integration.test_bank_screening import send

    buyer = complete_uscc("91330206MA2C10009")
    db, _ = seeded_db
    owner = Platform(Store(db))
    owner.master.upsert([Organisation(uscc=buyer, name="吉泰汽车", org_kind=OrgKind.CORE_ENTERPRISE)],
                        owner.clock.now())  # fmt: skip
    owner.access.add_user(buyer, "li", PASSWORD, display_name="李采购", role=Role.ADMIN)
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    owner.consents.grant(me, buyer, ["production_energy", "transactions", "quality"],
                         "supplier_performance")  # fmt: skip
    today = datetime.now(LOCAL_TZ).replace(hour=8, minute=0, second=0, microsecond=0)
    iso = lambda d: (today + timedelta(days=d)).isoformat()  # noqa: E731
    orders = (("SO-OLD", 140, -1), ("SO-A", 100, 1), ("SO-B", 10, 15))
    send(owner, "sales_order", [
        {"id": no, "source": "erp", "org": SME, "event_time": iso(-20), "order_no": no,
         "counterparty": buyer, "item": "P-1", "qty": q, "unit": "pcs", "unit_price": 10,
         "amount": 10 * q, "order_date": iso(-20)[:10], "due_date": iso(due)[:10]}
        for no, q, due in orders])  # fmt: skip
    send(owner, "work_order", [
        {"id": f"W{no}", "source": "mes", "org": SME, "event_time": iso(-20),
         "work_order_no": f"W{no}", "item": "P-1", "planned_qty": q, "unit": "pcs",
         "planned_start": iso(-20), "planned_end": iso(due), "sales_order_no": no}
        for no, q, due in orders])  # fmt: skip
    send(owner, "production_report", [
        {"id": f"pr{k}", "source": "mes", "org": SME, "event_time": iso(-k), "good_qty": 10,
         "work_order_no": "WSO-OLD", "item": "P-1", "unit": "pcs"} for k in range(1, 15)])  # fmt: skip
    send(owner, "shipment", [{
        "id": "sh-old", "source": "wms", "org": SME, "event_time": iso(-1), "status": "shipped",
        "shipment_no": "SH-OLD", "consignee": buyer, "sales_order_no": "SO-OLD", "item": "P-1",
        "qty": 140, "unit": "pcs"}])  # fmt: skip
    owner.close()
    server = Server(db, tmp_path / "buyer.log").start()
    try:
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        pg = context.new_page()
        pg.goto(f"{server.url}/login")
        pg.fill("input[name=username]", "li")
        pg.fill("input[name=password]", PASSWORD)
        pg.click("button[type=submit]")
        pg.click("text=订单进度")
        expect(pg.locator("tr[data-order='SO-A']")).to_have_attribute("data-status", "at_risk")
        expect(pg.locator("tr[data-order='SO-B']")).to_have_attribute("data-status", "on_track")
        expect(pg.get_by_test_id("at-risk")).to_have_text("1")
        with pg.expect_download() as got:
            pg.get_by_test_id("orders-xlsx").click()
        assert got.value.suggested_filename.startswith("orders-")
        pg.click("text=供应商绩效")
        pg.locator(f"tr[data-supplier='{SME}'] a").click()
        expect(pg.get_by_test_id("periods")).to_be_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "supplier.png"), full_page=True)
        context.close()
    finally:
        server.stop()


def test_the_park_ranks_its_firms_by_carbon_is_warned_and_sets_a_quota(
    browser: Browser, seeded_db: tuple[Path, str], tmp_path: Path
) -> None:
    from chanrong.access.rules import Principal, Role
    from chanrong.model.base import LOCAL_TZ
    from chanrong.model.master import Organisation, OrgKind
    from chanrong.platform import Platform
    from chanrong.store.db import Store
    from tests.integration.test_bank_screening import send

    park = PARK
    db, _ = seeded_db
    owner = Platform(Store(db))
    owner.master.upsert([
        Organisation(uscc=park, name="大碶园区管委会", org_kind=OrgKind.PARK),
        Organisation(uscc=SME, name="测试模具厂", org_kind=OrgKind.SME, industry_code="C3525",
                     region_code="330206", park=park),
    ], owner.clock.now())  # fmt: skip
    owner.access.add_user(park, "liu", PASSWORD, display_name="刘主任", role=Role.ADMIN)
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    owner.consents.grant(me, park, ["carbon"], "park_services")
    today = datetime.now(LOCAL_TZ).replace(hour=12, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=k) for k in range(1, 11)]
    send(owner, "energy", [
        {"id": f"e{k}", "source": "meter", "org": SME, "meter": "EM-1", "event_time": d.isoformat(),
         "energy_type": "electricity", "value": 2000, "unit": "kWh"} for k, d in enumerate(days)])  # fmt: skip
    send(owner, "sales_order", [{
        "id": "so", "source": "erp", "org": SME, "event_time": days[-1].isoformat(),
        "order_no": "SO-1", "counterparty": park, "item": "P-1", "qty": 1000, "unit": "pcs",
        "unit_price": 50, "amount": 50000, "order_date": days[-1].date().isoformat(),
        "due_date": today.date().isoformat()}])  # fmt: skip
    send(owner, "production_report", [
        {"id": f"pr{k}", "source": "mes", "org": SME, "event_time": d.isoformat(), "good_qty": 50,
         "work_order_no": "WO-1", "item": "P-1", "unit": "pcs"} for k, d in enumerate(days)])  # fmt: skip
    committee = Principal(org=park, org_kind=OrgKind.PARK, role=Role.ADMIN, username="liu")
    owner.carbon.set_quota(committee, SME, today.year, 1.0)  # far below 20 MWh a fortnight
    owner.close()
    server = Server(db, tmp_path / "park.log", args=("--alerts", "1")).start()
    try:
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        pg = context.new_page()
        pg.goto(f"{server.url}/login")
        pg.fill("input[name=username]", "liu")
        pg.fill("input[name=password]", PASSWORD)
        pg.click("button[type=submit]")
        pg.click("text=园区能碳")
        expect(pg.get_by_test_id("firms")).to_have_text("1")
        expect(pg.locator(f"[data-testid=ranking] tr[data-org='{SME}']")).to_contain_text(
            "测试模具厂"
        )
        expect(pg.locator("#carbon-trend .main-svg").first).to_be_visible()
        expect(pg.locator(f"[data-testid=quotas] tr[data-org='{SME}']")).to_have_attribute(
            "data-status", "over")  # fmt: skip
        with pg.expect_download() as got:
            pg.get_by_test_id("park-pdf").click()
        assert got.value.suggested_filename == "park-carbon.pdf"
        pg.goto(f"{server.url}/alerts")  # the over-emission warning, from the first rounds
        item = pg.locator("li[data-rule=carbon_quota]")
        for _ in range(20):
            if item.count():
                break
            pg.wait_for_timeout(500)
            pg.goto(f"{server.url}/alerts")
        expect(item).to_contain_text("超排预警")
        pg.goto(f"{server.url}/park/carbon")  # a year's allowance that the forecast fits in
        form = pg.get_by_test_id("quota-form")
        form.locator("select[name=org]").select_option(SME)
        form.locator("input[name=allowance_t]").fill("100000")
        form.locator("button[type=submit]").click()
        expect(pg.get_by_test_id("quota-saved")).to_be_visible()
        expect(pg.locator(f"[data-testid=quotas] tr[data-org='{SME}']")).to_have_attribute(
            "data-status", "on_track")  # fmt: skip
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "park-carbon.png"), full_page=True)
        context.close()
    finally:
        server.stop()


def test_the_park_screen_redraws_itself_as_machines_report(
    browser: Browser, seeded_db: tuple[Path, str], tmp_path: Path
) -> None:
    from chanrong.access.rules import Role
    from chanrong.model.master import Organisation, OrgKind
    from chanrong.platform import Platform
    from chanrong.store.db import Store

    park = PARK
    db, key = seeded_db
    owner = Platform(Store(db))
    owner.master.upsert([
        Organisation(uscc=park, name="大碶园区管委会", org_kind=OrgKind.PARK),
        Organisation(uscc=SME, name="测试模具厂", org_kind=OrgKind.SME, park=park),
    ], owner.clock.now())  # fmt: skip
    owner.access.add_user(park, "liu", PASSWORD, display_name="刘主任", role=Role.ADMIN)
    owner.close()
    server = Server(db, tmp_path / "screen.log").start()
    try:
        for width, height in ((1920, 1080), (1280, 800)):  # a wall display and a laptop
            context = browser.new_context(
                locale="zh-CN", viewport={"width": width, "height": height}
            )
            pg = context.new_page()
            pg.goto(f"{server.url}/login")
            pg.fill("input[name=username]", "liu")
            pg.fill("input[name=password]", PASSWORD)
            pg.click("button[type=submit]")
            pg.goto(f"{server.url}/park/screen?every=2")
            # nothing reported yet on the wall; on the laptop, after the machine reported
            expect(pg.get_by_test_id("running-rate")).to_have_text("—" if width == 1920 else "100")
            expect(pg.locator("#screen-grades .main-svg").first).to_be_visible()
            # no tile or chart runs off the screen sideways
            assert pg.evaluate("document.documentElement.scrollWidth") <= width
            if width == 1920:
                recent = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
                httpx.post(f"{server.url}/api/v1/ingest/telemetry",
                           content=orjson.dumps([telemetry(1, event_time=recent)]),
                           headers={"authorization": f"Bearer {key}",
                                    "content-type": "application/json"})  # fmt: skip
                # the screen redraws itself within a round or two, no reload
                expect(pg.get_by_test_id("running-rate")).to_have_text("100", timeout=15_000)
                expect(pg.get_by_test_id("power")).to_have_text("12")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(ARTIFACTS / f"park-screen-{width}.png"), full_page=True)
            if width == 1280:  # the cockpit and the risk pool, from the menu
                pg.goto(f"{server.url}/park")
                expect(pg.get_by_test_id("firms")).to_have_text("1")
                pg.click("text=园保贷风险池")
                expect(pg.get_by_test_id("example-terms")).to_be_visible()
                expect(pg.get_by_test_id("pool")).to_contain_text("7,000,000")
                expect(pg.locator("#pool-chart .main-svg").first).to_be_visible()
            context.close()
    finally:
        server.stop()
