"""Indicator values for the web, the CLI and the workbenches: computed by the DuckDB engine,
kept per day, read by the enterprise itself or by others under consent."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chanrong.access.consent import PUBLIC_KINDS, Decision
from chanrong.access.consents import ConsentService
from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.indicators.catalog import CATALOG
from chanrong.indicators.checks import CHECKS_BY_ID
from chanrong.indicators.engine import DuckDBEngine
from chanrong.indicators.spec import CREDIBILITY_NAMES, DIMENSION_NAMES, Credibility, Indicator
from chanrong.model.base import local_today
from chanrong.store.db import Store, dicts

# Every enterprise-owned kind an indicator reads: what a reader's consent is checked against
# (published price indices need none, and open no door on their own).
INDICATOR_KINDS = sorted({k for i in CATALOG for k in i.kinds} - PUBLIC_KINDS)


@dataclass(frozen=True)
class Change:
    """What an enterprise received since the last refresh: the kinds, and the earliest Beijing
    day of the new records (a late record changes the windows that reach back to it)."""

    kinds: frozenset[str]
    first_day: date


def describe(ind: Indicator) -> dict[str, Any]:
    zh, en = DIMENSION_NAMES[ind.dimension]
    return {
        "id": ind.id, "name_zh": ind.name_zh, "name_en": ind.name_en,
        "dimension": ind.dimension.value, "dimension_zh": zh, "dimension_en": en,
        "tables": [t.value for t in ind.in_tables], "unit": ind.unit,
        "direction": ind.direction.value, "windows": list(ind.windows),
        "kinds": list(ind.kinds), "definition": ind.definition,
    }  # fmt: skip


class IndicatorService:
    def __init__(self, store: Store, consents: ConsentService, clock: Clock) -> None:
        self.store = store
        self.consents = consents
        self.clock = clock
        self.engine = DuckDBEngine(store)

    def catalog(self) -> list[dict[str, Any]]:
        return [describe(i) for i in CATALOG]

    def compute(
        self,
        as_of: date | None = None,
        orgs: list[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> int:
        """Compute and keep the indicators for a day (default today) and enterprises: all of
        them, or those new records of `kinds` can change (`catalog.affected`; what those
        cannot change but rests on is taken as kept)."""
        day = as_of or local_today(self.clock.now())
        if kinds is None:
            computed = self.engine.compute(day, orgs)
        else:
            computed = self.engine.after(day, orgs, kinds)
        return self.engine.save(computed, day, self.clock.now())

    def refresh(self, changes: dict[str, Change]) -> int:
        """After ingest: recompute, for each enterprise that received records, what those
        records' kinds can change, today and on every earlier kept day on or after the records'
        earliest day (stock, first sales and the windows compared with reach back without a
        bound). Returns how many values were kept."""
        today = local_today(self.clock.now())
        kept: dict[str, list[date]] = {}
        if changes:
            rows = (
                self.store.cursor()
                .execute(
                    "SELECT org, list(DISTINCT as_of) FROM indicator_values "
                    "WHERE org IN (SELECT unnest($orgs)) AND as_of < $today GROUP BY org",
                    {"orgs": sorted(changes), "today": today},
                )
                .fetchall()
            )
            kept = {org: days for org, days in rows}
        jobs: dict[tuple[date, frozenset[str]], list[str]] = {}
        for org, change in changes.items():
            days = [d for d in kept.get(org, []) if d >= change.first_day]
            for day in [*days, today]:
                jobs.setdefault((day, change.kinds), []).append(org)
        return sum(self.compute(day, orgs, kinds) for (day, kinds), orgs in sorted(
            jobs.items(), key=lambda j: (j[0][0], sorted(j[0][1]))))  # fmt: skip

    def _stored(self, org: str, as_of: date) -> list[dict[str, Any]]:
        return dicts(self.store.cursor().execute(
            "SELECT * FROM indicator_values WHERE org = ? AND as_of = ? "
            "ORDER BY indicator, window_days", [org, as_of]))  # fmt: skip

    def ensure(self, orgs: list[str], as_of: date) -> int:
        """Compute, in one batch, the day's values of the enterprises that have none kept."""
        kept = {o for (o,) in self.store.cursor().execute(
            "SELECT DISTINCT org FROM indicator_values WHERE as_of = ? AND list_contains(?, org)",
            [as_of, orgs]).fetchall()}  # fmt: skip
        missing = [o for o in orgs if o not in kept]
        return self.compute(as_of, missing) if missing else 0

    def values(self, org: str, as_of: date | None = None) -> list[dict[str, Any]]:
        """An enterprise's values for a day, computed now if they were not kept yet."""
        day = as_of or local_today(self.clock.now())
        rows = self._stored(org, day)
        if not rows:
            self.compute(day, [org])
            rows = self._stored(org, day)
        return rows

    def checks(self, org: str, as_of: date) -> list[dict[str, Any]]:
        """The corroboration checks of an enterprise for a day, with their evidence."""
        rows = dicts(self.store.cursor().execute(
            "SELECT check_id, window_days, value, tolerance, status, reason, covered_days, "
            "n_inputs FROM indicator_checks WHERE org = ? AND as_of = ? "
            "ORDER BY check_id, window_days", [org, as_of]))  # fmt: skip
        for r in rows:
            c = CHECKS_BY_ID[r["check_id"]]
            r |= {"name_zh": c.name_zh, "name_en": c.name_en, "definition": c.definition}
        return rows

    def trends(self, org: str, until: date, points: int = 12) -> dict[tuple[str, int], list]:
        """The last `points` kept values of each indicator and window up to a day: sparklines."""
        rows = (
            self.store.cursor()
            .execute(
                "SELECT indicator, window_days, list(struct_pack(d := strftime(as_of, '%Y-%m-%d'), "
                "v := value) ORDER BY as_of) FROM (SELECT *, row_number() OVER (PARTITION BY indicator, "
                "window_days ORDER BY as_of DESC) AS rn FROM indicator_values WHERE org = ? "
                "AND as_of <= ?) WHERE rn <= ? GROUP BY indicator, window_days",
                [org, until, points],
            )
            .fetchall()
        )
        return {(i, int(w)): [[p["d"], p["v"]] for p in trend] for i, w, trend in rows}

    def report(
        self, org: str, as_of: date | None = None, allowed: Callable[[Indicator, int], str | None]
        | None = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """The catalog with the enterprise's values, grouped per indicator. `allowed` returns a
        reason when a reader may not see a value (its record kinds or period are not consented)."""
        day = as_of or local_today(self.clock.now())
        rows = self.values(org, day)
        by = {(r["indicator"], r["window_days"]): r for r in rows}
        trends = self.trends(org, day)
        verdicts = {(c["check_id"], c["window_days"]): c for c in self.checks(org, day)}
        out = []
        for ind in CATALOG:
            entry = describe(ind) | {"as_of": day.isoformat(), "values": []}
            for w in ind.windows:
                r = by.get((ind.id, w))
                refused = allowed(ind, w) if allowed else None
                if r is None or refused:
                    entry["values"].append(_hidden(w, refused or "not computed"))
                    continue
                cz, ce = CREDIBILITY_NAMES[Credibility(r["credibility"])]
                entry["values"].append({
                    "window_days": w, "value": r["value"], "label": r["label"],
                    "reason": r["reason"], "coverage": r["coverage"],
                    "credibility": r["credibility"], "credibility_zh": cz, "credibility_en": ce,
                    "n_inputs": r["n_inputs"], "n_third": r["n_third"], "n_device": r["n_device"],
                    "trend": trends.get((ind.id, w), []),
                    "checks": [verdicts[(c, w or 30)] for c in ind.corroborated_by
                               if (c, w or 30) in verdicts],
                })  # fmt: skip
            out.append(entry)
        return out

    def read(
        self, principal: Principal, owner: str, purpose: str, as_of: date | None = None
    ) -> list[dict[str, Any]]:
        """Another organisation's indicators through the one consent door (audited). A value
        shows only when every kind it reads is consented and its window lies in the consented
        data period of each."""
        day = as_of or local_today(self.clock.now())

        def fetch(decisions: dict[str, Decision]) -> list[dict[str, Any]]:
            def allowed(ind: Indicator, window: int) -> str | None:
                start = day - timedelta(days=max(window, 1) - 1)
                for kind in set(ind.kinds) - PUBLIC_KINDS:
                    d = decisions.get(kind)
                    if d is None:
                        return f"your consent does not cover {kind}"
                    if (d.data_from and start < d.data_from) or (d.data_to and day > d.data_to):
                        return "outside the consented data period"
                return None

            return self.report(owner, day, allowed)

        action = f"GET /api/v1/orgs/{owner}/indicators?as_of={day.isoformat()}"
        result: list[dict[str, Any]] = self.consents.read(
            principal, owner, INDICATOR_KINDS, purpose, action, fetch
        )
        return result


def _hidden(window: int, reason: str) -> dict[str, Any]:
    return {"window_days": window, "value": None, "label": None, "reason": reason,
            "coverage": 0.0, "credibility": None, "n_inputs": 0, "n_third": 0, "n_device": 0,
            "trend": []}  # fmt: skip
