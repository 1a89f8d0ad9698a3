"""The factor library's rules on hand-checked numbers: GB/T 32150 fuel factors from their
parameters (the facts file's values), units per base, grid regions and the choice of factors."""

from __future__ import annotations

import pytest

from chanrong.carbon.factors import (
    OFFICIAL,
    Choice,
    Factor,
    FactorError,
    choose,
    fuel_factor,
    grid_region,
)

BY_ID = {f.id: f for f in OFFICIAL}


def test_fuel_factors_follow_gbt32150_from_ncv_carbon_content_and_oxidation() -> None:
    # 20.908 GJ/t x 26.37 tC/TJ / 1000 x 0.94 x 44/12 = 1.9003 tCO2/t (facts file)
    assert fuel_factor(20.908, 26.37, 0.94) == pytest.approx(1.9003, abs=5e-5)
    assert fuel_factor(42.652, 20.2, 0.98) == pytest.approx(3.0959, abs=5e-5)
    assert fuel_factor(389.31, 15.3, 0.99) == pytest.approx(21.622, abs=5e-4)
    assert BY_ID["fuel/coal/gbt32150"].value == 1.9003
    assert BY_ID["fuel/diesel/gbt32150"].value == 3.0959


def test_factors_per_base_unit() -> None:
    # tCO2/MWh -> per kWh; tCO2/10^4 Nm3 -> per m3; tCO2/GJ and tCO2/t unchanged
    assert BY_ID["grid/2023/national/average"].t_per_base == pytest.approx(0.0005306)
    assert BY_ID["fuel/gas/gbt32150"].t_per_base == pytest.approx(0.00216219)
    assert BY_ID["heat/default/2015"].t_per_base == 0.11
    assert BY_ID["grid/2023/national/average"].scope == 2
    assert BY_ID["fuel/gas/gbt32150"].scope == 1


def test_the_published_grid_values_are_kept_as_published() -> None:
    assert BY_ID["grid/2021/national/average"].value == 0.5568
    assert BY_ID["grid/2022/national/residual"].value == 0.5856
    assert BY_ID["grid/2023/national/residual"].value == 0.6096
    assert BY_ID["grid/2023/southwest/average"].value == 0.2472
    assert BY_ID["grid/2022/national/carbon_market"].value == 0.5703
    assert all(f.source and f.series for f in OFFICIAL)


@pytest.mark.parametrize(
    ("code", "region"),
    [("330206", "east"), ("110105", "north"), ("440300", "south"), ("510100", "southwest"),
     ("500000", "southwest"), ("420100", "central"), ("650100", "northwest"),
     ("230100", "northeast"), ("710000", None), (None, None)],
)  # fmt: skip
def test_grid_region_of_a_region_code(code: str | None, region: str | None) -> None:
    assert grid_region(code) == region


def test_choose_takes_the_newest_grid_factor_up_to_the_year_and_the_firms_region() -> None:
    c = choose(list(OFFICIAL), Choice(region="auto"), 2026, "330206")
    assert c.location == "grid/2023/east/average"
    assert c.market == "grid/2023/national/residual"
    assert {"fuel/gas/gbt32150", "fuel/coal/gbt32150", "heat/default/2015"} <= set(c.ids)
    # an account of 2022 uses 2022's factor
    assert choose(list(OFFICIAL), Choice(), 2022, None).location == "grid/2022/national/average"


def test_choose_falls_back_to_national_when_the_year_has_no_regional_factor() -> None:
    c = choose(list(OFFICIAL), Choice(grid_year=2021, region="auto"), 2026, "330206")
    assert c.location == "grid/2021/national/average"
    assert c.market is None  # 2021 has no residual factor: market-based not computed
    assert any("national average used" in n["en"] for n in c.notes)


def test_choose_refuses_what_is_not_published() -> None:
    with pytest.raises(FactorError, match="no grid factor for 2019"):
        choose(list(OFFICIAL), Choice(grid_year=2019), 2026, None)
    with pytest.raises(FactorError, match="no east grid average for 2021"):
        choose(list(OFFICIAL), Choice(grid_year=2021, region="east"), 2026, None)
    with pytest.raises(FactorError, match="region"):
        Choice(region="mars").check()


def test_a_factor_must_fit_its_energy_and_name_its_source() -> None:
    good = Factor("grid/2024/national/average", "electricity", "average", "MEE/NBS", 2024,
                  "national", 0.52, "tCO2/MWh", "公告")  # fmt: skip
    assert good.check() is good
    with pytest.raises(FactorError, match="does not fit electricity"):
        Factor("x/1", "electricity", "average", "s", 2024, "national", 0.5, "tCO2/t", "s").check()
    with pytest.raises(FactorError, match="series and its source"):
        Factor("x/2", "gas", "default", "s", 2024, "national", 21.6, "tCO2/10^4 Nm3", " ").check()
    with pytest.raises(FactorError, match="no emissions"):
        Factor("x/3", "water", "default", "s", 2024, "national", 0.1, "tCO2/t", "s").check()
