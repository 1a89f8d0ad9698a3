"""Put a simulated park on the platform: register it, back-fill its history, feed it live.

The demo park is the default preset (78 firms) with 90 days of history ending now. Its
parameters are kept in the database, so a restart rebuilds the same park, regenerates the days
already stored without sending them again, fills the gap since the last run and goes on live.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from chanrong.access.rules import Principal, Role
from chanrong.grading.criteria import Level
from chanrong.model.base import local_today
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.sim.park import Park, build_park
from chanrong.sim.run import PlatformSink, Runner
from chanrong.store.simulations import SimulationRepository

DEMO = "demo"
DEMO_DAYS = 90
DEMO_SEED = 2026


def register(platform: Platform, park: Park) -> dict[str, int]:
    """Organisations, master data and demo logins of the park (idempotent)."""
    now = platform.clock.now()
    orgs = park.organisations()
    platform.master.upsert(orgs, now)
    masters = park.master_records()
    platform.master.upsert(masters, now)
    users = 0
    for login in park.logins:
        if platform.accounts.user_by_name(login.username) is None:
            platform.access.add_user(login.org, login.username, login.password,
                                     display_name=login.display_name, role=Role.ADMIN)  # fmt: skip
            users += 1
    return {"organisations": len(orgs), "master_records": len(masters), "users": users}


def demo_consents(platform: Platform, park: Park) -> None:
    """A few consents so every demo login has something to see (once per database)."""
    bank, buyer, park_org = park.banks[0].uscc, park.buyers[0].uscc, park.park.uscc
    if platform.consents.repo.of_party(bank):
        return
    qingxi, donghai, hongsheng = (f.uscc for f in park.firms[:3])

    def admin(org: str, kind: OrgKind, name: str) -> Principal:
        return Principal(org=org, org_kind=kind, role=Role.ADMIN, username=name)

    c = platform.consents
    sme = {f: admin(f, OrgKind.SME, u) for f, u in
           ((qingxi, "qingxi"), (donghai, "donghai"), (hongsheng, "hongsheng"))}  # fmt: skip
    lender = admin(bank, OrgKind.BANK, "bank")
    purchaser = admin(buyer, OrgKind.CORE_ENTERPRISE, "buyer")
    committee = admin(park_org, OrgKind.PARK, "park")
    c.grant(sme[qingxi], bank, ["production_energy", "transactions", "credit_standing"], "in_loan",
            note="流动资金贷款 授信审查")  # fmt: skip
    c.grant(sme[qingxi], bank, ["production_energy", "movable_assets", "credit_standing"],
            "post_loan", note="贷后监测授权(随借款合同)")  # fmt: skip
    c.request(lender, donghai, ["production_energy", "movable_assets"], "pre_loan",
              note="存货质押融资 预审")  # fmt: skip
    c.grant(sme[qingxi], buyer, ["quality", "production_energy", "transactions"],
            "supplier_performance",
            days=180)  # fmt: skip
    c.request(purchaser, donghai, ["quality"], "supplier_sourcing")
    asked = c.request(committee, hongsheng, ["production_energy", "carbon"], "park_services")
    c.authorise(sme[hongsheng], asked["consent_id"])


QUOTA_HEADROOM = 1.2  # the park's allowances: 20 % above each firm's forecast for the year,
QUOTA_TIGHT = 0.9  # but 10 % below it for its two largest emitters that share with the park
QUOTA_NOTE = "园区年度碳排放配额(演示)"


def demo_quotas(platform: Platform, park: Park) -> int:
    """The park's carbon quotas for this year, once per database, from each member's forecast
    (so the over-emission warning has two firms to speak of). Returns how many were set."""
    year = local_today(platform.clock.now()).year
    committee = Principal(org=park.park.uscc, org_kind=OrgKind.PARK, role=Role.ADMIN,
                          username="park")  # fmt: skip
    c = platform.carbon
    if any(q["year"] == year for q in c.quota_status()):
        return 0
    orgs = [f.uscc for f in park.firms]
    for org in orgs:  # a placeholder allowance, to read each firm's forecast on the quota basis
        c.set_quota(committee, org, year, 1.0, note=QUOTA_NOTE)
    forecast = {q["org"]: q["forecast"] for q in c.quota_status()}
    shared = set(platform.consents.live(park.park.uscc, "park_services"))
    tight = sorted((o for o in orgs if o in shared and forecast[o] > 0),
                   key=lambda o: -forecast[o])[:2]  # fmt: skip
    for org in orgs:
        if forecast[org] <= 0:
            c.remove_quota(committee, org, year)
            continue
        k = QUOTA_TIGHT if org in tight else QUOTA_HEADROOM
        c.set_quota(committee, org, year, max(0.1, round(forecast[org] * k, 1)), note=QUOTA_NOTE)
    return sum(1 for o in orgs if forecast[o] > 0)


DEMO_PARK_CREDIT = 500_000_000.0  # 元: the demo bank's whole-park line (Daqi's was 79.45 亿)


def demo_park_credit(platform: Platform, park: Park) -> int:
    """The demo bank's park credit pool, set and shared once per database (after its scorecard
    exists). Returns how many firms were scored for it."""
    bank = park.banks[0].uscc
    officer = Principal(org=bank, org_kind=OrgKind.BANK, role=Role.ADMIN, username="bank")
    if platform.lending.pools_of(officer):
        return 0
    platform.lending.set_pool(officer, park.park.uscc, DEMO_PARK_CREDIT, max_share=0.05,
                              note="整园授信(演示)")  # fmt: skip
    return int(platform.lending.allocate(officer, park.park.uscc)["candidates"])


def demo_scorecard(platform: Platform, park: Park) -> None:
    """The demo bank's scorecard, trained on its (simulated) loan book, once per database."""
    bank = park.banks[0].uscc
    if not platform.scoring.models(bank):
        platform.scoring.train(bank, "platform", by="demo")


