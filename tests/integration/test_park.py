"""The park's cockpit on a hand-made park of two firms: the live screen's aggregates (machines,
energy, carbon, alerts meant for parks) over every member, and the portfolio naming only the
member that consented, as far as its consent goes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from chanrong.access.consents import ConsentForbidden
from chanrong.access.rules import Principal, Role
from chanrong.alerts.engine import AlertEngine
from chanrong.alerts.rules import BY_ID
from chanrong.model.base import LOCAL_TZ
from chanrong.model.master import Device, DeviceType, Organisation, OrgKind
from chanrong.park.credit import allocate, concentration
from chanrong.park.lending import LendingError
from chanrong.park.riskpool import PoolError, Terms
from chanrong.platform import Platform
from tests.conftest import (
    BANK,
    OTHER_SME,
    PARK,
    SME,
    SimulatedPark,
    form_post,
    park_world,
    telemetry,
)
from tests.integration.test_bank_screening import send

TODAY = date(2026, 3, 2)  # the fixed clock: 14:00 in Shanghai


def at(hhmm: str) -> str:
    return f"{TODAY.isoformat()}T{hhmm}:00+08:00"


def committee() -> Principal:
    return Principal(org=PARK, org_kind=OrgKind.PARK, role=Role.ADMIN, username="liu")


@pytest.fixture
def park(platform: Platform) -> Platform:
    now = platform.clock.now()
    park_world(platform)
    # the last 10 minutes: the mould maker's machine runs at 12.5 kW, the sheet-metal shop's
    # idles at 2 kW; a reading from 13:40 is too old to count
    send(platform, "telemetry", [
        telemetry(1, event_time=at("13:40"), run_state="stopped", power_kw=0.0),
        telemetry(2, event_time=at("13:55"), run_state="running", power_kw=12.5),
        telemetry(3, org=OTHER_SME, event_time=at("13:58"), run_state="idle", power_kw=2.0),
    ])  # fmt: skip
    platform.master.upsert([Device(org=OTHER_SME, code="EM-1", name="总电表",
                                   device_type=DeviceType.ENERGY_METER)], now)  # fmt: skip
    # today 1,000 and 500 kWh; yesterday the same (what the quota check counts: whole days)
    send(platform, "energy", [
        {"id": f"e{org[-2:]}{day}", "source": "meter", "org": org, "meter": "EM-1",
         "event_time": (datetime(2026, 3, 2, 10, tzinfo=LOCAL_TZ) - timedelta(days=day)).isoformat(),
         "energy_type": "electricity", "value": kwh, "unit": "kWh"}
        for org, kwh in ((SME, 1000), (OTHER_SME, 500)) for day in (0, 1)])  # fmt: skip
    # both firms over a tiny quota: an over-emission warning each (a rule meant for parks)
    for org in (SME, OTHER_SME):
        platform.carbon.set_quota(committee(), org, 2026, 0.1)
    AlertEngine(platform.store, (BY_ID["carbon_quota"],)).tick(now)
    # and a lender's own alert, which is not the park's to count
    platform.store.cursor().execute(
        "INSERT INTO alerts VALUES (nextval('alert_ids'), 'repayment_missed', ?, 'L-1', "
        "'critical', 'active', ?, ?, ?, NULL, 3, 3, 'instalment unpaid')",
        [SME, now, now, now],
    )
    platform.grading.assess(TODAY)
    platform.indicators.compute(TODAY)
    return platform


def test_the_live_screen_counts_every_member_and_names_none(park: Platform) -> None:
    live = park.park.live(committee())
    m = live["machines"]
    assert (m["registered"], m["reporting"], m["running"], m["firms_online"]) == (2, 2, 1, 2)
    assert live["running_rate"] == 0.5 and m["power_kw"] == pytest.approx(14.5)
    # today's energy: 1,500 kWh x 0.1229 kgce; carbon on each firm's own grid (auto): the mould
    # maker in Ningbo on the East grid (0.55), the other with no region code on the national
    today = live["today"]
    assert today["tce"] == pytest.approx(1.5 * 0.1229)
    assert today["t_location"] == pytest.approx(1000 * 0.55 / 1000 + 500 * 0.5306 / 1000)
    assert [(a["rule"], a["open"], a["firms"]) for a in live["alerts"]] == [("carbon_quota", 2, 2)]
    assert live["quotas"] == {"over": 2}
    assert live["graded"] == 2 and sum(live["grades"].values()) == 2
    assert [d["day"] for d in live["trend"]] == ["2026-03-01", "2026-03-02"]
    with pytest.raises(ConsentForbidden):
        park.park.live(Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN))


def test_the_portfolio_names_only_the_member_that_consented(park: Platform) -> None:
    view = park.park.portfolio(committee())
    assert (view["firms"], view["named"], view["not_named"]) == (2, 0, 2)
    assert view["figures"]["energy_tce_90"] == {"firms": 2, "value": pytest.approx(2 * 0.18435),
                                                "how": "sum"}  # fmt: skip
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    park.consents.grant(me, PARK, ["production_energy", "digital_grade", "carbon"], "park_services")
    view = park.park.portfolio(committee())
    (firm,) = view["members"]
    assert firm["org"] == SME and firm["grade_visible"]
    assert firm["figures"]["energy_tce_90"]["value"] == pytest.approx(2 * 0.1229)
    assert firm["figures"]["output_value_90"]["value"] is None  # transactions not consented
    assert firm["figures"]["device_running_rate_30"]["value"] == 50  # 1 of its 2 readings
    assert firm["alerts"] == {"超排预警": 1}  # the lender's repayment alert is not the park's
    assert [r["industry"] for r in view["by_industry"]] == ["other"]  # 2 firms: none alone
    audit = park.consents.repo.audit_entries(owner=SME, limit=20)
    assert any(a["reader_org"] == PARK and a["allowed"] for a in audit)


def test_cockpit_pages_and_api(park: Platform, app_client: TestClient) -> None:
    park.access.add_user(PARK, "liu", "park-password-1", role=Role.ADMIN)
    assert app_client.get("/api/v1/park/live").status_code == 401
    form_post(app_client, "/login", {"username": "liu", "password": "park-password-1"})
    live = app_client.get("/api/v1/park/live").json()
    assert live["machines"]["running"] == 1
    assert app_client.get("/api/v1/park/portfolio").json()["firms"] == 2
    page = app_client.get("/park/screen?every=5")
    assert page.status_code == 200 and 'data-refresh="5"' in page.text
    assert 'data-testid="running-rate">50<' in page.text
    data = app_client.get("/park/screen.json").json()
    assert data["kpis"]["running_rate"] == "50" and data["kpis"]["open_alerts"] == "2"
    assert set(data["charts"]) == {
        "screen-output",
        "screen-carbon",
        "screen-grades",
        "screen-alerts",
    }
    assert app_client.get("/park").status_code == 200
    for page in ("/park/grades", "/park/risk-pool"):  # each chart gets its figure, not a macro
        assert "Macro" not in app_client.get(page).text
    en = app_client.get("/park/screen.json?lang=en").json()
    assert "Open alerts by type" in en["charts"]["screen-alerts"]
    # a firm is not a park
    park.access.add_user(SME, "chen", "factory-password-1", role=Role.ADMIN)
    form_post(app_client, "/login", {"username": "chen", "password": "factory-password-1"})
    assert app_client.get("/api/v1/park/live").status_code == 403
    assert app_client.get("/park/screen", follow_redirects=False).status_code == 403


def test_quiet_park_has_no_rate(platform: Platform) -> None:
    platform.master.upsert([Organisation(uscc=PARK, name="空园区", org_kind=OrgKind.PARK)],
                           platform.clock.now())  # fmt: skip
    live = platform.park.live(committee(), platform.clock.now() + timedelta(days=1))
    assert live["firms"] == 0 and live["running_rate"] is None and live["open_alerts"] == 0


def test_the_risk_pool_covers_the_members_live_loans(
    park: Platform, app_client: TestClient
) -> None:
    send(park, "loan", [
        {"id": f"l{k}", "source": "core", "org": org, "event_time": at("09:00"), "loan_no": no,
         "lender": BANK, "loan_type": "working_capital", "principal": amount, "annual_rate": 0.05,
         "start_date": "2026-01-05", "maturity_date": "2026-12-31"}
        for k, (org, no, amount) in enumerate(((SME, "L-1", 1_000_000), (OTHER_SME, "L-2", 500_000)))
    ])  # fmt: skip
    send(park, "loan_outcome", [{"id": "o1", "source": "core", "org": OTHER_SME,
                                 "event_time": at("09:30"), "loan_no": "L-2", "outcome": "default",
                                 "days_past_due": 95}])  # fmt: skip
    park.store.cursor().execute(  # the bank scored the mould maker: PD 2 %
        "INSERT INTO credit_scores VALUES (?, ?, ?, 1, 600, 0.02, 'BBB', 800000, 0.05, '{}', "
        "'wang', ?)", [BANK, SME, TODAY, park.clock.now()])  # fmt: skip
    terms = Terms(government_fund=600_000, park_fund=400_000, pool_share=0.5, lgd=0.45,
                  correlation=0.15, runs=10_000)  # fmt: skip
    park.park.set_pool(committee(), terms)
    r = park.park.risk_pool(committee())
    # the defaulted 500,000 is a claim due now: 0.5 x 0.45 x 500,000 = 112,500 from the pool
    assert r["defaulted"] == {"loans": 1, "ead": 500_000, "claim_due": 112_500}
    assert r["pool"] == pytest.approx(1_000_000 - 112_500)
    assert (r["loans"], r["covered"], r["scored"]) == (1, 1_000_000, 1)
    assert r["coverage_ratio"] == pytest.approx(0.8875) and r["within_leverage"]
    assert r["expected_loss_formula"] == pytest.approx(0.02 * 450_000)
    assert r["government_expected_paid"] == pytest.approx(0.6 * r["pool_expected_paid"])
    # covering park-credit loans only: none yet
    park.park.set_pool(committee(), terms, ["park_credit"])
    assert park.park.risk_pool(committee())["covered"] == 0
    with pytest.raises(PoolError):
        park.park.set_pool(committee(), terms, ["mortgage"])
    viewer = Principal(org=PARK, org_kind=OrgKind.PARK, role=Role.VIEWER, username="v")
    with pytest.raises(ConsentForbidden):
        park.park.set_pool(viewer, terms)
    # the page: a term out of range is named; the API keeps terms and answers
    park.access.add_user(PARK, "liu", "park-password-1", role=Role.ADMIN)
    form_post(app_client, "/login", {"username": "liu", "password": "park-password-1"})
    assert 'data-testid="pool-result"' in app_client.get("/park/risk-pool").text
    bad = {"government_fund": "1", "park_fund": "1", "pool_share": "150", "lgd": "45",
           "correlation": "0.1", "default_pd": "3", "max_leverage": "10", "runs": "5000"}  # fmt: skip
    r = form_post(app_client, "/park/risk-pool", bad, follow_redirects=False)
    assert r.status_code == 303 and "pool_share" in r.headers["location"]
    body = {"government_fund": 2_000_000, "park_fund": 0, "runs": 5_000}
    answer = app_client.put("/api/v1/park/risk-pool", json=body,
                            headers={"x-csrf-token": app_client.cookies["chanrong_csrf"]})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["covered"] == 1_000_000 and answer.json()["saved"]


def test_a_bank_shares_its_park_credit_pool_by_its_scorecard(
    simulated_park: SimulatedPark,
) -> None:
    platform = simulated_park.platform
    sim = simulated_park.park
    bank, park_org = sim.banks[0].uscc, sim.park.uscc  # type: ignore[attr-defined]
    if not platform.scoring.models(bank):
        platform.scoring.train(bank, "platform", by="test")
    officer = Principal(org=bank, org_kind=OrgKind.BANK, role=Role.MEMBER, username="officer")
    with pytest.raises(LendingError, match="set one first"):
        platform.lending.allocate(officer, park_org)
    with pytest.raises(LendingError, match="not a registered park"):
        platform.lending.set_pool(officer, bank, 1e6)
    platform.lending.set_pool(officer, park_org, 5_000_000, max_share=0.3, note="整园授信 2026")
    view = platform.lending.allocate(officer, park_org)
    members = set(platform.master.members(park_org))
    lenders = {o for p in ("pre_loan", "in_loan") for o in platform.consents.live(bank, p)}
    firms = {f["org"]: f for f in view["firms"]}
    assert set(firms) == members & lenders and firms  # every consenting member scored
    asks = {o: f["ask"] for o, f in firms.items()}
    assert {o: f["allocated"] for o, f in firms.items()} == allocate(5_000_000, asks, 0.3)
    for f in firms.values():
        assert f["allocated"] <= min(f["ask"], 1_500_000)
        if f["knockouts"]:
            assert f["ask"] == 0 == f["allocated"]
    assert view["allocated"] <= 5_000_000 and view["candidates"] == len(firms)
    assert view["concentration"] == concentration({o: f["allocated"] for o, f in firms.items()})
    # the park sees the pool and its totals; no firm shared its credit standing with the park
    committee_ = Principal(org=park_org, org_kind=OrgKind.PARK, role=Role.ADMIN, username="liu")
    (seen,) = platform.lending.pools_of(committee_)
    assert seen["allocated"] == view["allocated"] and seen["firms"] == []
    assert seen["not_named"] == len(firms)
    with pytest.raises(ConsentForbidden):
        platform.lending.set_pool(committee_, park_org, 1e6)


def test_park_credit_use_counts_the_banks_park_credit_loans(
    park: Platform, app_client: TestClient
) -> None:
    officer = Principal(org=BANK, org_kind=OrgKind.BANK, role=Role.MEMBER, username="wang")
    park.master.upsert([Organisation(uscc=BANK, name="测试银行", org_kind=OrgKind.BANK)],
                       park.clock.now())  # fmt: skip
    park.lending.set_pool(officer, PARK, 2_000_000, max_share=0.5)
    park.store.cursor().execute(  # a past allocation: 800,000 to the mould maker
        "INSERT INTO park_credit_allocations VALUES (?, ?, ?, 900000, 800000, 620, 0.02, 'A', "
        "[], ?, 'wang', ?)", [BANK, PARK, SME, TODAY, park.clock.now()])  # fmt: skip
    send(park, "loan", [
        {"id": f"pc{k}", "source": "core", "org": SME, "event_time": at("09:00"), "loan_no": no,
         "lender": BANK, "loan_type": kind, "principal": amount, "annual_rate": 0.04,
         "start_date": "2026-02-01", "maturity_date": "2027-01-31"}
        for k, (no, kind, amount) in enumerate((("PC-1", "park_credit", 300_000),
                                                ("PC-2", "park_credit", 100_000),
                                                ("WC-9", "working_capital", 999_999)))])  # fmt: skip
    view = park.lending.bank_view(officer, PARK)
    (firm,) = view["firms"]
    assert (firm["drawn"], firm["loans"]) == (400_000, 2)  # park-credit loans only
    assert firm["used"] == 0.5 and view["used_of_pool"] == 0.2
    assert view["unallocated"] == 1_200_000
    # named to the park once the firm lets it read its credit standing
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    (pool,) = park.lending.pools_of(committee())
    assert pool["firms"] == [] and pool["not_named"] == 1
    park.consents.grant(me, PARK, ["credit_standing"], "park_services")
    (pool,) = park.lending.pools_of(committee())
    assert [(f["org"], f["drawn"]) for f in pool["firms"]] == [(SME, 400_000)]
    # the pages: the bank's pool with its firm; the park's cockpit with the pool
    park.access.add_user(BANK, "wang", "bank-password-1", role=Role.MEMBER)
    form_post(app_client, "/login", {"username": "wang", "password": "bank-password-1"})
    page = app_client.get(f"/bank/park-credit?park={PARK}").text
    assert f'<tr data-org="{SME}">' in page and 'data-testid="allocations"' in page
    assert "Macro" not in app_client.get("/bank/portfolio").text
    r = form_post(app_client, "/bank/park-credit", {"park": PARK, "amount": "-5"},
                  follow_redirects=False)  # fmt: skip
    assert "positive" in r.headers["location"]
    park.access.add_user(PARK, "liu", "park-password-1", role=Role.ADMIN)
    form_post(app_client, "/login", {"username": "liu", "password": "park-password-1"})
    cockpit = app_client.get("/park").text
    assert f'data-bank="{BANK}"' in cockpit and "测试模具厂 800,000" in cockpit
