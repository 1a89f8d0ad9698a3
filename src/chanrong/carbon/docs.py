"""docs/carbon.md, generated from the factor library and the rules (`chanrong carbon docs`)."""

from __future__ import annotations

from chanrong.carbon.factors import GRID_REGIONS, OFFICIAL, REGION_NAMES, VALUE_UNITS
from chanrong.carbon.quota import RATE_DAYS
from chanrong.carbon.report import FOOTPRINTS
from chanrong.carbon.service import MIN_GROUP, PCAF_METERED, PURPOSES, TOP_FOOTPRINTS
from chanrong.indicators.views import BASE_UNITS, ENERGY_FACTORS

INTRO = """# Energy and carbon (能-碳)

Generated from `chanrong.carbon` by `chanrong carbon docs`; do not edit by hand.

Energy and carbon data decide production permits and carbon trading for small manufacturers,
and they are strong credit evidence: a factory that burns gas and draws power is running. The
platform keeps each firm's energy by meter and machine and turns it into a carbon account:

- **a firm** sees its own account on `/carbon` (导航"能耗与碳排放"): totals, energy structure,
  monthly trend, each meter and machine, the footprint of each work order, its quota, and the
  factors used, and downloads the report as Excel or PDF;
- **a bank or a buyer** reads a firm's account under the firm's consent with scope `carbon`
  (`/orgs/{{uscc}}/carbon`; purposes: {purposes});
- **a park or local government** sees `/park/carbon`: totals over every member firm, structure
  by energy type and industry, the monthly trend, firms ranked by carbon intensity (named only
  under their consent), and carbon quotas, which it sets there; plus the park report;
- **the platform operator** keeps the factor library (`/carbon/factors`).

API: `GET /api/v1/carbon/account` (and `.xlsx`, `.pdf`), `GET /api/v1/carbon/factors`,
`POST /api/v1/carbon/factors`, `GET /api/v1/carbon/quotas`,
`PUT|DELETE /api/v1/carbon/quotas/{{uscc}}/{{year}}`, `GET /api/v1/park/carbon` (and `.xlsx`,
`.pdf`). Query parameters of an account or the park view: `start`, `end` (default: 1 January to
yesterday), `grid_year` (default: the newest published up to the period's year), `region`
(`national`, `auto`: the firm's grid from its region code, or a grid region). CLI:
`chanrong carbon account USCC --xlsx F --pdf F`.

## Data

Energy readings (`energy`, docs/data-contract.md): electricity (kWh, MWh), natural gas (m3),
steam or heat (t, GJ), raw coal (t, kg), diesel (t, kg), water (t, m3). A reading covers the
period up to its `event_time` and counts on that day. Renewable electricity the firm holds
certificates for (绿证, 1 certificate = 1 MWh) or bought under a green-power contract (绿电交易)
is its own record kind, `green_power`: the number, the MWh, and the first and last day of the
consumption it is claimed for (`consumed_to` may not be before `consumed_from`). The registry
or the power exchange sends it as `third_party`; a re-sent number counts once, as last sent.

## Energy in standard coal (GB/T 2589-2020)

1 kgce = 29,307.6 kJ. Electricity at its calorific equivalent (当量值). The same factors give the
indicator `energy_tce` (docs/indicators.md).

| energy | unit | kgce per unit | base unit | source |
| --- | --- | ---: | --- | --- |
{tce_rows}

## Emissions (GB/T 32150-2015, GHG Protocol)

- **Scope 1**, fuel burnt on site: activity (base unit) x the fuel's factor. A fuel's factor
  follows GB/T 32150: EF = net calorific value x carbon content per heat x oxidation rate x 44/12.
- **Scope 2**, purchased electricity and heat, reported both ways (GHG Protocol Scope 2
  Guidance):
  - *location-based*: electricity x the grid average factor of the chosen grid;
  - *market-based*: electricity not covered by a green-power claim x the residual factor (the
    national average excluding market-traded non-fossil power); the covered part counts zero.
    A claim spreads evenly over the days it names; it never covers more than the electricity
    used in the period (or month) it is counted in. Heat and fuels are the same in both.
- Heat: steam in tonnes becomes GJ at 3.763 GJ/t (GB/T 2589's low-pressure steam), then x the
  heat factor.
- Water is energy (tce) but has no emissions here.
- Totals: location-based = scope 1 + scope 2 location-based; market-based likewise.

## Factor library

Every factor is stored with its series, data year, region, variant and source, as published
and converted to tCO2 per base unit; none is a bare number, and none is ever changed: a newer
year or a correction is a new factor. Platform administrators add factors by
`POST /api/v1/carbon/factors` (units: {units}). The official ones:

| id | energy | scope | variant | value | series | year | region | source |
| --- | --- | ---: | --- | --- | --- | ---: | --- | --- |
{factor_rows}

Variants: `average` (location-based scope 2), `residual` (average excluding market-traded
non-fossil power: market-based scope 2), `fossil` (fossil-fired plants only, for reference),
`carbon_market` (the national carbon market's reporting value), `default` (fuel and heat).

### Choosing factors

- Grid year: the one asked for, or the newest year published up to the period's end year (MEE
  and NBS publish with a delay of about two years, so an account of 2026 uses 2023's factor).
- Region: `national`; a grid region; or `auto`, the firm's regional grid from the first two
  digits of its GB/T 2260 region code (below). When the year has no regional factor, the
  national average is used and the account says so.
- Market-based scope 2 needs a residual factor for the grid year; without one it is not
  computed and the account says so.
- Fuels and heat: the newest default factor up to the period's year.

| grid | provinces (GB/T 2260) |
| --- | --- |
{region_rows}

Inner Mongolia (15) belongs to two grids (蒙西 North, 蒙东 Northeast); its code is taken as North.

## Intensity

- **Carbon per 10,000 CNY of output value (单位产值碳排放)**: tCO2 (location- and
  market-based) / (output value / 10,000). Output value follows the indicator catalog's
  `output_value`: the good quantity of each production report x the item's reference price, the
  average tax-included unit price of its sales order lines in the 365 days to the period's end
  (price basis: tax-included sales prices; items never sold in that year are left out and
  counted as unpriced).
- **Energy per 10,000 CNY (万元产值能耗)**: tce on the same basis.
- **Carbon per unit of output**: kgCO2 per unit, when all the firm's output is in one unit;
  otherwise per product, from the footprints.
- Each account shows how its readings came: the share from devices and from third parties.
- For a bank's financed emissions (PCAF): an account computed from the firm's own metered
  energy is PCAF option 2a, data quality score {pcaf} (`pcaf_score`); score 1 needs the
  emissions verified by a third party, which the platform does not do.

## Product carbon footprint per work order

{footprint}
The account and its report list the {top} work orders with the most emissions, with these
columns: {fp_columns}.

## Quotas and the over-emission warning (超排预警)

{quota}
The park sets a member's allowance for a calendar year on `/park/carbon` or by
`PUT /api/v1/carbon/quotas/{{uscc}}/{{year}}` (`allowance_t`, `market_based`, `note`,
`grid_year`, `region`); the factors chosen then are stored with the quota as its accounting
basis. Status: `on_track`, `at_risk` (the forecast exceeds the allowance), `over` (already
over), `nodata`. The warning rule `carbon_quota` (docs/alerts.md) opens an alert per firm and
year when the forecast exceeds the allowance; its value is the forecast as % of the allowance;
parks see it in their alert inbox for the firms that consented to them, and the firm sees its
own.

## The park view

- Totals, structure by energy type, the monthly trend and the quota counts cover every member
  firm (organisations whose `park` is the park): aggregates need no consent.
- Structure by industry groups firms by GB/T 4754 division (e.g. C33); a division with fewer
  than {min_group} member firms is shown as "other", so no firm stands alone in a row.
- The ranking orders firms by carbon per 10,000 CNY, lowest first, with each firm's rank among
  all ranked members; a firm is named only under its consent to the park with scope `carbon`
  (each read audited); the others count in the totals and are counted as not named. Quota
  details are listed the same way.
- Default region for a park: `auto` (each firm on its own grid).

## Reports

Excel: a sheet per table (summary, energy structure, monthly, meters, machines, footprints,
quota, factors for a firm; summary, energy structure, industry structure, monthly, ranking,
quotas, factors for a park). PDF: the same in A4, with every factor's series, year, region and
source and the method in one paragraph. Reading another firm's report takes the same consent
as its account.

## Not covered

- Process emissions (e.g. from carbonate decomposition) and refrigerant leaks: industry
  specific; no record kind carries them.
- Exported electricity and heat are not subtracted: no record kind says what a firm sells to
  the grid.
- Biomass combustion is not a fuel type here, so it is neither counted nor reported separately.
- Scope 3.
"""


