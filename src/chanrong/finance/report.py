"""The credit-enhancement report (实时增信报告): for a firm that authorised the bank, its
indicators with credibility and coverage, digital grade, tags, score with reasons, open alerts
and trade-chain status, as far as the consent shows, issued as a leaf of the platform's
ledger. The document carries the signed tree head, the report's own inclusion proof and those of
the data batches it rests on, so the bank verifies it offline (`chanrong verify report.json`):
the platform issued exactly this, over data that is in its log."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

from chanrong.access.consent import SCOPE_KINDS, Scope
from chanrong.access.consents import ConsentForbidden
from chanrong.access.rules import Principal
from chanrong.alerts.service import AlertService
from chanrong.clock import Clock
from chanrong.documents import Pdf
from chanrong.finance.scoring import NoModel, ScoringService
from chanrong.finance.service import BankService, TradeChecks, seen_in
from chanrong.grading.service import GradingService
from chanrong.indicators.service import IndicatorService
from chanrong.ledger.canon import canonical_json
from chanrong.ledger.log import REPORT_FORMAT, Ledger
from chanrong.model.base import local_today
from chanrong.store.db import Store, dicts

EVIDENCE_DAYS = 90  # the data batches whose proofs the report carries
DATA_KINDS = sorted({k for s in (Scope.PRODUCTION_ENERGY, Scope.MOVABLE_ASSETS,
                                 Scope.TRANSACTIONS, Scope.CREDIT_STANDING, Scope.QUALITY)
                     for k in SCOPE_KINDS[s]})  # fmt: skip


class ReportNotFound(LookupError):
    pass


class CreditReports:
    def __init__(
        self, store: Store, ledger: Ledger | None, indicators: IndicatorService,
        grading: GradingService, bank: BankService, scoring: ScoringService,
        alerts: AlertService, trades: TradeChecks, clock: Clock,
    ) -> None:  # fmt: skip
        self.store = store
        self.ledger = ledger
        self.indicators = indicators
        self.grading = grading
        self.bank = bank
        self.scoring = scoring
        self.alerts = alerts
        self.trades = trades
        self.clock = clock

    def view(
        self, principal: Principal, org: str, purpose: str, day: date, keep_score: bool = False
    ) -> dict[str, Any]:
        """Everything the bank may see of the firm for the purpose, in one piece: the report's
        body, and the enterprise 360 view."""
        values = self.indicators.read(principal, org, purpose, day)  # no consent: refused here
        seen = seen_in(values)
        firm = self.bank.firm(principal, org, purpose, day, seen=seen)
        indicators = [
            {"id": i["id"], "name_zh": i["name_zh"], "name_en": i["name_en"], "unit": i["unit"],
             "window_days": v["window_days"], "value": v["value"], "reason": v.get("reason"),
             "credibility": v["credibility"], "coverage": v.get("coverage")}
            for i in values for v in i["values"] if v.get("credibility") is not None
        ]  # fmt: skip
        try:
            g = self.grading.read(principal, org, purpose, day)
            grade: dict[str, Any] | None = {
                "overall": g["overall"], "score": g["score"], "provisional": g["provisional"],
                "dimensions": {d["dimension"]: d["level"] for d in g["dimensions"]}}  # fmt: skip
        except ConsentForbidden:
            grade = None
        try:
            s = self.scoring.score(principal, org, purpose, day, keep=keep_score, seen=seen)
            score: dict[str, Any] | None = {
                **{k: s[k] for k in ("version", "score", "pd", "rating", "reasons", "knockouts",
                                     "credibility")},
                "line": {k: s["line"][k] for k in ("amount", "declined", "credibility")},
                "annual_rate": s["price"]["annual_rate"],
            }  # fmt: skip
        except NoModel:
            score = None
        alerts = self.alerts.inbox(principal, "active", org=org)["alerts"]
        try:
            chain = self.trades.read(principal, org, purpose, 90, day)
            invoices = chain["invoices"]
            trade: dict[str, Any] | None = {
                "days": 90, "invoices": len(invoices),
                "suspect": sum(1 for i in invoices if i["suspect"]),
                "firm_flags": chain["firm_flags"]}  # fmt: skip
        except ConsentForbidden:
            trade = None
        return {
            "report_id": str(uuid.uuid4()), "issued_at": self.clock.now().isoformat(),
            "issued_to": principal.org, "issued_by": principal.username, "purpose": purpose,
            "as_of": day.isoformat(),
            "firm": {"uscc": org, "name": firm["name"], "industry_code": firm["industry_code"],
                     "park": firm["park"]},
            "grade": grade, "tags": firm["tags"], "unjudged_tags": firm["unjudged"],
            "score": score, "indicators": indicators,
            "alerts": [{k: a[k] for k in ("rule", "name_zh", "name_en", "severity", "subject",
                                          "started_at", "detail")} for a in alerts],
            "trade_chain": trade,
        }  # fmt: skip

    def issue(self, principal: Principal, org: str, purpose: str) -> dict[str, Any]:
        if self.ledger is None:
            raise LookupError("this platform runs without a ledger: no verifiable report")
        day = local_today(self.clock.now())
        body = self.view(principal, org, purpose, day, keep_score=True)
        kinds = self._consented_kinds(principal, org, purpose)
        batches = self.ledger.batch_leaves(org, kinds, day - timedelta(days=EVIDENCE_DAYS))
        body["evidence"] = {"kinds": kinds, "since": (day - timedelta(days=EVIDENCE_DAYS))
                            .isoformat(), "batches": len(batches)}  # fmt: skip
        data = canonical_json(body)
        now = self.clock.now()
        with self.store.transaction() as cur:
            index = self.ledger.append(cur, "report", body["report_id"], data, now)
        head = self.ledger.head()
        proofs = self.ledger.proofs([index, *(b["leaf_index"] for b in batches)], head)
        doc = {
            "format": REPORT_FORMAT, "report": body, "leaf_index": index, "proof": proofs[index],
            "batches": [{**b, "proof": proofs[b["leaf_index"]]} for b in batches],
            "head": head.as_json(),
            "keys": [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
                     for r in self.ledger.public_keys()],
        }  # fmt: skip
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO credit_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [body["report_id"], principal.org, org, purpose, now,
                 principal.username or "api", index, json.dumps(doc, ensure_ascii=False)],
            )  # fmt: skip
        return doc

    def _consented_kinds(self, principal: Principal, org: str, purpose: str) -> list[str]:
        """The data kinds the consent opens (asked through the door, so it is audited)."""
        return list(self.bank.consents.read(
            principal, org, DATA_KINDS, purpose, "credit-report evidence",
            lambda allowed: sorted(allowed)))  # fmt: skip

    def list(self, owner: str, org: str | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT report_id, org, purpose, issued_at, issued_by, leaf_index FROM "
               "credit_reports WHERE owner = ?")  # fmt: skip
        args: list[Any] = [owner]
        if org:
            sql += " AND org = ?"
            args.append(org)
        rows = dicts(self.store.cursor().execute(sql + " ORDER BY issued_at DESC", args))
        for r in rows:
            r["issued_at"] = r["issued_at"].isoformat()
        return rows

    def get(self, owner: str, report_id: str) -> dict[str, Any]:
        row = self.store.cursor().execute(
            "SELECT document FROM credit_reports WHERE owner = ? AND report_id = ?",
            [owner, report_id]).fetchone()  # fmt: skip
        if row is None:
            raise ReportNotFound(f"no report {report_id}")
        doc: dict[str, Any] = json.loads(row[0])
        return doc


def pdf(doc: dict[str, Any]) -> bytes:
    """The report as PDF (A4)."""
    r = doc["report"]
    f = r["firm"]
    out = Pdf(f"实时增信报告 {f['name']}")
    out.heading(f"实时增信报告 · {f['name']}", top=True)
    out.para(f"统一社会信用代码 {f['uscc']} · 行业 {f['industry_code'] or '—'} · 数据日 {r['as_of']} · "
             f"用途 {r['purpose']} · 出具给 {r['issued_to']} · {r['issued_at'][:19]}")  # fmt: skip
    s = r["score"]
    if s:
        out.heading("评分与授信")
        out.para(f"评分 {s['score']:.0f} · 违约概率 {s['pd']:.2%} · 评级 {s['rating']} · 建议额度 "
                 f"{s['line']['amount']:,.0f} 元 · 定价 {s['annual_rate']:.2%} · 评分卡 v{s['version']}")  # fmt: skip
        for x in s["reasons"]:
            out.para(f"· {x['text_zh']}")
        if s["knockouts"]:
            out.para("否决项:" + "、".join(s["knockouts"]))
    g = r["grade"]
    out.heading("数字化水平")
    out.para("未授权" if g is None else f"总体 {g['overall'] or '未达入门'} · 要素 {g['dimensions'].get('element')} · "
             f"管理 {g['dimensions'].get('management')} · 关系 {g['dimensions'].get('relationship')}")  # fmt: skip
    out.heading("标签")
    out.para("、".join(f"{t['name_zh']}({t['reason']})" for t in r["tags"]) or "—")
    out.heading("预警")
    for a in r["alerts"]:
        out.para(f"· [{a['severity']}] {a['name_zh']} {a['subject']} {a['started_at'][:16]} "
                 f"{a['detail'] or ''}")  # fmt: skip
    if not r["alerts"]:
        out.para("无活动预警(或未授权贷后监测)")
    t = r["trade_chain"]
    out.heading("交易真实性")
    out.para(
        "未授权"
        if t is None
        else f"近 {t['days']} 天销售发票 {t['invoices']} 张,可疑 {t['suspect']} 张"
    )
    rows: list[list[Any]] = [["指标", "窗口", "数值", "可信度", "覆盖"]]
    for i in r["indicators"]:
        v = "—" if i["value"] is None else f"{i['value']:,.4g} {i['unit']}"
        cov = "—" if i["coverage"] is None else f"{i['coverage']:.0%}"
        rows.append([out.p(i["name_zh"]), str(i["window_days"] or "当前"), out.p(v),
                     i["credibility"], cov])  # fmt: skip
    out.heading("经营指标(自证/互证/他证与数据覆盖)")
    out.table(rows, [60, 16, 48, 26, 16])
    head = doc["head"]
    out.heading("验证")
    out.para(f"报告编号 {r['report_id']} 是平台账本第 {doc['leaf_index']} 个叶子;签名树头:规模 "
             f"{head['tree_size']},根 {head['root_hash']},密钥 {head['key_id']};附 "
             f"{len(doc['batches'])} 个数据批次的包含证明。离线验证 JSON 版:chanrong verify report.json")  # fmt: skip
    return out.bytes()
