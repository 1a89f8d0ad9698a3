"""Scorecards at the bank: training by admins only, versions, scoring a firm through its
consent with reasons, knock-outs, line and price, the decision record, and the simulated park."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from chanrong.access.rules import Principal, Role
from chanrong.finance.scorecard import RATINGS
from chanrong.model.identifiers import complete_uscc
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.web.app import Settings, create_app
from chanrong.web.security import CSRF_COOKIE
from tests.conftest import BANK, NOW, OTHER_SME, PASSWORD, SME, SimulatedPark, form_post
from tests.integration.test_bank_screening import send

OTHER_BANK = complete_uscc("91330200MA2B10009")


def test_train_version_and_score_a_firm_through_its_consent(platform: Platform) -> None:
    day = (NOW - timedelta(days=3)).isoformat()
    send(platform, "credit_record", [{
        "id": "c1", "source": "court", "org": SME, "event_time": day, "channel": "third_party",
        "record_type": "dishonest_debtor", "reference_no": "(2026)失1", "start_date": day[:10]}])  # fmt: skip
    # the bank's book: one loan live, one repaid, one with another bank
    loans = [("L-1", BANK, 300_000, None), ("L-2", BANK, 500_000, "repaid"),
             ("L-3", OTHER_BANK, 900_000, None)]  # fmt: skip
    send(platform, "loan", [{
        "id": no, "source": "bank-core", "org": SME, "event_time": day, "channel": "third_party",
        "loan_no": no, "lender": lender, "loan_type": "working_capital", "principal": amount,
        "annual_rate": 0.05, "start_date": day[:10],
        "maturity_date": (NOW + timedelta(days=300)).date().isoformat()}
        for no, lender, amount, _ in loans])  # fmt: skip
    send(platform, "loan_outcome", [{
        "id": "o-2", "source": "bank-core", "org": SME, "event_time": day,
        "channel": "third_party", "loan_no": "L-2", "outcome": "repaid"}])  # fmt: skip
    assert platform.scoring.outstanding(BANK, SME, NOW.date()) == 300_000
    officer = Principal(org=BANK, org_kind=OrgKind.BANK, role=Role.ADMIN, username="zhou")
    (borrower,) = platform.portfolio.book(officer)["borrowers"]
    assert borrower["org"] == SME and borrower["outstanding"] == 300_000
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    platform.consents.grant(me, BANK, ["production_energy", "transactions", "credit_standing",
                                       "movable_assets"], "in_loan")  # fmt: skip
    platform.access.add_user(BANK, "zhou", PASSWORD, role=Role.ADMIN)
    platform.access.add_user(BANK, "li", PASSWORD, role=Role.MEMBER)
    with TestClient(create_app(platform, Settings())) as client:

        def login(user: str) -> None:
            client.cookies.clear()
            assert form_post(client, "/login", {"username": user, "password": PASSWORD},
                             follow_redirects=False).status_code == 303  # fmt: skip

        login("li")
        none = client.get(f"/api/v1/orgs/{SME}/score")
        assert none.status_code == 404 and "no active scorecard" in none.json()["detail"]
        page = client.get(f"/orgs/{SME}/score", params={"purpose": "in_loan"})
        assert page.status_code == 200 and 'data-testid="no-model"' in page.text
        assert 'data-testid="train"' not in client.get("/bank/models").text  # not an admin
        assert client.post("/api/v1/bank/models", json={}).status_code == 403  # admins train
        login("zhou")
        unknown = client.post("/api/v1/bank/models", json={"dataset": "nope"})
        assert unknown.status_code == 400 and "unknown data set" in unknown.json()["detail"]
        made = client.post("/api/v1/bank/models", json={"dataset": "platform"})
        assert made.status_code == 201, made.text
        report = made.json()
        assert report["version"] == 1 and report["split"] == "out_of_time"
        assert report["metrics"]["validation"]["auc"] > 0.7 and report["uplift"]["auc_gain"] > 0
        assert {"iv", "selected", "group"} <= set(report["features"][0])
        listed = client.get("/api/v1/bank/models").json()
        assert [m["version"] for m in listed] == [1] and listed[0]["active"]
        assert client.get("/api/v1/bank/models/1").json()["psi"] == report["psi"]

        login("li")
        got = client.get(f"/api/v1/orgs/{SME}/score", params={"purpose": "in_loan"})
        assert got.status_code == 200, got.text
        s = got.json()
        assert s["version"] == 1 and s["rating"] in {g for g, _ in RATINGS}
        assert 0 < s["pd"] < 1 and s["knockouts"] == ["失信被执行人"]
        assert s["line"]["amount"] == 0 and s["line"]["declined"] == "knockout"
        assert s["price"]["annual_rate"] >= s["policy"]["lpr"]
        # a firm that sends little has features with no data, and they are named as reasons
        assert any("无数据" in r["text_zh"] for r in s["reasons"]), s["reasons"]
        feats = {f["feature"]: f for f in s["features"]}
        assert feats["registered_capital"]["value"] is None  # not registered in this world
        page = client.get(f"/orgs/{SME}/score", params={"purpose": "in_loan"})
        assert page.status_code == 200 and 'data-testid="knockouts"' in page.text
        assert f'data-testid="rating">{s["rating"]}<' in page.text
        assert 'data-feature="device_running_rate_90"' in page.text
        models = client.get("/bank/models")
        assert 'data-testid="report" data-version="1"' in models.text
        assert 'data-testid="uplift"' in models.text
        record = client.get("/api/v1/bank/scores").json()
        assert [(r["org"], r["version"], r["rating"]) for r in record] == [(SME, 1, s["rating"])]
        # no consent for the purpose: refused, and the attempt is in the firm's audit
        assert client.get(f"/api/v1/orgs/{OTHER_SME}/score").status_code == 403
        assert client.get(f"/api/v1/orgs/{SME}/score",
                          params={"purpose": "pre_loan"}).status_code == 403  # fmt: skip
        audit = platform.consents.repo.audit_entries(owner=SME, limit=20)
        assert any(a["reader_org"] == BANK and "indicators" in a["action"] for a in audit)

        login("zhou")
        csrf = {"X-CSRF-Token": client.cookies[CSRF_COOKIE]}  # a body-less post from a page
        retired = client.post("/api/v1/bank/models/1/retire", headers=csrf)
        assert retired.status_code == 200 and retired.json()["active"] is False, retired.text
        assert client.get(f"/api/v1/orgs/{SME}/score",
                          params={"purpose": "in_loan"}).status_code == 404  # fmt: skip
        assert client.post("/api/v1/bank/models/7/activate", headers=csrf).status_code == 404
        trained = form_post(client, "/bank/models", {"dataset": "credit_data"},
                            follow_redirects=False)  # fmt: skip
        assert trained.status_code == 303 and trained.headers["location"].endswith("version=2")
        again = client.post("/api/v1/bank/models", json={"dataset": "german", "pdo": 40})
        assert again.json()["version"] == 3 and again.json()["scaling"]["pdo"] == 40
        assert again.json()["iv_check"]  # the public data's published IVs, compared
        assert 'data-testid="iv-check"' in client.get("/bank/models").text  # newest shown


def test_the_simulated_parks_firms_are_scored_from_their_own_data(
    simulated_park: SimulatedPark,
) -> None:
    from chanrong.grading.criteria import Level

    platform = simulated_park.platform
    park = simulated_park.park
    bank = park.banks[0].uscc  # type: ignore[attr-defined]
    version = platform.scoring.train(bank, "platform", by="test")["version"]
    officer = Principal(org=bank, org_kind=OrgKind.BANK, role=Role.MEMBER, username="officer")
    sharing = [f for f in park.firms if f.level is Level.OPTIMIZED]  # type: ignore[attr-defined]
    assert sharing
    for f in sharing:
        s = platform.scoring.score(officer, f.uscc, "pre_loan")
        feats = {x["feature"]: x for x in s["features"]}
        # its machines report: the running rate has a value, and says how it is known
        assert feats["device_running_rate_90"]["value"] is not None
        assert feats["device_running_rate_90"]["credibility"] is not None
        assert feats["years_established"]["value"] > 0
        assert 300 < s["score"] < 900 and s["line"]["amount"] >= 0
        assert s["credibility"]["mix"]["third_party"] > 0
        if not s["knockouts"] and s["line"]["declined"] is None:
            assert s["line"]["amount"] > 0, s["line"]
    kept = [r for r in platform.scoring.scores(bank) if r["version"] == version]
    assert sorted(r["org"] for r in kept) == sorted(f.uscc for f in sharing)  # one each
