"""The indicator catalog: every indicator of the financing and order tables (DOMAIN.md), one
module per dimension. docs/indicators.md is generated from it (`chanrong indicators --docs`)."""

from __future__ import annotations

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
from chanrong.indicators.checks import CHECKS_BY_ID
from chanrong.indicators.spec import Indicator

CATALOG: tuple[Indicator, ...] = tuple(
    i
    for m in (production, assets, transactions, credit, qualification, supply, quality, tech)
    for i in m.INDICATORS
)
BY_ID: dict[str, Indicator] = {i.id: i for i in CATALOG}
assert len(BY_ID) == len(CATALOG), "indicator ids are unique"
assert all(c in CHECKS_BY_ID for i in CATALOG for c in i.corroborated_by), "known checks only"
