"""Keeping indicator values current while data arrive: a background service that, every
interval, recomputes for the enterprises that received records since its last round what
those records can change (IndicatorService.refresh)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from chanrong.indicators.service import Change, IndicatorService
from chanrong.model import EVENT_KINDS
from chanrong.model.base import local_today

log = logging.getLogger("chanrong.indicators")


def changed_since(service: IndicatorService, since: datetime) -> dict[str, Change]:
    """Enterprises with records received after `since`: which kinds, from which day (the
    append order keeps received_at rising, so each table's zone maps skip all but its newest
    row groups)."""
    sql = " UNION ALL ".join(
        f"SELECT org, '{kind}' AS kind, min(CAST(event_time AS DATE)) AS first_day "
        f"FROM {m.table} WHERE received_at > $since GROUP BY org"
        for kind, m in EVENT_KINDS.items()
    )
    rows = (
        service.store.cursor()
        .execute(
            f"SELECT org, list(kind ORDER BY kind), min(first_day) FROM ({sql}) GROUP BY org",
            {"since": since},
        )
        .fetchall()
    )
    return {org: Change(frozenset(kinds), first) for org, kinds, first in rows}


class IndicatorRefresher:
    name = "indicators"

    def __init__(
        self,
        service: IndicatorService,
        interval_seconds: float = 300.0,
        then: Callable[[date, list[str]], object] | None = None,
    ) -> None:
        self.service = service
        self.interval = interval_seconds
        self.then = then  # what else to bring up to date for the firms that changed (grades)
        self.rounds = 0
        self.last: dict[str, Any] = {}
        self.errors: list[str] = []
        self._since = service.clock.now()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Recompute what changed for the enterprises that received records; return how many
        enterprises."""
        started, mark = time.perf_counter(), self.service.clock.now()
        orgs = changed_since(self.service, self._since)
        self.service.refresh(orgs)
        if orgs and self.then:
            self.then(local_today(mark), sorted(orgs))
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
