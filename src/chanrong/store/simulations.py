"""Which simulated parks live in this database, and how far their data has been received."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chanrong.store.db import Store, dicts


class SimulationRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def save(
        self,
        name: str,
        *,
        preset: str,
        seed: int,
        start: date,
        days: int,
        firms: int,
        now: datetime,
    ) -> None:
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO simulations VALUES (?, ?, ?, ?, ?, ?, ?)",
                [name, preset, seed, start, days, firms, now],
            )

    def get(self, name: str) -> dict[str, Any] | None:
        rows = dicts(
            self.store.cursor().execute("SELECT * FROM simulations WHERE name = ?", [name])
        )
        return rows[0] if rows else None

    def last_received(self) -> datetime | None:
        """When the newest batch arrived: rows that arrived before it are stored."""
        row = self.store.cursor().execute("SELECT max(received_at) FROM ingest_batches").fetchone()
        return row[0] if row else None
