"""The indicator catalog: every indicator of the financing and order tables (DOMAIN.md), one
module per dimension. docs/indicators.md is generated from it (`chanrong indicators --docs`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chanrong.indicators.catalog import (
    assets,
    credit,
    production,
    qualification,
    quality,
    supply,
    tech,
    transactions,
)
from chanrong.indicators.checks import CHECKS, CHECKS_BY_ID, Check
from chanrong.indicators.spec import Fact, Indicator

CATALOG: tuple[Indicator, ...] = tuple(
    i
    for m in (production, assets, transactions, credit, qualification, supply, quality, tech)
    for i in m.INDICATORS
)
BY_ID: dict[str, Indicator] = {i.id: i for i in CATALOG}
# in dependency order
FACTS: tuple[Fact, ...] = production.FACTS + supply.FACTS + transactions.FACTS
assert len(BY_ID) == len(CATALOG), "indicator ids are unique"
assert all(c in CHECKS_BY_ID for i in CATALOG for c in i.corroborated_by), "known checks only"


@dataclass(frozen=True)
class Affected:
    """What new records of some kinds can change, and how. The rest keep their stored values."""

    indicators: list[Indicator]  # those reading the kinds: computed again
    checks: list[Check]  # those reading the kinds: computed again
    # Unchanged by the records, taken as kept for the day: the indicators a moved check
    # corroborates (their credibility may turn, their value cannot), and the checks not reading
    # the kinds that the credibility of the indicators above rests on.
    kept_indicators: list[Indicator]
    kept_checks: list[Check]


def affected(kinds: Iterable[str]) -> Affected:
    new = set(kinds)
    checks = [c for c in CHECKS if new & set(c.kinds)]
    moved = {c.id for c in checks}
    indicators = [i for i in CATALOG if new & set(i.kinds)]
    restated = [i for i in CATALOG if not new & set(i.kinds) and moved & set(i.corroborated_by)]
    needed = {c for i in indicators + restated for c in i.corroborated_by} - moved
    return Affected(indicators, checks, restated, [c for c in CHECKS if c.id in needed])
