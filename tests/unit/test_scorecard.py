"""Scorecards: metrics on hand-computed cases, the real public credit data against published
figures, the out-of-time split, reason codes, and the documented line and price rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from chanrong.finance import credit, datasets
from chanrong.finance import scorecard as sc


def test_auc_gini_ks_on_hand_made_scores() -> None:
    perfect = sc.discrimination(np.array([1, 1, 0, 0]), np.array([1.0, 2, 3, 4]))
    assert perfect == {"auc": 1.0, "gini": 1.0, "ks": 1.0}
    # bads at 1 and 3, goods at 2 and 4: of the 4 bad-good pairs, 3 are ordered right
    mixed = sc.discrimination(np.array([1, 0, 1, 0]), np.array([1.0, 2, 3, 4]))
    assert mixed["auc"] == pytest.approx(0.75) and mixed["gini"] == pytest.approx(0.5)
    assert mixed["ks"] == pytest.approx(0.5)  # after score 1: 1/2 of bads, 0 of goods
    # a tie between a bad and a good is not split by KS
    tied = sc.discrimination(np.array([1, 0]), np.array([5.0, 5.0]))
    assert tied["auc"] == pytest.approx(0.5) and tied["ks"] == pytest.approx(0.0)


def test_psi_by_hand() -> None:
    edges = np.array([5.0])
    same = sc.psi(np.array([1.0, 2, 8, 9]), np.array([1.0, 2, 8, 9]), edges)
    assert same == pytest.approx(0.0)
    moved = sc.psi(np.array([1.0, 2, 8, 9]), np.array([1.0, 1, 1, 9]), edges)
    # (0.75 − 0.5) ln(0.75/0.5) + (0.25 − 0.5) ln(0.25/0.5)
    assert moved == pytest.approx(0.25 * math.log(1.5) + 0.25 * math.log(2))


def test_points_to_double_the_odds_and_ratings() -> None:
    s = sc.Scaling(pdo=20, base_score=600, base_odds=50)
    assert s.factor == pytest.approx(20 / math.log(2))
    assert s.offset == pytest.approx(600 - 20 / math.log(2) * math.log(50))
    assert s.pd(np.array([600.0]))[0] == pytest.approx(1 / 51)  # good:bad 50:1
    assert s.pd(np.array([620.0]))[0] == pytest.approx(1 / 101)  # +PDO doubles the odds
    assert [sc.rating(p) for p in (0.005, 0.0051, 0.04, 0.2)] == ["AAA", "AA", "BBB", "CCC"]


def test_german_credit_information_values_match_published_figures() -> None:
    data = datasets.german()
    assert len(data.frame) == 1000 and data.frame["bad"].sum() == 300
    report = sc.train(data).report
    for row in report["iv_check"]:
        assert row["ours"] == pytest.approx(row["published"], abs=0.01), row
    val = report["metrics"]["validation"]
    assert val["auc"] > 0.75 and val["gini"] == pytest.approx(2 * val["auc"] - 1)
    assert report["split"] == "row_order"  # the file has no dates
    assert sum(b["rows"] for b in report["calibration"]) == report["samples"]["validation"]["rows"]
    ivs = {f["feature"]: f for f in report["features"]}
    assert ivs["status_of_existing_checking_account"]["selected"]
    assert all(not f["selected"] for f in report["features"] if f["iv"] < sc.MIN_IV)


def test_credit_data_scorecard_is_stable_and_calibrated() -> None:
    data = datasets.credit_data()
    assert len(data.frame) == 4454 and data.frame["bad"].sum() == 1254
    trained = sc.train(data)
    report = trained.report
    assert report["metrics"]["validation"]["auc"] > 0.78
    assert report["psi"] < 0.1  # train and validation scores alike
    # calibration: the worst band's predicted PD and observed bad rate are both the highest
    cal = report["calibration"]
    assert cal[0]["observed_bad_rate"] == max(b["observed_bad_rate"] for b in cal)
    assert cal[0]["predicted_pd"] == pytest.approx(cal[0]["observed_bad_rate"], abs=0.15)
    # monotonic binning: the bad rate of Seniority's bins only falls as seniority grows
    t = trained.card.table
    rates = t[(t["Variable"] == "Seniority") & (t["Count"] > 0)
              & ~t["Bin"].isin(["Special", "Missing"])]["Event rate"].to_numpy()  # fmt: skip
    assert len(rates) > 2 and np.all(np.diff(rates) <= 1e-12)


def test_platform_book_out_of_time_split_and_uplift_of_realtime_features() -> None:
    data = datasets.platform(seed=11, loans=3000)
    train, valid = sc.split(data)
    assert train["when"].max() <= valid["when"].min()
    report = sc.train(data).report
    assert report["split"] == "out_of_time"
    up = report["uplift"]
    assert up["auc_gain"] > 0.05 and up["all"]["auc"] > up["traditional"]["auc"]
    assert set(up["realtime_features"]) == {f.id for f in data.of(sc.Group.REALTIME)}


def test_score_is_the_sum_of_points_and_reasons_name_the_weakest_features() -> None:
    data = datasets.platform(seed=3, loans=3000)
    card = sc.fit(data.frame, data.features)
    best = data.frame.iloc[[0]].copy()
    weak = best.copy()
    weak["device_running_rate_90"] = np.nan  # no telemetry: its own bin
    weak["collection_rate_90"] = 20.0
    scored = sc.score(card, pd.concat([best, weak], ignore_index=True))
    for r in scored:
        # each feature's points are shown to 0.1: the sum may be off by half of that each
        assert r["score"] == pytest.approx(sum(r["points"].values()), abs=0.05 * len(r["points"]))
        assert r["pd"] == pytest.approx(float(card.scaling.pd(np.array([r["score"]]))[0]), rel=0.01)
    reasons = {x["feature"]: x for x in scored[1]["reasons"]}
    assert "collection_rate_90" in reasons and "device_running_rate_90" in reasons
    assert "无数据" in reasons["device_running_rate_90"]["text_zh"]
    assert "has no data" in reasons["device_running_rate_90"]["text_en"]
    assert reasons["collection_rate_90"]["lost"] == pytest.approx(
        reasons["collection_rate_90"]["best"] - reasons["collection_rate_90"]["points"], abs=0.11
    )
    lost = [x["lost"] for x in scored[1]["reasons"]]
    assert lost == sorted(lost, reverse=True)
    assert scored[1]["score"] < scored[0]["score"]


def test_credit_line_by_the_working_capital_rule() -> None:
    policy = credit.Policy()
    inputs = {"sales_365": 12_000_000.0, "sales_change_365": 10.0, "days_of_inventory": 30.0,
              "collateral_value": 1_000_000.0, "outstanding": 500_000.0}  # fmt: skip
    got = credit.line("A", inputs, [], policy)
    # turnovers 360/(30+60) = 4; need = 12M × 0.92 × 1.10 / 4 = 3,036,000
    # revenue line = 3,036,000 × 0.7 − 500,000 = 1,625,200; collateral line 500,000
    steps = {s["step"]: s["value"] for s in got["steps"]}
    assert steps["turnovers"] == pytest.approx(4.0)
    assert steps["working_capital_need"] == pytest.approx(3_036_000)
    assert steps["revenue_line"] == pytest.approx(1_625_200)
    assert got["amount"] == 2_120_000  # 2,125,200 in whole 万元
    capped = credit.line("B", inputs, [], policy)
    assert capped["amount"] == 1_000_000  # rating B cap
    small = credit.line("A", {**inputs, "sales_365": 1_000_000.0}, [], policy)
    assert small["amount"] == 300_000  # 30 % of sales
    assert credit.line("A", inputs, ["失信被执行人"], policy)["declined"] == "knockout"
    assert credit.line("CCC", inputs, [], policy) == {
        "amount": 0.0,
        "declined": "rating",
        "steps": [],
        "knockouts": [],
    }
    growth = credit.line("A", {**inputs, "sales_change_365": 90.0}, [], policy)
    assert {s["step"]: s["value"] for s in growth["steps"]}["growth"] == pytest.approx(0.30)


def test_risk_based_price() -> None:
    # 3.0 % + 2 % × 45 % + 1.0 % + 10.5 % × 10 % × 75 % = 5.6875 % -> 5.70 %
    got = credit.price(0.02)
    assert got["annual_rate"] == pytest.approx(0.057)
    assert sum(got["parts"].values()) == pytest.approx(0.056875)
    assert credit.price(0.0)["annual_rate"] == pytest.approx(0.0480)  # 4.7875 % -> 4.80 %
    assert credit.weakest(["third_party", "self", None]) == "self"
    assert credit.weakest([None]) is None
