"""Supplier scorecards on hand-made periods: criteria, weights, decay, standings, and the card
checks that name what is wrong."""

from __future__ import annotations

import pytest

from chanrong.supply.scorecard import (
    Card,
    CardError,
    Criterion,
    Standing,
    criterion_score,
    overall,
    period,
)

VARIABLES = {"on_time_qty", "received_qty", "accepted_qty", "rework_rate", "days_late"}
CARD = Card((
    Criterion("delivery", "按时交付", "On-time delivery", "100 * on_time_qty / received_qty", 50),
    Criterion("quality", "来料合格", "Accepted quantity", "100 * accepted_qty / received_qty", 30),
    Criterion("rework", "返工", "Rework", "100 - 10 * rework_rate - max(0, days_late - 2)", 20),
))  # fmt: skip


def test_a_period_by_hand() -> None:
    CARD.check(VARIABLES)
    got = period(CARD, {"on_time_qty": 900, "received_qty": 1000, "accepted_qty": 980,
                        "rework_rate": 1.5, "days_late": 5})  # fmt: skip
    scores = {r["criterion"]: r["score"] for r in got["criteria"]}  # type: ignore[attr-defined]
    # 90; 98; 100 - 15 - 3 = 82
    assert scores == {"delivery": 90.0, "quality": 98.0, "rework": 82.0}
    assert got["total"] == pytest.approx(90 * 0.5 + 98 * 0.3 + 82 * 0.2)  # 90.8
    assert got["score"] == pytest.approx(90.8)


def test_scores_are_capped_and_missing_data_counts_neither_way() -> None:
    over = Criterion("x", "x", "x", "2 * on_time_qty", 100, max_score=100)
    assert criterion_score(over, {"on_time_qty": 80}) == 100  # capped at its max
    assert criterion_score(over, {"on_time_qty": -5}) == 0  # never below 0
    assert criterion_score(over, {"on_time_qty": None}) is None
    ratio = Criterion("r", "r", "r", "on_time_qty / received_qty", 100)
    assert criterion_score(ratio, {"on_time_qty": 1, "received_qty": 0}) is None  # no deliveries
    got = period(CARD, {"on_time_qty": 900, "received_qty": 1000, "accepted_qty": None,
                        "rework_rate": 0, "days_late": 0})  # fmt: skip
    # quality has no data: 90 x 0.5 + 100 x 0.2 = 65 out of a reachable 70
    assert got["total"] == pytest.approx(65) and got["max_total"] == pytest.approx(70)
    assert got["score"] == pytest.approx(100 * 65 / 70)


def test_older_periods_decay() -> None:
    card = Card(CARD.criteria, decay=4)
    # newest first: weights 1, 0.75, 0.5, 0.25, then 0
    totals = [(90.0, 100.0), (50.0, 100.0), (70.0, 100.0), (10.0, 100.0), (0.0, 100.0)]
    expected = 100 * (90 + 0.75 * 50 + 0.5 * 70 + 0.25 * 10) / (100 * (1 + 0.75 + 0.5 + 0.25))
    assert overall(card, totals) == pytest.approx(expected)  # 66.0
    assert overall(card, []) is None


def test_standings_cover_zero_to_a_hundred_both_included() -> None:
    assert [CARD.standing(s).id for s in (0, 49.99, 50, 84.9, 85, 100)] == [
        "disqualified", "disqualified", "watch", "qualified", "excellent", "excellent"]  # fmt: skip


@pytest.mark.parametrize(
    ("card", "message"),
    [
        (Card((Criterion("a", "a", "a", "on_time_qty", 60),)), "weights sum to 60"),
        (Card((Criterion("a", "a", "a", "price * 2", 100),)), "unknown variable(s) price"),
        (Card((Criterion("a", "a", "a", "__import__('os')", 100),)), "only min() and max()"),
        (Card((Criterion("a", "a", "a", "on_time_qty ** 2", 100),)), "Pow is not allowed"),
        (Card((Criterion("a", "a", "a", "on_time_qty +", 100),)), "criterion a: invalid syntax"),
        (Card((Criterion("a", "a", "a", "on_time_qty", 100),),
              (Standing("low", "低", "low", 0, 40, "-"), Standing("hi", "高", "hi", 50, 100, "-"))),
         "leave a gap or overlap (40 vs 50)"),
    ],
)  # fmt: skip
def test_a_wrong_card_is_refused_with_the_part_named(card: Card, message: str) -> None:
    with pytest.raises(CardError, match=message.replace("(", r"\(").replace(")", r"\)")):
        card.check(VARIABLES)
