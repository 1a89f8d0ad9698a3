"""Emission factors (排放因子), each with where it comes from: series, data year, region, variant
and source, as published and per base unit of its energy type. Pure data and rules.

Grid electricity: the MEE/NBS 电力二氧化碳排放因子 series (national, regional, excluding
market-traded non-fossil power, fossil only) and the national carbon market's reporting value.
Fuels: GB/T 32150-2015's method, EF = NCV x carbon content per heat x oxidation rate x 44/12.
Purchased heat: the accounting guidelines' default. Sources are in the facts file and
docs/carbon.md; an operator adds a newer year through the API, never by editing a number here.
"""

from __future__ import annotations

from dataclasses import dataclass

from chanrong.indicators.views import BASE_UNITS

CO2_PER_C = 44 / 12
# Units a factor is published in: (the base unit of the energy it applies to, tCO2 per base unit
# for one published unit).
VALUE_UNITS: dict[str, tuple[str, float]] = {
    "tCO2/MWh": ("kWh", 0.001),
    "tCO2/10^4 Nm3": ("m3", 1e-4),
    "tCO2/t": ("t", 1.0),
    "tCO2/GJ": ("GJ", 1.0),
}
SCOPES = {"electricity": 2, "steam": 2, "gas": 1, "coal": 1, "diesel": 1}
# Variants: average (location-based scope 2), residual (the average excluding market-traded
# non-fossil power: what market-based scope 2 applies to power not covered by certificates),
# fossil (fossil-fired plants only), carbon_market (the national ETS reporting value), default.
VARIANTS = ("average", "residual", "fossil", "carbon_market", "default")
# GB/T 2260 province (first two digits) -> regional grid of the MEE/NBS regional factors.
# Inner Mongolia is split (蒙西 north, 蒙东 northeast); its code is taken as 蒙西.
GRID_REGIONS: dict[str, tuple[str, ...]] = {
    "north": ("11", "12", "13", "14", "15", "37"),
    "northeast": ("21", "22", "23"),
    "east": ("31", "32", "33", "34", "35"),
    "central": ("36", "41", "42", "43"),
    "northwest": ("61", "62", "63", "64", "65"),
    "south": ("44", "45", "46", "52", "53"),
    "southwest": ("50", "51", "54"),
}
REGION_NAMES = {"national": ("全国", "National"), "north": ("华北", "North"),
                "northeast": ("东北", "Northeast"), "east": ("华东", "East"),
                "central": ("华中", "Central"), "northwest": ("西北", "Northwest"),
                "south": ("南方", "South"), "southwest": ("西南", "Southwest")}  # fmt: skip


class FactorError(ValueError):
    """A factor or a factor choice the rules do not allow; the message says which and why."""


@dataclass(frozen=True)
class Factor:
    id: str
    energy_type: str
    variant: str
    series: str
    year: int
    region: str
    value: float
    value_unit: str
    source: str

    @property
    def scope(self) -> int:
        return SCOPES[self.energy_type]

    @property
    def t_per_base(self) -> float:
        """tCO2 per base unit of the energy type (kWh, m3, t, GJ)."""
        return self.value * VALUE_UNITS[self.value_unit][1]

    def check(self) -> Factor:
        if self.energy_type not in SCOPES:
            raise FactorError(f"{self.id}: energy_type {self.energy_type!r} has no emissions; "
                              f"use one of {', '.join(SCOPES)}")  # fmt: skip
        if self.value_unit not in VALUE_UNITS:
            raise FactorError(f"{self.id}: value_unit {self.value_unit!r}; "
                              f"use one of {', '.join(VALUE_UNITS)}")  # fmt: skip
        if VALUE_UNITS[self.value_unit][0] != BASE_UNITS[self.energy_type]:
            raise FactorError(f"{self.id}: {self.value_unit} does not fit {self.energy_type}, "
                              f"which is counted in {BASE_UNITS[self.energy_type]}")  # fmt: skip
        if self.variant not in VARIANTS:
            raise FactorError(
                f"{self.id}: variant {self.variant!r}; use one of {', '.join(VARIANTS)}"
            )
        if self.region not in REGION_NAMES:
            raise FactorError(
                f"{self.id}: region {self.region!r}; use one of {', '.join(REGION_NAMES)}"
            )
        if not 0 < self.value < 100:
            raise FactorError(f"{self.id}: value {self.value} is not a plausible factor")
        if not 1990 <= self.year <= 2100:
            raise FactorError(f"{self.id}: year {self.year}")
        if not self.source.strip() or not self.series.strip():
            raise FactorError(f"{self.id}: a factor needs its series and its source")
        return self


