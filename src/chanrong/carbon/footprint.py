"""Product carbon footprint per work order (工单碳足迹), pure SQL: the firm's energy and
emissions of each calendar month are allocated to the production reports of that month by run
time, then summed per work order.

Run time of a report (报工), over its window (period_start to event_time):
- measured: the window's length x the share of its machine's gateway readings in the window that
  say running (the machine's own run time);
- declared: the window's length, when the machine sends no readings (self-attested);
- reports of one machine over the same window share its run time by the quantity processed
  (good + scrap + rework: scrap took energy too); reports without a window get none, and are
  listed with no footprint.
The month is the allocation period, so meters read by hand once a week or a month allocate right;
energy of a month with no run time (a shutdown) is left unallocated and shown as such.
Footprint per unit = the work order's allocated emissions (location-based) / its good quantity.
"""

from __future__ import annotations

from chanrong.carbon.accounting import EMISSIONS_SQL, fill
from chanrong.model.base import EVENT_DAY

MONTH = "date_trunc('month', day)"

RUNS_SQL = f"""
WITH rep AS (
    SELECT org, id, work_order_no, item, device, unit, good_qty,
           good_qty + scrap_qty + rework_qty AS processed, period_start AS t0, event_time AS t1,
           {EVENT_DAY} AS day
    FROM ev_production_report
    WHERE {{seen}} AND {EVENT_DAY} BETWEEN {{start}} AND {{end}}
      AND org IN (SELECT org FROM ({{chosen}}))
), win AS (
    SELECT r.org, r.id, count(*) AS n, count(*) FILTER (WHERE t.run_state = 'running') AS running
    FROM rep r JOIN ev_telemetry t ON t.org = r.org AND t.device = r.device
        AND t.event_time > r.t0 AND t.event_time <= r.t1
    WHERE t.run_state IS NOT NULL
    GROUP BY ALL
), mins AS (
    SELECT r.*, date_diff('second', r.t0, r.t1) / 60.0 AS span,
           date_diff('second', r.t0, r.t1) / 60.0 * w.running / w.n AS machine_min
    FROM rep r LEFT JOIN win w ON w.org = r.org AND w.id = r.id
)
SELECT *, {{month}} AS bucket, machine_min IS NOT NULL AS measured,
       greatest(coalesce(machine_min, span), 0) * processed
           / NULLIF(sum(processed) OVER (PARTITION BY org, coalesce(device, ''), t0, t1), 0)
           AS run_min
FROM mins
"""

FOOTPRINT_SQL = f"""
WITH runs AS ({RUNS_SQL}),
em AS (
    SELECT org, bucket, sum(t_location) AS t, sum(tce) AS tce
    FROM ({EMISSIONS_SQL}) GROUP BY ALL
), minutes AS (
    SELECT org, bucket, sum(run_min) AS run_min FROM runs GROUP BY ALL
), rate AS (
    SELECT m.org, m.bucket, em.t / NULLIF(m.run_min, 0) AS t_per_min,
           em.tce / NULLIF(m.run_min, 0) AS tce_per_min
    FROM minutes m LEFT JOIN em ON em.org = m.org AND em.bucket = m.bucket
)
SELECT r.org, r.work_order_no, any_value(r.item) AS item, any_value(r.unit) AS unit,
       sum(r.good_qty) AS good_qty, sum(r.run_min) AS run_min, count(*) AS reports,
       bool_and(r.measured) AS measured, min(r.day) AS first_day, max(r.day) AS last_day,
       sum(r.run_min * rate.t_per_min) AS t, sum(r.run_min * rate.tce_per_min) AS tce,
       1000 * sum(r.run_min * rate.t_per_min) / NULLIF(sum(r.good_qty), 0) AS kg_per_unit
FROM runs r JOIN rate ON rate.org = r.org AND rate.bucket = r.bucket
GROUP BY r.org, r.work_order_no
"""

# How much of each month's emissions the run time carried (the rest: months without production).
ALLOCATED_SQL = f"""
WITH runs AS ({RUNS_SQL}),
em AS (SELECT org, bucket, sum(t_location) AS t FROM ({EMISSIONS_SQL}) GROUP BY ALL),
minutes AS (SELECT org, bucket, sum(run_min) AS run_min FROM runs GROUP BY ALL)
SELECT em.org, sum(em.t) AS t,
       sum(CASE WHEN coalesce(m.run_min, 0) > 0 THEN em.t ELSE 0 END) AS allocated
FROM em LEFT JOIN minutes m ON m.org = em.org AND m.bucket = em.bucket
GROUP BY em.org
"""


def footprint_sql(sql: str, chosen: str, start: str, end: str) -> str:
    return fill(sql.replace("{month}", MONTH), chosen=chosen, start=start, end=end, bucket=MONTH)