def carbon_markdown() -> str:
    from chanrong.carbon.footprint import __doc__ as footprint_doc
    from chanrong.carbon.quota import __doc__ as quota_doc

    def body(doc: str | None) -> str:
        return "\n".join((doc or "").strip().splitlines()[1:]).strip()

    tce_rows = "\n".join(
        f"| {f.energy_type} | {f.unit} | {f.kgce:g} | {f.per_base:g} {BASE_UNITS[f.energy_type]} "
        f"| {f.basis} |" for f in ENERGY_FACTORS
    )  # fmt: skip
    factor_rows = "\n".join(
        f"| `{f.id}` | {f.energy_type} | {f.scope} | {f.variant} | {f.value:g} {f.value_unit} "
        f"| {f.series} | {f.year} | {REGION_NAMES[f.region][0]} {f.region} | {f.source} |"
        for f in OFFICIAL
    )  # fmt: skip
    region_rows = "\n".join(
        f"| {REGION_NAMES[r][0]} {r} | {', '.join(provs)} |" for r, provs in GRID_REGIONS.items()
    )
    return INTRO.format(
        purposes=", ".join(f"{k.value} {v}" for k, v in PURPOSES.items()),
        tce_rows=tce_rows, factor_rows=factor_rows, region_rows=region_rows,
        units=", ".join(VALUE_UNITS), footprint=body(footprint_doc), top=TOP_FOOTPRINTS,
        fp_columns=", ".join(zh for _, zh, _ in FOOTPRINTS),
        quota=body(quota_doc).replace("RATE_DAYS", str(RATE_DAYS)), min_group=MIN_GROUP,
        pcaf=PCAF_METERED,
    )  # fmt: skip