def fuel_factor(ncv_gj: float, carbon_t_per_tj: float, oxidation: float) -> float:
    """GB/T 32150-2015: tCO2 per unit of fuel = NCV (GJ per unit) x carbon content (tC/TJ)
    / 1000 x oxidation rate x 44/12."""
    return ncv_gj * carbon_t_per_tj / 1000 * oxidation * CO2_PER_C


MEE = "MEE/NBS 电力二氧化碳排放因子"
_MEE_SOURCE = {
    2021: "生态环境部 国家统计局 公告2024年第12号(2024年4月):2021年电力二氧化碳排放因子",
    2022: "生态环境部 国家统计局 2022年电力二氧化碳排放因子(2024年12月发布)",
    2023: "生态环境部 国家统计局 2023年电力二氧化碳排放因子(2026年1月发布)",
}
_GRID: dict[int, dict[str, float]] = {
    2021: {"national/average": 0.5568, "national/fossil": 0.8426},
    2022: {"national/average": 0.5366, "national/residual": 0.5856, "national/fossil": 0.8325,
           "north/average": 0.6776, "northwest/average": 0.5857, "east/average": 0.5617,
           "northeast/average": 0.5564, "central/average": 0.5395, "south/average": 0.3869,
           "southwest/average": 0.2268},
    2023: {"national/average": 0.5306, "national/residual": 0.6096, "national/fossil": 0.8273,
           "north/average": 0.6361, "northeast/average": 0.5122, "east/average": 0.5500,
           "central/average": 0.5271, "northwest/average": 0.5543, "south/average": 0.4042,
           "southwest/average": 0.2472},
}  # fmt: skip
# (fuel, published unit, NCV in GJ per unit, carbon content tC/TJ, oxidation rate)
_FUELS = (
    ("coal", "tCO2/t", 20.908, 26.37, 0.94, "原煤 低位发热量 20.908 GJ/t"),
    ("diesel", "tCO2/t", 42.652, 20.2, 0.98, "柴油 低位发热量 42.652 GJ/t"),
    ("gas", "tCO2/10^4 Nm3", 389.31, 15.3, 0.99, "天然气 低位发热量 389.31 GJ/10^4 Nm3"),
)


def _official() -> tuple[Factor, ...]:
    out = [
        Factor(f"grid/{year}/{key}", "electricity", key.split("/")[1], MEE, year,
               key.split("/")[0], value, "tCO2/MWh", _MEE_SOURCE[year])
        for year, values in _GRID.items() for key, value in values.items()
    ]  # fmt: skip
    out.append(Factor(
        "grid/2022/national/carbon_market", "electricity", "carbon_market",
        "全国碳市场 发电行业报告用电网排放因子", 2022, "national", 0.5703, "tCO2/MWh",
        "生态环境部《关于做好2023—2025年发电行业企业温室气体排放报告管理有关工作的通知》"))  # fmt: skip
    out += [
        Factor(f"fuel/{fuel}/gbt32150", fuel, "default", "GB/T 32150-2015", 2015, "national",
               round(fuel_factor(ncv, cc, ox), 4), unit,
               f"GB/T 32150-2015 方法:{text} × 单位热值含碳量 {cc} tC/TJ × 碳氧化率 {ox:.0%} "
               "× 44/12(低位发热量取 GB/T 2589)")
        for fuel, unit, ncv, cc, ox, text in _FUELS
    ]  # fmt: skip
    out.append(Factor(
        "heat/default/2015", "steam", "default", "温室气体排放核算方法与报告指南", 2015, "national",
        0.11, "tCO2/GJ", "《工业其他行业企业温室气体排放核算方法与报告指南(试行)》"
        "(发改办气候〔2015〕1722号)外购热力排放因子缺省值 0.11 tCO2/GJ"))  # fmt: skip
    return tuple(f.check() for f in out)


