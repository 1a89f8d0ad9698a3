"""The bank's pre-loan screening: only firms that authorised the bank, tags with the values
behind them, knock-outs last, filters, CSV export, the page, and every read audited."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import orjson
from fastapi.testclient import TestClient

from chanrong.access.rules import Principal, Role
from chanrong.model.master import OrgKind
from chanrong.platform import Platform
from chanrong.store.events import JsonBatch
from chanrong.web.app import Settings, create_app
from tests.conftest import (
    BANK,
    NOW,
    OTHER_SME,
    PASSWORD,
    PLATFORM_ORG,
    SME,
    SimulatedPark,
    form_post,
)


def send(platform: Platform, kind: str, records: list[dict]) -> None:
    result = platform.events.append(kind, JsonBatch(orjson.dumps(records).decode()),
                                    submitter=PLATFORM_ORG, now=platform.clock.now(),
                                    default_channel="system")  # fmt: skip
    assert result.rejected == 0, result.rejections


def test_screening_lists_consenting_firms_with_tags_reasons_and_knockouts(
    platform: Platform,
) -> None:
    day = (NOW - timedelta(days=3)).isoformat()
    # SME: the lights are on (energy) but nothing is made or sold, and it is a dishonest debtor
    send(platform, "energy", [{"id": f"e{k}", "source": "meter", "org": SME, "meter": "EM-1",
                               "event_time": (NOW - timedelta(days=k)).isoformat(),
                               "energy_type": "electricity", "value": 5, "unit": "kWh"}
                              for k in range(1, 4)])  # fmt: skip
    send(
        platform,
        "credit_record",
        [
            {
                "id": "c1",
                "source": "court",
                "org": SME,
                "event_time": day,
                "channel": "third_party",
                "record_type": "dishonest_debtor",
                "reference_no": "(2026)失1",
                "start_date": day[:10],
            }
        ],
    )
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    platform.consents.grant(me, BANK, ["production_energy", "transactions", "credit_standing",
                                       "digital_grade"], "pre_loan")  # fmt: skip
    other = Principal(org=OTHER_SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="wang")
    platform.consents.grant(other, BANK, ["quality"], "post_loan")  # another purpose
    platform.access.add_user(SME, "chen", PASSWORD, role=Role.ADMIN)
    platform.access.add_user(BANK, "zhou", PASSWORD, role=Role.ADMIN)

    app = create_app(platform, Settings())
    with TestClient(app) as client:

        def login(user: str) -> None:
            client.cookies.clear()
            assert form_post(client, "/login", {"username": user, "password": PASSWORD},
                             follow_redirects=False).status_code == 303  # fmt: skip

        login("chen")
        assert client.get("/api/v1/bank/screening").status_code == 403  # banks only
        login("zhou")
        listing = client.get("/api/v1/bank/screening").json()
        assert listing["consenting"] == 1 and [f["org"] for f in listing["firms"]] == [SME]
        firm = listing["firms"][0]
        tags = {t["id"]: t for t in firm["tags"]}
        assert set(tags) == {"zombie", "dishonest"} and firm["knockout"]
        assert tags["dishonest"]["reason"] == "dishonest_debtor=1"
        assert "output_qty(90 d)=—" in tags["zombie"]["reason"]
        assert "stable" in firm["unjudged"]  # no sales history to judge it by
        assert firm["grade_visible"] and firm["figures"]["energy_tce_90"]["value"] > 0
        # filters: a must-have tag, an exclusion, a grade floor, a wrong tag
        must = client.get("/api/v1/bank/screening", params={"tag": "zombie"})
        assert must.json()["firms"], must.text
        excluded = client.get("/api/v1/bank/screening", params={"exclude": "dishonest"})
        assert excluded.json()["firms"] == [], excluded.text
        assert not client.get("/api/v1/bank/screening",
                              params={"min_grade": "optimized"}).json()["firms"]  # fmt: skip
        bad = client.get("/api/v1/bank/screening", params={"tag": "rich"})
        assert bad.status_code == 400 and "unknown tag" in bad.json()["detail"]
        assert client.get("/api/v1/bank/screening",
                          params={"purpose": "post_loan"}).json()["consenting"] == 1  # fmt: skip
        exported = client.get("/api/v1/bank/screening.csv")
        assert exported.text.startswith("\ufeff统一社会信用代码")
        rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert rows[1][0] == SME and "僵尸企业" in rows[1][4] and rows[1][6] == "是"
        page = client.get("/bank")
        assert page.status_code == 200 and f'data-org="{SME}"' in page.text
        assert 'data-tag="dishonest"' in page.text and "/bank" in client.get(
            "/api/v1/auth/me").json()["navigation"]  # fmt: skip
        # the trade chains of the firm's invoices (it sent none: an empty, audited answer)
        chains = client.get(f"/api/v1/orgs/{SME}/trade-checks", params={"purpose": "pre_loan"})
        assert chains.status_code == 200 and chains.json()["invoices"] == []
        assert chains.json()["firm_flags"] == []  # no capacity registered, no energy verdict
        assert client.get(f"/orgs/{SME}/trades", params={"purpose": "pre_loan"}).status_code == 200
        # OTHER_SME opened only its quality data: no chain, and the attempt is in its audit
        other_chain = client.get(f"/api/v1/orgs/{OTHER_SME}/trade-checks",
                                 params={"purpose": "post_loan"})  # fmt: skip
        assert other_chain.status_code == 403 and "invoice" in other_chain.json()["detail"]
        assert any("trade-checks" in a["action"] for a in
                   platform.consents.repo.audit_entries(owner=OTHER_SME, limit=10))  # fmt: skip
        # the due-diligence checklist: registration verified, management always on site
        dd = client.get(f"/api/v1/orgs/{SME}/diligence", params={"purpose": "pre_loan"}).json()
        items = {i["id"]: i for i in dd["items"]}
        assert items["identity"]["status"] == "verified"
        assert items["management"]["status"] == "on_site" and items["management"]["on_site_zh"]
        assert items["credit"]["status"] == "on_site"  # the dishonest-debtor record
        assert dd["left_on_site"] == sum(i["status"] != "verified" for i in dd["items"])
        page = client.get(f"/orgs/{SME}/diligence", params={"purpose": "pre_loan"})
        assert page.status_code == 200 and 'data-item="management"' in page.text
        none = client.get(f"/api/v1/orgs/{OTHER_SME}/diligence", params={"purpose": "pre_loan"})
        assert none.status_code == 403  # no consent for the purpose: not even the name
        audit = platform.consents.repo.audit_entries(owner=SME, limit=50)
        actions = [a["action"] for a in audit if a["reader_org"] == BANK]
        assert any("indicators" in a for a in actions) and any("grade" in a for a in actions)


def test_the_bank_document_is_generated_from_the_tags() -> None:
    from pathlib import Path

    from chanrong.finance.docs import bank_markdown

    doc = Path(__file__).parents[2] / "docs" / "bank.md"
    assert doc.read_text(encoding="utf-8") == bank_markdown(), "run: chanrong bank docs"


def test_the_screening_command_writes_csv(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chanrong.cli import app
    from chanrong.clock import FixedClock
    from chanrong.store.db import Store
    from tests.conftest import world

    db = tmp_path / "s.duckdb"
    platform = Platform(Store(db), FixedClock(NOW))
    world(platform)
    me = Principal(org=SME, org_kind=OrgKind.SME, role=Role.ADMIN, username="chen")
    platform.consents.grant(me, BANK, ["credit_standing"], "pre_loan", days=1000)
    platform.close()
    result = CliRunner().invoke(app, ["bank", "screen", BANK, "--db", str(db), "-o",
                                      str(tmp_path / "s.csv")])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO((tmp_path / "s.csv").read_text().lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == [SME]
    bad = CliRunner().invoke(app, ["bank", "screen", BANK, "--db", str(db), "--tag", "rich"])
    assert bad.exit_code != 0 and "unknown tag" in bad.output


def test_planted_fictitious_circular_and_shell_trades_are_found(
    simulated_park: SimulatedPark,
) -> None:
    from chanrong.sim.evaluate import fraud

    result = fraud(simulated_park.platform, simulated_park.park)  # type: ignore[arg-type]
    assert result["planted_trades"] >= 1 and result["shell_invoices"] >= 1
    assert result["recall"] >= 0.95 and result["precision"] >= 0.90, result


def test_an_invoice_chain_link_by_link(platform: Platform) -> None:
    """Three invoices of one firm: a whole chain, one with no order on record, one whose order
    never shipped; and a two-firm cycle of alike amounts."""
    from chanrong.model.master import Device, DeviceType, Item, ItemType, Warehouse
    from chanrong.model.units import Unit

    platform.master.upsert([
        Item(org=SME, code="P-9", name="件", item_type=ItemType.PRODUCT, unit=Unit.PCS),
        Warehouse(org=SME, code="WH-9", name="成品仓"),
        Device(org=SME, code="CNC-9", name="机台", device_type=DeviceType.MACHINE),
    ], platform.clock.now())  # fmt: skip
    day = lambda back: (NOW - timedelta(days=back)).date().isoformat()  # noqa: E731
    at = lambda back: (NOW - timedelta(days=back)).isoformat()  # noqa: E731
    send(platform, "sales_order", [
        {"id": f"so{k}", "source": "erp", "org": SME, "event_time": at(20), "order_no": f"SO{k}",
         "counterparty": OTHER_SME, "item": "P-9", "qty": 10, "unit": "pcs", "unit_price": 100,
         "amount": 1000, "order_date": day(20), "due_date": day(10)} for k in (1, 3)])  # fmt: skip
    send(platform, "work_order", [{
        "id": "wo1", "source": "mes", "org": SME, "event_time": at(19), "work_order_no": "WO1",
        "item": "P-9", "planned_qty": 10, "unit": "pcs", "planned_start": at(19),
        "planned_end": at(15), "sales_order_no": "SO1"}])  # fmt: skip
    send(platform, "production_report", [{
        "id": "pr1", "source": "mes", "org": SME, "event_time": at(16), "work_order_no": "WO1",
        "item": "P-9", "good_qty": 10, "unit": "pcs"}])  # fmt: skip
    send(platform, "shipment", [
        {"id": "sh1-s", "source": "tms", "org": SME, "event_time": at(12), "shipment_no": "SH1",
         "status": "shipped", "consignee": OTHER_SME, "sales_order_no": "SO1"},
        {"id": "sh1-d", "source": "carrier", "org": SME, "event_time": at(11), "shipment_no": "SH1",
         "status": "delivered", "consignee": OTHER_SME, "sales_order_no": "SO1",
         "channel": "third_party"}])  # fmt: skip
    send(platform, "inventory_movement", [{
        "id": "out1", "source": "wms", "org": SME, "event_time": at(12), "movement_type": "shipment",
        "item": "P-9", "warehouse": "WH-9", "qty": 10, "unit": "pcs", "reference_no": "SH1"}])  # fmt: skip
    invoices = [
        ("I1", SME, OTHER_SME, "SO1", 11),
        ("I2", SME, OTHER_SME, "SO2", 11),
        ("I3", SME, OTHER_SME, "SO3", 11),
        ("R1", OTHER_SME, SME, None, 5),
    ]
    send(platform, "invoice", [
        {"id": f"inv-{n}", "source": "tax", "org": org, "event_time": at(back),
         "invoice_no": n, "direction": "sales", "counterparty": to, "amount": 1000,
         "tax_amount": 130, "issue_date": day(back), "e_invoice": True,
         **({"sales_order_no": so} if so else {})} for n, org, to, so, back in invoices])  # fmt: skip
    send(platform, "payment", [{
        "id": "pay1", "source": "bank", "org": SME, "event_time": at(5), "payment_no": "P1",
        "direction": "sales", "counterparty": OTHER_SME, "amount": 1130, "invoice_no": "I1",
        "value_date": day(5)}])  # fmt: skip
    got = {r["invoice_no"]: r for r in platform.trades.check(
        (NOW - timedelta(days=30)).date(), NOW.date())}  # fmt: skip
    whole = {x["link"]: x["status"] for x in got["I1"]["links"]}
    assert whole == {"order": "ok", "production": "ok", "warehouse": "ok", "shipment": "ok",
                     "delivery": "ok", "payment": "ok"}  # fmt: skip
    # I1 and R1 go round between the two firms within 30 days, amounts alike: a cycle
    assert got["I1"]["suspect"] and got["I1"]["reasons"] == ["circular trade with 2 firms"]
    # asked about the other firm alone, whose invoice of the loop came second: found too
    theirs = platform.trades.check((NOW - timedelta(days=30)).date(), NOW.date(), [OTHER_SME])
    assert [r["invoice_no"] for r in theirs] == ["R1"]
    assert theirs[0]["reasons"][-1] == "circular trade with 2 firms"
    no_order = {x["link"]: x for x in got["I2"]["links"]}
    assert no_order["order"]["status"] == "broken" and got["I2"]["suspect"]
    assert no_order["payment"]["status"] == "open"  # terms not run yet
    unshipped = {x["link"]: x for x in got["I3"]["links"]}
    assert unshipped["order"]["status"] == "ok" and unshipped["shipment"]["status"] == "broken"
    assert unshipped["production"]["status"] == "broken" and got["I3"]["suspect"]
