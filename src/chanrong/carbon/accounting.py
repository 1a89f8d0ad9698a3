"""Carbon accounting (碳核算), pure SQL over the stored events and the factor library.

Per GB/T 32150-2015 and the GHG Protocol: scope 1 is fuel burnt on site (natural gas, coal,
diesel: activity x the fuel's factor); scope 2 is purchased electricity and heat. Scope 2 is
reported both ways (GHG Protocol Scope 2 Guidance):
- location-based: electricity x the grid average factor of the firm's grid (or the nation);
- market-based: electricity not covered by renewable certificates or green-power contracts
  claimed for the same period x the residual factor (the average excluding market-traded
  non-fossil power); the covered part counts zero. A claim spreads evenly over the days it names
  and never covers more than the electricity used in the bucket.
Water is energy (tce) but has no emissions here. Energy in tce uses the GB/T 2589 factors of the
indicator catalog, the same numbers as `energy_tce`.

Placeholders: {chosen} a relation (org, ids) naming each firm's factor ids; {start} and {end}
SQL dates (inclusive); {bucket} an expression over `day` (a month, or {start} for the period);
{seen} a condition on received_at (TRUE, or `received_at <= {now}` for a replay).
"""

from __future__ import annotations

from chanrong.indicators.catalog.production import PRICES
from chanrong.indicators.views import energy_case
from chanrong.model.base import EVENT_DAY

_ENERGY = f"""
SELECT org, meter, channel, energy_type, {EVENT_DAY} AS day,
       {energy_case("per_base")} AS base_qty, {energy_case("kgce")} AS kgce
FROM ev_energy
WHERE {{seen}} AND {EVENT_DAY} BETWEEN {{start}} AND {{end}}
  AND org IN (SELECT org FROM ({{chosen}}))
"""

# One row per firm, bucket and energy type.
EMISSIONS_SQL = f"""
WITH f AS (
    SELECT c.org, x.* FROM ({{chosen}}) c JOIN carbon_factors x ON list_contains(c.ids, x.id)
), e AS (
    SELECT org, {{bucket}} AS bucket, energy_type, sum(base_qty) AS qty, sum(kgce) AS kgce,
           count(*) AS n, count(*) FILTER (WHERE channel = 'third_party') AS n_third,
           count(*) FILTER (WHERE channel = 'device') AS n_device
    FROM ({_ENERGY}) GROUP BY ALL
), claims AS (  -- a certificate re-sent (corrected) counts once, as last sent
    SELECT * FROM ev_green_power
    WHERE {{seen}} AND consumed_to >= {{start}} AND consumed_from <= {{end}}
      AND org IN (SELECT org FROM ({{chosen}}))
    QUALIFY row_number() OVER (PARTITION BY org, instrument_no ORDER BY event_time DESC, id DESC) = 1
), g AS (
    SELECT org, {{bucket}} AS bucket, sum(kwh) AS kwh FROM (
        SELECT org, CAST(unnest(generate_series(
                   CAST(greatest(consumed_from, {{start}}) AS TIMESTAMP),
                   CAST(least(consumed_to, {{end}}) AS TIMESTAMP), INTERVAL 1 DAY)) AS DATE) AS day,
               mwh * 1000 / (date_diff('day', consumed_from, consumed_to) + 1) AS kwh
        FROM claims
    ) GROUP BY ALL
)
SELECT e.org, e.bucket, e.energy_type, e.qty, e.kgce / 1000 AS tce, e.n, e.n_third, e.n_device,
       fl.scope, fl.id AS factor, fm.id AS market_factor,
       e.qty * fl.t_per_base AS t_location,
       CASE WHEN e.energy_type <> 'electricity' THEN e.qty * fl.t_per_base
            WHEN fm.id IS NOT NULL THEN greatest(e.qty - coalesce(g.kwh, 0), 0) * fm.t_per_base
       END AS t_market,
       CASE WHEN e.energy_type = 'electricity' THEN least(coalesce(g.kwh, 0), e.qty) END
           AS green_kwh
FROM e
LEFT JOIN f fl ON fl.org = e.org AND fl.energy_type = e.energy_type AND fl.variant <> 'residual'
LEFT JOIN f fm ON fm.org = e.org AND e.energy_type = 'electricity'
    AND fm.energy_type = 'electricity' AND fm.variant = 'residual'
LEFT JOIN g ON g.org = e.org AND g.bucket = e.bucket AND e.energy_type = 'electricity'
"""

# Energy and location-based emissions per meter over the period.
METERS_SQL = f"""
WITH f AS (
    SELECT c.org, x.* FROM ({{chosen}}) c JOIN carbon_factors x ON list_contains(c.ids, x.id)
    WHERE x.variant <> 'residual'
)
SELECT e.org, e.meter, e.energy_type, sum(e.base_qty) AS qty, sum(e.kgce) / 1000 AS tce,
       sum(e.base_qty) * any_value(f.t_per_base) AS t_location, count(*) AS n,
       any_value(e.channel) AS channel
FROM ({_ENERGY}) e LEFT JOIN f ON f.org = e.org AND f.energy_type = e.energy_type
GROUP BY ALL ORDER BY e.org, t_location DESC NULLS LAST
"""

# Electricity per machine from its gateway's cumulative energy register (kWh), per day then
# summed, so a register reset or wrap loses at most a day's first reading.
DEVICES_SQL = f"""
SELECT org, device, sum(kwh) AS kwh, count(*) AS days FROM (
    SELECT org, device, {EVENT_DAY} AS day, max(energy_kwh) - min(energy_kwh) AS kwh
    FROM ev_telemetry
    WHERE {{seen}} AND energy_kwh IS NOT NULL AND {EVENT_DAY} BETWEEN {{start}} AND {{end}}
      AND org IN (SELECT org FROM ({{chosen}}))
    GROUP BY ALL
) GROUP BY ALL ORDER BY org, kwh DESC
"""

# Output value per firm and bucket: good quantity x the item's reference price, the definition
# of the catalog's output_value (average tax-included sales price in the 365 days to {end}).
# Reads the catalog's canonical views (indicators.engine.prepare).
OUTPUT_SQL = (
    "WITH r AS (" + PRICES.sql.replace("{ystart}", "({end} - INTERVAL 364 DAY)::DATE") + ") "
    "SELECT p.org, {bucket} AS bucket, p.unit, sum(p.good_qty) AS qty, "
    "sum(p.good_qty * r.price) AS value, count(*) FILTER (WHERE r.price IS NULL) AS unpriced "
    "FROM v_production_report p LEFT JOIN r ON r.org = p.org AND r.item = p.item "
    "WHERE p.day BETWEEN {start} AND {end} GROUP BY ALL"
)


def fill(sql: str, *, chosen: str, start: str, end: str, bucket: str, seen: str = "TRUE") -> str:
    """The query with its placeholders; `bucket` may name {start}."""
    return (sql.replace("{bucket}", bucket).replace("{chosen}", chosen)
            .replace("{start}", start).replace("{end}", end).replace("{seen}", seen))  # fmt: skip
