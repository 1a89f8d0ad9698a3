"""The consent life cycle over the API, the one authorisation door, and the audit log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from chanrong.access.rules import Role
from chanrong.clock import FixedClock
from chanrong.platform import Platform
from chanrong.web.app import Settings, create_app
from tests.conftest import BANK, OTHER_SME, PASSWORD, PLATFORM_ORG, SME, telemetry


@pytest.fixture
def parties(platform: Platform, sme_key: str) -> Iterator[dict[str, TestClient]]:
    platform.access.add_user(SME, "chen", PASSWORD, role=Role.ADMIN)
    platform.access.add_user(SME, "xiao", PASSWORD, role=Role.VIEWER)
    platform.access.add_user(OTHER_SME, "li", PASSWORD, role=Role.ADMIN)
    platform.access.add_user(BANK, "zhou", PASSWORD, role=Role.MEMBER)
    platform.access.add_user(PLATFORM_ORG, "ops", PASSWORD, role=Role.ADMIN)
    app = create_app(platform, Settings())
    clients = {}
    with TestClient(app) as first:
        for name in ("chen", "xiao", "li", "zhou", "ops"):
            c = TestClient(app)
            r = c.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
            assert r.status_code == 200
            c.headers["x-csrf-token"] = c.cookies["chanrong_csrf"]  # as the pages' script does
            clients[name] = c
        keyed = TestClient(app, headers={"authorization": f"Bearer {sme_key}"})
        keyed.post("/api/v1/ingest/telemetry", json=[telemetry(i) for i in range(5)])
        clients["gateway"] = keyed
        assert first.get("/healthz").status_code == 200
        yield clients


def read(client: TestClient, kind: str = "telemetry", purpose: str = "pre_loan", **q: str):
    return client.get(f"/api/v1/orgs/{SME}/records/{kind}", params={"purpose": purpose, **q})


ASK = {"grantor": SME, "scopes": ["production_energy"], "purpose": "pre_loan", "days": 30}


def test_request_authorise_read_revoke(parties: dict[str, TestClient]) -> None:
    bank, sme = parties["zhou"], parties["chen"]
    asked = bank.post("/api/v1/consents", json=ASK)
    assert asked.status_code == 201 and asked.json()["status"] == "requested"
    cid = asked.json()["consent_id"]
    assert read(bank).status_code == 403  # not yet authorised

    assert parties["xiao"].post(f"/api/v1/consents/{cid}/authorise").status_code == 403
    assert bank.post(f"/api/v1/consents/{cid}/authorise").status_code == 403  # not the grantor
    assert parties["li"].get(f"/api/v1/consents/{cid}").status_code == 404  # not a party
    done = sme.post(f"/api/v1/consents/{cid}/authorise").json()
    assert done["status"] == "authorised" and len(done["terms_sha256"]) == 64

    rows = read(bank)
    assert rows.status_code == 200 and len(rows.json()) == 5
    assert read(bank, "invoice").status_code == 403  # transactions were not granted
    assert read(bank, purpose="post_loan").status_code == 403  # another purpose
    assert bank.get(f"/api/v1/orgs/{SME}/streams", params={"purpose": "pre_loan"}).json()[0][
        "kind"
    ] in {"telemetry", "energy", "work_order", "production_report", "inventory_movement",
          "shipment"}  # fmt: skip

    who = sme.get("/api/v1/audit").json()
    allowed = [a for a in who if a["allowed"] and a["kind"] == "telemetry"]
    assert allowed and allowed[0]["reader_org"] == BANK and allowed[0]["reader_user"] == "zhou"
    assert allowed[0]["records"] == 5 and allowed[0]["consent_id"] == cid
    assert any(not a["allowed"] for a in who)  # refused reads are on record too

    revoked = sme.delete(f"/api/v1/consents/{cid}", params={"reason": "loan repaid"}).json()
    assert revoked["status"] == "revoked" and revoked["revoke_reason"] == "loan repaid"
    assert read(bank).status_code == 403  # the very next request


def test_granted_consents_expire_and_bound_the_data_period(
    parties: dict[str, TestClient], clock: FixedClock
) -> None:
    sme, bank = parties["chen"], parties["zhou"]
    grant = {"grantee": BANK, "scopes": ["production_energy"], "purpose": "post_loan",
             "days": 1, "data_to": "2026-03-01"}  # fmt: skip
    given = sme.post("/api/v1/consents/grant", json=grant)
    assert given.status_code == 201 and given.json()["status"] == "authorised"
    # the records are from 2026-03-02: outside the consented data period
    assert read(bank, purpose="post_loan").json() == []
    clock.advance(days=2)
    relogin = bank.post("/api/v1/auth/login", json={"username": "zhou", "password": PASSWORD})
    assert relogin.status_code == 200  # the 12-hour session ran out too
    assert bank.get(f"/api/v1/consents/{given.json()['consent_id']}").json()["status"] == "expired"
    assert read(bank, purpose="post_loan").status_code == 403


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("zhou", {**ASK, "purpose": "supplier_sourcing"}, 400),  # not a bank's purpose
        ("zhou", {**ASK, "scopes": ["everything"]}, 400),
        ("zhou", {**ASK, "grantor": BANK}, 400),  # only enterprises grant
        ("zhou", {**ASK, "days": 5000}, 400),
        ("chen", ASK, 403),  # an SME does not ask for data
        ("ops", ASK, 403),  # the operator administers, it does not read business data
        ("gateway", ASK, 403),  # keys do not decide on consents
    ],
)
def test_bad_requests_are_refused_with_the_reason(
    parties: dict[str, TestClient], who: str, body: dict, status: int
) -> None:
    answer = parties[who].post("/api/v1/consents", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["detail"]


def test_operator_and_strangers_read_nothing(parties: dict[str, TestClient]) -> None:
    for who in ("ops", "li", "zhou"):
        assert read(parties[who]).status_code == 403
        assert parties[who].get(f"/api/v1/orgs/{SME}/streams",
                                params={"purpose": "pre_loan"}).status_code == 403  # fmt: skip
    assert read(parties["chen"]).status_code == 200  # one's own data, not audited
    assert parties["chen"].get("/api/v1/audit").json()[0]["reader_org"] in (BANK, OTHER_SME,
                                                                            PLATFORM_ORG)  # fmt: skip


def test_the_consent_pages_walk_the_whole_cycle(platform: Platform, sme_key: str) -> None:
    from tests.conftest import form_post

    platform.access.add_user(SME, "chen", PASSWORD, role=Role.ADMIN)
    platform.access.add_user(BANK, "zhou", PASSWORD, role=Role.MEMBER)
    app = create_app(platform, Settings())
    with TestClient(app) as sme, TestClient(app) as bank:
        TestClient(app, headers={"authorization": f"Bearer {sme_key}"}).post(
            "/api/v1/ingest/telemetry", json=[telemetry(i) for i in range(3)]
        )
        form_post(sme, "/login", {"username": "chen", "password": PASSWORD})
        form_post(bank, "/login", {"username": "zhou", "password": PASSWORD})
        page = bank.get("/consents").text
        assert "申请数据授权" in page and "测试模具厂" in page
        asked = form_post(bank, "/consents/request", {"party": SME, "scopes": "production_energy",
                                                      "purpose": "pre_loan", "days": "90"})  # fmt: skip
        assert asked.status_code == 200 and "待审批" in asked.text
        cid = platform.consents.repo.of_party(BANK)[0]["consent_id"]
        refused = bank.get(f"/orgs/{SME}", params={"purpose": "pre_loan"}).text
        assert "没有有效授权" in refused and "设备数据" not in refused

        pending = sme.get("/consents").text
        assert "待处理的申请" in pending and cid in pending and "测试银行" in pending
        done = form_post(sme, f"/consents/{cid}/authorise", {})
        assert "已授权" in done.text

        view = bank.get(f"/orgs/{SME}", params={"purpose": "pre_loan"}).text
        assert "设备数据" in view and "测试模具厂" in view
        audit = sme.get("/audit").text
        assert "测试银行" in audit and "zhou" in audit and "允许" in audit and "拒绝" in audit
        form_post(sme, f"/consents/{cid}/revoke", {})
        assert "没有有效授权" in bank.get(f"/orgs/{SME}", params={"purpose": "pre_loan"}).text
        bad = form_post(bank, "/consents/request", {"party": SME, "purpose": "pre_loan"})
        assert "at least one scope" in bad.text


def test_a_bank_downloads_a_bundle_it_can_verify_offline(parties: dict[str, TestClient]) -> None:
    from chanrong.ledger.verify import verify_bundle

    bank, sme = parties["zhou"], parties["chen"]
    cid = bank.post("/api/v1/consents", json=ASK).json()["consent_id"]
    assert bank.get(f"/api/v1/orgs/{SME}/bundle", params={"purpose": "pre_loan"}).status_code == 403
    sme.post(f"/api/v1/consents/{cid}/authorise")
    got = bank.get(f"/api/v1/orgs/{SME}/bundle", params={"purpose": "pre_loan"})
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    bundle = got.json()
    assert "telemetry" in bundle["kinds"] and "sales_order" not in bundle["kinds"]  # the scope only
    report = verify_bundle(bundle)
    assert report.ok and report.records == 5, report.problems
    # one record's proof; the key the bank pinned earlier verifies it
    keys = bank.get("/api/v1/ledger/keys").json()
    import base64

    pinned = base64.b64decode(keys[-1]["public_key"])
    proof = bank.get(f"/api/v1/orgs/{SME}/records/telemetry/proof",
                     params={"purpose": "pre_loan", "id": "t-3"})  # fmt: skip
    assert proof.status_code == 200 and verify_bundle(proof.json(), pinned).ok
    # the batch leaf: its submitter sees it, a stranger does not
    leaf = proof.json()["batches"][0]["leaf_index"]
    assert parties["chen"].get(f"/api/v1/ledger/leaves/{leaf}").status_code == 200
    assert parties["li"].get(f"/api/v1/ledger/leaves/{leaf}").status_code == 404
    # consent leaves are visible to both parties, with a proof against the current head
    consent_leaf = sme.get(f"/api/v1/consents/{cid}").json()["leaf_index"]
    answer = bank.get(f"/api/v1/ledger/leaves/{consent_leaf}").json()
    assert answer["leaf_type"] == "consent" and answer["head"]["tree_size"] > consent_leaf
    # revoked: the very next download is refused
    sme.delete(f"/api/v1/consents/{cid}")
    assert bank.get(f"/api/v1/orgs/{SME}/bundle", params={"purpose": "pre_loan"}).status_code == 403
    reads = [a for a in sme.get("/api/v1/audit").json() if a["action"].endswith("/bundle")]
    assert [a["allowed"] for a in reads] == [False, True, False]  # newest first


def test_heads_and_consistency_over_the_api(parties: dict[str, TestClient]) -> None:
    from chanrong.ledger.merkle import verify_consistency

    bank = parties["zhou"]
    first = bank.get("/api/v1/ledger/head").json()
    parties["gateway"].post("/api/v1/ingest/telemetry", json=[telemetry(i) for i in range(10, 15)])
    second = bank.get("/api/v1/ledger/head").json()
    assert second["tree_size"] == first["tree_size"] + 1
    proof = bank.get("/api/v1/ledger/consistency",
                     params={"first": first["tree_size"], "second": second["tree_size"]}).json()  # fmt: skip
    assert verify_consistency(first["tree_size"], second["tree_size"], bytes.fromhex(first["root_hash"]),
                              bytes.fromhex(second["root_hash"]), [bytes.fromhex(p) for p in proof["proof"]])  # fmt: skip
    assert (
        bank.get("/api/v1/ledger/consistency", params={"first": 5, "second": 1}).status_code == 400
    )


def test_a_bank_reads_only_the_indicators_its_consent_covers(
    parties: dict[str, TestClient],
) -> None:
    bank, sme = parties["zhou"], parties["chen"]
    url = f"/api/v1/orgs/{SME}/indicators"
    assert bank.get(url, params={"purpose": "pre_loan"}).status_code == 403  # no consent yet
    cid = bank.post("/api/v1/consents", json=ASK).json()["consent_id"]
    sme.post(f"/api/v1/consents/{cid}/authorise")
    report = bank.get(url, params={"purpose": "pre_loan"})
    assert report.status_code == 200
    by_id = {i["id"]: i for i in report.json()}
    running = by_id["device_running_rate"]["values"][0]  # telemetry: production_energy
    assert running["value"] == 100 and running["credibility"] in ("self", "third_party")
    sales = by_id["sales_amount"]["values"][0]  # invoices: transactions, not granted
    assert sales["value"] is None and "does not cover invoice" in sales["reason"]
    own = {i["id"]: i for i in sme.get("/api/v1/indicators").json()}
    assert own["device_running_rate"]["values"][0]["value"] == 100
    assert own["sales_amount"]["values"][0]["reason"] == "no invoice data from this enterprise"
    audit = [a for a in sme.get("/api/v1/audit").json() if "indicators" in a["action"]]
    assert audit and audit[0]["allowed"] and audit[0]["reader_org"] == BANK
    assert bank.get("/api/v1/indicators").status_code == 403  # a bank has no indicators of its own
    catalog = bank.get("/api/v1/indicators/catalog").json()
    assert len(catalog) == len(by_id) and all(c["definition"] for c in catalog)
