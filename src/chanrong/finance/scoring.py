"""Scorecards for the bank: train and keep versioned models, score a firm through the consent
door, and keep every score as the decision record."""

from __future__ import annotations

import json
import pickle
from datetime import date
from typing import Any

import pandas as pd

from chanrong.access.rules import Principal
from chanrong.clock import Clock
from chanrong.finance import credit, datasets
from chanrong.finance.portfolio import LIVE_LOANS
from chanrong.finance.scorecard import Card, Scaling, train
from chanrong.finance.scorecard import score as score_rows
from chanrong.finance.service import BankService, Seen
from chanrong.model.base import local_today
from chanrong.store.db import Store, dicts

# What the line needs besides the card's features: (indicator, window)
LINE_INPUTS = {"sales_365": ("sales_amount", 365), "sales_change_365": ("sales_change", 365),
               "days_of_inventory": ("days_of_inventory", 90),
               "collateral_value": ("collateral_value", 0)}  # fmt: skip


class NoModel(LookupError):
    pass


class ScoringService:
    def __init__(self, store: Store, bank: BankService, clock: Clock) -> None:
        self.store = store
        self.bank = bank
        self.clock = clock

    # -- models ---------------------------------------------------------------------------
    def train(
        self, owner: str, dataset: str, by: str, scaling: Scaling = Scaling()
    ) -> dict[str, Any]:
        """Train a card on the data set and keep it as the owner's next version (active)."""
        trained = train(datasets.load(dataset), scaling)
        now = self.clock.now()
        with self.store.transaction() as cur:
            row = cur.execute("SELECT coalesce(max(version), 0) + 1 FROM score_models "
                              "WHERE owner = ?", [owner]).fetchone()  # fmt: skip
            version = int(row[0]) if row else 1
            trained.report["version"] = version
            trained.report["trained_at"] = now.isoformat()
            cur.execute(
                "INSERT INTO score_models VALUES (?, ?, ?, ?, ?, ?, ?, ?, true)",
                [owner, version, dataset, now, by, trained.card.selected,
                 json.dumps(trained.report, default=_plain), pickle.dumps(trained.card)],
            )  # fmt: skip
        return self.model(owner, version)

    def models(self, owner: str) -> list[dict[str, Any]]:
        rows = dicts(self.store.cursor().execute(
            "SELECT owner, version, dataset, trained_at, trained_by, features, active, report "
            "FROM score_models WHERE owner = ? ORDER BY version DESC", [owner]))  # fmt: skip
        out = []
        for r in rows:
            rep = json.loads(r.pop("report"))
            r["trained_at"] = r["trained_at"].isoformat()
            r["validation"] = rep["metrics"]["validation"]
            r["psi"] = rep["psi"]
            r["auc_gain"] = (rep.get("uplift") or {}).get("auc_gain")
            out.append(r)
        return out

    def model(self, owner: str, version: int | None = None) -> dict[str, Any]:
        """A model's report (the newest active one when no version is given)."""
        row = self._row(owner, version, "report, active, dataset")
        return {**json.loads(row[0]), "active": row[1], "dataset": row[2]}

    def set_active(self, owner: str, version: int, active: bool) -> dict[str, Any]:
        with self.store.transaction() as cur:
            n = cur.execute("UPDATE score_models SET active = ? WHERE owner = ? AND version = ? "
                            "RETURNING version", [active, owner, version]).fetchall()  # fmt: skip
        if not n:
            raise NoModel(f"no scorecard version {version}")
        return self.model(owner, version)

    def _row(self, owner: str, version: int | None, cols: str) -> tuple[Any, ...]:
        cur = self.store.cursor()
        if version is None:
            row = cur.execute(f"SELECT {cols}, version FROM score_models WHERE owner = ? AND "
                              "active ORDER BY version DESC LIMIT 1", [owner]).fetchone()  # fmt: skip
        else:
            row = cur.execute(f"SELECT {cols}, version FROM score_models WHERE owner = ? "
                              "AND version = ?", [owner, version]).fetchone()  # fmt: skip
        if row is None:
            raise NoModel("no active scorecard yet: train one (POST /api/v1/bank/models or "
                          "`chanrong score train`)" if version is None
                          else f"no scorecard version {version}")  # fmt: skip
        return tuple(row)

    def card(self, owner: str) -> tuple[int, Card]:
        blob, version = self._row(owner, None, "card")
        return int(version), pickle.loads(blob)  # written by train() above only

    # -- scoring --------------------------------------------------------------------------
    def outstanding(self, bank: str, org: str, day: date) -> float:
        """The bank's own loans to the firm not yet repaid (the bank's book, no consent needed)."""
        row = self.store.cursor().execute(
            f"SELECT coalesce(sum(principal), 0) FROM ({LIVE_LOANS}) WHERE org = $org",
            {"bank": bank, "day": day, "org": org}).fetchone()  # fmt: skip
        return float(row[0]) if row else 0.0

    def score(
        self,
        principal: Principal,
        org: str,
        purpose: str = "in_loan",
        as_of: date | None = None,
        policy: credit.Policy = credit.Policy(),
        keep: bool = True,
        seen: Seen | None = None,
    ) -> dict[str, Any]:
        """Score a firm with the bank's active card: score, PD, rating, reasons, knock-outs,
        suggested line and price, each with the credibility of its inputs; kept as the decision
        record unless `keep` is off (a view that only shows it). `seen`: the firm's values when
        the caller has read them already."""
        day = as_of or local_today(self.clock.now())
        version, card = self.card(principal.org)
        seen = seen or self.bank.seen(principal, org, purpose, day)
        values, credibility = seen
        firm = self.bank.firm(principal, org, purpose, day, seen=seen)
        row = datasets.platform_row(values)
        frame = pd.DataFrame([{f.id: row.get(f.id) for f in card.features}])
        result = score_rows(card, frame)[0]
        knockouts = [t["name_zh"] for t in firm["tags"] if t["nature"] == "knockout"]
        inputs = {k: values.get(src) for k, src in LINE_INPUTS.items()}
        inputs["outstanding"] = self.outstanding(principal.org, org, day)
        line = credit.line(result["rating"], inputs, knockouts, policy)
        price = credit.price(result["pd"], policy)
        features = [
            {"feature": f.id, "name_zh": f.name_zh, "name_en": f.name_en, "group": f.group.value,
             "value": row.get(f.id), "credibility": credibility.get(f.indicator) if f.indicator
             else None, "points": result["points"].get(f.id)}
            for f in card.features
        ]  # fmt: skip
        used = [x["credibility"] for x in features if x["points"] is not None]
        line_cred = credit.weakest([credibility.get(LINE_INPUTS["sales_365"])])
        out = {
            "org": org, "name": firm["name"], "as_of": day.isoformat(), "version": version,
            "score": result["score"], "pd": result["pd"], "rating": result["rating"],
            "reasons": result["reasons"], "knockouts": knockouts, "tags": firm["tags"],
            "grade": firm["grade"], "features": features,
            "credibility": {"weakest": credit.weakest(used),
                            "mix": {c: used.count(c) for c in credit.CREDIBILITY_ORDER}},
            "line": {**line, "credibility": line_cred, "inputs": inputs},
            "price": price, "policy": policy.as_dict(),
        }  # fmt: skip
        if not keep:
            return out
        now = self.clock.now()
        with self.store.transaction() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO credit_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [principal.org, org, day, version, out["score"], out["pd"], out["rating"],
                 line["amount"], price["annual_rate"], json.dumps(out, default=_plain),
                 principal.username, now],
            )  # fmt: skip
        return out

    def scores(self, owner: str, org: str | None = None) -> list[dict[str, Any]]:
        """The decision record: the bank's kept scores, newest first."""
        sql = ("SELECT org, as_of, version, score, pd, rating, line, annual_rate, scored_by, "
               "scored_at FROM credit_scores WHERE owner = ?")  # fmt: skip
        args: list[Any] = [owner]
        if org:
            sql += " AND org = ?"
            args.append(org)
        rows = dicts(self.store.cursor().execute(sql + " ORDER BY scored_at DESC", args))
        for r in rows:
            r["as_of"] = r["as_of"].isoformat()
            r["scored_at"] = r["scored_at"].isoformat()
            r["line"] = float(r["line"])
        return rows


def _plain(v: Any) -> Any:
    """numpy scalars and dates in JSON."""
    if hasattr(v, "item"):
        return v.item()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    raise TypeError(f"not JSON: {type(v).__name__}")
