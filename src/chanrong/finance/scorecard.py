"""Credit scorecards (贷中审核): training with optimal monotonic binning, the model report a
bank's model validation asks for, and scoring with reason codes.

Pure: a data set in, a fitted card and its report out; no storage, no clock. The pipeline is the
same for the platform's loan book and for the public credit data sets (`finance.datasets`).

- Binning: optbinning's `BinningProcess`, each numerical feature with a monotonic trend (the one
  the feature declares, or the better of ascending and descending), features under IV 0.02
  dropped.
- Model: logistic regression on the WOE, scaled by points to double the odds:
  factor = PDO / ln 2, offset = base score − factor × ln(base odds); score = offset + factor ×
  ln(good:bad odds), so PD = 1 / (1 + exp((score − offset) / factor)).
- Split: time-ordered (the oldest share trains, the newest validates: out-of-time validation).
- Report: AUC, Gini = 2·AUC − 1, KS on both samples; PSI of the score from training to validation;
  calibration by score band; IV per feature; and, when the data has both kinds of feature, the
  uplift of the real-time production features over the traditional ones on the same split.
- Reason codes: the features where the applicant's points fall furthest below the best points
  the card gives that feature (the usual adverse-action reasons).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

MIN_IV = 0.02  # features below this carry no usable information (the usual cut)
TRAIN_SHARE = 0.7
BANDS = 10  # score bands for PSI and calibration (deciles of the training scores)


class Group(StrEnum):
    TRADITIONAL = "traditional"  # what a bank knows without the platform: registry, courts, tax
    REALTIME = "realtime"  # production-operations data the platform collects


@dataclass(frozen=True)
class Feature:
    id: str
    name_zh: str
    name_en: str
    group: Group = Group.TRADITIONAL
    categorical: bool = False
    trend: str = "auto_asc_desc"  # optbinning monotonic_trend for numerical features
    unit: str = ""
    indicator: tuple[str, int] | None = None  # (indicator id, window) it is read from, if any


@dataclass(frozen=True)
class Dataset:
    """Rows to learn from: feature columns, `bad` (1 = defaulted) and optionally `when`."""

    name: str
    title_zh: str
    title_en: str
    frame: pd.DataFrame
    features: tuple[Feature, ...]
    source: str
    time_ordered: bool  # has a `when` column (else rows are taken in their given order)
    published: dict[str, Any] = field(default_factory=dict)  # figures others report on it

    def of(self, group: Group) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.group is group)


@dataclass(frozen=True)
class Scaling:
    pdo: float = 20.0
    base_score: float = 600.0
    base_odds: float = 50.0  # good:bad odds at the base score

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.base_score - self.factor * math.log(self.base_odds)

    def pd(self, score: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp((np.asarray(score, float) - self.offset) / self.factor))


# Rating grades by probability of default (upper bound, inclusive).
RATINGS: tuple[tuple[str, float], ...] = (
    ("AAA", 0.005), ("AA", 0.01), ("A", 0.02), ("BBB", 0.04), ("BB", 0.08), ("B", 0.15),
    ("CCC", 1.0),
)  # fmt: skip


def rating(pd_: float) -> str:
    return next(g for g, top in RATINGS if pd_ <= top)


@dataclass
class Card:
    """A fitted scorecard: the optbinning model and what it was fitted on."""

    card: Any  # optbinning.scorecard.Scorecard
    features: tuple[Feature, ...]
    scaling: Scaling
    table: pd.DataFrame  # optbinning's detailed table: Variable, Bin, Points, WoE, IV...

    @property
    def selected(self) -> list[str]:
        return [str(v) for v in self.table["Variable"].unique()]

    def scores(self, frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.card.score(_x(frame, self.features)), float)

    def points(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Points per selected feature per row (rows x features)."""
        x = _x(frame, self.features)
        bp = self.card.binning_process_
        out = {}
        for var in self.selected:
            t = self.table[self.table["Variable"] == var]
            optb = bp.get_binned_variable(var)
            # the rows of the table: bins, then Special, then Missing (as card.score reads them)
            idx = optb.transform(x[var].to_numpy(), metric="indices", metric_special="empirical",
                                 metric_missing="empirical")  # fmt: skip
            out[var] = t["Points"].to_numpy()[np.asarray(idx, int)]
        return pd.DataFrame(out, index=frame.index)


def _x(frame: pd.DataFrame, features: tuple[Feature, ...]) -> pd.DataFrame:
    x = frame[[f.id for f in features]].copy()
    for f in features:
        if f.categorical:
            x[f.id] = x[f.id].astype(object).where(x[f.id].notna(), None)
        else:
            x[f.id] = pd.to_numeric(x[f.id], errors="coerce").astype(float)
    return x


