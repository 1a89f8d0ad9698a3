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
from tests.conftest import BANK, NOW, OTHER_SME, PASSWORD, PLATFORM_ORG, SME, form_post


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
