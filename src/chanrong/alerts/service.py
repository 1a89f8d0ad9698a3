"""Alerts for people and systems: the firm sees its own; a bank sees those of the firms that
authorised it for post-loan monitoring (read through the consent door, audited), filtered by
its own thresholds; each organisation acknowledges for itself; webhooks push openings and
clearings, signed, with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from chanrong.access.consent import PUBLIC_KINDS
from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal, Role
from chanrong.alerts.engine import AlertEngine
from chanrong.alerts.rules import BY_ID, RULES, Rule
from chanrong.clock import Clock
from chanrong.model.master import OrgKind
from chanrong.periodic import Periodic
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository

PURPOSE = "post_loan"
# Who reads other firms' alerts, under which purpose (a consent for it names the data).
PURPOSES = {OrgKind.BANK: PURPOSE, OrgKind.CORE_ENTERPRISE: "supplier_performance",
            OrgKind.PARK: "park_services"}  # fmt: skip
# Alerts about a customer: a buyer sees only its own (its orders, its supply).
ABOUT_BUYER = {
    "delivery_risk": "SELECT a.id FROM alerts a JOIN ev_sales_order o ON o.org = a.org "
    "AND o.order_no = a.subject WHERE list_contains(?, a.id) AND o.counterparty = ?",
    "supply_interruption": "SELECT id FROM alerts WHERE list_contains(?, id) AND subject = ?",
}
WATCHED_KINDS = sorted({k for r in RULES for k in r.kinds} - PUBLIC_KINDS)
MAX_ATTEMPTS = 8
SIGNATURE_HEADER = "X-Chanrong-Signature"


class AlertNotFound(LookupError):
    pass


def _needs(rule: Rule) -> set[str]:
    return set(rule.kinds) - PUBLIC_KINDS


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class AlertService:
    def __init__(self, store: Store, consents: ConsentService, clock: Clock) -> None:
        self.store = store
        self.consents = consents
        self.clock = clock
        self.master = MasterRepository(store)
        self.engine = AlertEngine(store)

    # -- reading --------------------------------------------------------------------------
    def _rows(self, orgs: list[str], rules: list[str], status: str) -> list[dict[str, Any]]:
        if not orgs or not rules:
            return []
        sql = "SELECT * FROM alerts WHERE list_contains(?, org) AND list_contains(?, rule)"
        if status != "all":
            sql += " AND status = ?"
        args: list[Any] = [orgs, rules] + ([status] if status != "all" else [])
        return dicts(self.store.cursor().execute(sql + " ORDER BY fired_at DESC", args))

    def settings(self, owner: str) -> dict[str, dict[str, Any]]:
        """The owner's threshold per rule (its own, or the rule's default)."""
        own = {r["rule"]: r for r in dicts(self.store.cursor().execute(
            "SELECT * FROM alert_settings WHERE owner = ?", [owner]))}  # fmt: skip
        out = {}
        for rule in RULES:
            s = own.get(rule.id, {})
            out[rule.id] = {
                "rule": rule.id, "name_zh": rule.name_zh, "name_en": rule.name_en,
                "severity": rule.severity.value, "explain": rule.explain,
                "value_unit": rule.value_unit,
                "min_value": s.get("min_value", rule.default_min_value),
                "min_minutes": s.get("min_minutes"), "muted": bool(s.get("muted", False)),
            }  # fmt: skip
        return out

    def set_threshold(
        self, owner: str, rule: str, min_value: float | None, min_minutes: int | None,
        muted: bool,
    ) -> dict[str, Any]:  # fmt: skip
        if rule not in BY_ID:
            raise ValueError(f"unknown rule {rule}; known: {', '.join(BY_ID)}")
        with self.store.transaction() as cur:
            cur.execute("INSERT OR REPLACE INTO alert_settings VALUES (?, ?, ?, ?, ?)",
                        [owner, rule, min_value, min_minutes, muted])  # fmt: skip
        return self.settings(owner)[rule]

    def _filter(self, rows: list[dict[str, Any]], owner: str) -> list[dict[str, Any]]:
        """Apply the reader's thresholds: muted rules, a minimum value, a minimum duration."""
        conf = self.settings(owner)
        now = self.clock.now()
        out = []
        for a in rows:
            c = conf[a["rule"]]
            if c["muted"]:
                continue
            if c["min_value"] is not None and (a["peak"] is None or a["peak"] < c["min_value"]):
                continue
            end = a["cleared_at"] or now
            if c["min_minutes"] and end - a["started_at"] < timedelta(minutes=c["min_minutes"]):
                continue
            out.append(a)
        return out

    def _visible(self, principal: Principal, orgs: list[str] | None = None) -> list[dict[str, Any]]:
        """Every alert the principal may see, all statuses, after its thresholds: an SME its
        own; a bank or a buyer those of the firms that consented to it for its purpose, of the
        rules meant for it whose data the consent covers (a buyer: only about itself)."""
        if principal.org_kind is OrgKind.SME:
            rows = self._rows([principal.org], [r.id for r in RULES], "all")
            return self._filter(rows, principal.org)
        purpose = PURPOSES.get(principal.org_kind)
        if purpose is None:
            return []
        mine = [r for r in RULES if principal.org_kind.value in r.audience]
        rows = []
        for org in orgs or self.consents.live(principal.org, purpose):

            def fetch(allowed: dict[str, Any], org: str = org) -> list[dict[str, Any]]:
                return self._rows([org], [r.id for r in mine if _needs(r) <= set(allowed)], "all")

            try:
                rows += self.consents.read(principal, org, WATCHED_KINDS, purpose, "alerts", fetch)
            except ConsentForbidden:
                continue
        if principal.org_kind is OrgKind.CORE_ENTERPRISE:
            rows = self._about(rows, principal.org)
        return self._filter(rows, principal.org)

    def _about(self, rows: list[dict[str, Any]], buyer: str) -> list[dict[str, Any]]:
        """Drop the alerts about other customers of the supplier."""
        keep = {a["id"] for a in rows if a["rule"] not in ABOUT_BUYER}
        cur = self.store.cursor()
        for rule, sql in ABOUT_BUYER.items():
            ids = [a["id"] for a in rows if a["rule"] == rule]
            if ids:
                keep |= {i for (i,) in cur.execute(sql, [ids, buyer]).fetchall()}
        return [a for a in rows if a["id"] in keep]

    def inbox(
        self, principal: Principal, status: str = "active", unacknowledged: bool = False,
        org: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        if status not in ("active", "cleared", "all"):
            raise ValueError("status is active, cleared or all")
        rows = self._visible(principal, [org] if org else None)
        acks = self._acks(principal.org, [a["id"] for a in rows])
        names = self.master.names({a["org"] for a in rows})
        out = []
        for a in rows:
            if status != "all" and a["status"] != status:
                continue
            ack = acks.get(a["id"])
            if unacknowledged and ack:
                continue
            out.append(self._view(a, ack, names))
        out.sort(key=lambda a: (a["status"] != "active", a["acknowledged"] is not None,
                                _SEVERITY_ORDER[a["severity"]], a["fired_at"]))  # fmt: skip
        counts: dict[str, int] = {}
        for a in out:
            counts[a["rule"]] = counts.get(a["rule"], 0) + 1
        return {"as_of": self.clock.now().isoformat(), "alerts": out, "by_rule": counts}

    def _acks(self, org: str, ids: list[int]) -> dict[int, dict[str, Any]]:
        if not ids:
            return {}
        rows = dicts(self.store.cursor().execute(
            "SELECT * FROM alert_acks WHERE org = ? AND list_contains(?, alert_id)", [org, ids]))  # fmt: skip
        return {r["alert_id"]: r for r in rows}

    @staticmethod
    def _view(
        a: dict[str, Any], ack: dict[str, Any] | None, names: dict[str, str]
    ) -> dict[str, Any]:
        rule = BY_ID[a["rule"]]
        iso = lambda v: v.isoformat() if v else None  # noqa: E731
        return {
            "id": a["id"], "rule": a["rule"], "name_zh": rule.name_zh, "name_en": rule.name_en,
            "severity": a["severity"], "org": a["org"], "org_name": names.get(a["org"], a["org"]),
            "subject": a["subject"], "status": a["status"], "started_at": iso(a["started_at"]),
            "fired_at": iso(a["fired_at"]), "last_seen_at": iso(a["last_seen_at"]),
            "cleared_at": iso(a["cleared_at"]), "value": a["value"], "peak": a["peak"],
            "value_unit": rule.value_unit, "detail": a["detail"],
            "acknowledged": None if not ack else {
                "by": ack["acknowledged_by"], "at": iso(ack["acknowledged_at"]),
                "note": ack["note"]},
        }  # fmt: skip

    def acknowledge(self, principal: Principal, alert_id: int, note: str | None) -> dict[str, Any]:
        """Acknowledge for the principal's organisation (once; a second time changes nothing)."""
        row = self.store.cursor().execute("SELECT org FROM alerts WHERE id = ?",
                                          [alert_id]).fetchone()  # fmt: skip
        if row is None:
            raise AlertNotFound(f"no alert {alert_id}")
        seen = {a["id"]: a for a in self._visible(principal, [row[0]])}
        if alert_id not in seen:
            raise AlertNotFound(f"no alert {alert_id} you may see")
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT INTO alert_acks VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [alert_id, principal.org, principal.username or "api", self.clock.now(), note],
            )
        acks = self._acks(principal.org, [alert_id])
        return self._view(seen[alert_id], acks.get(alert_id), self.master.names({row[0]}))

    # -- webhooks -------------------------------------------------------------------------
    def add_webhook(self, principal: Principal, url: str) -> dict[str, Any]:
        if not url.startswith(("http://", "https://")):
            raise ValueError("a webhook URL starts with http:// or https://")
        secret = secrets.token_urlsafe(24)
        now = self.clock.now()
        with self.store.transaction() as cur:
            last = cur.execute("SELECT coalesce(max(id), 0) FROM alert_events").fetchone()
            row = cur.execute(
                "INSERT INTO webhooks VALUES (nextval('webhook_ids'), ?, ?, ?, true, ?, ?) "
                "RETURNING id", [principal.org, url, secret, now, last[0] if last else 0],
            ).fetchone()  # fmt: skip
        return {"id": int(row[0]) if row else 0, "url": url, "secret": secret,
                "signature_header": SIGNATURE_HEADER}  # fmt: skip

    def webhooks(self, owner: str) -> list[dict[str, Any]]:
        rows = dicts(self.store.cursor().execute(
            "SELECT w.id, w.url, w.active, w.created_at, count(d.event_id) AS deliveries, "
            "count(d.delivered_at) AS delivered, max(d.last_status) FILTER (WHERE "
            "d.delivered_at IS NULL) AS failing_status FROM webhooks w LEFT JOIN "
            "webhook_deliveries d ON d.webhook_id = w.id WHERE w.owner = ? GROUP BY ALL "
            "ORDER BY w.id", [owner]))  # fmt: skip
        for r in rows:
            r["created_at"] = r["created_at"].isoformat()
        return rows

    def remove_webhook(self, principal: Principal, webhook_id: int) -> None:
        with self.store.transaction() as cur:
            gone = cur.execute("UPDATE webhooks SET active = false WHERE id = ? AND owner = ? "
                               "RETURNING id", [webhook_id, principal.org]).fetchall()  # fmt: skip
        if not gone:
            raise AlertNotFound(f"no webhook {webhook_id}")

    def queue(self) -> int:
        """Turn new alert events into deliveries, for each webhook whose owner may see them."""
        hooks = dicts(self.store.cursor().execute(
            "SELECT w.*, o.org_kind FROM webhooks w JOIN organisations o ON o.uscc = w.owner "
            "WHERE w.active"))  # fmt: skip
        if not hooks:
            return 0
        since = dicts(self.store.cursor().execute(
            "SELECT e.id AS event_id, e.alert_id, e.event, e.event_at, a.org FROM alert_events e "
            "JOIN alerts a ON a.id = e.alert_id WHERE e.id > ? ORDER BY e.id",
            [min(h["cursor"] for h in hooks)]))  # fmt: skip
        queued = 0
        for h in hooks:
            events = [e for e in since if e["event_id"] > h["cursor"]]
            if not events:
                continue
            who = Principal(org=h["owner"], org_kind=OrgKind(h["org_kind"]),
                            role=Role.MEMBER, username=f"webhook:{h['id']}")  # fmt: skip
            orgs = sorted({e["org"] for e in events})
            visible = {a["id"]: a for a in self._visible(who, orgs)}
            names = self.master.names(set(orgs))
            rows = []
            for e in events:
                a = visible.get(e["alert_id"])
                if a is None:
                    continue
                payload = {"event": e["event"], "event_at": e["event_at"].isoformat(),
                           "alert": self._view(a, None, names)}  # fmt: skip
                payload["alert"].pop("acknowledged")
                rows.append((h["id"], e["event_id"], json.dumps(payload, ensure_ascii=False), 0,
                             self.clock.now(), None, None, None))  # fmt: skip
            with self.store.transaction() as cur:
                if rows:
                    cur.executemany("INSERT INTO webhook_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                                    "ON CONFLICT DO NOTHING", rows)  # fmt: skip
                cur.execute("UPDATE webhooks SET cursor = ? WHERE id = ?",
                            [events[-1]["event_id"], h["id"]])  # fmt: skip
            queued += len(rows)
        return queued

    def deliver(self, client: httpx.Client | None = None) -> int:
        """POST each due delivery; back off 2^n minutes after a failure, give up after 8."""
        now = self.clock.now()
        due = dicts(self.store.cursor().execute(
            "SELECT d.*, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON "
            "w.id = d.webhook_id WHERE d.delivered_at IS NULL AND d.attempts < ? AND "
            "d.next_attempt_at <= ? AND w.active ORDER BY d.event_id", [MAX_ATTEMPTS, now]))  # fmt: skip
        sent = 0
        own = client is None
        http = client or httpx.Client(timeout=5.0)
        try:
            for d in due:
                body = d["payload"].encode()
                status, error = None, None
                try:
                    r = http.post(d["url"], content=body, headers={
                        "content-type": "application/json",
                        SIGNATURE_HEADER: signature(d["secret"], body),
                        "X-Chanrong-Delivery": f"{d['webhook_id']}-{d['event_id']}"})  # fmt: skip
                    status = r.status_code
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                ok = status is not None and 200 <= status < 300
                tries = d["attempts"] + 1
                with self.store.transaction() as cur:
                    cur.execute(
                        "UPDATE webhook_deliveries SET attempts = ?, last_status = ?, "
                        "last_error = ?, delivered_at = ?, next_attempt_at = ? "
                        "WHERE webhook_id = ? AND event_id = ?",
                        [tries, status, error, now if ok else None,
                         None if ok else now + timedelta(minutes=2**tries),
                         d["webhook_id"], d["event_id"]],
                    )  # fmt: skip
                sent += ok
        finally:
            if own:
                http.close()
        return sent


_SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2, "warning": 3}


class AlertLoop(Periodic):
    """The engine's tick and the webhook deliveries, every `interval` seconds, as a service of
    the server (stopped cleanly with it)."""

    name = "alerts"

    def __init__(self, service: AlertService, interval_seconds: float = 60.0) -> None:
        super().__init__(interval_seconds)
        self.service = service

    def run_once(self, now: datetime | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        result = self.service.engine.tick(now or self.service.clock.now())
        queued = self.service.queue()
        sent = self.service.deliver()
        self.rounds += 1
        self.last = {"at": result.at.isoformat(), "opened": len(result.opened),
                     "cleared": len(result.cleared), "queued": queued, "delivered": sent,
                     "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
        return self.last
