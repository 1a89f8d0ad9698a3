"""Grading rules on their own: every criterion at its threshold, the level logic, the overall
median, the roadmap and the MIIT position."""

from __future__ import annotations

import pytest

from chanrong.grading import miit
from chanrong.grading.criteria import CRITERIA, QUESTIONS, GradeDimension, Level, Source
from chanrong.grading.rules import evaluate, grade
from chanrong.grading.toolbox import TOOLBOX, roadmap

E, M, R = GradeDimension


def passing() -> dict[str, float]:
    """Measures at exactly each data criterion's threshold: everything passes."""
    return {c.measure: c.threshold for c in CRITERIA if c.source is Source.DATA}


YES = {q.measure: True for q in QUESTIONS}


@pytest.mark.parametrize("c", [c for c in CRITERIA if c.source is Source.DATA], ids=lambda c: c.id)
def test_each_data_criterion_passes_at_its_threshold_and_fails_just_beyond(c) -> None:  # type: ignore[no-untyped-def]
    step = 1 if c.unit in ("kinds", "orders", "checks", "stages", "parties", "") else 0.001
    beyond = c.threshold - step if c.op == ">=" else c.threshold + step
    assert c.passes(c.threshold) is True
    assert c.passes(beyond) is False
    # no data is a fail, never a pass
    results = evaluate({**passing(), c.measure: None}, YES)
    assert next(r for r in results if r.criterion is c).passed is False


def test_all_met_is_optimized_everywhere_and_one_miss_drops_its_dimension_only() -> None:
    g = grade(evaluate(passing(), YES))
    assert g.overall is Level.OPTIMIZED and not g.pending
    assert g.scores == {E: 100.0, M: 100.0, R: 100.0} and g.score == 100.0
    miss = grade(evaluate({**passing(), "core_auto_share": 0.79}, YES))  # a standardized one
    assert miss.levels == {E: Level.ENTRY, M: Level.OPTIMIZED, R: Level.OPTIMIZED}
    assert miss.overall is Level.OPTIMIZED  # two of three dimensions are optimized
    assert miss.scores[E] == pytest.approx(100 * 8 / 9, abs=0.05)


def test_overall_is_the_level_two_dimensions_reach() -> None:
    base = passing()
    g = grade(evaluate({**base, "streams": 1, "tracked_share": 0.5}, YES))
    assert g.levels[E] is None  # below entry: an entry criterion failed
    g = grade(evaluate({**base, "streams": 1, "orders": 0}, YES))
    assert (g.levels[E], g.levels[M], g.levels[R]) == (None, None, Level.OPTIMIZED)
    assert g.overall is None
    g = grade(evaluate({**base, "orders": 0, "party_kinds": 1}, YES))
    assert (g.levels[M], g.levels[R], g.overall) == (None, Level.STANDARDIZED, Level.STANDARDIZED)


def test_an_unanswered_question_leaves_the_grade_provisional_and_a_no_blocks() -> None:
    g = grade(evaluate(passing(), {}))
    assert g.levels[M] is Level.OPTIMIZED and g.pending == list(QUESTIONS)
    g = grade(evaluate(passing(), {**YES, "q_data_staff": False}))
    assert g.levels[M] is Level.ENTRY and not g.pending
    g = grade(evaluate(passing(), {**YES, "q_training": False}))
    assert g.levels[M] is Level.STANDARDIZED


def test_the_roadmap_covers_every_gap_to_the_next_level_with_the_firms_own_things() -> None:
    measures = {**passing(), "core_auto_share": 0.5, "median_delay_min": 600,
                "einvoice_share": 0.2, "device_auto_share": 0.5}  # fmt: skip
    g = grade(evaluate(measures, YES))
    assert g.levels[E] is Level.ENTRY and g.levels[R] is Level.ENTRY
    steps = roadmap(g, {"core_missing": "CNC-03, CNC-04", "buyer": "星驰"}, {"output_qty"})
    element = [s for s in steps if s["dimension"] == "element"]
    assert {s["target"] for s in element} == {"standardized"}
    met = {m["criterion"] for s in element for m in s["meets"]}  # type: ignore[attr-defined]
    assert met == {"e_core_auto", "e_realtime"}
    gateway = next(s for s in element if s["tool"] == "gateway_core")
    assert "CNC-03, CNC-04" in str(gateway["how_zh"])
    assert "device_running_rate" in gateway["unlocks"]  # type: ignore[operator]
    relationship = [s["tool"] for s in steps if s["dimension"] == "relationship"]
    assert relationship == ["e_invoice"]  # free, and it meets the one gap
    # optimized everywhere: nothing left to do
    assert roadmap(grade(evaluate(passing(), YES)), {}, set()) == []
    assert all(t.meets for t in TOOLBOX)


def test_miit_points_bands_trends_and_level_rule() -> None:
    m = {"digitised_share": 1.0, "device_auto_share": 0.45, "auto_links": 7, "system_share": 1.0,
         "energy_per_revenue_change": -0.10, "pass_rate_change": 0.01, "core_auto_share": 1.0,
         "energy_interval_min": 15, "station_days_share": 1.0, "tracked_share": 1.0,
         "einvoice_share": 1.0}  # fmt: skip
    pos = miit.position(m, {"q_plan": True, "q_data_staff": False})
    points = {i["name_en"]: i["points"] for i in pos["items"]}  # type: ignore[index]
    assert points["Equipment digitised rate"] == 6.0
    assert points["Equipment networked rate"] == 4.5  # 40-60 % band
    assert points["Automatic data capture over 14 business links"] == 5.0
    assert points["Energy per 100 CNY of revenue"] == 7  # 10 % less energy per revenue: better
    assert points["Pass rate"] == 3.5  # within 2 %: the same
    assert points["Planning"] == 7.5 and points["Talent"] == 0.0 and points["Network"] is None
    assert pos["points"] == 6 + 4.5 + 5 + 10 + 7.5 + 7 + 3.5
    scenes = {s["id"]: s["level"] for s in pos["scenes"]}  # type: ignore[index]
    assert scenes["equipment"] == 3 and scenes["energy"] == 3 and scenes["safety"] is None
    # 43.5 points and 9 scenes at level 2 or above (二级 needs 40 and 6)
    assert sum(1 for v in scenes.values() if (v or 0) >= 2) == 9 and pos["level"] == 2
    # without the plan's 7.5 points: 36 points, 一级
    assert miit.position(m, {"q_plan": False})["level"] == 1
    # points alone do not make a level: no scene shown by the data, no level
    assert miit.position({"auto_links": 14, "system_share": 0.5}, YES)["level"] is None
