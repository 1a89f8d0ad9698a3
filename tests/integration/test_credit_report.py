"""The credit-enhancement report: issued under consent as a ledger leaf, verified offline
(and caught when changed), as PDF, over the API and on its page."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chanrong.access.rules import Principal, Role
from chanrong.ledger.verify import verify_report
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.web.app import Settings, create_app
from chanrong.web.security import CSRF_COOKIE
from tests.conftest import BANK, OTHER_SME, PASSWORD, SME, SimulatedPark, form_post


def test_a_report_on_a_simulated_firm_verifies_offline_and_any_change_is_caught(
    simulated_park: SimulatedPark, tmp_path: Path
) -> None:
    from chanrong.cli import app
    from chanrong.grading.criteria import Level

    platform, park = simulated_park.platform, simulated_park.park
    bank = park.banks[0].uscc  # type: ignore[attr-defined]
    platform.scoring.train(bank, "platform", by="test")
    firm = next(f for f in park.firms if f.level is Level.OPTIMIZED)  # type: ignore[attr-defined]
    officer = Principal(org=bank, org_kind=OrgKind.BANK, role=Role.MEMBER, username="officer")

    def indicator_reads() -> int:
        audit = platform.consents.repo.audit_entries(owner=firm.uscc, limit=10_000)
        return sum(1 for a in audit if "/indicators" in a["action"] and a["reader_org"] == bank)

    before = indicator_reads()
    doc = platform.reports.issue(officer, firm.uscc, "pre_loan")
    assert indicator_reads() == before + 1  # the firm's indicators read once, for every part
    r = doc["report"]
    assert r["firm"]["uscc"] == firm.uscc and r["score"]["rating"] and r["grade"]["overall"]
    assert r["indicators"] and all(i["credibility"] for i in r["indicators"])
    assert r["trade_chain"]["invoices"] > 0 and r["evidence"]["batches"] == len(doc["batches"]) > 0
    assert set(r["evidence"]["kinds"]) >= {"telemetry", "invoice", "credit_record"}
    result = verify_report(doc)
    assert result.ok and result.batches == len(doc["batches"]), result.problems

    changed = copy.deepcopy(doc)
    changed["report"]["score"]["rating"] = "AAA" if r["score"]["rating"] != "AAA" else "AA"
    assert any("was changed" in p for p in verify_report(changed).problems)
    forged = copy.deepcopy(doc)
    forged["batches"][0]["leaf_data"] = forged["batches"][0]["leaf_data"].replace('"v":1', '"v":2')
    assert any("not in the signed log" in p for p in verify_report(forged).problems)

    good, bad = tmp_path / "report.json", tmp_path / "changed.json"
    good.write_text(json.dumps(doc, ensure_ascii=False))
    bad.write_text(json.dumps(changed, ensure_ascii=False))
    ok = CliRunner().invoke(app, ["verify", str(good)])
    assert ok.exit_code == 0 and "is exactly what the platform issued" in ok.output, ok.output
    assert CliRunner().invoke(app, ["verify", str(bad)]).exit_code == 1
    assert platform.reports.list(bank, firm.uscc)[0]["report_id"] == r["report_id"]


def test_reports_over_the_api_and_the_page(platform: Platform) -> None:
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    platform.consents.grant(me, BANK, ["production_energy", "credit_standing"], "in_loan")
    platform.access.add_user(BANK, "zhou", PASSWORD, role=Role.ADMIN)
    with TestClient(create_app(platform, Settings())) as client:
        assert form_post(client, "/login", {"username": "zhou", "password": PASSWORD},
                         follow_redirects=False).status_code == 303  # fmt: skip
        csrf = {"X-CSRF-Token": client.cookies[CSRF_COOKIE]}  # a body-less post from a page
        made = client.post(f"/api/v1/orgs/{SME}/credit-report", params={"purpose": "in_loan"},
                           headers=csrf)  # fmt: skip
        assert made.status_code == 201, made.text
        doc = made.json()
        assert doc["report"]["score"] is None  # no scorecard trained: said, not invented
        assert doc["report"]["trade_chain"] is None  # the consent does not open invoices
        assert verify_report(doc).ok
        rid = doc["report"]["report_id"]
        assert [x["report_id"] for x in client.get("/api/v1/bank/credit-reports").json()] == [rid]
        assert client.get(f"/api/v1/bank/credit-reports/{rid}").json() == doc
        pdf = client.get(f"/api/v1/bank/credit-reports/{rid}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert b"STSong-Light" in pdf.content  # Chinese set in the viewer's CID font
        page = client.get(f"/credit-reports/{rid}")
        assert page.status_code == 200 and f'data-report="{rid}"' in page.text
        issued = form_post(client, f"/orgs/{SME}/credit-report", {"purpose": "in_loan"},
                           follow_redirects=False)  # fmt: skip
        assert issued.status_code == 303 and issued.headers["location"].startswith(
            "/credit-reports/"
        )
        assert client.post(f"/api/v1/orgs/{OTHER_SME}/credit-report",
                           headers=csrf).status_code == 403  # fmt: skip
        assert client.get("/api/v1/bank/credit-reports/nope").status_code == 404
        pledged = client.get("/bank/pledges")  # no pledge on this bank's loans yet
        assert pledged.status_code == 200 and 'data-testid="pledges"' in pledged.text
        assert client.get("/api/v1/bank/pledges").json()["pledges"] == []


def test_receivable_financing_on_a_simulated_firm(simulated_park: SimulatedPark) -> None:
    from chanrong.grading.criteria import Level

    platform, park = simulated_park.platform, simulated_park.park
    bank = park.banks[0].uscc  # type: ignore[attr-defined]
    firm = next(f for f in park.firms if f.level is Level.OPTIMIZED)  # type: ignore[attr-defined]
    officer = Principal(org=bank, org_kind=OrgKind.BANK, role=Role.MEMBER, username="officer")
    chains = platform.trades.read(officer, firm.uscc, "pre_loan", 180)["invoices"]
    offered = [i["invoice_no"] for i in chains[-12:]]
    result = platform.receivables.apply(officer, firm.uscc, offered, "pre_loan", 0.8)
    assert [v["invoice_no"] for v in result["invoices"]] == offered
    for v in result["invoices"]:
        links = {x["link"]: x["status"] for x in v["links"]}
        assert v["eligible"] == (not v["reasons"])
        if v["eligible"]:
            assert links["delivery"] == "ok" and links["payment"] != "broken"
            assert v["advance"] == round(v["outstanding"] * 0.8, 2)
    assert result["eligible"] == round(sum(v["advance"] for v in result["invoices"]), 2)
    assert platform.receivables.applications(bank)[0]["application_id"] == result["application_id"]
    try:
        platform.receivables.apply(officer, firm.uscc, ["NOPE-1"], "pre_loan")
    except ValueError as exc:
        assert "NOPE-1" in str(exc)
    else:
        raise AssertionError("an unknown invoice must be named")
    # the same from the trade-chain page: tick invoices, apply (a client without the app's
    # lifespan, which would close the shared park's file on the way out)
    platform.access.add_user(bank, "recv-officer", PASSWORD, role=Role.MEMBER)
    client = TestClient(create_app(platform, Settings()))
    assert form_post(client, "/login", {"username": "recv-officer", "password": PASSWORD},
                     follow_redirects=False).status_code == 303  # fmt: skip
    page = client.get(f"/orgs/{firm.uscc}/trades", params={"purpose": "pre_loan"})
    assert 'data-testid="receivables-form"' in page.text
    applied = form_post(client, f"/orgs/{firm.uscc}/receivables",
                        {"purpose": "pre_loan", "invoice_no": offered[:2]})  # fmt: skip
    assert applied.status_code == 200 and 'data-testid="application"' in applied.text
    assert f'data-invoice="{offered[1]}"' in applied.text
    # a digital-upgrade loan for the same firm, from its own figures and roadmap
    plan = client.post(f"/api/v1/orgs/{firm.uscc}/upgrade-loan", params={"purpose": "pre_loan"},
                       json={"equipment": [{"name": "数控加工中心", "qty": 5,
                                            "unit_cost": 400000, "capacity_gain": 2.0}],
                             "stock_before": 6e6, "stock_after": 4e6})  # fmt: skip
    assert plan.status_code == 200, plan.text
    got = plan.json()
    assert got["roadmap_shared"] and got["figures"]["output_value_365"] > 0
    assert got["amount"] > 0 and got["amount"] % 10_000 == 0
    assert {w["indicator"] for w in got["watch"]} >= {"capacity_rated_daily", "output_value"}
    assert client.get(f"/orgs/{firm.uscc}/upgrade-loan").status_code == 200
    sized = form_post(client, f"/orgs/{firm.uscc}/upgrade-loan",
                      {"purpose": "pre_loan", "name": "CNC", "qty": "5", "unit_cost": "400000",
                       "capacity_gain": "2", "stock_before": "6000000",
                       "stock_after": "4000000"})  # fmt: skip
    assert sized.status_code == 200 and 'data-testid="upgrade-amount"' in sized.text
    # the enterprise 360 view: the consents held, and the firm in one piece (no decision kept)
    before = len(platform.scoring.scores(bank))
    view = client.get(f"/orgs/{firm.uscc}/360", params={"purpose": "pre_loan"})
    assert view.status_code == 200 and 'data-purpose="pre_loan"' in view.text
    assert 'data-testid="report-indicators"' in view.text
    assert len(platform.scoring.scores(bank)) == before
    # the portfolio: the bank's own loans, live on the day
    book = client.get("/api/v1/bank/portfolio").json()
    lent = platform.store.cursor().execute(
        "SELECT count(DISTINCT org) FROM ev_loan WHERE lender = ?", [bank]).fetchone()[0]  # fmt: skip
    assert 0 < len(book["borrowers"]) <= lent
    assert book["outstanding"] == pytest.approx(sum(b["outstanding"] for b in book["borrowers"]))
    assert sum(book["by_rating"].values()) == pytest.approx(book["outstanding"])
    assert book["top5_share"] <= 1 and 0 < book["hhi"] <= 10_000
    page = client.get("/bank/portfolio")
    assert page.status_code == 200 and f'data-org="{book["borrowers"][0]["org"]}"' in page.text


def test_without_a_ledger_no_report_is_issued(tmp_path: Path) -> None:
    from chanrong.store.db import Store
    from tests.conftest import world

    bare = Platform(Store(tmp_path / "bare.duckdb"), ledger=False)  # benchmarks run like this
    try:
        world(bare)
        key = bare.access.create_api_key(BANK, "bank integration")
        client = TestClient(
            create_app(bare, Settings()), headers={"authorization": f"Bearer {key}"}
        )
        refused = client.post(f"/api/v1/orgs/{SME}/credit-report")
        assert refused.status_code == 409 and "without a ledger" in refused.json()["detail"]
    finally:
        bare.close()
