"""The streaming rule engine: at each tick, every rule due is asked about the instant, each
subject's state is stepped (`lifecycle.step`), and alerts open, update and clear. Everything it
knows between ticks is in the database, so it resumes after a restart."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chanrong.alerts.lifecycle import KeyState, Step, step
from chanrong.alerts.rules import BASELINE_DAYS, BASELINE_SQL, RULES, Rule
from chanrong.model.base import local_today
from chanrong.store.db import Store
from chanrong.workdays import calendar, fill

Key = tuple[str, str]  # (org, subject)


@dataclass
class TickResult:
    at: datetime
    rules: list[str] = field(default_factory=list)
    opened: list[dict[str, Any]] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)


class AlertEngine:
    def __init__(self, store: Store, rules: tuple[Rule, ...] = RULES) -> None:
        self.store = store
        # inhibitors first, so what they open this tick silences the rules they inhibit; rules
        # built on alerts last, so they see this tick's
        self.rules = sorted(rules, key=lambda r: (r.reads_alerts, len(r.inhibited_by)))

    # -- meta -----------------------------------------------------------------------------
    def _meta(self) -> dict[str, str]:
        return dict(self.store.cursor().execute("SELECT key, value FROM alert_meta").fetchall())

    def baselines(self, day: date) -> int:
        """Learn each firm's working hours from the four weeks before `day`."""
        first = day - timedelta(days=BASELINE_DAYS)
        days = calendar(first, BASELINE_DAYS)
        with self.store.transaction() as cur:
            cur.execute("DELETE FROM alert_baselines")
            cur.execute(f"INSERT INTO alert_baselines {BASELINE_SQL.replace('{days}', days)}",
                        {"day": day, "first": first})  # fmt: skip
            # a holiday the firm's history does not cover behaves like its Sundays
            cur.execute("INSERT INTO alert_baselines SELECT org, 'holiday', slot, working_share, "
                        "power FROM alert_baselines b WHERE day_type = 'sunday' AND NOT EXISTS ("
                        "SELECT 1 FROM alert_baselines h WHERE h.org = b.org AND "
                        "h.day_type = 'holiday')")  # fmt: skip
            cur.execute("INSERT OR REPLACE INTO alert_meta VALUES ('baseline_day', ?)",
                        [day.isoformat()])  # fmt: skip
            row = cur.execute("SELECT count(DISTINCT org) FROM alert_baselines").fetchone()
        return int(row[0]) if row else 0

    def reset(self) -> None:
        """Forget every alert and rule state (alerts are derived: they can be rebuilt)."""
        with self.store.transaction() as cur:
            for table in ("alert_state", "alerts", "alert_events", "alert_acks",
                          "webhook_deliveries"):  # fmt: skip
                cur.execute(f"DELETE FROM {table}")
            cur.execute("DELETE FROM alert_meta WHERE key LIKE 'last:%'")

    # -- one tick -------------------------------------------------------------------------
    def tick(self, now: datetime) -> TickResult:
        meta = self._meta()
        day = local_today(now)
        if meta.get("baseline_day") != day.isoformat():
            self.baselines(day)
        result = TickResult(now)
        cur = self.store.cursor()
        active: dict[str, set[str]] = {}
        for rule_id, org in cur.execute(
            "SELECT DISTINCT rule, org FROM alerts WHERE status = 'active'"
        ).fetchall():
            active.setdefault(rule_id, set()).add(org)
        for rule in self.rules:
            last = meta.get(f"last:{rule.id}")
            if last and now - datetime.fromisoformat(last) < timedelta(minutes=rule.every_minutes):
                continue
            self._rule(rule, now, day, active, result)
            result.rules.append(rule.id)
        return result

    def _rule(
        self, rule: Rule, now: datetime, day: date, active: dict[str, set[str]], out: TickResult
    ) -> None:
        cur = self.store.cursor()
        sql = fill(rule.sql, now, day)
        seen = {(o, s): (st, v, d) for o, s, st, v, d in cur.execute(sql).fetchall()}
        states = {
            (o, s): KeyState(p, c, a)
            for o, s, p, c, a in cur.execute(
                "SELECT org, subject, pending_since, clear_since, alert_id FROM alert_state "
                "WHERE rule = ?", [rule.id]).fetchall()
        }  # fmt: skip
        silenced = set().union(*(active.get(r, set()) for r in rule.inhibited_by))
        upserts: list[tuple[Any, ...]] = []
        deletes: list[tuple[str, str, str]] = []
        opened: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        cleared: list[int] = []
        for key in seen.keys() | states.keys():
            org, subject = key
            obs, value, detail = seen.get(key, ("off", None, None))
            prev = states.get(key, KeyState())
            if obs == "on" and org in silenced and not prev.active:
                obs = "nodata"  # inhibited: what it would say adds nothing
            new, what = step(prev, obs, now, rule.for_minutes, rule.clear_minutes)
            if what is Step.OPEN:
                opened.append((rule.id, org, subject, rule.severity.value, new.pending_since,
                               now, value, detail))  # fmt: skip
            elif what is Step.UPDATE:
                updates.append((now, value, value, detail, prev.alert_id))
            elif what is Step.CLEAR:
                cleared.append(int(prev.alert_id))  # type: ignore[arg-type]
            if what is Step.OPEN:
                continue  # stored below, once its id is known
            if new == KeyState():
                if key in states:
                    deletes.append((rule.id, org, subject))
            elif new != prev:
                upserts.append((rule.id, org, subject, new.pending_since, new.clear_since,
                                new.alert_id))  # fmt: skip
        with self.store.transaction() as w:
            for rule_id, org, subject, sev, since, fired, value, detail in opened:
                row = w.execute(
                    "INSERT INTO alerts VALUES (nextval('alert_ids'), ?, ?, ?, ?, 'active', ?, ?, "
                    "?, NULL, ?, ?, ?) RETURNING id",
                    [rule_id, org, subject, sev, since, fired, fired, value, value, detail],
                ).fetchone()  # fmt: skip
                alert_id = int(row[0]) if row else 0
                upserts.append((rule_id, org, subject, None, None, alert_id))
                w.execute("INSERT INTO alert_events VALUES (nextval('alert_event_ids'), ?, "
                          "'opened', ?)", [alert_id, fired])  # fmt: skip
                active.setdefault(rule_id, set()).add(org)
                out.opened.append({"id": alert_id, "rule": rule_id, "org": org,
                                   "subject": subject, "started_at": since, "fired_at": fired})  # fmt: skip
            if updates:
                w.executemany(
                    "UPDATE alerts SET last_seen_at = ?, value = coalesce(?, value), "
                    "peak = greatest(peak, ?), detail = coalesce(?, detail) WHERE id = ?",
                    updates,
                )
            for alert_id in cleared:
                w.execute("UPDATE alerts SET status = 'cleared', cleared_at = ? WHERE id = ?",
                          [now, alert_id])  # fmt: skip
                w.execute("INSERT INTO alert_events VALUES (nextval('alert_event_ids'), ?, "
                          "'cleared', ?)", [alert_id, now])  # fmt: skip
            if deletes:
                w.executemany(
                    "DELETE FROM alert_state WHERE rule = ? AND org = ? AND subject = ?", deletes
                )
            if upserts:
                w.executemany("INSERT OR REPLACE INTO alert_state VALUES (?, ?, ?, ?, ?, ?)",
                              upserts)  # fmt: skip
            w.execute("INSERT OR REPLACE INTO alert_meta VALUES (?, ?)",
                      [f"last:{rule.id}", now.isoformat()])  # fmt: skip
        out.cleared += cleared
        if cleared:
            gone = {o for o, in self.store.cursor().execute(
                "SELECT DISTINCT org FROM alerts WHERE rule = ? AND status = 'active'",
                [rule.id]).fetchall()}  # fmt: skip
            active[rule.id] = gone
