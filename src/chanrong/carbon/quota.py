"""Carbon quotas (碳配额): a firm's allowance for a calendar year, its use so far and the
over-emission forecast, pure SQL over an instant ({now}, {day}: `workdays.fill`).

- used = emissions from 1 January to yesterday, with the factors the quota names (its accounting
  basis), location- or market-based as the quota says;
- rate = emissions of the last RATE_DAYS days / RATE_DAYS (calendar days, weekends and holidays
  included, so the rate carries the firm's own rhythm);
- forecast = used + rate x the days left in the year, today included;
- over-emission alert (超排预警) when the forecast exceeds the allowance; 'nodata' when no energy
  reading arrived in the last RATE_DAYS days (a silent meter is not a low emitter).
Only what had arrived by the instant counts, so a replay says what the live check said then.
"""

from __future__ import annotations

from chanrong.carbon.accounting import EMISSIONS_SQL, fill

RATE_DAYS = 30

_CHOSEN = "SELECT org, factor_ids AS ids FROM carbon_quotas WHERE year = year({day})"
_SEEN = "received_at <= {now}"
_YTD = fill(EMISSIONS_SQL, chosen=_CHOSEN, start="make_date(year({day}), 1, 1)",
            end="CAST({day} - INTERVAL 1 DAY AS DATE)", bucket="1", seen=_SEEN)  # fmt: skip
_RECENT = fill(EMISSIONS_SQL, chosen=_CHOSEN, start=f"CAST({{day}} - INTERVAL {RATE_DAYS} DAY AS DATE)",
               end="CAST({day} - INTERVAL 1 DAY AS DATE)", bucket="1", seen=_SEEN)  # fmt: skip
_T = "CASE WHEN q.market_based THEN coalesce(e.t_market, e.t_location) ELSE e.t_location END"

QUOTA_SQL = f"""
WITH q AS (SELECT * FROM carbon_quotas WHERE year = year({{day}})),
ytd AS (SELECT e.org, sum({_T}) AS t FROM ({_YTD}) e JOIN q ON q.org = e.org GROUP BY e.org),
recent AS (
    SELECT e.org, sum({_T}) AS t, sum(e.n) AS n FROM ({_RECENT}) e JOIN q ON q.org = e.org
    GROUP BY e.org
)
SELECT q.org, q.year, q.allowance_t AS allowance, q.market_based, q.note, q.set_by,
       q.set_at, q.factor_ids, coalesce(ytd.t, 0) AS used, coalesce(recent.t, 0) / {RATE_DAYS} AS rate,
       date_diff('day', {{day}}, make_date(q.year, 12, 31)) + 1 AS days_left,
       coalesce(recent.n, 0) AS readings,
       coalesce(ytd.t, 0) + coalesce(recent.t, 0) / {RATE_DAYS}
           * (date_diff('day', {{day}}, make_date(q.year, 12, 31)) + 1) AS forecast
FROM q LEFT JOIN ytd ON ytd.org = q.org LEFT JOIN recent ON recent.org = q.org
"""

# The alert rule: one subject per firm and year; value = forecast as % of the allowance.
QUOTA_RULE_SQL = f"""
SELECT org, 'quota-' || year AS subject,
       CASE WHEN readings = 0 THEN 'nodata' WHEN forecast > allowance THEN 'on' ELSE 'off' END
           AS state,
       100 * forecast / allowance AS value,
       printf('forecast %.1f t of %.1f t allowance (%.0f%%); used %.1f t so far, %.2f t/day over '
              'the last {RATE_DAYS} days, %d days left', forecast, allowance,
              100 * forecast / allowance, used, rate, days_left) AS detail
FROM ({QUOTA_SQL})
"""
