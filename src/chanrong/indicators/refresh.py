"""Keeping today's indicator values current while data arrive: a background service that,
every interval, recomputes the enterprises that received records since its last round."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from chanrong.indicators.service import IndicatorService
from chanrong.model import EVENT_KINDS
from chanrong.model.base import local_today

log = logging.getLogger("chanrong.indicators")


def changed_since(service: IndicatorService, since: datetime) -> list[str]:
    """Enterprises with records received after `since` (the append order keeps received_at
    rising, so each table's zone maps skip all but its newest row groups)."""
    sql = " UNION ".join(
        f"SELECT DISTINCT org FROM {m.table} WHERE received_at > $since"
        for m in EVENT_KINDS.values()
    )
    rows = service.store.cursor().execute(sql, {"since": since}).fetchall()
    return sorted(r[0] for r in rows)


class IndicatorRefresher:
    name = "indicators"

    def __init__(self, service: IndicatorService, interval_seconds: float = 300.0) -> None:
        self.service = service
        self.interval = interval_seconds
        self.rounds = 0
        self.last: dict[str, Any] = {}
        self.errors: list[str] = []
        self._since = service.clock.now()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Recompute today's values of the enterprises that changed; return how many."""
        started, mark = time.perf_counter(), self.service.clock.now()
        orgs = changed_since(self.service, self._since)
        if orgs:
            self.service.compute(local_today(mark), orgs)
        self._since = mark
        self.rounds += 1
        self.last = {"at": mark.isoformat(), "enterprises": len(orgs),
                     "seconds": round(time.perf_counter() - started, 3)}  # fmt: skip
        return len(orgs)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception as exc:  # a bad round is logged; the next one tries again
                self.errors = [*self.errors[-9:], f"{type(exc).__name__}: {exc}"]
                log.warning("indicator refresh failed", extra={"error": str(exc)})

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="indicators", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)

    def status(self) -> dict[str, Any]:
        return {"running": bool(self._thread and self._thread.is_alive()), "rounds": self.rounds,
                "last": self.last, "last_error": self.errors[-1] if self.errors else None}  # fmt: skip
