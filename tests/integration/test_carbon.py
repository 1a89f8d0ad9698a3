"""Energy and carbon on a hand-made firm whose every figure is computed by hand below: energy in
tce, scope 1 and 2 (location- and market-based), intensity, footprints by run time, quota use
and the over-emission alert, the park view under consent, and the reports."""

from __future__ import annotations

import io
from datetime import date, datetime

import orjson
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from chanrong.access.consents import ConsentForbidden
from chanrong.access.rules import Principal, Role
from chanrong.alerts.engine import AlertEngine
from chanrong.alerts.rules import BY_ID
from chanrong.carbon.factors import Choice, Factor
from chanrong.carbon.service import CarbonError
from chanrong.model.base import LOCAL_TZ
from chanrong.model.master import Device, DeviceType, OrgKind
from chanrong.platform import Platform
from chanrong.store.events import JsonBatch
from tests.conftest import BANK, OTHER_SME, PARK, PLATFORM_ORG, SME, form_post, park_world
from tests.integration.test_bank_screening import send

DAY = "2026-03-10"
MARCH = (date(2026, 3, 1), date(2026, 3, 19))

# By hand, national grid 2023 (0.5306 t/MWh; residual 0.6096), GB/T 32150 fuels, heat 0.11 t/GJ:
ELEC = 10_000 * 0.5306 / 1000  # 5 MWh + 5,000 kWh                      = 5.306 t
GAS = 1_000 * 21.6219 / 10_000  # 1,000 m3                               = 2.16219 t
COAL = 2 * 1.9003  # 2 t                                                 = 3.8006 t
DIESEL = 0.5 * 3.0959  # 500 kg                                          = 1.54795 t
HEAT = (10 * 3.763 + 20) * 0.11  # 10 t of steam at 3.763 GJ/t + 20 GJ  = 6.3393 t
SCOPE1 = GAS + COAL + DIESEL
TOTAL = SCOPE1 + ELEC + HEAT  # 19.15604 t
MARKET_ELEC = (10_000 - 3_000) * 0.6096 / 1000  # 3 MWh of certificates for 1-19 March
# kgce: 10,000 x 0.1229 + 1,000 x 1.33 + 2,000 x 0.7143 + 500 x 1.4571 + 10 x 128.6 + 20 x 34.12
# + 100 x 0.0857 = 6,693.12
TCE = 6.69312
VALUE = 3_000 * 100.0  # 3,000 good pieces at the order's 100 元
MINUTES = 240 + 240 + 30 + 90 + 30  # run time of the five reports (see `carbon_firm`)


def at(hhmm: str, day: str = DAY) -> str:
    return f"{day}T{hhmm}:00+08:00"


