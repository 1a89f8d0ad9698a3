"""Sharing a park credit pool, on cases computed by hand."""

from __future__ import annotations

import pytest

from chanrong.park.credit import allocate, concentration


def test_a_pool_bigger_than_the_asks_gives_every_firm_its_ask() -> None:
    assert allocate(1_000, {"a": 300, "b": 200, "c": 0}, max_share=0.5) == {
        "a": 300, "b": 200, "c": 0}  # fmt: skip


def test_asks_beyond_the_pool_are_cut_in_proportion() -> None:
    # 1,500 asked of 1,000: every firm gets two thirds of its ask
    got = allocate(1_000, {"a": 900, "b": 600}, max_share=1.0)
    assert got == {"a": 600, "b": 400}


def test_a_capped_firm_leaves_its_excess_to_the_others() -> None:
    # cap 40 % = 400: a (asks 2,000) is held at 400; the 600 left go to b and c, who ask 600
    # and 300: the common fraction is 2/3, so 400 and 200
    got = allocate(1_000, {"a": 2_000, "b": 600, "c": 300}, max_share=0.4)
    assert got == {"a": 400, "b": 400, "c": 200}
    assert sum(got.values()) <= 1_000


def test_caps_can_leave_part_of_the_pool_unused() -> None:
    assert allocate(1_000, {"a": 5_000, "b": 5_000}, max_share=0.3) == {"a": 300, "b": 300}


def test_concentration() -> None:
    c = concentration({"a": 600, "b": 300, "c": 100, "d": 0})
    assert c["hhi"] == pytest.approx(10_000 * (0.36 + 0.09 + 0.01))
    assert c["top1"] == 0.6 and c["top5"] == pytest.approx(1.0) and c["firms"] == 3
    assert concentration({})["hhi"] is None