# What each level shares (grantee kind, scopes, purpose) and declares (questionnaire answers):
# the parts of a firm's level its records cannot carry, decided by the level it was made at.
SHARING: dict[Level, tuple[tuple[str, tuple[str, ...], str], ...]] = {
    Level.ENTRY: (),
    Level.STANDARDIZED: (("park", ("production_energy", "carbon", "digital_grade"),
                          "park_services"),
                         # listed for sourcing with the demo buyer (寻源)
                         ("sourcing", ("credit_standing", "production_energy", "quality",
                                       "transactions", "digital_grade"), "supplier_sourcing")),
    Level.OPTIMIZED: (("park", ("production_energy", "carbon", "digital_grade"), "park_services"),
                      ("buyer", ("quality", "production_energy", "transactions",
                                 "digital_grade"), "supplier_performance"),
                      ("sourcing", ("credit_standing", "production_energy", "quality",
                                    "transactions", "digital_grade"), "supplier_sourcing"),
                      ("bank", ("production_energy", "transactions", "credit_standing",
                                "digital_grade"), "pre_loan"),
                      # the same bank, for post-loan monitoring (贷后监测授权)
                      ("bank", ("production_energy", "movable_assets", "credit_standing"),
                       "post_loan")),
}  # fmt: skip
DECLARED: dict[Level, dict[str, bool]] = {
    Level.ENTRY: {"q_data_staff": False, "q_plan": False, "q_training": False},
    Level.STANDARDIZED: {"q_data_staff": True, "q_plan": False, "q_training": False},
    Level.OPTIMIZED: {"q_data_staff": True, "q_plan": True, "q_training": True},
}


def level_footprint(platform: Platform, park: Park) -> int:
    """Each firm shares its data and answers the grading questionnaire as its level would,
    once per database (a party the firm already shares with for the purpose, or answers already
    given, are left alone). Returns how many consents were granted."""
    granted = 0
    answered = platform.grading.answers([f.uscc for f in park.firms])
    for f in park.firms:
        me = Principal(org=f.uscc, org_kind=OrgKind.SME, role=Role.ADMIN, username=f"sim-{f.short}")
        buyers = [c for c, _, _ in f.customers if any(b.uscc == c for b in park.buyers)]
        to = {"park": park.park.uscc, "bank": park.banks[0].uscc,
              "buyer": buyers[0] if buyers else park.buyers[0].uscc,
              "sourcing": park.buyers[0].uscc}  # fmt: skip
        for who, scopes, purpose in SHARING[f.level]:
            given = platform.consents.repo.between(f.uscc, to[who])
            if not any(c["purpose"] == purpose for c in given):
                platform.consents.grant(me, to[who], list(scopes), purpose, days=730)
                granted += 1
        if not answered[f.uscc]:
            platform.grading.answer(me, DECLARED[f.level])
    return granted


def demo_park(platform: Platform, *, preset: str = "diecasting", firms: int | None = None,
              days: int = DEMO_DAYS, seed: int = DEMO_SEED) -> tuple[Park, bool]:  # fmt: skip
    """The database's demo park: rebuilt from its saved parameters, or created now."""
    sims = SimulationRepository(platform.store)
    saved = sims.get(DEMO)
    if saved:
        park = build_park(saved["preset"], seed=saved["seed"], start=saved["start"],
                          days=saved["days"], firms=saved["firms"])  # fmt: skip
        return park, False
    start = local_today(platform.clock.now()) - timedelta(days=days)
    park = build_park(preset, seed=seed, start=start, days=days, firms=firms)
    sims.save(DEMO, preset=park.preset.key, seed=seed, start=start, days=days,
              firms=len(park.firms), now=platform.clock.now())  # fmt: skip
    return park, True


def backfill(
    platform: Platform, park: Park, progress: Callable[[date, int], None] | None = None
) -> tuple[Runner, PlatformSink]:
    """Generate the park up to now and store what has arrived; return the runner for live."""
    sink = PlatformSink(platform, park.platform.uscc, replay=True)
    runner = Runner(park, sink)
    stored = SimulationRepository(platform.store).last_received()
    runner.history(platform.clock.now(), progress, skip_until=stored)
    return runner, sink
