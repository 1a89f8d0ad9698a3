"""Keeping indicator values current while data arrive: a background service that, every
interval, recomputes for the enterprises that received records since its last round what
those records can change (IndicatorService.refresh)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime

from chanrong.indicators.service import Change, IndicatorService
from chanrong.model import EVENT_KINDS
from chanrong.model.base import EVENT_DAY, local_today
from chanrong.periodic import Periodic


def changed_since(service: IndicatorService, since: datetime) -> dict[str, Change]:
    """Enterprises with records received after `since`: which kinds, from which day (the
    append order keeps received_at rising, so each table's zone maps skip all but its newest
    row groups)."""
    sql = " UNION ALL ".join(
        f"SELECT org, '{kind}' AS kind, min({EVENT_DAY}) AS first_day "
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


class IndicatorRefresher(Periodic):
    name = "indicators"

    def __init__(
        self,
        service: IndicatorService,
        interval_seconds: float = 300.0,
        then: Callable[[date, list[str]], object] | None = None,
    ) -> None:
        super().__init__(interval_seconds)
        self.service = service
        self.then = then  # what else to bring up to date for the firms that changed (grades)
        self._since = service.clock.now()

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