@pytest.fixture
def carbon_firm(platform: Platform) -> Platform:
    platform.clock.current = datetime(2026, 3, 20, 12, tzinfo=LOCAL_TZ)  # type: ignore[attr-defined]
    now = platform.clock.now()
    park_world(platform)
    platform.master.upsert([
        *(Device(org=SME, code=c, name=c, device_type=DeviceType.ENERGY_METER)
          for c in ("GM-1", "CM-1", "DM-1", "SM-1", "WM-1")),
        *(Device(org=SME, code=c, name=c, device_type=DeviceType.MACHINE)
          for c in ("CNC-02", "CNC-03")),
    ], now)  # fmt: skip
    readings = (("e1", "EM-1", "electricity", 5, "MWh"), ("e2", "EM-1", "electricity", 5000, "kWh"),
                ("e3", "GM-1", "gas", 1000, "m3"), ("e4", "CM-1", "coal", 2, "t"),
                ("e5", "DM-1", "diesel", 500, "kg"), ("e6", "SM-1", "steam", 10, "t"),
                ("e7", "SM-1", "steam", 20, "GJ"), ("e8", "WM-1", "water", 100, "t"))  # fmt: skip
    send(platform, "energy", [
        {"id": i, "source": "meter", "org": SME, "event_time": at("18:00"), "meter": m,
         "energy_type": e, "value": v, "unit": u} for i, m, e, v, u in readings])  # fmt: skip
    send(platform, "green_power", [
        {"id": "g1", "source": "gec", "org": SME, "event_time": at("10:00", "2026-03-19"),
         "channel": "third_party", "instrument_no": "GEC-1", "instrument": "certificate",
         "mwh": 3, "consumed_from": "2026-03-01", "consumed_to": "2026-03-19"}])  # fmt: skip
    send(platform, "sales_order", [
        {"id": "so", "source": "erp", "org": SME, "event_time": at("09:00", "2026-03-01"),
         "order_no": "SO-1", "counterparty": OTHER_SME, "item": "P-1", "qty": 5000, "unit": "pcs",
         "unit_price": 100, "amount": 500000, "order_date": "2026-03-01",
         "due_date": "2026-04-01"}])  # fmt: skip
    # CNC-01: two work orders, no gateway (declared: 240 min each); CNC-02: 30 of the 60
    # readings in the hour say running (measured: 30 min); CNC-03: two work orders over the
    # same two hours share them by quantity (3:1 -> 90 and 30 min)
    reports = (("WO-1", "CNC-01", "08:00", "12:00", 1000), ("WO-2", "CNC-01", "13:00", "17:00", 1000),
               ("WO-3", "CNC-02", "08:00", "09:00", 600), ("WO-4", "CNC-03", "08:00", "10:00", 300),
               ("WO-5", "CNC-03", "08:00", "10:00", 100))  # fmt: skip
    send(platform, "production_report", [
        {"id": wo, "source": "mes", "org": SME, "event_time": at(t1), "work_order_no": wo,
         "item": "P-1", "device": d, "good_qty": q, "unit": "pcs", "period_start": at(t0)}
        for wo, d, t0, t1, q in reports])  # fmt: skip
    send(platform, "telemetry", [
        {"id": f"t{k}", "source": "gw", "org": SME, "device": "CNC-02",
         "event_time": at(f"08:{k:02d}") if k < 60 else at("09:00"),
         "run_state": "running" if k % 2 else "idle"} for k in range(1, 61)])  # fmt: skip
    return platform


def me() -> Principal:
    return Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="boss")


def park() -> Principal:
    return Principal(org=PARK, org_kind=OrgKind.PARK, role=Role.ADMIN, username="liu")


def test_a_firms_account_matches_the_hand_computed_figures(carbon_firm: Platform) -> None:
    acc = carbon_firm.carbon.account(me(), SME, *MARCH)
    s = acc["summary"]
    assert s["tce"] == pytest.approx(TCE)
    assert s["scope1"] == pytest.approx(SCOPE1)
    assert s["scope2_location"] == pytest.approx(ELEC + HEAT)
    assert s["t_location"] == pytest.approx(TOTAL)
    assert s["t_market"] == pytest.approx(TOTAL - ELEC + MARKET_ELEC)
    assert s["green_kwh"] == pytest.approx(3000)
    assert s["output_value"] == pytest.approx(VALUE)
    assert s["t_per_10k_cny"] == pytest.approx(TOTAL / (VALUE / 10_000))
    assert s["kg_per_unit"] == pytest.approx(1000 * TOTAL / 3000)
    assert s["pcaf_score"] == 2  # metered energy: PCAF option 2a
    by = {r["energy_type"]: r for r in acc["by_energy"]}
    assert by["steam"]["qty"] == pytest.approx(57.63) and by["steam"]["unit"] == "GJ"
    assert by["water"]["t_location"] is None and by["water"]["tce"] == pytest.approx(0.00857)
    assert by["electricity"]["factor"] == "grid/2023/national/average"
    assert {f["id"] for f in acc["factors"]} >= {"grid/2023/national/average",
                                                  "grid/2023/national/residual", "heat/default/2015"}  # fmt: skip
    meters = {m["meter"]: m for m in acc["meters"]}
    assert meters["EM-1"]["qty"] == pytest.approx(10_000) and meters["WM-1"]["t_location"] is None


