"""Grading for the web, the CLI and the park: evidence read from the data (one SQL pass for all
firms), criteria and levels (`rules`), kept per day with every criterion's evidence, and read by
the firm itself, by others under consent, or as park aggregates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import pyarrow as pa

from chanrong.access.consent import SCOPE_KINDS, Scope
from chanrong.access.consents import ConsentService
from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.grading import miit
from chanrong.grading.criteria import (
    CRITERIA,
    DIMENSION_NAMES,
    LEVEL_NAMES,
    QUESTIONS,
    GradeDimension,
    Level,
)
from chanrong.grading.evidence import measures_sql
from chanrong.grading.rules import Grade, Result, evaluate, grade
from chanrong.grading.toolbox import roadmap
from chanrong.indicators.checks import CHECKS
from chanrong.indicators.engine import FEW_FIRMS, prepare
from chanrong.indicators.render import ENTERPRISES_SQL, FIRMS, FIRMS_SCHEMA, sql_list
from chanrong.indicators.service import IndicatorService
from chanrong.model.base import local_today
from chanrong.store.db import Store, dicts

# Reading another firm's grade takes a consent with scope digital_grade: it opens the grade,
# not the records behind it.
GRADE_KIND = next(iter(SCOPE_KINDS[Scope.DIGITAL_GRADE]))
CROSS_PROOF_WINDOW = 90


class GradingService:
    def __init__(
        self, store: Store, indicators: IndicatorService, consents: ConsentService, clock: Clock
    ) -> None:
        self.store = store
        self.indicators = indicators
        self.consents = consents
        self.clock = clock

    # -- computing ------------------------------------------------------------------------
    def measures(
        self, as_of: date, orgs: list[str]
    ) -> dict[str, dict[str, tuple[float | None, str | None]]]:
        """Every evidence measure of the firms: {org: {measure: (value, detail)}}."""
        out: dict[str, dict[str, tuple[float | None, str | None]]] = {o: {} for o in orgs}
        if not orgs:
            return out
        cur = self.store.cursor()
        try:
            named = len(orgs) <= FEW_FIRMS
            only = sql_list(orgs) if named else FIRMS
            prepare(cur, only if named else None)
            cur.register("firms", pa.table({"org": orgs}, FIRMS_SCHEMA))
            for org, measure, value, detail in cur.execute(measures_sql(as_of, only)).fetchall():
                out[org][measure] = (value, detail)
        finally:
            cur.close()
        verdicts = self.indicators.engine.compute(as_of, orgs, indicators=[], checks=CHECKS)
        passed: dict[str, list[str]] = {o: [] for o in orgs}
        for r in verdicts.checks.to_pylist():
            if r["window_days"] == CROSS_PROOF_WINDOW and r["status"] == "pass":
                passed[r["org"]].append(r["check_id"])
        for org in orgs:
            out[org]["checks_passed"] = (float(len(passed[org])), ", ".join(passed[org]) or None)
        return out

    def answers(self, orgs: list[str]) -> dict[str, dict[str, bool]]:
        rows = self.store.cursor().execute(
            "SELECT org, question, answer FROM questionnaire_answers "
            "WHERE org IN (SELECT unnest($orgs))", {"orgs": orgs}).fetchall()  # fmt: skip
        out: dict[str, dict[str, bool]] = {o: {} for o in orgs}
        for org, question, answer in rows:
            out[org][question] = answer
        return out

    def assess(self, as_of: date | None = None, orgs: list[str] | None = None) -> int:
        """Grade the firms (default every SME) as of a day and keep the grades; returns how
        many."""
        day = as_of or local_today(self.clock.now())
        if orgs is None:
            orgs = [r[0] for r in self.store.cursor().execute(ENTERPRISES_SQL).fetchall()]
        measured, answered = self.measures(day, orgs), self.answers(orgs)
        grades, criteria = [], []
        for org in orgs:
            m = measured[org]
            g = grade(evaluate({k: v for k, (v, _) in m.items()}, answered[org],
                               {k: d for k, (_, d) in m.items()}))  # fmt: skip
            grades.append(_grade_row(org, day, g, m))
            criteria += [(org, day, r.criterion.id, r.value, r.passed, r.detail)
                         for r in g.results]  # fmt: skip
        if not grades:
            return 0
        now = self.clock.now()
        with self.store.transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*g, now) for g in grades],
            )
            cur.executemany(
                "INSERT OR REPLACE INTO grade_criteria VALUES (?, ?, ?, ?, ?, ?)", criteria
            )
        return len(grades)

    # -- reading --------------------------------------------------------------------------
    def stored(self, org: str, as_of: date) -> dict[str, Any] | None:
        rows = dicts(self.store.cursor().execute(
            "SELECT * FROM grades WHERE org = ? AND as_of = ?", [org, as_of]))  # fmt: skip
        return rows[0] if rows else None

    def _kept(self, org: str, day: date) -> dict[str, Any]:
        """The firm's grade for the day, graded now if it was not kept yet."""
        row = self.stored(org, day)
        if row is None:
            self.assess(day, [org])
            row = self.stored(org, day)
        assert row is not None
        return row

    def latest_day(self, org: str, until: date) -> date | None:
        row = (
            self.store.cursor()
            .execute("SELECT max(as_of) FROM grades WHERE org = ? AND as_of <= ?", [org, until])
            .fetchone()
        )
        return row[0] if row else None

    def report(self, org: str, as_of: date | None = None) -> dict[str, Any]:
        """The whole grade of a firm for a day (graded now if it was not kept): levels, scores,
        every criterion with its evidence, credibility mix, roadmap, history, peers, MIIT."""
        day = as_of or local_today(self.clock.now())
        row = self._kept(org, day)
        crit = {r["criterion"]: r for r in dicts(self.store.cursor().execute(
            "SELECT * FROM grade_criteria WHERE org = ? AND as_of = ?", [org, day]))}  # fmt: skip
        results = tuple(
            Result(c, crit[c.id]["value"], crit[c.id]["passed"], crit[c.id]["detail"])
            for c in CRITERIA if c.id in crit
        )  # fmt: skip
        g = grade(results)
        measures: dict[str, float | None] = json.loads(row["measures"])
        answers = self.answers([org])[org]
        values = self.indicators.values(org, day)
        missing = {v["indicator"] for v in values if v["value"] is None}
        return {
            "org": org, "as_of": day.isoformat(), "computed_at": row["computed_at"].isoformat(),
            "overall": _level(g.overall), "score": g.score,
            "dimensions": [
                {"dimension": d.value, "name_zh": DIMENSION_NAMES[d][0],
                 "name_en": DIMENSION_NAMES[d][1], "level": _level(g.levels[d]),
                 "score": g.scores[d]} for d in GradeDimension
            ],
            "provisional": bool(g.pending),
            "pending": [c.id for c in g.pending],
            "criteria": [_criterion(r) for r in g.results],
            "credibility": _mix(values),
            "roadmap": roadmap(g, self._context(org, measures, crit), missing),
            "history": self.history(org),
            "peers": self.peers(org, day),
            "miit": miit.position(measures, answers),
            "questions": [{"id": c.measure, "name_zh": c.name_zh, "name_en": c.name_en,
                           "why": c.why, "answer": answers.get(c.measure)} for c in QUESTIONS],
        }  # fmt: skip

    def _context(
        self, org: str, measures: Mapping[str, Any], crit: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, str]:
        """What makes a roadmap step the firm's own: its machines, meters, buyer and park."""
        cur = self.store.cursor()
        meters = cur.execute(
            "SELECT string_agg(code, ', ' ORDER BY code) FROM devices WHERE org = ? "
            "AND device_type = 'energy_meter' AND code LIKE 'EM%'", [org]).fetchone()  # fmt: skip
        buyer = cur.execute(
            "SELECT coalesce(max(o.name), i.counterparty) FROM (SELECT counterparty, sum(amount) "
            "AS amount FROM ev_invoice WHERE org = ? AND direction = 'sales' GROUP BY "
            "counterparty ORDER BY amount DESC LIMIT 1) i LEFT JOIN organisations o "
            "ON o.uscc = i.counterparty GROUP BY i.counterparty", [org]).fetchone()  # fmt: skip
        park = cur.execute(
            "SELECT p.name FROM organisations f JOIN organisations p ON p.uscc = f.park "
            "WHERE f.uscc = ?", [org]).fetchone()  # fmt: skip
        return {
            "core_missing": (crit.get("e_core_auto") or {}).get("detail") or "",
            "all_missing": (crit.get("e_all_auto") or {}).get("detail") or "",
            "meters": (meters or [None])[0] or "EM-MAIN",
            "buyer": (buyer or [None])[0] or "", "park": (park or [None])[0] or "",
        }  # fmt: skip

    def history(self, org: str) -> list[dict[str, Any]]:
        rows = dicts(self.store.cursor().execute(
            "SELECT as_of, overall, element, management, relationship, score FROM grades "
            "WHERE org = ? ORDER BY as_of", [org]))  # fmt: skip
        for r in rows:
            r["as_of"] = r["as_of"].isoformat()
        return rows

    def peers(self, org: str, as_of: date) -> dict[str, Any]:
        """The firm's percentile (share of peers scoring at or below it) among the firms graded
        that day in its park and in its industry's major group (GB/T 4754, e.g. C33)."""
        row = (
            self.store.cursor()
            .execute(
                """
            WITH g AS (SELECT g.org, g.score, o.park, left(o.industry_code, 3) AS industry
                       FROM grades g JOIN organisations o ON o.uscc = g.org WHERE g.as_of = $day),
                 me AS (SELECT * FROM g WHERE org = $org)
            SELECT me.park, me.industry,
              (SELECT count(*) FROM g WHERE g.park = me.park),
              (SELECT count(*) FROM g WHERE g.park = me.park AND g.score <= me.score),
              (SELECT count(*) FROM g WHERE g.industry = me.industry),
              (SELECT count(*) FROM g WHERE g.industry = me.industry AND g.score <= me.score)
            FROM me
            """,
                {"day": as_of, "org": org},
            )
            .fetchone()
        )
        if row is None:
            return {}
        park, industry, n_park, below_park, n_ind, below_ind = row

        def pct(n: int, below: int) -> float | None:
            return round(100 * below / n, 1) if n else None

        return {"park": park, "park_firms": n_park, "park_percentile": pct(n_park, below_park),
                "industry": industry, "industry_firms": n_ind,
                "industry_percentile": pct(n_ind, below_ind)}  # fmt: skip

    def answer(self, principal: Principal, answers: Mapping[str, bool]) -> dict[str, bool]:
        """The firm's own questionnaire answers (self-declared); the next grade uses them."""
        known = {c.measure for c in QUESTIONS}
        unknown = sorted(set(answers) - known)
        if unknown:
            raise ValueError(f"unknown question(s): {', '.join(unknown)}; ask {sorted(known)}")
        if not answers:
            raise ValueError(f"no answers given; ask {sorted(known)}")
        now = self.clock.now()
        with self.store.transaction() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO questionnaire_answers VALUES (?, ?, ?, ?, ?)",
                [(principal.org, q, bool(a), principal.username or "?", now)
                 for q, a in answers.items()],
            )  # fmt: skip
        return self.answers([principal.org])[principal.org]

    def read(
        self, principal: Principal, owner: str, purpose: str, as_of: date | None = None
    ) -> dict[str, Any]:
        """Another firm's grade through the one consent door (scope digital_grade; audited)."""
        day = as_of or local_today(self.clock.now())
        action = f"GET /api/v1/orgs/{owner}/grade?as_of={day.isoformat()}"
        result: dict[str, Any] = self.consents.read(
            principal, owner, [GRADE_KIND], purpose, action, lambda _: self.report(owner, day)
        )
        return result

    def level(
        self, principal: Principal, owner: str, purpose: str, as_of: date | None = None
    ) -> dict[str, Any]:
        """Another firm's overall level alone (a screening list, a checklist), through the same
        consent door as its whole grade, without building the report."""
        day = as_of or local_today(self.clock.now())
        action = f"GET /api/v1/orgs/{owner}/grade?as_of={day.isoformat()}"

        def fetch(_: Any) -> dict[str, Any]:
            overall = self._kept(owner, day)["overall"]
            return _level(Level(overall) if overall else None)

        result: dict[str, Any] = self.consents.read(
            principal, owner, [GRADE_KIND], purpose, action, fetch
        )
        return result

    def park_view(self, park: str, as_of: date | None = None) -> dict[str, Any]:
        """Aggregates over the park's firms graded on their latest day up to `as_of`: how many
        at each level, overall and per dimension, and the mean scores. No firm is named."""
        day = as_of or local_today(self.clock.now())
        rows = dicts(self.store.cursor().execute(
            """
            SELECT g.* FROM grades g JOIN organisations o ON o.uscc = g.org
            WHERE o.park = $park AND g.as_of = (SELECT max(as_of) FROM grades x
                                                WHERE x.org = g.org AND x.as_of <= $day)
            """, {"park": park, "day": day}))  # fmt: skip
        keys = ["overall", *[d.value for d in GradeDimension]]
        levels = [None, *[lv.value for lv in Level]]
        dist = {k: {str(lv): sum(1 for r in rows if r[k] == lv) for lv in levels} for k in keys}
        mean = {k: round(sum(r[s] for r in rows) / len(rows), 1) if rows else None
                for k, s in (("score", "score"), *((d.value, f"{d.value}_score")
                                                   for d in GradeDimension))}  # fmt: skip
        return {"park": park, "as_of": day.isoformat(), "firms": len(rows),
                "distribution": dist, "mean_scores": mean}  # fmt: skip


