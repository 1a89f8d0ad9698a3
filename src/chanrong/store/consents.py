"""Consent records and the audit log of cross-organisation reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from chanrong.ledger.canon import canonical_json
from chanrong.ledger.log import Ledger
from chanrong.store.db import Store, dicts


class ConsentRepository:
    """Consents; every state a consent takes is also a leaf of the ledger, in the same commit."""

    def __init__(self, store: Store, ledger: Ledger | None = None) -> None:
        self.store = store
        self.ledger = ledger

    def _log(self, cur: duckdb.DuckDBPyConnection, consent_id: str, now: datetime) -> None:
        if self.ledger is None:
            return
        rows = dicts(cur.execute("SELECT * FROM consents WHERE consent_id = ?", [consent_id]))
        record = {k: v for k, v in rows[0].items() if k != "leaf_index"}
        data = canonical_json({"v": 1, "type": "consent", "consent": record})
        index = self.ledger.append(cur, "consent", consent_id, data, now)
        cur.execute("UPDATE consents SET leaf_index = ? WHERE consent_id = ?", [index, consent_id])

    def add(self, record: dict[str, Any], now: datetime) -> str:
        """Insert a consent; its id is CS + date + a sequence number."""
        with self.store.transaction() as cur:
            row = cur.execute("SELECT count(*) + 1 FROM consents").fetchone()
            consent_id = f"CS{now:%Y%m%d}{int(row[0]) if row else 1:06d}"
            record = {**record, "consent_id": consent_id}
            names = ", ".join(record)
            cur.execute(
                f"INSERT INTO consents ({names}) VALUES ({', '.join('?' * len(record))})",
                list(record.values()),
            )
            self._log(cur, consent_id, now)
        return consent_id

    def update(self, consent_id: str, expected_status: str, now: datetime, **changes: Any) -> bool:
        """Change a consent only if it is still in `expected_status` (no lost updates)."""
        sets = ", ".join(f"{k} = ?" for k in changes)
        with self.store.transaction() as cur:
            row = cur.execute(
                f"UPDATE consents SET {sets} WHERE consent_id = ? AND status = ? RETURNING 1",
                [*changes.values(), consent_id, expected_status],
            ).fetchone()
            if row is not None:
                self._log(cur, consent_id, now)
        return row is not None

    def get(self, consent_id: str) -> dict[str, Any] | None:
        rows = dicts(self.store.cursor().execute(
            "SELECT * FROM consents WHERE consent_id = ?", [consent_id]))  # fmt: skip
        return rows[0] if rows else None

    def of_party(self, org: str) -> list[dict[str, Any]]:
        """Every consent where `org` grants or receives access, newest first."""
        return dicts(self.store.cursor().execute(
            "SELECT * FROM consents WHERE grantor = $org OR grantee = $org "
            "ORDER BY requested_at DESC, consent_id DESC", {"org": org}))  # fmt: skip

    def between(self, grantor: str, grantee: str) -> list[dict[str, Any]]:
        return dicts(self.store.cursor().execute(
            "SELECT * FROM consents WHERE grantor = ? AND grantee = ? AND status = 'authorised'",
            [grantor, grantee]))  # fmt: skip

    # audit -----------------------------------------------------------------------------------
    def audit(self, entry: dict[str, Any]) -> None:
        with self.store.transaction() as cur:
            names = ", ".join(entry)
            cur.execute(
                f"INSERT INTO audit_log (audit_id, {names}) SELECT coalesce(max(audit_id), 0) + 1, "
                f"{', '.join('?' * len(entry))} FROM audit_log",
                list(entry.values()),
            )

    def audit_entries(
        self, *, owner: str | None = None, reader: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        clauses, args = [], []
        for col, value in (("owner", owner), ("reader_org", reader)):
            if value:
                clauses.append(f"a.{col} = ?")
                args.append(value)
        where = "WHERE " + " AND ".join(clauses) if clauses else ""
        return dicts(self.store.cursor().execute(
            "SELECT a.*, r.name AS reader_name, o.name AS owner_name FROM audit_log a "
            "LEFT JOIN organisations r ON r.uscc = a.reader_org "
            f"LEFT JOIN organisations o ON o.uscc = a.owner {where} "
            "ORDER BY a.audit_id DESC LIMIT ?", [*args, limit]))  # fmt: skip