def test_the_region_and_the_claim_period_change_the_numbers_as_stated(
    carbon_firm: Platform,
) -> None:
    east = carbon_firm.carbon.account(me(), SME, *MARCH, Choice(region="auto"))
    assert east["summary"]["t_location"] == pytest.approx(TOTAL - ELEC + 10 * 0.55)
    # 1-10 March: the certificate's 3 MWh spread over its 19 days, 10 of them in the period
    part = carbon_firm.carbon.account(me(), SME, date(2026, 3, 1), date(2026, 3, 10))
    green = 3000 * 10 / 19
    assert part["summary"]["green_kwh"] == pytest.approx(green)
    assert part["summary"]["scope2_market"] == pytest.approx(
        (10_000 - green) * 0.6096 / 1000 + HEAT
    )
    old = carbon_firm.carbon.account(me(), SME, *MARCH, Choice(grid_year=2021))
    # 2021 has no residual factor: market-based is unknown, not the fuels and heat alone
    assert old["summary"]["t_market"] is None and old["summary"]["scope2_market"] is None
    assert old["summary"]["t_location"] == pytest.approx(TOTAL - ELEC + 10 * 0.5568)
    assert any("market-based scope 2 not computed" in n["en"] for n in old["notes"])
    with pytest.raises(CarbonError, match="starts"):
        carbon_firm.carbon.account(me(), SME, date(2026, 3, 19), date(2026, 3, 1))


def test_footprints_allocate_the_month_by_run_time(carbon_firm: Platform) -> None:
    acc = carbon_firm.carbon.account(me(), SME, *MARCH)
    wo = {p["work_order_no"]: p for p in acc["footprints"]}
    minutes = {"WO-1": 240, "WO-2": 240, "WO-3": 30, "WO-4": 90, "WO-5": 30}
    for no, m in minutes.items():
        assert wo[no]["run_min"] == pytest.approx(m), no
        assert wo[no]["t"] == pytest.approx(TOTAL * m / MINUTES), no
    assert wo["WO-3"]["measured"] and not wo["WO-1"]["measured"]
    assert wo["WO-5"]["kg_per_unit"] == pytest.approx(1000 * TOTAL * 30 / MINUTES / 100)
    assert sum(p["t"] for p in acc["footprints"]) == pytest.approx(TOTAL)
    assert acc["allocated_share"] == pytest.approx(1.0)


def test_quota_use_forecast_and_the_over_emission_alert(carbon_firm: Platform) -> None:
    c = carbon_firm.carbon
    with pytest.raises(ConsentForbidden):
        c.set_quota(me(), SME, 2026, 100)
    with pytest.raises(CarbonError, match="not a member"):
        c.set_quota(park(), BANK, 2026, 100)
    c.set_quota(park(), SME, 2026, 100.0, note="园区分配")
    c.set_quota(park(), OTHER_SME, 2026, 50.0)
    q = {r["org"]: r for r in c.quota_status()}
    # used 1 Jan - 19 Mar; rate over 18 Feb - 19 Mar; 287 days from 20 Mar to 31 Dec
    assert q[SME]["used"] == pytest.approx(TOTAL)
    assert q[SME]["rate"] == pytest.approx(TOTAL / 30)
    assert q[SME]["days_left"] == 287
    assert q[SME]["forecast"] == pytest.approx(TOTAL + TOTAL / 30 * 287)
    assert q[SME]["status"] == "at_risk" and q[OTHER_SME]["status"] == "nodata"
    opened = (
        AlertEngine(carbon_firm.store, (BY_ID["carbon_quota"],))
        .tick(carbon_firm.clock.now())
        .opened
    )
    assert [(a["org"], a["subject"]) for a in opened] == [(SME, "quota-2026")]
    (value,) = carbon_firm.store.cursor().execute(
        "SELECT value FROM alerts WHERE rule = 'carbon_quota'").fetchone()  # fmt: skip
    assert value == pytest.approx(q[SME]["forecast"])  # as % of a 100 t allowance
    # counted market-based, the same quota sees less
    c.set_quota(park(), SME, 2026, 100.0, market_based=True)
    q2 = {r["org"]: r for r in c.quota_status()}
    assert q2[SME]["used"] == pytest.approx(TOTAL - ELEC + MARKET_ELEC)
    c.remove_quota(park(), OTHER_SME, 2026)
    assert OTHER_SME not in {r["org"] for r in c.quota_status()}
    assert [r["org"] for r in c.quotas(me())] == [SME]


