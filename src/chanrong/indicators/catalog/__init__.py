"""The indicator catalog: every indicator of the financing and order tables (DOMAIN.md), one
module per dimension. docs/indicators.md is generated from it (`chanrong indicators --docs`)."""

from __future__ import annotations

from collections.abc import Iterable

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


def affected(kinds: Iterable[str]) -> tuple[list[Indicator], list[Check]]:
    """What new records of these kinds can change: the indicators that read them or that a
    check reading them corroborates (their credibility may turn), and the checks those
    indicators' credibility rests on. The rest keep their stored values."""
    new = set(kinds)
    moved = {c.id for c in CHECKS if new & set(c.kinds)}
    indicators = [i for i in CATALOG if new & set(i.kinds) or moved & set(i.corroborated_by)]
    needed = moved | {c for i in indicators for c in i.corroborated_by}
    return indicators, [c for c in CHECKS if c.id in needed]
