"""Resolve an identifier to typed values, each public or guarded by the owner's consent.

The answer has the shape of an industrial-internet enterprise node's DOIP Retrieve: an id, a type
and attributes; the Handle-style view lists the same values with index, type, data, ttl and
timestamp. Public values (what the object is, who owns it) are for anyone; operational values
(a device's rating and last state, what a lot produced and how it passed inspection, where a
shipment is) are for the owner and for readers with an authorised consent, and such a read is
audited like any other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chanrong.access.consents import ConsentForbidden, ConsentService
from chanrong.access.rules import Principal
from chanrong.model.identifiers import gtin14, handle, parse_handle
from chanrong.store.db import Store, dicts
from chanrong.store.master import MasterRepository

TTL = 86_400


class NotResolved(LookupError):
    pass


class Resolver:
    def __init__(self, store: Store, master: MasterRepository, consents: ConsentService) -> None:
        self.store = store
        self.master = master
        self.consents = consents

    def resolve(
        self, principal: Principal | None, text: str, purpose: str | None = None
    ) -> dict[str, Any]:
        try:
            uscc, kind, code = parse_handle(text)
        except ValueError as exc:
            raise NotResolved(str(exc)) from exc
        org = self.master.organisation(uscc)
        if org is None:
            raise NotResolved(f"no enterprise {uscc} on this platform")
        public, guarded = self._values(kind, uscc, code)
        attributes: dict[str, Any] = {"owner": uscc, "owner_name": org.name,
                                      "owner_identifier": handle(uscc, org.industry_code, "org"),
                                      **public}  # fmt: skip
        withheld: list[str] = []
        if guarded:
            record_kind, values = guarded
            if principal is not None and self._may_read(
                principal, uscc, record_kind, purpose, text
            ):
                attributes.update(values())
            else:
                withheld = [record_kind]
        canonical = handle(uscc, org.industry_code, kind, code)
        return {"id": canonical, "type": f"chanrong/{kind}", "attributes": attributes,
                "restricted": withheld}  # fmt: skip

    def _may_read(
        self, principal: Principal, owner: str, kind: str, purpose: str | None, text: str
    ) -> bool:
        if principal.org == owner:
            return True
        if not purpose:
            return False
        try:
            self.consents.read(principal, owner, [kind], purpose, f"RESOLVE {text}",
                               lambda allowed: None)  # fmt: skip
        except ConsentForbidden:
            return False
        return True

    def _values(
        self, kind: str, org: str, code: str | None
    ) -> tuple[dict[str, Any], tuple[str, Any] | None]:
        """(public values, (record kind guarding the rest, a function giving the rest))."""
        q = self.store.cursor()
        if kind == "org":
            o = self.master.organisation(org)
            assert o is not None
            return {"name": o.name, "org_kind": o.org_kind, "industry_code": o.industry_code,
                    "region_code": o.region_code}, None  # fmt: skip
        if kind in ("device", "item", "warehouse"):
            r = self.master.get(kind, org, str(code))
            if r is None:
                raise NotResolved(f"no {kind} {code} of {org}")
            if kind == "item":
                return {k: r[k] for k in ("name", "item_type", "unit", "item_class", "gtin")}, None
            if kind == "warehouse":
                return {"name": r["name"], "third_party": r["third_party"]}, None
            return {"name": r["name"], "device_type": r["device_type"], "is_core": r["is_core"]}, (
                "telemetry", lambda: {
                    "rated_capacity": r["rated_capacity"], "rated_power_kw": r["rated_power_kw"],
                    **_last(q, "SELECT run_state, counter, event_time AS reading_time FROM "
                               "ev_telemetry WHERE org = ? AND device = ? ORDER BY event_time "
                               "DESC LIMIT 1", [org, code]),
                },
            )  # fmt: skip
        if kind == "lot":
            made = _last(q, "SELECT any_value(item) AS item, sum(good_qty) AS good_qty, "
                            "sum(scrap_qty) AS scrap_qty, min(event_time) AS first_report, "
                            "max(event_time) AS last_report FROM ev_production_report "
                            "WHERE org = ? AND work_order_no = ?", [org, code])  # fmt: skip
            if made.get("item") is None and self.master.get("lot", org, str(code)) is None:
                raise NotResolved(f"no lot {code} of {org}")
            return {"item": made.get("item")}, ("production_report", lambda: {
                **made, **_last(q, "SELECT inspected_qty, passed_qty, certificate_no, "
                                   "event_time AS inspected_at FROM ev_quality_inspection "
                                   "WHERE org = ? AND lot = ? AND stage = 'final' "
                                   "ORDER BY event_time DESC LIMIT 1", [org, code]),
            })  # fmt: skip
        steps = dicts(q.execute(
            "SELECT status, event_time, location, consignee, qty, unit, carrier, tracking_no, "
            "channel FROM ev_shipment WHERE org = ? AND shipment_no = ? ORDER BY event_time",
            [org, code]))  # fmt: skip
        if not steps:
            raise NotResolved(f"no shipment {code} of {org}")
        return {"status": steps[-1]["status"]}, ("shipment", lambda: {
            "consignee": steps[0]["consignee"], "qty": steps[0]["qty"], "unit": steps[0]["unit"],
            "carrier": steps[0]["carrier"], "tracking_no": steps[0]["tracking_no"],
            "journey": [{k: s[k] for k in ("status", "event_time", "location", "channel")}
                        for s in steps],
        })  # fmt: skip

    def by_gtin(self, gtin: str, lot: str | None = None) -> str:
        """The identifier a GS1 Digital Link (GTIN, optional batch/lot) points at."""
        rows = dicts(self.store.cursor().execute(
            "SELECT i.org, i.code, o.industry_code FROM items i JOIN organisations o "
            "ON o.uscc = i.org WHERE lpad(i.gtin, 14, '0') = ?", [gtin14(gtin)]))  # fmt: skip
        if not rows:
            raise NotResolved(f"no product with GTIN {gtin} on this platform")
        r = rows[0]
        if lot:
            return handle(r["org"], r["industry_code"], "lot", lot)
        return handle(r["org"], r["industry_code"], "item", r["code"])


def _last(q: Any, sql: str, args: list[Any]) -> dict[str, Any]:
    rows = dicts(q.execute(sql, args))
    return rows[0] if rows else {}


def handle_values(answer: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The Handle-style list of typed values (index, type, data, ttl, timestamp)."""
    values = [{"index": 1, "type": "URL", "data": {"format": "string", "value": answer["id"]}}]
    values.append(
        {"index": 2, "type": "TYPE", "data": {"format": "string", "value": answer["type"]}}
    )
    for i, (k, v) in enumerate(sorted(answer["attributes"].items()), start=100):
        values.append({"index": i, "type": k, "data": {"format": "string" if isinstance(v, str)
                       else "json", "value": v}})  # fmt: skip
    for v in values:
        v.update({"ttl": TTL, "timestamp": now.isoformat()})
    return values