def test_the_park_sees_totals_always_and_names_only_consenting_firms(carbon_firm: Platform) -> None:
    c = carbon_firm.carbon
    view = c.park(park(), *MARCH)
    assert view["firms"] == 2 and view["reporting"] == 1
    assert view["summary"]["t_location"] == pytest.approx(TOTAL - ELEC + 10 * 0.55)  # auto: east
    assert view["ranking"] == [] and view["not_named"] == 1
    assert [r["industry"] for r in view["by_industry"]] == ["other"]  # 2 firms: none stands alone
    carbon_firm.consents.grant(me(), PARK, ["carbon"], "park_services")
    view = c.park(park(), *MARCH)
    assert [(r["rank"], r["org"]) for r in view["ranking"]] == [(1, SME)]
    assert view["not_named"] == 0
    audit = carbon_firm.consents.repo.audit_entries(owner=SME, limit=10)
    assert any(a["reader_org"] == PARK and a["allowed"] for a in audit)
    with pytest.raises(ConsentForbidden):
        c.park(me(), *MARCH)


def test_a_bank_reads_the_account_only_under_a_carbon_consent(carbon_firm: Platform) -> None:
    bank = Principal(org=BANK, org_kind=OrgKind.BANK, role=Role.MEMBER, username="wang")
    with pytest.raises(ConsentForbidden):
        carbon_firm.carbon.account(bank, SME, *MARCH)
    carbon_firm.consents.grant(me(), BANK, ["production_energy"], "in_loan")
    with pytest.raises(ConsentForbidden):  # energy records, but not the carbon account
        carbon_firm.carbon.account(bank, SME, *MARCH)
    carbon_firm.consents.grant(me(), BANK, ["carbon"], "in_loan")
    acc = carbon_firm.carbon.account(bank, SME, *MARCH)
    assert acc["summary"]["t_location"] == pytest.approx(TOTAL)


def test_an_operator_adds_a_newer_grid_factor_never_changes_one(carbon_firm: Platform) -> None:
    ops = Principal(org=PLATFORM_ORG, org_kind=OrgKind.PLATFORM, role=Role.ADMIN, username="ops")
    new = Factor("grid/2024/national/average", "electricity", "average", "MEE/NBS", 2024,
                 "national", 0.5, "tCO2/MWh", "公告(测试)")  # fmt: skip
    with pytest.raises(ConsentForbidden):
        carbon_firm.carbon.add_factor(me(), new)
    carbon_firm.carbon.add_factor(ops, new)
    with pytest.raises(CarbonError, match="never changed"):
        carbon_firm.carbon.add_factor(ops, new)
    with pytest.raises(CarbonError, match="does not fit"):
        carbon_firm.carbon.add_factor(ops, Factor("grid/x", "electricity", "average", "s", 2024,
                                                  "national", 0.5, "tCO2/t", "s"))  # fmt: skip
    acc = carbon_firm.carbon.account(me(), SME, *MARCH)  # the newest up to 2026 is now 2024's
    assert acc["summary"]["scope2_location"] == pytest.approx(10 * 0.5 + HEAT)


