"""Master data tables (organisations, devices, items, warehouses, lots): latest version wins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from chanrong.model import MASTER_KINDS, Master
from chanrong.model.master import Organisation
from chanrong.model.spec import arrow_schema, fields_of
from chanrong.store.db import Store, dicts


class MasterRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def upsert(self, records: Sequence[Master], now: datetime) -> int:
        """Insert or replace validated master records, grouped by kind, in one transaction."""
        by_kind: dict[type[Master], list[dict[str, Any]]] = {}
        for rec in records:
            by_kind.setdefault(type(rec), []).append(rec.model_dump())
        with self.store.transaction() as cur:
            for model, rows in by_kind.items():
                table = pa.Table.from_pylist(rows, schema=arrow_schema(model))
                table = table.append_column(
                    pa.field("updated_at", pa.timestamp("us", tz="UTC")),
                    pa.array([now] * table.num_rows, pa.timestamp("us", tz="UTC")),
                )
                cols = ", ".join(table.column_names)
                cur.register("master_in", table)
                try:
                    cur.execute(
                        f"INSERT OR REPLACE INTO {model.table} ({cols}) SELECT {cols} FROM master_in"
                    )
                finally:
                    cur.unregister("master_in")
        return len(records)

    def organisation(self, uscc: str) -> Organisation | None:
        rows = dicts(
            self.store.cursor().execute("SELECT * FROM organisations WHERE uscc = ?", [uscc])
        )
        if not rows:
            return None
        row = {k: v for k, v in rows[0].items() if k != "updated_at" and v is not None}
        return Organisation.model_validate(row)

    def names(self, orgs: set[str] | list[str]) -> dict[str, str]:
        """Registered names of the organisations (those not registered are left out)."""
        if not orgs:
            return {}
        return dict(self.store.cursor().execute(
            "SELECT uscc, name FROM organisations WHERE list_contains(?, uscc)", [sorted(orgs)]
        ).fetchall())  # fmt: skip

    def members(self, park: str) -> dict[str, dict[str, Any]]:
        """The park's member enterprises: USCC -> uscc, name, industry_code, region_code."""
        return {r["uscc"]: r for r in dicts(self.store.cursor().execute(
            "SELECT uscc, name, industry_code, region_code FROM organisations "
            "WHERE park = ? AND org_kind = 'sme' ORDER BY uscc", [park]))}  # fmt: skip

    def get(self, kind: str, org: str, code: str) -> dict[str, Any] | None:
        """One master record of an enterprise by its code."""
        rows = dicts(self.store.cursor().execute(
            f"SELECT * FROM {MASTER_KINDS[kind].table} WHERE org = ? AND code = ?", [org, code]))  # fmt: skip
        return rows[0] if rows else None

    def list(self, kind: str, org: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        model = MASTER_KINDS[kind]
        has_org = any(f.name == "org" for f in fields_of(model))
        where, args = ("WHERE org = ?", [org]) if org and has_org else ("", [])
        return dicts(
            self.store.cursor().execute(
                f"SELECT * FROM {model.table} {where} ORDER BY ALL LIMIT ?", [*args, limit]
            )
        )
