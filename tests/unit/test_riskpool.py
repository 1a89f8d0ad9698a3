"""The risk-compensation pool's Monte Carlo against what can be computed exactly: the binomial
distribution when defaults are independent, the Vasicek quantile when they share a factor."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binom, norm

from chanrong.park.riskpool import Exposure, PoolError, Terms, simulate


def test_independent_defaults_follow_the_binomial_law() -> None:
    # ten loans of 100 元, PD 10 %, all lost; the pool pays every loss up to its 250 元
    terms = Terms(government_fund=150, park_fund=100, pool_share=1.0, lgd=1.0, correlation=0.0,
                  runs=200_000, seed=7)  # fmt: skip
    r = simulate([Exposure(100, 0.1)] * 10, terms)
    assert r["covered"] == 1000 and r["coverage_ratio"] == 0.25 and r["leverage"] == 4
    assert r["expected_loss_formula"] == pytest.approx(100)
    assert r["expected_loss"] == pytest.approx(100, abs=4 * r["expected_loss_se"])
    # the pool runs dry beyond 2 defaults: P(D >= 3) = 0.0702
    assert r["p_pool_exhausted"] == pytest.approx(binom.sf(2, 10, 0.1), abs=0.003)
    # it pays E[min(100 D, 250)] = 100 P(1) + 200 P(2) + 250 P(D >= 3) = 95.03
    paid = 100 * binom.pmf(1, 10, 0.1) + 200 * binom.pmf(2, 10, 0.1) + 250 * binom.sf(2, 10, 0.1)
    assert r["pool_expected_paid"] == pytest.approx(paid, rel=0.01)
    assert r["government_expected_paid"] == pytest.approx(0.6 * r["pool_expected_paid"])
    assert r["bank_expected_loss"] == pytest.approx(r["expected_loss"] - r["pool_expected_paid"])


def test_a_common_factor_fattens_the_tail_as_vasicek_says() -> None:
    # 500 equal small loans, PD 2 %, rho 0.2: the 99th percentile of the loss rate tends to
    # N((N^-1(0.02) + sqrt(0.2) N^-1(0.99)) / sqrt(0.8)) as the portfolio grows
    loans = [Exposure(1_000, 0.02)] * 500
    correlated = simulate(loans, Terms(pool_share=1, lgd=1, correlation=0.2, runs=50_000))
    vasicek = norm.cdf((norm.ppf(0.02) + math.sqrt(0.2) * norm.ppf(0.99)) / math.sqrt(0.8))
    assert correlated["loss"]["p99"] / 500_000 == pytest.approx(vasicek, rel=0.1)
    # the mean does not move: the PDs are kept
    assert correlated["expected_loss"] == pytest.approx(
        10_000, abs=4 * correlated["expected_loss_se"]
    )
    independent = simulate(loans, Terms(pool_share=1, lgd=1, correlation=0.0, runs=50_000))
    assert independent["loss"]["p99"] < 0.5 * correlated["loss"]["p99"]


def test_unscored_borrowers_take_the_stated_pd_and_the_split_follows_the_terms() -> None:
    terms = Terms(government_fund=1e9, park_fund=0, pool_share=0.4, lgd=0.5, default_pd=0.05,
                  correlation=0.1, runs=20_000)  # fmt: skip
    r = simulate([Exposure(1_000_000, None), Exposure(2_000_000, 0.01)], terms)
    assert r["scored"] == 1
    assert r["expected_loss_formula"] == pytest.approx(0.05 * 500_000 + 0.01 * 1_000_000)
    # a pool that never runs dry pays exactly its share of every loss
    assert r["p_pool_exhausted"] == 0
    assert r["pool_expected_paid"] == pytest.approx(0.4 * r["expected_loss"])
    assert r["park_expected_paid"] == 0


def test_no_loans_and_bad_terms() -> None:
    r = simulate([], Terms())
    assert r["covered"] == 0 and r["coverage_ratio"] is None and r["expected_loss"] == 0
    assert r["within_leverage"] and r["p_pool_exhausted"] == 0
    with pytest.raises(PoolError, match="correlation"):
        simulate([], Terms(correlation=1.0))
    with pytest.raises(PoolError, match="pool_share"):
        Terms(pool_share=1.5).check()