def split(data: Dataset, share: float = TRAIN_SHARE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Out-of-time split: the oldest `share` of rows train, the newest validate."""
    frame = data.frame.sort_values("when", kind="stable") if data.time_ordered else data.frame
    cut = round(len(frame) * share)
    return frame.iloc[:cut], frame.iloc[cut:]


def fit(train: pd.DataFrame, features: tuple[Feature, ...], scaling: Scaling = Scaling()) -> Card:
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    names = [f.id for f in features]
    process = BinningProcess(
        names,
        categorical_variables=[f.id for f in features if f.categorical],
        selection_criteria={"iv": {"min": MIN_IV}},
        binning_fit_params={f.id: {"monotonic_trend": f.trend} for f in features
                            if not f.categorical},
    )  # fmt: skip
    card = Scorecard(
        binning_process=process,
        estimator=LogisticRegression(max_iter=1000),
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": scaling.pdo, "odds": scaling.base_odds,
                               "scorecard_points": scaling.base_score},
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # missing is information (no telemetry, no inspections): its own bin, its own WoE
        card.fit(_x(train, features), train["bad"].to_numpy(int), metric_missing="empirical",
                 metric_special="empirical")  # fmt: skip
    table = card.table(style="detailed")
    return Card(card, features, scaling, table)


# --- metrics -------------------------------------------------------------------------------------


def discrimination(bad: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """AUC, Gini and KS of a score where higher means safer."""
    from sklearn.metrics import roc_auc_score

    bad = np.asarray(bad, int)
    score = np.asarray(score, float)
    if bad.min() == bad.max():
        return {"auc": float("nan"), "gini": float("nan"), "ks": float("nan")}
    auc = float(roc_auc_score(bad, -score))
    order = np.argsort(score, kind="stable")
    b = bad[order]
    cum_bad = np.cumsum(b) / b.sum()
    cum_good = np.cumsum(1 - b) / (1 - b).sum()
    # only where the score changes, so ties do not split
    last = np.r_[score[order][1:] != score[order][:-1], True]
    ks = float(np.max(np.abs(cum_bad - cum_good)[last]))
    return {"auc": auc, "gini": 2 * auc - 1, "ks": ks}


def band_edges(score: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """Inner edges of score bands: the deciles of the scores given (duplicates dropped)."""
    q = np.quantile(np.asarray(score, float), np.linspace(0, 1, bands + 1)[1:-1])
    return np.unique(q)


def psi(expected: np.ndarray, actual: np.ndarray, edges: np.ndarray) -> float:
    """Population stability index Σ (a − e) · ln(a / e) over the bands (0.1 watch, 0.25 act)."""
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1)
    e = np.maximum(e / e.sum(), 1e-4)
    a = np.maximum(a / a.sum(), 1e-4)
    return float(np.sum((a - e) * np.log(a / e)))


def calibration(
    bad: np.ndarray, score: np.ndarray, pd_: np.ndarray, edges: np.ndarray
) -> list[dict[str, Any]]:
    """Per score band: rows, predicted PD (mean) and observed bad rate."""
    band = np.searchsorted(edges, score, side="right")
    lows = np.r_[-np.inf, edges]
    highs = np.r_[edges, np.inf]
    out = []
    for k in range(len(edges) + 1):
        m = band == k
        n = int(m.sum())
        out.append({
            "band": k + 1,
            "from": None if k == 0 else round(float(lows[k]), 1),
            "to": None if k == len(edges) else round(float(highs[k]), 1),
            "rows": n,
            "predicted_pd": float(pd_[m].mean()) if n else None,
            "observed_bad_rate": float(np.asarray(bad)[m].mean()) if n else None,
        })  # fmt: skip
    return out


def information_values(card: Card) -> list[dict[str, Any]]:
    """IV per candidate feature on the training data, highest first, and whether it was kept."""
    summary = _summary(card.card.binning_process_)
    kept = set(card.selected)
    by_id = {f.id: f for f in card.features}
    rows = []
    for _, r in summary.iterrows():
        f = by_id[str(r["name"])]
        rows.append({"feature": f.id, "name_zh": f.name_zh, "name_en": f.name_en,
                     "group": f.group.value, "iv": float(r["iv"]), "bins": int(r["n_bins"]),
                     "selected": f.id in kept})  # fmt: skip
    return sorted(rows, key=lambda r: -r["iv"])


def all_rows_iv(data: Dataset, ids: tuple[str, ...]) -> dict[str, float]:
    """IV of the named features binned on every row of the data set."""
    from optbinning import BinningProcess

    feats = tuple(f for f in data.features if f.id in ids)
    process = BinningProcess(
        [f.id for f in feats], categorical_variables=[f.id for f in feats if f.categorical]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        process.fit(_x(data.frame, feats), data.frame["bad"].to_numpy(int))
    return {str(r["name"]): float(r["iv"]) for _, r in _summary(process).iterrows()}


def _summary(process: Any) -> pd.DataFrame:
    with warnings.catch_warnings():  # optbinning 1.0 uses pandas' deprecated inplace=
        warnings.simplefilter("ignore")
        return process.summary()


# --- training and its report ---------------------------------------------------------------------


@dataclass
class Trained:
    card: Card
    report: dict[str, Any]


def _sample(frame: pd.DataFrame) -> dict[str, Any]:
    return {"rows": len(frame), "bad": int(frame["bad"].sum()),
            "bad_rate": float(frame["bad"].mean()) if len(frame) else None,
            "from": str(frame["when"].min()) if "when" in frame and len(frame) else None,
            "to": str(frame["when"].max()) if "when" in frame and len(frame) else None}  # fmt: skip


def train(data: Dataset, scaling: Scaling = Scaling(), share: float = TRAIN_SHARE) -> Trained:
    tr, va = split(data, share)
    for name, part in (("training", tr), ("validation", va)):
        if part["bad"].nunique() < 2:
            raise ValueError(f"the {name} sample of {data.name} has only one outcome; "
                             "a scorecard needs both good and bad loans in each")  # fmt: skip
    card = fit(tr, data.features, scaling)
    s_tr, s_va = card.scores(tr), card.scores(va)
    edges = band_edges(s_tr)
    report: dict[str, Any] = {
        "dataset": data.name, "title_zh": data.title_zh, "title_en": data.title_en,
        "source": data.source,
        "split": "out_of_time" if data.time_ordered else "row_order", "train_share": share,
        "scaling": {"pdo": scaling.pdo, "base_score": scaling.base_score,
                    "base_odds": scaling.base_odds, "factor": scaling.factor,
                    "offset": scaling.offset},
        "samples": {"training": _sample(tr), "validation": _sample(va)},
        "metrics": {"training": discrimination(tr["bad"].to_numpy(), s_tr),
                    "validation": discrimination(va["bad"].to_numpy(), s_va)},
        "psi": psi(s_tr, s_va, edges),
        "calibration": calibration(va["bad"].to_numpy(), s_va, scaling.pd(s_va), edges),
        "features": information_values(card),
        "published": data.published,
    }  # fmt: skip
    if "iv" in data.published:  # published IVs are of all rows: compare like with like
        ours = all_rows_iv(data, tuple(data.published["iv"]))
        report["iv_check"] = [{"feature": k, "published": v, "ours": ours[k]}
                              for k, v in data.published["iv"].items()]  # fmt: skip
    trad, real = data.of(Group.TRADITIONAL), data.of(Group.REALTIME)
    if trad and real:
        base = fit(tr, trad, scaling)
        b = discrimination(va["bad"].to_numpy(), base.scores(va))
        full = report["metrics"]["validation"]
        report["uplift"] = {
            "traditional": b, "all": full,
            "auc_gain": full["auc"] - b["auc"], "ks_gain": full["ks"] - b["ks"],
            "traditional_features": [f.id for f in trad], "realtime_features": [f.id for f in real],
        }  # fmt: skip
    return Trained(card, report)


# --- scoring -------------------------------------------------------------------------------------


def _shown(v: Any, f: Feature) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}{f.unit}"
    return f"{v}{f.unit}"


def score(card: Card, frame: pd.DataFrame, reasons: int = 4) -> list[dict[str, Any]]:
    """Score, PD, rating and the top reason codes of each row."""
    s = card.scores(frame)
    p = card.scaling.pd(s)
    pts = card.points(frame)
    best = {v: float(card.table[card.table["Variable"] == v]["Points"].max()) for v in pts}
    by_id = {f.id: f for f in card.features}
    out = []
    for i, (idx, row) in enumerate(pts.iterrows()):
        gaps = sorted(((best[v] - float(row[v]), v) for v in pts.columns), reverse=True)
        codes = []
        for gap, v in gaps[:reasons]:
            if gap <= 0.5:
                break
            f = by_id[v]
            value = frame.loc[idx, v]
            value = value.item() if hasattr(value, "item") else value
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            codes.append({
                "feature": v, "points": round(float(row[v]), 1), "best": round(best[v], 1),
                "lost": round(gap, 1), "value": None if missing else value,
                "text_zh": f"{f.name_zh}{'无数据' if missing else '为 ' + _shown(value, f)}，"
                           f"比最好的区间少 {gap:.0f} 分",
                "text_en": f"{f.name_en} {'has no data' if missing else 'is ' + _shown(value, f)}"
                           f": {gap:.0f} points below the best band",
            })  # fmt: skip
        out.append({"score": round(float(s[i]), 1), "pd": float(p[i]), "rating": rating(p[i]),
                    "reasons": codes,
                    "points": {v: round(float(row[v]), 1) for v in pts.columns}})  # fmt: skip
    return out