OFFICIAL: tuple[Factor, ...] = _official()


def grid_region(region_code: str | None) -> str | None:
    """The regional grid of a GB/T 2260 region code, or None when it is not known."""
    prov = (region_code or "")[:2]
    return next((r for r, provs in GRID_REGIONS.items() if prov in provs), None)


@dataclass(frozen=True)
class Choice:
    """Which factors an account uses: the grid factor's year (None: the newest up to the
    accounting year) and region ('national', 'auto' from the firm's region code, or a grid
    region); fuels and heat take their newest default."""

    grid_year: int | None = None
    region: str = "national"

    def check(self) -> Choice:
        if self.region not in ("auto", *REGION_NAMES):
            raise FactorError(
                f"region {self.region!r}; use auto or one of {', '.join(REGION_NAMES)}"
            )
        return self


@dataclass(frozen=True)
class Chosen:
    """The factors of one firm's account: the ids by role and what was decided, in words."""

    ids: tuple[str, ...]
    location: str  # grid factor for location-based scope 2
    market: str | None  # residual grid factor for market-based scope 2 (None: not published)
    notes: tuple[dict[str, str], ...]  # {"zh": ..., "en": ...}


def choose(
    factors: list[Factor], choice: Choice, year: int, region_code: str | None
) -> Chosen:  # fmt: skip
    """Pick the factors for an account of `year` for a firm in `region_code`."""
    grid = [f for f in factors if f.energy_type == "electricity"]
    years = sorted({f.year for f in grid if f.variant == "average"})
    if not years:
        raise FactorError("no grid factor in the library")
    notes: list[dict[str, str]] = []
    if choice.grid_year is None:
        gy = max([y for y in years if y <= year] or years[:1])
        notes.append({"zh": f"电网因子取 {gy} 年(截至 {year} 年已发布的最新年份)",
                      "en": f"grid factor of {gy}, the newest published up to {year}"})  # fmt: skip
    elif choice.grid_year not in years:
        raise FactorError(f"no grid factor for {choice.grid_year}; there are {years}")
    else:
        gy = choice.grid_year
    region = choice.region
    if region == "auto":
        region = grid_region(region_code) or "national"
        if not any(f.year == gy and f.region == region and f.variant == "average" for f in grid):
            notes.append({"zh": f"{gy} 年无{REGION_NAMES[region][0]}电网因子,改用全国平均",
                          "en": f"no {region} factor for {gy}: national average used"})  # fmt: skip
            region = "national"
    by = {(f.year, f.region, f.variant): f for f in grid}
    loc = by.get((gy, region, "average"))
    if loc is None:
        raise FactorError(f"no {region} grid average for {gy}")
    market = by.get((gy, "national", "residual"))
    if market is None:
        notes.append({"zh": f"{gy} 年无剩余电网因子,不计算基于市场的范围二",
                      "en": f"no residual grid factor for {gy}: market-based scope 2 not computed"})  # fmt: skip
    others = {}
    for energy in sorted({f.energy_type for f in factors} - {"electricity"}):
        cands = sorted((f for f in factors if f.energy_type == energy and f.variant == "default"),
                       key=lambda f: f.year)  # fmt: skip
        if cands:  # the newest up to the year, or the oldest when all are newer
            others[energy] = ([f for f in cands if f.year <= year] or cands[:1])[-1]
    ids = (loc.id, *([market.id] if market else []), *(f.id for f in others.values()))
    return Chosen(ids, loc.id, market.id if market else None, tuple(notes))