def test_a_green_claim_that_ends_before_it_starts_is_refused_by_name(platform: Platform) -> None:
    base = {"source": "gec", "org": SME, "event_time": "2026-03-01T10:00:00+08:00",
            "instrument": "certificate", "mwh": 1, "consumed_from": "2026-02-01"}  # fmt: skip
    result = platform.events.append("green_power", JsonBatch(orjson.dumps([
        {**base, "id": "ok", "instrument_no": "A", "consumed_to": "2026-02-28"},
        {**base, "id": "bad", "instrument_no": "B", "consumed_to": "2026-01-31"},
    ]).decode()), submitter=SME, now=platform.clock.now(), default_channel="system")  # fmt: skip
    assert result.accepted == 1
    (bad,) = result.rejections
    assert (bad.index, bad.id) == (1, "bad")
    assert [(e.field, e.code) for e in bad.errors] == [("consumed_to", "order")]
    assert "before consumed_from 2026-02-01" in bad.errors[0].reason


def test_reports_and_pages(carbon_firm: Platform, app_client: TestClient) -> None:
    key = carbon_firm.access.create_api_key(SME, "carbon")
    h = {"authorization": f"Bearer {key}"}
    q = "start=2026-03-01&end=2026-03-19"
    acc = app_client.get(f"/api/v1/carbon/account?{q}", headers=h).json()
    assert acc["summary"]["t_location"] == pytest.approx(TOTAL)
    wb = load_workbook(
        io.BytesIO(app_client.get(f"/api/v1/carbon/account.xlsx?{q}", headers=h).content)
    )
    assert wb.sheetnames == [
        "概要",
        "能源结构",
        "月度",
        "计量表",
        "设备",
        "产品碳足迹",
        "配额",
        "排放因子",
    ]
    sources = [r[9] for r in wb["排放因子"].iter_rows(min_row=2, values_only=True)]
    assert any("生态环境部" in s for s in sources) and any("GB/T 32150" in s for s in sources)
    pdf = app_client.get(f"/api/v1/carbon/account.pdf?{q}", headers=h)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert app_client.get("/api/v1/carbon/account?region=mars", headers=h).status_code == 400
    assert app_client.put(f"/api/v1/carbon/quotas/{SME}/2026", json={"allowance_t": 5},
                          headers=h).status_code == 403  # fmt: skip
    assert app_client.get("/api/v1/park/carbon", headers=h).status_code == 403
    # the park's people, on the page: the view, a quota set by form, the Excel report
    carbon_firm.access.add_user(PARK, "liu", "park-password-1", role=Role.ADMIN)
    form_post(app_client, "/login", {"username": "liu", "password": "park-password-1"})
    page = app_client.get(f"/park/carbon?{q}")
    assert page.status_code == 200 and 'data-testid="ranking"' in page.text
    r = form_post(app_client, "/park/carbon/quota", {"org": SME, "year": "2026",
                                                     "allowance_t": "120"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "saved" in r.headers["location"]
    r = form_post(app_client, "/park/carbon/quota", {"org": BANK, "year": "2026",
                                                     "allowance_t": "1"}, follow_redirects=False)  # fmt: skip
    assert "not+a+member" in r.headers["location"]
    assert carbon_firm.carbon.quota_status()[0]["allowance"] == 120
    wb = load_workbook(io.BytesIO(app_client.get(f"/api/v1/park/carbon.xlsx?{q}").content))
    assert "强度排名" in wb.sheetnames


def test_the_carbon_doc_is_generated_from_the_code() -> None:
    from pathlib import Path

    from chanrong.carbon.docs import carbon_markdown

    doc = Path(__file__).parents[2] / "docs" / "carbon.md"
    assert doc.read_text(encoding="utf-8") == carbon_markdown(), "run: chanrong carbon docs"