def _grade_row(
    org: str, day: date, g: Grade, m: Mapping[str, tuple[float | None, str | None]]
) -> tuple[Any, ...]:
    return (
        org, day, _value(g.overall), *(_value(g.levels[d]) for d in GradeDimension), g.score,
        *(g.scores[d] for d in GradeDimension), [c.id for c in g.pending],
        json.dumps({k: v for k, (v, _) in m.items()}),
    )  # fmt: skip


def _value(level: Level | None) -> str | None:
    return level.value if level else None


def _level(level: Level | None) -> dict[str, Any]:
    if level is None:
        return {"level": None, "name_zh": "未达入门", "name_en": "Below entry", "rank": 0}
    zh, en = LEVEL_NAMES[level]
    return {"level": level.value, "name_zh": zh, "name_en": en, "rank": level.rank}


def _criterion(r: Result) -> dict[str, Any]:
    c = r.criterion
    return {"id": c.id, "dimension": c.dimension.value, "level": c.level.value,
            "name_zh": c.name_zh, "name_en": c.name_en, "source": c.source.value,
            "measure": c.measure, "rule": c.rule, "value": r.value, "passed": r.passed,
            "detail": r.detail, "why": c.why}  # fmt: skip


def _mix(values: list[dict[str, Any]]) -> dict[str, int]:
    """How the firm's indicator values are known: 自证 / 互证 / 他证 (those with a value)."""
    out = {"self": 0, "corroborated": 0, "third_party": 0}
    for v in values:
        if v["value"] is not None:
            out[v["credibility"]] += 1
    return out
